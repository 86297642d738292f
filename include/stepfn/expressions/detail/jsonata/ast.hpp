#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_AST_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_AST_HPP

// The compiled form of an expression: one tree of nodes owned by an arena, in the shape the
// evaluator walks (paths as step lists with their predicate stages, grouping and sorting
// attached to the step they follow), so evaluation never looks at text.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/json.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

struct signature;
struct regex_program;
struct builtin_def;

enum class node_type : std::uint8_t {
    path, name, string, number, literal, wildcard, descendant, parent, variable, regex,
    negate, array, object, block, condition, bind, call, partial, placeholder, lambda, apply,
    transform, sort, binary, range,
    // parser-only shapes, rewritten before evaluation
    dot, predicate, group, focus, index, sort_raw
};

enum class binary_op : std::uint8_t { add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, concat, and_, or_, in };

struct node;

struct stage {
    const node* filter = nullptr;  // a predicate, or
    std::string index_var;         // an index binding `#$i` placed after predicates
};

struct sort_term {
    node* expr = nullptr;
    bool descending = false;
};

// What eval() reads of every node comes first, so a node costs one cache line until its
// operands are needed: an evaluation walks many small trees that are rarely in cache.
struct alignas(64) node {
    node_type type = node_type::literal;
    binary_op op = binary_op::add;
    bool has_group = false;
    bool keep_array = false;                       // `[]`
    bool cons_array = false;                       // array constructor first/last step of a path
    bool keep_singleton_array = false;             // on a path containing a `[]` step
    bool tuple = false;                            // step binds focus/index variables
    bool scope = false;                            // block that binds variables: needs its own frame
    node* lhs = nullptr;
    node* rhs = nullptr;
    std::vector<stage> predicates;                 // filters applied to this node's own value
    json lit;         // the literal value of string/number/literal nodes
    node* third = nullptr;
    const builtin_def* builtin = nullptr;          // variable naming a built-in function
    std::vector<node*> items;                      // steps, array items, block, arguments, parameters
    std::string str;  // name, string value, variable name, operator text
    std::vector<std::pair<node*, node*>> pairs;    // object constructor
    std::vector<std::pair<node*, node*>> group;    // `{...}` grouping after this node
    std::vector<stage> stages;                     // filters applied per step input (path steps)
    std::vector<sort_term> terms;
    std::string focus;                             // `@$v`
    std::string index_var;                         // `#$i`
    std::size_t position = 0;
    std::shared_ptr<const signature> sig;
    std::shared_ptr<const regex_program> re;
};

class arena {
public:
    node* make(node_type type, std::size_t position) {
        nodes_.push_back(std::make_unique<node>());
        node* n = nodes_.back().get();
        n->type = type;
        n->position = position;
        return n;
    }

private:
    std::vector<std::unique_ptr<node>> nodes_;
};

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
