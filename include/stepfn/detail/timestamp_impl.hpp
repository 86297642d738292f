#ifndef STEPFN_DETAIL_TIMESTAMP_IMPL_HPP
#define STEPFN_DETAIL_TIMESTAMP_IMPL_HPP
// STUB: replaced by the choice/timestamp work.
#include <stepfn/detail/timestamp.hpp>
namespace stepfn::detail {
inline std::optional<instant> parse_rfc3339(std::string_view) { return std::nullopt; }
inline std::string format_iso8601(std::chrono::system_clock::time_point) { return "1970-01-01T00:00:00.000Z"; }
inline std::chrono::system_clock::time_point to_time_point(const instant& i) { return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(i.seconds) + std::chrono::nanoseconds(i.nanos))); }
}
#endif
