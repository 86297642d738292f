#ifndef STEPFN_ENGINE_DETAIL_HOST_HANDLES_HPP
#define STEPFN_ENGINE_DETAIL_HOST_HANDLES_HPP

// The engine core sees the host's executor and clock through these two small interfaces;
// basic_engine<Executor, Clock> adapts the host's types to them (see engine.hpp).

#include <cstddef>

#include <stepfn/clocks/timer.hpp>
#include <stepfn/job.hpp>

namespace stepfn::detail {

class executor_iface {
public:
    virtual ~executor_iface() = default;
    virtual void post(job fn) = 0;
    // Posts jobs[0..count) (moved from), in order.
    virtual void post_bulk(job* jobs, std::size_t count) = 0;
    virtual std::size_t concurrency() const = 0;  // jobs run at once (>= 1)
    virtual bool has_pending() const = 0;         // a job may be waiting for a thread
};

// Whether this thread is a joiner running a queued job (execution::join() helping, through the
// Executor's try_run_one), rather than one of the executor's own threads.
inline bool& joiner_helping() noexcept {
    static thread_local bool helping = false;
    return helping;
}

class clock_iface {
public:
    virtual ~clock_iface() = default;
    virtual time_point now() const = 0;
    virtual timer_id schedule_at(time_point when, job fn) = 0;
    virtual bool cancel(timer_id id) = 0;
    virtual bool is_virtual() const noexcept = 0;
    virtual bool advance_to_next() = 0;
};

} // namespace stepfn::detail

#endif
