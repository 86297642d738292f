#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_EVAL_CALL_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_EVAL_CALL_HPP

// Function calls: built-ins (arguments checked against their signatures), lambdas (closures
// over their defining frame and context item), partial applications, `~>` chains, regex
// matchers and transforms `| pattern | update, delete |`.

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/expressions/detail/jsonata/evaluator.hpp>
#include <stepfn/expressions/detail/jsonata/regex.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

namespace call_detail {
inline std::string_view procedure_name(const node* proc) {
    if (proc->type == node_type::path && !proc->items.empty()) return proc->items.front()->str;
    return proc->str;
}
} // namespace call_detail

// The built-in a call names, resolved as eval_variable() resolves the name (a lexical or host
// variable of that name comes first), with the step eval() counts: the usual call takes no
// function value, so no reference count. nullptr: the name is evaluated instead.
inline const builtin_def* evaluator::called_builtin(const node* proc, const frame_ptr& env) {
    if (proc->type != node_type::variable || proc->builtin == nullptr || proc->parts_ != nullptr || proc->has_group ||
        proc->keep_array || (proc->builtin->aws && !aws_))
        return nullptr;
    if (env->find(proc->str) != nullptr || host_.variable(proc->str) != nullptr || !step_in_bounds()) return nullptr;
    return proc->builtin;
}

inline result<value> evaluator::eval_call(const node* n, const value& input, const frame_ptr& env, const value* applied_to) {
    const builtin_def* direct = called_builtin(n->lhs, env);
    value proc;
    if (direct == nullptr) {
        auto p = eval(n->lhs, input, env);
        if (!p) return p;
        proc = std::move(*p);
    }
    value_vector kept;
    std::vector<value>& args = *kept;
    args.reserve(n->items.size() + 1);
    if (applied_to != nullptr) args.push_back(*applied_to);
    for (const node* a : n->items) {
        if (plain_literal(a) && step_in_bounds()) {  // as operand(), built in the vector
            args.emplace_back(value::borrowed, a->lit);
            continue;
        }
        auto v = eval(a, input, env);
        if (!v) return v;
        args.push_back(std::move(*v));
    }
    // A picture analysed at compile time is for the arguments as written, not after `~>`.
    const prepared_picture* picture = applied_to == nullptr ? n->x().picture.get() : nullptr;
    if (direct != nullptr) return apply_builtin(*direct, args, input, call_detail::procedure_name(n->lhs), picture);
    if (!proc.is_fn()) {
        // The reference's hint: a field name that is also a bound function or variable.
        if (n->lhs->type == node_type::path && !n->lhs->items.empty() &&
            (env->find(n->lhs->items.front()->str) != nullptr || find_builtin(n->lhs->items.front()->str) != nullptr))
            return fail("T1005", "Attempted to invoke a non-function. Did you mean $" + n->lhs->items.front()->str + "?");
        return fail("T1006", "Attempted to invoke a non-function");
    }
    return apply(proc, args, input, call_detail::procedure_name(n->lhs), picture);
}

inline result<value> evaluator::eval_partial(const node* n, const value& input, const frame_ptr& env) {
    auto proc = eval(n->lhs, input, env);
    if (!proc) return proc;
    if (!proc->is_fn()) return fail("T1008", "Attempted to partially apply a non-function");
    auto f = std::make_shared<function_value>();
    f->k = function_value::kind::partial;
    f->target = *proc;
    for (const node* a : n->items) {
        if (a->type == node_type::placeholder) {
            f->bound.emplace_back();
            f->holes.push_back(true);
            continue;
        }
        auto v = eval(a, input, env);
        if (!v) return v;
        f->bound.push_back(std::move(*v));
        f->holes.push_back(false);
    }
    return value::of(std::shared_ptr<const function_value>(std::move(f)));
}

