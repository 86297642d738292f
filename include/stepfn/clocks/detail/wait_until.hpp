#ifndef STEPFN_CLOCKS_DETAIL_WAIT_UNTIL_HPP
#define STEPFN_CLOCKS_DETAIL_WAIT_UNTIL_HPP

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <stepfn/clocks/timer.hpp>

namespace stepfn::detail {

// condition_variable::wait_until converts a system_clock deadline to its own clock by adding a
// difference, which overflows for far deadlines such as time_point::max() and turns "wait
// forever" into "do not wait at all" (a busy loop). Waiting in slices of at most a day avoids it;
// callers loop on their predicate anyway, so a slice ending early is only a spurious wake-up.
inline std::cv_status wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                                 time_point deadline) {
    const auto now = std::chrono::system_clock::now();
    if (deadline <= now) return std::cv_status::timeout;
    constexpr auto max_slice = std::chrono::hours(24);
    if (deadline - now > max_slice) {
        cv.wait_until(lock, now + max_slice);
        return std::cv_status::no_timeout;
    }
    return cv.wait_until(lock, deadline);
}

} // namespace stepfn::detail

#endif
