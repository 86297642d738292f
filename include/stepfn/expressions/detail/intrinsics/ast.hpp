#ifndef STEPFN_EXPRESSIONS_DETAIL_INTRINSICS_AST_HPP
#define STEPFN_EXPRESSIONS_DETAIL_INTRINSICS_AST_HPP

// The compiled form of an intrinsic call and the table of known functions.

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/json.hpp>
#include <stepfn/expressions/json_path.hpp>

namespace stepfn {
namespace detail {
namespace intrinsics {

enum class function_id {
    format, string_to_json, json_to_string, array, array_partition, array_contains, array_range,
    array_get_item, array_length, array_unique, base64_encode, base64_decode, hash, json_merge,
    math_random, math_add, string_split, uuid
};

// What an argument must be, or what a function returns. `integer` accepts any number and
// rounds it (AWS documents rounding non-integers "to the nearest integer").
enum class value_type : unsigned char { any, string, integer, number, boolean, array, object };

inline const char* describe(value_type type) noexcept {
    switch (type) {
    case value_type::any: return "any value";
    case value_type::string: return "a string";
    case value_type::integer: return "an integer";
    case value_type::number: return "a number";
    case value_type::boolean: return "a boolean";
    case value_type::array: return "an array";
    case value_type::object: return "an object";
    }
    return "any value";
}

inline bool matches(value_type type, const json& value) noexcept {
    switch (type) {
    case value_type::any: return true;
    case value_type::string: return value.is_string();
    case value_type::integer:
    case value_type::number: return value.is_number();
    case value_type::boolean: return value.is_boolean();
    case value_type::array: return value.is_array();
    case value_type::object: return value.is_object();
    }
    return false;
}

inline constexpr std::size_t unbounded = static_cast<std::size_t>(-1);

struct signature {
    std::string_view name;
    function_id id;
    std::size_t min_args;
    std::size_t max_args;
    value_type returns;
    // Types of the first three parameters; later ones (variadic functions) take any value.
    std::array<value_type, 3> params;
    // False when the result depends on more than the arguments (UUID, unseeded MathRandom).
    bool pure;

    value_type param(std::size_t index) const noexcept {
        return index < params.size() ? params[index] : value_type::any;
    }
};

// Constant data, so no function-local static (and no guard) is needed.
inline constexpr std::array<signature, 18> signature_table = {{
    {"States.Format", function_id::format, 1, unbounded, value_type::string,
     {value_type::string, value_type::any, value_type::any}, true},
    {"States.StringToJson", function_id::string_to_json, 1, 1, value_type::any,
     {value_type::string, value_type::any, value_type::any}, true},
    {"States.JsonToString", function_id::json_to_string, 1, 1, value_type::string,
     {value_type::any, value_type::any, value_type::any}, true},
    {"States.Array", function_id::array, 0, unbounded, value_type::array,
     {value_type::any, value_type::any, value_type::any}, true},
    {"States.ArrayPartition", function_id::array_partition, 2, 2, value_type::array,
     {value_type::array, value_type::integer, value_type::any}, true},
    {"States.ArrayContains", function_id::array_contains, 2, 2, value_type::boolean,
     {value_type::array, value_type::any, value_type::any}, true},
    {"States.ArrayRange", function_id::array_range, 3, 3, value_type::array,
     {value_type::integer, value_type::integer, value_type::integer}, true},
    {"States.ArrayGetItem", function_id::array_get_item, 2, 2, value_type::any,
     {value_type::array, value_type::integer, value_type::any}, true},
    {"States.ArrayLength", function_id::array_length, 1, 1, value_type::integer,
     {value_type::array, value_type::any, value_type::any}, true},
    {"States.ArrayUnique", function_id::array_unique, 1, 1, value_type::array,
     {value_type::array, value_type::any, value_type::any}, true},
    {"States.Base64Encode", function_id::base64_encode, 1, 1, value_type::string,
     {value_type::string, value_type::any, value_type::any}, true},
    {"States.Base64Decode", function_id::base64_decode, 1, 1, value_type::string,
     {value_type::string, value_type::any, value_type::any}, true},
    {"States.Hash", function_id::hash, 2, 2, value_type::string,
     {value_type::any, value_type::string, value_type::any}, true},
    {"States.JsonMerge", function_id::json_merge, 3, 3, value_type::object,
     {value_type::object, value_type::object, value_type::boolean}, true},
    // Pure only with a seed; see is_pure().
    {"States.MathRandom", function_id::math_random, 2, 3, value_type::integer,
     {value_type::integer, value_type::integer, value_type::integer}, false},
    {"States.MathAdd", function_id::math_add, 2, 2, value_type::integer,
     {value_type::number, value_type::number, value_type::any}, true},
    {"States.StringSplit", function_id::string_split, 2, 2, value_type::array,
     {value_type::string, value_type::string, value_type::any}, true},
    {"States.UUID", function_id::uuid, 0, 0, value_type::string,
     {value_type::any, value_type::any, value_type::any}, false},
}};

inline const signature* find_signature(std::string_view name) noexcept {
    for (const auto& s : signature_table)
        if (s.name == name) return &s;
    return nullptr;
}

struct call_node;

// One argument: a literal, a path, or a nested call. Calls whose arguments are all literals
// and whose result depends only on them are folded into literals at parse time.
struct arg_node {
    enum class kind : unsigned char { literal, path, call };
    kind what = kind::literal;
    json literal;
    json_path path;
    std::shared_ptr<const call_node> call;
    std::size_t column = 0;  // 1-based, for messages
    const signature* folded_from = nullptr;  // the function a folded literal came from
};

struct call_node {
    const signature* sig = nullptr;
    std::vector<arg_node> args;
    std::size_t column = 0;
    // States.Format with a literal template: the text between placeholders, unescaped
    // (pieces.size() == placeholders + 1). Empty otherwise.
    std::vector<std::string> format_pieces;
};

inline bool is_pure(const call_node& call) noexcept {
    return call.sig->pure || (call.sig->id == function_id::math_random && call.args.size() == 3);
}

} // namespace intrinsics
} // namespace detail
} // namespace stepfn

#endif
