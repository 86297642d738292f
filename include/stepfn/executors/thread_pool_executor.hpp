#ifndef STEPFN_EXECUTORS_THREAD_POOL_EXECUTOR_HPP
#define STEPFN_EXECUTORS_THREAD_POOL_EXECUTOR_HPP

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <stepfn/job.hpp>
#include <stepfn/detail/spin.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/executors/thread_pool_options.hpp>

namespace stepfn {

// A fixed pool of threads sharing one FIFO queue: the executor for a service that has no
// scheduler of its own. post() is thread-safe and wakes a thread only when one is idle.
//
// Posted work should not throw; an exception that escapes is caught so that the thread
// survives, and counted in failures().
//
// Options (thread_pool_options.hpp): `threads`, and `joiners_help`, `idle_spin` and
// `joiners_watch`, which the rest of this comment describes.
//
// With `joiners_help` (on by default), try_run_one() lets a thread that waits for an execution
// run a queued job itself (the Executor concept's optional capability, see executor_traits.hpp):
// execution::join() uses it, so that the host runs its execution's first job instead of waking
// a thread, and a fan-out that ends on the host's thread needs no wake-up to return. It runs
// nothing on a thread that is already running a pool's job (a pool thread, or a joiner helping),
// so helping never nests. Since a joiner may run any queued job (a task invoker's, another
// execution's), a host whose joining threads must not run engine work, or that joins while
// holding a lock its invokers or sinks take, passes false (docs/executors-and-clocks.md).
//
// A thread that runs out of work looks for more for up to `idle_spin` before it sleeps, so that
// work posted microseconds apart (a fan-out's, the next execution's) costs no futex wake-up,
// which on a VM takes tens of microseconds: a pool thread between looks relaxes the core and
// yields it now and then (a core others wait for is given away); a helping joiner whose
// execution is not done watches the queue and the execution without yielding (await_job), so
// that an execution a pool thread ends meanwhile costs it no sleep. Zero: both sleep at once.
// With `joiners_watch` (off by default), a joiner that does not help watches its execution for
// up to idle_spin before it blocks (yielding its core now and then, since it runs nothing): the
// end of an execution that a pool thread finishes then costs it no wake-up either. Only for
// hosts with cores to spare: on a machine busy with other work the watcher takes CPU from the
// pool thread it waits for, and an execution can take milliseconds instead of microseconds.
//
// shutdown() stops taking work, lets the threads finish everything already queued, and joins
// them; the destructor calls it. Work posted once shutdown has begun is dropped without running
// (and destroyed at once), including work posted by the work being finished. shutdown() must
// not be called from the pool's own work.
class thread_pool_executor {
public:
    // Set by name: `thread_pool_options options; options.threads = 2; thread_pool_executor pool(options);`.
    explicit thread_pool_executor(const thread_pool_options& options = thread_pool_options{})
        : joiners_help_(options.joiners_help),
          joiners_watch_(options.joiners_watch),
          idle_spin_((std::max)(options.idle_spin, std::chrono::microseconds::zero())) {
        const std::size_t threads = (std::max)(options.threads, std::size_t{1});
        threads_ = threads;  // read by the threads themselves, while workers_ still grows
        workers_.reserve(threads);
#if STEPFN_HAS_EXCEPTIONS
        try {
#endif
            for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
#if STEPFN_HAS_EXCEPTIONS
        } catch (...) {
            // The OS refused a thread: stop the ones started, then report it like bad_alloc.
            shutdown();
            throw;
        }
#endif
    }

    // `threads` threads, the other options as thread_pool_options has them.
    explicit thread_pool_executor(std::size_t threads) : thread_pool_executor(with_threads(threads)) {}

    thread_pool_executor(const thread_pool_executor&) = delete;
    thread_pool_executor& operator=(const thread_pool_executor&) = delete;

    ~thread_pool_executor() { shutdown(); }

    static std::size_t default_size() noexcept { return thread_pool_options::default_threads(); }
    static constexpr std::chrono::microseconds default_idle_spin() noexcept { return thread_pool_options::default_idle_spin(); }

    void post(job fn) {
        bool notify = false;
        {
            std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
            detail::lock_spinning(lock);
            if (stopping_) return;  // `fn` is destroyed after the unlock
            queue_.push_back(std::move(fn));
            queued_.store(queue_.size(), std::memory_order_seq_cst);
            // A thread watching the queue takes it: no sleeper is woken for it.
            notify = idle_ > 0 && spinners() == 0;
        }
        if (notify) ready_.notify_one();
    }

