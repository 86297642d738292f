#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_DATE_CALENDAR_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_DATE_CALENDAR_HPP

// The proleptic Gregorian calendar the way JavaScript's Date sees it, which the JSONata
// reference's date functions are built on: time values in milliseconds clipped to ±8.64e15,
// Date.UTC (with its mapping of years 0-99 to 1900-1999), the UTC getters, and Date.parse for
// the ISO 8601 strings $toMillis accepts (V8's reading, including the forms it is lenient with).

#include <cmath>
#include <cstdint>
#include <string_view>

namespace stepfn::detail::jsonata {

namespace calendar {

inline constexpr double ms_per_day = 86400000.0;

// Days since 1970-01-01 of a civil date (month 1..12); any day count, no range check.
inline std::int64_t days_from_civil(std::int64_t y, std::int64_t m, std::int64_t d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (m + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct civil {
    std::int64_t year;
    int month;  // 1..12
    int day;    // 1..31
};

inline civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

// TimeClip: NaN outside ±8.64e15, otherwise truncated towards zero.
inline double time_clip(double t) {
    if (!std::isfinite(t) || std::fabs(t) > 8.64e15) return std::nan("");
    return std::trunc(t) + 0.0;
}

// Date.UTC(year, month0, day, hours, minutes, seconds, ms).
inline double date_utc(double y, double m, double d = 1, double h = 0, double mi = 0, double s = 0, double ms = 0) {
    for (const double v : {y, m, d, h, mi, s, ms}) {
        if (!std::isfinite(v)) return std::nan("");
    }
    y = std::trunc(y);
    if (y >= 0 && y <= 99) y += 1900;
    m = std::trunc(m);
    const double ym = y + std::floor(m / 12);
    const double mn = m - std::floor(m / 12) * 12;
    if (std::fabs(ym) > 400000) return std::nan("");
    const double day = static_cast<double>(days_from_civil(static_cast<std::int64_t>(ym), static_cast<std::int64_t>(mn) + 1, 1)) + std::trunc(d) - 1;
    const double time = std::trunc(h) * 3600000.0 + std::trunc(mi) * 60000.0 + std::trunc(s) * 1000.0 + std::trunc(ms);
    return time_clip(day * ms_per_day + time);
}

// The UTC getters of a Date holding time value t (NaN when the date is invalid).
struct utc_date {
    double t;

    bool valid() const { return !std::isnan(t); }
    double day_number() const { return std::floor(t / ms_per_day); }
    double ms_in_day() const { return t - day_number() * ms_per_day; }
    civil date() const { return civil_from_days(static_cast<std::int64_t>(day_number())); }
    double full_year() const { return valid() ? static_cast<double>(date().year) : std::nan(""); }
    double month() const { return valid() ? date().month - 1 : std::nan(""); }  // 0..11
    double day() const { return valid() ? date().day : std::nan(""); }
    double weekday() const {  // 0 = Sunday
        if (!valid()) return std::nan("");
        const double w = std::fmod(day_number() + 4, 7);
        return w < 0 ? w + 7 : w;
    }
    double hours() const { return valid() ? std::floor(ms_in_day() / 3600000.0) : std::nan(""); }
    double minutes() const { return valid() ? std::fmod(std::floor(ms_in_day() / 60000.0), 60) : std::nan(""); }
    double seconds() const { return valid() ? std::fmod(std::floor(ms_in_day() / 1000.0), 60) : std::nan(""); }
    double milliseconds() const { return valid() ? std::fmod(ms_in_day(), 1000) : std::nan(""); }
};

// The shape test $toMillis applies before Date.parse (the reference's regular expression
// ^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$).
inline bool looks_iso8601(std::string_view s) {
    std::size_t i = 0;
    auto digit = [&](std::size_t k, char lo = '0', char hi = '9') { return k < s.size() && s[k] >= lo && s[k] <= hi; };
    for (int k = 0; k < 4; ++k) {
        if (!digit(i++)) return false;
    }
    while (i < s.size() && s[i] == '-' && digit(i + 1, '0', '1') && digit(i + 2)) i += 3;
    while (i < s.size() && s[i] == '-' && digit(i + 1, '0', '3') && digit(i + 2)) i += 3;
    while (i < s.size() && s[i] == 'T' && digit(i + 1, '0', '2') && digit(i + 2) && i + 3 < s.size() && s[i + 3] == ':' &&
           digit(i + 4, '0', '5') && digit(i + 5) && i + 6 < s.size() && s[i + 6] == ':' && digit(i + 7, '0', '5') && digit(i + 8)) {
        i += 9;
    }
    if (i < s.size() && s[i] == '.' && digit(i + 1)) {
        ++i;
        while (digit(i)) ++i;
    }
    if (i < s.size() && s[i] == 'Z') {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-') && digit(i + 1, '0', '2') && digit(i + 2)) {
        std::size_t j = i + 3;
        if (j < s.size() && s[j] == ':') ++j;
        if (digit(j, '0', '5') && digit(j + 1)) i = j + 2;
    }
    return i == s.size();
}

// Date.parse as V8 reads the strings that pass looks_iso8601: the ECMAScript date-time
// format (a date-time without a zone is UTC, as on AWS), ±hhmm zones too, "24:00:00" as the
// next midnight, days up to 31 in any month (rolling over), and the legacy "YYYY.M" and
// "YYYY-MM.D". NaN for the rest.
inline double parse_iso8601(std::string_view s) {
    const double nan = std::nan("");
    std::size_t i = 0;
    auto number = [&](std::size_t count) {
        double v = 0;
        for (std::size_t k = 0; k < count; ++k) v = v * 10 + (s[i + k] - '0');
        i += count;
        return v;
    };
    auto digits_at = [&](std::size_t k, std::size_t count) {
        for (std::size_t n = 0; n < count; ++n) {
            if (k + n >= s.size() || s[k + n] < '0' || s[k + n] > '9') return false;
        }
        return true;
    };
    if (!digits_at(0, 4)) return nan;
    const double year = number(4);
    double month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0, offset = 0;
    int date_fields = 1;
    if (i < s.size() && s[i] == '-' && digits_at(i + 1, 2)) { ++i; month = number(2); ++date_fields; }
    if (date_fields == 2 && i < s.size() && s[i] == '-' && digits_at(i + 1, 2)) { ++i; day = number(2); ++date_fields; }
    bool has_time = false;
    if (i < s.size() && s[i] == '.' && date_fields < 3) {
        // Legacy: "2018.5" is May 2018, "2018-01.5" the 5th of January.
        ++i;
        const std::size_t start = i;
        while (digits_at(i, 1)) ++i;
        if (i - start > 2) return nan;
        i = start;
        const double v = number(s.size() > start + 1 && digits_at(start + 1, 1) ? 2 : 1);
        if (date_fields == 1) month = v; else day = v;
        if (i < s.size() && s[i] == 'Z') ++i;
        if (i != s.size()) return nan;
    } else {
        if (i < s.size() && s[i] == 'T') {
            ++i;
            has_time = true;
            hour = number(2);
            ++i;
            minute = number(2);
            ++i;
            second = number(2);
            if (i < s.size() && s[i] == '.') {
                ++i;
                double scale = 100;
                while (digits_at(i, 1)) {
                    ms += (s[i] - '0') * scale;
                    scale /= 10;
                    ++i;
                }
                ms = std::floor(ms);
            }
        }
        if (i < s.size() && s[i] == 'Z') {
            ++i;
        } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            if (!has_time) return nan;
            const double sign = s[i] == '-' ? -1 : 1;
            ++i;
            const double oh = number(2);
            if (i < s.size() && s[i] == ':') ++i;
            const double om = number(2);
            if (oh > 23 || om > 59) return nan;
            offset = sign * (oh * 60 + om);
        }
        if (i != s.size()) return nan;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31) return nan;
    if (hour > 24 || minute > 59 || second > 59) return nan;
    if (hour == 24 && (minute != 0 || second != 0 || ms != 0)) return nan;
    const double days = static_cast<double>(days_from_civil(static_cast<std::int64_t>(year), static_cast<std::int64_t>(month), 1)) + day - 1;
    return time_clip(days * ms_per_day + hour * 3600000.0 + minute * 60000.0 + second * 1000.0 + ms - offset * 60000.0);
}

} // namespace calendar

} // namespace stepfn::detail::jsonata

#endif
