#ifndef STEPFN_OBSERVE_ALERT_RULES_HPP
#define STEPFN_OBSERVE_ALERT_RULES_HPP

// Alert rules over the engine's metrics (docs/observability.md, "Alerts"), and their JSON form
// (`stepfn serve --alerts FILE`). What the rules mean is evaluated by alert_evaluator
// (observe/alert_evaluator.hpp).

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

enum class alert_kind {
    failure_rate,      // (failed + timed out) / ended over the window > threshold
    failure_baseline,  // the window's failure rate > factor x the baseline window's, and > threshold
    timeouts,          // executions timed out in the window > threshold (0: any)
    task_p99,          // a Task resource's p99 run time over the window > threshold seconds
    no_progress,       // an execution made no transition for longer than threshold seconds
};

struct alert_rule {
    std::string name;
    alert_kind kind = alert_kind::failure_rate;
    // What is counted: "state_machine" (executions) or "resource" (Task attempts) for the
    // failure rates; timeouts are by machine, task_p99 by resource, no_progress by execution.
    std::string by = "state_machine";
    // Which values: "*" = each on its own (one alert per machine or resource), a name = only
    // that one, "" = all together.
    std::string match = "*";
    double window_seconds = 300;
    double baseline_seconds = 3600;   // failure_baseline: the longer window it is compared with
    double threshold = 0;             // a rate (0..1), a count, or seconds, by kind
    double factor = 3;                // failure_baseline
    std::uint64_t min_count = 1;      // rates: fewer ended executions/tasks in the window never fire
    // Hysteresis: fires after the condition held at this many evaluations in a row; resolves
    // after it failed at `resolve_after` evaluations in a row, a rate having fallen below
    // threshold x resolve_ratio (so a rate hovering at the threshold does not flap).
    int fire_after = 1;
    int resolve_after = 2;
    double resolve_ratio = 0.8;
};

inline const char* to_string(alert_kind k) noexcept {
    switch (k) {
    case alert_kind::failure_rate: return "failure_rate";
    case alert_kind::failure_baseline: return "failure_baseline";
    case alert_kind::timeouts: return "timeouts";
    case alert_kind::task_p99: return "task_p99";
    case alert_kind::no_progress: return "no_progress";
    }
    return "";
}

// {"rules": [{"name": "...", "type": "failure_rate", "window_seconds": 300, "threshold": 0.2,
// ...}]}: every member of alert_rule by its name; unknown members and bad values are errors
// naming the rule (all of them, not the first).
inline result<std::vector<alert_rule>> parse_alert_rules(const json& doc) {
    std::vector<std::string> problems;
    std::vector<alert_rule> out;
    if (!doc.is_object() || !doc.contains("rules") || !doc["rules"].is_array())
        return make_error("InvalidAlertRules", "the alert rules must be an object with a \"rules\" array");
    if (doc["rules"].size() > 1000) return make_error("InvalidAlertRules", "more than 1000 alert rules");
    std::size_t index = 0;
    for (const auto& r : doc["rules"]) {
        const std::string where = "rules[" + std::to_string(index++) + "]";
        if (!r.is_object()) {
            problems.push_back(where + " is not an object");
            continue;
        }
        alert_rule rule;
        auto text = [&](const char* key, std::string& into) {
            if (!r.contains(key)) return;
            if (r[key].is_string()) into = r[key].get<std::string>();
            else problems.push_back(where + "." + key + " must be a string");
        };
        auto number = [&](const char* key, double& into, double min) {
            if (!r.contains(key)) return;
            if (r[key].is_number() && r[key].get<double>() >= min) into = r[key].get<double>();
            else problems.push_back(where + "." + key + " must be a number of at least " + std::to_string(min));
        };
        auto count = [&](const char* key, auto& into, long long min) {
            if (!r.contains(key)) return;
            if (r[key].is_number_integer() && r[key].get<long long>() >= min && r[key].get<long long>() <= 1000000)
                into = static_cast<std::remove_reference_t<decltype(into)>>(r[key].get<long long>());
            else problems.push_back(where + "." + key + " must be a whole number from " + std::to_string(min) + " to 1000000");
        };
        static const char* const known[] = {"name", "type", "by", "match", "window_seconds",
                                            "baseline_seconds", "threshold", "factor", "min_count", "fire_after",
                                            "resolve_after", "resolve_ratio"};
        for (const auto& item : r.items()) {
            bool ok = false;
            for (const char* k : known) ok = ok || item.key() == k;
            if (!ok) problems.push_back(where + " has an unknown member \"" + item.key() + "\"");
        }
        text("name", rule.name);
        if (rule.name.empty()) problems.push_back(where + " needs a \"name\"");
        std::string type = "failure_rate";
        text("type", type);
        bool known_type = false;
        for (auto k : {alert_kind::failure_rate, alert_kind::failure_baseline, alert_kind::timeouts, alert_kind::task_p99,
                       alert_kind::no_progress})
            if (type == to_string(k)) {
                rule.kind = k;
                known_type = true;
            }
        if (!known_type) problems.push_back(where + ".type \"" + type + "\" is not one of failure_rate, failure_baseline, timeouts, task_p99, no_progress");
        text("by", rule.by);
        text("match", rule.match);
        if (rule.kind == alert_kind::task_p99) rule.by = "resource";
        if (rule.kind == alert_kind::timeouts) rule.by = "state_machine";
        if (rule.by != "state_machine" && rule.by != "resource")
            problems.push_back(where + ".by must be \"state_machine\" or \"resource\"");
        number("window_seconds", rule.window_seconds, 1);
        number("baseline_seconds", rule.baseline_seconds, 1);
        number("threshold", rule.threshold, 0);
        number("factor", rule.factor, 1);
        number("resolve_ratio", rule.resolve_ratio, 0);
        count("min_count", rule.min_count, 0);
        count("fire_after", rule.fire_after, 1);
        count("resolve_after", rule.resolve_after, 1);
        if (rule.resolve_ratio > 1) problems.push_back(where + ".resolve_ratio must be at most 1");
        if (rule.kind == alert_kind::failure_baseline && rule.baseline_seconds <= rule.window_seconds)
            problems.push_back(where + ".baseline_seconds must be longer than window_seconds");
        out.push_back(std::move(rule));
    }
    if (!problems.empty()) {
        std::string cause;
        for (const auto& p : problems) cause += (cause.empty() ? "" : "; ") + p;
        return make_error("InvalidAlertRules", cause);
    }
    return out;
}

} // namespace stepfn

#endif
