#ifndef STEPFN_ENGINE_DETAIL_TELEMETRY_HPP
#define STEPFN_ENGINE_DETAIL_TELEMETRY_HPP

// What the engine reports to engine_options::metrics (metric_names.hpp): every call site checks
// `metrics_` first, so an engine without metrics pays one null test and allocates nothing.
// With metrics, labels are views of strings the execution already holds.

#include <chrono>

#include <stepfn/engine/detail/engine_core.hpp>
#include <stepfn/observe/metric_names.hpp>

namespace stepfn::detail {

inline double seconds_between(time_point from, time_point to) noexcept {
    return std::chrono::duration<double>(to - from).count();
}

// `$$.StateMachine.Name`: a Map Run's children report as their Map Run's machine.
inline std::string_view machine_label(const execution_record& rec) noexcept {
    return rec.machine_name.empty() ? std::string_view(rec.machine.name()) : std::string_view(rec.machine_name);
}

// A new execution (started), or one restored or redriven from a store (not started again).
STEPFN_INLINE void engine_core::count_execution_opened(const execution_record& rec, bool started) {
    const metric_label labels[] = {{"state_machine", machine_label(rec)}};
    if (started) metrics_->add(metric_names::executions_started, 1, labels, 1);
    const auto open = open_executions_.fetch_add(1, std::memory_order_relaxed) + 1;
    metrics_->set(metric_names::open_executions, static_cast<double>(open), nullptr, 0);
}

STEPFN_INLINE void engine_core::count_execution_ended(const execution_record& rec, execution_status status) {
    static constexpr std::string_view names[] = {metric_names::executions_started, metric_names::executions_succeeded,
                                                 metric_names::executions_failed, metric_names::executions_timed_out,
                                                 metric_names::executions_aborted};
    const metric_label labels[] = {{"state_machine", machine_label(rec)}};
    metrics_->add(names[static_cast<int>(status)], 1, labels, 1);
    const time_point from = rec.redrive_count > 0 ? rec.redrive_time : rec.start_time;
    metrics_->observe(metric_names::execution_time, seconds_between(from, clock_->now()), labels, 1);
    const auto open = open_executions_.fetch_sub(1, std::memory_order_relaxed) - 1;
    metrics_->set(metric_names::open_executions, static_cast<double>(open), nullptr, 0);
}

STEPFN_INLINE void engine_core::count_task(frame& f, const task_state& t, task_phase phase) {
    const task_metric_names& n = task_metrics_for(t.resource);
    const metric_label labels[] = {{"state_machine", machine_label(*f.exec)}, {"resource", t.resource}};
    const time_point now = clock_->now();
    switch (phase) {
    case task_phase::scheduled:
        f.task_scheduled_at = now;
        metrics_->add(n.scheduled, 1, labels, 2);
        return;
    case task_phase::started:
        f.task_started_at = now;
        metrics_->add(n.started, 1, labels, 2);
        metrics_->observe(n.schedule_time, seconds_between(f.task_scheduled_at, now), labels, 2);
        return;
    case task_phase::start_failed:
        // Never started: it counts as failed, with no run time.
        metrics_->add(n.failed, 1, labels, 2);
        metrics_->observe(n.time, seconds_between(f.task_scheduled_at, now), labels, 2);
        return;
    case task_phase::succeeded:
    case task_phase::failed:
    case task_phase::timed_out:
        metrics_->add(phase == task_phase::succeeded ? n.succeeded : phase == task_phase::failed ? n.failed : n.timed_out, 1,
                      labels, 2);
        metrics_->observe(n.run_time, seconds_between(f.task_started_at, now), labels, 2);
        metrics_->observe(n.time, seconds_between(f.task_scheduled_at, now), labels, 2);
        return;
    }
}

STEPFN_INLINE void engine_core::count_decision(const frame& f, const state& s, bool retry) {
    const metric_label labels[] = {{"state_machine", machine_label(*f.exec)}, {"state", s.name}};
    metrics_->add(retry ? metric_names::retries : metric_names::catches, 1, labels, 2);
}

STEPFN_INLINE void engine_core::count_timers(int delta) {
    const auto now = parked_timers_.fetch_add(delta, std::memory_order_relaxed) + delta;
    metrics_->set(metric_names::parked_timers, static_cast<double>(now), nullptr, 0);
}

STEPFN_INLINE void engine_core::cancel_timer(timer_id id) {
    if (clock_->cancel(id) && metrics_) count_timers(-1);
}

} // namespace stepfn::detail

#endif
