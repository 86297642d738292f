#ifndef STEPFN_OBSERVE_DETAIL_ALERT_MATH_HPP
#define STEPFN_OBSERVE_DETAIL_ALERT_MATH_HPP

// What an alert rule reads from two snapshots of a metrics_registry (now and one window
// earlier): counter increases grouped by a label, rates, and a p99 from histogram buckets.

#include <cmath>
#include <initializer_list>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/timestamp.hpp>
#include <stepfn/observe/alert_rules.hpp>
#include <stepfn/observe/metric_names.hpp>
#include <stepfn/observe/metrics_registry.hpp>

namespace stepfn::detail {

struct alert_reading {
    std::pair<std::string, std::string> label;  // what the alert is about
    double value = 0;
    bool over = false;        // the firing condition holds
    bool still_over = false;  // not yet below the resolving level
};

// The metrics alert rules read (executions' counters, tasks' counters and run times).
inline bool read_by_rules(std::string_view name) {
    if (name.rfind("Executions", 0) == 0) return true;
    for (const task_metric_names* f : {&activity_metric_names, &lambda_metric_names, &service_metric_names})
        if (name == f->succeeded || name == f->failed || name == f->timed_out || name == f->run_time) return true;
    return false;
}

inline const std::string* label_of(const metric_sample& s, std::string_view key) {
    for (const auto& l : s.labels)
        if (l.first == key) return &l.second;
    return nullptr;
}

// Sum of the named counters (a histogram: its count) per value of label `by`.
inline std::map<std::string, double> sum_by(const std::vector<metric_sample>& samples, const std::vector<std::string_view>& names,
                                            std::string_view by) {
    std::map<std::string, double> out;
    for (const auto& s : samples) {
        bool wanted = false;
        for (auto n : names) wanted = wanted || s.name == n;
        if (!wanted) continue;
        const std::string* v = label_of(s, by);
        if (!v) continue;
        out[*v] += s.type == metric_sample::kind::histogram ? static_cast<double>(s.count) : s.value;
    }
    return out;
}

// now - then per key, narrowed to the rule's `match` ("*" each, "" all as one, else that one).
inline std::map<std::string, double> increase(const std::vector<metric_sample>& now, const std::vector<metric_sample>& then,
                                              const std::vector<std::string_view>& names, std::string_view by,
                                              const std::string& match) {
    auto a = sum_by(now, names, by);
    auto b = sum_by(then, names, by);
    std::map<std::string, double> out;
    for (const auto& e : a) {
        if (match != "*" && !match.empty() && e.first != match) continue;
        const auto it = b.find(e.first);
        out[match.empty() ? std::string("*") : e.first] += e.second - (it == b.end() ? 0 : it->second);
    }
    return out;
}

inline std::vector<std::string_view> task_names(std::initializer_list<std::string_view task_metric_names::*> members) {
    std::vector<std::string_view> out;
    for (const task_metric_names* family : {&activity_metric_names, &lambda_metric_names, &service_metric_names})
        for (auto m : members) out.push_back(family->*m);
    return out;
}

// Failed (and timed-out) over all ended, per key, in the window from `then` to `now`.
inline std::map<std::string, std::pair<double, double>> failure_counts(const alert_rule& rule,
                                                                       const std::vector<metric_sample>& now,
                                                                       const std::vector<metric_sample>& then) {
    std::vector<std::string_view> bad, all;
    if (rule.by == "resource") {
        bad = task_names({&task_metric_names::failed, &task_metric_names::timed_out});
        all = task_names({&task_metric_names::failed, &task_metric_names::timed_out, &task_metric_names::succeeded});
    } else {
        bad = {metric_names::executions_failed, metric_names::executions_timed_out};
        all = {metric_names::executions_failed, metric_names::executions_timed_out, metric_names::executions_succeeded,
               metric_names::executions_aborted};
    }
    const auto b = increase(now, then, bad, rule.by, rule.match);
    const auto a = increase(now, then, all, rule.by, rule.match);
    std::map<std::string, std::pair<double, double>> out;
    for (const auto& e : a) {
        const auto it = b.find(e.first);
        out[e.first] = {it == b.end() ? 0 : it->second, e.second};
    }
    return out;
}

// The 99th percentile of the Task run times observed in the window, per resource: the upper
// bound of the bucket it falls in (+Inf past the last bound).
inline std::map<std::string, std::pair<double, double>> p99_by_resource(const alert_rule& rule,
                                                                        const std::vector<metric_sample>& now,
                                                                        const std::vector<metric_sample>& then) {
    struct acc {
        std::vector<double> bounds;
        std::vector<double> cumulative;
        double count = 0;
    };
    std::map<std::string, acc> per;
    const auto names = task_names({&task_metric_names::run_time});
    for (const auto& s : now) {
        if (s.type != metric_sample::kind::histogram) continue;
        bool wanted = false;
        for (auto n : names) wanted = wanted || s.name == n;
        const std::string* resource = label_of(s, "resource");
        if (!wanted || !resource) continue;
        if (rule.match != "*" && !rule.match.empty() && *resource != rule.match) continue;
        const metric_sample* before = nullptr;
        for (const auto& t : then)
            if (t.name == s.name && t.labels == s.labels) before = &t;
        acc& a = per[rule.match.empty() ? std::string("*") : *resource];
        if (a.bounds.empty()) {
            a.bounds = s.bounds;
            a.cumulative.assign(s.bounds.size(), 0);
        }
        if (a.bounds != s.bounds) continue;  // another bucket layout: not comparable
        for (std::size_t i = 0; i < s.bounds.size(); ++i)
            a.cumulative[i] += static_cast<double>(s.buckets[i]) - (before ? static_cast<double>(before->buckets[i]) : 0);
        a.count += static_cast<double>(s.count) - (before ? static_cast<double>(before->count) : 0);
    }
    std::map<std::string, std::pair<double, double>> out;
    for (const auto& e : per) {
        double p99 = std::numeric_limits<double>::infinity();
        const double need = std::ceil(0.99 * e.second.count);
        for (std::size_t i = 0; i < e.second.bounds.size(); ++i)
            if (e.second.cumulative[i] >= need) {
                p99 = e.second.bounds[i];
                break;
            }
        out[e.first] = {e.second.count > 0 ? p99 : 0, e.second.count};
    }
    return out;
}

inline std::vector<alert_reading> read_rule(const alert_rule& rule, const std::vector<metric_sample>& now,
                                            const std::vector<metric_sample>& then, const std::vector<metric_sample>* baseline) {
    std::vector<alert_reading> out;
    const double min_count = static_cast<double>(rule.min_count);
    switch (rule.kind) {
    case alert_kind::failure_rate:
    case alert_kind::failure_baseline: {
        std::map<std::string, std::pair<double, double>> base;
        if (baseline) base = failure_counts(rule, now, *baseline);
        for (const auto& e : failure_counts(rule, now, then)) {
            alert_reading r{{rule.by, e.first}, 0, false, false};
            const double ended = e.second.second;
            if (ended > 0 && ended >= min_count) {
                r.value = e.second.first / ended;
                r.over = r.value > rule.threshold;
                r.still_over = r.value > rule.threshold * rule.resolve_ratio;
                if (baseline) {
                    const auto it = base.find(e.first);
                    const double base_rate = it == base.end() || it->second.second <= 0 ? 0 : it->second.first / it->second.second;
                    r.over = r.over && r.value > rule.factor * base_rate;
                    r.still_over = r.still_over && r.value > rule.factor * base_rate * rule.resolve_ratio;
                }
            }
            out.push_back(std::move(r));
        }
        break;
    }
    case alert_kind::timeouts:
        for (const auto& e : increase(now, then, {metric_names::executions_timed_out}, "state_machine", rule.match)) {
            const bool over = e.second > rule.threshold;
            out.push_back({{"state_machine", e.first}, e.second, over, over});
        }
        break;
    case alert_kind::task_p99:
        for (const auto& e : p99_by_resource(rule, now, then)) {
            alert_reading r{{"resource", e.first}, e.second.first, false, false};
            if (e.second.second > 0 && e.second.second >= min_count) {
                r.over = r.value > rule.threshold;
                r.still_over = r.value > rule.threshold * rule.resolve_ratio;
            }
            out.push_back(std::move(r));
        }
        break;
    case alert_kind::no_progress: break;  // read from the progress tracker
    }
    return out;
}

} // namespace stepfn::detail

#endif
