#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_DATETIME_PARSE_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_DATETIME_PARSE_HPP

// $toMillis: ISO 8601 by default, otherwise a date/time picture turned into a regular
// expression (ECMAScript grammar, case-insensitive, as the reference builds it; run by regex.hpp) whose groups
// give the components. Included by datetime.hpp.

#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/expressions/detail/jsonata/datetime.hpp>
#include <stepfn/expressions/detail/jsonata/regex.hpp>

namespace stepfn::detail::jsonata {

namespace datetime_detail {

// One group of the parsing expression and how its text becomes a component value.
struct matcher_part {
    std::string regex;
    char16_t component = 0;
    enum class how { none, integer, timezone, name } parse = how::none;
    std::optional<integer_format> integer;
    std::optional<std::u16string> separator;  // of a timezone
    bool gmt = false;
    std::map<std::u16string, double> names;
};

inline std::string escape_regex(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (std::string_view(".*+?^${}()|[]\\").find(c) != std::string_view::npos) out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

inline std::string integer_regex(const integer_format& f, double n) {
    switch (f.primary) {
    case integer_format::kind::letters:
        return f.tcase == integer_format::letter_case::upper ? "[A-Z]+" : "[a-z]+";
    case integer_format::kind::roman:
        return f.tcase == integer_format::letter_case::upper ? "[MDCLXVI]+" : "[mdclxvi]+";
    case integer_format::kind::words: {
        std::string alt;
        auto add = [&](const std::string& w) { alt += (alt.empty() ? "" : "|") + w; };
        for (const char* w : integer_detail::few) add(integer_detail::ascii_lower(w));
        for (const char* w : integer_detail::ordinals) add(integer_detail::ascii_lower(w));
        for (const char* w : integer_detail::decades) {
            const std::string d = integer_detail::ascii_lower(w);
            add(d);
            add(d.substr(0, d.size() - 1) + "ieth");
        }
        add("hundredth");
        for (const char* w : integer_detail::magnitudes) {
            add(integer_detail::ascii_lower(w));
            add(integer_detail::ascii_lower(w) + "th");
        }
        return "(?:" + alt + "|and|[\\-, ])+";
    }
    default: {
        std::string occurrences = "+";
        if (n > 0) {
            const std::string top = js_number_to_string(n);
            occurrences = f.optional_digits == 0 ? "{" + top + "}" : "{" + js_number_to_string(n - f.optional_digits) + "," + top + "}";
        }
        return "[0-9]" + occurrences + (f.ordinal ? "(?:th|st|nd|rd)" : "");
    }
    }
}

inline result<std::vector<matcher_part>> matchers(const std::vector<picture_part>& spec) {
    std::vector<matcher_part> out;
    for (const auto& part : spec) {
        matcher_part m;
        if (part.literal) {
            m.regex = escape_regex(to_utf8(part.text));
            out.push_back(m);
            continue;
        }
        m.component = part.text.empty() ? u'\0' : part.text[0];
        if (m.component == u'Z' || m.component == u'z') {
            m.parse = matcher_part::how::timezone;
            if (part.integer->regular) m.separator = part.integer->separators.front().character;
            m.gmt = m.component == u'z';
            m.regex = std::string(m.gmt ? "GMT" : "") + "[-+][0-9]+";
            if (m.separator) m.regex += escape_regex(to_utf8(*m.separator)) + "[0-9]+";
        } else if (part.integer) {
            if (part.integer->primary == integer_format::kind::sequence) {
                return fail("D3130", "Formatting or parsing an integer as a sequence starting with " + json_quote(to_utf8(part.integer->token)) +
                                         " is not supported by this implementation");
            }
            m.parse = matcher_part::how::integer;
            m.integer = part.integer;
            const double n = is_one_of(part.text, u"YMD") ? part.n : -1;
            // The reference hands JavaScript a malformed or enormous {min,max} here and fails.
            if (n > 0 && (n > 1000 || n - part.integer->optional_digits < 0)) {
                return fail("D3136", "The date/time picture string is missing specifiers required to parse the timestamp");
            }
            m.regex = integer_regex(*part.integer, n);
        } else {
            m.parse = matcher_part::how::name;
            m.regex = "[a-zA-Z]+";
            const bool truncate = part.width && part.width->max && *part.width->max != 0 && !std::isnan(*part.width->max);
            auto key = [&](const char* name) {
                std::u16string k = ascii16(name);
                return truncate ? js_substring(k, 0, static_cast<js_index>(*part.width->max)) : k;
            };
            if (m.component == u'M' || m.component == u'x') {
                for (int i = 0; i < 12; ++i) m.names[key(month_names[i])] = i + 1;
            } else if (m.component == u'F') {
                for (int i = 1; i < 8; ++i) m.names[key(day_names[i])] = i;
            } else if (m.component == u'P') {
                m.names = {{u"am", 0}, {u"AM", 0}, {u"pm", 1}, {u"PM", 1}};
            } else {
                return d3133(part.text);
            }
        }
        out.push_back(m);
    }
    return out;
}

// A component value parsed from its text: nullopt stands for the reference's undefined.
inline result<std::optional<double>> parse_group(const matcher_part& m, const std::u16string& text) {
    switch (m.parse) {
    case matcher_part::how::integer: {
        auto v = parse_integer_with(text, *m.integer);
        if (!v) return tl::make_unexpected(v.error());
        return std::optional<double>(*v);
    }
    case matcher_part::how::timezone: {
        std::u16string value = m.gmt ? js_substring(text, 3) : text;
        double hours = 0, minutes = 0;
        if (m.separator) {
            const js_index at = js_index_of(value, *m.separator);
            hours = js_parse_int(js_substring(value, 0, at));
            minutes = js_parse_int(js_substring(value, at + 1));
        } else if (js_len(value) - 1 <= 2) {
            hours = js_parse_int(value);
        } else {
            hours = js_parse_int(js_substring(value, 0, 3));
            minutes = js_parse_int(js_substring(value, 3));
        }
        return std::optional<double>(hours * 60 + minutes);
    }
    case matcher_part::how::name: {
        const auto it = m.names.find(text);
        if (it == m.names.end()) return std::optional<double>();
        return std::optional<double>(it->second);
    }
    case matcher_part::how::none:
        break;
    }
    return std::optional<double>();
}

inline bool truthy(const std::optional<double>& v) { return v && *v != 0 && !std::isnan(*v); }

// A workflow parses with the same few pictures over and over: their compiled matchers are kept
// per thread, a bounded number.
inline result<std::shared_ptr<const regex_program>> cached_matcher(const std::string& pattern) {
    thread_local std::map<std::string, std::shared_ptr<const regex_program>, std::less<>> cache;
    if (const auto it = cache.find(pattern); it != cache.end()) return it->second;
    auto compiled = compile_regex(pattern, "i");
    if (!compiled) return compiled;
    if (cache.size() >= 64) cache.clear();
    return cache.emplace(pattern, std::move(*compiled)).first->second;
}

// A picture analysed into its groups and their matcher compiled: what parsing a timestamp
// needs besides the text. A literal picture is prepared once, when the expression compiles.
struct date_parser {
    std::vector<matcher_part> parts;
    std::shared_ptr<const regex_program> matcher;
};

// The whole-text pattern of the groups. The evaluator's own regular expressions (the
// ECMAScript syntax, case-insensitive): no std::regex, which would compile a second regex
// engine into every user of JSONata.
inline std::string full_pattern(const std::vector<matcher_part>& parts) {
    std::string full = "^";
    for (const auto& p : parts) full += "(" + p.regex + ")";
    return full + "$";
}

inline result<date_parser> prepare_date_parser(std::string_view picture) {
    auto spec = analyse_picture(to_utf16(picture));
    if (!spec) return tl::make_unexpected(spec.error());
    auto parts = matchers(*spec);
    if (!parts) return tl::make_unexpected(parts.error());
    auto matcher = compile_regex(full_pattern(*parts), "i");
    if (!matcher) return tl::make_unexpected(std::move(matcher.error()));
    return date_parser{std::move(*parts), std::move(*matcher)};
}

template <class Now>
inline result<std::optional<double>> parse_date_time_with(const date_parser& parser, std::string_view timestamp, Now&& now_millis);

// `now_millis()` gives "now", read only when the picture leaves out a leading component.
template <class Now>
inline result<std::optional<double>> parse_date_time(std::string_view timestamp, std::string_view picture, Now&& now_millis) {
    auto spec = analyse_picture(to_utf16(picture));
    if (!spec) return tl::make_unexpected(spec.error());
    auto parts = matchers(*spec);
    if (!parts) return tl::make_unexpected(parts.error());
    // The matcher backtracks recursively; no timestamp is this long, so refuse to try.
    if (timestamp.size() > 4096) return std::optional<double>();
    auto matcher = cached_matcher(full_pattern(*parts));
    if (!matcher) return tl::make_unexpected(std::move(matcher.error()));
    return parse_date_time_with(date_parser{std::move(*parts), std::move(*matcher)}, timestamp, now_millis);
}

template <class Now>
inline result<std::optional<double>> parse_date_time_with(const date_parser& parser, std::string_view timestamp, Now&& now_millis) {
    if (timestamp.size() > 4096) return std::optional<double>();  // as parse_date_time
    const std::vector<matcher_part>* parts = &parser.parts;
    std::u32string text;
    std::vector<std::size_t> offsets;
    regex_detail::decode(timestamp, text, offsets);
    std::vector<long> caps;
    std::uint64_t work = 0;
    if (!regex_search(*parser.matcher, text, 0, caps, work)) return std::optional<double>();
    const auto group = [&](std::size_t g) {
        const long from = caps[2 * g], to = caps[2 * g + 1];
        if (from < 0 || to < 0) return std::string();
        const std::size_t begin = offsets[static_cast<std::size_t>(from)];
        return std::string(timestamp.substr(begin, offsets[static_cast<std::size_t>(to)] - begin));
    };

    std::map<char16_t, std::optional<double>> components;
    for (std::size_t i = 0; i < parts->size(); ++i) {
        const auto& m = (*parts)[i];
        if (m.parse == matcher_part::how::none) continue;
        auto v = parse_group(m, to_utf16(group(i + 1)));
        if (!v) return tl::make_unexpected(v.error());
        components[m.component] = *v;
    }
    if (components.empty()) return std::optional<double>();
    auto get = [&](char16_t c) -> std::optional<double> {
        const auto it = components.find(c);
        return it == components.end() ? std::nullopt : it->second;
    };
    auto mask_of = [&](std::u16string_view order) {
        int mask = 0;
        for (const char16_t c : order) mask = (mask << 1) + (truthy(get(c)) ? 1 : 0);
        return mask;
    };
    auto is_type = [](int type, int mask) { return (~type & mask) == 0 && (type & mask) != 0; };
    int mask = mask_of(u"YXMxWwdD");
    const bool date_a = is_type(161, mask);
    const bool date_b = !date_a && is_type(130, mask);
    const bool date_c = is_type(84, mask);
    const bool date_d = !date_c && is_type(72, mask);
    mask = mask_of(u"PHhmsf");
    const bool time_a = is_type(23, mask);
    const bool time_b = !time_a && is_type(47, mask);

    const std::u16string comps = std::u16string(date_b ? u"YD" : date_c ? u"XxwF" : date_d ? u"XWF" : u"YMD") + (time_b ? u"Phmsf" : u"Hmsf");
    std::optional<calendar::utc_date> now;
    bool start_specified = false, end_specified = false;
    for (const char16_t part : comps) {
        if (!get(part)) {
            if (start_specified) {
                components[part] = (part == u'M' || part == u'D' || part == u'd') ? 1.0 : 0.0;
                end_specified = true;
            } else if (part == u'P') {
                components[part] = std::nan("");  // "am"/"pm" from now: never the number 1
            } else {
                if (!now) now = calendar::utc_date{calendar::time_clip(now_millis())};
                components[part] = component_value(*now, part).number;
            }
        } else {
            start_specified = true;
            if (end_specified) return fail("D3136", "The date/time picture string is missing specifiers required to parse the timestamp");
        }
    }
    double month = get(u'M').value_or(std::nan(""));
    month = month > 0 ? month - 1 : 0;
    double day = get(u'D').value_or(std::nan(""));
    const double year = get(u'Y').value_or(std::nan(""));
    if (date_b) {
        const double first_jan = calendar::date_utc(year, 0);
        const calendar::utc_date derived{calendar::time_clip(first_jan + (get(u'd').value_or(std::nan("")) - 1) * calendar::ms_per_day)};
        month = derived.month();
        day = derived.day();
    }
    if (date_c || date_d) return fail("D3136", "The date/time picture string is missing specifiers required to parse the timestamp");
    double hours = get(u'H').value_or(std::nan(""));
    if (time_b) {
        const double h = get(u'h').value_or(std::nan(""));
        hours = h == 12 ? 0 : h;
        if (get(u'P') == 1.0) hours += 12;
    }
    double millis = calendar::date_utc(year, month, day, hours, get(u'm').value_or(std::nan("")), get(u's').value_or(std::nan("")),
                                       get(u'f').value_or(std::nan("")));
    const auto zone = truthy(get(u'Z')) ? get(u'Z') : get(u'z');
    if (truthy(zone)) millis -= *zone * 60 * 1000;
    return std::optional<double>(millis);
}

} // namespace datetime_detail

// $toMillis(text, picture) with the evaluation's "now" (what a picture leaves out before its
// first component comes from it; `now_millis()` is called only then): ISO 8601 when picture is
// absent. nullopt when the text does not match the picture; NaN for an ISO-shaped text that
// names no real instant.
template <class Now, std::enable_if_t<std::is_invocable_v<Now&>, int> = 0>
inline result<std::optional<double>> to_millis(std::string_view text, std::optional<std::string_view> picture, Now&& now_millis) {
    if (!picture) {
        if (!calendar::looks_iso8601(text)) {
            return fail("D3110", "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given " + json_quote(text));
        }
        return std::optional<double>(calendar::parse_iso8601(text));
    }
    return datetime_detail::parse_date_time(text, *picture, now_millis);
}

// The same with a fixed "now".
inline result<std::optional<double>> to_millis(std::string_view text, std::optional<std::string_view> picture, double now_millis) {
    return to_millis(text, picture, [now_millis] { return now_millis; });
}

} // namespace stepfn::detail::jsonata

#endif
