#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_PROGRAM_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_PROGRAM_HPP

// jsonata_expression's definitions: compile = parse + rewrite into an arena owned by a shared
// immutable program; evaluate = one evaluator over that tree, result copied out as JSON.

#include <chrono>
#include <cmath>
#include <memory>
#include <string>

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
    std::string text;
    jsonata_options options;
    arena nodes;
    const node* root = nullptr;
    bool uses_context = false;
    bool uses_parent = false;
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
        for (const auto& p : n->pairs)
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
        for (const auto& p : n->pairs)
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
    for (const auto& p : n->pairs)
        if (reads_root(p.first, depth + 1) || reads_root(p.second, depth + 1)) return true;
    for (const auto& p : n->group)
        if (reads_root(p.first, depth + 1) || reads_root(p.second, depth + 1)) return true;
    for (const auto& s : n->stages)
        if (reads_root(s.filter, depth + 1)) return true;
    for (const auto& s : n->predicates)
        if (reads_root(s.filter, depth + 1)) return true;
    for (const auto& t : n->terms)
        if (reads_root(t.expr, depth + 1)) return true;
    return false;
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
    p->uses_parent = rw.uses_parent;
    if (p->uses_parent && detail::jsonata::parent_at_top(p->root))
        return detail::jsonata::fail("S0217", "The object representing the 'parent' cannot be derived from this expression");
    p->uses_context = detail::jsonata::reads_context(p->root) || detail::jsonata::reads_root(p->root);
    return jsonata_expression(std::move(p));
}

STEPFN_INLINE result<std::optional<json>> jsonata_expression::evaluate(const json* input, const eval_env& env) const {
    namespace dj = detail::jsonata;
    const jsonata_options& o = program_->options;
    // The root scope lives on this stack frame; the shared_ptr to it owns nothing, so the
    // common evaluation allocates no frame at all. Nothing refers to it after `ev` is gone.
    dj::frame root_scope;
    const dj::frame_ptr frame(std::shared_ptr<dj::frame>(), &root_scope);
    dj::evaluator ev(env, (std::max)(o.max_depth, std::size_t{1}), o.max_steps, o.aws_functions);
    ev.parents_ = program_->uses_parent;
    dj::value in;
    if (input != nullptr) {
        in = dj::value::ref(*input);
        ev.root = in;
        if (input->is_array()) {
            auto s = dj::new_seq();
            s->items.push_back(in);
            s->outer_wrapper = true;
            in = dj::value::of(std::move(s));
        }
    }
    auto r = ev.eval(program_->root, in, frame);
    if (!r) return tl::make_unexpected(r.error());
    if (r->undefined() || r->is_fn()) return std::optional<json>();
    // A non-finite number as the whole result stays a number (inside arrays and objects it is
    // null, as JSON.stringify writes it): the caller decides what Infinity means for it.
    if (r->is_number()) return std::optional<json>(r->num() == 0 ? json(0) : r->j());
    // A document made by the evaluation that nothing else holds moves out instead of being copied.
    json out = r->is_json() && r->sole_owner() ? std::move(const_cast<json&>(r->j())) : dj::to_json_or_null(*r);
    dj::null_non_finite(out);
    return std::optional<json>(std::move(out));
}

STEPFN_INLINE const std::string& jsonata_expression::text() const noexcept { return program_->text; }

STEPFN_INLINE bool jsonata_expression::uses_context_item() const noexcept { return program_->uses_context; }

} // namespace stepfn

#endif
