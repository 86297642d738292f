#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_FORMAT_NUMBER_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_FORMAT_NUMBER_HPP

// $formatNumber (XPath F&O 3.1 fn:format-number picture strings with the decimal-format
// properties as an options object), $formatBase, and, through integer_picture.hpp,
// $formatInteger and $parseInteger: the text the JSONata reference (jsonata 2.0.6) prints,
// including its quirks, since AWS Step Functions runs that implementation.

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/expressions/detail/jsonata/integer_picture.hpp>
#include <stepfn/expressions/detail/jsonata/js_number.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail::jsonata {

namespace number_detail {

// The decimal-format properties, defaults overridden by the options object.
struct properties {
    std::u16string decimal_separator = u".";
    std::u16string grouping_separator = u",";
    std::u16string exponent_separator = u"e";
    std::u16string infinity = u"Infinity";
    std::u16string minus_sign = u"-";
    std::u16string nan = u"NaN";
    std::u16string percent = u"%";
    std::u16string per_mille = u"\u2030";
    std::u16string zero_digit = u"0";
    std::u16string digit = u"#";
    std::u16string pattern_separator = u";";

    std::vector<std::u16string> family;  // the ten digits from zero_digit
    std::vector<std::u16string> active;  // family, decimal, exponent, grouping, digit, pattern

    bool in_family(std::u16string_view c) const {
        for (const auto& f : family) {
            if (f == c) return true;
        }
        return false;
    }
    bool is_active(std::u16string_view c) const {
        for (const auto& a : active) {
            if (a == c) return true;
        }
        return false;
    }
    // A digit of the family or the optional-digit sign.
    bool is_digit_sign(std::u16string_view c) const { return in_family(c) || c == digit; }
};

struct sub_picture {
    std::u16string prefix, suffix, active, mantissa, integer, fractional, whole;
    std::optional<std::u16string> exponent;
};

struct analysis {
    std::vector<double> integer_grouping;
    double regular_grouping = 0;
    double min_integer = 0;
    double scaling = 0;
    std::u16string prefix, suffix, picture;
    std::vector<double> fractional_grouping;
    double min_fraction = 0, max_fraction = 0, min_exponent = 0;
};

inline double count_if(std::u16string_view s, const properties& p, bool optional_too) {
    double n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const std::u16string_view c = s.substr(i, 1);
        if (p.in_family(c) || (optional_too && c == p.digit)) ++n;
    }
    return n;
}

// Splits a sub-picture into prefix, active part and suffix; nullopt when it has no active
// character at all (the reference then fails reading an undefined prefix).
inline std::optional<sub_picture> split_parts(const std::u16string& s, const properties& p) {
    const auto is_boundary = [&](js_index i) {
        const std::u16string c = js_char_at(s, i);
        return p.is_active(c) && c != p.exponent_separator;
    };
    std::optional<std::u16string> prefix, suffix;
    for (js_index i = 0; i < js_len(s); ++i) {
        if (is_boundary(i)) { prefix = js_substring(s, 0, i); break; }
    }
    for (js_index i = js_len(s) - 1; i >= 0; --i) {
        if (is_boundary(i)) { suffix = js_substring(s, i + 1); break; }
    }
    if (!prefix || !suffix) return std::nullopt;
    sub_picture parts;
    parts.whole = s;
    parts.prefix = *prefix;
    parts.suffix = *suffix;
    parts.active = js_substring(s, js_len(*prefix), js_len(s) - js_len(*suffix));
    const js_index exponent_at = js_index_of(s, p.exponent_separator, js_len(*prefix));
    if (exponent_at == -1 || exponent_at > js_len(s) - js_len(*suffix)) {
        parts.mantissa = parts.active;
    } else {
        // The reference indexes the active part with a position in the whole sub-picture.
        parts.mantissa = js_substring(parts.active, 0, exponent_at);
        parts.exponent = js_substring(parts.active, exponent_at + 1);
    }
    const js_index decimal_at = js_index_of(parts.mantissa, p.decimal_separator);
    if (decimal_at == -1) {
        parts.integer = parts.mantissa;
        parts.fractional = parts.suffix;
    } else {
        parts.integer = js_substring(parts.mantissa, 0, decimal_at);
        parts.fractional = js_substring(parts.mantissa, decimal_at + 1);
    }
    return parts;
}