inline result<value> evaluator::eval_apply(const node* n, const value& input, const frame_ptr& env) {
    auto lhs = eval(n->lhs, input, env);
    if (!lhs) return lhs;
    if (n->rhs->type == node_type::call) return eval_call(n->rhs, input, env, &*lhs);
    auto func = eval(n->rhs, input, env);
    if (!func) return func;
    if (!func->is_fn()) return fail("T2006", "The right side of the function application operator ~> must be a function");
    if (lhs->is_fn()) {
        auto f = std::make_shared<function_value>();
        f->k = function_value::kind::chain;
        f->target = *lhs;
        f->second = *func;
        return value::of(std::shared_ptr<const function_value>(std::move(f)));
    }
    std::vector<value> args{*lhs};
    return apply(*func, args, value{}, call_detail::procedure_name(n->rhs));
}

inline result<value> evaluator::apply(const value& proc, std::vector<value>& args, const value& input, std::string_view name,
                                      const prepared_picture* picture) {
    if (!proc.is_fn()) return fail("T1006", "Attempted to invoke a non-function");
    const function_value& f = proc.fn();
    switch (f.k) {
    case function_value::kind::builtin: return apply_builtin(*f.builtin, args, input, name, picture);
    case function_value::kind::lambda: return apply_lambda(f, args, name);
    case function_value::kind::partial: {
        std::vector<value> full;
        std::size_t next = 0;
        for (std::size_t i = 0; i < f.bound.size(); ++i) {
            if (f.holes[i]) full.push_back(next < args.size() ? args[next++] : value{});
            else full.push_back(f.bound[i]);
        }
        return apply(f.target, full, input, name);
    }
    case function_value::kind::chain: {
        auto first = apply(f.target, args, input, name);
        if (!first) return first;
        std::vector<value> next{std::move(*first)};
        return apply(f.second, next, input, name);
    }
    case function_value::kind::regex: {
        if (args.empty() || !args.front().is_string()) return value{};
        if (auto r = charge(args.front().str().size()); !r) return tl::make_unexpected(r.error());
        return regex_match_value(*f.re, args.front().str(), 0);
    }
    case function_value::kind::transform: return apply_transform(f, args);
    }
    return value{};
}

inline result<value> evaluator::apply_builtin(const builtin_def& b, std::vector<value>& args, const value& input,
                                              std::string_view name, const prepared_picture* picture) {
    std::string_view shown = name.empty() ? std::string_view(b.name) : name;
    value_vector checked;
    std::vector<value>* use = &args;
    if (b.parsed) {
        auto v = validate_args(*b.parsed, args, input, shown, *checked);
        if (!v) return tl::make_unexpected(v.error());
        if (!*v) use = &*checked;
    }
    call_info ci{*this, input, shown, picture};
    return b.impl(ci, *use);
}

