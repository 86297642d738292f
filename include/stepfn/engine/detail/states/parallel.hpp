#ifndef STEPFN_ENGINE_DETAIL_STATES_PARALLEL_HPP
#define STEPFN_ENGINE_DETAIL_STATES_PARALLEL_HPP

// Parallel: every branch a child frame with the same input; results in branch order.

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/engine_core.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/jsonata_flow.hpp>
#include <stepfn/engine/detail/scheduling.hpp>

namespace stepfn::detail {

STEPFN_INLINE outcome engine_core::start_parallel(const std::shared_ptr<frame>& f, const state& s, const parallel_state& p) {
    frame_env env(*this, *f, s);
    result<json> branch_input;
    if (s.language == query_language::jsonata) {
        inspect(*f, s, "input", f->input);
        states_env jenv(env);
        bind_input(*f, s, jenv);
        branch_input = jsonata_arguments(*f, s, p.jsonata_arguments, jenv);
    } else {
        inspect(*f, s, "input", f->input);
        auto eff = effective_input(s, keeps_raw_input(s, p.result_path) ? json(f->input) : std::move(f->input), env);
        if (!eff) return outcome::fail(std::move(eff.error()));
        inspect(*f, s, "afterInputPath", eff);
        branch_input = p.parameters ? p.parameters->evaluate(*eff, env) : std::move(eff);
    }
    if (!branch_input) return outcome::fail(std::move(branch_input.error()));
    if (p.parameters) inspect(*f, s, "afterParameters", branch_input);
    emit(*f->exec, f->prev_event, event_type::parallel_state_started, [] { return json::object(); });

    auto g = std::make_shared<fanout_group>();
    g->parent = f;
    g->owner = &s;
    g->total = p.branches.size();
    g->results.resize(g->total);
    g->running = g->total;
    g->generation = ++f->generation;
    f->group = g;
    f->waiting = true;
    std::vector<std::shared_ptr<frame>> children;
    children.reserve(g->total);
    for (std::size_t i = 0; i < g->total; ++i) {
        // Every branch gets the same input: copy for all but the last.
        json input = i + 1 < g->total ? *branch_input : std::move(*branch_input);
        auto child = make_child(f, p.branches[i], std::move(input), g, i);
        child->prev_event = f->prev_event;
        children.push_back(std::move(child));
    }
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        for (std::size_t i = 0; i < children.size(); ++i) g->children.emplace(i, children[i]);
    }
    for (auto& c : children) launch(c);
    return outcome::parked();
}

} // namespace stepfn::detail

#endif
