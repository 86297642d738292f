#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_NUMERIC_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_NUMERIC_HPP

// Numeric, aggregation and boolean functions.

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include <stepfn/detail/hex.hpp>
#include <stepfn/expressions/detail/jsonata/functions_string.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

inline bool is_digits(const std::string& s, std::size_t& i) {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
}

// The strings $number accepts: JSON-like decimals, and 0x/0o/0b integers.
inline bool parse_number_text(const std::string& s, double& out) {
    std::size_t i = 0;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' || s[1] == 'O' || s[1] == 'b' || s[1] == 'B')) {
        const int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
        double v = 0;
        for (i = 2; i < s.size(); ++i) {
            const int d = hex_digit_value(s[i]);
            if (d < 0 || d >= base) return false;
            v = v * base + d;
        }
        out = v;
        return true;
    }
    if (i < s.size() && s[i] == '-') ++i;
    if (!is_digits(s, i)) return false;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!is_digits(s, i)) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!is_digits(s, i)) return false;
    }
    if (i != s.size()) return false;
    // from_chars gives strtod's value (both round correctly) without its locale and its
    // multi-precision path; what it refuses (out of range) strtod answers, as before.
    if (std::from_chars(s.data(), s.data() + s.size(), out).ec != std::errc()) out = std::strtod(s.c_str(), nullptr);
    return std::isfinite(out);
}

inline result<value> fn_number(call_info&, std::vector<value>& a) {
    const value& v = arg(a, 0);
    if (v.undefined()) return value{};
    if (v.is_number()) return v;
    if (v.is_bool()) return num_value(v.j().get<bool>() ? 1 : 0);
    double d = 0;
    if (v.is_string() && parse_number_text(v.str(), d)) return num_value(d);
    return fail("D3030", "Unable to cast value to a number: " + to_json_text(v));
}

template <class F>
inline result<value> unary_math(std::vector<value>& a, F f) {
    if (arg(a, 0).undefined()) return value{};
    return num_value(f(a[0].num()));
}
inline result<value> fn_abs(call_info&, std::vector<value>& a) { return unary_math(a, [](double d) { return std::fabs(d); }); }
inline result<value> fn_floor(call_info&, std::vector<value>& a) { return unary_math(a, [](double d) { return std::floor(d); }); }
inline result<value> fn_ceil(call_info&, std::vector<value>& a) { return unary_math(a, [](double d) { return std::ceil(d); }); }

inline result<value> fn_round(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const double p = arg(a, 1).undefined() ? 0 : std::trunc(a[1].num());
    return num_value(js_round(a[0].num(), static_cast<int>((std::max)(-300.0, (std::min)(300.0, p)))));
}

inline result<value> fn_power(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const double r = std::pow(a[0].num(), arg(a, 1).num());
    if (!std::isfinite(r))
        return fail("D3061", "The power function has resulted in a value that cannot be represented as a JSON number: base=" +
                                 js_number_to_string(a[0].num()) + ", exponent=" + js_number_to_string(arg(a, 1).num()));
    return num_value(r);
}

inline result<value> fn_sqrt(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const double d = a[0].num();
    if (d < 0) return fail("D3060", "The sqrt function cannot be applied to a negative number: " + js_number_to_string(d));
    return num_value(std::sqrt(d));
}

inline double unit_random(std::uint64_t bits) { return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0); }

inline std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// $random(): the host's random source. AWS adds an optional seed: the same seed, the same number.
inline result<value> fn_random(call_info& c, std::vector<value>& a) {
    if (!arg(a, 0).undefined()) {
        if (!a[0].is_number()) return fail("T0410", "Argument 1 of function \"random\" does not match function signature");
        const double seed = a[0].num();
        std::uint64_t bits = 0;
        static_assert(sizeof bits == sizeof seed, "double is 64 bits");
        std::memcpy(&bits, &seed, sizeof bits);
        return num_value(unit_random(splitmix(bits)));
    }
    return num_value(unit_random(c.ev.host().random()));
}

template <class F>
inline result<value> aggregate(std::vector<value>& a, F f) {
    if (arg(a, 0).undefined()) return value{};
    std::vector<double> xs;
    for_each_item(a[0], [&](const value& v) { xs.push_back(v.num()); });
    return f(xs);
}
inline result<value> fn_sum(call_info&, std::vector<value>& a) {
    return aggregate(a, [](const std::vector<double>& xs) -> result<value> {
        double t = 0;
        for (const double x : xs) t += x;
        return num_value(t);
    });
}
inline result<value> fn_max(call_info&, std::vector<value>& a) {
    return aggregate(a, [](const std::vector<double>& xs) -> result<value> {
        if (xs.empty()) return value{};
        double m = xs.front();
        for (const double x : xs) m = (std::max)(m, x);
        return num_value(m);
    });
}
inline result<value> fn_min(call_info&, std::vector<value>& a) {
    return aggregate(a, [](const std::vector<double>& xs) -> result<value> {
        if (xs.empty()) return value{};
        double m = xs.front();
        for (const double x : xs) m = (std::min)(m, x);
        return num_value(m);
    });
}
inline result<value> fn_average(call_info&, std::vector<value>& a) {
    return aggregate(a, [](const std::vector<double>& xs) -> result<value> {
        if (xs.empty()) return value{};
        double t = 0;
        for (const double x : xs) t += x;
        return num_value(t / static_cast<double>(xs.size()));
    });
}

inline result<value> fn_boolean(call_info&, std::vector<value>& a) {
    auto b = to_boolean(arg(a, 0));
    if (!b) return tl::make_unexpected(b.error());
    if (*b < 0) return value{};
    return bool_value(*b == 1);
}
inline result<value> fn_not(call_info&, std::vector<value>& a) {
    auto b = to_boolean(arg(a, 0));
    if (!b) return tl::make_unexpected(b.error());
    if (*b < 0) return value{};
    return bool_value(*b == 0);
}
inline result<value> fn_exists(call_info&, std::vector<value>& a) { return bool_value(!arg(a, 0).undefined()); }

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
