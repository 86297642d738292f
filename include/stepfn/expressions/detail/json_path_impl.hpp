#ifndef STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_IMPL_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_IMPL_HPP

#include <stepfn/config.hpp>
#include <stepfn/expressions/json_path.hpp>

#include <string>
#include <utility>
#include <vector>

#include <stepfn/detail/json_object.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/expressions/detail/json_path_ast.hpp>
#include <stepfn/expressions/detail/json_path_eval.hpp>
#include <stepfn/expressions/detail/json_path_parser.hpp>

namespace stepfn {

struct json_path::impl {
    std::string text;
    root_kind kind = root_kind::input;
    std::string variable;
    detail::jsonpath::path_body body;
    // A `$$` path that may reach `$$.Execution.Input` (see eval_env::context_without_input).
    bool reads_execution_input = true;

    // False only when the path's first steps name another member: `$$.Task...`, `$$.Execution.Id`.
    static bool may_read_execution_input(const detail::jsonpath::path_body& b) {
        auto plain_name = [&](std::size_t i) {
            return i < b.steps.size() && b.steps[i].kind == detail::jsonpath::step_kind::name && !b.steps[i].descend;
        };
        if (!plain_name(0)) return true;
        if (b.steps[0].name != "Execution") return false;
        return !plain_name(1) || b.steps[1].name == "Input";
    }

    static result<json_path> make(std::string_view text, bool reference) {
        auto parsed = detail::jsonpath::parser(text, reference).run();
        if (!parsed) return tl::make_unexpected(std::move(parsed.error()));
        auto m = std::make_shared<impl>();
        m->text = std::string(text);
        switch (parsed->root) {
        case detail::jsonpath::root_kind::input: m->kind = root_kind::input; break;
        case detail::jsonpath::root_kind::context: m->kind = root_kind::context; break;
        case detail::jsonpath::root_kind::variable: m->kind = root_kind::variable; break;
        }
        m->variable = std::move(parsed->variable);
        m->body = std::move(parsed->body);
        m->reads_execution_input = m->kind == root_kind::context && may_read_execution_input(m->body);
        json_path out;
        out.impl_ = std::move(m);
        return out;
    }

    const json* document(const json& input, const eval_env& env) const {
        switch (kind) {
        case root_kind::input: return &input;
        case root_kind::context: return reads_execution_input ? env.context() : env.context_without_input();
        case root_kind::variable: return env.variable(variable);
        }
        return nullptr;
    }

    // The root as it appears in Jayway's normalized paths: `$$.a` is `$.a` applied to the
    // context object, so both show `$`; a variable shows its name.
    std::string root_label() const { return kind == root_kind::variable ? "$" + variable : std::string("$"); }

    tl::unexpected<error> failure(const json* doc) const {
        if (!doc && kind == root_kind::variable)
            return make_error(errors::runtime, "Invalid path '" + detail::jsonpath::shorten(text) +
                                                   "' : The variable '" + variable + "' is not defined");
        return make_error(errors::runtime, "Invalid path '" + detail::jsonpath::shorten(text) + "' : " +
                                               detail::jsonpath::definite_failure(body, root_label(), doc));
    }

    static detail::jsonpath::eval_budget budget_for(const eval_env& env) {
        const limits bounds = env.bounds();
        return detail::jsonpath::eval_budget(bounds.max_path_work, bounds.max_payload_bytes);
    }

    // Why a spent budget stopped the evaluation.
    tl::unexpected<error> over_budget(const detail::jsonpath::eval_budget& budget, const eval_env& env) const {
        const limits bounds = env.bounds();
        if (budget.spent == detail::jsonpath::eval_budget::reason::unreadable)
            return make_error(errors::runtime,
                              "Invalid path '" + detail::jsonpath::shorten(text) + "' : " + budget.message);
        if (budget.spent == detail::jsonpath::eval_budget::reason::size)
            return make_error(errors::data_limit_exceeded,
                              "The path '" + detail::jsonpath::shorten(text) + "' selects more than " +
                                  std::to_string(bounds.max_payload_bytes) + " bytes (the payload limit)");
        return make_error(errors::runtime, "Invalid path '" + detail::jsonpath::shorten(text) +
                                               "' : the evaluation needs more than " +
                                               std::to_string(bounds.max_path_work) +
                                               " steps (the limit of one path evaluation, limits::max_path_work)");
    }

