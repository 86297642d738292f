// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_CHOICE_HPP
#define STEPFN_ENGINE_DETAIL_STATES_CHOICE_HPP

// Choice: the first rule that matches names the next state; its Assign replaces the state's.

#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>

namespace stepfn::detail {

STEPFN_INLINE outcome engine_core::run_choice(const std::shared_ptr<frame>& f, const state& s, const choice_state& c) {
    frame_env env(*this, *f, s);
    inspect(*f, s, "input", f->input);
    // With InputPath and OutputPath `$` the output is the input: its size goes on with it, and
    // unless an Assign reads it the input stays in its frame (outcome::advance_in_place).
    const bool same = root_paths(s);
    const std::size_t size = same ? f->input_size : unknown_size;
    const bool in_place = same && !f->exec->inspector;
    result<json> eff;
    if (!in_place) {
        eff = effective_input(s, std::move(f->input), env);
        if (!eff) return outcome::fail(std::move(eff.error()));
        inspect(*f, s, "afterInputPath", eff);
    }
    const json& data = in_place ? f->input : *eff;
    const transition* target = nullptr;
    const std::optional<assign_block>* assign = &s.assign;
    for (const auto& branch : c.choices) {
        auto matched = branch.rule.evaluate(data, env);
        if (!matched) return outcome::fail(std::move(matched.error()));
        if (*matched) {
            target = &branch.next;
            assign = &branch.assign;  // the chosen rule's Assign replaces the state's
            break;
        }
    }
    if (!target) {
        if (!c.default_)
            return outcome::fail(error{errors::no_choice_matched,
                                       "No Matches! The Choice state '" + s.name + "' matched no rule and has no Default."});
        target = &*c.default_;
    }
    if (in_place && !*assign) return outcome::advance_in_place(target, size);
    json assigned;
    auto out = select_output(*f, s, in_place ? std::move(f->input) : std::move(*eff), env, *assign, assigned);
    if (!out) return outcome::fail(std::move(out.error()));
    inspect(*f, s, "output", out);
    return outcome::advance(std::move(*out), target, std::move(assigned), size);
}

} // namespace stepfn::detail

#endif
