#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_CONVERT_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_CONVERT_HPP

// Conversions between evaluation values and JSON, text and truth, with the reference's rules:
// JSON.stringify for results and messages, $string's 15-digit numbers, $boolean's truthiness,
// deep equality for `=`, strict equality for `in`, and field lookup that maps over arrays.

#include <charconv>
#include <cmath>
#include <forward_list>
#include <cstdint>
#include <string>
#include <string_view>

#include <stepfn/detail/hex.hpp>
#include <stepfn/expressions/detail/jsonata/number.hpp>
#include <stepfn/expressions/detail/jsonata/value.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

// The JSON a value stands for; functions and undefined members of sequences become null (what
// JSON.stringify prints inside an array).
inline json to_json_or_null(const value& v) {
    switch (v.type()) {
    case value::kind::undefined:
    case value::kind::function: return json(nullptr);
    case value::kind::sequence: {
        json out = json::array();
        out.get_ref<json::array_t&>().reserve(v.seq().items.size());
        for (const auto& item : v.seq().items) out.push_back(to_json_or_null(item));  // undefined: null, as JSON.stringify
        return out;
    }
    case value::kind::json: break;
    }
    return v.j();  // non-finite numbers stay: $string must still see them; the result nulls them
}

namespace convert_detail {
inline void append_string(std::string& out, const std::string& s) {
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                append_hex_byte(out, c);
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

inline void newline(std::string& out, int indent, int level) {
    if (indent == 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * level), ' ');
}

// JSON.stringify: `precision15` applies $string's toPrecision(15); functions print as "" there
// and are skipped (objects) or null (arrays) otherwise.
inline void stringify(std::string& out, const json& j, bool precision15, int indent, int level);

inline void stringify_number(std::string& out, const json& j, bool precision15) {
    double d = j.get<double>();
    // An integer of at most 15 digits is its own shortest form and its own toPrecision(15):
    // its digits are printed as an integer's, without the search for a double's shortest digits.
    if (std::fabs(d) < 1e15 && d != 0 && static_cast<double>(static_cast<std::int64_t>(d)) == d) {
        char buf[24];
        const auto res = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(d));
        out.append(buf, res.ptr);
        return;
    }
    if (std::isfinite(d) && d != 0) {
        // A number whose shortest digits are 15 or fewer is its own toPrecision(15): those
        // digits are the 15-digit decimal nearest to it (a double is closer to its shortest
        // form than half a 15-digit step), so the shortest digits are printed directly.
        const shortest_digits s(std::fabs(d));
        if (!precision15 || s.k <= 15) {
            append_js_number(out, d < 0, s);
            return;
        }
    }
    if (precision15) d = to_precision15(d);  // may round the largest doubles up to Infinity
    if (!std::isfinite(d) && j.is_number_float()) {
        out += "null";
        return;
    }
    out += js_number_to_string(d);
}

inline void stringify(std::string& out, const json& j, bool precision15, int indent, int level) {
    switch (j.type()) {
    case json::value_t::null: out += "null"; return;
    case json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case json::value_t::string: append_string(out, j.get_ref<const std::string&>()); return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: stringify_number(out, j, precision15); return;
    case json::value_t::array: {
        out += '[';
        bool first = true;
        for (const auto& item : j) {
            if (!first) out += ',';
            first = false;
            newline(out, indent, level + 1);
            stringify(out, item, precision15, indent, level + 1);
        }
        if (!first) newline(out, indent, level);
        out += ']';
        return;
    }
    case json::value_t::object: {
        out += '{';
        bool first = true;
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!first) out += ',';
            first = false;
            newline(out, indent, level + 1);
            append_string(out, it.key());
            out += indent != 0 ? ": " : ":";
            stringify(out, it.value(), precision15, indent, level + 1);
        }
        if (!first) newline(out, indent, level);
        out += '}';
        return;
    }
    default: out += "null"; return;
    }
}
} // namespace convert_detail

// JSON.stringify of a value, as the reference's messages show values.
inline std::string to_json_text(const value& v) {
    if (v.undefined()) return "undefined";
    if (v.is_fn()) return "{}";
    std::string out;
    convert_detail::stringify(out, to_json_or_null(v), false, 0, 0);
    return out;
}

