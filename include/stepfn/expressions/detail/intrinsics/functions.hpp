#ifndef STEPFN_EXPRESSIONS_DETAIL_INTRINSICS_FUNCTIONS_HPP
#define STEPFN_EXPRESSIONS_DETAIL_INTRINSICS_FUNCTIONS_HPP

// Evaluation of compiled intrinsic calls: the library of States.* functions.

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/detail/base64.hpp>
#include <stepfn/detail/hash.hpp>
#include <stepfn/detail/uuid_text.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/expressions/detail/intrinsics/ast.hpp>
#include <stepfn/detail/utf8.hpp>
#include <stepfn/expressions/detail/intrinsics/value_ops.hpp>
#include <stepfn/expressions/eval_env.hpp>
#include <stepfn/expressions/json_path.hpp>

namespace stepfn {
namespace detail {
namespace intrinsics {

// An evaluated argument: borrowed (a literal, or a node found in the input) or owned (the
// result of a nested call or an indefinite path). Borrowing keeps `States.ArrayLength($.big)`
// from copying the array.
class arg_value {
public:
    explicit arg_value(const json* borrowed) noexcept : ref_(borrowed) {}
    explicit arg_value(json&& owned) noexcept : owned_(std::move(owned)) {}

    const json& get() const noexcept { return ref_ != nullptr ? *ref_ : owned_; }
    // The value itself: moved out when owned, copied when borrowed.
    json take() { return ref_ != nullptr ? *ref_ : std::move(owned_); }

private:
    json owned_;
    const json* ref_ = nullptr;
};

using arg_list = std::vector<arg_value>;

inline tl::unexpected<error> fail(const signature& sig, const std::string& problem) {
    return make_error(errors::intrinsic_failure, std::string(sig.name) + ": " + problem);
}

inline std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + ' ' + (n == 1 ? one : many);
}

// Long values are cut in messages so a cause stays readable.
inline std::string snippet(const json& value) {
    std::string text = value.is_string() ? value.get_ref<const std::string&>() : compact_json(value);
    if (text.size() > 100) text = text.substr(0, 97) + "...";
    return text;
}

inline result<std::int64_t> integer_arg(const signature& sig, const arg_list& args, std::size_t index) {
    std::int64_t n = 0;
    if (!java_round(args[index].get(), n))
        return fail(sig, "argument " + std::to_string(index + 1) + " (" + snippet(args[index].get()) +
                             ") is outside the 64-bit integer range");
    return n;
}

inline result<void> check_length_limit(const signature& sig, std::string_view text, const limits& bounds) {
    const std::size_t length = utf8_length(text);
    if (length > bounds.max_intrinsic_string_chars)
        return fail(sig, "the input has " + std::to_string(length) + " characters, more than the limit of " +
                             std::to_string(bounds.max_intrinsic_string_chars));
    return {};
}

// Splits a States.Format template into the text around its `{}` placeholders. `escapes`:
// whether `\{`, `\}`, `\'` and `\\` are escapes (raw text of a literal) or plain characters
// (a template read from the input). Returns false on a lone `{` or `}` when escapes apply,
// because AWS reserves those characters in literals.
inline bool split_template(std::string_view text, bool escapes, std::vector<std::string>& pieces,
                           std::size_t* bad_at = nullptr) {
    pieces.assign(1, std::string());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (escapes && c == '\\' && i + 1 < text.size()) {
            pieces.back() += text[++i];
        } else if (c == '{' && i + 1 < text.size() && text[i + 1] == '}') {
            pieces.emplace_back();
            ++i;
        } else if (escapes && (c == '{' || c == '}')) {
            if (bad_at != nullptr) *bad_at = i;
            return false;
        } else {
            pieces.back() += c;
        }
    }
    return true;
}

inline result<json> fn_format(const call_node& call, const arg_list& args) {
    const signature& sig = *call.sig;
    std::vector<std::string> runtime_pieces;
    const std::vector<std::string>* pieces = &call.format_pieces;
    if (pieces->empty()) {
        split_template(args[0].get().get_ref<const std::string&>(), false, runtime_pieces);
        pieces = &runtime_pieces;
    }
    const std::size_t placeholders = pieces->size() - 1;
    const std::size_t values = args.size() - 1;
    if (placeholders != values)
        return fail(sig, "the template has " + plural(placeholders, "placeholder", "placeholders") +
                             " '{}' but " + plural(values, "value was", "values were") + " given");
    std::string out = (*pieces)[0];
    for (std::size_t i = 1; i < pieces->size(); ++i) {
        append_java_style(out, args[i].get());
        out += (*pieces)[i];
    }
    return json(std::move(out));
}

inline result<json> fn_string_to_json(const signature& sig, const arg_list& args) {
    const auto& text = args[0].get().get_ref<const std::string&>();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json(nullptr);
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) return fail(sig, "the argument is not valid JSON text: '" + snippet(text) + "'");
    return parsed;
}

