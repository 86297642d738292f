// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_MAP_INLINE_HPP
#define STEPFN_ENGINE_DETAIL_STATES_MAP_INLINE_HPP

// Inline Map runners: as many as the executor runs jobs at once, each claiming a few items at
// a time and running their iterations on its own thread.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/detail/json_release.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/jsonata_flow.hpp>
#include <stepfn/engine/detail/scheduling.hpp>

namespace stepfn::detail {

// Starts Map iterations up to MaxConcurrency. A distributed Map starts each child execution
// here; an inline Map hands its items to runners (run_iterations), as many as the executor runs
// jobs at once, so that iterations are spread over its threads without one job per item.
// From the Map's own start (`from_parent`), one of them is the starting thread's (see apply).
STEPFN_INLINE void engine_core::launch_iterations(const std::shared_ptr<fanout_group>& g, bool from_parent) {
    const auto& f = g->parent;
    if (!g->run && f->exec->durable) return launch_frames(g);
    if (!g->run) {
        std::size_t to_post = 0;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            if (g->finished || g->next >= g->total || g->running >= g->max_running) return;
            const std::size_t startable = (std::min)(g->total - g->next, g->max_running - g->running);
            const std::size_t wanted = (std::min)(startable, parallelism_);
            if (g->runners < wanted) {
                to_post = wanted - g->runners;
                g->runners = wanted;
            }
        }
        if (from_parent && to_post > 0) {
            g->start_here = true;
            --to_post;
        }
        post_runners(g, to_post);
        return;
    }
    for (;;) {
        std::size_t index;
        json item;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            if (g->finished || g->next >= g->total || g->running >= g->max_running) break;
            if (f->exec->ended.load()) break;  // the parent ended: start no more children
            index = g->next++;
            ++g->running;
            item = std::move(g->items[index]);
        }
        auto input = item_input(*g, index, std::move(item));
        if (!input) {
            on_child_finished(g, index, nullptr, tl::make_unexpected(std::move(input.error())));
            continue;
        }
        start_child_execution(g, index, std::move(*input));
    }
}

// A durable execution's inline Map: each iteration a frame on the execution's strand, as a
// Parallel's branches, so that a checkpoint records each one where it stands.
STEPFN_INLINE void engine_core::launch_frames(const std::shared_ptr<fanout_group>& g) {
    const auto& f = g->parent;
    const auto& m = std::get<map_state>(g->owner->body);
    for (;;) {
        std::size_t index;
        json item;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            if (g->finished || g->next >= g->total || g->running >= g->max_running || f->exec->ended.load()) return;
            index = g->next++;
            ++g->running;
            item = std::move(g->items[index]);
        }
        auto input = item_input(*g, index, std::move(item));
        if (!input) {
            on_child_finished(g, index, nullptr, tl::make_unexpected(std::move(input.error())));
            continue;
        }
        auto child = make_child(f, *m.processor, std::move(*input), g, index);
        // After an iteration ended, AWS links the next start to that iteration's last event.
        std::int64_t link = g->last_inner ? g->last_inner : g->last_event ? g->last_event : f->prev_event;
        emit(*f->exec, link, event_type::map_iteration_started, [&](bool) { return iteration_parts(g->owner->name, index); });
        child->prev_event = link;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            g->last_event = (std::max)(g->last_event, link);
            g->children.emplace(index, child);
        }
        launch(child);
    }
}

// An item's input to its iteration or child execution: ItemSelector applied to it, or the item
// itself (a distributed Map's batches were shaped as they were made).
STEPFN_INLINE result<json> engine_core::item_input(const fanout_group& g, std::size_t index, json item) {
    const state& s = *g.owner;
    const auto& m = std::get<map_state>(s.body);
    if ((!m.item_selector && !m.jsonata_item_selector) || (g.run && !g.run->batch_sizes.empty())) return item;
    frame_env env(*this, *g.parent, s);
    env.set_map_item(static_cast<std::int64_t>(index), &item);
    auto selected = m.item_selector ? m.item_selector->evaluate(g.selector_input, env)
                                    : jsonata_over(*m.jsonata_item_selector, g.selector_input, env);
    if (!selected) return tl::make_unexpected(state_error(*g.parent, s, std::move(selected.error())));
    return selected;
}


