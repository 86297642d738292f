#ifndef STEPFN_EXPRESSIONS_DETAIL_INTRINSICS_VALUE_OPS_HPP
#define STEPFN_EXPRESSIONS_DETAIL_INTRINSICS_VALUE_OPS_HPP

// Operations on JSON values shared by several intrinsics: AWS's notion of equality, a hash
// consistent with it, Java-style rounding and Java-style rendering.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include <stepfn/json.hpp>

namespace stepfn {
namespace detail {
namespace intrinsics {

// Equality as AWS (Jackson) sees it for ArrayContains/ArrayUnique: objects compare by their
// key/value pairs regardless of key order (ordered_json's own == is order-sensitive);
// numbers compare by value, so 1 equals 1.0.
inline bool deep_equal(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return a == b;
    if (a.type() != b.type()) return false;
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!deep_equal(a[i], b[i])) return false;
        return true;
    }
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            const auto other = b.find(it.key());
            if (other == b.end() || !deep_equal(it.value(), *other)) return false;
        }
        return true;
    }
    return a == b;
}

inline std::size_t hash_mix(std::size_t seed, std::size_t value) noexcept {
    return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

// A hash consistent with deep_equal: key order does not matter and numbers hash by value.
inline std::size_t deep_hash(const json& value) {
    switch (value.type()) {
    case json::value_t::null: return 0x6e756c6cU;
    case json::value_t::boolean: return value.get_ref<const json::boolean_t&>() ? 1U : 2U;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: {
        const double d = value.get<double>();
        return std::hash<double>{}(d == 0.0 ? 0.0 : d);  // -0.0 == 0.0
    }
    case json::value_t::string: return std::hash<std::string>{}(value.get_ref<const std::string&>());
    case json::value_t::array: {
        std::size_t h = 0xa11a7U;
        for (const auto& item : value) h = hash_mix(h, deep_hash(item));
        return h;
    }
    case json::value_t::object: {
        std::size_t h = 0x0b1ec7U;
        for (auto it = value.begin(); it != value.end(); ++it)
            h += hash_mix(std::hash<std::string>{}(it.key()), deep_hash(it.value()));  // order-free
        return h;
    }
    default: return 0;
    }
}

// Java's Math.round: the nearest integer, halves rounded towards positive infinity
// (1.5 → 2, -1.5 → -1, -2.5 → -2). False when the value does not fit in an int64.
inline bool java_round(const json& number, std::int64_t& out) noexcept {
    if (number.is_number_integer() && !number.is_number_unsigned()) {
        out = number.get<std::int64_t>();
        return true;
    }
    if (number.is_number_unsigned()) {
        const auto u = number.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>((std::numeric_limits<std::int64_t>::max)())) return false;
        out = static_cast<std::int64_t>(u);
        return true;
    }
    if (!number.is_number_float()) return false;
    const double d = number.get<double>();
    if (!std::isfinite(d)) return false;
    double r = std::floor(d);
    if (d - r >= 0.5) r += 1.0;  // exact: d - floor(d) is representable
    // [-2^63, 2^63) is exactly the range of doubles that convert without overflow.
    if (r < -9223372036854775808.0 || r >= 9223372036854775808.0) return false;
    out = static_cast<std::int64_t>(r);
    return true;
}

inline std::string compact_json(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// How AWS's States.Format renders a value (Java's toString of Jackson-converted values):
// strings without quotes, numbers/booleans/null as JSON, `[1, a]` and `{k=v, k2=[]}` for
// arrays and objects, nested values rendered the same way.
inline void append_java_style(std::string& out, const json& value) {
    switch (value.type()) {
    case json::value_t::string: out += value.get_ref<const std::string&>(); return;
    case json::value_t::array: {
        out += '[';
        bool first = true;
        for (const auto& item : value) {
            if (!first) out += ", ";
            first = false;
            append_java_style(out, item);
        }
        out += ']';
        return;
    }
    case json::value_t::object: {
        out += '{';
        bool first = true;
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (!first) out += ", ";
            first = false;
            out += it.key();
            out += '=';
            append_java_style(out, it.value());
        }
        out += '}';
        return;
    }
    default: out += compact_json(value); return;
    }
}

} // namespace intrinsics
} // namespace detail
} // namespace stepfn

#endif
