#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_DATETIME_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_DATETIME_HPP

// $fromMillis and $toMillis: the XPath F&O date/time picture strings ([Y0001]-[M01]-[D01],
// [FNn], [h]:[m01][P], [Z01:01t] ...) as the JSONata reference (jsonata 2.0.6) formats and
// parses them, with its ISO 8601 default. Parsing fills what the picture leaves out from the
// evaluation's "now" before the given parts and with the lowest value after them.

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/expressions/detail/jsonata/date_calendar.hpp>
#include <stepfn/expressions/detail/jsonata/integer_picture.hpp>
#include <stepfn/expressions/detail/jsonata/js_number.hpp>

namespace stepfn::detail::jsonata {

namespace datetime_detail {

enum class names_case { none, lower, upper, title };

struct width_modifier {
    std::optional<double> min, max;  // NaN when the digits do not parse, as parseInt gives
};

struct picture_part {
    bool literal = true;
    std::u16string text;  // the literal, or the component letter ("" when the marker is empty)
    std::optional<width_modifier> width;
    std::u16string presentation1;
    std::optional<char16_t> presentation2;
    names_case names = names_case::none;
    std::optional<integer_format> integer;
    double n = -1;  // the year/month/day width (-1: none)
};

inline const char* const day_names[] = {"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
inline const char* const month_names[] = {"January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December"};

inline std::optional<std::u16string> default_presentation(std::u16string_view component) {
    if (component.size() != 1) return std::nullopt;
    switch (component[0]) {
    case u'Y': case u'M': case u'D': case u'd': case u'W': case u'w': case u'X': case u'x': case u'H': case u'h': case u'f':
        return u"1";
    case u'F': case u'P': case u'C': case u'E':
        return u"n";
    case u'm': case u's':
        return u"01";
    case u'Z': case u'z':
        return u"01:01";
    default:
        return std::nullopt;
    }
}

inline bool is_one_of(std::u16string_view component, std::u16string_view set) {
    return component.size() == 1 && set.find(component[0]) != std::u16string_view::npos;
}

inline tl::unexpected<error> d3133(std::u16string_view component) {
    return fail("D3133", "The 'name' modifier can only be applied to months and days in the date/time picture string, not " +
                             json_quote(to_utf8(component)));
}

// F&O 9.8.4.1: literals and [markers].
inline result<std::vector<picture_part>> analyse_picture(std::u16string_view picture) {
    std::vector<picture_part> spec;
    auto add_literal = [&](js_index start, js_index end) {
        if (end <= start) return;
        std::u16string lit = js_substring(picture, start, end);
        std::u16string out;
        for (std::size_t k = 0; k < lit.size(); ++k) {
            out.push_back(lit[k]);
            if (lit[k] == u']' && k + 1 < lit.size() && lit[k + 1] == u']') ++k;
        }
        spec.push_back({true, out, std::nullopt, {}, std::nullopt, names_case::none, std::nullopt, -1});
    };
    js_index start = 0, pos = 0;
    const js_index length = js_len(picture);
    while (pos < length) {
        if (picture[static_cast<std::size_t>(pos)] == u'[') {
            if (js_char_at(picture, pos + 1) == u"[") {
                add_literal(start, pos);
                spec.push_back({true, u"[", std::nullopt, {}, std::nullopt, names_case::none, std::nullopt, -1});
                pos += 2;
                start = pos;
                continue;
            }
            add_literal(start, pos);
            start = pos;
            pos = js_index_of(picture, u"]", start);
            if (pos == -1) return fail("D3135", "No matching closing bracket ']' in date/time picture string");
            std::u16string marker;
            for (const char16_t c : js_substring(picture, start + 1, pos)) {
                if (!js_is_space(c)) marker.push_back(c);
            }
            picture_part def;
            def.literal = false;
            def.text = js_char_at(marker, 0);
            std::u16string pres;
            const js_index comma = js_last_index_of(marker, u",");
            if (comma != -1) {
                const std::u16string width = js_substring(marker, comma + 1);
                const js_index dash = js_index_of(width, u"-");
                auto parse_width = [](const std::optional<std::u16string>& w) -> std::optional<double> {
                    if (!w || *w == u"*") return std::nullopt;
                    return js_parse_int(*w);
                };
                width_modifier wm;
                if (dash == -1) {
                    wm.min = parse_width(width);
                } else {
                    wm.min = parse_width(js_substring(width, 0, dash));
                    wm.max = parse_width(js_substring(width, dash + 1));
                }
                def.width = wm;
                pres = js_substring(marker, 1, comma);
            } else {
                pres = js_substring(marker, 1);
            }
            if (pres.size() == 1) {
                def.presentation1 = pres;
            } else if (pres.size() > 1) {
                const char16_t last = pres.back();
                if (last == u'a' || last == u't' || last == u'c' || last == u'o') {
                    def.presentation2 = last;
                    def.presentation1 = pres.substr(0, pres.size() - 1);
                } else {
                    def.presentation1 = pres;
                }
            } else {
                auto d = default_presentation(def.text);
                if (!d) {
                    return fail("D3132", "Unknown component specifier " + json_quote(to_utf8(def.text)) + " in date/time picture string");
                }
                def.presentation1 = *d;
            }
            const std::u16string& p1 = def.presentation1;
            if (p1[0] == u'n') {
                def.names = names_case::lower;
            } else if (p1[0] == u'N') {
                def.names = p1.size() > 1 && p1[1] == u'n' ? names_case::title : names_case::upper;
            } else if (is_one_of(def.text, u"YMDdFWwXxHhmsf")) {
                std::u16string pattern = p1;
                if (def.presentation2) pattern += std::u16string(u";") + *def.presentation2;
                auto format = analyse_integer_picture(pattern);
                if (!format) return tl::make_unexpected(format.error());
                def.integer = *format;
                if (def.width && def.width->min && def.integer->mandatory_digits < *def.width->min) {
                    def.integer->mandatory_digits = *def.width->min;
                }
                if (is_one_of(def.text, u"YMD")) {
                    def.n = -1;
                    if (def.width && def.width->max) {
                        def.n = *def.width->max;
                        def.integer->mandatory_digits = def.n;
                    } else {
                        const double w = def.integer->mandatory_digits + def.integer->optional_digits;
                        if (w >= 2) def.n = w;
                    }
                }
            }
            if (def.text == u"Z" || def.text == u"z") {
                auto format = analyse_integer_picture(p1);
                if (!format) return tl::make_unexpected(format.error());
                def.integer = *format;
            }
            spec.push_back(def);
            start = pos + 1;
        }
        ++pos;
    }
    add_literal(start, pos);
    return spec;
}

// A component's value: a number, a text ("am", "ISO") or nothing (the timezone, unknowns).
struct fragment {
    enum class kind { number, text, none } k = kind::none;
    double number = 0;
    std::u16string text;
};

inline fragment number_fragment(double v) { return {fragment::kind::number, v, {}}; }

// The first Monday of the ISO week 1 of a year or month (the week with its first Thursday).
inline double start_of_first_week(double year, double month) {
    const double first = calendar::date_utc(year, month);
    double dow = calendar::utc_date{first}.weekday();
    if (dow == 0) dow = 7;
    return dow > 4 ? first + (8 - dow) * calendar::ms_per_day : first - (dow - 1) * calendar::ms_per_day;
}

inline double delta_weeks(double start, double end) { return (end - start) / (calendar::ms_per_day * 7) + 1; }

inline fragment component_value(const calendar::utc_date& date, char16_t component) {
    using calendar::date_utc;
    switch (component) {
    case u'Y': return number_fragment(date.full_year());
    case u'M': return number_fragment(date.month() + 1);
    case u'D': return number_fragment(date.day());
    case u'd': {
        const double today = date_utc(date.full_year(), date.month(), date.day());
        return number_fragment((today - date_utc(date.full_year(), 0)) / calendar::ms_per_day + 1);
    }
    case u'F': {
        const double d = date.weekday();
        return number_fragment(d == 0 ? 7 : d);
    }
    case u'W': {
        const double year = date.full_year();
        const double today = date_utc(year, date.month(), date.day());
        double week = delta_weeks(start_of_first_week(year, 0), today);
        if (week > 52) {
            if (today >= start_of_first_week(year + 1, 0)) week = 1;
        } else if (week < 1) {
            week = delta_weeks(start_of_first_week(year - 1, 0), today);
        }
        return number_fragment(std::floor(week));
    }
    case u'w': {
        const double year = date.full_year(), month = date.month();
        const double today = date_utc(year, month, date.day());
        double week = delta_weeks(start_of_first_week(year, month), today);
        if (week > 4) {
            const double ny = month == 11 ? year + 1 : year, nm = month == 11 ? 0 : month + 1;
            if (today >= start_of_first_week(ny, nm)) week = 1;
        } else if (week < 1) {
            const double py = month == 0 ? year - 1 : year, pm = month == 0 ? 11 : month - 1;
            week = delta_weeks(start_of_first_week(py, pm), today);
        }
        return number_fragment(std::floor(week));
    }
    case u'X': {
        const double year = date.full_year();
        if (date.t < start_of_first_week(year, 0)) return number_fragment(year - 1);
        if (date.t >= start_of_first_week(year + 1, 0)) return number_fragment(year + 1);
        return number_fragment(year);
    }
    case u'x': {
        const double year = date.full_year(), month = date.month();
        const double ny = month == 11 ? year + 1 : year, nm = month == 11 ? 0 : month + 1;
        if (date.t < start_of_first_week(year, month)) return number_fragment((month == 0 ? 11 : month - 1) + 1);
        if (date.t >= start_of_first_week(ny, nm)) return number_fragment(nm + 1);
        return number_fragment(month + 1);
    }
    case u'H': return number_fragment(date.hours());
    case u'h': {
        const double h = std::fmod(date.hours(), 12);
        return number_fragment(h == 0 ? 12 : h);
    }
    case u'P': return {fragment::kind::text, 0, date.hours() >= 12 ? u"pm" : u"am"};
    case u'm': return number_fragment(date.minutes());
    case u's': return number_fragment(date.seconds());
    case u'f': return number_fragment(date.milliseconds());
    case u'C': case u'E': return {fragment::kind::text, 0, u"ISO"};
    default: return {};
    }
}

inline std::u16string change_case(std::u16string s, names_case c) {
    for (auto& ch : s) {
        if (c == names_case::upper && ch >= u'a' && ch <= u'z') ch = static_cast<char16_t>(ch - u'a' + u'A');
        if (c == names_case::lower && ch >= u'A' && ch <= u'Z') ch = static_cast<char16_t>(ch - u'A' + u'a');
    }
    return s;
}

inline result<std::u16string> format_component(const calendar::utc_date& date, const picture_part& part, double offset_hours,
                                              double offset_minutes) {
    const char16_t c = part.text.empty() ? u'\0' : part.text[0];
    fragment value = component_value(date, c);
    if (is_one_of(part.text, u"YMDdFWwXxHhms")) {
        double v = value.number;
        if (c == u'Y' && part.n != -1) v = std::fmod(v, std::pow(10, part.n));
        if (part.names != names_case::none) {
            std::u16string name;
            if (c == u'M' || c == u'x') {
                if (!(v >= 1 && v <= 12)) return std::u16string(u"undefined");
                name = ascii16(month_names[static_cast<int>(v) - 1]);
            } else if (c == u'F') {
                if (!(v >= 1 && v <= 7)) return std::u16string(u"undefined");
                name = ascii16(day_names[static_cast<int>(v)]);
            } else {
                return d3133(part.text);
            }
            name = change_case(name, part.names);
            if (part.width && part.width->max && static_cast<double>(name.size()) > *part.width->max) {
                name = name.substr(0, static_cast<std::size_t>(*part.width->max));
            }
            return name;
        }
        return format_integer_with(v, *part.integer);
    }
    if (c == u'f') {
        if (!part.integer) return d3133(part.text);
        return format_integer_with(value.number, *part.integer);
    }
    if (c == u'Z' || c == u'z') {
        const double offset = offset_hours * 100 + offset_minutes;
        std::u16string text;
        const integer_format& format = *part.integer;
        if (format.regular) {
            auto t = format_integer_with(offset, format);
            if (!t) return t;
            text = *t;
        } else {
            const double digits = format.mandatory_digits;
            if (digits == 1 || digits == 2) {
                auto t = format_integer_with(offset_hours, format);
                if (!t) return t;
                text = *t;
                if (offset_minutes != 0) {
                    auto minutes = format_integer(offset_minutes, "00");
                    if (!minutes) return tl::make_unexpected(minutes.error());
                    text += u":" + to_utf16(*minutes);
                }
            } else if (digits == 3 || digits == 4) {
                auto t = format_integer_with(offset, format);
                if (!t) return t;
                text = *t;
            } else {
                return fail("D3134", "The timezone integer format specifier cannot have more than four digits");
            }
        }
        if (offset >= 0) text = u"+" + text;
        if (c == u'z') text = u"GMT" + text;
        if (offset == 0 && part.presentation2 == u't') text = u"Z";
        return text;
    }
    if (value.k == fragment::kind::text) {
        return c == u'P' && part.names == names_case::upper ? change_case(value.text, names_case::upper) : value.text;
    }
    return std::u16string(u"undefined");
}

inline const std::vector<picture_part>& iso8601_picture() {
    static const std::vector<picture_part> spec = *analyse_picture(u"[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]");
    return spec;
}


// $fromMillis over an analysed picture (what a call with a literal picture keeps from compile
// time); timezone as below.
inline result<std::string> from_millis_with(double millis, const std::vector<picture_part>& spec,
                                            std::optional<std::string_view> timezone) {
    double offset_hours = 0, offset_minutes = 0;
    if (timezone) {
        const double offset = js_parse_int(to_utf16(*timezone));
        offset_hours = std::floor(offset / 100);
        offset_minutes = std::fmod(offset, 100);
    }
    const double offset_millis = (60 * offset_hours + offset_minutes) * 60 * 1000;
    const calendar::utc_date date{calendar::time_clip(millis + offset_millis)};
    std::u16string out;
    for (const auto& part : spec) {
        if (part.literal) {
            out += part.text;
            continue;
        }
        auto text = format_component(date, part, offset_hours, offset_minutes);
        if (!text) return tl::make_unexpected(text.error());
        out += *text;
    }
    return to_utf8(out);
}
} // namespace datetime_detail

// $fromMillis(millis, picture, timezone): picture defaults to ISO 8601 with milliseconds and
// "Z"; timezone is "+hhmm" / "-hhmm" (UTC when absent).
inline result<std::string> from_millis(double millis, std::optional<std::string_view> picture,
                                       std::optional<std::string_view> timezone) {
    namespace dd = datetime_detail;
    if (!picture) return dd::from_millis_with(millis, dd::iso8601_picture(), timezone);
    auto spec = dd::analyse_picture(to_utf16(*picture));
    if (!spec) return tl::make_unexpected(spec.error());
    return dd::from_millis_with(millis, *spec, timezone);
}

} // namespace stepfn::detail::jsonata

#include <stepfn/expressions/detail/jsonata/datetime_parse.hpp>

#endif
