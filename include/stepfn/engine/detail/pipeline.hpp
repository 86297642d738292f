// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_PIPELINE_HPP
#define STEPFN_ENGINE_DETAIL_PIPELINE_HPP

// The data flow every state shares (asl-reference.md §7): InputPath → Parameters → work →
// ResultSelector → ResultPath → OutputPath, with Assign and the payload limit. JSON moves
// through it; the raw input is kept only while Retry, Catch or a ResultPath merge still need it.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/detail/json_release.hpp>
#include <stepfn/detail/json_size.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/sized_merge.hpp>

namespace stepfn::detail {

inline const recovery* recovery_of(const state& s) {
    if (const auto* t = std::get_if<task_state>(&s.body)) return &t->recover;
    if (const auto* p = std::get_if<parallel_state>(&s.body)) return &p->recover;
    if (const auto* m = std::get_if<map_state>(&s.body)) return &m->recover;
    return nullptr;
}

// A definite path selects one node of its document, so never produces more than it was given;
// an indefinite one (`$..*`, a filter) can repeat nodes and grow.
inline bool definite(const std::optional<json_path>& path) { return !path || path->is_definite(); }

// Whether a state's output is only a selection of its input (definite InputPath and OutputPath):
// then it cannot exceed the payload limit, which that input was checked against.
inline bool selects_only(const state& s) { return definite(s.input_path) && definite(s.output_path); }

// InputPath and OutputPath both `$`: the state reads and hands on its whole input.
inline bool root_paths(const state& s) {
    return s.input_path && s.input_path->is_root() && s.output_path && s.output_path->is_root();
}

// A JSONata Pass, Choice or Succeed without Output and Assign, on the state and on every rule:
// its output is its input.
inline bool jsonata_passes_input_through(const state& s) {
    if (s.assign || s.jsonata_output) return false;
    if (const auto* c = std::get_if<choice_state>(&s.body)) {
        for (const auto& branch : c->choices)
            if (branch.assign || branch.jsonata_output) return false;
        return true;
    }
    if (const auto* p = std::get_if<pass_state>(&s.body)) return !p->result && !p->parameters;
    return s.type() == state_type::succeed;
}

// A JSONPath Pass with nothing but Next/End, a Choice or a Succeed, with InputPath and
// OutputPath `$` (or such a JSONata state, above): its output is its input, untouched, so its
// Exited event shows the text its Entered event made, and the input stays in its frame
// (outcome::advance_in_place).
inline bool passes_input_through(const state& s) {
    if (s.language == query_language::jsonata) return jsonata_passes_input_through(s);
    if (!root_paths(s)) return false;
    if (s.type() == state_type::choice || s.type() == state_type::succeed) return true;
    if (s.type() != state_type::pass || s.assign) return false;
    const auto& p = std::get<pass_state>(s.body);
    return !p.result && !p.parameters && p.result_path && p.result_path->is_root();
}

// Whether the state has Retry or Catch rules, which start again from its raw input.
inline bool recovers(const state& s) {
    const recovery* r = recovery_of(s);
    return r && (!r->retry.empty() || !r->catch_.empty());
}

// Whether a Task, Parallel or Map state needs its raw input once its effective input is made:
// a ResultPath merges into it (null outputs it), and Retry and Catch start again from it. When
// it does not, the effective input is made by moving the raw input, not copying it.
inline bool keeps_raw_input(const state& s, const std::optional<json_path>& result_path) {
    return !result_path || !result_path->is_root() || recovers(s);
}

inline result<json> apply_result_path(const std::optional<json_path>& path, json raw, json value) {
    if (!path) {
        release(value);
        return raw;
    }
    if (path->is_root()) {
        release(raw);
        return value;
    }
    auto assigned = path->assign(raw, std::move(value));
    if (!assigned) return tl::make_unexpected(std::move(assigned.error()));
    return raw;
}

// States.Runtime errors name the state and the event it was entered at, as AWS's do.
STEPFN_INLINE error engine_core::state_error(const frame& f, const state& s, error e) const {
    if (e.name == errors::runtime)
        e.cause = "An error occurred while executing the state '" + s.name + "' (entered at the event id #" +
                  std::to_string(f.entered_event) + "). " + e.cause;
    return e;
}

STEPFN_INLINE result<json> engine_core::effective_input(const state& s, json raw, const eval_env& env) const {
    if (!s.input_path) return json::object();
    if (s.input_path->is_root()) return raw;
    return s.input_path->extract(std::move(raw), env);
}

// The effective input where it lies in `raw` (a definite InputPath), for Parameters to read in
// place instead of copying the raw input; `none` holds the `{}` of a null InputPath. nullptr
// when it is not there: the caller then goes the copying way, which reports the error.
inline const json* effective_in_place(const state& s, const json& raw, const eval_env& env, json& none) {
    if (!definite(s.input_path)) return nullptr;
    if (!s.input_path) return &(none = json::object());
    if (s.input_path->is_root()) return &raw;
    return s.input_path->find(raw, env);
}

// Whether what effective_in_place finds lies in the state's raw input (or is the `{}` of a null
// InputPath), not in the context object or a variable: only then may Parameters take from it.
inline bool effective_in_raw(const state& s) { return !s.input_path || s.input_path->root() == json_path::root_kind::input; }

STEPFN_INLINE result<json> engine_core::apply_output_path(const state& s, json data, const eval_env& env) const {
    if (!s.output_path) return json::object();
    if (s.output_path->is_root()) return data;
    return s.output_path->extract(std::move(data), env);
}

inline error size_error(const std::string& what) {
    return error{errors::data_limit_exceeded,
                 "The state/task '" + what + "' returned a result with a size exceeding the maximum number of bytes service limit."};
}

STEPFN_INLINE result<std::size_t> engine_core::check_size(const json& value, const std::string& what) const {
    const std::size_t size = serialized_size(value, options_.bounds.max_payload_bytes);
    if (size > options_.bounds.max_payload_bytes) return tl::make_unexpected(size_error(what));
    return size;
}

// AWS's quotas on the values one Assign sets (either query language).
inline result<json> limit_assigned(result<json> assigned) {
    if (!assigned || !assigned->is_object()) return assigned;
    constexpr std::size_t max_variable_bytes = 262144;
    if (exceeds_size(*assigned, max_variable_bytes)) {
        for (auto& item : assigned->items())
            if (exceeds_size(item.value(), max_variable_bytes))
                return make_error(errors::data_limit_exceeded, "The value assigned to the variable '" + item.key() +
                                                                   "' exceeds the maximum size of 262144 bytes.");
        return make_error(errors::data_limit_exceeded,
                          "The values assigned by one Assign exceed the maximum size of 262144 bytes.");
    }
    return assigned;
}

// Evaluates an Assign block against `value` and returns the new variables (not yet visible:
// every expression of one state sees the values as of its entry). AWS's quotas: 256 KiB per
// variable and per Assign.
STEPFN_INLINE result<json> engine_core::evaluate_assign(const std::optional<assign_block>& assign, const json& value,
                                                        const eval_env& env) const {
    if (!assign || !assign->jsonpath) return json();
    return limit_assigned(assign->jsonpath->evaluate(value, env));
}

STEPFN_INLINE result<std::int64_t> engine_core::positive_from_path(const json_path& path, const json& input,
                                                           const eval_env& env, const char* field,
                                                           bool allow_zero) const {
    const json* value = path.is_definite() ? path.find(input, env) : nullptr;
    if (!value)
        return make_error(errors::runtime, std::string("The ") + field +
                                               " parameter does not reference an input value: " + path.text());
    std::optional<std::int64_t> number;
    if (value->is_number_integer()) {
        number = value->get<std::int64_t>();
    } else if (value->is_number_float()) {
        const double d = value->get<double>();
        if (d == static_cast<double>(static_cast<std::int64_t>(d))) number = static_cast<std::int64_t>(d);
    } else if (value->is_string()) {
        // AWS accepts numeric strings such as "1" (asl-reference.md §13.15).
        const auto& s = value->get_ref<const std::string&>();
        if (!s.empty() && s.size() < 19 &&
            std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            s != "-")
            number = std::stoll(s);
    }
    if (!number)
        return make_error(errors::runtime, std::string("The ") + field + " parameter cannot be parsed as a long value: " +
                                               path.text() + " == " + json_text(*value));
    if (*number < 0 || (!allow_zero && *number == 0))
        return make_error(errors::runtime, std::string("The ") + field + " parameter references a " +
                                               (*number < 0 ? "negative" : "zero") + " value: " + path.text() +
                                               " == " + std::to_string(*number));
    return *number;
}

// The common end of a Task, Parallel or Map that produced `value`: Assign, ResultSelector,
// ResultPath, OutputPath, the size check, then the transition. Errors go to Retry/Catch.
STEPFN_INLINE outcome engine_core::complete_state(const std::shared_ptr<frame>& f, const state& s, json value,
                                                  const std::optional<payload_template>& selector,
                                                  const std::optional<json_path>& result_path, std::size_t value_size) {
    if (s.language == query_language::jsonata) return complete_jsonata(f, s, std::move(value));
    frame_env env(*this, *f, s);
    auto vars = evaluate_assign(s.assign, value, env);
    if (!vars) return outcome::fail(std::move(vars.error()));
    inspect(*f, s, "result", value);
    result<json> selected = selector ? selector->evaluate(value, env) : result<json>(std::move(value));
    if (!selected) return outcome::fail(std::move(selected.error()));
    inspect(*f, s, "afterResultSelector", selected);
    const bool whole_output = s.output_path && s.output_path->is_root();
    if (result_path && !result_path->is_root() && (whole_output || !recovers(s))) {
        // Merged into the raw input in place. When Retry or Catch may still need that input,
        // a merge that fails the size check is undone, so the success path copies nothing.
        const std::size_t limit = options_.bounds.max_payload_bytes;
        auto merged = merge_sized(*result_path, f->input, f->input_size, std::move(*selected), limit,
                                  selector ? unknown_size : value_size);
        if (!merged) return outcome::fail(std::move(merged.error()));
        inspect(*f, s, "afterResultPath", f->input);
        if (!whole_output) {
            auto out = apply_output_path(s, std::move(f->input), env);
            if (!out) return outcome::fail(std::move(out.error()));
            if (auto size = check_size(*out, s.name); !size) return outcome::fail(std::move(size.error()));
            inspect(*f, s, "output", out);
            return outcome::advance(std::move(*out), next_of(s), std::move(*vars));
        }
        const std::size_t size = merged_size(*merged, f->input, limit);
        if (size > limit) {
            undo_merge(merged->effect);
            return outcome::fail(size_error(s.name));
        }
        inspect(*f, s, "output", f->input);
        return outcome::advance(std::move(f->input), next_of(s), std::move(*vars), size);
    }
    // ResultPath "$" drops the raw input. Otherwise it is kept until the output is final when
    // Retry or Catch may still need it (a failing ResultPath is caught with the raw input).
    json raw;
    if (!result_path || !result_path->is_root()) raw = recovers(s) ? json(f->input) : std::move(f->input);
    auto merged = apply_result_path(result_path, std::move(raw), std::move(*selected));
    if (!merged) return outcome::fail(std::move(merged.error()));
    inspect(*f, s, "afterResultPath", merged);
    auto out = apply_output_path(s, std::move(*merged), env);
    if (!out) return outcome::fail(std::move(out.error()));
    // The output is the value itself: its known size stands for the walk.
    const bool sized = value_size != unknown_size && !selector && result_path && result_path->is_root() &&
                       s.output_path && s.output_path->is_root();
    std::size_t out_size = value_size;
    if (!sized) {
        auto size = check_size(*out, s.name);
        if (!size) return outcome::fail(std::move(size.error()));
        out_size = *size;  // kept: an iteration's runner adds it to the Map's size without a walk
    } else if (value_size > options_.bounds.max_payload_bytes) {
        return outcome::fail(size_error(s.name));
    }
    inspect(*f, s, "output", out);
    return outcome::advance(std::move(*out), next_of(s), std::move(*vars), out_size);
}

// Choice, Wait and Succeed pass their effective input on: Assign over it, then OutputPath, and
// the payload limit unless the output only selects from an input that was checked.
STEPFN_INLINE result<json> engine_core::select_output(const frame&, const state& s, json effective,
                                                      const eval_env& env, const std::optional<assign_block>& assign,
                                                      json& assigned) const {
    auto vars = evaluate_assign(assign, effective, env);
    if (!vars) return tl::make_unexpected(std::move(vars.error()));
    assigned = std::move(*vars);
    auto out = apply_output_path(s, std::move(effective), env);
    if (!out) return out;
    if (!selects_only(s))
        if (auto size = check_size(*out, s.name); !size) return tl::make_unexpected(std::move(size.error()));
    return out;
}

} // namespace stepfn::detail

#endif