// F&O 4.7.3: the last rule broken wins, as in the reference.
inline std::optional<std::string> validate(const sub_picture& parts, const properties& p) {
    std::optional<std::string> code;
    const std::u16string& s = parts.whole;
    const js_index decimal_at = js_index_of(s, p.decimal_separator);
    if (decimal_at != js_last_index_of(s, p.decimal_separator)) code = "D3081";
    if (js_index_of(s, p.percent) != js_last_index_of(s, p.percent)) code = "D3082";
    if (js_index_of(s, p.per_mille) != js_last_index_of(s, p.per_mille)) code = "D3083";
    if (js_contains(s, p.percent) && js_contains(s, p.per_mille)) code = "D3084";
    if (count_if(parts.mantissa, p, true) == 0) code = "D3085";
    for (std::size_t i = 0; i < parts.active.size(); ++i) {
        if (!p.is_active(std::u16string_view(parts.active).substr(i, 1))) code = "D3086";
    }
    if (decimal_at != -1) {
        if (js_char_at(s, decimal_at - 1) == p.grouping_separator || js_char_at(s, decimal_at + 1) == p.grouping_separator) code = "D3087";
    } else if (js_char_at(parts.integer, js_len(parts.integer) - 1) == p.grouping_separator) {
        code = "D3088";
    }
    if (js_contains(s, p.grouping_separator + p.grouping_separator)) code = "D3089";
    js_index optional_at = js_index_of(parts.integer, p.digit);
    if (optional_at != -1 && count_if(js_substring(parts.integer, 0, optional_at), p, false) > 0) code = "D3090";
    optional_at = js_last_index_of(parts.fractional, p.digit);
    if (optional_at != -1 && count_if(js_substring(parts.fractional, optional_at), p, false) > 0) code = "D3091";
    if (parts.exponent && !parts.exponent->empty() && (js_contains(s, p.percent) || js_contains(s, p.per_mille))) code = "D3092";
    if (parts.exponent && (parts.exponent->empty() || count_if(*parts.exponent, p, false) != static_cast<double>(parts.exponent->size()))) {
        code = "D3093";
    }
    return code;
}

inline const char* message_of(std::string_view code) {
    if (code == "D3080") return "The picture string must only contain a maximum of two sub-pictures";
    if (code == "D3081") return "The sub-picture must not contain more than one instance of the 'decimal-separator' character";
    if (code == "D3082") return "The sub-picture must not contain more than one instance of the 'percent' character";
    if (code == "D3083") return "The sub-picture must not contain more than one instance of the 'per-mille' character";
    if (code == "D3084") return "The sub-picture must not contain both a 'percent' and a 'per-mille' character";
    if (code == "D3085")
        return "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'";
    if (code == "D3086")
        return "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character";
    if (code == "D3087") return "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character";
    if (code == "D3088") return "The sub-picture must not contain a 'grouping-separator' at the end of the integer part";
    if (code == "D3089") return "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character";
    if (code == "D3090")
        return "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'";
    if (code == "D3091")
        return "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'";
    if (code == "D3092") return "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'";
    return "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'";
}

// Positions of the grouping separators: digits to the right (integer part) or to the left
// (fractional part). Like the reference, later separators are looked up in the integer part.
inline std::vector<double> grouping_positions(const std::u16string& part, const sub_picture& parts, const properties& p, bool to_left) {
    std::vector<double> positions;
    js_index at = js_index_of(part, p.grouping_separator);
    while (at != -1) {
        positions.push_back(count_if(to_left ? js_substring(part, 0, at) : js_substring(part, at), p, true));
        at = js_index_of(parts.integer, p.grouping_separator, at + 1);
        if (positions.size() > part.size() + parts.integer.size()) break;  // an empty separator never ends
    }
    return positions;
}

// F&O 4.7.4.
inline analysis analyse(const sub_picture& parts, const properties& p) {
    analysis a;
    a.integer_grouping = grouping_positions(parts.integer, parts, p, false);
    std::vector<integer_format::separator> seps;
    for (const double pos : a.integer_grouping) seps.push_back({pos, {}});
    a.regular_grouping = integer_detail::regular_interval(seps, false);
    a.fractional_grouping = grouping_positions(parts.fractional, parts, p, true);
    a.min_integer = count_if(parts.integer, p, false);
    a.scaling = a.min_integer;
    a.min_fraction = count_if(parts.fractional, p, false);
    a.max_fraction = count_if(parts.fractional, p, true);
    const bool exponent = parts.exponent.has_value();
    if (a.min_integer == 0 && a.max_fraction == 0) {
        if (exponent) {
            a.min_fraction = 1;
            a.max_fraction = 1;
        } else {
            a.min_integer = 1;
        }
    }
    if (exponent && a.min_integer == 0 && js_contains(parts.integer, p.digit)) a.min_integer = 1;
    if (a.min_integer == 0 && a.min_fraction == 0) a.min_fraction = 1;
    if (exponent) a.min_exponent = count_if(*parts.exponent, p, false);
    a.prefix = parts.prefix;
    a.suffix = parts.suffix;
    a.picture = parts.whole;
    return a;
}

