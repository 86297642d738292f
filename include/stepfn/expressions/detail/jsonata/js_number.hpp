#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_JS_NUMBER_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_JS_NUMBER_HPP

// The JavaScript behaviours the JSONata reference leans on when it formats numbers and dates:
// Number#toString (shortest round trip, exponent beyond 1e21), toFixed (exact decimal value,
// ties away from zero), toString(radix), parseInt, JSONata's own round(), and the UTF-16 string
// operations (substring, substr, slice, indexOf) whose index rules the picture-string code
// depends on. Written from the ECMAScript specification so that stepfn prints the same text.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

#include <stepfn/detail/hex.hpp>
#include <stepfn/detail/utf8.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail::jsonata {

// ---- UTF-16, the string model of JavaScript ------------------------------------------------

// UTF-8 to UTF-16; an invalid byte becomes U+FFFD.
inline std::u16string to_utf16(std::string_view s) {
    std::u16string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        char32_t cp = 0xFFFD;
        std::size_t len = 1;
        if (b < 0x80) {
            cp = b;
        } else if ((b >> 5) == 0x6 || (b >> 4) == 0xE || (b >> 3) == 0x1E) {
            len = (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : 4;
            if (i + len <= s.size()) {
                char32_t v = b & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
                bool ok = true;
                for (std::size_t k = 1; k < len; ++k) {
                    const auto c = static_cast<unsigned char>(s[i + k]);
                    if ((c >> 6) != 0x2) { ok = false; break; }
                    v = (v << 6) | (c & 0x3Fu);
                }
                if (ok) cp = v; else len = 1;
            } else {
                len = 1;
            }
        }
        i += len;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(cp));
        }
    }
    return out;
}


// UTF-16 to UTF-8; a lone surrogate (JSON cannot carry one either) becomes U+FFFD.
inline std::string to_utf8(std::u16string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (static_cast<char32_t>(s[i + 1]) - 0xDC00);
            ++i;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        append_utf8(out, c);
    }
    return out;
}

inline std::u16string ascii16(std::string_view s) { return std::u16string(s.begin(), s.end()); }

// The code points of a UTF-16 string (what JSONata's stringToArray splits into).
inline std::u32string code_points(std::u16string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (static_cast<char32_t>(s[i + 1]) - 0xDC00);
            ++i;
        }
        out.push_back(c);
    }
    return out;
}

inline void append_code_point(std::u16string& out, char32_t cp) {
    if (cp >= 0x10000) {
        cp -= 0x10000;
        out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
        out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
        out.push_back(static_cast<char16_t>(cp));
    }
}

using js_index = long long;

inline js_index js_len(std::u16string_view s) { return static_cast<js_index>(s.size()); }

// String.prototype.indexOf / lastIndexOf: -1 when absent; an empty needle is found at `from`.
inline js_index js_index_of(std::u16string_view s, std::u16string_view needle, js_index from = 0) {
    if (from < 0) from = 0;
    if (from > js_len(s)) from = js_len(s);
    const auto at = s.find(needle, static_cast<std::size_t>(from));
    return at == std::u16string_view::npos ? -1 : static_cast<js_index>(at);
}
inline js_index js_last_index_of(std::u16string_view s, std::u16string_view needle) {
    const auto at = s.rfind(needle);
    return at == std::u16string_view::npos ? -1 : static_cast<js_index>(at);
}
inline bool js_contains(std::u16string_view s, std::u16string_view needle) { return js_index_of(s, needle) != -1; }

// substring(a, b): both clamped to [0, length], swapped when a > b.
inline std::u16string js_substring(std::u16string_view s, js_index a, js_index b) {
    const js_index n = js_len(s);
    a = a < 0 ? 0 : (a > n ? n : a);
    b = b < 0 ? 0 : (b > n ? n : b);
    if (a > b) std::swap(a, b);
    return std::u16string(s.substr(static_cast<std::size_t>(a), static_cast<std::size_t>(b - a)));
}
inline std::u16string js_substring(std::u16string_view s, js_index a) { return js_substring(s, a, js_len(s)); }

// slice(a, b): negative indexes count from the end; empty when a >= b.
inline std::u16string js_slice(std::u16string_view s, js_index a, js_index b) {
    const js_index n = js_len(s);
    a = a < 0 ? (n + a < 0 ? 0 : n + a) : (a > n ? n : a);
    b = b < 0 ? (n + b < 0 ? 0 : n + b) : (b > n ? n : b);
    if (a >= b) return {};
    return std::u16string(s.substr(static_cast<std::size_t>(a), static_cast<std::size_t>(b - a)));
}
inline std::u16string js_slice(std::u16string_view s, js_index a) { return js_slice(s, a, js_len(s)); }