    // Posts jobs[0..count) (moved from), in order, with one lock round, waking at most one
    // sleeping thread per job (the Executor concept's optional batch form).
    void post_bulk(job* jobs, std::size_t count) {
        std::size_t wake = 0;
        {
            std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
            detail::lock_spinning(lock);
            if (stopping_) return;  // the jobs are the caller's to destroy
            for (std::size_t i = 0; i < count; ++i) queue_.push_back(std::move(jobs[i]));
            queued_.store(queue_.size(), std::memory_order_seq_cst);
            const std::size_t watching = spinners();
            wake = count > watching ? (std::min)(idle_, count - watching) : 0;
        }
        if (wake == 0) return;
        if (wake >= threads_) ready_.notify_all();
        else
            for (std::size_t i = 0; i < wake; ++i) ready_.notify_one();
    }

    // Runs the oldest queued job on the calling thread, if there is one, no pool thread is
    // watching the queue for it, and the caller is not already running a pool's job (this
    // pool's or another's: helping nests at most one job deep); returns whether it ran one.
    // Thread-safe.
    bool try_run_one() {
        if (!joiners_help_ || running_here_ != nullptr) return false;
        if (queued_.load(std::memory_order_relaxed) == 0) return false;  // looked at again under the lock
        // A pool thread watching the queue takes it at once: the joiner leaves it the job (a
        // Map's runner that the joiner handed over, say, stays on the pool's thread).
        if (pool_watching_.load(std::memory_order_relaxed) != 0) return false;
        return take_and_run();
    }

    // For a helping joiner that found the queue empty: watches the queue and `stop()` without
    // giving its core away (no yield, no syscall) for up to idle_spin, and runs a job that
    // arrives meanwhile, unless a pool thread watching the queue takes it (one that does not
    // within a few microseconds has lost its core: then the joiner runs it). Returns true once
    // it ran one; false when stop() says so, after idle_spin, or on a thread that may not help.
    // Without joiners_help it runs nothing: it only watches stop() (joiners_watch), then returns
    // false. Thread-safe.
    template <class Stop>
    bool await_job(const Stop& stop) {
        if (running_here_ != nullptr || idle_spin_.count() == 0) return false;
        const auto until = std::chrono::steady_clock::now() + idle_spin_;
        if (!joiners_help_) {
            if (joiners_watch_) watch_yielding(stop, until);
            return false;
        }
        for (;;) {
            // Counted as watching the queue while it looks, so that a post meanwhile wakes no
            // sleeper: on the way out without a job the joiner wakes one itself, if needed.
            joiners_watching_.fetch_add(1, std::memory_order_seq_cst);
            const bool found = watch(stop, until);
            joiners_watching_.fetch_sub(1, std::memory_order_seq_cst);
            if (!found) break;
            if (take_and_run()) return true;  // else another thread took it: look again
        }
        if (queued_.load(std::memory_order_seq_cst) != 0) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_for_rest(lock);
        }
        return false;
    }

    // Jobs queued and not started yet (read without the lock: a hint, as executor_traits.hpp says).
    std::size_t pending() const noexcept { return queued_.load(std::memory_order_relaxed); }

    // Threads asleep, waiting for work (an idle pool's all are, idle_spin after its last job).
    std::size_t sleeping() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return idle_;
    }

    // The number of threads.
    std::size_t size() const noexcept { return workers_.size(); }
    // As many jobs run at once as there are threads (the Executor concept's optional hint).
    std::size_t concurrency() const noexcept { return workers_.size(); }

    // Exceptions that escaped posted work.
    std::size_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }

    void shutdown() {
        // Serialises concurrent callers: each returns only once the threads are joined.
        std::lock_guard<std::mutex> joining(join_mutex_);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
            stopping_hint_.store(true, std::memory_order_relaxed);  // ends a spin at once
        }
        ready_.notify_all();
        for (auto& worker : workers_)
            if (worker.joinable()) worker.join();
    }

