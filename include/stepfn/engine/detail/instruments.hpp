#ifndef STEPFN_ENGINE_DETAIL_INSTRUMENTS_HPP
#define STEPFN_ENGINE_DETAIL_INSTRUMENTS_HPP

// The series the engine updates on every execution and task attempt, bound once per machine
// and per (machine, resource) (metrics_sink::bind), so that an update is an atomic operation:
// an execution looks its machine up once, a task attempt its resource once.

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <stepfn/observe/metric_names.hpp>
#include <stepfn/observe/metrics.hpp>

namespace stepfn::detail {

using instrument = std::shared_ptr<metric_instrument>;

struct task_instruments {
    std::string resource;  // the key's storage
    instrument scheduled, started, succeeded, failed, timed_out, schedule_time, run_time, time;
};

struct machine_instruments {
    std::string machine;  // the key's storage
    instrument by_status[5];  // ExecutionsStarted, then ended as execution_status numbers them
    instrument execution_time;
    std::shared_mutex tasks_mutex;
    std::unordered_map<std::string_view, std::unique_ptr<task_instruments>> tasks;
};

class instrument_cache {
public:
    explicit instrument_cache(metrics_sink& sink)
        : sink_(sink), open_executions_(sink.bind(metric_type::gauge, metric_names::open_executions, nullptr, 0)),
          parked_timers_(sink.bind(metric_type::gauge, metric_names::parked_timers, nullptr, 0)) {}

    machine_instruments& machine(std::string_view name) {
        {
            std::shared_lock<std::shared_mutex> lock(mutex_);
            auto it = machines_.find(name);
            if (it != machines_.end()) return *it->second;
        }
        std::unique_lock<std::shared_mutex> lock(mutex_);
        auto it = machines_.find(name);
        if (it != machines_.end()) return *it->second;
        auto m = std::make_unique<machine_instruments>();
        m->machine = std::string(name);
        const metric_label labels[] = {{"state_machine", m->machine}};
        static constexpr std::string_view names[] = {metric_names::executions_started, metric_names::executions_succeeded,
                                                     metric_names::executions_failed, metric_names::executions_timed_out,
                                                     metric_names::executions_aborted};
        for (int i = 0; i < 5; ++i) m->by_status[i] = sink_.bind(metric_type::counter, names[i], labels, 1);
        m->execution_time = sink_.bind(metric_type::histogram, metric_names::execution_time, labels, 1);
        auto& slot = *m;
        machines_.emplace(std::string_view(slot.machine), std::move(m));
        return slot;
    }

    task_instruments& task(machine_instruments& m, std::string_view resource) {
        {
            std::shared_lock<std::shared_mutex> lock(m.tasks_mutex);
            auto it = m.tasks.find(resource);
            if (it != m.tasks.end()) return *it->second;
        }
        std::unique_lock<std::shared_mutex> lock(m.tasks_mutex);
        auto it = m.tasks.find(resource);
        if (it != m.tasks.end()) return *it->second;
        auto t = std::make_unique<task_instruments>();
        t->resource = std::string(resource);
        const metric_label labels[] = {{"state_machine", m.machine}, {"resource", t->resource}};
        const task_metric_names& n = task_metrics_for(resource);
        auto counter = [&](std::string_view name) { return sink_.bind(metric_type::counter, name, labels, 2); };
        auto histogram = [&](std::string_view name) { return sink_.bind(metric_type::histogram, name, labels, 2); };
        t->scheduled = counter(n.scheduled);
        t->started = counter(n.started);
        t->succeeded = counter(n.succeeded);
        t->failed = counter(n.failed);
        t->timed_out = counter(n.timed_out);
        t->schedule_time = histogram(n.schedule_time);
        t->run_time = histogram(n.run_time);
        t->time = histogram(n.time);
        auto& slot = *t;
        m.tasks.emplace(std::string_view(slot.resource), std::move(t));
        return slot;
    }

    metric_instrument& open_executions() { return *open_executions_; }
    metric_instrument& parked_timers() { return *parked_timers_; }

private:
    metrics_sink& sink_;
    instrument open_executions_, parked_timers_;
    std::shared_mutex mutex_;
    std::unordered_map<std::string_view, std::unique_ptr<machine_instruments>> machines_;
};

} // namespace stepfn::detail

#endif
