// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_TELEMETRY_HPP
#define STEPFN_ENGINE_DETAIL_TELEMETRY_HPP

// What the engine reports to engine_options::metrics (metric_names.hpp): every call site checks
// `metrics_` first, so an engine without metrics pays one null test and allocates nothing.
// With metrics, the series of a machine and of each of its Task resources are bound once
// (instruments.hpp): an execution looks its machine up once, an attempt its resource once.

#include <chrono>

#include <stepfn/engine/detail/instruments.hpp>
#include <stepfn/observe/metric_names.hpp>

namespace stepfn::detail {

inline double seconds_between(time_point from, time_point to) noexcept {
    return std::chrono::duration<double>(to - from).count();
}

// `$$.StateMachine.Name`: a Map Run's children report as their Map Run's machine.
inline std::string_view machine_label(const execution_record& rec) noexcept {
    return rec.machine_name.empty() ? std::string_view(rec.machine.name()) : std::string_view(rec.machine_name);
}

STEPFN_INLINE machine_instruments& engine_core::machine_meter(execution_record& rec) {
    if (!rec.instruments) rec.instruments = &instruments_->machine(machine_label(rec));
    return *rec.instruments;
}

// A new execution (started), or one restored or redriven from a store (not started again).
STEPFN_INLINE void engine_core::count_execution_opened(execution_record& rec, bool started) {
    machine_instruments& m = machine_meter(rec);
    if (started) m.by_status[0]->add(1);
    std::lock_guard<std::mutex> lock(gauges_mutex_);  // the count and the gauge move together
    instruments_->open_executions().set(static_cast<double>(++open_executions_));
}

STEPFN_INLINE void engine_core::count_execution_ended(execution_record& rec, execution_status status) {
    machine_instruments& m = machine_meter(rec);
    m.by_status[static_cast<int>(status)]->add(1);
    const time_point from = rec.redrive_count > 0 ? rec.redrive_time : rec.start_time;
    m.execution_time->observe(seconds_between(from, clock_->now()));
    std::lock_guard<std::mutex> lock(gauges_mutex_);
    instruments_->open_executions().set(static_cast<double>(--open_executions_));
}

// A parked execution left the engine (park.hpp): no longer open here, yet not ended.
STEPFN_INLINE void engine_core::count_execution_left() {
    std::lock_guard<std::mutex> lock(gauges_mutex_);
    instruments_->open_executions().set(static_cast<double>(--open_executions_));
}

STEPFN_INLINE void engine_core::count_task(frame& f, const task_state& t, task_phase phase) {
    if (phase == task_phase::scheduled || !f.task_meter) f.task_meter = &instruments_->task(machine_meter(*f.exec), t.resource);
    task_instruments& n = *f.task_meter;
    const time_point now = clock_->now();
    // A time not known here is time_point::min(): not started yet (an activity still queued), or
    // scheduled before this engine restored the execution. Such a duration is not observed.
    const auto observe_since = [&now](const instrument& h, time_point since) {
        if (since != time_point::min()) h->observe(seconds_between(since, now));
    };
    switch (phase) {
    case task_phase::scheduled:
        f.task_scheduled_at = now;
        f.task_started_at = time_point::min();
        n.scheduled->add(1);
        return;
    case task_phase::started:
        f.task_started_at = now;
        n.started->add(1);
        observe_since(n.schedule_time, f.task_scheduled_at);
        return;
    case task_phase::start_failed:
        // Never started: it counts as failed, with no run time.
        n.failed->add(1);
        observe_since(n.time, f.task_scheduled_at);
        return;
    case task_phase::succeeded:
    case task_phase::failed:
    case task_phase::timed_out:
        (phase == task_phase::succeeded ? n.succeeded : phase == task_phase::failed ? n.failed : n.timed_out)->add(1);
        observe_since(n.run_time, f.task_started_at);
        observe_since(n.time, f.task_scheduled_at);
        return;
    }
}

// Retries and catches happen on errors only: looked up by name, not bound.
STEPFN_INLINE void engine_core::count_decision(const frame& f, const state& s, bool retry) {
    const metric_label labels[] = {{"state_machine", machine_label(*f.exec)}, {"state", s.name}};
    metrics_->add(retry ? metric_names::retries : metric_names::catches, 1, labels, 2);
}

STEPFN_INLINE void engine_core::count_timers(int delta) {
    std::lock_guard<std::mutex> lock(gauges_mutex_);
    parked_timers_ += delta;
    instruments_->parked_timers().set(static_cast<double>(parked_timers_));
}

STEPFN_INLINE void engine_core::cancel_timer(timer_id id) {
    if (clock_->cancel(id) && metrics_) count_timers(-1);
}

} // namespace stepfn::detail

#endif