// toFixed, then the ASCII digits mapped into the zero-digit's family.
inline std::u16string make_string(double value, double dp, const properties& p) {
    std::u16string s = ascii16(js_to_fixed(std::fabs(value), static_cast<int>(dp)));
    if (p.zero_digit != u"0") {
        for (auto& c : s) {
            if (c >= u'0' && c <= u'9' && !p.family.empty()) c = p.family[static_cast<std::size_t>(c - u'0')].front();
        }
    }
    return s;
}

inline std::vector<std::u16string> split(const std::u16string& s, const std::u16string& sep) {
    std::vector<std::u16string> out;
    if (sep.empty()) {
        for (const char16_t c : s) out.emplace_back(1, c);
        return out;
    }
    std::size_t start = 0;
    for (std::size_t at = s.find(sep); at != std::u16string::npos; at = s.find(sep, start)) {
        out.push_back(s.substr(start, at - start));
        start = at + sep.size();
    }
    out.push_back(s.substr(start));
    return out;
}

// A picture with its decimal format, analysed (F&O 4.7.3, 4.7.4): what a call with a literal
// picture and no options keeps from compile time.
struct number_picture {
    properties p;
    std::vector<analysis> variables;  // for values >= 0, then for negative values
};

inline result<number_picture> analyse_number_picture(std::string_view picture, const json* options) {
    number_picture out;
    properties& p = out.p;
    if (options != nullptr && options->is_object()) {
        for (const auto& [key, v] : options->items()) {
            if (!v.is_string()) return fail("T0410", "Argument 3 of function \"formatNumber\" does not match function signature");
            std::u16string text = to_utf16(v.get<std::string>());
            if (key == "decimal-separator") p.decimal_separator = text;
            else if (key == "grouping-separator") p.grouping_separator = text;
            else if (key == "exponent-separator") p.exponent_separator = text;
            else if (key == "infinity") p.infinity = text;
            else if (key == "minus-sign") p.minus_sign = text;
            else if (key == "NaN") p.nan = text;
            else if (key == "percent") p.percent = text;
            else if (key == "per-mille") p.per_mille = text;
            else if (key == "zero-digit") p.zero_digit = text;
            else if (key == "digit") p.digit = text;
            else if (key == "pattern-separator") p.pattern_separator = text;
        }
    }
    if (!p.zero_digit.empty()) {
        for (char16_t c = p.zero_digit.front(), i = 0; i < 10; ++i) p.family.emplace_back(1, static_cast<char16_t>(c + i));
    }
    p.active = p.family;
    for (const auto* extra : {&p.decimal_separator, &p.exponent_separator, &p.grouping_separator, &p.digit, &p.pattern_separator}) {
        p.active.push_back(*extra);
    }

    const std::vector<std::u16string> subs = split(to_utf16(picture), p.pattern_separator);
    if (subs.size() > 2) return fail("D3080", message_of("D3080"));
    if (subs.empty()) return fail("D3085", message_of("D3085"));
    std::vector<sub_picture> parts;
    for (const auto& s : subs) {
        auto part = split_parts(s, p);
        if (!part) return fail("D3085", message_of("D3085"));
        parts.push_back(*part);
    }
    for (const auto& part : parts) {
        if (auto code = validate(part, p)) return fail(*code, message_of(*code));
    }
    std::vector<analysis>& variables = out.variables;
    for (const auto& part : parts) variables.push_back(analyse(part, p));
    if (variables.size() == 1) {
        variables.push_back(variables.front());
        variables.back().prefix = p.minus_sign + variables.back().prefix;
    }
    return out;
}

