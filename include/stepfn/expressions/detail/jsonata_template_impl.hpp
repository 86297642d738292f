#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_TEMPLATE_IMPL_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_TEMPLATE_IMPL_HPP

#include <stepfn/config.hpp>
#include <stepfn/expressions/jsonata_template.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/json_object.hpp>  // reserve_members
#include <stepfn/detail/json_pointer.hpp>
#include <stepfn/expressions/detail/jsonata/program.hpp>  // null_non_finite
#include <stepfn/expressions/detail/jsonata_shortcut.hpp>
#include <stepfn/expressions/detail/jsonata_text.hpp>
#include <stepfn/expressions/query_language.hpp>

namespace stepfn {

namespace detail {

static_assert(static_cast<std::uint8_t>(states_member::input) == states_input_bit &&
                  static_cast<std::uint8_t>(states_member::result) == states_result_bit &&
                  static_cast<std::uint8_t>(states_member::error_output) == states_error_output_bit &&
                  static_cast<std::uint8_t>(states_member::context) == states_context_bit &&
                  static_cast<std::uint8_t>(states_member::execution_input) == states_execution_input_bit,
              "jsonata_text.hpp's bits are states_member's");

// One node of a compiled template: a literal (a subtree without expressions, copied as is),
// an expression, or an object or array some of whose members are expressions.
struct jsonata_part {
    enum class kind : std::uint8_t { literal, expression, object, array };
    kind k = kind::literal;
    const json* literal = nullptr;               // into the template's own copy of the source
    std::optional<jsonata_expression> expression;
    std::optional<jsonata_shortcut> shortcut;    // a plain path, or one compared with a literal
    std::optional<jsonata_expression> merge_rest; // X of `$merge([$states.input, X])`
    std::optional<object_of_paths> merge_paths;  // X when it is an object of plain paths
    std::vector<bool> merge_takes;               // which of those may be taken (takeable_reads)
    bool takes = false;                          // may take what it reads of `$states` (takeable_reads)
    std::string text;                            // the expression as AWS's messages quote it
    std::string field;                           // "Arguments/a/0"
    std::vector<std::string> keys;               // an object's keys, in order, and their values in `items`
    std::vector<jsonata_part> items;             // (a vector of an incomplete type: allowed, a pair is not)
};

class jsonata_template_compiler {
public:
    explicit jsonata_template_compiler(const jsonata_options& options) : options_(options) {}

    std::vector<diagnostic> problems;
    std::uint8_t reads = 0;
    bool any_expression = false;

