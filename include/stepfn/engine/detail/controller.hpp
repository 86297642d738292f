// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_CONTROLLER_HPP
#define STEPFN_ENGINE_DETAIL_CONTROLLER_HPP

// The controller: the only code that runs frames and applies outcomes. A frame runs states in a
// loop with a budget (then re-posts itself), so a loop of 100,000 states never recurses; each
// state's handler returns an outcome, and so does every asynchronous completion (a task's
// answer, a timer, a finished fan-out), which resumes the frame through resume().

#include <memory>
#include <string>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/scheduling.hpp>

namespace stepfn::detail {

STEPFN_INLINE void engine_core::launch(const std::shared_ptr<frame>& f) {
    // The engine reached through the frame's execution, which holds it, as the drain does: no
    // shared_from_this() (a weak lock and its release) per run.
    post_to(f, [f]() { f->exec->core->run_frame(f); });
}

STEPFN_INLINE void engine_core::run_frame(const std::shared_ptr<frame>& f) {
    // Bounded batches keep one long execution from starving the others on the same executor.
    // With checkpointing::every_transition each job applies one transition, so each transition
    // is checkpointed before anything it leads to outside the execution (consecutive ones share
    // a checkpoint while the previous one is still being committed).
    const int states = options_.checkpoints == checkpointing::every_transition && f->exec->durable ? 1 : 256;
    for (int budget = states; budget > 0; --budget) {
        if (f->done || f->waiting || f->exec->ended.load()) return;
        const state& s = f->states->states[f->current];
        apply(f, s, execute_state(f, s));
    }
    if (!f->done && !f->waiting) launch(f);
}

STEPFN_INLINE void engine_core::run_inline(const std::shared_ptr<frame>& f) { run_frame(f); }

STEPFN_INLINE void engine_core::resume(const std::shared_ptr<frame>& f, const state& s, outcome&& o) {
    apply(f, s, std::move(o));
    if (options_.checkpoints == checkpointing::every_transition && f->exec->durable) {
        if (!f->done && !f->waiting) launch(f);
        return;
    }
    run_frame(f);
}

STEPFN_INLINE event_type engine_core::entered_event_type(const state& s) noexcept {
    static constexpr event_type entered_events[] = {
        event_type::task_state_entered, event_type::parallel_state_entered, event_type::map_state_entered,
        event_type::pass_state_entered, event_type::wait_state_entered,     event_type::choice_state_entered,
        event_type::succeed_state_entered, event_type::fail_state_entered};
    return entered_events[static_cast<int>(s.type())];
}

// A state's Entered event, showing `input` (the frame's, or the output the previous state is
// about to hand on).
STEPFN_INLINE event_parts engine_core::entered_parts(frame& f, const state& s, const json& input, std::size_t input_size,
                                                     bool made) {
    event_parts parts;
    parts.name = s.name;
    // An input that is still the execution's shows as the caller spelled it.
    const std::string& given = f.exec->given_input;
    const bool as_given = !given.empty() && ((f.is_root && f.first_state) || input == f.exec->input);
    history_text text;
    if (as_given) text.text = std::make_shared<const std::string>(given);
    else if (f.input_text) text = std::move(f.input_text);  // the previous Exited event's
    else text = new_history_text(made, input, input_size);
    if (!as_given && (passes_input_through(s) || s.type() == state_type::task)) f.entered_text = text;
    show(parts, text, input, input_size);
    return parts;
}

STEPFN_INLINE void engine_core::entered(frame& f, const state& s) {
    f.input_text.reset();
    f.first_state = false;
    f.entered_event = f.prev_event;
    if (traced(*f.exec)) trace_state_started(f, s);
}

// Whether a state's Entered event goes with the event before it (ExecutionStarted, or the
// previous state's Exited event) in one hand-over, for an execution some sink watches: only
// when every receiver takes parts and nothing can look between the two (no transition hook; no
// spans: an execution is not traced yet when ExecutionStarted is emitted; no durable store).
// Nothing runs between them but the frame's move to the next state; an execution stopped there
// shows the Entered event before its end, as when the stop comes just after it.
STEPFN_INLINE bool engine_core::enters_with_exit(const execution_record& rec) const noexcept {
    return !options_.transitions && !spans_ && takes_parts(rec);
}

STEPFN_INLINE outcome engine_core::execute_state(const std::shared_ptr<frame>& f, const state& s) {
    f->entered_time = clock_->now();
    f->retry_count = 0;
    f->retrier_attempts.clear();
    if (f->entered_early == &s) {
        f->entered_early = nullptr;  // the previous state's exit emitted its Entered event
    } else {
        f->entered_early = nullptr;
        f->entered_text.reset();
        // AWS links the first state's Entered event to nothing (previousEventId 0).
        emit(*f->exec, f->prev_event, entered_event_type(s),
             [&](bool made) { return entered_parts(*f, s, f->input, f->input_size, made); },
             !(f->is_root && f->first_state));
        entered(*f, s);
    }

    // AWS's STANDARD limit; an EXPRESS execution keeps no such history and has none.
    if (!f->exec->express &&
        f->exec->event_count.load(std::memory_order_relaxed) + local_tally().pending_for(*f->exec) >
            static_cast<std::int64_t>(options_.bounds.max_history_events))
        return outcome::fail_frame(error{errors::runtime, "The execution reached the maximum number of history events (" +
                                                              std::to_string(options_.bounds.max_history_events) + ")."});

    if (s.language == query_language::jsonata) {
        switch (s.type()) {
        case state_type::pass:
        case state_type::choice:
        case state_type::succeed: return run_jsonata_flow(f, s);
        case state_type::wait: return run_wait_jsonata(f, s, std::get<wait_state>(s.body));
        case state_type::fail: return run_fail_jsonata(f, s, std::get<fail_state>(s.body));
        default: return start_work(f, s);
        }
    }
    switch (s.type()) {
    case state_type::pass: return run_pass(f, s, std::get<pass_state>(s.body));
    case state_type::choice: return run_choice(f, s, std::get<choice_state>(s.body));
    case state_type::wait: return run_wait(f, s, std::get<wait_state>(s.body));
    case state_type::succeed: return run_succeed(f, s);
    case state_type::fail: return run_fail(f, s, std::get<fail_state>(s.body));
    case state_type::task:
    case state_type::parallel:
    case state_type::map: break;
    }
    return start_work(f, s);
}

// The retriable work of a Task, Parallel or Map state: run again on each retry.
STEPFN_INLINE outcome engine_core::start_work(const std::shared_ptr<frame>& f, const state& s) {
    f->failed_run.clear();
    if (f->retrier_attempts.empty())
        if (const recovery* r = recovery_of(s)) f->retrier_attempts.assign(r->retry.size(), 0);
    if (const auto* t = std::get_if<task_state>(&s.body)) return start_task_attempt(f, s, *t);
    if (const auto* p = std::get_if<parallel_state>(&s.body)) return start_parallel(f, s, *p);
    return start_map(f, s, std::get<map_state>(s.body));
}

// The field a States.QueryEvaluationError's cause names ("... specified for the field 'Output' ...").
inline std::string evaluation_location(const std::string& cause) {
    static const std::string marker = "specified for the field '";
    const auto at = cause.find(marker);
    if (at == std::string::npos) return std::string();
    const auto end = cause.find('\'', at + marker.size());
    return end == std::string::npos ? std::string() : cause.substr(at + marker.size(), end - at - marker.size());
}

// AWS records a JSONata state's evaluation error as an EvaluationFailed event before Retry,
// Catch or the failure it leads to.
STEPFN_INLINE void engine_core::evaluation_failed(const std::shared_ptr<frame>& f, const state& s, const error& e) {
    if (s.language != query_language::jsonata || e.name != errors::query_evaluation_error) return;
    emit(*f->exec, f->prev_event, event_type::evaluation_failed, [&] {
        json details = json::object();
        details["error"] = e.name;
        details["cause"] = e.cause;
        const std::string location = evaluation_location(e.cause);
        if (!location.empty()) details["location"] = location;
        details["state"] = s.name;
        return details;
    });
}

STEPFN_INLINE void engine_core::apply(const std::shared_ptr<frame>& f, const state& s, outcome&& o) {
    switch (o.what) {
    case outcome::kind::advance:
        exit_state(f, s, o.in_place ? std::move(f->input) : std::move(o.output), o.next,
                   o.assigned ? &*o.assigned : nullptr, transition_kind::advanced, nullptr, o.output_size);
        return;
    case outcome::kind::park:
        notify(*f, s, transition_kind::parked);
        if (f->group && f->group->start_here) {
            // The thread that started a fan-out works on it too: no hand-off to the pool and back
            // when it gets through everything itself (always, on one thread).
            f->group->start_here = false;
            auto g = f->group;
            busy_.fetch_add(1);
            run_runner(g);
        }
        return;
    case outcome::kind::fail: {
        error e = o.from_state ? state_error(*f, s, std::move(*o.failure)) : std::move(*o.failure);
        if (o.from_state) evaluation_failed(f, s, e);
        if (!o.recoverable) return fail_frame(f, std::move(e));
        handle_error(f, s, std::move(e), o.heartbeat);
        return;
    }
    }
}

STEPFN_INLINE void engine_core::notify(const frame& f, const state& s, transition_kind kind, const transition* next,
                                       const json* data, const error* failure) {
    transition_hook* const hook = options_.transitions.get();
    if (!hook) return;
    transition_info change;
    change.execution_arn = f.exec->arn;
    change.state_name = s.name;
    change.kind = kind;
    if (next) change.next_state = next->name;
    change.data = data;
    change.failure = failure;
    change.last_event_id = f.prev_event;
    change.top_level = f.is_root;
    deliver_quietly([&] { hook->on_transition(change); });
}

STEPFN_INLINE void engine_core::exit_state(const std::shared_ptr<frame>& f, const state& s, json&& output,
                                           const transition* target, const json* assigned, transition_kind kind,
                                           const error* caught, std::size_t output_size) {
    static constexpr event_type exited_events[] = {
        event_type::task_state_exited, event_type::parallel_state_exited, event_type::map_state_exited,
        event_type::pass_state_exited, event_type::wait_state_exited,     event_type::choice_state_exited,
        event_type::succeed_state_exited, event_type::fail_state_entered};
    const bool assigns = assigned && assigned->is_object() && !assigned->empty();
    if (assigns) {
        if (!f->owns_variables) {
            auto own = std::make_shared<variable_scope>();
            own->parent = std::move(f->variables);
            f->variables = std::move(own);
            f->owns_variables = true;
        }
        for (auto& item : assigned->items()) f->variables->values[item.key()] = item.value();
    }
    const event_type exited = exited_events[static_cast<int>(s.type())];
    exit_at_end last_exit;
    // The output's text, made once: the next state's Entered event shows the same value.
    history_text entered_text = std::move(f->entered_text);
    auto output_text = [&](bool made) {
        history_text text = entered_text && kind == transition_kind::advanced && !caught && passes_input_through(s)
                                ? std::move(entered_text)
                                : new_history_text(made, output, output_size);
        if (target || f->is_root) f->input_text = text;  // an execution's end shows its output too
        return text;
    };
    if (!assigns && s.type() != state_type::fail) {
        const auto exited_parts = [&](bool made) {
            event_parts parts;
            parts.name = s.name;
            show(parts, output_text(made), output, output_size);
            return parts;
        };
        // The next state's Entered event, or at the root the end, goes with this Exited event.
        const bool batched = (target || f->is_root) && watched(*f->exec) && enters_with_exit(*f->exec);
        if (target && batched) {
            const state& next = f->states->states[target->index];
            f->entered_text.reset();
            emit_pair(*f->exec, f->prev_event, exited, exited_parts, entered_event_type(next),
                      [&](bool made) { return entered_parts(*f, next, output, output_size, made); });
            f->entered_early = &next;
            entered(*f, next);
        } else if (batched) {  // no target: the root's last state
            // The last state's Exited event goes with ExecutionSucceeded, once end_execution has
            // claimed the end: an execution stopped first ends as if stopped before the exit.
            last_exit = {&s.name, exited, f->prev_event, output_size};
            (void)output_text(false);  // the end shows the same text (f->input_text)
        } else {
            emit(*f->exec, f->prev_event, exited, exited_parts);
        }
    } else {
        emit(*f->exec, f->prev_event, exited, [&] {
            json details = json::object();
            reserve_members(details, 5);
            add_member(details, "name", s.name);
            const history_text text = output_text(true);  // named only, when an earlier event went to a sink taking parts
            add_payload_text(details, "output", "outputDetails", text.text ? *text.text : json_text(output, output_size));
            if (assigns) {
                json vars = json::object();
                for (auto& item : assigned->items()) vars[item.key()] = json_text(item.value());
                details["assignedVariables"] = std::move(vars);
                details["assignedVariablesDetails"] = json{{"truncated", false}};
            }
            return details;
        });
    }
    f->failed_run.clear();
    if (traced(*f->exec)) trace_state_ended(*f, s, nullptr);
    if (target) {
        f->current = target->index;
        if (&output != &f->input) f->input = std::move(output);  // else an identity state's, in place
        f->input_size = output_size;
        notify(*f, s, kind, target, &f->input, caught);
    } else {
        notify(*f, s, kind, nullptr, &output, caught);
        f->input_size = output_size;  // a branch's or iteration's runner adds it to the run's size
        finish_frame(f, std::move(output), last_exit);
    }
}

// Retry and Catch (asl-reference.md §8): the first retrier whose ErrorEquals matches decides,
// even when it is exhausted; then the first matching catcher; otherwise the frame fails.
STEPFN_INLINE void engine_core::handle_error(const std::shared_ptr<frame>& f, const state& s, error e, bool heartbeat) {
    const recovery* recover = recovery_of(s);
    if (!recover) return fail_frame(f, std::move(e));
    std::optional<std::size_t> exhausted;

    for (std::size_t i = 0; i < recover->retry.size(); ++i) {
        const retrier& r = recover->retry[i];
        if (!error_matches(r.error_equals, e.name, heartbeat)) continue;
        if (f->retrier_attempts.size() <= i) f->retrier_attempts.resize(recover->retry.size(), 0);
        const auto delay = retry_.next_retry(r, f->retrier_attempts[i], [this] { return random_unit(); });
        if (!delay) {
            exhausted = i;
            break;
        }
        {
            error_decision d;
            d.action = error_decision::kind::retry;
            d.retrier = i;
            d.retry_count = f->retrier_attempts[i];
            d.delay_seconds = std::chrono::duration<double>(*delay).count();
            decide(*f, s, e, d);
        }
        ++f->retrier_attempts[i];
        ++f->retry_count;
        if (metrics_) count_decision(*f, s, true);
        f->waiting = true;
        arm_retry(f, clock_->now() + std::chrono::duration_cast<time_point::duration>(*delay));
        notify(*f, s, transition_kind::retrying, nullptr, nullptr, &e);
        return;
    }

    for (std::size_t ci = 0; ci < recover->catch_.size(); ++ci) {
        const catcher& c = recover->catch_[ci];
        if (!error_matches(c.error_equals, e.name, heartbeat)) continue;
        {
            error_decision d;
            d.action = error_decision::kind::catch_;
            d.retrier = exhausted;
            d.catcher = ci;
            d.next = c.next.name;
            decide(*f, s, e, d);
        }
        if (metrics_) count_decision(*f, s, false);
        json error_output = json::object();
        error_output["Error"] = e.name;
        error_output["Cause"] = e.cause;
        if (s.language == query_language::jsonata) {
            json assigned;
            auto out = jsonata_caught(f, s, c, std::move(error_output), assigned);
            if (!out) {
                evaluation_failed(f, s, out.error());
                return fail_frame(f, state_error(*f, s, std::move(out.error())));
            }
            exit_state(f, s, std::move(*out), &c.next, &assigned, transition_kind::caught, &e);
            return;
        }
        frame_env env(*this, *f, s);
        auto vars = evaluate_assign(c.assign, error_output, env);
        if (!vars) return fail_frame(f, state_error(*f, s, std::move(vars.error())));
        auto out = apply_result_path(c.result_path, std::move(f->input), std::move(error_output));
        if (!out) return fail_frame(f, std::move(out.error()));
        // The error merged into the raw input can take it over the limit.
        if (auto size = check_size(*out, s.name); !size) return fail_frame(f, std::move(size.error()));
        exit_state(f, s, std::move(*out), &c.next, &*vars, transition_kind::caught, &e);
        return;
    }
    {
        error_decision d;
        d.retrier = exhausted;
        decide(*f, s, e, d);
    }
    fail_frame(f, std::move(e));
}

// Whether handle_error would retry the state for this error (a retrier matches first and has
// attempts left), without counting the attempt.
STEPFN_INLINE bool engine_core::will_retry(const frame& f, const state& s, const error& e) const {
    const recovery* recover = recovery_of(s);
    if (!recover) return false;
    for (std::size_t i = 0; i < recover->retry.size(); ++i) {
        const retrier& r = recover->retry[i];
        if (!error_matches(r.error_equals, e.name, false)) continue;
        const std::int64_t made = i < f.retrier_attempts.size() ? f.retrier_attempts[i] : 0;
        return retry_.next_retry(r, made, [] { return 0.0; }).has_value();
    }
    return false;
}

// The back-off before a retry; also re-armed when a durable execution is restored.
STEPFN_INLINE void engine_core::arm_retry(const std::shared_ptr<frame>& f, time_point when) {
    const auto generation = ++f->generation;
    f->timer_at = when;
    f->timer = arm_timer(f, when, generation, [](engine_core& core, const std::shared_ptr<frame>& fr) {
        fr->waiting = false;
        fr->timer.reset();
        const state& st = fr->states->states[fr->current];
        core.resume(fr, st, core.start_work(fr, st));
    });
}

STEPFN_INLINE void engine_core::fail_frame(const std::shared_ptr<frame>& f, error e) {
    if (traced(*f->exec)) trace_state_ended(*f, f->states->states[f->current], &e);
    notify(*f, f->states->states[f->current], transition_kind::failed, nullptr, nullptr, &e);
    f->done = true;
    f->waiting = false;
    if (f->is_root) {
        end_execution(f->exec, execution_status::failed, json(), std::move(e), history_text(), exit_at_end(), f.get());
    } else if (f->member_of) {
        child_ended(f, tl::make_unexpected(std::move(e)));
    }
}

STEPFN_INLINE void engine_core::finish_frame(const std::shared_ptr<frame>& f, json output, const exit_at_end& last_exit) {
    f->done = true;
    f->waiting = false;
    // Every state checked its output against the payload limit (a Catch its merged output),
    // unless it only selected from an input that was checked: no need to walk it again.
    if (f->is_root) {
        end_execution(f->exec, execution_status::succeeded, std::move(output), error{}, std::move(f->input_text), last_exit,
                      f.get());
    } else if (f->member_of) {
        child_ended(f, std::move(output));
    }
}

} // namespace stepfn::detail

#endif
