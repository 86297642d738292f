#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_HPP

// The built-in function table: name, the reference's signature, implementation, and the arity
// higher-order functions see (JavaScript's Function.length). $eval is absent, as on AWS.

#include <string_view>
#include <vector>

#include <stepfn/expressions/detail/jsonata/functions_array.hpp>
#include <stepfn/expressions/detail/jsonata/functions_aws.hpp>
#include <stepfn/expressions/detail/jsonata/functions_format.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

inline std::vector<builtin_def> make_builtins() {
    std::vector<builtin_def> t = {
        {"string", "<x-b?:s>", fn_string, 1, false, {}, {}},
        {"length", "<s-:n>", fn_length, 1, false, {}, {}},
        {"substring", "<s-nn?:s>", fn_substring, 3, false, {}, {}},
        {"substringBefore", "<s-s:s>", fn_substring_before, 2, false, {}, {}},
        {"substringAfter", "<s-s:s>", fn_substring_after, 2, false, {}, {}},
        {"lowercase", "<s-:s>", fn_lowercase, 1, false, {}, {}},
        {"uppercase", "<s-:s>", fn_uppercase, 1, false, {}, {}},
        {"trim", "<s-:s>", fn_trim, 1, false, {}, {}},
        {"pad", "<s-ns?:s>", fn_pad, 3, false, {}, {}},
        {"contains", "<s-(sf):b>", fn_contains, 2, false, {}, {}},
        {"split", "<s-(sf)n?:a<s>>", fn_split, 3, false, {}, {}},
        {"join", "<a<s>s?:s>", fn_join, 2, false, {}, {}},
        {"match", "<s-f<s:o>n?:a<o>>", fn_match, 3, false, {}, {}},
        {"replace", "<s-(sf)(sf)n?:s>", fn_replace, 4, false, {}, {}},
        {"base64encode", "<s-:s>", fn_base64encode, 1, false, {}, {}},
        {"base64decode", "<s-:s>", fn_base64decode, 1, false, {}, {}},
        {"encodeUrlComponent", "<s-:s>", fn_encode_url_component, 1, false, {}, {}},
        {"encodeUrl", "<s-:s>", fn_encode_url, 1, false, {}, {}},
        {"decodeUrlComponent", "<s-:s>", fn_decode_url_component, 1, false, {}, {}},
        {"decodeUrl", "<s-:s>", fn_decode_url, 1, false, {}, {}},
        {"formatNumber", "<n-so?:s>", fn_format_number, 3, false, {}, {}},
        {"formatBase", "<n-n?:s>", fn_format_base, 2, false, {}, {}},
        {"formatInteger", "<n-s:s>", fn_format_integer, 2, false, {}, {}},
        {"parseInteger", "<s-s:n>", fn_parse_integer, 2, false, {}, {}},
        {"number", "<(nsb)-:n>", fn_number, 1, false, {}, {}},
        {"abs", "<n-:n>", fn_abs, 1, false, {}, {}},
        {"floor", "<n-:n>", fn_floor, 1, false, {}, {}},
        {"ceil", "<n-:n>", fn_ceil, 1, false, {}, {}},
        {"round", "<n-n?:n>", fn_round, 2, false, {}, {}},
        {"power", "<n-n:n>", fn_power, 2, false, {}, {}},
        {"sqrt", "<n-:n>", fn_sqrt, 1, false, {}, {}},
        {"random", "<n?:n>", fn_random, 0, false, {}, {}},
        {"sum", "<a<n>:n>", fn_sum, 1, false, {}, {}},
        {"max", "<a<n>:n>", fn_max, 1, false, {}, {}},
        {"min", "<a<n>:n>", fn_min, 1, false, {}, {}},
        {"average", "<a<n>:n>", fn_average, 1, false, {}, {}},
        {"boolean", "<x-:b>", fn_boolean, 1, false, {}, {}},
        {"not", "<x-:b>", fn_not, 1, false, {}, {}},
        {"exists", "<x:b>", fn_exists, 1, false, {}, {}},
        {"count", "<a:n>", fn_count, 1, false, {}, {}},
        {"append", "<xx:a>", fn_append, 2, false, {}, {}},
        {"sort", "<af?:a>", fn_sort, 2, false, {}, {}},
        {"reverse", "<a:a>", fn_reverse, 1, false, {}, {}},
        {"shuffle", "<a:a>", fn_shuffle, 1, false, {}, {}},
        {"distinct", "<x:x>", fn_distinct, 1, false, {}, {}},
        {"zip", "<a+>", fn_zip, 0, false, {}, {}},
        {"keys", "<x-:a<s>>", fn_keys, 1, false, {}, {}},
        {"lookup", "<x-s:x>", fn_lookup, 2, false, {}, {}},
        {"spread", "<x-:a<o>>", fn_spread, 1, false, {}, {}},
        {"merge", "<a<o>:o>", fn_merge, 1, false, {}, {}},
        {"sift", "<o-f?:o>", fn_sift, 2, false, {}, {}},
        {"each", "<o-f:a>", fn_each, 2, false, {}, {}},
        {"clone", "<(oa)-:(oa)>", fn_clone, 1, false, {}, {}},
        {"error", "<s?:x>", fn_error, 1, false, {}, {}},
        {"assert", "<bs?:x>", fn_assert, 2, false, {}, {}},
        {"type", "<x:s>", fn_type, 1, false, {}, {}},
        {"now", "<s?s?:s>", fn_now, 2, false, {}, {}},
        {"millis", "<:n>", fn_millis, 0, false, {}, {}},
        {"fromMillis", "<n-s?s?:s>", fn_from_millis, 3, false, {}, {}},
        {"toMillis", "<s-s?:n>", fn_to_millis, 2, false, {}, {}},
        {"map", "<af>", fn_map, 2, false, {}, {}},
        {"filter", "<af>", fn_filter, 2, false, {}, {}},
        {"single", "<af?>", fn_single, 2, false, {}, {}},
        {"reduce", "<afj?:j>", fn_reduce, 3, false, {}, {}},
        {"partition", "<an:a>", fn_partition, 2, true, {}, {}},
        {"range", "<nnn?:a>", fn_range, 3, true, {}, {}},
        {"hash", "<s-s?:s>", fn_hash, 2, true, {}, {}},
        {"uuid", "<:s>", fn_uuid, 0, true, {}, {}},
        {"parse", "<s-:j>", fn_parse, 1, true, {}, {}},
    };
    for (auto& b : t) {
        auto sig = parse_signature(b.sig);
        if (sig) b.parsed = *sig;
    }
    for (auto& b : t) {
        auto f = std::make_shared<function_value>();
        f->k = function_value::kind::builtin;
        f->builtin = &b;
        b.fn = std::move(f);
    }
    return t;
}

// One immutable table per program; duplicates across shared objects would be harmless.
inline const std::vector<builtin_def>& builtins() {
    static const std::vector<builtin_def> table = make_builtins();
    return table;
}

inline const builtin_def* find_builtin(std::string_view name) {
    for (const auto& b : builtins())
        if (name == b.name) return &b;
    return nullptr;
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
