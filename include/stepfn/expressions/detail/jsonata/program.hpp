#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_PROGRAM_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_PROGRAM_HPP

// jsonata_expression's definitions: compile = parse + rewrite into an arena owned by a shared
// immutable program; evaluate = one evaluator over that tree, result copied out as JSON, or the
// result computed at compile time when the expression reads nothing from outside.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/expressions/jsonata.hpp>
#include <stepfn/expressions/detail/jsonata/eval_call.hpp>
#include <stepfn/expressions/detail/jsonata/eval_path.hpp>
#include <stepfn/expressions/detail/jsonata/evaluator.hpp>
#include <stepfn/expressions/detail/jsonata/functions.hpp>
#include <stepfn/expressions/detail/jsonata/parser.hpp>
#include <stepfn/expressions/detail/jsonata/rewrite.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

struct program {
    // What every evaluation reads first, together: a host evaluates many programs in turn.
    const node* root = nullptr;
    jsonata_options options;
    bool uses_context = false;
    bool uses_parent = false;
    // The result of an expression that reads nothing from outside (no input, no host variable,
    // no clock, no random source), computed when it compiled. Valid while the host defines
    // none of `names` (the built-in functions and lexical variables it names: a host variable
    // of that name would be read instead).
    bool folded = false;
    std::optional<json> constant;
    std::vector<std::string> names;
    arena nodes;  // the root is usually among its first nodes, next to the fields above
    std::string text;
};

// Whether `%` appears where the context is the top-level input, which has no parent: the
// reference refuses that at compile time (S0217).
inline bool parent_at_top(const node* n, std::size_t depth = 0) {
    if (n == nullptr || depth > 2000) return false;
    const auto any = [&](const std::vector<node*>& v) {
        for (const node* c : v)
            if (parent_at_top(c, depth + 1)) return true;
        return false;
    };
    switch (n->type) {
    case node_type::parent: return true;
    case node_type::path: return !n->items.empty() && parent_at_top(n->items.front(), depth + 1);
    case node_type::object:
        for (const auto& p : n->x().pairs)
            if (parent_at_top(p.first, depth + 1) || parent_at_top(p.second, depth + 1)) return true;
        return false;
    case node_type::call:
    case node_type::partial: return parent_at_top(n->lhs, depth + 1) || any(n->items);
    case node_type::array:
    case node_type::block: return any(n->items);
    case node_type::lambda:
    case node_type::transform:
    case node_type::sort: return false;
    default:
        return parent_at_top(n->lhs, depth + 1) || parent_at_top(n->rhs, depth + 1) || parent_at_top(n->third, depth + 1);
    }
}

// Infinity and NaN inside a result become null, as JSON.stringify writes them.
// -0 prints as 0 there too.
inline void null_non_finite(json& j, std::size_t depth = 0) {
    if (j.is_number_float()) {
        const double d = j.get<double>();
        if (!std::isfinite(d)) j = nullptr;
        else if (d == 0) j = 0;
    }
    if (j.is_structured() && depth < 10000)
        for (auto& m : j) null_non_finite(m, depth + 1);
}

// Whether `n`, evaluated with the top-level context item, reads it. Steps after the first,
// predicates, sort keys and grouping read their own items instead.
inline bool reads_context(const node* n, std::size_t depth = 0) {
    if (n == nullptr || depth > 2000) return false;
    const auto any = [&](const std::vector<node*>& v) {
        for (const node* c : v)
            if (reads_context(c, depth + 1)) return true;
        return false;
    };
    switch (n->type) {
    case node_type::name:
    case node_type::wildcard:
    case node_type::descendant:
    case node_type::parent:
        return true;
    case node_type::variable: return n->str.empty() || n->str == "$";
    case node_type::path: return !n->items.empty() && reads_context(n->items.front(), depth + 1);
    case node_type::sort: return true;
    case node_type::object:
        for (const auto& p : n->x().pairs)
            if (reads_context(p.first, depth + 1) || reads_context(p.second, depth + 1)) return true;
        return false;
    case node_type::call:
    case node_type::partial: return reads_context(n->lhs, depth + 1) || any(n->items);
    case node_type::lambda: return reads_context(n->rhs, depth + 1);
    case node_type::transform: return false;  // pattern and update read the transformed value
    case node_type::array:
    case node_type::block: return any(n->items);
    default:
        return reads_context(n->lhs, depth + 1) || reads_context(n->rhs, depth + 1) || reads_context(n->third, depth + 1);
    }
}

