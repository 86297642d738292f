#ifndef STEPFN_API_DETAIL_ACTIVITY_TOKEN_HPP
#define STEPFN_API_DETAIL_ACTIVITY_TOKEN_HPP

// The task tokens the activity hub hands to workers: "act1." and 256 random bits in lowercase
// hex, drawn from the operating system's generator (std::random_device: getrandom or
// /dev/urandom on Linux, RtlGenRandom on Windows), never derived from an ARN, so a token cannot
// be guessed from anything a worker sees. The prefix tells them apart from the engine's
// `.waitForTaskToken` tokens (two UUIDs: hex digits and dashes), so SendTask* can be routed
// without a lookup.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include <stepfn/detail/hex.hpp>

namespace stepfn::detail {

inline constexpr std::string_view activity_token_prefix = "act1.";
inline constexpr std::size_t activity_token_random_hex = 64;  // 256 bits

// Whether a token is the hub's kind (it may still be malformed, or unknown).
inline bool has_activity_token_prefix(std::string_view token) noexcept {
    return token.size() >= activity_token_prefix.size() && token.compare(0, activity_token_prefix.size(), activity_token_prefix) == 0;
}

// Whether a token has exactly the shape the hub issues.
inline bool well_formed_activity_token(std::string_view token) noexcept {
    if (!has_activity_token_prefix(token) || token.size() != activity_token_prefix.size() + activity_token_random_hex) return false;
    for (std::size_t i = activity_token_prefix.size(); i < token.size(); ++i) {
        const char c = token[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

class activity_token_source {
public:
    std::string next() {
        std::string token(activity_token_prefix);
        token.reserve(activity_token_prefix.size() + activity_token_random_hex);
        // std::random_device is not promised to be safe to call from two threads at once.
        std::lock_guard<std::mutex> lock(mutex_);
        for (std::size_t i = 0; i < activity_token_random_hex / 8; ++i) {
            auto word = static_cast<std::uint32_t>(random_());
            for (int nibble = 0; nibble < 8; ++nibble) {
                token += lower_hex_digits[word & 0xFU];
                word >>= 4;
            }
        }
        return token;
    }

private:
    std::mutex mutex_;
    std::random_device random_;
};

} // namespace stepfn::detail

#endif
