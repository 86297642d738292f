#ifndef STEPFN_DETAIL_JSON_SIZE_HPP
#define STEPFN_DETAIL_JSON_SIZE_HPP

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include <stepfn/json.hpp>

namespace stepfn::detail {

// A serialised size nobody has measured yet.
inline constexpr std::size_t unknown_size = (std::numeric_limits<std::size_t>::max)();

// Whether a string of 4 to 16 bytes certainly has no byte that dump() escapes, read as one word
// or two that may overlap: keys and short values, where the byte loop below costs seven
// instructions a byte. A byte below '#' (the escaped ones below 0x20 and '"', but also ' ' and
// '!') or a '\\' says no, and the byte loop decides. Each test is exact for "any byte": a byte
// that matches is the lowest one to borrow, and none borrows when none matches. Bytes above
// ASCII are written as they are, one byte each, so they pass.
inline bool unescaped_short(const char* data, std::size_t n) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101u;
    constexpr std::uint64_t highs = 0x8080808080808080u;
    const auto flagged = [](std::uint64_t w) {
        const std::uint64_t backslashes = w ^ (ones * 0x5Cu);
        return (((w - ones * 0x23u) & ~w) | ((backslashes - ones) & ~backslashes)) & highs;
    };
    if (n >= 8) {
        std::uint64_t a = 0, b = 0;
        std::memcpy(&a, data, 8);
        std::memcpy(&b, data + n - 8, 8);
        return (flagged(a) | flagged(b)) == 0;
    }
    std::uint32_t low = 0, top = 0;
    std::memcpy(&low, data, 4);
    std::memcpy(&top, data + n - 4, 4);
    return flagged(low | (std::uint64_t{top} << 32)) == 0;
}

// serialized_string_size byte by byte: long strings, strings with escapes, and the shortest.
inline std::size_t serialized_string_size_bytes(const std::string& s) {
    std::size_t n = 2;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') n += 2;
        else if (c < 0x20) n += 6;
        else n += 1;
    }
    return n;
}

// The length of a string once serialised as JSON (quotes and escapes included), as dump() writes
// it. The short case is small enough to be inlined where it is called.
inline std::size_t serialized_string_size(const std::string& s) {
    if (s.size() - 4 <= 12 && unescaped_short(s.data(), s.size())) return s.size() + 2;
    return serialized_string_size_bytes(s);
}

inline std::size_t decimal_digits(std::uint64_t n) {
    // Most of a payload's integers are small: compared, not divided.
    if (n < 10) return 1;
    if (n < 100) return 2;
    if (n < 1000) return 3;
    if (n < 10000) return 4;
    std::size_t digits = 1;
    for (; n >= 10; n /= 10) ++digits;
    return digits;
}

// The length of a floating-point number as dump() writes it (shortest round-trip form, "null"
// when not finite), without allocating.
inline std::size_t serialized_float_size(double d) {
    if (!std::isfinite(d)) return 4;
    std::array<char, 64> buffer{};
    return static_cast<std::size_t>(nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), d) -
                                    buffer.data());
}

// The serialised length of a scalar (not an object or array).
inline std::size_t scalar_size(const json& v) {
    switch (v.type()) {
    case json::value_t::string: return serialized_string_size(v.get_ref<const std::string&>());
    case json::value_t::boolean: return v.get<bool>() ? 4 : 5;
    case json::value_t::null: return 4;
    case json::value_t::number_integer: {
        const auto n = v.get<std::int64_t>();
        // Negate in unsigned arithmetic: -INT64_MIN does not fit in int64.
        return n < 0 ? 1 + decimal_digits(0 - static_cast<std::uint64_t>(n)) : decimal_digits(static_cast<std::uint64_t>(n));
    }
    case json::value_t::number_unsigned: return decimal_digits(v.get<std::uint64_t>());
    case json::value_t::number_float: return serialized_float_size(v.get<double>());
    default: return v.dump().size();  // binary values: rare, let nlohmann size them
    }
}