// `$$` anywhere reads the input, whatever the context there.
inline bool reads_root(const node* n, std::size_t depth = 0) {
    if (n == nullptr || depth > 2000) return false;
    if (n->type == node_type::variable && n->str == "$") return true;
    for (const node* c : {n->lhs, n->rhs, n->third})
        if (reads_root(c, depth + 1)) return true;
    for (const node* c : n->items)
        if (reads_root(c, depth + 1)) return true;
    for (const auto& p : n->x().pairs)
        if (reads_root(p.first, depth + 1) || reads_root(p.second, depth + 1)) return true;
    for (const auto& p : n->x().group)
        if (reads_root(p.first, depth + 1) || reads_root(p.second, depth + 1)) return true;
    for (const auto& s : n->x().stages)
        if (reads_root(s.filter, depth + 1)) return true;
    for (const auto& s : n->x().predicates)
        if (reads_root(s.filter, depth + 1)) return true;
    for (const auto& t : n->x().terms)
        if (reads_root(t.expr, depth + 1)) return true;
    return false;
}

// Variable names the expression reads (`names`) and binds itself (`bound`: `:=`, lambda
// parameters, `@$v`, `#$i`); false when the tree is too deep to walk.
inline bool variable_names(const node* n, std::vector<std::string>& names, std::vector<std::string>& bound, std::size_t depth = 0) {
    if (n == nullptr) return true;
    if (depth > 2000) return false;
    const auto add = [](std::vector<std::string>& to, const std::string& name) {
        if (!name.empty() && std::find(to.begin(), to.end(), name) == to.end()) to.push_back(name);
    };
    if (n->type == node_type::variable && n->str != "$") add(names, n->str);
    if (n->type == node_type::bind && n->lhs != nullptr) add(bound, n->lhs->str);
    if (n->type == node_type::lambda)
        for (const node* param : n->items) add(bound, param->str);
    add(bound, n->x().focus);
    add(bound, n->x().index_var);
    bool ok = true;
    const auto walk = [&](const node* c) { ok = ok && variable_names(c, names, bound, depth + 1); };
    walk(n->lhs);
    walk(n->rhs);
    walk(n->third);
    for (const node* c : n->items) walk(c);
    for (const auto& p : n->x().pairs) walk(p.first), walk(p.second);
    for (const auto& p : n->x().group) walk(p.first), walk(p.second);
    for (const auto& s : n->x().stages) walk(s.filter), add(bound, s.index_var);
    for (const auto& s : n->x().predicates) walk(s.filter), add(bound, s.index_var);
    for (const auto& t : n->x().terms) walk(t.expr);
    return ok;
}

// Whether every `$name` in the tree is a built-in function or a variable the tree binds.
inline bool names_builtins_or_bound(const node* n, const std::vector<std::string>& bound, std::size_t depth = 0) {
    if (n == nullptr) return true;
    if (depth > 2000) return false;
    if (n->type == node_type::variable && !n->str.empty() && n->str != "$" && n->builtin == nullptr &&
        std::find(bound.begin(), bound.end(), n->str) == bound.end())
        return false;
    const auto ok = [&](const node* c) { return names_builtins_or_bound(c, bound, depth + 1); };
    if (!ok(n->lhs) || !ok(n->rhs) || !ok(n->third)) return false;
    for (const node* c : n->items)
        if (!ok(c)) return false;
    for (const auto& p : n->x().pairs)
        if (!ok(p.first) || !ok(p.second)) return false;
    for (const auto& p : n->x().group)
        if (!ok(p.first) || !ok(p.second)) return false;
    for (const auto& s : n->x().stages)
        if (!ok(s.filter)) return false;
    for (const auto& s : n->x().predicates)
        if (!ok(s.filter)) return false;
    for (const auto& t : n->x().terms)
        if (!ok(t.expr)) return false;
    return true;
}

// The host a constant is computed against: no variables, and it notices a read of its random
// source (such a result is not constant).
class fold_env final : public eval_env {
public:
    const json* context() const override { return nullptr; }
    const json* variable(std::string_view) const override { return nullptr; }
    std::uint64_t random() const override {
        used_random = true;
        return 0;
    }
    mutable bool used_random = false;
};

// A result that is not a number as JSON, built in place (one return: named-value elision).
inline result<std::optional<json>> result_json(const value& r) {
    // A document made by the evaluation that nothing else holds moves out instead of being
    // copied; other JSON is copied straight into place, a sequence converted.
    result<std::optional<json>> out =
        !r.is_json()       ? result<std::optional<json>>(tl::in_place, std::in_place, to_json_or_null(r))
        : r.sole_owner()   ? result<std::optional<json>>(tl::in_place, std::in_place, std::move(const_cast<json&>(r.j())))
                           : result<std::optional<json>>(tl::in_place, std::in_place, r.j());
    if ((*out)->is_structured()) null_non_finite(**out);
    return out;
}

