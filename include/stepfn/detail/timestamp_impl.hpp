#ifndef STEPFN_DETAIL_TIMESTAMP_IMPL_HPP
#define STEPFN_DETAIL_TIMESTAMP_IMPL_HPP

#include <stepfn/detail/timestamp.hpp>

#include <limits>

namespace stepfn::detail {

// Civil-date arithmetic after Howard Hinnant's public-domain algorithms
// (https://howardhinnant.github.io/date_algorithms.html): proleptic Gregorian, exact for any
// year we accept, and free of gmtime/timegm and their locale and thread-safety problems.
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);                     // [0, 399]
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;       // [0, 365]
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                // [0, 146096]
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

inline civil_date civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);                      // [0, 146096]
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   // [0, 399]
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                 // [0, 365]
    const unsigned mp = (5 * doy + 2) / 153;                                      // [0, 11]
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;                              // [1, 31]
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;                                 // [1, 12]
    return civil_date{static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

inline bool is_leap_year(std::int64_t y) noexcept {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

inline unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    constexpr unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29u : lengths[m - 1];
}

// Reads exactly `count` ASCII digits at `pos`; false (and `pos` untouched) otherwise.
inline bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, unsigned& out) noexcept {
    if (text.size() - pos < count) return false;
    unsigned value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    pos += count;
    out = value;
    return true;
}

inline bool read_char(std::string_view text, std::size_t& pos, char expected) noexcept {
    if (pos >= text.size() || text[pos] != expected) return false;
    ++pos;
    return true;
}

// Seconds 60 (leap seconds) are rejected: AWS parses with Java's ISO offset date-time parser,
// which does, and an instant has no way to represent them anyway. Offsets are limited to
// ±18:00, Java's ZoneOffset range; `-00:00` is accepted as UTC.
inline std::optional<instant> parse_rfc3339(std::string_view text) {
    std::size_t pos = 0;
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, pos, 4, year) || !read_char(text, pos, '-') ||
        !read_digits(text, pos, 2, month) || !read_char(text, pos, '-') ||
        !read_digits(text, pos, 2, day) || !read_char(text, pos, 'T') ||
        !read_digits(text, pos, 2, hour) || !read_char(text, pos, ':') ||
        !read_digits(text, pos, 2, minute) || !read_char(text, pos, ':') ||
        !read_digits(text, pos, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 59)
        return std::nullopt;

    std::int32_t nanos = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t first_digit = pos;
        std::int32_t scale = 100000000;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            nanos += (text[pos] - '0') * scale;  // digits past the ninth have scale 0: truncated
            scale /= 10;
            ++pos;
        }
        if (pos == first_digit) return std::nullopt;
    }

    std::int64_t offset_seconds = 0;
    if (read_char(text, pos, 'Z')) {
        // UTC
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const bool negative = text[pos] == '-';
        ++pos;
        unsigned offset_hours = 0, offset_minutes = 0;
        if (!read_digits(text, pos, 2, offset_hours) || !read_char(text, pos, ':') ||
            !read_digits(text, pos, 2, offset_minutes))
            return std::nullopt;
        if (offset_minutes > 59 || offset_hours * 60 + offset_minutes > 18 * 60) return std::nullopt;
        offset_seconds = (static_cast<std::int64_t>(offset_hours) * 60 + offset_minutes) * 60;
        if (negative) offset_seconds = -offset_seconds;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;

    // The local time minus its offset is UTC.
    const std::int64_t days = days_from_civil(year, month, day);
    const std::int64_t local = days * 86400 + static_cast<std::int64_t>(hour) * 3600 +
                               static_cast<std::int64_t>(minute) * 60 + second;
    return instant{local - offset_seconds, nanos};
}

inline std::chrono::system_clock::time_point to_time_point(const instant& i) {
    using clock = std::chrono::system_clock;
    using duration = clock::duration;
    // A nanosecond system_clock spans only about ±292 years, less than 0000..9999: saturate
    // rather than overflow.
    constexpr std::int64_t max_seconds =
        (std::numeric_limits<duration::rep>::max)() / duration::period::den * duration::period::num - 1;
    if (i.seconds > max_seconds) return (clock::time_point::max)();
    if (i.seconds < -max_seconds) return (clock::time_point::min)();
    return clock::time_point(std::chrono::duration_cast<duration>(std::chrono::seconds(i.seconds)) +
                             std::chrono::duration_cast<duration>(std::chrono::nanoseconds(i.nanos)));
}

inline std::string format_iso8601(std::chrono::system_clock::time_point t) {
    // Floor, not truncate, so instants before 1970 keep the right date.
    const std::int64_t total_ms =
        std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::int64_t days = total_ms / 86400000;
    std::int64_t ms_of_day = total_ms % 86400000;
    if (ms_of_day < 0) {
        ms_of_day += 86400000;
        --days;
    }
    const civil_date date = civil_from_days(days);

    std::string out;
    out.reserve(24);
    auto put = [&out](std::int64_t value, int width) {
        char digits[20];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value > 0 && n < 20);
        for (int pad = n; pad < width; ++pad) out += '0';
        while (n > 0) out += digits[--n];
    };
    std::int64_t year = date.year;
    if (year < 0) {
        out += '-';
        year = -year;
    }
    put(year, 4);
    out += '-';
    put(date.month, 2);
    out += '-';
    put(date.day, 2);
    out += 'T';
    put(ms_of_day / 3600000, 2);
    out += ':';
    put(ms_of_day / 60000 % 60, 2);
    out += ':';
    put(ms_of_day / 1000 % 60, 2);
    out += '.';
    put(ms_of_day % 1000, 3);
    out += 'Z';
    return out;
}

} // namespace stepfn::detail

#endif
