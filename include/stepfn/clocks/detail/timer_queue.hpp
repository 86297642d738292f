#ifndef STEPFN_CLOCKS_DETAIL_TIMER_QUEUE_HPP
#define STEPFN_CLOCKS_DETAIL_TIMER_QUEUE_HPP

#include <cstddef>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include <stepfn/job.hpp>
#include <stepfn/clocks/timer.hpp>

namespace stepfn::detail {

// Pending timers ordered by deadline, then by scheduling order (ids increase), with cancel by
// id. Not synchronised: the clocks lock around it. Callbacks are always moved out, so that
// running or destroying one happens outside the clock's lock.
class timer_queue {
public:
    timer_id add(time_point when, job fn) {
        const timer_id id = ++last_id_;
        timers_.emplace(key{when, id}, std::move(fn));
        deadlines_.emplace(id, when);
        return id;
    }

    // The callback of a timer that had not fired yet; empty when there was none.
    std::optional<job> remove(timer_id id) {
        const auto found = deadlines_.find(id);
        if (found == deadlines_.end()) return std::nullopt;
        const auto timer = timers_.find(key{found->second, id});
        deadlines_.erase(found);
        if (timer == timers_.end()) return std::nullopt;
        std::optional<job> fn(std::move(timer->second));
        timers_.erase(timer);
        return fn;
    }

    bool empty() const noexcept { return timers_.empty(); }
    std::size_t size() const noexcept { return timers_.size(); }

    // Precondition: !empty().
    time_point earliest() const { return timers_.begin()->first.first; }
    timer_id earliest_id() const { return timers_.begin()->first.second; }

    // Removes and returns the earliest timer's callback. Precondition: !empty().
    job pop_earliest() {
        const auto first = timers_.begin();
        job fn = std::move(first->second);
        deadlines_.erase(first->first.second);
        timers_.erase(first);
        return fn;
    }

    // Hands every pending callback over (to be destroyed outside the lock).
    std::map<std::pair<time_point, timer_id>, job> release() {
        deadlines_.clear();
        return std::exchange(timers_, {});
    }

private:
    using key = std::pair<time_point, timer_id>;
    std::map<key, job> timers_;
    std::unordered_map<timer_id, time_point> deadlines_;
    timer_id last_id_ = 0;
};

} // namespace stepfn::detail

#endif