inline result<json> fn_array_partition(const signature& sig, arg_list& args) {
    const auto size = integer_arg(sig, args, 1);
    if (!size) return tl::make_unexpected(size.error());
    if (*size <= 0) return fail(sig, "the chunk size must be a positive integer, got " + std::to_string(*size));
    json source = args[0].take();
    const auto chunk = static_cast<std::uint64_t>(*size);
    json out = json::array();
    json current = json::array();
    for (auto& item : source) {
        current.push_back(std::move(item));
        if (current.size() == chunk) {
            out.push_back(std::move(current));
            current = json::array();
        }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

inline result<json> fn_array_range(const signature& sig, const arg_list& args, const limits& bounds) {
    std::int64_t v[3] = {};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto n = integer_arg(sig, args, i);
        if (!n) return tl::make_unexpected(n.error());
        v[i] = *n;
    }
    const std::int64_t start = v[0], end = v[1], step = v[2];
    if (step == 0) return fail(sig, "the step must not be 0");
    // Counted in unsigned arithmetic: end - start may not fit in an int64.
    // `steps` + 1 items; 2^64 of them cannot be counted in a uint64.
    std::uint64_t steps = 0;
    bool empty = false;
    if (step > 0 && end >= start)
        steps = (static_cast<std::uint64_t>(end) - static_cast<std::uint64_t>(start)) / static_cast<std::uint64_t>(step);
    else if (step < 0 && start >= end)
        steps = (static_cast<std::uint64_t>(start) - static_cast<std::uint64_t>(end)) /
                (static_cast<std::uint64_t>(-(step + 1)) + 1U);
    else
        empty = true;
    if (!empty && steps >= bounds.max_array_range_items) {
        const std::string count = steps == (std::numeric_limits<std::uint64_t>::max)() ? "18446744073709551616"
                                                                                      : std::to_string(steps + 1);
        return fail(sig, "the range would have " + count + " items, more than the limit of " +
                             std::to_string(bounds.max_array_range_items));
    }
    const std::uint64_t count = empty ? 0 : steps + 1;
    json out = json::array();
    std::uint64_t value = static_cast<std::uint64_t>(start);  // wraps like int64 but without UB
    for (std::uint64_t i = 0; i < count; ++i, value += static_cast<std::uint64_t>(step))
        out.push_back(static_cast<std::int64_t>(value));
    return out;
}

inline result<json> fn_array_get_item(const signature& sig, arg_list& args) {
    const auto index = integer_arg(sig, args, 1);
    if (!index) return tl::make_unexpected(index.error());
    const std::size_t size = args[0].get().size();
    if (*index < 0 || static_cast<std::uint64_t>(*index) >= size)
        return fail(sig, "index " + std::to_string(*index) + " is out of range for an array of " +
                             plural(size, "item", "items"));
    json source = args[0].take();
    return std::move(source[static_cast<std::size_t>(*index)]);
}

inline result<json> fn_array_unique(arg_list& args) {
    json source = args[0].take();
    json out = json::array();
    // Buckets of indexes into `out` by hash, so large arrays are not compared pairwise.
    std::unordered_map<std::size_t, std::vector<std::size_t>> seen;
    seen.reserve(source.size());
    for (auto& item : source) {
        auto& bucket = seen[deep_hash(item)];
        bool duplicate = false;
        for (const std::size_t i : bucket)
            if (deep_equal(out[i], item)) { duplicate = true; break; }
        if (duplicate) continue;
        bucket.push_back(out.size());
        out.push_back(std::move(item));
    }
    return out;
}

inline result<json> fn_base64_decode(const signature& sig, const arg_list& args, const limits& bounds) {
    const auto& text = args[0].get().get_ref<const std::string&>();
    if (auto ok = check_length_limit(sig, text, bounds); !ok) return tl::make_unexpected(ok.error());
    std::string bytes;
    if (!base64_decode(text, bytes)) return fail(sig, "the argument is not valid base64: '" + snippet(text) + "'");
    return json(utf8_repair(std::move(bytes)));
}

inline result<json> fn_hash(const signature& sig, const arg_list& args, const limits& bounds) {
    const json& data = args[0].get();
    const std::string text = data.is_string() ? data.get_ref<const std::string&>() : compact_json(data);
    if (auto ok = check_length_limit(sig, text, bounds); !ok) return tl::make_unexpected(ok.error());
    const auto& name = args[1].get().get_ref<const std::string&>();
    hash_algorithm algorithm{};
    if (!parse_hash_algorithm(name, algorithm))
        return fail(sig, "unsupported algorithm '" + snippet(name) + "'; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512");
    return json(hex_digest(algorithm, text));
}

inline result<json> fn_json_merge(const signature& sig, arg_list& args) {
    if (args[2].get().get<bool>())
        return fail(sig, "deep merging (true) is not supported; the third argument must be false");
    json out = args[0].take();
    json overrides = args[1].take();
    for (auto it = overrides.begin(); it != overrides.end(); ++it) out[it.key()] = std::move(it.value());
    return out;
}

// splitmix64 (Steele, Lea & Flood): the same sequence on every platform and standard library,
// which std::*_distribution does not promise.
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

inline result<json> fn_math_random(const signature& sig, const arg_list& args, const eval_env& env) {
    const auto start = integer_arg(sig, args, 0);
    if (!start) return tl::make_unexpected(start.error());
    const auto end = integer_arg(sig, args, 1);
    if (!end) return tl::make_unexpected(end.error());
    if (*start >= *end)
        return fail(sig, "the start (" + std::to_string(*start) + ") must be less than the end (" +
                             std::to_string(*end) + "), which is exclusive");
    const bool seeded = args.size() == 3;
    std::uint64_t state = 0;
    if (seeded) {
        const auto seed = integer_arg(sig, args, 2);
        if (!seed) return tl::make_unexpected(seed.error());
        state = static_cast<std::uint64_t>(*seed);
    }
    const auto draw = [&] { return seeded ? splitmix64(state) : env.random(); };
    const std::uint64_t span = static_cast<std::uint64_t>(*end) - static_cast<std::uint64_t>(*start);
    // Rejection sampling: drop the lowest 2^64 mod span draws so every value is equally likely.
    const std::uint64_t threshold = (0U - span) % span;
    std::uint64_t r = draw();
    while (r < threshold) r = draw();
    return json(static_cast<std::int64_t>(static_cast<std::uint64_t>(*start) + r % span));
}

inline result<json> fn_math_add(const signature& sig, const arg_list& args) {
    const auto a = integer_arg(sig, args, 0);
    if (!a) return tl::make_unexpected(a.error());
    const auto b = integer_arg(sig, args, 1);
    if (!b) return tl::make_unexpected(b.error());
    constexpr std::int64_t max = (std::numeric_limits<std::int64_t>::max)();
    constexpr std::int64_t min = (std::numeric_limits<std::int64_t>::min)();
    if ((*b > 0 && *a > max - *b) || (*b < 0 && *a < min - *b))
        return fail(sig, "the sum of " + std::to_string(*a) + " and " + std::to_string(*b) +
                             " does not fit in a 64-bit integer");
    return json(*a + *b);
}

// As Java's StringTokenizer: every character of `delimiters` separates tokens and empty
// tokens are dropped.
inline result<json> fn_string_split(const arg_list& args) {
    const std::string_view text = args[0].get().get_ref<const std::string&>();
    const std::string_view delimiters = args[1].get().get_ref<const std::string&>();
    std::bitset<128> ascii;
    std::vector<std::string_view> wide;  // multi-byte delimiter characters
    for (std::size_t i = 0; i < delimiters.size();) {
        const std::size_t n = (std::max)(utf8_sequence_length(delimiters, i), std::size_t{1});
        const auto byte = static_cast<unsigned char>(delimiters[i]);
        if (n == 1 && byte < 128) ascii.set(byte);
        else wide.push_back(delimiters.substr(i, n));
        i += n;
    }
    json out = json::array();
    std::size_t token_start = 0;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = (std::max)(utf8_sequence_length(text, i), std::size_t{1});
        const auto byte = static_cast<unsigned char>(text[i]);
        bool is_delimiter = n == 1 && byte < 128 ? ascii.test(byte) : false;
        if (!is_delimiter && !wide.empty()) {
            const auto ch = text.substr(i, n);
            for (const auto& w : wide)
                if (w == ch) { is_delimiter = true; break; }
        }
        if (is_delimiter) {
            if (i > token_start) out.push_back(std::string(text.substr(token_start, i - token_start)));
            token_start = i + n;
        }
        i += n;
    }
    if (text.size() > token_start) out.push_back(std::string(text.substr(token_start)));
    return out;
}

