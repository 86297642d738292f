#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_INTEGER_PICTURE_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_INTEGER_PICTURE_HPP

// $formatInteger and $parseInteger: the XPath F&O integer picture strings as the JSONata
// reference reads them (decimal digit patterns of any Unicode digit family with grouping
// separators, roman numerals, spreadsheet letters, English words, ordinals). The date/time
// pictures reuse the same analysis for their numeric components.

#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/expressions/detail/jsonata/js_number.hpp>

namespace stepfn::detail::jsonata {

struct integer_format {
    enum class kind { decimal, letters, roman, words, sequence };
    enum class letter_case { upper, lower, title };
    struct separator {
        double position = 0;  // digits to its right
        std::u16string character;
    };

    kind primary = kind::decimal;
    letter_case tcase = letter_case::lower;
    bool ordinal = false;
    char32_t zero_code = U'0';
    double mandatory_digits = 0;  // a double: a malformed date width makes it NaN, as in JS
    int optional_digits = 0;
    bool regular = false;               // one separator repeating every separators[0].position
    std::vector<separator> separators;  // otherwise each, rightmost first
    std::u16string token;               // the unsupported numbering sequence
    double width_n = -1;                // the date/time year/month/day width, -1 when none
};

namespace integer_detail {

// The zero of every Unicode decimal digit block the reference recognises.
inline constexpr std::array<char32_t, 37> decimal_groups = {
    0x30,   0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

inline constexpr std::array<const char*, 20> few = {
    "Zero",   "One",     "Two",      "Three",    "Four",    "Five",    "Six",       "Seven",     "Eight",    "Nine",
    "Ten",    "Eleven",  "Twelve",   "Thirteen", "Fourteen", "Fifteen", "Sixteen",  "Seventeen", "Eighteen", "Nineteen"};
inline constexpr std::array<const char*, 20> ordinals = {
    "Zeroth", "First",    "Second",     "Third",      "Fourth",     "Fifth",     "Sixth",       "Seventh",     "Eighth",     "Ninth",
    "Tenth",  "Eleventh", "Twelfth",    "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth",   "Seventeenth", "Eighteenth", "Nineteenth"};
inline constexpr std::array<const char*, 9> decades = {"Twenty", "Thirty", "Forty", "Fifty", "Sixty",
                                                       "Seventy", "Eighty", "Ninety", "Hundred"};
inline constexpr std::array<const char*, 4> magnitudes = {"Thousand", "Million", "Billion", "Trillion"};

inline double gcd(double a, double b) { return b == 0 ? a : gcd(b, std::fmod(a, b)); }

// The repeat interval when every separator is the same character at multiples of one
// interval; 0 when irregular.
inline double regular_interval(const std::vector<integer_format::separator>& seps, bool same_char_required) {
    if (seps.empty()) return 0;
    if (same_char_required) {
        for (const auto& s : seps) {
            if (s.character != seps.front().character) return 0;
        }
    }
    double factor = seps.front().position;
    for (std::size_t i = 1; i < seps.size(); ++i) factor = gcd(factor, seps[i].position);
    for (std::size_t index = 1; index <= seps.size(); ++index) {
        bool found = false;
        for (const auto& s : seps) found = found || s.position == static_cast<double>(index) * factor;
        if (!found) return 0;
    }
    return factor;
}

// English words, "One Hundred and Five", as the reference spells them (British "and").
inline std::string words(double num, bool prev, bool ord) {
    std::string out;
    if (num <= 19) {
        out = std::string(prev ? " and " : "") + (ord ? ordinals : few)[static_cast<std::size_t>(num)];
    } else if (num < 100) {
        const double tens = std::floor(num / 10);
        const double remainder = std::fmod(num, 10);
        out = std::string(prev ? " and " : "") + decades[static_cast<std::size_t>(tens - 2)];
        if (remainder > 0) {
            out += "-" + words(remainder, false, ord);
        } else if (ord) {
            out = out.substr(0, out.size() - 1) + "ieth";
        }
    } else if (num < 1000) {
        const double hundreds = std::floor(num / 100);
        const double remainder = std::fmod(num, 100);
        out = std::string(prev ? ", " : "") + few[static_cast<std::size_t>(hundreds)] + " Hundred";
        if (remainder > 0) {
            out += words(remainder, true, ord);
        } else if (ord) {
            out += "th";
        }
    } else {
        double mag = std::floor(std::log10(num) / 3);
        if (mag > static_cast<double>(magnitudes.size())) mag = static_cast<double>(magnitudes.size());
        const double factor = std::pow(10, mag * 3);
        const double mant = std::floor(num / factor);
        const double remainder = num - mant * factor;
        out = std::string(prev ? ", " : "") + words(mant, false, false) + " " + magnitudes[static_cast<std::size_t>(mag - 1)];
        if (remainder > 0) {
            out += words(remainder, true, ord);
        } else if (ord) {
            out += "th";
        }
    }
    return out;
}

inline std::string roman(double value) {
    static constexpr std::array<std::pair<int, const char*>, 13> numerals = {{{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"},
        {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}}};
    std::string out;
    for (const auto& [n, text] : numerals) {
        while (value >= n) {
            out += text;
            value -= n;
        }
    }
    return out;
}

inline std::string letters(double value, char a) {
    std::string out;
    while (value > 0) {
        out.insert(out.begin(), static_cast<char>(a + static_cast<int>(std::fmod(value - 1, 26))));
        value = std::floor((value - 1) / 26);
    }
    return out;
}

inline std::string ascii_upper(std::string s) {
    for (auto& c : s) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return s;
}
inline std::string ascii_lower(std::string s) {
    for (auto& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

} // namespace integer_detail

// The integer picture analysed: "0001", "#,##0", "w", "I", "a;o" ...
inline result<integer_format> analyse_integer_picture(std::u16string_view picture) {
    integer_format format;
    std::u16string primary(picture);
    const js_index semicolon = js_last_index_of(picture, u";");
    if (semicolon != -1) {
        primary = js_substring(picture, 0, semicolon);
        const std::u16string modifier = js_substring(picture, semicolon + 1);
        format.ordinal = !modifier.empty() && modifier[0] == u'o';
    }
    using kind = integer_format::kind;
    using lc = integer_format::letter_case;
    if (primary == u"A" || primary == u"a") {
        format.primary = kind::letters;
        format.tcase = primary == u"A" ? lc::upper : lc::lower;
    } else if (primary == u"I" || primary == u"i") {
        format.primary = kind::roman;
        format.tcase = primary == u"I" ? lc::upper : lc::lower;
    } else if (primary == u"W" || primary == u"Ww" || primary == u"w") {
        format.primary = kind::words;
        format.tcase = primary == u"W" ? lc::upper : primary == u"Ww" ? lc::title : lc::lower;
    } else {
        // A decimal digit pattern when it holds a digit of any Unicode decimal family; read from
        // the right so that each separator knows how many digits follow it.
        std::optional<char32_t> zero;
        int mandatory = 0;
        double position = 0;
        const std::u32string cps = code_points(primary);
        for (auto it = cps.rbegin(); it != cps.rend(); ++it) {
            const char32_t cp = *it;
            bool digit = false;
            for (const char32_t group : integer_detail::decimal_groups) {
                if (cp >= group && cp <= group + 9) {
                    digit = true;
                    ++mandatory;
                    ++position;
                    if (!zero) {
                        zero = group;
                    } else if (*zero != group) {
                        return fail("D3131", "In a decimal digit pattern, all digits must be from the same decimal group");
                    }
                    break;
                }
            }
            if (digit) continue;
            if (cp == U'#') {
                ++position;
                ++format.optional_digits;
            } else {
                std::u16string ch;
                append_code_point(ch, cp);
                format.separators.push_back({position, ch});
            }
        }
        if (mandatory > 0) {
            format.primary = kind::decimal;
            format.zero_code = *zero;
            format.mandatory_digits = mandatory;
            const double interval = integer_detail::regular_interval(format.separators, true);
            if (interval > 0) {
                format.regular = true;
                format.separators = {{interval, format.separators.front().character}};
            }
        } else {
            format.primary = kind::sequence;
            format.token = primary;
        }
    }
    return format;
}

// One integer formatted with an analysed picture (value already an integer).
inline result<std::u16string> format_integer_with(double value, const integer_format& format) {
    using kind = integer_format::kind;
    using lc = integer_format::letter_case;
    const bool negative = value < 0;
    value = std::fabs(value);
    std::u16string out;
    switch (format.primary) {
    case kind::letters:
        out = ascii16(integer_detail::letters(value, format.tcase == lc::upper ? 'A' : 'a'));
        break;
    case kind::roman: {
        // The reference recurses once per numeral and runs out of stack long before this.
        if (value >= 1e8) return fail("D1001", "Number out of range: " + js_number_to_string(value));
        std::string r = integer_detail::roman(value);
        out = ascii16(format.tcase == lc::upper ? integer_detail::ascii_upper(r) : r);
        break;
    }
    case kind::words: {
        if (!std::isfinite(value)) return fail("D1001", "Number out of range: " + js_number_to_string(value));
        std::string w = integer_detail::words(value, false, format.ordinal);
        if (format.tcase == lc::upper) w = integer_detail::ascii_upper(w);
        if (format.tcase == lc::lower) w = integer_detail::ascii_lower(w);
        out = ascii16(w);
        break;
    }
    case kind::decimal: {
        out = ascii16(js_number_to_string(value));
        const double pad = format.mandatory_digits - static_cast<double>(out.size());
        if (pad > 0) out = std::u16string(static_cast<std::size_t>(pad), u'0') + out;
        if (format.zero_code != U'0') {
            std::u16string mapped;
            for (const char32_t cp : code_points(out)) append_code_point(mapped, cp + format.zero_code - U'0');
            out = mapped;
        }
        if (format.regular) {
            const auto& sep = format.separators.front();
            const double n = std::floor(static_cast<double>(out.size() - 1) / sep.position);
            for (double ii = n; ii > 0; --ii) {
                const js_index pos = js_len(out) - static_cast<js_index>(ii * sep.position);
                out = js_substr(out, 0, pos) + sep.character + js_substr(out, pos);
            }
        } else {
            for (auto it = format.separators.rbegin(); it != format.separators.rend(); ++it) {
                const js_index pos = js_len(out) - static_cast<js_index>(it->position);
                out = js_substr(out, 0, pos) + it->character + js_substr(out, pos);
            }
        }
        if (format.ordinal) {
            const char16_t last = out.empty() ? u'\0' : out.back();
            std::u16string suffix = last == u'1' ? u"st" : last == u'2' ? u"nd" : last == u'3' ? u"rd" : u"th";
            if (out.size() > 1 && out[out.size() - 2] == u'1') suffix = u"th";
            out += suffix;
        }
        break;
    }
    case kind::sequence:
        return fail("D3130", "Formatting or parsing an integer as a sequence starting with " + json_quote(to_utf8(format.token)) +
                                 " is not supported by this implementation");
    }
    if (negative) out = u"-" + out;
    return out;
}

// $formatInteger(value, picture).
inline result<std::string> format_integer(double value, std::string_view picture) {
    auto format = analyse_integer_picture(to_utf16(picture));
    if (!format) return tl::make_unexpected(format.error());
    auto text = format_integer_with(std::floor(value), *format);
    if (!text) return tl::make_unexpected(text.error());
    return to_utf8(*text);
}

namespace integer_detail {

inline std::optional<double> word_value(const std::string& w) {
    for (std::size_t i = 0; i < few.size(); ++i) {
        if (w == ascii_lower(few[i]) || w == ascii_lower(ordinals[i])) return static_cast<double>(i);
    }
    for (std::size_t i = 0; i < decades.size(); ++i) {
        const std::string d = ascii_lower(decades[i]);
        if (w == d || w == d.substr(0, d.size() - 1) + "ieth") return static_cast<double>((i + 2) * 10);
    }
    if (w == "hundredth") return 100;
    for (std::size_t i = 0; i < magnitudes.size(); ++i) {
        const std::string m = ascii_lower(magnitudes[i]);
        if (w == m || w == m + "th") return std::pow(10, static_cast<double>((i + 1) * 3));
    }
    return std::nullopt;
}

// "one thousand, two hundred and thirty-four" to 1234; NaN when a word is not a number.
inline double words_to_number(std::u16string_view text) {
    // Split on ", ", " and ", a white space, a backslash or a hyphen, as the reference does.
    std::vector<std::u16string> parts;
    std::size_t start = 0, i = 0;
    auto space = [&](std::size_t k) { return k < text.size() && js_is_space(text[k]); };
    while (i < text.size()) {
        std::size_t len = 0;
        if (text[i] == u',' && space(i + 1)) len = 2;
        else if (space(i) && text.substr(i + 1, 3) == u"and" && space(i + 4)) len = 5;
        else if (space(i) || text[i] == u'\\' || text[i] == u'-') len = 1;
        if (len == 0) { ++i; continue; }
        parts.emplace_back(text.substr(start, i - start));
        i += len;
        start = i;
    }
    parts.emplace_back(text.substr(start));
    std::vector<double> segs{0};
    for (const auto& part : parts) {
        bool ascii = true;
        for (const char16_t c : part) ascii = ascii && c < 0x80;
        const auto value = ascii ? word_value(ascii_lower(to_utf8(part))) : std::nullopt;
        if (!value) return std::nan("");
        if (*value < 100) {
            double top = segs.back();
            segs.pop_back();
            if (top >= 1000) {
                segs.push_back(top);
                top = 0;
            }
            segs.push_back(top + *value);
        } else {
            segs.back() *= *value;
        }
    }
    double sum = 0;
    for (const double s : segs) sum += s;
    return sum;
}

inline double roman_to_number(std::u16string_view roman) {
    double decimal = 0, max = 1;
    for (auto it = roman.rbegin(); it != roman.rend(); ++it) {
        double value;
        switch (*it) {
        case u'M': value = 1000; break;
        case u'D': value = 500; break;
        case u'C': value = 100; break;
        case u'L': value = 50; break;
        case u'X': value = 10; break;
        case u'V': value = 5; break;
        case u'I': value = 1; break;
        default: return std::nan("");
        }
        if (value < max) {
            decimal -= value;
        } else {
            max = value;
            decimal += value;
        }
    }
    return decimal;
}

} // namespace integer_detail

// The value an analysed picture reads from `text` (no validation, as the reference: what does
// not parse comes out as NaN).
inline result<double> parse_integer_with(std::u16string_view text, const integer_format& format) {
    using kind = integer_format::kind;
    switch (format.primary) {
    case kind::letters: {
        const double a = format.tcase == integer_format::letter_case::upper ? u'A' : u'a';
        double decimal = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            decimal += (static_cast<double>(text[text.size() - i - 1]) - a + 1) * std::pow(26, static_cast<double>(i));
        }
        return decimal;
    }
    case kind::roman: {
        std::u16string upper(text);
        if (format.tcase != integer_format::letter_case::upper) {
            for (auto& c : upper) {
                if (c >= u'a' && c <= u'z') c = static_cast<char16_t>(c - u'a' + u'A');
                else if (c == u'\u0131') c = u'I';  // dotless i upper-cases to I
            }
        }
        return integer_detail::roman_to_number(upper);
    }
    case kind::words:
        return integer_detail::words_to_number(text);
    case kind::decimal: {
        std::u16string digits(text);
        if (format.ordinal) digits = js_substring(digits, 0, js_len(digits) - 2);
        // The reference strips "," for a regular pattern whatever its separator is.
        auto remove_all = [&](std::u16string_view what) {
            if (what.empty()) return;
            std::u16string kept;
            for (std::size_t i = 0; i < digits.size();) {
                if (digits.compare(i, what.size(), what) == 0) {
                    i += what.size();
                } else {
                    kept.push_back(digits[i++]);
                }
            }
            digits = kept;
        };
        if (format.regular) {
            remove_all(u",");
        } else {
            for (const auto& sep : format.separators) remove_all(sep.character);
        }
        if (format.zero_code != U'0') {
            std::u16string mapped;
            for (const char16_t unit : digits) {
                const long long cp = static_cast<long long>(unit) - static_cast<long long>(format.zero_code) + 0x30;
                if (cp < 0) return fail("D3131", "In a decimal digit pattern, all digits must be from the same decimal group");
                append_code_point(mapped, static_cast<char32_t>(cp));
            }
            digits = mapped;
        }
        return js_parse_int(digits);
    }
    case kind::sequence:
        break;
    }
    return fail("D3130", "Formatting or parsing an integer as a sequence starting with " + json_quote(to_utf8(format.token)) +
                             " is not supported by this implementation");
}

// $parseInteger(text, picture).
inline result<std::optional<double>> parse_integer(std::string_view text, std::string_view picture) {
    auto format = analyse_integer_picture(to_utf16(picture));
    if (!format) return tl::make_unexpected(format.error());
    auto value = parse_integer_with(to_utf16(text), *format);
    if (!value) return tl::make_unexpected(value.error());
    return std::optional<double>(*value);
}

} // namespace stepfn::detail::jsonata

#endif
