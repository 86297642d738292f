#ifndef STEPFN_POLICIES_RETRY_POLICY_HPP
#define STEPFN_POLICIES_RETRY_POLICY_HPP

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/model/states.hpp>

namespace stepfn {

// Whether an error name is matched by one `ErrorEquals` entry (asl-reference.md §8.1, §13):
// - States.Runtime is never matched, not even when named (AWS never retries or catches it);
// - States.ALL matches every other error;
// - States.TaskFailed matches every other error except States.Timeout;
// - States.HeartbeatTimeout also matches a heartbeat expiry (which is raised as States.Timeout).
inline bool error_matches(std::string_view pattern, std::string_view error_name, bool heartbeat_expiry = false) {
    if (error_name == errors::runtime) return false;
    if (pattern == errors::all) return true;
    if (pattern == errors::task_failed) return error_name != errors::timeout;
    if (pattern == errors::heartbeat_timeout && heartbeat_expiry) return true;
    return pattern == error_name;
}

inline bool error_matches(const std::vector<std::string>& error_equals, std::string_view error_name,
                          bool heartbeat_expiry = false) {
    for (const auto& pattern : error_equals)
        if (error_matches(pattern, error_name, heartbeat_expiry)) return true;
    return false;
}

// ASL's back-off: IntervalSeconds × BackoffRate^n, capped by MaxDelaySeconds, then with FULL
// jitter a uniform draw in [0, delay). `n` is the number of retries this retrier already made.
// `Random` is any callable returning a double in [0, 1), so tests can make jitter deterministic.
template <class Random>
std::chrono::nanoseconds retry_delay(const retrier& r, std::int64_t n, Random&& unit_random) {
    double seconds = static_cast<double>(r.interval_seconds) * std::pow(r.backoff_rate, static_cast<double>(n));
    if (r.max_delay_seconds && seconds > static_cast<double>(*r.max_delay_seconds))
        seconds = static_cast<double>(*r.max_delay_seconds);
    // Bound before converting: 99,999,999 × 2^n overflows nanoseconds quickly.
    constexpr double max_seconds = 9.0e9;
    if (!(seconds < max_seconds)) seconds = max_seconds;
    if (r.jitter == jitter_strategy::full) seconds *= unit_random();
    return std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
}

} // namespace stepfn

#endif