    jsonata_part compile(const json& value, const std::string& pointer, const std::string& field, std::size_t depth) {
        jsonata_part out;
        out.literal = &value;
        out.field = field;
        if (depth > max_depth) {
            problems.push_back({pointer, "the value is nested more than " + std::to_string(max_depth) + " levels deep"});
            return out;
        }
        if (const auto* text = value.get_ptr<const std::string*>(); text && is_jsonata_expression(*text)) {
            any_expression = true;
            out.text = std::string(trim_spaces(std::string_view(*text).substr(2, text->size() - 4)));
            auto compiled = jsonata_expression::compile(std::string_view(*text).substr(2, text->size() - 4), options_);
            if (!compiled) {
                problems.push_back({pointer, "The JSONata expression '" + out.text + "' is not valid: " + compiled.error().cause});
                return out;
            }
            if (compiled->uses_context_item()) {
                problems.push_back({pointer, "The JSONata expression '" + out.text +
                                                 "' reads the context item ($, $$ or a field name at the top level); "
                                                 "Step Functions expressions have none: read the input as $states.input"});
                return out;
            }
            reads = static_cast<std::uint8_t>(reads | states_members_read(out.text));
            if ((reads & states_context_bit) != 0 && states_reads_execution_input(out.text))
                reads = static_cast<std::uint8_t>(reads | states_execution_input_bit);
            out.k = jsonata_part::kind::expression;
            out.expression = std::move(*compiled);
            out.shortcut = parse_shortcut(out.text);
            if (auto rest = merge_input_rest(out.text))
                if (auto x = jsonata_expression::compile(*rest, options_); x && !x->uses_context_item()) {
                    out.merge_rest = std::move(*x);
                    out.merge_paths = parse_object_of_paths(*rest);
                }
            return out;
        }
        bool dynamic = false;
        if (value.is_object()) {
            for (auto it = value.cbegin(); it != value.cend(); ++it) {
                auto child = compile(it.value(), pointer_child(pointer, it.key()), field + "/" + it.key(), depth + 1);
                dynamic = dynamic || child.k != jsonata_part::kind::literal;
                out.keys.push_back(it.key());
                out.items.push_back(std::move(child));
            }
            if (dynamic) out.k = jsonata_part::kind::object;
        } else if (value.is_array()) {
            for (std::size_t i = 0; i < value.size(); ++i) {
                auto child = compile(value[i], pointer_child(pointer, i), field + "/" + std::to_string(i), depth + 1);
                dynamic = dynamic || child.k != jsonata_part::kind::literal;
                out.items.push_back(std::move(child));
            }
            if (dynamic) out.k = jsonata_part::kind::array;
        }
        if (!dynamic) {
            out.keys.clear();
            out.items.clear();
        }
        return out;
    }

private:
    static constexpr std::size_t max_depth = 512;
    const jsonata_options& options_;
};

// Marks what the expressions of a template may take from `$states` instead of copying when the
// template is its last reader (a state's Output): a plain path from `$states.input`, `.result` or
// `.errorOutput`, and the input of `$merge([$states.input, X])` and X's paths when X is an object
// of plain paths, each when no other expression of the template may read it (no path equal to
// it, inside it or around it; no expression naming that member otherwise) and, within X, no
// other path of X either (X's paths into the input are copied: the input is taken after X).
class takeable_reads {
public:
    explicit takeable_reads(jsonata_part& root) {
        collect(root);
        for (std::size_t i = 0; i < reads_.size(); ++i) {
            jsonata_part& p = *reads_[i].part;
            const auto alone = [&](const path& wanted) {
                for (std::size_t j = 0; j < reads_.size(); ++j)
                    if (j != i && overlaps(reads_[j], wanted)) return false;
                return true;
            };
            if (p.shortcut && !reads_[i].paths.empty()) p.takes = alone(reads_[i].paths.front());
            if (!p.merge_rest) continue;
            p.takes = alone({"input"});
            if (!p.merge_paths) continue;
            p.merge_takes.assign(p.merge_paths->size(), false);
            if (!reads_[i].exact) continue;
            for (std::size_t k = 0; k < p.merge_paths->size(); ++k) {
                const jsonata_shortcut& sc = (*p.merge_paths)[k].second;
                if (sc.variable != "states" || sc.names.front() == "input" || !alone(sc.names)) continue;
                bool own = true;  // no other path of X reads it
                for (std::size_t m = 0; m < p.merge_paths->size() && own; ++m)
                    if (m != k && (*p.merge_paths)[m].second.variable == "states")
                        own = !prefixed((*p.merge_paths)[m].second.names, sc.names);
                p.merge_takes[k] = own;
            }
        }
    }

private:
    using path = std::vector<std::string>;  // a member of `$states`, then names
    struct read {
        jsonata_part* part;
        std::uint8_t members;     // what its text may read of `$states`
        bool exact = false;       // it reads `paths` and nothing else of `$states`
        std::vector<path> paths;  // (a $merge's first is its whole input)
    };