// One runner of an inline Map: claims a few items at a time, runs each iteration on this thread
// until it ends or waits (a Task, a Wait), and hands the outputs of those that ended back in one
// step, so that runners on several threads rarely meet on the Map's lock. An iteration that
// waits goes on in its own strand; when one ends and no runner is left, on_child_finished starts
// runners again. A frame whose iteration ended is reused for the next item.
STEPFN_INLINE void engine_core::run_iterations(const std::shared_ptr<fanout_group>& g) {
    const state& s = *g->owner;
    const auto& m = std::get<map_state>(s.body);
    const auto& f = g->parent;
    constexpr std::size_t most_per_claim = 16;
    // Items; then the thread goes back to the executor, as drain() does, if another job waits for
    // it: a repost that nobody waits for costs lock rounds, and on a pool whose joiner helps, a
    // thread spinning for it that the joiner beats. A joiner's thread always hands the runner
    // over, so that a long Map goes on on the pool's threads (measured: iterations cost 15-20 %
    // more CPU on the host's thread, which allocates from glibc's main arena;
    // docs/performance/fan-out.md, session 13) while a short one, or a Parallel, still ends on
    // the joiner with no wake-up.
    constexpr std::size_t yield_after = 64;
    std::optional<tally_scope> events(std::in_place, *f->exec);

    std::vector<std::pair<std::size_t, json>> claimed;
    std::vector<std::pair<std::size_t, json>> succeeded;
    json spent;  // the item array once its last item is claimed, to free on this thread
    std::shared_ptr<frame> spare;
    std::int64_t last_event = 0;  // this runner's latest MapIterationSucceeded
    // What the next MapIterationStarted links to: the last event inside the iteration this runner
    // ran last (AWS's link), or that iteration's start while it still waits.
    std::int64_t link = 0, last_inner = 0;
    std::size_t ran = 0;
    std::size_t sized = 0;  // the serialised sizes of `succeeded`, capped past the limit
    const std::size_t cap = options_.bounds.max_payload_bytes + 1;
    bool more = false;
    for (;;) {
        bool done = false, finished = false;
        if (ran >= yield_after && !joiner_helping() && !executor_->has_pending()) {
            ran = 0;
            // Going on in the same job: count the events so far as the job's end would, so that
            // other threads' view of the history's size lags by no more than before.
            events->flush();
        }
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            finished = g->finished;
            if (!finished && !succeeded.empty()) {
                g->last_inner = (std::max)(g->last_inner, last_inner);
                if (g->hand_back(succeeded, sized, last_event, cap)) finished = done = g->finished = true;
            }
            succeeded.clear();
            sized = 0;
            const bool stop = finished || g->next >= g->total || g->running >= g->max_running || f->exec->ended.load();
            if (stop || ran >= yield_after) {
                if (stop) --g->runners;
                else more = true;
            } else {
                // A fair share of what is left and of MaxConcurrency: with a low MaxConcurrency,
                // one runner claiming all the slots would leave the others nothing to run.
                const std::size_t runners = (std::max)(g->runners, std::size_t(1));
                const std::size_t remaining = g->total - g->next;
                const std::size_t fair_share = remaining / (2 * runners);
                const std::size_t slots = (std::max)(g->max_running / runners, std::size_t(1));
                const std::size_t count = (std::min)({(std::max)(fair_share, std::size_t(1)), most_per_claim, slots,
                                                      g->max_running - g->running});
                for (std::size_t i = 0; i < count; ++i, ++g->next)
                    claimed.emplace_back(g->next, std::move(g->items[g->next]));
                if (g->next == g->total) spent = std::move(g->items);
                g->running += count;
                if (!link) link = g->last_inner ? g->last_inner : f->prev_event;
            }
        }
        if (done) post_fanout_done(g);
        if (claimed.empty()) break;
        // Every item is out of the array: this runner frees it, alongside the last iterations,
        // rather than the thread that drops the group once the Map ended (an array of moved-from
        // items is freed without nlohmann's heap stack, json_release.hpp).
        if (!spent.is_null()) {
            release(spent);
            spent = json();
        }

        for (auto& claim : claimed) {
            // The Map failed or was aborted meanwhile: start nothing more.
            if (g->finished.load(std::memory_order_relaxed)) break;
            const std::size_t index = claim.first;  // not a structured binding: lambdas capture it (C++17)
            ++ran;
            auto input = item_input(*g, index, std::move(claim.second));
            if (!input) {
                on_child_finished(g, index, nullptr, tl::make_unexpected(std::move(input.error())));
                continue;
            }
            std::shared_ptr<frame> child = next_child(spare, f, *m.processor, std::move(*input), g, index);
            std::int64_t started = link;
            emit(*f->exec, started, event_type::map_iteration_started, [&](bool) { return iteration_parts(s.name, index); });
            child->prev_event = started;

            run_child_here(child);
            // Read before drain_jobs: until then nothing else runs the child.
            link = child->delivered || child->done ? child->prev_event : started;
            if (child->delivered) {
                last_inner = (std::max)(last_inner, child->prev_event);
                emit(*f->exec, child->prev_event, event_type::map_iteration_succeeded,
                     [&](bool) { return iteration_parts(s.name, index); });
                last_event = (std::max)(last_event, child->prev_event);
                sized = (std::min)(sized + delivered_size(*child), cap);
                succeeded.emplace_back(index, std::move(child->delivered_output));
            } else if (!child->done) {
                keep_waiting_child(g, index, child);
            }
            drain_jobs(child);
            if (child->delivered && child.use_count() == 1) spare = std::move(child);
        }
        claimed.clear();
    }
    if (more) {
        busy_.fetch_add(1);
        auto self = shared_from_this();
        executor_->post([self, g]() { self->run_iterations(g); });
    }
    events.reset();
    work_done();
}

} // namespace stepfn::detail

#endif