private:
    static thread_pool_options with_threads(std::size_t threads) {
        thread_pool_options options;
        options.threads = threads;
        return options;
    }

    void work() {
        running_here_ = this;
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            if (queue_.empty()) {
                if (stopping_) return;
                // Fan-out posts jobs a few microseconds apart: look again for a moment before
                // sleeping, so that each one costs no futex wait and wake-up.
                // (Looked at again under the lock: shutdown() may have begun meanwhile.)
                if (spin(lock) || !queue_.empty() || stopping_) continue;
                ++idle_;
                ready_.wait(lock);
                --idle_;
                continue;
            }
            job fn = std::move(queue_.front());
            queue_.pop_front();
            queued_.store(queue_.size(), std::memory_order_relaxed);
            wake_for_rest(lock);
            lock.unlock();
            run(fn);
            fn = nullptr;  // release what it captured outside the lock
            detail::lock_spinning(lock);
        }
    }

    // With `lock` held on entry and on return: whether work arrived while it watched the
    // queue's length, unlocked, for up to idle_spin (relaxing the core between looks, and
    // yielding it every few microseconds, as the machine may have fewer cores than runnable
    // threads).
    // At most half the threads (at least one) watch at a time, so that the others sleep rather
    // than share the cores with the threads running work.
    bool spin(std::unique_lock<std::mutex>& lock) {
        if (idle_spin_.count() == 0) return false;
        if (pool_watching_.load(std::memory_order_relaxed) >= (std::max)(threads_ / 2, std::size_t{1})) return false;
        pool_watching_.fetch_add(1, std::memory_order_seq_cst);
        bool arrived = false;
        lock.unlock();
        watch_yielding(
            [&] {
                arrived = queued_.load(std::memory_order_relaxed) != 0;
                return arrived || stopping_hint_.load(std::memory_order_relaxed);
            },
            std::chrono::steady_clock::now() + idle_spin_);
        // Before the lock: a post that still counts this thread as watching finds the job in
        // the queue when this thread looks under the lock.
        pool_watching_.fetch_sub(1, std::memory_order_seq_cst);
        detail::lock_spinning(lock);
        return arrived;
    }

    // Runs the oldest queued job on the calling thread (a joiner), if there is one.
    bool take_and_run() {
        job fn;
        {
            std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
            detail::lock_spinning(lock);
            if (queue_.empty()) return false;
            fn = std::move(queue_.front());
            queue_.pop_front();
            queued_.store(queue_.size(), std::memory_order_relaxed);
            wake_for_rest(lock);
        }
        running_here_ = this;
        run(fn);
        fn = nullptr;  // what it captured is released before the caller looks at its execution
        running_here_ = nullptr;
        return true;
    }

    // await_job's look: true once a job is queued for the joiner, false once stop() says so or
    // at `until`.
    template <class Stop>
    bool watch(const Stop& stop, std::chrono::steady_clock::time_point until) {
        // How long a job may wait for a watching pool thread before the joiner takes it.
        constexpr std::chrono::microseconds grace(3);
        bool waiting = false;
        std::chrono::steady_clock::time_point since{};
        for (unsigned looks = 1;; ++looks) {
            if (queued_.load(std::memory_order_relaxed) != 0) {
                if (pool_watching_.load(std::memory_order_relaxed) == 0) return true;
                const auto now = std::chrono::steady_clock::now();
                if (!waiting) {
                    waiting = true;
                    since = now;
                } else if (now - since >= grace) {
                    return true;
                }
            } else {
                waiting = false;
            }
            if (stop()) return false;
            detail::cpu_relax();
            if (looks % 16 == 0 && std::chrono::steady_clock::now() >= until) return false;
        }
    }

    // Looks at stop() until it says so or `until`, relaxing the core between looks and yielding
    // it every few (the threads doing the work may need it): an idle pool thread, and a joiner
    // that does not help.
    template <class Stop>
    static void watch_yielding(const Stop& stop, std::chrono::steady_clock::time_point until) {
        for (unsigned looks = 1; !stop(); ++looks) {
            if (looks % 32 != 0) {
                detail::cpu_relax();
                continue;
            }
            if (std::chrono::steady_clock::now() >= until) return;
            std::this_thread::yield();
        }
    }

    // Threads watching the queue that would take a job posted now.
    std::size_t spinners() const noexcept {
        return pool_watching_.load(std::memory_order_seq_cst) + joiners_watching_.load(std::memory_order_seq_cst);
    }

    // With `lock` held, after taking a job: jobs left that no watching thread is there for
    // wake a sleeper (a post skipped it, counting on a thread that then took another job).
    void wake_for_rest(std::unique_lock<std::mutex>& lock) {
        (void)lock;
        if (!queue_.empty() && idle_ > 0 && spinners() < queue_.size()) ready_.notify_one();
    }

    void run(job& fn) noexcept {
        if (!fn) return;
        if (!detail::guarded_call(fn, "a job")) failures_.fetch_add(1, std::memory_order_relaxed);
    }

    // The pool whose job this thread runs (its threads, and a joiner while it helps), if any.
    static inline thread_local const thread_pool_executor* running_here_ = nullptr;

    const bool joiners_help_;
    const bool joiners_watch_;
    const std::chrono::microseconds idle_spin_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<job> queue_;
    std::atomic<std::size_t> queued_{0};  // queue_.size(), read without the lock while spinning
    std::atomic<std::size_t> pool_watching_{0};     // pool threads in spin()
    std::atomic<std::size_t> joiners_watching_{0};  // joiners in await_job()
    std::size_t idle_ = 0;
    bool stopping_ = false;
    std::atomic<bool> stopping_hint_{false};  // stopping_, read without the lock while spinning
    std::atomic<std::size_t> failures_{0};
    std::mutex join_mutex_;
    std::size_t threads_ = 0;           // set before the threads start
    std::vector<std::thread> workers_;  // last: started after everything they use exists
};

} // namespace stepfn

#endif
