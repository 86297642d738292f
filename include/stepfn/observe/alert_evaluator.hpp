#ifndef STEPFN_OBSERVE_ALERT_EVALUATOR_HPP
#define STEPFN_OBSERVE_ALERT_EVALUATOR_HPP

// Alerts on abnormal failures: alert rules (alert_rules.hpp) evaluated over a metrics_registry
// at times the host chooses, on the engine's clock (evaluate(now), or run_every on a clock:
// a virtual clock in tests). Counters are compared with their values one window earlier (kept
// from earlier evaluations; before the first, zero), so a rule sees what happened in its window.
// An alert fires and resolves with hysteresis (alert_rule::fire_after, resolve_after,
// resolve_ratio) and each change goes to the hook: a callback (alert_hook), a command
// (command_alert_hook) or a webhook (integrations/http_alert_webhook.hpp).
//
//   auto progress = std::make_shared<stepfn::progress_tracker>();   // for no_progress rules
//   auto alerts = std::make_shared<stepfn::alert_evaluator>(metrics, rules, hook, progress);
//   alerts->run_every(clock, std::chrono::seconds(10));            // progress: also a history sink

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/clocks/timer.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/observe/alert_rules.hpp>
#include <stepfn/observe/detail/alert_math.hpp>
#include <stepfn/observe/metrics_registry.hpp>

namespace stepfn {

struct alert_event {
    std::string rule;
    alert_kind kind = alert_kind::failure_rate;
    bool firing = true;                                       // false: resolved
    std::vector<std::pair<std::string, std::string>> labels;  // {"state_machine", "orders"}, {"resource", ...}, {"execution", arn}
    double value = 0;                                         // the rate, count or seconds that decided
    double threshold = 0;
    time_point at;

    json to_json() const {
        json labels_json = json::object();
        for (const auto& l : labels) labels_json[l.first] = l.second;
        return json{{"rule", rule},       {"type", stepfn::to_string(kind)}, {"status", firing ? "firing" : "resolved"},
                    {"labels", labels_json}, {"value", value},             {"threshold", threshold},
                    {"at", detail::format_iso8601(at)}};
    }
};

using alert_hook = std::function<void(const alert_event&)>;

// Writes each alert as one JSON line to `command`'s standard input (popen: a shell command,
// run once per alert; the evaluation waits for it, so keep it quick). POSIX only.
inline alert_hook command_alert_hook(std::string command) {
    return [command = std::move(command)](const alert_event& e) {
#if defined(__unix__) || defined(__APPLE__)
        if (std::FILE* pipe = ::popen(command.c_str(), "w")) {
            const std::string line = e.to_json().dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
            std::fwrite(line.data(), 1, line.size(), pipe);
            ::pclose(pipe);
        }
#else
        (void)e;
#endif
    };
}

// When each running execution last made progress (its latest history event, on the engine's
// clock). Attach it as a history sink (with others through fanout_sink) for no_progress rules.
class progress_tracker final : public history_sink {
public:
    void record(std::string_view execution_arn, const history_event& event) override {
        const bool ends = event.type == event_type::execution_succeeded || event.type == event_type::execution_failed ||
                          event.type == event_type::execution_timed_out || event.type == event_type::execution_aborted;
        std::lock_guard<std::mutex> lock(mutex_);
        if (ends) last_.erase(std::string(execution_arn));
        else last_[std::string(execution_arn)] = event.timestamp;
    }
    std::map<std::string, time_point> snapshot() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return std::map<std::string, time_point>(last_.begin(), last_.end());
    }

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, time_point> last_;
};

class alert_evaluator : public std::enable_shared_from_this<alert_evaluator> {
public:
    alert_evaluator(std::shared_ptr<const metrics_registry> metrics, std::vector<alert_rule> rules, alert_hook hook,
                    std::shared_ptr<const progress_tracker> progress = nullptr)
        : metrics_(std::move(metrics)), rules_(std::move(rules)), hook_(std::move(hook)), progress_(std::move(progress)) {
        for (const auto& r : rules_) {
            const double keep = r.kind == alert_kind::failure_baseline ? r.baseline_seconds : r.window_seconds;
            if (keep > keep_seconds_) keep_seconds_ = keep;
        }
    }
    alert_evaluator(const alert_evaluator&) = delete;
    alert_evaluator& operator=(const alert_evaluator&) = delete;