    void collect(jsonata_part& p) {
        if (p.k != jsonata_part::kind::expression) {
            for (auto& item : p.items) collect(item);
            return;
        }
        read r{&p, states_members_read(p.text), false, {}};
        const auto& sc = p.shortcut;
        if (sc && states_path(*sc)) {
            r.exact = sc->rel == jsonata_shortcut::relation::none;
            if (r.exact) r.paths.push_back(sc->names);
        } else if (p.merge_rest) {
            r.paths.push_back({"input"});
            r.exact = p.merge_paths.has_value();
            if (r.exact)
                for (const auto& member : *p.merge_paths) {
                    if (member.second.variable != "states") continue;
                    if (!states_path(member.second)) r.exact = false;
                    else r.paths.push_back(member.second.names);
                }
        }
        reads_.push_back(std::move(r));
    }

    static std::uint8_t member_bit(const std::string& name) {
        return name == "input" ? states_input_bit
               : name == "result" ? states_result_bit
               : name == "errorOutput" ? states_error_output_bit
               : 0;
    }
    // `$states.input...`, `$states.result...` or `$states.errorOutput...`.
    static bool states_path(const jsonata_shortcut& sc) {
        return sc.variable == "states" && !sc.names.empty() && member_bit(sc.names.front()) != 0;
    }
    static bool prefixed(const path& a, const path& b) {
        const std::size_t n = (std::min)(a.size(), b.size());
        return std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin());
    }
    // Whether `other` may read some of `wanted`.
    static bool overlaps(const read& other, const path& wanted) {
        if ((other.members & member_bit(wanted.front())) == 0) return false;
        if (!other.exact) return true;
        for (const auto& p : other.paths)
            if (prefixed(p, wanted)) return true;
        return false;
    }

    std::vector<read> reads_;
};

// X of `$merge([$states.input, X])` when X is an object of plain paths that all reach a value:
// built from them, those marked in `merge_takes` taken from `states`; nullopt when the evaluator
// must answer (a path that misses, which nothing has been taken from yet).
inline std::optional<json> merge_object_of_paths(const jsonata_part& p, const eval_env& env, json& states) {
    const object_of_paths& paths = *p.merge_paths;
    for (const auto& member : paths)
        if (shortcut_target(member.second, env.variable(member.second.variable)) == nullptr) return std::nullopt;
    json x = json::object();
    reserve_members(x, paths.size());
    auto& members = x.get_ref<json::object_t&>();
    for (std::size_t i = 0; i < paths.size(); ++i) {
        auto v = p.merge_takes[i] ? try_take(paths[i].second, states) : try_shortcut(paths[i].second, env);
        if (!v) return std::nullopt;  // not reached: every path was found above
        members.emplace_back(paths[i].first, std::move(*v));  // the keys are distinct
    }
    return x;
}

// `$merge([$states.input, X])` when `input` is `$states.input` and may be consumed: X is
// evaluated first (it may read the input too), then, when it is an object, the input becomes the
// result with X's members set over it, in the order $merge gives, and X's error is the
// expression's. Anything else (X undefined or a function, which evaluate() does not tell apart,
// an array or a scalar) is left to the whole expression, which gives the reference's answer.
// nullopt: the shortcut does not apply.
inline std::optional<result<std::optional<json>>> try_merge_input(const jsonata_part& p, const eval_env& env, json* states) {
    json* input = states != nullptr && p.merge_rest ? find_member(*states, "input") : nullptr;
    // A workflow variable named `merge` is what `$merge` calls (the host's variables come before
    // the built-in functions): the evaluator says what that means.
    if (input == nullptr || !input->is_object() || env.variable("merge") != nullptr) return std::nullopt;
    std::optional<json> quick;
    if (p.merge_paths) quick = merge_object_of_paths(p, env, *states);
    auto x = quick ? result<std::optional<json>>(std::move(quick)) : p.merge_rest->evaluate(nullptr, env);
    if (!x) return std::optional<result<std::optional<json>>>(std::move(x));
    if (!*x || !(*x)->is_object()) return std::nullopt;
    json out = std::move(*input);
    *input = json();
    reserve_members(out, out.size() + (*x)->size());  // growing it would copy every member
    for (auto it = (*x)->begin(); it != (*x)->end(); ++it) out[it.key()] = std::move(it.value());
    jsonata::null_non_finite(out);  // as the evaluator's result: -0 is 0, a non-finite number null
    return result<std::optional<json>>(std::optional<json>(std::move(out)));
}

// `states`: `$states` as `env` binds it when its members may be taken (by parts marked `takes`).
inline result<json> evaluate_part(const jsonata_part& p, const eval_env& env, json* states = nullptr) {
    switch (p.k) {
    case jsonata_part::kind::literal: return *p.literal;
    case jsonata_part::kind::expression: {
        json* const taking = p.takes ? states : nullptr;
        if (p.shortcut) {
            auto quick = taking != nullptr ? try_take(*p.shortcut, *taking) : try_shortcut(*p.shortcut, env);
            if (quick) return std::move(*quick);
        }
        auto merged = try_merge_input(p, env, taking);
        auto v = merged ? std::move(*merged) : p.expression->evaluate(nullptr, env);
        if (!v)
            return make_error(errors::query_evaluation_error, "The JSONata expression '" + p.text +
                                                                  "' specified for the field '" + p.field +
                                                                  "' threw an error during evaluation. " + v.error().cause);
        if (!*v)
            return make_error(errors::query_evaluation_error, "The JSONata expression '" + p.text +
                                                                  "' specified for the field '" + p.field +
                                                                  "' returned nothing (undefined).");
        return std::move(**v);
    }
    case jsonata_part::kind::object: {
        json out = json::object();
        reserve_members(out, p.keys.size());
        for (std::size_t i = 0; i < p.keys.size(); ++i) {
            auto v = evaluate_part(p.items[i], env, states);
            if (!v) return v;
            out[p.keys[i]] = std::move(*v);
        }
        return out;
    }
    case jsonata_part::kind::array: {
        json out = json::array();
        for (const auto& item : p.items) {
            auto v = evaluate_part(item, env, states);
            if (!v) return v;
            out.push_back(std::move(*v));
        }
        return out;
    }
    }
    return json();
}

} // namespace detail

