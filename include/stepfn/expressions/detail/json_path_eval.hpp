#ifndef STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_EVAL_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_EVAL_HPP

// Evaluation of a compiled path_body. Steps are applied one after another to a list of node
// pointers (no recursion over the document); `..` walks the subtree with an explicit stack.
// Only filters recurse, and their depth is bounded at parse time. Every evaluation carries a
// budget: `..` inside `..` (a filter such as `$..[?(@..* == 1)]`) does work quadratic in the
// document, and `$..*` copies each node once per ancestor, so both the work and the size of
// what is copied are bounded and the evaluation stops as soon as either runs out.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <stepfn/detail/json_size.hpp>
#include <stepfn/json.hpp>
#include <stepfn/expressions/detail/json_path_ast.hpp>
#include <stepfn/expressions/detail/json_path_parser.hpp>

namespace stepfn::detail::jsonpath {

// What one evaluation may still do. Once spent, every loop stops and the caller reports why.
struct eval_budget {
    enum class reason : std::uint8_t { none, work, size, unreadable };
    std::size_t work_left = 0;  // nodes visited, selected and copied
    std::size_t max_bytes = 0;  // the size of one selection (the payload limit)
    reason spent = reason::none;
    std::string message;        // reason::unreadable: what the filter could not read

    eval_budget(std::size_t work, std::size_t bytes) : work_left(work), max_bytes(bytes) {}

