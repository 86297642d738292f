// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_JSONATA_FLOW_HPP
#define STEPFN_ENGINE_DETAIL_JSONATA_FLOW_HPP

// The data flow of a JSONata state (asl-reference.md §10): Arguments → work → Assign → Output,
// every expression reading `$states` (input, result, errorOutput, context) and the variables as
// they were when the state was entered. The state's input moves into `$states.input` and back
// out, so binding it copies nothing.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/detail/timestamp.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/expressions/jsonata_template.hpp>

namespace stepfn::detail {

inline bool reads_input(const std::optional<jsonata_template>& t) { return t && t->reads(states_member::input); }

// Whether a JSONata Task, Parallel or Map still needs its input once its Arguments are made:
// its Output or Assign reads `$states.input`, or Retry and Catch start again from it.
inline bool jsonata_keeps_input(const state& s) {
    return recovers(s) || reads_input(s.jsonata_output) || (s.assign && reads_input(s.assign->jsonata));
}

inline error query_error(const jsonata_template& t, const char* field, const json& value, const std::string& wanted) {
    return error{errors::query_evaluation_error, "The JSONata expression '" + t.expression_text() +
                                                     "' specified for the field '" + field + "' returned " +
                                                     json_text(value) + ", but " + wanted + " was expected."};
}

// An integer field (TimeoutSeconds, MaxConcurrency, Seconds, ...) written as a literal or an
// expression; nullopt when absent. A value outside [low, high] is States.QueryEvaluationError.
STEPFN_INLINE result<std::optional<std::int64_t>> engine_core::jsonata_integer(const int_or_path& field,
                                                                               states_env& env, const char* name,
                                                                               std::int64_t low,
                                                                               std::int64_t high) const {
    if (field.value) return field.value;
    if (!field.expression) return std::optional<std::int64_t>();
    auto v = env.evaluate(*field.expression);
    if (!v) return tl::make_unexpected(std::move(v.error()));
    if (v->is_number()) {
        const double d = v->get<double>();
        if (std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(low) && d <= static_cast<double>(high))
            return std::optional<std::int64_t>(static_cast<std::int64_t>(d));
    }
    return tl::make_unexpected(query_error(*field.expression, name, *v,
                                           "an integer from " + std::to_string(low) + " to " + std::to_string(high)));
}

// A template evaluated with `input` as `$states.input` (a copy: for the few fields read where
// the input must stay, e.g. a distributed Map's reader and writer).
inline result<json> jsonata_over(const jsonata_template& t, const json& input, const eval_env& base) {
    states_env env(base);
    if (t.reads(states_member::input)) env.set("input", input);
    return env.evaluate(t);
}

// Assign, then Output (absent: `fallback`, the input or the result), then the payload limit
// unless the output is one that was checked already.
STEPFN_INLINE result<json> engine_core::jsonata_output(const state& s, states_env& env,
                                                       const std::optional<assign_block>& assign,
                                                       const std::optional<jsonata_template>& output,
                                                       const char* fallback, json& assigned) const {
    if (assign && assign->jsonata) {
        auto vars = limit_assigned(env.evaluate(*assign->jsonata));
        if (!vars) return vars;
        assigned = std::move(*vars);
    }
    if (!output) return env.take(fallback);
    auto out = env.evaluate_last(*output);  // nothing reads `$states.input` after the Output
    if (!out) return out;
    if (auto size = check_size(*out, s.name); !size) return tl::make_unexpected(std::move(size.error()));
    return out;
}

// Pass, Succeed and Choice: Output and Assign over the input (Choice: its chosen rule's).
STEPFN_INLINE outcome engine_core::run_jsonata_flow(const std::shared_ptr<frame>& f, const state& s) {
    // Without Output and Assign the input is the output, left in its frame (as JSONPath's).
    const bool in_place = !f->exec->inspector && passes_input_through(s);
    if (in_place && s.type() != state_type::choice) return outcome::advance_in_place(next_of(s), f->input_size);
    frame_env base(*this, *f, s);
    states_env env(base);
    inspect(*f, s, "input", f->input);
    env.set("input", std::move(f->input));
    const transition* target = next_of(s);
    const std::optional<assign_block>* assign = &s.assign;
    const std::optional<jsonata_template>* output = &s.jsonata_output;
    if (const auto* c = std::get_if<choice_state>(&s.body)) {
        target = nullptr;
        const json& input = *env.get("input");
        for (const auto& branch : c->choices) {
            auto matched = branch.rule.evaluate(input, env);
            if (!matched) return outcome::fail(std::move(matched.error()));
            if (*matched) {
                target = &branch.next;
                // The chosen rule's Assign and Output replace the state's.
                if (branch.assign) assign = &branch.assign;
                if (branch.jsonata_output) output = &branch.jsonata_output;
                break;
            }
        }
        if (!target) {
            if (!c->default_)
                return outcome::fail(error{errors::no_choice_matched, "No Matches! The Choice state '" + s.name +
                                                                          "' matched no rule and has no Default."});
            target = &*c->default_;
        }
        if (in_place) {
            f->input = env.take("input");
            return outcome::advance_in_place(target, f->input_size);
        }
    }
    json assigned;
    auto out = jsonata_output(s, env, *assign, *output, "input", assigned);
    if (!out) return outcome::fail(std::move(out.error()));
    inspect(*f, s, "output", out);
    return outcome::advance(std::move(*out), target, std::move(assigned));
}

// Wait: Seconds or Timestamp (a literal or an expression), then Assign and Output.
STEPFN_INLINE result<time_point> engine_core::jsonata_wake(const wait_state& w, states_env& env, time_point now) const {
    constexpr std::int64_t max_delay_seconds = 2147483647;  // AWS: "Wait state delay is too long."
    if (w.seconds) return now + std::chrono::seconds(*w.seconds);
    if (w.jsonata_seconds) {
        int_or_path seconds;
        seconds.expression = w.jsonata_seconds;
        auto v = jsonata_integer(seconds, env, "Seconds", 0, max_delay_seconds);
        if (!v) return tl::make_unexpected(std::move(v.error()));
        return now + std::chrono::seconds(**v);
    }
    std::optional<instant> at;
    if (w.timestamp) at = parse_rfc3339(*w.timestamp);
    if (w.jsonata_timestamp) {
        auto v = env.evaluate(*w.jsonata_timestamp);
        if (!v) return tl::make_unexpected(std::move(v.error()));
        if (v->is_string()) at = parse_rfc3339(v->get_ref<const std::string&>());
        if (!at) return tl::make_unexpected(query_error(*w.jsonata_timestamp, "Timestamp", *v, "an RFC 3339 timestamp"));
    }
    if (!at) return now;
    const auto ahead = at->seconds - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (ahead > max_delay_seconds) return make_error(errors::runtime, "Wait state delay is too long.");
    return (std::max)(now, to_time_point(*at));
}

STEPFN_INLINE outcome engine_core::run_wait_jsonata(const std::shared_ptr<frame>& f, const state& s, const wait_state& w) {
    frame_env base(*this, *f, s);
    states_env env(base);
    inspect(*f, s, "input", f->input);
    env.set("input", std::move(f->input));
    auto wake = jsonata_wake(w, env, clock_->now());
    if (!wake) return outcome::fail(std::move(wake.error()));
    json assigned;
    auto out = jsonata_output(s, env, s.assign, s.jsonata_output, "input", assigned);
    if (!out) return outcome::fail(std::move(out.error()));
    inspect(*f, s, "output", out);
    f->input = std::move(*out);
    f->input_size = unknown_size;
    f->wait_assigned = std::move(assigned);
    f->waiting = true;
    arm_wait(f, *wake);
    return outcome::parked();
}

// Fail: Error and Cause, literals or expressions over the input.
STEPFN_INLINE outcome engine_core::run_fail_jsonata(const std::shared_ptr<frame>& f, const state& s, const fail_state& fs) {
    frame_env base(*this, *f, s);
    states_env env(base);
    env.set("input", std::move(f->input));
    auto field = [&](const std::optional<std::string>& literal, const std::optional<jsonata_template>& expression,
                     const char* name) -> result<std::string> {
        if (literal) return *literal;
        if (!expression) return std::string();
        auto v = env.evaluate(*expression);
        if (!v) return tl::make_unexpected(std::move(v.error()));
        if (!v->is_string()) return tl::make_unexpected(query_error(*expression, name, *v, "a string"));
        return v->get<std::string>();
    };
    auto error_name = field(fs.error, fs.jsonata_error, "Error");
    if (!error_name) {
        evaluation_failed(f, s, error_name.error());
        return outcome::fail_frame(std::move(error_name.error()));
    }
    auto cause = field(fs.cause, fs.jsonata_cause, "Cause");
    if (!cause) {
        evaluation_failed(f, s, cause.error());
        return outcome::fail_frame(std::move(cause.error()));
    }
    return outcome::fail_frame(error{std::move(*error_name), std::move(*cause)});
}

// Binds `$states.input` for a Task, Parallel or Map: the input stays in the frame when Output,
// Assign, Retry or Catch need it again.
inline void bind_input(frame& f, const state& s, states_env& env) {
    env.set("input", jsonata_keeps_input(s) ? json(f.input) : std::move(f.input));
}

// Task and Parallel: Arguments over the input bound by bind_input (absent: the input itself,
// moved out of `env`).
STEPFN_INLINE result<json> engine_core::jsonata_arguments(frame& f, const state& s,
                                                          const std::optional<jsonata_template>& arguments,
                                                          states_env& env) {
    if (!arguments) return env.take("input");
    auto args = env.evaluate(*arguments);
    if (!args) return args;
    inspect(f, s, "afterArguments", *args);
    if (exceeds_size(*args, options_.bounds.max_payload_bytes)) return tl::make_unexpected(size_error(s.name));
    return args;
}

// The end of a JSONata Task, Parallel or Map: Assign and Output over `$states.result` and
// `$states.input` (the Output defaults to the result). Errors go to Retry and Catch.
STEPFN_INLINE outcome engine_core::complete_jsonata(const std::shared_ptr<frame>& f, const state& s, json value) {
    frame_env base(*this, *f, s);
    states_env env(base);
    inspect(*f, s, "result", value);
    if (reads_input(s.jsonata_output) || (s.assign && reads_input(s.assign->jsonata)))
        env.set("input", recovers(s) ? json(f->input) : std::move(f->input));
    env.set("result", std::move(value));
    json assigned;
    auto out = jsonata_output(s, env, s.assign, s.jsonata_output, "result", assigned);
    if (!out) return outcome::fail(std::move(out.error()));
    inspect(*f, s, "output", out);
    return outcome::advance(std::move(*out), next_of(s), std::move(assigned));
}

// A Catcher of a JSONata state: Assign and Output over `$states.errorOutput` and
// `$states.input` (the Output defaults to the error output).
STEPFN_INLINE result<json> engine_core::jsonata_caught(const std::shared_ptr<frame>& f, const state& s,
                                                       const catcher& c, json error_output, json& assigned) {
    frame_env base(*this, *f, s);
    states_env env(base);
    env.set("input", std::move(f->input));
    env.set("errorOutput", std::move(error_output));
    return jsonata_output(s, env, c.assign, c.jsonata_output, "errorOutput", assigned);
}

} // namespace stepfn::detail

#endif
