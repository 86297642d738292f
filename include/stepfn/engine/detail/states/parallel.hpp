// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_PARALLEL_HPP
#define STEPFN_ENGINE_DETAIL_STATES_PARALLEL_HPP

// Parallel: every branch a child frame with the same input; results in branch order.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <mutex>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/detail/spin.hpp>
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
    if (!f->exec->durable && g->total > 0) {
        // Runners, as an inline Map's: a few jobs that each run branches on their own thread,
        // rather than a job, a wake-up and a lock round per branch.
        g->branch_input = std::move(*branch_input);
        g->start_event = f->prev_event;
        const std::size_t runners = (std::min)(parallelism_, g->total);
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            g->runners = runners;
        }
        g->start_here = true;  // one of them; apply() runs it once this frame is parked
        post_runners(g, runners - 1);
        return outcome::parked();
    }
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

// One runner of a Parallel (not durable): claims a share of the branches not started yet, runs
// each on this thread until it ends or waits, and hands the outputs of those that ended back in
// one step. A branch that waits goes on in its own strand and reports through
// on_child_finished. Branches are claimed in order, so with one runner (the manual executor)
// they run in the order the per-branch jobs ran them.
STEPFN_INLINE void engine_core::run_branches(const std::shared_ptr<fanout_group>& g) {
    const auto& p = std::get<parallel_state>(g->owner->body);
    const auto& f = g->parent;
    std::optional<tally_scope> events(std::in_place, *f->exec);
    std::vector<std::pair<std::size_t, json>> succeeded;
    // A frame whose branch ended here, ready for the next: no allocation, and no count of the
    // execution's and the group's shared owners raised and dropped per branch, which two runners
    // would bounce between their cores.
    std::shared_ptr<frame> spare;
    std::int64_t last_event = 0;
    std::size_t sized = 0;  // the serialised sizes of `succeeded`, capped past the limit
    const std::size_t cap = options_.bounds.max_payload_bytes + 1;
    for (;;) {
        std::size_t first = 0, count = 0;
        bool done = false;
        {
            // Both runners come here every few branches: wait for the other rather than sleep.
            std::unique_lock<std::mutex> lock(g->mutex, std::defer_lock);
            lock_spinning(lock);
            bool finished = g->finished;
            if (!finished && !succeeded.empty() && g->hand_back(succeeded, sized, last_event, cap))
                finished = done = g->finished = true;
            succeeded.clear();
            sized = 0;
            if (finished || g->next >= g->total || f->exec->ended.load()) {
                --g->runners;
            } else {
                const std::size_t remaining = g->total - g->next;
                count = (std::max)(remaining / (2 * (std::max)(g->runners, std::size_t(1))), std::size_t(1));
                first = g->next;
                g->next += count;
            }
        }
        if (done) post_fanout_done(g);
        if (count == 0) break;
        for (std::size_t index = first; index < first + count; ++index) {
            // The Parallel failed or was aborted meanwhile: start nothing more.
            if (g->finished.load(std::memory_order_relaxed)) break;
            std::shared_ptr<frame> child = next_child(spare, f, p.branches[index], json(g->branch_input), g, index);
            child->prev_event = g->start_event;
            run_child_here(child);
            if (child->delivered) {
                last_event = (std::max)(last_event, child->prev_event);
                sized = (std::min)(sized + delivered_size(*child), cap);
                succeeded.emplace_back(index, std::move(child->delivered_output));
            } else if (!child->done) {
                keep_waiting_child(g, index, child);
            }
            drain_jobs(child);
            if (child->delivered && child.use_count() == 1) spare = std::move(child);
        }
    }
    spare.reset();  // before work_done(): the engine may be shut down once it says so
    events.reset();
    work_done();
}

// Posts `count` runners for `g` (a Parallel's or an inline Map's) in one batch: one lock round
// and at most one wake-up per idle thread on an executor that takes batches. The caller has
// counted them in g->runners.
STEPFN_INLINE void engine_core::post_runners(const std::shared_ptr<fanout_group>& g, std::size_t count) {
    if (count == 0) return;
    auto self = shared_from_this();
    std::vector<job> jobs;
    jobs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        busy_.fetch_add(1);
        jobs.emplace_back([self, g]() { self->run_runner(g); });
    }
    executor_->post_bulk(jobs.data(), jobs.size());
}

// A runner counted in g->runners and in busy_ (it ends with work_done()), on this thread.
STEPFN_INLINE void engine_core::run_runner(const std::shared_ptr<fanout_group>& g) {
    if (g->is_map) run_iterations(g);
    else run_branches(g);
}

} // namespace stepfn::detail

#endif
