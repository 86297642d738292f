#ifndef STEPFN_DETAIL_TIMESTAMP_HPP
#define STEPFN_DETAIL_TIMESTAMP_HPP

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stepfn::detail {

// An instant parsed from an RFC 3339 timestamp, kept to the nanosecond.
struct instant {
    std::int64_t seconds = 0;  // since the Unix epoch, UTC
    std::int32_t nanos = 0;    // 0..999,999,999

    friend bool operator==(const instant& a, const instant& b) { return a.seconds == b.seconds && a.nanos == b.nanos; }
    friend bool operator<(const instant& a, const instant& b) {
        return a.seconds < b.seconds || (a.seconds == b.seconds && a.nanos < b.nanos);
    }
};

// RFC 3339 as AWS accepts it: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, uppercase T and Z,
// any number of fractional digits, a zone required. nullopt when `text` is not one.
std::optional<instant> parse_rfc3339(std::string_view text);

// ISO-8601 in UTC with milliseconds, as AWS prints times: `2024-01-02T03:04:05.678Z`.
std::string format_iso8601(std::chrono::system_clock::time_point t);

std::chrono::system_clock::time_point to_time_point(const instant& i);

} // namespace stepfn::detail

#include <stepfn/detail/timestamp_impl.hpp>

#endif