// substr(start, length): a negative start counts from the end; a negative length is empty.
inline std::u16string js_substr(std::u16string_view s, js_index start, js_index length) {
    const js_index n = js_len(s);
    if (start < 0) start = n + start < 0 ? 0 : n + start;
    if (start > n) start = n;
    if (length < 0) length = 0;
    if (start + length > n) length = n - start;
    return std::u16string(s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(length)));
}
inline std::u16string js_substr(std::u16string_view s, js_index start) { return js_substr(s, start, js_len(s)); }

// charAt: the one unit at i, or "" outside the string.
inline std::u16string js_char_at(std::u16string_view s, js_index i) {
    if (i < 0 || i >= js_len(s)) return {};
    return std::u16string(1, s[static_cast<std::size_t>(i)]);
}

inline std::u16string repeat(std::u16string_view unit, js_index times) {
    std::u16string out;
    for (js_index i = 0; i < times; ++i) out += unit;
    return out;
}

// ---- numbers ---------------------------------------------------------------------------

// The shortest digits that round-trip a finite, nonzero magnitude `a`: a = 0.digits * 10^n.
struct shortest_digits {
    char digits[24];  // at most 17 for a double
    int k = 0;        // how many
    int n = 0;

    explicit shortest_digits(double a) {
        char buf[64];
        const auto res = std::to_chars(buf, buf + sizeof buf, a, std::chars_format::scientific);
        const char* p = buf;
        for (; p < res.ptr && *p != 'e'; ++p)
            if (*p != '.') digits[k++] = *p;
        int exponent = 0;
        const bool negative = p + 1 < res.ptr && p[1] == '-';
        for (p += 2; p < res.ptr; ++p) exponent = exponent * 10 + (*p - '0');
        n = (negative ? -exponent : exponent) + 1;
    }
};

// Number.prototype.toString() of a finite, nonzero number whose magnitude has digits `s`,
// appended to `out` without temporaries: positional between 1e-7 and 1e21, exponent form
// ("1e+21", "1.5e-7") outside.
inline void append_js_number(std::string& out, bool negative, const shortest_digits& s) {
    const int k = s.k, n = s.n;
    const auto digits = [&s](int from, int to) { return std::string_view(s.digits + from, static_cast<std::size_t>(to - from)); };
    if (negative) out += '-';
    if (k <= n && n <= 21) {
        out += digits(0, k);
        out.append(static_cast<std::size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {
        out += digits(0, n);
        out += '.';
        out += digits(n, k);
    } else if (-6 < n && n <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-n), '0');
        out += digits(0, k);
    } else {
        const int e = n - 1;
        out += s.digits[0];
        if (k > 1) {
            out += '.';
            out += digits(1, k);
        }
        out += e < 0 ? "e-" : "e+";
        char buf[8];
        const auto res = std::to_chars(buf, buf + sizeof buf, e < 0 ? -e : e);
        out.append(buf, res.ptr);
    }
}

// Number.prototype.toString(): the shortest digits that round-trip, positional between 1e-7
// and 1e21, exponent form ("1e+21", "1.5e-7") outside.
inline std::string js_number_to_string(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
    if (v == 0) return "0";
    std::string out;
    append_js_number(out, v < 0, shortest_digits(std::fabs(v)));
    return out;
}

// Number.prototype.toFixed(f): the exact decimal value rounded half away from zero at f
// digits (printf rounds exact ties to even, which JavaScript does not).
inline std::string js_to_fixed(double x, int f) {
    if (std::isnan(x)) return "NaN";
    if (std::fabs(x) >= 1e21 || std::isinf(x)) return js_number_to_string(x);
    std::string sign;
    if (x < 0) { sign = "-"; x = -x; }
    // A double m * 2^(e-53) (m < 2^53) has an exact expansion of at most 53 - e fractional
    // digits (1074 at most): printing that many, and at least f + 1, loses nothing.
    int binary_exponent = 0;
    std::frexp(x, &binary_exponent);
    const int exact = (std::min)(1100, (std::max)(f + 1, 53 - binary_exponent));
    std::string buf(static_cast<std::size_t>(exact + 40), '\0');
    const int len = std::snprintf(&buf[0], buf.size(), "%.*f", exact, x);
    buf.resize(static_cast<std::size_t>(len));
    const auto dot = buf.find('.');
    std::string digits = buf.substr(0, dot) + buf.substr(dot + 1, static_cast<std::size_t>(f));
    const int int_len = static_cast<int>(dot);
    const char next = buf[dot + 1 + static_cast<std::size_t>(f)];
    if (next >= '5') {
        int i = static_cast<int>(digits.size()) - 1;
        while (i >= 0 && digits[static_cast<std::size_t>(i)] == '9') digits[static_cast<std::size_t>(i--)] = '0';
        if (i < 0) digits.insert(digits.begin(), '1'); else ++digits[static_cast<std::size_t>(i)];
    }
    const int new_int_len = static_cast<int>(digits.size()) - f;
    (void)int_len;
    std::string out = sign + digits.substr(0, static_cast<std::size_t>(new_int_len));
    if (f > 0) out += "." + digits.substr(static_cast<std::size_t>(new_int_len));
    return out;
}

