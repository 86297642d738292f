#ifndef STEPFN_CLOCKS_VIRTUAL_CLOCK_HPP
#define STEPFN_CLOCKS_VIRTUAL_CLOCK_HPP

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>

#include <stepfn/job.hpp>
#include <stepfn/clocks/clock_traits.hpp>
#include <stepfn/clocks/detail/timer_queue.hpp>
#include <stepfn/clocks/timer.hpp>

namespace stepfn {

// A clock whose time moves only when told, for tests: a Wait of a day or a retry back-off of
// an hour completes at once and the same run gives the same history every time.
//
// Thread-safe. Callbacks run on the thread that moves time, with no lock held, so they may
// schedule and cancel timers; when they do, now() already reads the timer's deadline. Time
// never moves backwards: a deadline already past fires at the current time. When several
// threads advance at once, each fires timers in order but their callbacks may overlap. A
// callback that throws propagates out of the advancing call; the other timers stay pending.
class virtual_clock {
public:
    // 2024-01-01T00:00:00Z, so that timestamps in tests are reproducible.
    static time_point default_start() noexcept { return time_point(std::chrono::seconds(1704067200)); }

    explicit virtual_clock(time_point start = default_start()) : now_(start), seen_(start.time_since_epoch().count()) {}
    virtual_clock(const virtual_clock&) = delete;
    virtual_clock& operator=(const virtual_clock&) = delete;

    // Without the lock: the engine reads the time on every state entry. Time is written under
    // the lock and published here after it, so a reader never sees it move backwards.
    time_point now() const { return time_point(time_point::duration(seen_.load(std::memory_order_acquire))); }

    timer_id schedule_at(time_point when, job fn) {
        std::lock_guard<std::mutex> lock(mutex_);
        return timers_.add(when, std::move(fn));
    }

    // True when the timer was pending (it will not fire); false when it fired or never existed.
    bool cancel(timer_id id) {
        // Declared before the lock so that the callback is destroyed after it is released.
        std::optional<job> dropped;
        std::lock_guard<std::mutex> lock(mutex_);
        dropped = timers_.remove(id);
        return dropped.has_value();
    }

    // Moves to the earliest pending deadline (or stays, when it is past) and fires every timer
    // due at that instant, including ones their callbacks schedule for it. False when no timer
    // is pending.
    bool advance_to_next() {
        time_point target;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (timers_.empty()) return false;
            target = (std::max)(now_, timers_.earliest());
        }
        advance_to(target);
        return true;
    }

    // Moves time forward by `d`, firing every timer that falls due on the way, in deadline then
    // scheduling order; timers scheduled by those callbacks within the window fire too.
    void advance(std::chrono::nanoseconds d) {
        time_point target;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            // Saturates rather than overflowing: advance(nanoseconds::max()) means "fire everything".
            using duration = time_point::duration;
            const auto step = std::chrono::duration_cast<duration>(d);
            if (step <= duration::zero())
                target = now_;
            else if (now_.time_since_epoch() > (duration::max)() - step)
                target = (time_point::max)();
            else
                target = now_ + step;
        }
        advance_to(target);
    }

    // Moves time forward to `t` (a past `t` leaves it where it is), firing every timer due by
    // then, in deadline then scheduling order.
    void advance_to(time_point t) {
        for (;;) {
            job fn;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                const time_point target = (std::max)(now_, t);
                if (timers_.empty() || timers_.earliest() > target) {
                    set_now(target);
                    return;
                }
                set_now((std::max)(now_, timers_.earliest()));
                fn = timers_.pop_earliest();
            }
            if (fn) fn();
        }
    }

    std::optional<time_point> next_deadline() const {
        std::lock_guard<std::mutex> lock(mutex_);
        if (timers_.empty()) return std::nullopt;
        return timers_.earliest();
    }

    std::size_t pending() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return timers_.size();
    }

private:
    void set_now(time_point t) {  // under mutex_
        now_ = t;
        seen_.store(t.time_since_epoch().count(), std::memory_order_release);
    }

    mutable std::mutex mutex_;
    time_point now_;
    std::atomic<time_point::rep> seen_;  // now_, for now()
    detail::timer_queue timers_;
};

} // namespace stepfn

#endif