// One evaluation of the program with the context item `input`.
inline result<std::optional<json>> run(const program& p, const json* input, const eval_env& env, std::uint64_t max_steps,
                                       bool* read_clock = nullptr) {
    const jsonata_options& o = p.options;
    // The root scope lives on this stack frame; the shared_ptr to it owns nothing, so the
    // common evaluation allocates no frame at all. Nothing refers to it after `ev` is gone.
    frame root_scope;
    const frame_ptr scope(std::shared_ptr<frame>(), &root_scope);
    evaluator ev(env, (std::max)(o.max_depth, std::size_t{1}), max_steps, o.aws_functions);
    ev.parents_ = p.uses_parent;
    value in;
    if (input != nullptr) {
        in = value::ref(*input);
        ev.root = in;
        if (input->is_array()) {
            auto s = new_seq();
            s->items.push_back(in);
            s->outer_wrapper = true;
            in = value::of(std::move(s));
        }
    }
    auto r = ev.eval(p.root, in, scope);
    if (read_clock != nullptr) *read_clock = ev.read_clock();
    if (!r) return tl::make_unexpected(r.error());
    using out_t = result<std::optional<json>>;  // built in place: no json moved through temporaries
    if (r->undefined() || r->is_fn()) return out_t(tl::in_place);
    // A non-finite number as the whole result stays a number (inside arrays and objects it is
    // null, as JSON.stringify writes it): the caller decides what Infinity means for it.
    if (r->is_number()) {
        // Built from the number itself (json's copy constructor is an out-of-line call).
        const json& x = r->j();
        // By type, not is_number_integer(): that is true of unsigned numbers too, and get_ptr would
        // then read an unsigned above 2^63 as a negative.
        if (x.type() == json::value_t::number_integer) return out_t(tl::in_place, std::in_place, *x.get_ptr<const std::int64_t*>());
        if (r->num() == 0) return out_t(tl::in_place, std::in_place, 0);  // -0 prints as 0
        if (x.is_number_float()) return out_t(tl::in_place, std::in_place, *x.get_ptr<const double*>());
        return out_t(tl::in_place, std::in_place, x);
    }
    return result_json(*r);
}

// Work a constant may cost at load before it is left to each evaluation instead: keeps
// loading cheap and the kept result small.
inline constexpr std::uint64_t max_fold_steps = 20000;

// Computes the result of an expression that reads nothing from outside, once, at compile
// time. An error is not kept: evaluation reports it as before.
inline void fold(program& p) {
    if (!p.options.fold_constants) return;
    std::vector<std::string> names, bound;
    if (!variable_names(p.root, names, bound) || !names_builtins_or_bound(p.root, bound)) return;
    fold_env probe;
    bool read_clock = false;
    auto r = run(p, nullptr, probe, (std::min)(p.options.max_steps, max_fold_steps), &read_clock);
    if (!r || probe.used_random || read_clock) return;
    p.folded = true;
    p.constant = std::move(*r);
    p.names = std::move(names);
}

} // namespace jsonata
} // namespace detail

STEPFN_INLINE result<jsonata_expression> jsonata_expression::compile(std::string_view text, jsonata_options options) {
    auto p = std::make_shared<detail::jsonata::program>();
    p->text = std::string(text);
    p->options = options;
    detail::jsonata::parser parse(p->text, p->nodes, (std::max)(options.max_depth, std::size_t{1}));
    auto raw = parse.parse();
    if (!raw) return tl::make_unexpected(raw.error());
    detail::jsonata::rewriter rw(p->nodes);
    auto tree = rw.process(*raw);
    if (!tree) return tl::make_unexpected(tree.error());
    p->root = *tree;
    p->nodes.trim();
    p->uses_parent = rw.uses_parent;
    if (p->uses_parent && detail::jsonata::parent_at_top(p->root))
        return detail::jsonata::fail("S0217", "The object representing the 'parent' cannot be derived from this expression");
    p->uses_context = detail::jsonata::reads_context(p->root) || detail::jsonata::reads_root(p->root);
    detail::jsonata::fold(*p);
    return jsonata_expression(std::move(p));
}

STEPFN_INLINE result<std::optional<json>> jsonata_expression::evaluate(const json* input, const eval_env& env) const {
    const detail::jsonata::program& p = *program_;
    if (p.folded && input == nullptr) {
        bool shadowed = false;
        for (const auto& name : p.names) shadowed = shadowed || env.variable(name) != nullptr;
        if (!shadowed) return p.constant;
    }
    return detail::jsonata::run(p, input, env, p.options.max_steps);
}

STEPFN_INLINE const std::string& jsonata_expression::text() const noexcept { return program_->text; }

STEPFN_INLINE bool jsonata_expression::uses_context_item() const noexcept { return program_->uses_context; }

} // namespace stepfn

#endif
