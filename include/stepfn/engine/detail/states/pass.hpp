#ifndef STEPFN_ENGINE_DETAIL_STATES_PASS_HPP
#define STEPFN_ENGINE_DETAIL_STATES_PASS_HPP

// Pass: its input, a Result or Parameters, merged by ResultPath.

#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/engine_core.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>

namespace stepfn::detail {

STEPFN_INLINE outcome engine_core::run_pass(const std::shared_ptr<frame>& f, const state& s, const pass_state& p) {
    frame_env env(*this, *f, s);
    inspect(*f, s, "input", f->input);
    result<json> out;
    json assigned;
    if (!p.result && !p.parameters && p.result_path && p.result_path->is_root() && !s.assign) {
        // The common identity-like Pass: move the input through, no copy.
        out = effective_input(s, std::move(f->input), env);
    } else {
        json raw = std::move(f->input);
        result<json> value;
        if (p.result) {
            value = *p.result;
        } else if (s.input_path && s.input_path->is_root() && !p.parameters) {
            value = raw;
        } else {
            const bool keep = !p.result_path || !p.result_path->is_root();
            auto eff = effective_input(s, keep ? json(raw) : std::move(raw), env);
            if (!eff) return outcome::fail(std::move(eff.error()));
            inspect(*f, s, "afterInputPath", eff);
            value = p.parameters ? p.parameters->evaluate(*eff, env) : std::move(eff);
            if (p.parameters) inspect(*f, s, "afterParameters", value);
        }
        inspect(*f, s, "result", value);
        if (!value) return outcome::fail(std::move(value.error()));
        auto vars = evaluate_assign(s.assign, *value, env);
        if (!vars) return outcome::fail(std::move(vars.error()));
        assigned = std::move(*vars);
        out = apply_result_path(p.result_path, std::move(raw), std::move(*value));
    }
    if (!out) return outcome::fail(std::move(out.error()));
    inspect(*f, s, "afterResultPath", out);
    auto final_output = apply_output_path(s, std::move(*out), env);
    if (!final_output) return outcome::fail(std::move(final_output.error()));
    // An identity Pass with definite paths only selects from its input, checked already.
    const bool selection_only = !p.result && !p.parameters && p.result_path && p.result_path->is_root() && selects_only(s);
    if (!selection_only)
        if (auto size = check_size(*final_output, s.name); !size) return outcome::fail(std::move(size.error()));
    inspect(*f, s, "output", final_output);
    return outcome::advance(std::move(*final_output), next_of(s), std::move(assigned));
}

} // namespace stepfn::detail

#endif
