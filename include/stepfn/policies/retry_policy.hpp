#ifndef STEPFN_POLICIES_RETRY_POLICY_HPP
#define STEPFN_POLICIES_RETRY_POLICY_HPP

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
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

// The retry policy the engine asks when a Retry rule matched an error: how long to wait before
// the next attempt, or nothing when the rule is exhausted. Replaceable per engine
// (engine_options::retry); the default is ASL's own (asl_retry_policy).
class retry_policy {
public:
    virtual ~retry_policy() = default;
    // `retries_made`: how many times this rule already retried the state; `unit_random`: draws
    // uniformly from [0, 1) with the engine's seeded source (for jitter; call it only when needed,
    // so that executions stay reproducible with a fixed seed).
    virtual std::optional<std::chrono::nanoseconds> next_retry(const retrier& rule, std::int64_t retries_made,
                                                               const std::function<double()>& unit_random) const = 0;
};

// ASL's: MaxAttempts retries, each after IntervalSeconds × BackoffRate^n, capped by
// MaxDelaySeconds, with FULL jitter when the rule asks for it.
class asl_retry_policy final : public retry_policy {
public:
    std::optional<std::chrono::nanoseconds> next_retry(const retrier& rule, std::int64_t retries_made,
                                                       const std::function<double()>& unit_random) const override {
        if (retries_made >= rule.max_attempts) return std::nullopt;
        return retry_delay(rule, retries_made, unit_random);
    }
};

} // namespace stepfn

#endif
