#ifndef STEPFN_CLOCKS_SYSTEM_CLOCK_HPP
#define STEPFN_CLOCKS_SYSTEM_CLOCK_HPP

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <stepfn/job.hpp>
#include <stepfn/clocks/clock_traits.hpp>
#include <stepfn/clocks/detail/timer_queue.hpp>
#include <stepfn/clocks/detail/wait_until.hpp>
#include <stepfn/clocks/timer.hpp>
#include <stepfn/detail/guarded_call.hpp>

namespace stepfn {

// Wall-clock time and real timers. One background thread, started by the first schedule_at(),
// sleeps until the earliest deadline and runs due callbacks there, without the lock held, in
// deadline then scheduling order. Callbacks should be short (the engine's only re-post work to
// its executor); one that throws is dropped and the thread carries on.
//
// The destructor stops and joins the thread; timers that have not fired are dropped. A clock
// must not be destroyed by one of its own callbacks.
class system_clock {
public:
    system_clock() = default;
    system_clock(const system_clock&) = delete;
    system_clock& operator=(const system_clock&) = delete;

    ~system_clock() {
        std::thread worker;
        decltype(timers_.release()) dropped;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
            dropped = timers_.release();
            worker = std::move(worker_);
        }
        changed_.notify_all();
        if (worker.joinable()) worker.join();
    }

    time_point now() const { return std::chrono::system_clock::now(); }

    timer_id schedule_at(time_point when, job fn) {
        bool notify = false;
        timer_id id = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            id = timers_.add(when, std::move(fn));
            if (!worker_.joinable() && !stopping_) {
                worker_ = std::thread([this] { loop(); });
            } else {
                // The sleeper only needs waking when its deadline moved earlier.
                notify = timers_.earliest_id() == id;
            }
        }
        if (notify) changed_.notify_one();
        return id;
    }

    // True when the timer was pending (it will not fire); false when it fired, is firing now,
    // or never existed. A cancelled timer needs no wake-up: the sleeper re-checks when it wakes.
    bool cancel(timer_id id) {
        std::optional<job> dropped;  // destroyed after the unlock
        std::lock_guard<std::mutex> lock(mutex_);
        dropped = timers_.remove(id);
        return dropped.has_value();
    }

    // Timers not yet fired.
    std::size_t pending() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return timers_.size();
    }

private:
    void loop() {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stopping_) {
            if (timers_.empty()) {
                changed_.wait(lock);
                continue;
            }
            const time_point due = timers_.earliest();
            if (std::chrono::system_clock::now() < due) {
                detail::wait_until(changed_, lock, due);
                continue;
            }
            job fn = timers_.pop_earliest();
            lock.unlock();
            fire(fn);
            fn = nullptr;  // release what it captured before taking the lock again
            lock.lock();
        }
    }

    static void fire(job& fn) noexcept {
        if (!fn) return;
        // Nowhere to report a failure: the clock serves every execution, and one bad callback
        // must not stop the others' timers.
        (void)detail::guarded_call(fn, "a timer");
    }

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    detail::timer_queue timers_;
    std::thread worker_;
    bool stopping_ = false;
};

} // namespace stepfn

#endif