    // Definite paths (including a merge leaf): the value or the failure.
    result<json> evaluate_definite(const json* doc) const {
        if (doc) {
            if (!body.merge_leaf) {
                if (const json* hit = detail::jsonpath::walk(body, body.steps.size(), doc)) return *hit;
            } else {
                const json* parent = detail::jsonpath::walk(body, body.steps.size() - 1, doc);
                if (parent && parent->is_object()) return detail::jsonpath::merge_names(body.steps.back(), *parent);
            }
        }
        return failure(doc);
    }
};

STEPFN_INLINE result<json_path> json_path::parse(std::string_view text) { return impl::make(text, false); }

STEPFN_INLINE result<json_path> json_path::parse_reference(std::string_view text) { return impl::make(text, true); }

STEPFN_INLINE const std::string& json_path::text() const noexcept {
    static const std::string none;
    return impl_ ? impl_->text : none;
}

STEPFN_INLINE json_path::root_kind json_path::root() const noexcept { return impl_ ? impl_->kind : root_kind::input; }

STEPFN_INLINE const std::string& json_path::variable_name() const noexcept {
    static const std::string none;
    return impl_ ? impl_->variable : none;
}

// A multi-name leaf (`$['a','b']`) is definite in Jayway but yields a new object, not a node
// of the document; it is reported as not definite so that callers use evaluate(), not find().
STEPFN_INLINE bool json_path::is_definite() const noexcept {
    return impl_ && impl_->body.definite && !impl_->body.merge_leaf;
}

STEPFN_INLINE bool json_path::is_root() const noexcept {
    return impl_ && impl_->kind == root_kind::input && impl_->body.steps.empty();
}

STEPFN_INLINE result<json> json_path::evaluate(const json& input, const eval_env& env) const {
    if (!impl_) return make_error(errors::runtime, "Invalid path '' : the path is empty");
    const impl& m = *impl_;
    const json* doc = m.document(input, env);
    if (m.body.definite) return m.evaluate_definite(doc);
    if (!doc) {
        if (m.kind == root_kind::variable) return m.failure(doc);
        return json::array(); // no context object: nothing matches
    }
    auto budget = impl::budget_for(env);
    json out = detail::jsonpath::gather(m.body, *doc, *doc, budget);
    if (budget.exhausted()) return m.over_budget(budget, env);
    return out;
}

STEPFN_INLINE const json* json_path::find(const json& input, const eval_env& env) const {
    if (!is_definite()) return nullptr;
    const impl& m = *impl_;
    const json* doc = m.document(input, env);
    return doc ? detail::jsonpath::walk(m.body, m.body.steps.size(), doc) : nullptr;
}

STEPFN_INLINE bool json_path::disjoint_from(const json_path& other) const noexcept {
    if (!is_definite() || !other.is_definite() || root() != root_kind::input || other.root() != root_kind::input)
        return false;
    const auto& mine = impl_->body.steps;
    const auto& theirs = other.impl_->body.steps;
    for (std::size_t i = 0; i < mine.size() && i < theirs.size(); ++i) {
        const auto& a = mine[i];
        const auto& b = theirs[i];
        if (a.kind != b.kind) return false;  // a name and an index: not told apart here
        if (a.kind == detail::jsonpath::step_kind::name) {
            if (a.name != b.name) return true;
        } else if (a.index < 0 || b.index < 0) {
            return false;  // `[-1]` may be `[2]`
        } else if (a.index != b.index) {
            return true;
        }
    }
    return false;  // one leads into the other, or they are the same
}

STEPFN_INLINE result<json> json_path::extract(json&& input, const eval_env& env) const {
    if (!impl_ || impl_->kind != root_kind::input) return evaluate(input, env);
    const impl& m = *impl_;
    const auto& body = m.body;
    // `input` is ours: casting away const on a node inside it is how we move it out.
    if (body.definite && !body.merge_leaf) {
        const json* hit = detail::jsonpath::walk(body, body.steps.size(), &input);
        if (!hit) return m.failure(&input);
        return std::move(*const_cast<json*>(hit));
    }
    if (body.definite || body.merge_leaf) return evaluate(input, env);
    std::vector<const json*> nodes;
    auto budget = impl::budget_for(env);
    detail::jsonpath::select_nodes(body, body.steps.size(), input, input, nodes, budget);
    if (budget.exhausted()) return m.over_budget(budget, env);
    json out = json::array();
    auto& elements = out.get_ref<json::array_t&>();
    elements.reserve(nodes.size());
    // Without `..` no match lies inside another, so each can be moved unless it repeats;
    // copies (which `..` makes of nested matches) count against the size limit.
    const bool can_move = !body.has_descent && !detail::jsonpath::has_duplicates(nodes);
    std::size_t bytes = 2;
    for (const json* node : nodes) {
        if (can_move) {
            elements.push_back(std::move(*const_cast<json*>(node)));
        } else if (!detail::jsonpath::append_copy(*node, out, bytes, budget)) {
            return m.over_budget(budget, env);
        }
    }
    return out;
}

STEPFN_INLINE result<void> json_path::assign(json& target, json&& value) const {
    auto written = exchange(target, std::move(value));
    if (!written) return tl::make_unexpected(std::move(written.error()));
    return {};
}

STEPFN_INLINE result<json_path::write_effect> json_path::exchange(json& target, json&& value) const {
    if (!impl_) return make_error(errors::result_path_match_failure, "The ResultPath is empty");
    const impl& m = *impl_;
    if (m.kind != root_kind::input || !m.body.reference)
        return make_error(errors::result_path_match_failure,
                          "The ResultPath '" + detail::jsonpath::shorten(m.text) +
                              "' must be a Reference Path on the state input ('$')");
    const auto fail = [&] {
        return make_error(errors::result_path_match_failure,
                          "Unable to apply ReferencePath " + m.text + " to input " + detail::jsonpath::compact(target));
    };
    // Overwrites `slot`, keeping what it held.
    const auto overwrite = [&](json& slot) {
        write_effect done;
        done.replaced = std::move(slot);
        slot = std::move(value);
        done.slot = &slot;
        return done;
    };
    using detail::jsonpath::step_kind;
    const auto& steps = m.body.steps;
    json* node = &target;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& s = steps[i];
        const bool last = i + 1 == steps.size();
        if (s.kind == step_kind::name) {
            if (!node->is_object()) return fail();
            if (json* member = detail::find_member(*node, s.name)) {
                if (last) return overwrite(*member);
                node = member;
                continue;
            }
            // Missing: the rest is created as nested objects, which an index step cannot enter.
            for (std::size_t j = i + 1; j < steps.size(); ++j)
                if (steps[j].kind != step_kind::name) return fail();
            json nested = std::move(value);
            for (std::size_t j = steps.size() - 1; j > i; --j) {
                json wrapper = json::object();
                wrapper.emplace(steps[j].name, std::move(nested));
                nested = std::move(wrapper);
            }
            write_effect done;
            done.slot = &detail::add_member(*node, s.name, std::move(nested));
            done.added_to = node;
            return done;
        }
        std::size_t index = 0;
        if (!node->is_array() || !detail::jsonpath::resolve_index(s.index, node->size(), index)) return fail();
        json& slot = (*node)[index];
        if (last) return overwrite(slot);
        node = &slot;
    }
    return overwrite(target);
}

} // namespace stepfn

#endif
