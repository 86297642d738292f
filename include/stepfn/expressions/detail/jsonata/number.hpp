#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_NUMBER_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_NUMBER_HPP

// JavaScript's number rules the evaluator needs beyond js_number.hpp (Number#toString lives
// there): toPrecision(15) as $string applies it, integral results as JSON integers, and the
// reference's half-to-even $round that shifts the decimal point in text.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include <stepfn/expressions/detail/jsonata/js_number.hpp>
#include <stepfn/json.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

// Number(d.toPrecision(15)): what $string and string concatenation print.
inline double to_precision15(double d) {
    if (!std::isfinite(d) || d == 0) return d;
    // An integer below 10^15 has at most 15 digits: it is its own 15-digit rounding.
    if (std::fabs(d) < 1e15 && std::floor(d) == d) return d;
    // to_chars with a precision is printf's "%.14e" (correctly rounded), without the locale
    // and the multi-precision arithmetic glibc's printf uses; from_chars is strtod's value.
    char buf[64];  // "-d.dddddddddddddde-308": 22 characters and the terminator
    const auto printed = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific, 14);
    *printed.ptr = '\0';
    double out = d;
    // Out of range (the largest doubles round up to Infinity): strtod's answer, as before.
    if (std::from_chars(buf, printed.ptr, out).ec != std::errc()) return std::strtod(buf, nullptr);
    return out;
}

// A number as the JSON value results carry: integral values within 2^53 as integers, so they
// print as JavaScript prints them ("3", not "3.0").
// -0 keeps its sign as a double: 1 / -0 is -Infinity.
// Tested through a conversion to int64 (one instruction each way), not std::floor, which
// without SSE4.1 is a library sequence.
inline bool integral_number(double d) {
    if (!(std::fabs(d) < 9007199254740992.0)) return false;  // NaN and infinities too
    return static_cast<double>(static_cast<std::int64_t>(d)) == d && !(d == 0 && std::signbit(d));
}
inline json make_number(double d) { return integral_number(d) ? json(static_cast<std::int64_t>(d)) : json(d); }

inline bool is_integer(double d) { return std::isfinite(d) && std::floor(d) == d; }

// The members of the integer range a..b (a <= b, sized by the caller) as make_number makes
// them, passed to `f` in order; a range of exact integers (the usual one) skips make_number's
// tests. Counted, not stepped: past 2^53, x + 1 == x and stepping would never end.
template <class F>
inline void for_each_in_range(double a, double b, F&& f) {
    const bool exact = std::fabs(a) < 9007199254740992.0 && std::fabs(b) < 9007199254740992.0;
    if (exact && !(a == 0 && std::signbit(a))) {  // -0 keeps its sign through make_number
        for (auto i = static_cast<std::int64_t>(a), end = static_cast<std::int64_t>(b); i <= end; ++i) f(json(i));
    } else {
        const auto count = static_cast<std::uint64_t>(b - a) + 1;
        for (std::uint64_t i = 0; i < count; ++i) f(make_number(i == 0 ? a : a + static_cast<double>(i)));  // -0 + 0 is +0
    }
}

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
