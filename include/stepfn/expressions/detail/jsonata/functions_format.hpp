#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_FORMAT_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_FORMAT_HPP

// The picture-string functions ($formatNumber, $formatBase, $formatInteger, $parseInteger,
// $fromMillis, $toMillis) and the date/time functions built on them. The formatting itself lives
// in format_number.hpp and datetime.hpp; until those exist these functions report that they are
// not available, and $now()/$millis()/$fromMillis(ms) without a picture still work.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/expressions/detail/jsonata/functions_numeric.hpp>

#if __has_include(<stepfn/expressions/detail/jsonata/format_number.hpp>)
#include <stepfn/expressions/detail/jsonata/format_number.hpp>
#define STEPFN_JSONATA_HAS_FORMAT_NUMBER 1
#endif
#if __has_include(<stepfn/expressions/detail/jsonata/datetime.hpp>)
#include <stepfn/expressions/detail/jsonata/datetime.hpp>
#define STEPFN_JSONATA_HAS_DATETIME 1
#endif

namespace stepfn {
namespace detail {
namespace jsonata {

inline tl::unexpected<error> not_available(std::string_view name) {
    return fail("D3000", "$" + std::string(name) + "() is not available in this build");
}

inline std::optional<std::string_view> opt_str(const std::vector<value>& a, std::size_t i) {
    if (arg(a, i).is_string()) return std::string_view(a[i].str());
    return std::nullopt;
}

// ISO 8601 with milliseconds in UTC, as Date.prototype.toISOString prints.
inline std::string iso_millis(double ms) {
    const auto total = static_cast<std::int64_t>(std::floor(ms));
    std::int64_t days = total >= 0 ? total / 86400000 : -((-total + 86399999) / 86400000);
    std::int64_t rest = total - days * 86400000;
    // Howard Hinnant's civil_from_days.
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t y = yoe + era * 400;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) ++y;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y),
                  static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rest / 3600000),
                  static_cast<long long>(rest / 60000 % 60), static_cast<long long>(rest / 1000 % 60),
                  static_cast<long long>(rest % 1000));
    return buf;
}

inline result<value> from_string_result(result<std::string> r) {
    if (!r) return tl::make_unexpected(r.error());
    return str_value(std::move(*r));
}

inline result<value> fn_format_number(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
#if defined(STEPFN_JSONATA_HAS_FORMAT_NUMBER)
    const json* options = arg(a, 2).is_object() ? &a[2].j() : nullptr;
    return from_string_result(format_number(a[0].num(), arg(a, 1).str(), options));
#else
    return not_available(c.name);
#endif
}

inline result<value> fn_format_base(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
#if defined(STEPFN_JSONATA_HAS_FORMAT_NUMBER)
    std::optional<double> radix;
    if (arg(a, 1).is_number()) radix = a[1].num();
    return from_string_result(format_base(a[0].num(), radix));
#else
    return not_available(c.name);
#endif
}

inline result<value> fn_format_integer(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
#if defined(STEPFN_JSONATA_HAS_FORMAT_NUMBER)
    return from_string_result(format_integer(a[0].num(), arg(a, 1).str()));
#else
    return not_available(c.name);
#endif
}

inline result<value> fn_parse_integer(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
#if defined(STEPFN_JSONATA_HAS_FORMAT_NUMBER)
    auto r = parse_integer(a[0].str(), arg(a, 1).str());
    if (!r) return tl::make_unexpected(r.error());
    if (!*r) return value{};
    return num_value(**r);
#else
    return not_available(c.name);
#endif
}

inline result<value> format_millis(call_info& c, double ms, const std::vector<value>& a, std::size_t first) {
    const auto picture = opt_str(a, first);
    const auto zone = opt_str(a, first + 1);
#if defined(STEPFN_JSONATA_HAS_DATETIME)
    (void)c;
    return from_string_result(from_millis(ms, picture, zone));
#else
    if (!picture && !zone) return str_value(iso_millis(ms));
    return not_available(c.name);
#endif
}

inline result<value> fn_now(call_info& c, std::vector<value>& a) { return format_millis(c, c.ev.now_ms(), a, 0); }
inline result<value> fn_millis(call_info& c, std::vector<value>&) { return num_value(c.ev.now_ms()); }

inline result<value> fn_from_millis(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    return format_millis(c, a[0].num(), a, 1);
}

inline result<value> fn_to_millis(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
#if defined(STEPFN_JSONATA_HAS_DATETIME)
    auto r = to_millis(a[0].str(), opt_str(a, 1));
    if (!r) return tl::make_unexpected(r.error());
    if (!*r) return value{};
    return num_value(**r);
#else
    return not_available(c.name);
#endif
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
