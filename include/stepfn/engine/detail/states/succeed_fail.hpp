// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_SUCCEED_FAIL_HPP
#define STEPFN_ENGINE_DETAIL_STATES_SUCCEED_FAIL_HPP

// Succeed ends its frame with its input; Fail ends it with an error and a cause.

#include <string>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>

namespace stepfn::detail {

STEPFN_INLINE outcome engine_core::run_succeed(const std::shared_ptr<frame>& f, const state& s) {
    if (!f->exec->inspector && passes_input_through(s)) return outcome::advance_in_place(nullptr, f->input_size);
    frame_env env(*this, *f, s);
    auto eff = effective_input(s, std::move(f->input), env);
    if (!eff) return outcome::fail(std::move(eff.error()));
    json assigned;  // Succeed has no Assign
    auto out = select_output(*f, s, std::move(*eff), env, s.assign, assigned);
    if (!out) return outcome::fail(std::move(out.error()));
    return outcome::advance(std::move(*out), nullptr);
}

STEPFN_INLINE outcome engine_core::run_fail(const std::shared_ptr<frame>& f, const state& s, const fail_state& fs) {
    frame_env env(*this, *f, s);
    auto field = [&](const std::optional<std::string>& literal, const std::optional<value_expression>& path,
                     const char* name) -> result<std::string> {
        if (literal) return *literal;
        if (!path) return std::string();
        auto value = path->evaluate(f->input, env);
        if (!value)
            return make_error(errors::runtime, "The JSONPath '" + path->text() + "' specified for the field '" + name +
                                                   "' could not be found in the input '" + json_text(f->input) + "'");
        return value->is_string() ? value->get<std::string>() : json_text(*value);
    };
    auto error_name = field(fs.error, fs.error_path, "ErrorPath");
    if (!error_name) return outcome::fail(std::move(error_name.error()));
    auto cause = field(fs.cause, fs.cause_path, "CausePath");
    if (!cause) return outcome::fail(std::move(cause.error()));
    // The workflow's own error, as written: no Retry or Catch applies to a Fail state.
    return outcome::fail_frame(error{std::move(*error_name), std::move(*cause)});
}

} // namespace stepfn::detail

#endif