// $string: strings as they are, other values as JSON with 15-digit numbers.
// $string of `v` appended to `out` (`&` builds its result this way, without a string per operand).
inline result<void> append_string_value(std::string& out, const value& v, bool pretty = false) {
    if (v.is_fn()) return {};
    if (v.is_string()) {
        out += v.str();
        return {};
    }
    if (v.is_number() && !std::isfinite(v.num()))
        return fail("D3001", "Attempting to invoke string function on Infinity or NaN");
    if (v.is_array() || v.is_object()) {
        // The reference's replacer checks each number: Infinity inside fails (JSON says null).
        bool finite = true;
        const auto scan = [&finite](const json& j, const auto& self, std::size_t depth) -> void {
            if (j.is_number_float() && !std::isfinite(j.get<double>())) finite = false;
            if (j.is_structured() && depth < 10000)
                for (const auto& m : j) self(m, self, depth + 1);
        };
        if (v.is_json()) scan(v.j(), scan, 0);
        else for_each_item(v, [&](const value& m) { if (m.is_json()) scan(m.j(), scan, 0); });
        if (!finite) return fail("D1001", "Number out of range: null");
    }
    if (v.is_json()) convert_detail::stringify(out, v.j(), true, pretty ? 2 : 0, 0);  // no copy
    else convert_detail::stringify(out, to_json_or_null(v), true, pretty ? 2 : 0, 0);
    return {};
}

inline result<std::string> to_string_value(const value& v, bool pretty = false) {
    if (v.is_string()) return v.str();
    std::string out;
    if (auto r = append_string_value(out, v, pretty); !r) return tl::make_unexpected(r.error());
    return out;
}

// $boolean: -1 for undefined, else 0 or 1.
inline result<int> to_boolean(const value& v) {
    switch (v.type()) {
    case value::kind::undefined: return -1;
    case value::kind::function: return 0;
    case value::kind::sequence: {
        const auto& items = v.seq().items;
        if (items.size() == 1) return to_boolean(items.front());
        for (const auto& item : items) {
            auto b = to_boolean(item);
            if (!b) return b;
            if (*b == 1) return 1;
        }
        return 0;
    }
    case value::kind::json: break;
    }
    const json& j = v.j();
    switch (j.type()) {
    case json::value_t::string: return j.get_ref<const std::string&>().empty() ? 0 : 1;
    case json::value_t::boolean: return j.get<bool>() ? 1 : 0;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: {
        const double d = j.get<double>();
        if (std::isinf(d)) return fail("D1001", "Number out of range: " + js_number_to_string(d));
        return d != 0 && !std::isnan(d) ? 1 : 0;
    }
    case json::value_t::object: return j.empty() ? 0 : 1;
    case json::value_t::array: {
        if (j.size() == 1) return to_boolean(v.child(j[0]));
        for (const auto& item : j) {
            auto b = to_boolean(v.child(item));
            if (!b) return b;
            if (*b == 1) return 1;
        }
        return 0;
    }
    default: return 0;
    }
}

// Deep equality of JSON; objects compare without regard to key order, as JavaScript's do.
inline bool json_equal(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    if (a.type() != b.type()) return false;
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            const auto other = b.find(it.key());
            if (other == b.end() || !json_equal(it.value(), *other)) return false;
        }
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!json_equal(a[i], b[i])) return false;
        return true;
    }
    return a == b;
}

// Deep equality (`=`, $distinct).
inline bool values_equal(const value& a, const value& b) {
    if (a.is_json() && b.is_json()) return json_equal(a.j(), b.j());
    if (a.is_fn() || b.is_fn()) return a.is_fn() && b.is_fn() && a.identity() == b.identity();
    if (a.undefined() || b.undefined()) return a.undefined() && b.undefined();
    return json_equal(to_json_or_null(a), to_json_or_null(b));
}

