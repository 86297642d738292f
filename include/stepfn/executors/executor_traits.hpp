#ifndef STEPFN_EXECUTORS_EXECUTOR_TRAITS_HPP
#define STEPFN_EXECUTORS_EXECUTOR_TRAITS_HPP

#include <cstddef>
#include <functional>
#include <thread>
#include <type_traits>
#include <utility>

#include <stepfn/job.hpp>
#include <stepfn/clocks/timer.hpp>

namespace stepfn {

// The Executor concept: where an execution's steps run.
//   void post(job fn);   // thread-safe; runs fn once, later, anywhere
// A drivable executor also lets the caller's thread do the work (tests, single-threaded hosts):
//   std::size_t run();                                // runs what is queued, until empty
//   bool wait_for_work(time_point deadline);          // blocks until work, wake() or deadline
// execution::wait() drives a drivable executor itself and merely blocks on any other.
// Optionally, how many jobs it runs at once, so that a Map spreads its iterations that wide:
//   std::size_t concurrency() const;                  // e.g. a pool's thread count
// Without it, a drivable executor counts as one thread and any other as one per core.
// Optionally, several jobs posted at once (a Parallel's or a Map's runners), so that a pool
// takes its lock once and wakes only as many threads as the jobs need:
//   void post_bulk(job* jobs, std::size_t count);     // moves from jobs[0..count), in order
// Without it, post_bulk(executor, ...) below posts them one by one.
// Optionally, a waiting thread may run one queued job itself (a pool that is not driven):
//   bool try_run_one();                               // false when the queue is empty, or
//                                                     // when helping would nest (see below)
// execution::join() and wait() on such an executor run queued jobs on the joining thread while
// the execution is not done, and block only when the queue is empty: the host picks up its
// execution's first job instead of waking a thread for it, and a fan-out of states that do not
// wait ends on the joining thread, with no wake-up at either end. The job run may belong to
// another execution (the queue is shared); the joiner looks at its own again after each one.
// try_run_one() must return false on a thread already running one of the executor's jobs, so
// that a join() from inside a job blocks as it would without the capability, instead of nesting
// jobs on the stack without bound.
// Optionally, with try_run_one(), a joiner that found the queue empty may watch it a moment
// before it blocks (an execution that another thread ends meanwhile then costs no wake-up):
//   bool await_job(const std::function<bool()>& stop);  // true once it ran a job that arrived;
//                                                       // false when stop() says so or after
//                                                       // a short bound (an executor whose
//                                                       // joiners may not run jobs may still
//                                                       // watch stop(), run nothing, and
//                                                       // return false)
// Optionally, how many jobs are queued and not started yet (read without ordering; a hint):
//   std::size_t pending() const;
// A Map's runner hands its thread back to the executor every 64 items only when some other job
// is waiting for it; without the capability it always does.

template <class E, class = void>
struct is_executor : std::false_type {};

template <class E>
struct is_executor<E, std::void_t<decltype(std::declval<E&>().post(
                          std::declval<job>()))>> : std::true_type {};

template <class E>
inline constexpr bool is_executor_v = is_executor<E>::value;

template <class E, class = void>
struct is_drivable_executor : std::false_type {};

template <class E>
struct is_drivable_executor<
    E, std::void_t<decltype(std::declval<E&>().run()),
                   decltype(static_cast<bool>(std::declval<E&>().wait_for_work(std::declval<time_point>())))>>
    : std::bool_constant<is_executor_v<E>> {};

template <class E>
inline constexpr bool is_drivable_executor_v = is_drivable_executor<E>::value;

template <class E, class = void>
struct has_concurrency : std::false_type {};

template <class E>
struct has_concurrency<E, std::void_t<decltype(static_cast<std::size_t>(std::declval<const E&>().concurrency()))>>
    : std::true_type {};

template <class E, class = void>
struct has_post_bulk : std::false_type {};

template <class E>
struct has_post_bulk<E, std::void_t<decltype(std::declval<E&>().post_bulk(std::declval<job*>(), std::size_t{}))>>
    : std::true_type {};

template <class E, class = void>
struct has_try_run_one : std::false_type {};

template <class E>
struct has_try_run_one<E, std::void_t<decltype(static_cast<bool>(std::declval<E&>().try_run_one()))>>
    : std::bool_constant<is_executor_v<E>> {};

template <class E, class = void>
struct has_await_job : std::false_type {};

template <class E>
struct has_await_job<E, std::void_t<decltype(static_cast<bool>(
                            std::declval<E&>().await_job(std::declval<const std::function<bool()>&>())))>>
    : std::bool_constant<has_try_run_one<E>::value> {};

template <class E, class = void>
struct has_pending : std::false_type {};

template <class E>
struct has_pending<E, std::void_t<decltype(static_cast<std::size_t>(std::declval<const E&>().pending()))>>
    : std::true_type {};

// Whether a job may be waiting for a thread: the executor's pending() when it has one, else
// true (the caller must assume so).
template <class E>
bool executor_has_pending(const E& executor) {
    if constexpr (has_pending<E>::value) return static_cast<std::size_t>(executor.pending()) != 0;
    (void)executor;
    return true;
}

// Posts jobs[0..count) (moving from them), in one batch when the executor takes batches.
template <class E>
void post_bulk(E& executor, job* jobs, std::size_t count) {
    if constexpr (has_post_bulk<E>::value) {
        executor.post_bulk(jobs, count);
    } else {
        for (std::size_t i = 0; i < count; ++i) executor.post(std::move(jobs[i]));
    }
}

// How many jobs the executor runs at once (at least 1).
template <class E>
std::size_t executor_concurrency(const E& executor) {
    std::size_t n = 1;
    if constexpr (has_concurrency<E>::value) n = static_cast<std::size_t>(executor.concurrency());
    else if constexpr (!is_drivable_executor<E>::value) n = std::thread::hardware_concurrency();
    (void)executor;
    return n == 0 ? 1 : n;
}

#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
template <class E>
concept executor = is_executor_v<E>;

template <class E>
concept drivable_executor = is_drivable_executor_v<E>;
#endif

} // namespace stepfn

#endif