struct jsonata_template::impl {
    json source;
    detail::jsonata_part root;
    std::uint8_t reads = 0;
    bool literal = true;
};

STEPFN_INLINE result<jsonata_template> jsonata_template::compile(const json& source, std::string_view pointer,
                                                                 std::string_view field,
                                                                 const jsonata_options& options) {
    auto m = std::make_shared<impl>();
    m->source = source;
    detail::jsonata_template_compiler c(options);
    m->root = c.compile(m->source, std::string(pointer), std::string(field), 0);
    if (!c.problems.empty()) return make_invalid(std::move(c.problems));
    detail::takeable_reads mark(m->root);
    m->reads = c.reads;
    m->literal = !c.any_expression;
    jsonata_template out;
    out.impl_ = std::move(m);
    return out;
}

STEPFN_INLINE const json& jsonata_template::source() const noexcept {
    static const json none;
    return impl_ ? impl_->source : none;
}

STEPFN_INLINE bool jsonata_template::is_expression() const noexcept {
    return impl_ && impl_->root.k == detail::jsonata_part::kind::expression;
}

STEPFN_INLINE bool jsonata_template::is_literal() const noexcept { return !impl_ || impl_->literal; }

STEPFN_INLINE bool jsonata_template::reads(states_member member) const noexcept {
    return impl_ && (impl_->reads & static_cast<std::uint8_t>(member)) != 0;
}

STEPFN_INLINE std::string jsonata_template::expression_text() const {
    if (!impl_) return std::string();
    if (impl_->root.k == detail::jsonata_part::kind::expression) return impl_->root.text;
    return impl_->source.dump();
}

STEPFN_INLINE result<json> jsonata_template::evaluate(const eval_env& env) const {
    if (!impl_) return json();
    return detail::evaluate_part(impl_->root, env);
}

STEPFN_INLINE result<json> jsonata_template::evaluate(const eval_env& env, json* states) const {
    if (!impl_) return json();
    return detail::evaluate_part(impl_->root, env, states);
}

} // namespace stepfn

#endif