    bool exhausted() const noexcept { return spent != reason::none; }
    bool spend(std::size_t units = 1) noexcept {
        if (spent != reason::none) return false;
        if (units > work_left) {
            work_left = 0;
            spent = reason::work;
            return false;
        }
        work_left -= units;
        return true;
    }
};

// The compact serialised size of `value`, counting each node against the budget and stopping
// once it passes `limit` (the value returned is then just over the limit).
inline std::size_t bounded_size(const json& value, std::size_t limit, eval_budget& budget) {
    std::size_t total = 0;
    std::vector<const json*> stack{&value};
    while (!stack.empty() && total <= limit) {
        const json* v = stack.back();
        stack.pop_back();
        if (!budget.spend()) break;
        switch (v->type()) {
        case json::value_t::object:
            total += 2 + (v->empty() ? 0 : v->size() - 1);
            for (auto it = v->begin(); it != v->end(); ++it) {
                total += serialized_string_size(it.key()) + 1;
                stack.push_back(&it.value());
            }
            break;
        case json::value_t::array:
            total += 2 + (v->empty() ? 0 : v->size() - 1);
            for (const auto& item : *v) stack.push_back(&item);
            break;
        case json::value_t::string: total += serialized_string_size(v->get_ref<const std::string&>()); break;
        default: total += 8; break;  // numbers, booleans, null: near enough for a bound
        }
    }
    return total;
}

// Appends a copy of `node` to `out` unless that would take the selection (`bytes` so far)
// past the budget's size; false when the budget is spent.
inline bool append_copy(const json& node, json& out, std::size_t& bytes, eval_budget& budget) {
    if (budget.exhausted()) return false;
    const std::size_t room = budget.max_bytes > bytes ? budget.max_bytes - bytes : 0;
    bytes += bounded_size(node, room, budget) + 1;
    if (budget.exhausted()) return false;
    if (bytes > budget.max_bytes) {
        budget.spent = eval_budget::reason::size;
        return false;
    }
    out.push_back(node);
    return true;
}

inline std::string compact(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

inline bool resolve_index(long long index, std::size_t size, std::size_t& out) noexcept {
    const auto n = static_cast<long long>(size);
    const long long i = index < 0 ? n + index : index;
    if (i < 0 || i >= n) return false;
    out = static_cast<std::size_t>(i);
    return true;
}

// One definite step (a name or an index); nullptr when it selects nothing.
inline const json* child_of(const step& s, const json& node) {
    if (s.kind == step_kind::name) {
        if (!node.is_object()) return nullptr;
        const auto it = node.find(s.name);
        return it == node.end() ? nullptr : &*it;
    }
    std::size_t i = 0;
    if (!node.is_array() || !resolve_index(s.index, node.size(), i)) return nullptr;
    return &node[i];
}

// The first `count` steps of a definite path, from `start`.
inline const json* walk(const path_body& body, std::size_t count, const json* start) {
    const json* node = start;
    for (std::size_t i = 0; i < count && node; ++i) node = child_of(body.steps[i], *node);
    return node;
}

// Jayway merges the members named by a multi-name leaf into one object (missing ones skipped).
inline json merge_names(const step& s, const json& object) {
    json out = json::object();
    for (const auto& n : s.names) {
        const auto it = object.find(n);
        if (it != object.end()) out[n] = *it;
    }
    return out;
}

inline bool has_all_names(const step& s, const json& object) {
    for (const auto& n : s.names)
        if (object.find(n) == object.end()) return false;
    return true;
}

// Calls fn(node) for `start` and every node below it, in document order (pre-order), until
// the budget is spent.
template <class Fn>
inline void for_each_descendant_or_self(const json& start, eval_budget& budget, Fn&& fn) {
    std::vector<const json*> stack{&start};
    while (!stack.empty() && budget.spend()) {
        const json* node = stack.back();
        stack.pop_back();
        fn(*node);
        if (node->is_structured() && !node->empty())
            for (auto it = node->crbegin(); it != node->crend(); ++it) stack.push_back(&*it);
    }
}

template <class Fn>
inline void for_each_slice_index(const slice_bounds& s, std::size_t size, Fn&& fn) {
    const auto n = static_cast<long long>(size);
    const auto clamp = [](long long v, long long lo, long long hi) { return (std::max)(lo, (std::min)(v, hi)); };
    if (s.step > 0) {
        long long b = s.has_start ? s.start : 0;
        long long e = s.has_end ? s.end : n;
        if (b < 0) b += n;
        if (e < 0) e += n;
        b = clamp(b, 0, n);
        e = clamp(e, 0, n);
        for (long long i = b; i < e; i += s.step) fn(static_cast<std::size_t>(i));
    } else {
        long long b = s.has_start ? s.start : n - 1;
        if (b < 0) b += n;
        b = clamp(b, -1, n - 1);
        long long e = -1;
        if (s.has_end) {
            e = s.end < 0 ? s.end + n : s.end;
            e = clamp(e, -1, n - 1);
        }
        for (long long i = b; i > e; i += s.step) fn(static_cast<std::size_t>(i));
    }
}

inline bool matches(const filter_expr& e, const json& current, const json& root, eval_budget& budget);
inline void select_nodes(const path_body& body, std::size_t count, const json& start, const json& root,
                         std::vector<const json*>& out, eval_budget& budget);
inline json gather(const path_body& body, const json& start, const json& root, eval_budget& budget);

// One step on one node (no `..`). `scanning`: the step is applied to every node of a subtree,
// so a filter tests object nodes themselves instead of an array's elements (which the scan
// visits anyway) — that is how Jayway avoids duplicates.
inline void apply_here(const step& s, const json& node, const json& root, bool scanning,
                       std::vector<const json*>& out, eval_budget& budget) {
    // Each selected node costs one unit too, so wide unions and wildcards are counted.
    const std::size_t before = out.size();
    switch (s.kind) {
    case step_kind::name:
    case step_kind::index:
        if (const json* hit = child_of(s, node)) out.push_back(hit);
        break;
    case step_kind::names:
        if (node.is_object())
            for (const auto& n : s.names) {
                const auto it = node.find(n);
                if (it != node.end()) out.push_back(&*it);
            }
        break;
    case step_kind::indexes:
        if (node.is_array())
            for (const long long index : s.indexes) {
                std::size_t i = 0;
                if (resolve_index(index, node.size(), i)) out.push_back(&node[i]);
            }
        break;
    case step_kind::wildcard:
        if (node.is_structured())
            for (const auto& child : node) out.push_back(&child);
        break;
    case step_kind::slice:
        if (node.is_array()) for_each_slice_index(s.slice, node.size(), [&](std::size_t i) { out.push_back(&node[i]); });
        break;
    case step_kind::filter:
        // AWS: filters select objects; scalar elements never match.
        if (node.is_object()) {
            if (matches(*s.filter, node, root, budget)) out.push_back(&node);
        } else if (node.is_array() && !scanning) {
            for (const auto& element : node) {
                if (budget.exhausted()) break;
                if (element.is_object() && matches(*s.filter, element, root, budget)) out.push_back(&element);
            }
        }
        break;
    }
    budget.spend(out.size() - before);
}

inline void apply_step(const step& s, const json& node, const json& root, std::vector<const json*>& out,
                       eval_budget& budget) {
    if (!s.descend) {
        apply_here(s, node, root, false, out, budget);
        return;
    }
    for_each_descendant_or_self(node, budget, [&](const json& n) { apply_here(s, n, root, true, out, budget); });
}

// The nodes the first `count` steps select; empty once the budget is spent.
inline void select_nodes(const path_body& body, std::size_t count, const json& start, const json& root,
                         std::vector<const json*>& out, eval_budget& budget) {
    out.clear();
    out.push_back(&start);
    std::vector<const json*> next;
    for (std::size_t i = 0; i < count && !out.empty(); ++i) {
        next.clear();
        for (const json* node : out) {
            if (budget.exhausted()) break;
            apply_step(body.steps[i], *node, root, next, budget);
        }
        out.swap(next);
    }
    if (budget.exhausted()) out.clear();
}

// A merge leaf applied to one node: merged objects appended to `out`.
inline void append_merged(const step& s, const json& node, json& out, std::size_t& bytes, eval_budget& budget) {
    if (!s.descend) {
        if (node.is_object()) append_copy(merge_names(s, node), out, bytes, budget);
        return;
    }
    // Under `..`, Jayway only merges objects that have every name.
    for_each_descendant_or_self(node, budget, [&](const json& n) {
        if (n.is_object() && has_all_names(s, n)) append_copy(merge_names(s, n), out, bytes, budget);
    });
}

// The array of matches of an indefinite path (copies), within the budget's size: an empty
// array once the budget is spent (the caller reports it).
inline json gather(const path_body& body, const json& start, const json& root, eval_budget& budget) {
    std::vector<const json*> nodes;
    const std::size_t count = body.merge_leaf ? body.steps.size() - 1 : body.steps.size();
    select_nodes(body, count, start, root, nodes, budget);
    json out = json::array();
    out.get_ref<json::array_t&>().reserve(nodes.size());
    std::size_t bytes = 2;
    for (const json* node : nodes) {
        if (body.merge_leaf) append_merged(body.steps.back(), *node, out, bytes, budget);
        else append_copy(*node, out, bytes, budget);
        if (budget.exhausted()) return json::array();
    }
    return out;
}

// --- filters

// A filter operand's value: a node in place, a literal, or an owned temporary; `value` is
// nullptr when a path selects nothing (Jayway's "undefined").
struct operand_value {
    const json* value = nullptr;
    json owned;
};

inline void resolve_operand(const operand& o, const json& current, const json& root, operand_value& out,
                            eval_budget& budget) {
    if (o.kind == operand_kind::literal) {
        out.value = &o.literal;
        return;
    }
    if (o.kind == operand_kind::unreadable) {
        if (!budget.exhausted()) {
            budget.spent = eval_budget::reason::unreadable;
            budget.message = o.literal.get<std::string>();
        }
        return;
    }
    const json& start = o.kind == operand_kind::relative ? current : root;
    const path_body& body = o.path;
    if (body.definite && !body.merge_leaf) {
        out.value = walk(body, body.steps.size(), &start);
        return;
    }
    if (body.definite) { // merge leaf
        const json* parent = walk(body, body.steps.size() - 1, &start);
        if (parent && parent->is_object()) {
            out.owned = merge_names(body.steps.back(), *parent);
            out.value = &out.owned;
        }
        return;
    }
    out.owned = gather(body, start, root, budget);
    out.value = &out.owned;
}

// <0, 0, >0 for two numbers, exact for integers of either signedness.
inline int compare_numbers(const json& a, const json& b) noexcept {
    if (a.is_number_integer() && b.is_number_integer()) {
        const bool a_unsigned = a.is_number_unsigned();
        const bool b_unsigned = b.is_number_unsigned();
        if (a_unsigned && b_unsigned) {
            const auto x = a.get<std::uint64_t>(), y = b.get<std::uint64_t>();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        if (!a_unsigned && !b_unsigned) {
            const auto x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        // One signed, one unsigned: a negative signed value is smaller; otherwise compare unsigned.
        if (a_unsigned) {
            const auto y = b.get<std::int64_t>();
            if (y < 0) return 1;
            const auto x = a.get<std::uint64_t>(), yy = static_cast<std::uint64_t>(y);
            return x < yy ? -1 : (x > yy ? 1 : 0);
        }
        const auto x = a.get<std::int64_t>();
        if (x < 0) return -1;
        const auto xx = static_cast<std::uint64_t>(x), y = b.get<std::uint64_t>();
        return xx < y ? -1 : (xx > y ? 1 : 0);
    }
    const double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
}

inline bool values_equal(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
    return a == b;
}

inline bool compare_values(compare_op op, const json* a, const json* b) {
    if (!a || !b) return op == compare_op::ne; // a missing value equals nothing
    switch (op) {
    case compare_op::eq: return values_equal(*a, *b);
    case compare_op::ne: return !values_equal(*a, *b);
    default: break;
    }
    int order = 0;
    if (a->is_number() && b->is_number()) {
        order = compare_numbers(*a, *b);
    } else if (a->is_string() && b->is_string()) {
        order = a->get_ref<const std::string&>().compare(b->get_ref<const std::string&>());
    } else {
        return false; // ordering is only defined between two numbers or two strings
    }
    switch (op) {
    case compare_op::lt: return order < 0;
    case compare_op::le: return order <= 0;
    case compare_op::gt: return order > 0;
    case compare_op::ge: return order >= 0;
    default: return false;
    }
}

inline bool operand_exists(const operand& o, const json& current, const json& root, eval_budget& budget) {
    operand_value v;
    resolve_operand(o, current, root, v, budget);
    if (!v.value) return false;
    if (!o.path.definite) return !v.value->empty();
    return true;
}

// Whether `current` passes the filter; false once the budget is spent.
inline bool matches(const filter_expr& e, const json& current, const json& root, eval_budget& budget) {
    if (!budget.spend()) return false;
    switch (e.kind) {
    case expr_kind::any_of:
        for (const auto& c : e.children)
            if (matches(c, current, root, budget)) return true;
        return false;
    case expr_kind::all_of:
        for (const auto& c : e.children)
            if (!matches(c, current, root, budget)) return false;
        return !budget.exhausted();
    case expr_kind::negation:
        return !e.children.empty() && !matches(e.children.front(), current, root, budget) && !budget.exhausted();
    case expr_kind::exists:
        return operand_exists(e.left, current, root, budget);
    case expr_kind::compare: {
        operand_value left;
        operand_value right;
        resolve_operand(e.left, current, root, left, budget);
        resolve_operand(e.right, current, root, right, budget);
        if (budget.exhausted()) return false;
        return compare_values(e.op, left.value, right.value);
    }
    }
    return false;
}

// --- messages (Jayway's texts, which AWS shows)

inline void append_fragment(std::string& out, const step& s) {
    switch (s.kind) {
    case step_kind::name: out += "['" + s.name + "']"; break;
    case step_kind::index: out += "[" + std::to_string(s.index) + "]"; break;
    case step_kind::names: {
        out += '[';
        for (std::size_t i = 0; i < s.names.size(); ++i) out += (i ? ", '" : "'") + s.names[i] + "'";
        out += ']';
        break;
    }
    default: out += "[*]"; break; // not definite: never in a message
    }
}

inline std::string fragment(const step& s) {
    std::string out;
    append_fragment(out, s);
    return out;
}

inline std::string normalized_path(const std::string& root_label, const path_body& body) {
    std::string out = root_label;
    for (const auto& s : body.steps) append_fragment(out, s);
    return out;
}

// Why a definite path selected nothing from `start` (nullptr: no document at all).
inline std::string definite_failure(const path_body& body, const std::string& root_label, const json* start) {
    const std::string no_results = "No results for path: " + normalized_path(root_label, body);
    if (!start) return no_results;
    const json* node = start;
    std::string here = root_label;
    for (std::size_t i = 0; i < body.steps.size(); ++i) {
        const step& s = body.steps[i];
        const bool leaf = i + 1 == body.steps.size();
        if (s.kind == step_kind::name || s.kind == step_kind::names) {
            if (!node->is_object())
                return "Expected to find an object with property " + fragment(s) + " in path " + here +
                       " but found '" + node->type_name() + "'. This is not a json object.";
            if (s.kind == step_kind::names) return no_results; // merging never fails on an object
            const auto it = node->find(s.name);
            if (it == node->end()) return leaf ? no_results : "Missing property in path " + here + fragment(s);
            node = &*it;
        } else {
            if (node->is_null()) return "The path " + here + " is null";
            if (!node->is_array())
                return "Filter: " + fragment(s) + " can only be applied to arrays. Current context is: " +
                       shorten(compact(*node), 1000);
            std::size_t index = 0;
            if (!resolve_index(s.index, node->size(), index)) return no_results;
            node = &(*node)[index];
        }
        here += fragment(s);
    }
    return no_results;
}

// True when the same node appears twice (a union such as [0,0]).
inline bool has_duplicates(const std::vector<const json*>& nodes) {
    if (nodes.size() < 2) return false;
    // A union names a few nodes: compared pairwise, with no copy (whose inlined allocation g++
    // 12 at -O2 also misreads as freeing a non-heap pointer, -Wfree-nonheap-object).
    if (nodes.size() <= 16) {
        for (std::size_t i = 0; i + 1 < nodes.size(); ++i)
            for (std::size_t j = i + 1; j < nodes.size(); ++j)
                if (nodes[i] == nodes[j]) return true;
        return false;
    }
    std::vector<const json*> sorted;
    sorted.reserve(nodes.size());
    sorted.insert(sorted.end(), nodes.begin(), nodes.end());
    std::sort(sorted.begin(), sorted.end(), std::less<const json*>());
    return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
}

} // namespace stepfn::detail::jsonpath

#endif
