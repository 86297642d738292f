#ifndef STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_AST_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_AST_HPP

// The compiled form of a JSONPath: a vector of steps, evaluated without looking at the text.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <stepfn/json.hpp>

namespace stepfn::detail::jsonpath {

// Bound on filter nesting (nested filters, parentheses, `!`), so that the recursive parser
// and evaluator cannot exhaust the stack whatever the text.
inline constexpr std::size_t max_filter_depth = 32;

enum class root_kind : std::uint8_t { input, context, variable };

enum class step_kind : std::uint8_t {
    name,     // .name  ['name']
    index,    // [3]  [-1]
    wildcard, // .*  [*]
    slice,    // [start:end:step]
    names,    // ['a','b']
    indexes,  // [0,2]
    filter    // [?(...)]
};

struct slice_bounds {
    bool has_start = false;
    bool has_end = false;
    long long start = 0;
    long long end = 0;
    long long step = 1;
};

struct filter_expr;

struct step {
    step_kind kind = step_kind::name;
    bool descend = false; // preceded by `..`: applies to the node and all its descendants
    std::string name;
    long long index = 0;
    std::vector<std::string> names;
    std::vector<long long> indexes;
    slice_bounds slice;
    std::shared_ptr<const filter_expr> filter;
};

struct path_body {
    std::vector<step> steps;
    // Only names and single indexes, no `..`: selects at most one node.
    bool definite = true;
    // Last step is a multi-name union: Jayway merges the named members into one object.
    bool merge_leaf = false;
    bool has_descent = false;
    // Only `.name`, `['name']` and `[index]` steps.
    bool reference = true;
};

// `unreadable`: a literal Jayway cannot read (an unquoted word); `literal` holds the message.
// AWS accepts such a definition, because Jayway compiles a filter only when it evaluates it;
// the evaluation then fails.
enum class operand_kind : std::uint8_t { literal, relative, absolute, unreadable };

struct operand {
    operand_kind kind = operand_kind::literal;
    json literal;
    path_body path;
};

enum class expr_kind : std::uint8_t { any_of, all_of, negation, exists, compare };
enum class compare_op : std::uint8_t { eq, ne, lt, le, gt, ge };

struct filter_expr {
    expr_kind kind = expr_kind::exists;
    compare_op op = compare_op::eq;
    std::vector<filter_expr> children; // any_of / all_of: two or more; negation: one
    operand left;                      // exists, compare
    operand right;                     // compare
};

struct parsed_path {
    root_kind root = root_kind::input;
    std::string variable;
    path_body body;
};

} // namespace stepfn::detail::jsonpath

#endif