// `===`: primitives by value, objects and arrays by identity.
inline bool strict_equal(const value& a, const value& b) {
    if (!a.is_json() || !b.is_json()) return a.is_fn() && b.is_fn() && a.identity() == b.identity();
    const json& x = a.j();
    const json& y = b.j();
    if (x.is_structured() || y.is_structured()) return &x == &y;
    return x == y;
}

// JavaScript compares strings by UTF-16 code units; UTF-8 bytes order by code point, which
// differs only where a character beyond U+FFFF meets one in U+E000..U+FFFF.
inline int compare_strings(const std::string& a, const std::string& b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    if (i == a.size() || i == b.size()) return a.size() == b.size() ? 0 : (i == a.size() ? -1 : 1);
    while (i > 0 && (static_cast<unsigned char>(a[i]) & 0xC0U) == 0x80U) --i;  // the character's first byte
    // The first UTF-16 unit of the character at byte i.
    const auto unit = [i](const std::string& s) -> std::uint32_t {
        const auto at = [&](std::size_t k) { return k < s.size() ? static_cast<std::uint32_t>(static_cast<unsigned char>(s[k])) : 0U; };
        const std::uint32_t b0 = at(i);
        if (b0 < 0x80U) return b0;
        if (b0 < 0xE0U) return ((b0 & 0x1FU) << 6) | (at(i + 1) & 0x3FU);
        if (b0 < 0xF0U) return ((b0 & 0x0FU) << 12) | ((at(i + 1) & 0x3FU) << 6) | (at(i + 2) & 0x3FU);
        const std::uint32_t cp = ((b0 & 0x07U) << 18) | ((at(i + 1) & 0x3FU) << 12) | ((at(i + 2) & 0x3FU) << 6) | (at(i + 3) & 0x3FU);
        return 0xD800U + ((cp - 0x10000U) >> 10);
    };
    const std::uint32_t ua = unit(a);
    const std::uint32_t ub = unit(b);
    if (ua != ub) return ua < ub ? -1 : 1;
    const int c = a.compare(i, std::string::npos, b, i, std::string::npos);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

namespace convert_detail {
// `parents`: where the objects values are read from are kept, when the expression uses `%`.
inline const value* keep_parent(std::forward_list<value>* parents, const value& v) {
    if (parents == nullptr) return nullptr;
    parents->push_front(v);
    return &parents->front();
}

inline void lookup_into(sequence& out, const value& v, const std::string& key, std::forward_list<value>* parents) {
    if (v.is_seq()) {
        for (const auto& item : v.seq().items) lookup_into(out, item, key, parents);
    } else if (v.is_json_array()) {
        for (const auto& item : v.j()) lookup_into(out, v.child(item), key, parents);
    } else if (v.is_object()) {
        const json& o = v.j();
        const auto it = o.find(key);
        if (it != o.end()) {
            const value* parent = keep_parent(parents, v);
            const auto add = [&](const json& c) {
                out.items.push_back(v.child(c));
                if (parent != nullptr) out.items.back().set_parent(parent);
            };
            if (it->is_array()) {
                for (const auto& member : *it) add(member);
            } else {
                add(*it);
            }
        }
    }
}
} // namespace convert_detail

// A field of an object, or of each object in an array (flattened). With `parents`, the values
// remember the object they were read from, kept there for the evaluation.
inline value lookup(const value& input, const std::string& key, std::forward_list<value>* parents = nullptr) {
    if (input.is_object()) {
        const json& o = input.j();
        const auto it = o.find(key);
        if (it == o.end()) return value{};
        value v = input.child(*it);
        if (parents != nullptr) v.set_parent(convert_detail::keep_parent(parents, input));
        return v;
    }
    if (!input.is_array()) return value{};
    auto s = new_seq();
    s->items.reserve(array_size(input));  // one field per member is the common shape
    convert_detail::lookup_into(*s, input, key, parents);
    return value::of(std::move(s));
}

// Every member of nested arrays, in order.
inline void flatten_into(sequence& out, const value& v) {
    if (v.is_array()) {
        for_each_item(v, [&](const value& item) { flatten_into(out, item); });
    } else if (!v.undefined()) {
        out.items.push_back(v);
    }
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