    // Evaluates every rule at `now` (the engine's clock); calls the hook for each alert that
    // fires or resolves. Serialised: concurrent calls take turns.
    void evaluate(time_point now) {
        std::vector<alert_event> changes;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            // Only the series rules read are kept, and at most about 64 points over the longest
            // window: memory stays bounded however often evaluate() runs; a window's start is
            // then found to within 1/64 of the longest window.
            std::vector<metric_sample> current;
            for (auto& s : metrics_->snapshot())
                if (detail::read_by_rules(s.name)) current.push_back(std::move(s));
            for (const auto& rule : rules_) evaluate_rule(rule, now, current, changes);
            const std::chrono::duration<double> spacing(keep_seconds_ / 64);
            if (history_.empty() || now - history_.back().at >= spacing) history_.push_back({now, std::move(current)});
            while (history_.size() > 2 && now - history_[1].at >= std::chrono::duration<double>(keep_seconds_))
                history_.erase(history_.begin());
        }
        for (const auto& e : changes)
            if (hook_) hook_(e);
    }

    // Evaluates every `interval` on `clock` (a stepfn Clock: schedule_at; it must outlive the
    // evaluator's last timer) until the evaluator is gone: the timer holds it only weakly. False
    // when the evaluator is not owned by a shared_ptr (make_shared it).
    template <class Clock>
    bool run_every(Clock& clock, std::chrono::milliseconds interval) {
        auto self = weak_from_this();
        if (self.expired() || interval.count() <= 0) return false;
        arm(clock, clock.now() + interval, interval, std::move(self));
        return true;
    }

    // The alerts firing now.
    std::vector<alert_event> firing() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<alert_event> out;
        for (const auto& s : states_)
            if (s.second.firing) out.push_back(s.second.last);
        return out;
    }

private:
    struct point {
        time_point at;
        std::vector<metric_sample> samples;
    };
    struct alert_state {
        int held = 0, cleared = 0;
        bool firing = false;
        alert_event last;
    };

    template <class Clock>
    static void arm(Clock& clock, time_point when, std::chrono::milliseconds interval, std::weak_ptr<alert_evaluator> weak) {
        clock.schedule_at(when, [&clock, when, interval, weak]() {
            auto self = weak.lock();
            if (!self) return;
            self->evaluate(clock.now());
            arm(clock, when + interval, interval, weak);
        });
    }

    // The samples one window before `now` (an implicit all-zero point when there is none).
    const std::vector<metric_sample>& at_or_before(time_point t) const {
        static const std::vector<metric_sample> zero;
        const std::vector<metric_sample>* best = &zero;
        for (const auto& p : history_)
            if (p.at <= t) best = &p.samples;
        return *best;
    }

    void evaluate_rule(const alert_rule& rule, time_point now, const std::vector<metric_sample>& current,
                       std::vector<alert_event>& changes) {
        std::vector<detail::alert_reading> readings;
        const auto window = std::chrono::duration_cast<time_point::duration>(std::chrono::duration<double>(rule.window_seconds));
        const auto& then = at_or_before(now - window);
        switch (rule.kind) {
        case alert_kind::failure_rate:
        case alert_kind::failure_baseline:
        case alert_kind::timeouts:
        case alert_kind::task_p99: {
            const std::vector<metric_sample>* baseline = nullptr;
            if (rule.kind == alert_kind::failure_baseline)
                baseline = &at_or_before(now - std::chrono::duration_cast<time_point::duration>(
                                                   std::chrono::duration<double>(rule.baseline_seconds)));
            readings = detail::read_rule(rule, current, then, baseline);
            break;
        }
        case alert_kind::no_progress:
            if (progress_)
                for (const auto& entry : progress_->snapshot()) {
                    const double idle = std::chrono::duration<double>(now - entry.second).count();
                    readings.push_back({{"execution", entry.first}, idle, idle > rule.threshold, idle > rule.threshold});
                }
            break;
        }
        std::set<std::string> seen;
        for (const auto& r : readings) {
            const std::string key = rule.name + '\x1f' + r.label.first + '=' + r.label.second;
            seen.insert(key);
            step(states_[key], rule, r, now, changes);
        }
        // A series no longer read (an execution that ended) counts as cleared.
        for (auto& s : states_)
            if (s.first.compare(0, rule.name.size() + 1, rule.name + '\x1f') == 0 && !seen.count(s.first)) {
                detail::alert_reading gone{{s.second.last.labels.empty() ? std::pair<std::string, std::string>() : s.second.last.labels[0]},
                                           0, false, false};
                step(s.second, rule, gone, now, changes);
            }
    }

    static void step(alert_state& s, const alert_rule& rule, const detail::alert_reading& r, time_point now,
                     std::vector<alert_event>& changes) {
        if (r.over) ++s.held;
        else s.held = 0;
        if (!r.still_over) ++s.cleared;
        else s.cleared = 0;
        s.last.rule = rule.name;
        s.last.kind = rule.kind;
        s.last.labels = {r.label};
        s.last.value = r.value;
        s.last.threshold = rule.threshold;
        s.last.at = now;
        if (!s.firing && s.held >= rule.fire_after) {
            s.firing = true;
            s.last.firing = true;
            changes.push_back(s.last);
        } else if (s.firing && s.cleared >= rule.resolve_after) {
            s.firing = false;
            s.last.firing = false;
            changes.push_back(s.last);
        }
    }

    std::shared_ptr<const metrics_registry> metrics_;
    std::vector<alert_rule> rules_;
    alert_hook hook_;
    std::shared_ptr<const progress_tracker> progress_;
    double keep_seconds_ = 0;
    mutable std::mutex mutex_;
    std::vector<point> history_;
    std::map<std::string, alert_state> states_;
};

} // namespace stepfn

#endif
