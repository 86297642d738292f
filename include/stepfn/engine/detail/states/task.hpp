// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_TASK_HPP
#define STEPFN_ENGINE_DETAIL_STATES_TASK_HPP

// Task: an attempt per try, handed to the invoker the registry routes its Resource to; the
// answer (or a timeout, a missed heartbeat, a token) comes back to the frame as an outcome.

#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/detail/json_size.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/jsonata_flow.hpp>
#include <stepfn/engine/detail/scheduling.hpp>
#include <stepfn/engine/detail/task_resource.hpp>

namespace stepfn::detail {

struct task_family_events {
    event_type scheduled, started, succeeded, failed, timed_out, start_failed;
};

inline task_family_events events_of(task_family family) noexcept {
    switch (family) {
    case task_family::lambda:
        return {event_type::lambda_function_scheduled, event_type::lambda_function_started,
                event_type::lambda_function_succeeded, event_type::lambda_function_failed,
                event_type::lambda_function_timed_out, event_type::lambda_function_start_failed};
    case task_family::activity:
        return {event_type::activity_scheduled,  event_type::activity_started,   event_type::activity_succeeded,
                event_type::activity_failed,     event_type::activity_timed_out, event_type::activity_schedule_failed};
    case task_family::service: break;
    }
    return {event_type::task_scheduled, event_type::task_started,    event_type::task_succeeded,
            event_type::task_failed,    event_type::task_timed_out,  event_type::task_start_failed};
}

// A Task's resource as its history events name it, split only when an event is recorded.
class resource_names {
public:
    resource_names(const std::string& resource, task_family family) : resource_(resource), family_(family) {}
    const std::string& type() { return parts().first; }
    const std::string& name() { return parts().second; }
    task_family family() const noexcept { return family_; }
    task_family_events events() const noexcept { return events_of(family_); }
    // The details every event of a Task* attempt starts with; LambdaFunction* and Activity*
    // events name no resource after their Scheduled event.
    json base_details() {
        json details = json::object();
        if (family_ == task_family::service) {
            details["resourceType"] = type();
            details["resource"] = name();
        }
        return details;
    }
    json error_details(const std::string& error_name, const std::string& cause) {
        json details = base_details();
        details["error"] = error_name;
        details["cause"] = cause;
        return details;
    }

private:
    const std::pair<std::string, std::string>& parts() {
        if (!parts_) parts_ = split_resource(resource_);
        return *parts_;
    }
    const std::string& resource_;
    task_family family_;
    std::optional<std::pair<std::string, std::string>> parts_;
};

// AWS's taskCredentials: the role a Task's Credentials name ({"roleArn": ...}), or null.
inline json task_credentials(const json& credentials) {
    if (!credentials.is_object()) return json();
    auto role = credentials.find("RoleArn");
    if (role == credentials.end() || !role->is_string()) return json();
    json out = json::object();
    out["roleArn"] = *role;
    return out;
}

// Which execution and state a request comes from (also for one rebuilt after a restart).
inline void address_request(task_request& request, const frame& f, const state& s) {
    request.execution_id = f.exec->arn;
    request.root_execution_id = f.exec->root_arn();
    request.execution_name = f.exec->name;
    request.state_name = s.name;
}

STEPFN_INLINE void task_attempt::resolve(result<json> answer) {
    if (completed_.exchange(true)) return;
    answer_ = std::move(answer);
    int expected = dispatching;
    // The dispatcher takes it (its frame is alive: it is running it), without the frame locked.
    if (hand_over_.compare_exchange_strong(expected, answered)) return;
    auto f = owner_.lock();
    if (!f) return;
    core_->post_to(f, [f, self = shared_from_this()]() {
        self->core_->on_task_result(f, self->generation_, std::move(self->answer_));
    });
}

STEPFN_INLINE void task_attempt::submitted(json response) {
    auto f = owner_.lock();
    if (!f || completed_.load()) return;
    auto core = core_;
    const auto generation = generation_;
    core->post_to(f, [core, f, generation, response = std::move(response)]() mutable {
        core->on_task_submitted(f, generation, std::move(response));
    });
}

STEPFN_INLINE void task_attempt::started(std::string worker_name) {
    auto f = owner_.lock();
    if (!f || completed_.load()) return;
    auto core = core_;
    const auto generation = generation_;
    core->post_to(f, [core, f, generation, worker_name = std::move(worker_name)]() mutable {
        core->on_task_taken(f, generation, std::move(worker_name));
    });
}

STEPFN_INLINE void task_attempt::heartbeat() {
    auto f = owner_.lock();
    if (!f || completed_.load()) return;
    auto core = core_;
    const auto generation = generation_;
    core->post_to(f, [core, f, generation]() { core->on_task_heartbeat(f, generation); });
}

// A Lambda or activity task's *Started event: details {}.
inline event_parts bare_parts(bool) {
    event_parts parts;
    parts.bare = true;
    return parts;
}

// A Task attempt's *Started event: {resourceType, resource} for a service integration; a Lambda
// or activity task's names nothing, so it is deferred (details {}) for a sink that keeps events.
STEPFN_INLINE void engine_core::emit_task_started(frame& f, resource_names& resource) {
    const event_type started = resource.events().started;
    if (resource.family() == task_family::service) return emit(*f.exec, f.prev_event, started, [&] { return resource.base_details(); });
    emit(*f.exec, f.prev_event, started, bare_parts);
}

STEPFN_INLINE outcome engine_core::start_task_attempt(const std::shared_ptr<frame>& f, const state& s, const task_state& t) {
    frame_env env(*this, *f, s);
    const bool callback = t.traits.callback;
    std::string token;
    if (callback) {
        token = make_uuid(*this) + make_uuid(*this);
        env.set_task_token(token);
    }
    result<json> params;
    // The task's input when it is the raw input itself, which the state keeps: not copied
    // unless the invoker needs a copy of its own (see task_invoker::borrows_input).
    const json* raw_as_input = nullptr;
    std::optional<std::int64_t> timeout = t.timeout_seconds.value, heartbeat = t.heartbeat_seconds.value;
    json credentials;
    if (s.language == query_language::jsonata) {
        inspect(*f, s, "input", f->input);
        states_env jenv(env);
        // Without Arguments, a state that keeps its input hands it to the task in place, as a
        // JSONPath Task without Parameters does; `$states.input` is then bound (a copy) only for
        // the fields below that read it.
        const bool in_place = !t.jsonata_arguments && jsonata_keeps_input(s);
        if (!in_place) bind_input(*f, s, jenv);
        else if (reads_input(t.timeout_seconds.expression) || reads_input(t.heartbeat_seconds.expression) ||
                 reads_input(t.jsonata_credentials))
            jenv.set("input", f->input);
        auto to = jsonata_integer(t.timeout_seconds, jenv, "TimeoutSeconds", 1, 99999999);
        if (!to) return outcome::fail(std::move(to.error()));
        auto hb = jsonata_integer(t.heartbeat_seconds, jenv, "HeartbeatSeconds", 1, 99999999);
        if (!hb) return outcome::fail(std::move(hb.error()));
        timeout = *to;
        heartbeat = *hb;
        if (t.jsonata_credentials) {
            auto c = jenv.evaluate(*t.jsonata_credentials);
            if (!c) return outcome::fail(std::move(c.error()));
            credentials = std::move(*c);
        }
        if (in_place) {
            raw_as_input = &f->input;
        } else {
            params = jsonata_arguments(*f, s, t.jsonata_arguments, jenv);
            if (!params) return outcome::fail(std::move(params.error()));
        }
    } else {
        // TimeoutSecondsPath, HeartbeatSecondsPath and Credentials read the raw input below.
        const bool keep = keeps_raw_input(s, t.result_path) || t.timeout_seconds.path || t.heartbeat_seconds.path ||
                          t.credentials_template;
        // Parameters read the effective input where it lies in the raw input: no copy of it.
        json no_input;
        const json* in_place = t.parameters ? effective_in_place(s, f->input, env, no_input) : nullptr;
        if (in_place) {
            inspect(*f, s, "input", f->input);
            inspect(*f, s, "afterInputPath", *in_place);
            // Without Retry, Catch or a ResultPath merge the raw input goes: what Parameters
            // select is moved out of it (`in_place` points into the frame's input or `no_input`).
            params = keep || !effective_in_raw(s) ? t.parameters->evaluate(*in_place, env)
                                                  : t.parameters->evaluate_taking(*const_cast<json*>(in_place), env);
            if (!keep) f->input = json();  // as if moved into the effective input
        } else if (!t.parameters && s.input_path && s.input_path->is_root() && keep) {
            inspect(*f, s, "input", f->input);
            inspect(*f, s, "afterInputPath", f->input);
            raw_as_input = &f->input;
        } else {
            inspect(*f, s, "input", f->input);
            auto eff = effective_input(s, keep ? json(f->input) : std::move(f->input), env);
            if (!eff) return outcome::fail(std::move(eff.error()));
            inspect(*f, s, "afterInputPath", eff);
            params = t.parameters ? t.parameters->evaluate(*eff, env) : std::move(eff);
        }
        if (!params) return outcome::fail(std::move(params.error()));
        if (raw_as_input) inspect(*f, s, "afterParameters", *raw_as_input);
        else inspect(*f, s, "afterParameters", params);
        // Without Parameters the task's input is a selection of the state's input, checked already.
        if ((t.parameters || !definite(s.input_path)) && exceeds_size(*params, options_.bounds.max_payload_bytes))
            return outcome::fail(size_error(s.name));
        if (t.timeout_seconds.path) {
            auto v = positive_from_path(*t.timeout_seconds.path, f->input, env, "TimeoutSecondsPath", false);
            if (!v) return outcome::fail(std::move(v.error()));
            timeout = *v;
        }
        if (t.heartbeat_seconds.path) {
            auto v = positive_from_path(*t.heartbeat_seconds.path, f->input, env, "HeartbeatSecondsPath", false);
            if (!v) return outcome::fail(std::move(v.error()));
            heartbeat = *v;
        }
        if (t.credentials_template) {
            auto c = t.credentials_template->evaluate(f->input, env);
            if (!c) return outcome::fail(std::move(c.error()));
            credentials = std::move(*c);
        }
    }

    const json& task_input = raw_as_input ? *raw_as_input : *params;
    // A task whose input is the state's input shows the text its Entered event made.
    const history_text entered_text = std::move(f->entered_text);
    const bool shares_entered = entered_text && raw_as_input == &f->input;
    resource_names resource(t.resource, t.traits.family);
    const task_family_events events = resource.events();
    auto invoker = invokers_.find(t.resource);
    // An activity is started when a worker takes it (task_completion::started), not when queued.
    const bool started_now = resource.family() != task_family::activity;
    // A Lambda task's *Started follows its *Scheduled at once: both handed over together.
    const bool started_with_scheduled = invoker && resource.family() == task_family::lambda;
    if (resource.family() == task_family::service) {
        emit(*f->exec, f->prev_event, events.scheduled, [&] {
            json details = json::object();
            details["resourceType"] = resource.type();
            details["resource"] = resource.name();
            details["region"] = options_.region;
            details["parameters"] = shares_entered && entered_text.text ? *entered_text.text : json_text(task_input);
            if (timeout) details["timeoutInSeconds"] = *timeout;
            if (heartbeat) details["heartbeatInSeconds"] = *heartbeat;
            json role = task_credentials(credentials);
            if (!role.is_null()) details["taskCredentials"] = std::move(role);
            return details;
        });
    } else {
        // {resource, input, ...}: deferred for a sink that keeps events (history_event::deferred).
        const auto scheduled_parts = [&](bool made) {
            event_parts parts;
            parts.arn = t.resource;
            if (shares_entered) show(parts, entered_text, task_input, f->input_size);
            else show_once(parts, made, task_input);
            parts.timeout = timeout;
            if (resource.family() != task_family::lambda) parts.heartbeat = heartbeat;
            if (resource.family() != task_family::activity) parts.credentials = task_credentials(credentials);
            return parts;
        };
        if (started_with_scheduled) emit_pair(*f->exec, f->prev_event, events.scheduled, scheduled_parts, events.started, bare_parts);
        else emit(*f->exec, f->prev_event, events.scheduled, scheduled_parts);
    }
    if (metrics_) count_task(*f, t, task_phase::scheduled);

    if (!invoker) {
        emit(*f->exec, f->prev_event, events.start_failed, [&] {
            return resource.error_details(errors::runtime, "no task invoker is registered for resource '" + t.resource + "'");
        });
        if (metrics_) count_task(*f, t, task_phase::start_failed);
        if (traced(*f->exec)) {
            trace_attempt_started(*f);
            const error missing{errors::runtime, "no task invoker is registered for this resource"};
            trace_attempt_ended(*f, t, &missing);
        }
        return outcome::fail(error{errors::runtime, "No task invoker is registered for resource '" + t.resource + "'."});
    }
    if (started_now && !started_with_scheduled) emit_task_started(*f, resource);
    if (metrics_ && started_now) count_task(*f, t, task_phase::started);
    if (traced(*f->exec)) trace_attempt_started(*f);

    const auto generation = ++f->generation;
    auto attempt = std::make_shared<task_attempt>(shared_from_this(), f, generation, callback, resource.family());
    attempt->token = token;
    attempt->heartbeat_seconds = heartbeat;
    attempt->was_started = started_now;
    f->attempt = attempt;
    f->waiting = true;
    const time_point now = clock_->now();
    std::optional<time_point> deadline, heartbeat_deadline;
    if (timeout) deadline = now + std::chrono::seconds(*timeout);
    if (heartbeat) heartbeat_deadline = now + std::chrono::seconds(*heartbeat);
    arm_task_timers(f, deadline, heartbeat_deadline);
    if (!token.empty()) {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        tokens_[token] = attempt;
    }

    task_request request;
    // Lent only for a call made now (a durable engine sends it after a checkpoint, and keeps it).
    if (!raw_as_input) request.input = std::move(*params);
    else if (!f->exec->durable && invoker->borrows_input()) request.lent_input = raw_as_input;
    else request.input = *raw_as_input;
    // A durable engine keeps the request (sent again after a restart): named in full.
    if (f->exec->durable || invoker->reads_request_names()) {
        request.resource = t.resource;
        address_request(request, *f, s);
    }
    request.attempt = f->retry_count;
    request.deadline = deadline;
    request.heartbeat_seconds = heartbeat;
    request.task_token = token;
    request.credentials = std::move(credentials);
    if (f->attempt_span) {
        request.trace = f->exec->trace;  // the attempt's own span is the invoker's parent
        request.trace.span_id = f->attempt_span;
    }
    if (f->exec->durable) {
        // Unique per attempt, and kept in the checkpoint so a request sent again carries it.
        request.idempotency_key = f->exec->arn;
        request.idempotency_key.append(1, '/').append(std::to_string(f->entered_event)).append(1, '/').append(
            std::to_string(f->retry_count));
        attempt->kept_request = request;
        if (!token.empty()) f->exec->durable->tokens.push_back(token_change{token, true});
    }
    // A durable engine sends after a checkpoint; a callback's or an activity's answer may follow
    // other reports (submitted, started by a worker) whose jobs must run first.
    if (f->exec->durable || callback || !started_now) {
        dispatch(f, attempt, std::move(invoker), std::move(request));
        return outcome::parked();
    }
    attempt->begin_dispatch();
    dispatch(f, attempt, std::move(invoker), std::move(request), true);
    if (!attempt->end_dispatch()) return outcome::parked();  // the answer comes later, posted
    // Answered within invoke(): taken here, as the job resolve() posts otherwise would, after
    // the hook hears of the park that job would have ended (unless a stop came meanwhile).
    if (f->generation != generation || f->attempt != attempt || f->exec->ended.load()) return outcome::parked();
    notify(*f, s, transition_kind::parked);
    return task_answered(f, s, attempt->take_answer());
}

STEPFN_INLINE void engine_core::arm_task_timers(const std::shared_ptr<frame>& f, std::optional<time_point> deadline,
                                                std::optional<time_point> heartbeat_deadline) {
    const auto generation = f->generation;
    auto arm = [&](time_point when, bool is_heartbeat) {
        return arm_timer(f, when, generation, [generation, is_heartbeat](engine_core& core, const std::shared_ptr<frame>& fr) {
            core.on_task_timeout(fr, generation, is_heartbeat);
        });
    };
    if (deadline) {
        f->timer_at = *deadline;
        f->timer = arm(*deadline, false);
    }
    if (heartbeat_deadline) {
        f->heartbeat_at = *heartbeat_deadline;
        f->heartbeat_timer = arm(*heartbeat_deadline, true);
    }
}

// Sends one attempt's request. An invoker that throws fails the attempt: task_error keeps its
// name, anything else is States.TaskFailed with what() as the cause.
inline void send_request(const std::shared_ptr<task_attempt>& attempt, task_invoker& invoker, task_request&& request) {
    task_completion done(attempt);
    auto invoked = guarded_call([&] { invoker.invoke(std::move(request), std::move(done)); });
    if (!invoked) attempt->complete(tl::make_unexpected(std::move(invoked.error())));
}

// Hands the request to its invoker: now, or with a store once the checkpoint that scheduled the
// task is durable (so a crash can never have run a task the store does not know of).
STEPFN_INLINE void engine_core::dispatch(const std::shared_ptr<frame>& f, const std::shared_ptr<task_attempt>& attempt,
                                         std::shared_ptr<task_invoker> invoker, task_request&& request, bool now) {
    if (!f->exec->durable || now) return send_request(attempt, *invoker, std::move(request));
    f->exec->durable->effects.push_back([attempt, invoker = std::move(invoker), request = std::move(request)]() mutable {
        if (!attempt->cancelled()) send_request(attempt, *invoker, std::move(request));  // not stopped meanwhile
    });
}

STEPFN_INLINE void engine_core::on_task_result(const std::shared_ptr<frame>& f, std::uint64_t generation, result<json> answer) {
    if (f->generation != generation || !f->attempt || f->exec->ended.load()) return;
    const state& s = f->states->states[f->current];
    resume(f, s, task_answered(f, s, std::move(answer)));
}

// The current attempt's answer: its events, then the state's outcome (Retry and Catch for an error).
STEPFN_INLINE outcome engine_core::task_answered(const std::shared_ptr<frame>& f, const state& s, result<json> answer) {
    const auto& t = std::get<task_state>(s.body);
    const auto ended = end_attempt(*f);
    const bool was_started = ended->was_started, was_submitted = ended->was_submitted;
    f->waiting = false;
    ++f->generation;

    resource_names resource(t.resource, ended->family);
    // Size and depth in one walk; the size, within the limit, spares the ResultPath merge a walk.
    std::size_t answer_size = unknown_size;
    if (answer) {
        const payload_measure measured = measure_payload(*answer, options_.bounds.max_payload_bytes, options_.bounds.max_payload_depth);
        if (measured.size > options_.bounds.max_payload_bytes)
            answer = tl::make_unexpected(size_error(t.resource));
        else if (measured.too_deep)
            answer = make_error(errors::data_limit_exceeded, "The state/task '" + t.resource + "' returned a result nested more than " +
                                                                 std::to_string(options_.bounds.max_payload_depth) +
                                                                 " levels deep (limits::max_payload_depth).");
        else
            answer_size = measured.size;
    }
    const task_family_events events = resource.events();
    if (!was_started) {
        // An activity answered without saying which worker took it.
        emit_task_started(*f, resource);
        if (metrics_) count_task(*f, t, task_phase::started);
    }
    if (!answer) {
        emit(*f->exec, f->prev_event, events.failed,
             [&] { return resource.error_details(answer.error().name, answer.error().cause); });
        if (metrics_) count_task(*f, t, task_phase::failed);
        if (traced(*f->exec)) trace_attempt_ended(*f, t, &answer.error());
        return outcome::fail_from_outside(std::move(answer.error()));
    }
    if (!was_submitted && t.traits.submits) {
        // AWS writes TaskSubmitted after TaskStarted for a job or callback; an invoker (a mock)
        // that answered at once never reported the submission, so it is written here.
        emit(*f->exec, f->prev_event, event_type::task_submitted, [&] { return resource.base_details(); });
    }
    if (resource.family() != task_family::service) {
        // {output, outputDetails} only: deferred for a sink that keeps events (history_event::deferred).
        emit(*f->exec, f->prev_event, events.succeeded,
             [&](bool made) {
                 event_parts parts;
                 show_once(parts, made, *answer);
                 return parts;
             });
    } else {
        emit(*f->exec, f->prev_event, events.succeeded, [&] {
            json details = resource.base_details();
            add_io(details, "output", "outputDetails", *answer);
            return details;
        });
    }
    if (metrics_) count_task(*f, t, task_phase::succeeded);
    if (traced(*f->exec)) trace_attempt_ended(*f, t, nullptr);

    return complete_state(f, s, std::move(*answer), t.result_selector, t.result_path, answer_size);
}

STEPFN_INLINE void engine_core::on_task_submitted(const std::shared_ptr<frame>& f, std::uint64_t generation, json response) {
    if (f->generation != generation || !f->attempt || f->exec->ended.load()) return;
    const auto& t = std::get<task_state>(f->states->states[f->current].body);
    f->attempt->was_submitted = true;
    resource_names resource(t.resource, t.traits.family);
    emit(*f->exec, f->prev_event, event_type::task_submitted, [&] {
        json details = resource.base_details();
        add_io(details, "output", "outputDetails", response);
        return details;
    });
}

STEPFN_INLINE void engine_core::on_task_taken(const std::shared_ptr<frame>& f, std::uint64_t generation, std::string worker_name) {
    if (f->generation != generation || !f->attempt || f->attempt->was_started || f->exec->ended.load()) return;
    const auto& t = std::get<task_state>(f->states->states[f->current].body);
    f->attempt->was_started = true;
    if (f->exec->durable) f->exec->durable->touched = true;  // the next checkpoint knows it started
    resource_names resource(t.resource, t.traits.family);
    emit(*f->exec, f->prev_event, resource.events().started, [&] {
        json details = resource.base_details();
        if (!worker_name.empty()) details["workerName"] = std::move(worker_name);
        return details;
    });
    if (metrics_) count_task(*f, t, task_phase::started);
}

STEPFN_INLINE void engine_core::on_task_heartbeat(const std::shared_ptr<frame>& f, std::uint64_t generation) {
    if (f->generation != generation || !f->attempt || !f->heartbeat_timer || f->exec->ended.load()) return;
    const state& s = f->states->states[f->current];
    const auto& t = std::get<task_state>(s.body);
    std::optional<std::int64_t> seconds = t.heartbeat_seconds.value;
    if (!seconds) seconds = f->attempt->heartbeat_seconds;  // a JSONata expression's value
    if (!seconds && t.heartbeat_seconds.path) {
        frame_env env(*this, *f, s);
        auto v = positive_from_path(*t.heartbeat_seconds.path, f->input, env, "HeartbeatSecondsPath", false);
        if (v) seconds = *v;
    }
    if (!seconds) return;
    cancel_timer(*f->heartbeat_timer);
    f->heartbeat_at = clock_->now() + std::chrono::seconds(*seconds);
    if (f->exec->durable) f->exec->durable->touched = true;  // the new deadline goes in a checkpoint
    f->heartbeat_timer = arm_timer(f, f->heartbeat_at, generation,
                                   [generation](engine_core& core, const std::shared_ptr<frame>& fr) {
                                       core.on_task_timeout(fr, generation, true);
                                   });
}

STEPFN_INLINE void engine_core::on_task_timeout(const std::shared_ptr<frame>& f, std::uint64_t generation, bool heartbeat) {
    if (f->generation != generation || !f->attempt || f->exec->ended.load()) return;
    const state& s = f->states->states[f->current];
    const auto& t = std::get<task_state>(s.body);
    end_attempt(*f)->cancel();  // tells the invoker; a late completion is ignored (stale generation)
    f->waiting = false;
    ++f->generation;
    resource_names resource(t.resource, t.traits.family);
    emit(*f->exec, f->prev_event, resource.events().timed_out, [&] {
        return resource.error_details(errors::timeout, heartbeat ? "The task missed its heartbeat (HeartbeatSeconds)."
                                                                 : "The task timed out (TimeoutSeconds).");
    });
    if (metrics_) count_task(*f, t, task_phase::timed_out);
    if (traced(*f->exec)) {
        const error timed_out{errors::timeout, heartbeat ? "The task missed its heartbeat (HeartbeatSeconds)."
                                                         : "The task timed out (TimeoutSeconds)."};
        trace_attempt_ended(*f, t, &timed_out);
    }
    resume(f, s, outcome::fail_from_outside(error{errors::timeout, ""}, heartbeat));
}

// The attempt a frame waited on is over (answered, timed out, aborted): its timers and token go.
STEPFN_INLINE std::shared_ptr<task_attempt> engine_core::end_attempt(frame& f) {
    if (f.timer) cancel_timer(*f.timer);
    if (f.heartbeat_timer) cancel_timer(*f.heartbeat_timer);
    f.timer.reset();
    f.heartbeat_timer.reset();
    auto attempt = std::move(f.attempt);
    if (attempt) {
        unregister_token(attempt->token);
        if (f.exec->durable && !attempt->token.empty()) f.exec->durable->tokens.push_back(token_change{attempt->token, false});
    }
    return attempt;
}

STEPFN_INLINE void engine_core::unregister_token(const std::string& token) {
    if (token.empty()) return;
    std::lock_guard<std::mutex> lock(registry_mutex_);
    tokens_.erase(token);
}

} // namespace stepfn::detail

#endif