// Math.round: the nearest integer, ties towards +Infinity, keeping -0.
inline double js_math_round(double x) {
    if (!std::isfinite(x) || x == 0) return x;
    double r = std::floor(x);
    if (x - r >= 0.5) r += 1;
    if (r == 0 && x < 0) return -0.0;
    return r;
}

// Reads a number written as JavaScript's `+"text"` would, for the decimal strings built here.
inline double js_parse_decimal(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

// JSONata's $round(value, precision): ties to even, the decimal point shifted in the decimal
// text rather than by multiplying (which would add binary error).
inline double jsonata_round(double arg, double precision = 0) {
    const bool shift = precision != 0 && !std::isnan(precision);
    auto shifted = [](double v, double by) {
        const std::string s = js_number_to_string(v);
        const auto e = s.find('e');
        const std::string mantissa = s.substr(0, e);
        const double exponent = (e == std::string::npos ? 0.0 : std::atof(s.c_str() + e + 1)) + by;
        return js_parse_decimal(mantissa + "e" + js_number_to_string(exponent));
    };
    if (shift) arg = shifted(arg, precision);
    double result = js_math_round(arg);
    const double diff = result - arg;
    if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(result, 2.0)) == 1) result -= 1;
    if (shift) result = shifted(result, -precision);
    if (result == 0) result = 0;  // JSON has no -0
    return result;
}

// Number.prototype.toString(radix) for the integral values $formatBase passes (it rounds
// first). Digits beyond a double's 53 bits come out as zeros, as V8 prints them.
inline std::string js_to_radix_string(double value, int radix) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
    static constexpr char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    const bool negative = value < 0;
    double integer = std::floor(std::fabs(value));
    std::string out;
    const double two53 = 9007199254740992.0;
    while (integer / radix >= two53) {
        integer /= radix;
        out.push_back('0');
    }
    do {
        const double remainder = std::fmod(integer, static_cast<double>(radix));
        out.push_back(chars[static_cast<int>(remainder)]);
        integer = (integer - remainder) / radix;
    } while (integer > 0);
    if (negative) out.push_back('-');
    return std::string(out.rbegin(), out.rend());
}

inline bool js_is_space(char32_t c) {
    return c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x20 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 ||
           c == 0xFEFF;
}

// parseInt(text) with no radix: leading white space, a sign, then decimal digits (or hex after
// "0x"); NaN when no digit follows.
inline double js_parse_int(std::u16string_view s) {
    std::size_t i = 0;
    while (i < s.size() && js_is_space(s[i])) ++i;
    double sign = 1;
    if (i < s.size() && (s[i] == u'+' || s[i] == u'-')) {
        if (s[i] == u'-') sign = -1;
        ++i;
    }
    int radix = 10;
    if (i + 1 < s.size() && s[i] == u'0' && (s[i + 1] == u'x' || s[i + 1] == u'X')) {
        radix = 16;
        i += 2;
    }
    std::string digits;
    for (; i < s.size(); ++i) {
        const char16_t c = s[i];
        const bool dec = c >= u'0' && c <= u'9';
        const bool hex = radix == 16 && ((c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F'));
        if (!dec && !hex) break;
        digits.push_back(static_cast<char>(c));
    }
    if (digits.empty()) return std::nan("");
    if (radix == 10) return sign * std::strtod(digits.c_str(), nullptr);
    double v = 0;
    for (const char c : digits) {
        v = v * 16 + hex_digit_value(c);  // every one checked above
    }
    return sign * v;
}

// JSON.stringify of a string, for the {{value}} of the reference's messages.
inline std::string json_quote(std::string_view s) {
    return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// The error every evaluation problem becomes: the reference's code and its message.
inline tl::unexpected<error> fail(std::string_view code, std::string_view message) {
    return make_error(errors::query_evaluation_error, std::string(code) + ": " + std::string(message));
}

} // namespace stepfn::detail::jsonata

#endif
