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
struct prepared_picture;

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

// The parts few nodes have (and eval() reads only on those nodes): kept out of line so that a
// node is two cache lines.
struct node_parts {
    std::vector<stage> predicates;                 // filters applied to this node's own value
    std::vector<std::pair<node*, node*>> pairs;    // object constructor
    std::vector<std::pair<node*, node*>> group;    // `{...}` grouping after this node
    std::vector<stage> stages;                     // filters applied per step input (path steps)
    std::vector<sort_term> terms;
    std::string focus;                             // `@$v`
    std::string index_var;                         // `#$i`
    std::shared_ptr<const signature> sig;
    std::shared_ptr<const regex_program> re;
    std::shared_ptr<const prepared_picture> picture;  // a call's literal picture, analysed

    bool empty() const {
        return predicates.empty() && pairs.empty() && group.empty() && stages.empty() && terms.empty() &&
               focus.empty() && index_var.empty() && !sig && !re && !picture;
    }
};

// What eval() reads of every node comes first, so a node costs one cache line until its
// operands are needed, and a program's nodes lie next to each other: an evaluation walks many
// small trees that are rarely in cache.
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
    std::unique_ptr<node_parts> parts_;            // null when the node has none of them
    json lit;         // the literal value of string/number/literal nodes
    const builtin_def* builtin = nullptr;          // variable naming a built-in function
    node* third = nullptr;
    std::vector<node*> items;                      // steps, array items, block, arguments, parameters
    std::string str;  // name, string value, variable name, operator text
    std::size_t position = 0;

    bool has_predicates() const { return parts_ != nullptr && !parts_->predicates.empty(); }
    // The out-of-line parts, made when first written.
    node_parts& x() {
        if (!parts_) parts_ = std::make_unique<node_parts>();
        return *parts_;
    }
    const node_parts& x() const {
        static const node_parts none;
        return parts_ ? *parts_ : none;
    }
};

// Nodes in chunks, so that one expression's nodes are contiguous; the first few live in the
// arena itself, next to the program that owns it, so a small expression is one block of memory.
class arena {
public:
    arena() = default;
    arena(const arena&) = delete;
    arena& operator=(const arena&) = delete;

    node* make(node_type type, std::size_t position) {
        node* n = nullptr;
        if (first_used_ < first_size) {
            n = &first_[first_used_++];
        } else {
            if (used_ == chunk_size || chunks_.empty()) {
                chunks_.push_back(std::make_unique<node[]>(chunk_size));
                used_ = 0;
            }
            n = &chunks_.back()[used_++];
        }
        n->type = type;
        n->position = position;
        return n;
    }

    // Drops the out-of-line parts that were made but are empty, so eval() does not read them.
    void trim() {
        for (std::size_t i = 0; i < first_used_; ++i) trim(first_[i]);
        for (std::size_t c = 0; c < chunks_.size(); ++c) {
            const std::size_t count = c + 1 == chunks_.size() ? used_ : chunk_size;
            for (std::size_t i = 0; i < count; ++i) trim(chunks_[c][i]);
        }
    }

private:
    static void trim(node& n) {
        if (n.parts_ && n.parts_->empty()) n.parts_.reset();
    }

    static constexpr std::size_t first_size = 8;
    static constexpr std::size_t chunk_size = 16;
    node first_[first_size];
    std::size_t first_used_ = 0;
    std::vector<std::unique_ptr<node[]>> chunks_;
    std::size_t used_ = 0;
};

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
