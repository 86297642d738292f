// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_FANOUT_HPP
#define STEPFN_ENGINE_DETAIL_STATES_FANOUT_HPP

// What Parallel and Map share: child frames (branches, iterations) that report to their run,
// the run's failure tolerance, and the parent's resumption once the run ends.

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/scheduling.hpp>
#include <stepfn/engine/detail/snapshot.hpp>

namespace stepfn::detail {

STEPFN_INLINE std::shared_ptr<frame> engine_core::make_child(const std::shared_ptr<frame>& parent, const scope& states,
                                                      json input, const std::shared_ptr<fanout_group>& g,
                                                      std::size_t index) {
    auto child = std::make_shared<frame>();
    child->exec = parent->exec;
    child->states = &states;
    child->current = states.start;
    child->input = std::move(input);
    child->first_state = false;
    child->map_index = g->is_map ? static_cast<std::int64_t>(index) : -1;
    child->variables = parent->variables;  // a scope of its own on its first Assign
    child->member_of = g;
    child->member_index = index;
    return child;
}

STEPFN_INLINE std::shared_ptr<frame> engine_core::next_child(std::shared_ptr<frame>& spare, const std::shared_ptr<frame>& parent,
                                                      const scope& states, json input,
                                                      const std::shared_ptr<fanout_group>& g, std::size_t index) {
    if (!spare) return make_child(parent, states, std::move(input), g, index);
    std::shared_ptr<frame> child = std::move(spare);
    // What make_child sets, and what the last run changed; exec and member_of are the same.
    child->states = &states;
    child->current = states.start;
    child->input = std::move(input);
    child->input_size = unknown_size;
    child->input_text.reset();
    child->retry_count = 0;
    child->retrier_attempts.clear();
    ++child->generation;
    child->waiting = false;
    child->done = false;
    child->delivered = false;
    child->variables = parent->variables;
    child->owns_variables = false;
    child->map_index = g->is_map ? static_cast<std::int64_t>(index) : -1;
    child->member_index = index;
    return child;
}

STEPFN_INLINE void engine_core::child_ended(const std::shared_ptr<frame>& child, result<json> ended) {
    if (ended && inline_iteration() == child.get()) {
        // Its runner is waiting for it on this thread and reports it with others in one step.
        child->delivered = true;
        child->delivered_output = std::move(*ended);
        return;
    }
    on_child_finished(child->member_of, child->member_index, child, std::move(ended));
}

STEPFN_INLINE void engine_core::on_child_finished(const std::shared_ptr<fanout_group>& g, std::size_t index,
                                           const std::shared_ptr<frame>& child, result<json> ended) {
    const state& s = *g->owner;
    // A distributed Map's children are executions with their own histories: nothing to link.
    std::int64_t prev = child ? child->prev_event : (g->run ? 0 : g->parent->prev_event);
    const std::int64_t inner = prev;  // the iteration's own last event
    if (g->is_map && !g->run) {
        emit(*g->parent->exec, prev, ended ? event_type::map_iteration_succeeded : event_type::map_iteration_failed,
             [&](bool) { return iteration_parts(s.name, index); });
    }
    std::vector<std::shared_ptr<frame>> to_abort;
    bool done = false, launch = false, abort_first = false;
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        if (g->finished) return;
        g->last_event = (std::max)(g->last_event, prev);
        g->last_inner = (std::max)(g->last_inner, inner);
        g->children.erase(index);
        --g->running;
        ++g->completed;
        if (ended) {
            g->results[index] = std::move(*ended);
        } else {
            // A failed batch fails each of its items.
            g->failures += g->run && index < g->run->batch_sizes.size() ? g->run->batch_sizes[index] : 1;
            const auto& m = g->is_map ? &std::get<map_state>(s.body) : nullptr;
            const bool tolerance = m && (m->mode == map_mode::distributed || m->tolerated_failure_count.present() ||
                                         m->tolerated_failure_percentage.present());
            bool exceeded = true;
            if (tolerance && (g->tolerated_count || g->tolerated_percentage)) {
                // Only the thresholds that were given apply; the run fails when one is exceeded.
                const std::size_t items = g->run ? g->run->total_items : g->total;
                const double pct = 100.0 * static_cast<double>(g->failures) / static_cast<double>((std::max)(items, std::size_t(1)));
                exceeded = (g->tolerated_count && g->failures > static_cast<std::size_t>(*g->tolerated_count)) ||
                           (g->tolerated_percentage && pct > *g->tolerated_percentage);
            }
            if (child && child->exec->durable) g->stopped.push_back(frame_snapshot(*child));
            if (exceeded) {
                g->finished = true;
                g->failure = tolerance ? error{errors::exceed_tolerated_failure_threshold,
                                               "The specified tolerated failure threshold was exceeded"}
                                       : std::move(ended.error());
                g->failed_event = prev;
                for (auto& entry : g->children) {
                    if (entry.second->exec->durable) g->stopped.push_back(frame_snapshot(*entry.second));
                    if (entry.second->exec == g->parent->exec && !entry.second->exec->durable) ++g->aborting;
                    to_abort.push_back(std::move(entry.second));
                }
                g->children.clear();
                abort_first = g->aborting > 0;
            } else {
                json error_output = json::object();
                error_output["Error"] = ended.error().name;
                error_output["Cause"] = ended.error().cause;
                g->results[index] = std::move(error_output);
            }
        }
        if (!g->finished && g->completed == g->total) {
            g->finished = true;
            done = true;
        } else if (g->finished) {
            done = true;
        } else {
            // A runner still going takes the freed slot itself.
            launch = g->is_map && (g->run || g->runners == 0);
        }
    }
    if (done && g->failure && !g->run && !g->parent->exec->ended.load()) {
        // AWS writes ParallelStateFailed/MapStateFailed right after the failing branch's or
        // iteration's last event, and not at all when a Retry runs the state again. The parent
        // is parked on the run: its retry counters stay as they are until on_fanout_done.
        const std::shared_ptr<frame>& parent = g->parent;
        if (!will_retry(*parent, s, *g->failure)) {
            std::int64_t link = g->failed_event;
            emit(*parent->exec, link, g->is_map ? event_type::map_state_failed : event_type::parallel_state_failed,
                 [] { return json::object(); });
            std::lock_guard<std::mutex> lock(g->mutex);
            g->failed_event = link;
            g->failed_written = true;
        }
    }
    auto self = shared_from_this();
    for (auto& c : to_abort) {
        if (c->exec != g->parent->exec) {  // a distributed Map's child execution
            end_execution(c->exec, execution_status::aborted, json(), error{});
            continue;
        }
        // A durable execution's frames share its strand, this one: aborted here, so that their
        // events go with this job's checkpoint.
        if (c->exec->durable) {
            abort_member(g, c, false);
            continue;
        }
        // Else in the child's own strand: its history link and state are only touched there.
        // The last of them ends the run, so that their events come before the state's next ones.
        post_to(c, [self, c, g]() { self->abort_member(g, c, true); });
    }
    if (launch) launch_iterations(g);
    if (done && !abort_first) post_fanout_done(g);
}

