#ifndef STEPFN_EXECUTORS_MANUAL_EXECUTOR_HPP
#define STEPFN_EXECUTORS_MANUAL_EXECUTOR_HPP

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>

#include <stepfn/job.hpp>
#include <stepfn/clocks/detail/wait_until.hpp>
#include <stepfn/clocks/timer.hpp>

namespace stepfn {

// An executor whose work runs only when a caller drives it, on the caller's thread, in FIFO
// order: the deterministic choice for tests and for single-threaded hosts with their own loop.
// post() may be called from any thread (an invoker completing on a thread of its own).
//
// Posted work should not throw. If it does, the exception propagates out of run()/run_one()
// with the queue intact: the throwing item is gone and the rest is still queued.
class manual_executor {
public:
    manual_executor() = default;
    manual_executor(const manual_executor&) = delete;
    manual_executor& operator=(const manual_executor&) = delete;

    void post(job fn) {
        bool notify = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            queue_.push_back(std::move(fn));
            queued_.store(queue_.size(), std::memory_order_release);
            notify = waiters_ > 0;
        }
        if (notify) ready_.notify_all();
    }

    // Runs queued work, including work posted while it runs, until the queue is empty.
    // Returns how many items ran.
    std::size_t run() {
        std::size_t ran = 0;
        while (run_one()) ++ran;
        return ran;
    }

    // Runs the oldest queued item, if any. The lock is released before the item runs, so the
    // item may post more work. An empty queue is seen without the lock: a driver asks after
    // every job and once more when its execution is done, and most of those asks find nothing.
    bool run_one() {
        if (queued_.load(std::memory_order_acquire) == 0) return false;
        job fn;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (queue_.empty()) return false;
            fn = std::move(queue_.front());
            queue_.pop_front();
            queued_.store(queue_.size(), std::memory_order_relaxed);
        }
        if (fn) fn();
        return true;
    }

    std::size_t pending() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return queue_.size();
    }

    // Blocks until work is queued, wake() is called or `deadline` passes; returns whether work
    // is queued. A wake() that arrives while nobody waits is kept for the next call, so a
    // waker cannot slip between a caller's last check and its wait.
    bool wait_for_work(time_point deadline) {
        std::unique_lock<std::mutex> lock(mutex_);
        ++waiters_;
        while (queue_.empty() && !woken_) {
            if (detail::wait_until(ready_, lock, deadline) == std::cv_status::timeout &&
                std::chrono::system_clock::now() >= deadline)
                break;
        }
        --waiters_;
        woken_ = false;
        return !queue_.empty();
    }

    // Ends a wait_for_work() early (or the next one, when none is in progress).
    void wake() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            woken_ = true;
        }
        ready_.notify_all();
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<job> queue_;
    std::atomic<std::size_t> queued_{0};  // queue_.size(), written under the lock
    std::size_t waiters_ = 0;
    bool woken_ = false;
};

} // namespace stepfn

#endif
