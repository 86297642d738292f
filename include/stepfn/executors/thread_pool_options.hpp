#ifndef STEPFN_EXECUTORS_THREAD_POOL_OPTIONS_HPP
#define STEPFN_EXECUTORS_THREAD_POOL_OPTIONS_HPP

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <thread>

namespace stepfn {

// How a thread_pool_executor runs (thread_pool_executor.hpp says what each one does), named so
// that a host sets the one it means: `thread_pool_options options; options.joiners_help = false;`.
struct thread_pool_options {
    // One thread per hardware thread, at least one.
    static std::size_t default_threads() noexcept {
        return (std::max)(std::size_t{std::thread::hardware_concurrency()}, std::size_t{1});
    }
    // Long enough for another thread to end a short fan-out or post the next job; an idle pool
    // sleeps this long after its last job.
    static constexpr std::chrono::microseconds default_idle_spin() noexcept { return std::chrono::microseconds(50); }

    // Threads started (zero counts as one).
    std::size_t threads = default_threads();
    // A thread that joins an execution runs queued jobs while it waits (try_run_one, await_job).
    bool joiners_help = true;
    // How long a thread out of work looks for more before it sleeps (zero: at once).
    std::chrono::microseconds idle_spin = default_idle_spin();
    // A joiner that does not help watches its execution for up to idle_spin before it blocks:
    // only for hosts with cores to spare.
    bool joiners_watch = false;
};

} // namespace stepfn

#endif
