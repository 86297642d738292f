#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_NUMBER_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_NUMBER_HPP

// JavaScript's number rules, which JSONata inherits: Number.prototype.toString (shortest
// round-trip digits, exponent outside 1e-7..1e21), toPrecision(15) as $string applies it, and
// the reference's half-to-even $round that shifts the decimal point in text.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <stepfn/json.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

// Shortest digits and decimal exponent of a finite, non-zero |d|: d = 0.DIGITS * 10^point.
inline void js_digits(double d, std::string& digits, int& point) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
    const std::string s(buf, res.ptr);
    const auto e = s.find('e');
    digits.clear();
    for (std::size_t i = 0; i < e; ++i)
        if (s[i] != '.') digits += s[i];
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    point = std::atoi(s.c_str() + e + 1) + 1;
}

// Number.prototype.toString() for a finite double.
inline std::string js_number_to_string(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == 0) return "0";
    std::string digits;
    int n = 0;
    js_digits(d, digits, n);
    const int k = static_cast<int>(digits.size());
    std::string out = d < 0 ? "-" : "";
    if (k <= n && n <= 21) {
        out += digits;
        out.append(static_cast<std::size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {
        out += digits.substr(0, static_cast<std::size_t>(n));
        out += '.';
        out += digits.substr(static_cast<std::size_t>(n));
    } else if (-6 < n && n <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-n), '0');
        out += digits;
    } else {
        out += digits[0];
        if (k > 1) {
            out += '.';
            out += digits.substr(1);
        }
        out += 'e';
        out += n - 1 >= 0 ? "+" : "-";
        out += std::to_string(std::abs(n - 1));
    }
    return out;
}

// Number(d.toPrecision(15)): what $string and string concatenation print.
inline double to_precision15(double d) {
    if (!std::isfinite(d) || d == 0) return d;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.14e", d);
    return std::strtod(buf, nullptr);
}

// A number as the JSON value results carry: integral values within 2^53 as integers, so they
// print as JavaScript prints them ("3", not "3.0").
inline json make_number(double d) {
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9007199254740992.0)
        return json(static_cast<std::int64_t>(d));
    return json(d);
}

inline bool is_integer(double d) { return std::isfinite(d) && std::floor(d) == d; }

// $round: half to even at `precision` decimal places, shifting the point in text as the
// reference does (so 1.005 rounds as the decimal 100.5, not as the binary 100.4999...).
inline double js_round(double arg, int precision) {
    const auto shift = [](double v, int by) {
        std::string s = js_number_to_string(v);
        const auto e = s.find('e');
        int exp = by;
        if (e != std::string::npos) {
            exp += std::atoi(s.c_str() + e + 1);
            s.resize(e);
        }
        s += 'e';
        s += std::to_string(exp);
        return std::strtod(s.c_str(), nullptr);
    };
    if (precision != 0) arg = shift(arg, precision);
    double r = std::floor(arg + 0.5);  // Math.round
    if (std::fabs(r - arg) == 0.5 && std::fabs(std::fmod(r, 2.0)) == 1.0) r -= 1;
    if (precision != 0) r = shift(r, -precision);
    if (r == 0) r = 0;  // no negative zero
    return r;
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