// A delivered output's serialised size, capped just past the payload limit: as its last state
// knew it, or measured here, on the runner's thread, rather than by the parent afterwards.
STEPFN_INLINE std::size_t engine_core::delivered_size(const frame& child) const {
    const std::size_t cap = options_.bounds.max_payload_bytes + 1;
    if (child.input_size != unknown_size) return (std::min)(child.input_size, cap);
    return (std::min)(serialized_size(child.delivered_output, cap), cap);
}

// Runs a branch or iteration on this (a runner's) thread as if its strand had just been
// scheduled: jobs posted to it meanwhile (a task's completion, an abort) queue up and run
// after, in order.
STEPFN_INLINE void engine_core::run_child_here(const std::shared_ptr<frame>& child) {
    {
        std::lock_guard<std::mutex> lock(child->lane.mutex);
        child->lane.scheduled = true;
    }
    frame* const outer = inline_iteration();
    inline_iteration() = child.get();
    run_inline(child);
    inline_iteration() = outer;
}

// A child that ran here and now waits (a Task, a Wait) becomes one of the group's running
// children, or is aborted if the group ended meanwhile: before the run's end, like the
// children on_child_finished aborts, if that end still waits for them.
STEPFN_INLINE void engine_core::keep_waiting_child(const std::shared_ptr<fanout_group>& g, std::size_t index,
                                                   const std::shared_ptr<frame>& child) {
    bool aborted = false, before_end = false;
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        aborted = g->finished;
        if (!aborted) g->children.emplace(index, child);
        else if (g->aborting > 0) {
            before_end = true;
            ++g->aborting;
        }
    }
    if (!aborted) return;
    auto self = shared_from_this();
    post_to(child, [self, child, g, before_end]() { self->abort_member(g, child, before_end); });
}

// The Aborted event of a state that can be left running: a Task, a Wait, a Map, a Parallel.
STEPFN_INLINE std::optional<event_type> engine_core::aborted_event_type(const state& s) noexcept {
    switch (s.type()) {
        case state_type::task: return event_type::task_state_aborted;
        case state_type::wait: return event_type::wait_state_aborted;
        case state_type::map: return event_type::map_state_aborted;
        case state_type::parallel: return event_type::parallel_state_aborted;
        default: return std::nullopt;
    }
}