inline result<value> evaluator::apply_lambda(const function_value& f, std::vector<value>& args, std::string_view name) {
    const node* def = f.def;
    value_vector checked;
    const std::vector<value>* use = &args;
    if (def->x().sig) {
        auto v = validate_args(*def->x().sig, args, f.input, name, *checked);
        if (!v) return tl::make_unexpected(v.error());
        if (!*v) use = &*checked;
    }
    if (calls_ >= max_depth_)
        return fail("U1001", "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
    depth_guard guard(calls_);
    auto fr = child_frame(f.env);
    fr->vars.reserve(def->items.size());
    for (std::size_t i = 0; i < def->items.size(); ++i)
        fr->vars.emplace_back(def->items[i]->str, i < use->size() ? (*use)[i] : value{});
    return eval(def->rhs, f.input, fr);
}

std::size_t inline evaluator::arity(const value& fn) const {
    if (!fn.is_fn()) return 0;
    const function_value& f = fn.fn();
    switch (f.k) {
    case function_value::kind::lambda: return f.def->x().sig ? f.def->x().sig->params.size() : f.def->items.size();
    case function_value::kind::builtin: return static_cast<std::size_t>(f.builtin->arity);
    case function_value::kind::partial: {
        std::size_t n = 0;
        for (const bool h : f.holes) n += h ? 1 : 0;
        return n;
    }
    default: return 1;
    }
}

inline result<value> evaluator::call_hof(const value& fn, const value& v, const value& i, const value& a) {
    const std::size_t n = arity(fn);
    std::vector<value> args{v};
    if (n >= 2) args.push_back(i);
    if (n >= 3) args.push_back(a);
    return apply(fn, args, value{}, "");
}

inline result<value> evaluator::make_regex(const node* n) {
    auto f = std::make_shared<function_value>();
    f->k = function_value::kind::regex;
    f->re = n->x().re;
    return value::of(std::shared_ptr<const function_value>(std::move(f)));
}

namespace call_detail {
// Where each object of a document sits, so a transform can find its matches again after
// earlier updates moved things (ordered objects are vectors: inserting may reallocate).
struct location_step {
    bool is_index;
    std::size_t index;
    std::string key;
};
using location = std::vector<location_step>;

inline void index_locations(const json& j, location& here, std::unordered_map<const json*, location>& out) {
    if (j.is_object()) {
        out.emplace(&j, here);
        for (auto it = j.begin(); it != j.end(); ++it) {
            here.push_back(location_step{false, 0, it.key()});
            index_locations(it.value(), here, out);
            here.pop_back();
        }
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i) {
            here.push_back(location_step{true, i, {}});
            index_locations(j[i], here, out);
            here.pop_back();
        }
    }
}

inline json* resolve(json& root, const location& loc) {
    json* cur = &root;
    for (const auto& s : loc) {
        if (s.is_index) {
            if (!cur->is_array() || s.index >= cur->size()) return nullptr;
            cur = &(*cur)[s.index];
        } else {
            if (!cur->is_object()) return nullptr;
            const auto it = cur->find(s.key);
            if (it == cur->end()) return nullptr;
            cur = &*it;
        }
    }
    return cur;
}
} // namespace call_detail

inline result<value> evaluator::apply_transform(const function_value& f, std::vector<value>& args) {
    if (args.empty() || args.front().undefined()) return value{};
    const value& arg = args.front();
    if (!arg.is_object() && !arg.is_array())
        return fail("T0410", "Argument 1 of function \"transform\" does not match function signature");
    auto doc = std::make_shared<json>(to_json_or_null(arg));
    if (auto r = charge(doc->size()); !r) return tl::make_unexpected(r.error());
    const std::shared_ptr<const json> holder = doc;
    const node* def = f.def;
    auto matches = eval(def->lhs, value::ref(*doc, holder), f.env);
    if (!matches) return matches;
    std::vector<call_detail::location> targets;
    {
        std::unordered_map<const json*, call_detail::location> where;
        call_detail::location here;
        call_detail::index_locations(*doc, here, where);
        for_each_item(*matches, [&](const value& m) {
            if (!m.is_object() || !m.shares(holder)) return;
            const auto it = where.find(&m.j());
            if (it != where.end()) targets.push_back(it->second);
        });
    }
    for (const auto& loc : targets) {
        json* target = call_detail::resolve(*doc, loc);
        if (target == nullptr || !target->is_object()) continue;
        auto update = eval(def->rhs, value::ref(*target, holder), f.env);
        if (!update) return update;
        if (!update->undefined()) {
            if (!update->is_object())
                return fail("T2011", "The insert/update clause of the transform expression must evaluate to an object: " + to_json_text(*update));
            json fields = update->j();  // copied first: it may point into the document being changed
            target = call_detail::resolve(*doc, loc);
            if (target == nullptr) continue;
            for (auto it = fields.begin(); it != fields.end(); ++it) (*target)[it.key()] = std::move(it.value());
        }
        if (def->third != nullptr) {
            auto del = eval(def->third, value::ref(*target, holder), f.env);
            if (!del) return del;
            if (del->undefined()) continue;
            std::vector<std::string> keys;
            bool strings = true;
            for_each_item(*del, [&](const value& k) {
                if (k.is_string()) keys.push_back(k.str());
                else strings = false;
            });
            if (!strings)
                return fail("T2012", "The delete clause of the transform expression must evaluate to a string or array of strings: " + to_json_text(*del));
            target = call_detail::resolve(*doc, loc);
            if (target == nullptr) continue;
            for (const auto& k : keys) target->erase(k);
        }
    }
    return value::ref(*doc, holder);
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