inline result<std::string> format_number_with(double value, const number_picture& analysed) {
    const properties& p = analysed.p;
    const std::vector<analysis>& variables = analysed.variables;
    if (!std::isfinite(value)) return fail("D3001", "Attempting to invoke string function on Infinity or NaN");

    const analysis& pic = value >= 0 ? variables[0] : variables[1];
    double adjusted = value;
    if (js_contains(pic.picture, p.percent)) adjusted = value * 100;
    else if (js_contains(pic.picture, p.per_mille)) adjusted = value * 1000;

    double mantissa = adjusted;
    std::optional<double> exponent;
    if (pic.min_exponent != 0) {
        // The reference loops forever on zero and negative mantissas; scale the magnitude, and
        // give zero the exponent 0.
        const double max_mantissa = std::pow(10, pic.scaling);
        const double min_mantissa = std::pow(10, pic.scaling - 1);
        const double sign = mantissa < 0 ? -1 : 1;
        mantissa = std::fabs(mantissa);
        exponent = 0;
        if (mantissa != 0) {
            while (mantissa < min_mantissa) { mantissa *= 10; *exponent -= 1; }
            while (mantissa > max_mantissa) { mantissa /= 10; *exponent += 1; }
        }
        mantissa *= sign;
    }
    const double rounded = jsonata_round(mantissa, pic.max_fraction);
    std::u16string s = make_string(rounded, pic.max_fraction, p);
    const js_index dot = js_index_of(s, u".");
    if (dot == -1) s += p.decimal_separator;
    else s = js_substring(s, 0, dot) + p.decimal_separator + js_substring(s, dot + 1);
    while (js_char_at(s, 0) == p.zero_digit && !s.empty()) s = js_substring(s, 1);
    while (js_char_at(s, js_len(s) - 1) == p.zero_digit && !s.empty()) s = js_substring(s, 0, js_len(s) - 1);

    js_index decimal_at = js_index_of(s, p.decimal_separator);
    const double pad_left = pic.min_integer - static_cast<double>(decimal_at);
    const double pad_right = pic.min_fraction - static_cast<double>(js_len(s) - decimal_at - 1);
    if (pad_left > 0) s = repeat(p.zero_digit, static_cast<js_index>(pad_left)) + s;
    if (pad_right > 0) s += repeat(p.zero_digit, static_cast<js_index>(pad_right));
    decimal_at = js_index_of(s, p.decimal_separator);
    if (pic.regular_grouping > 0) {
        const double groups = std::floor(static_cast<double>(decimal_at - 1) / pic.regular_grouping);
        for (double g = 1; g <= groups; ++g) {
            const js_index at = decimal_at - static_cast<js_index>(g * pic.regular_grouping);
            s = js_slice(s, 0, at) + p.grouping_separator + js_slice(s, at);
        }
    } else {
        for (const double pos : pic.integer_grouping) {
            const js_index at = decimal_at - static_cast<js_index>(pos);
            s = js_slice(s, 0, at) + p.grouping_separator + js_slice(s, at);
            ++decimal_at;
        }
    }
    decimal_at = js_index_of(s, p.decimal_separator);
    for (const double pos : pic.fractional_grouping) {
        const js_index at = static_cast<js_index>(pos) + decimal_at + 1;
        s = js_slice(s, 0, at) + p.grouping_separator + js_slice(s, at);
    }
    decimal_at = js_index_of(s, p.decimal_separator);
    if (!js_contains(pic.picture, p.decimal_separator) || decimal_at == js_len(s) - 1) s = js_substring(s, 0, js_len(s) - 1);
    if (exponent) {
        std::u16string e = make_string(*exponent, 0, p);
        const double pad = pic.min_exponent - static_cast<double>(e.size());
        if (pad > 0) e = repeat(p.zero_digit, static_cast<js_index>(pad)) + e;
        s += p.exponent_separator + (*exponent < 0 ? p.minus_sign : u"") + e;
    }
    return to_utf8(pic.prefix + s + pic.suffix);
}

} // namespace number_detail

// $formatNumber(value, picture, options): options is the decimal-format object or nullptr.
inline result<std::string> format_number(double value, std::string_view picture, const json* options) {
    auto analysed = number_detail::analyse_number_picture(picture, options);
    if (!analysed) return tl::make_unexpected(analysed.error());
    return number_detail::format_number_with(value, *analysed);
}

// $formatBase(value, radix): rounded (ties to even), radix 2..36 (rounded too, default 10).
inline result<std::string> format_base(double value, std::optional<double> radix) {
    value = jsonata_round(value);
    const double r = radix ? jsonata_round(*radix) : 10;
    if (!(r >= 2 && r <= 36)) {
        return fail("D3100", "The radix of the formatBase function must be between 2 and 36.  It was given " + js_number_to_string(r));
    }
    return js_to_radix_string(value, static_cast<int>(r));
}

} // namespace stepfn::detail::jsonata

#endif