namespace json_size_walk {
// One walk of a document for its serialised size and, when `Depth`, how deep it nests. Each
// pending node carries its depth only when asked, so the plain size walk stays as light.
template <bool Depth>
struct pending {
    const json* node;
    std::size_t depth;
};
template <>
struct pending<false> {
    const json* node;
};

// Only objects and arrays wait on the stack: a scalar member is sized where it is met, and the
// members are read from the containers themselves (no nlohmann iterators).
template <bool Depth>
std::size_t walk(const json& value, std::size_t stop_after, std::size_t max_depth, bool* too_deep) {
    if (!value.is_structured()) return scalar_size(value);
    std::size_t total = 0;
    std::array<pending<Depth>, 64> inline_stack;
    std::vector<pending<Depth>> spilled;  // only for wide documents
    std::size_t count = 0;
    auto push = [&](const pending<Depth>& p) {
        if (count < inline_stack.size()) inline_stack[count++] = p;
        else spilled.push_back(p);
    };
    auto child = [&](const json& node, [[maybe_unused]] const pending<Depth>& parent) {
        if (node.is_string()) {  // most of a payload's scalars: sized here, without scalar_size's dispatch
            total += serialized_string_size(*node.get_ptr<const json::string_t*>());
        } else if (!node.is_structured()) {
            total += scalar_size(node);
        } else if constexpr (Depth) {
            push({&node, parent.depth + 1});
        } else {
            push({&node});
        }
    };
    if constexpr (Depth) push({&value, 1});
    else push({&value});
    while (count != 0 || !spilled.empty()) {
        pending<Depth> top;
        if (!spilled.empty()) {
            top = spilled.back();
            spilled.pop_back();
        } else {
            top = inline_stack[--count];
        }
        const json* v = top.node;
        if constexpr (Depth) {
            if (top.depth > max_depth) *too_deep = true;
        }
        if (v->is_object()) {
            const auto& members = v->get_ref<const json::object_t&>();
            total += 2 + (members.empty() ? 0 : members.size() - 1);  // braces and commas
            for (const auto& member : members) {
                total += serialized_string_size(member.first) + 1;
                child(member.second, top);
                if (total > stop_after) return total;  // a wide container stops early too
            }
        } else {
            const auto& items = v->get_ref<const json::array_t&>();
            total += 2 + (items.empty() ? 0 : items.size() - 1);
            for (const auto& item : items) {
                child(item, top);
                if (total > stop_after) return total;
            }
        }
        if (total > stop_after) return total;
    }
    return total;
}
} // namespace json_size_walk

// The length of `value` serialised compactly, as dump() writes it, or some length above
// `stop_after` as soon as it passes that. Walks the document without allocating a string, so
// sizing a huge one costs no more than `stop_after`. Iterative: deep documents cannot overflow
// the stack. The pending nodes live in a fixed buffer while they fit, so a typical payload is
// sized without touching the heap.
inline std::size_t serialized_size(const json& value, std::size_t stop_after = (std::numeric_limits<std::size_t>::max)()) {
    return json_size_walk::walk<false>(value, stop_after, 0, nullptr);
}

// serialized_size and exceeds_depth in one walk, for a payload that must pass both (an
// execution's input): `size` as serialized_size gives it; `too_deep` is meaningful only when
// the size is within `stop_after` (the walk stops once it is past).
struct payload_measure {
    std::size_t size = 0;
    bool too_deep = false;
};
inline payload_measure measure_payload(const json& value, std::size_t stop_after, std::size_t max_depth) {
    payload_measure m;
    m.size = json_size_walk::walk<true>(value, stop_after, max_depth, &m.too_deep);
    return m;
}

// Whether `value`, serialised compactly, takes more than `limit` bytes (stops at the limit).
inline bool exceeds_size(const json& value, std::size_t limit) { return serialized_size(value, limit) > limit; }

// Whether `value` nests objects and arrays more than `max_depth` levels deep (a scalar is
// depth 0, `[]` depth 1). Iterative: a document nested 100,000 deep is checked, not followed
// down the stack; nlohmann's copy and comparison recurse, so the engine refuses such payloads
// before anything copies them.
inline bool exceeds_depth(const json& value, std::size_t max_depth) {
    if (!value.is_structured()) return false;
    // Pending nodes and their depth; a fixed buffer while they fit, as exceeds_size does, so
    // the check on every start and task result rarely touches the heap.
    using entry = std::pair<const json*, std::size_t>;
    std::array<entry, 32> inline_stack;
    std::vector<entry> spilled;
    std::size_t count = 0;
    auto push = [&](const json* node, std::size_t depth) {
        if (count < inline_stack.size()) inline_stack[count++] = {node, depth};
        else spilled.emplace_back(node, depth);
    };
    push(&value, 1);
    while (count != 0 || !spilled.empty()) {
        entry top;
        if (!spilled.empty()) {
            top = spilled.back();
            spilled.pop_back();
        } else {
            top = inline_stack[--count];
        }
        if (top.second > max_depth) return true;
        if (top.first->is_object()) {
            for (auto it = top.first->begin(); it != top.first->end(); ++it)
                if (it.value().is_structured()) push(&it.value(), top.second + 1);
        } else {
            for (const auto& item : *top.first)
                if (item.is_structured()) push(&item, top.second + 1);
        }
    }
    return false;
}

} // namespace stepfn::detail

#endif
