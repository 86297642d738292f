// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_PASS_HPP
#define STEPFN_ENGINE_DETAIL_STATES_PASS_HPP

// Pass: its input, a Result or Parameters, merged by ResultPath.

#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>

namespace stepfn::detail {

STEPFN_INLINE outcome engine_core::run_pass(const std::shared_ptr<frame>& f, const state& s, const pass_state& p) {
    // Nothing but Next or End, paths `$`: the output is the input, which stays where it is.
    if (!f->exec->inspector && passes_input_through(s)) return outcome::advance_in_place(next_of(s), f->input_size);
    frame_env env(*this, *f, s);
    inspect(*f, s, "input", f->input);
    // ResultPath and OutputPath, then the size check unless the output only selects from an
    // input that was checked already.
    std::size_t measured = unknown_size;  // the output's size, when the check walked it
    auto finish = [&](result<json> out, bool selection_only) -> result<json> {
        if (!out) return out;
        inspect(*f, s, "afterResultPath", out);
        auto final_output = apply_output_path(s, std::move(*out), env);
        if (!final_output) return final_output;
        if (!selection_only) {
            auto size = check_size(*final_output, s.name);
            if (!size) return tl::make_unexpected(std::move(size.error()));
            measured = *size;  // kept: an iteration's runner adds it to the Map's size without a walk
        }
        inspect(*f, s, "output", final_output);
        return final_output;
    };
    if (!p.result && !p.parameters && p.result_path && p.result_path->is_root() && !s.assign) {
        // The common identity-like Pass: move the input through, no copy.
        // With InputPath and OutputPath `$` the output is the input, whose size is known.
        const std::size_t size = root_paths(s) ? f->input_size : unknown_size;
        auto out = finish(effective_input(s, std::move(f->input), env), selects_only(s));
        if (!out) return outcome::fail(std::move(out.error()));
        outcome o = outcome::advance(std::move(*out), next_of(s));  // no temporaries on this hot path
        o.output_size = size != unknown_size ? size : measured;
        return o;
    }
    json raw = std::move(f->input);
    const std::size_t raw_size = f->input_size;
    result<json> value;
    // Parameters read the effective input where it lies in the raw input: no copy of it.
    json no_input;
    const json* in_place = !p.result && p.parameters ? effective_in_place(s, raw, env, no_input) : nullptr;
    if (p.result) {
        value = *p.result;
    } else if (s.input_path && s.input_path->is_root() && !p.parameters) {
        value = raw;
    } else if (in_place) {
        inspect(*f, s, "afterInputPath", *in_place);
        // A ResultPath of `$` drops the raw input: what Parameters select is moved out of it.
        // (`in_place` points into `raw`, this frame's own, or into `no_input`.)
        if (p.result_path && p.result_path->is_root() && effective_in_raw(s))
            value = p.parameters->evaluate_taking(*const_cast<json*>(in_place), env);
        else value = p.parameters->evaluate(*in_place, env);
        inspect(*f, s, "afterParameters", value);
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
    if (p.result_path && !p.result_path->is_root() && s.output_path && s.output_path->is_root()) {
        // The merged output's size from the input's and the parts the merge touched.
        const std::size_t limit = options_.bounds.max_payload_bytes;
        auto merged = merge_sized(*p.result_path, raw, raw_size, std::move(*value), limit);
        if (!merged) return outcome::fail(std::move(merged.error()));
        inspect(*f, s, "afterResultPath", raw);
        const std::size_t size = merged_size(*merged, raw, limit);
        if (size > limit) return outcome::fail(size_error(s.name));
        inspect(*f, s, "output", raw);
        return outcome::advance(std::move(raw), next_of(s), std::move(*vars), size);
    }
    const bool selection_only = !p.result && !p.parameters && p.result_path && p.result_path->is_root() && selects_only(s);
    auto out = finish(apply_result_path(p.result_path, std::move(raw), std::move(*value)), selection_only);
    if (!out) return outcome::fail(std::move(out.error()));
    return outcome::advance(std::move(*out), next_of(s), std::move(*vars), measured);
}

} // namespace stepfn::detail

#endif