inline json make_uuid(const eval_env& env) {
    const std::uint64_t high = env.random();
    const std::uint64_t low = env.random();
    return json(uuid_v4_text(high, low));
}

inline result<json> apply(const call_node& call, arg_list& args, const eval_env& env, const limits& bounds) {
    const signature& sig = *call.sig;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const value_type expected = sig.param(i);
        if (!matches(expected, args[i].get()))
            return fail(sig, "argument " + std::to_string(i + 1) + " must be " + describe(expected) + ", got " +
                                 args[i].get().type_name() + " " + snippet(args[i].get()));
    }
    switch (sig.id) {
    case function_id::format: return fn_format(call, args);
    case function_id::string_to_json: return fn_string_to_json(sig, args);
    case function_id::json_to_string: return json(compact_json(args[0].get()));
    case function_id::array: {
        json out = json::array();
        for (auto& a : args) out.push_back(a.take());
        return out;
    }
    case function_id::array_partition: return fn_array_partition(sig, args);
    case function_id::array_contains: {
        const json& needle = args[1].get();
        for (const auto& item : args[0].get())
            if (deep_equal(item, needle)) return json(true);
        return json(false);
    }
    case function_id::array_range: return fn_array_range(sig, args, bounds);
    case function_id::array_get_item: return fn_array_get_item(sig, args);
    case function_id::array_length: return json(args[0].get().size());
    case function_id::array_unique: return fn_array_unique(args);
    case function_id::base64_encode: {
        const auto& text = args[0].get().get_ref<const std::string&>();
        if (auto ok = check_length_limit(sig, text, bounds); !ok) return tl::make_unexpected(ok.error());
        return json(base64_encode(text));
    }
    case function_id::base64_decode: return fn_base64_decode(sig, args, bounds);
    case function_id::hash: return fn_hash(sig, args, bounds);
    case function_id::json_merge: return fn_json_merge(sig, args);
    case function_id::math_random: return fn_math_random(sig, args, env);
    case function_id::math_add: return fn_math_add(sig, args);
    case function_id::string_split: return fn_string_split(args);
    case function_id::uuid: return make_uuid(env);
    }
    return fail(sig, "not implemented");
}