// AWS writes, for each branch or iteration still running when its Parallel or Map fails, the
// Aborted event of the state it is in (a Task or Wait waiting, a Map or Parallel running its
// own), then, in a Map, MapIterationAborted. The branches and iterations of such an inner Map
// or Parallel are aborted without events of their own. A run that ended with its execution
// writes nothing: the execution's end event is its last (history.md).
STEPFN_INLINE void engine_core::abort_member(const std::shared_ptr<fanout_group>& g, const std::shared_ptr<frame>& child,
                                               bool ends_run) {
    if (!child->done && g->failure) {
        if (child->waiting && child->current != no_state) {
            if (const auto type = aborted_event_type(child->states->states[child->current])) {
                emit(*child->exec, child->prev_event, *type, [] { return json::object(); });
            }
        }
        if (g->is_map) {
            emit(*child->exec, child->prev_event, event_type::map_iteration_aborted,
                 [&](bool) { return iteration_parts(g->owner->name, static_cast<std::size_t>(child->map_index)); });
        }
    }
    abort_frame(child);
    if (!ends_run) return;
    bool last = false;
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        last = --g->aborting == 0;
    }
    if (last) post_fanout_done(g);
}

// The run ended (all done, failed or empty): its parent goes on, in its own strand.
STEPFN_INLINE void engine_core::post_fanout_done(const std::shared_ptr<fanout_group>& g) {
    auto self = shared_from_this();
    auto parent = g->parent;
    post_to(parent, [self, parent, g]() { self->on_fanout_done(parent, g); });
}

STEPFN_INLINE void engine_core::on_fanout_done(const std::shared_ptr<frame>& f, const std::shared_ptr<fanout_group>& g) {
    if (f->generation != g->generation || f->group != g || f->exec->ended.load()) return;
    f->group.reset();
    f->waiting = false;
    ++f->generation;
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        g->children.clear();
    }
    const state& s = f->states->states[f->current];
    std::int64_t last = (std::max)(g->last_event, f->prev_event);
    auto map_run_failed = [&](const error& e) {
        emit(*f->exec, f->prev_event, event_type::map_run_failed, [&] {
            json details = json::object();
            if (!e.name.empty()) details["error"] = e.name;
            if (!e.cause.empty()) details["cause"] = e.cause;
            return details;
        });
    };
    if (g->failure) {
        if (f->exec->durable) f->failed_run = fanout_snapshot(*g);  // the final snapshot keeps it for a redrive
        if (g->run) {
            // AWS still exports what finished; the Map fails with the run's error either way.
            if (g->run->keep_runs) (void)write_map_results(*f, s, std::get<map_state>(s.body), *g->run, json::array());
            map_run_failed(*g->failure);
            if (!will_retry(*f, s, *g->failure))
                emit(*f->exec, f->prev_event, event_type::map_state_failed, [] { return json::object(); });
        } else {
            // The Failed event (when written) is on_child_finished's; a retry's Started event
            // links to the failing branch's or iteration's last event.
            f->prev_event = g->failed_event ? g->failed_event : last;
        }
        return resume(f, s, outcome::fail_from_outside(std::move(*g->failure)));
    }

    json results(std::move(g->results));
    g->results.clear();
    // "[a,b,...]" from the sizes the runners measured in parallel, when they measured them all.
    std::size_t results_size = unknown_size;
    if (!g->run && g->sized_results == g->total)
        results_size = (std::min)(2 + g->results_size + (g->total ? g->total - 1 : 0), options_.bounds.max_payload_bytes + 1);
    if (g->run) {
        if (g->run->keep_runs) {
            auto written = write_map_results(*f, s, std::get<map_state>(s.body), *g->run, std::move(results));
            if (!written) {
                map_run_failed(written.error());
                if (!will_retry(*f, s, written.error()))
                    emit(*f->exec, f->prev_event, event_type::map_state_failed, [] { return json::object(); });
                return resume(f, s, outcome::fail_from_outside(std::move(written.error())));
            }
            results = std::move(*written);
        }
        emit(*f->exec, f->prev_event, event_type::map_run_succeeded, [] { return json::object(); });
        // AWS links MapStateSucceeded and MapStateExited both to MapRunSucceeded.
        std::int64_t link = f->prev_event;
        emit(*f->exec, link, event_type::map_state_succeeded, [] { return json::object(); });
    } else {
        std::int64_t link = last;
        emit(*f->exec, link, g->is_map ? event_type::map_state_succeeded : event_type::parallel_state_succeeded,
             [] { return json::object(); });
        f->prev_event = last;  // AWS links both Succeeded and Exited to the last branch/iteration event
    }
    const std::optional<payload_template>* selector = nullptr;
    const std::optional<json_path>* result_path = nullptr;
    if (const auto* p = std::get_if<parallel_state>(&s.body)) {
        selector = &p->result_selector;
        result_path = &p->result_path;
    } else {
        const auto& m = std::get<map_state>(s.body);
        selector = &m.result_selector;
        result_path = &m.result_path;
    }
    resume(f, s, complete_state(f, s, std::move(results), *selector, *result_path, results_size));
}

} // namespace stepfn::detail

#endif