inline result<json> evaluate_call(const call_node& call, const json& input, const eval_env& env,
                                  const limits& bounds);

inline result<arg_value> evaluate_arg(const arg_node& arg, const json& input, const eval_env& env,
                                      const limits& bounds) {
    switch (arg.what) {
    case arg_node::kind::literal: return arg_value(&arg.literal);
    case arg_node::kind::path: {
        if (arg.path.is_definite())
            if (const json* found = arg.path.find(input, env)) return arg_value(found);
        auto value = arg.path.evaluate(input, env);  // also yields the States.Runtime error
        if (!value) return tl::make_unexpected(std::move(value.error()));
        return arg_value(std::move(*value));
    }
    case arg_node::kind::call: {
        auto value = evaluate_call(*arg.call, input, env, bounds);
        if (!value) return tl::make_unexpected(std::move(value.error()));
        return arg_value(std::move(*value));
    }
    }
    return arg_value(&arg.literal);
}

inline result<json> evaluate_call(const call_node& call, const json& input, const eval_env& env,
                                  const limits& bounds) {
    arg_list args;
    args.reserve(call.args.size());
    for (const auto& arg : call.args) {
        auto value = evaluate_arg(arg, input, env, bounds);
        if (!value) return tl::make_unexpected(std::move(value.error()));
        args.push_back(std::move(*value));
    }
    return apply(call, args, env, bounds);
}

} // namespace intrinsics
} // namespace detail
} // namespace stepfn

#endif
