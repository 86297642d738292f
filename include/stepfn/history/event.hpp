#ifndef STEPFN_HISTORY_EVENT_HPP
#define STEPFN_HISTORY_EVENT_HPP

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <stepfn/json.hpp>

namespace stepfn {

// The types of AWS Step Functions history events (asl-reference.md §11.2), spelled in
// snake_case; to_string() gives AWS's name.
enum class event_type {
    execution_started, execution_succeeded, execution_failed, execution_timed_out, execution_aborted,
    execution_redriven,
    pass_state_entered, pass_state_exited,
    task_state_entered, task_state_exited, task_state_aborted,
    choice_state_entered, choice_state_exited,
    wait_state_entered, wait_state_exited, wait_state_aborted,
    succeed_state_entered, succeed_state_exited,
    fail_state_entered,
    parallel_state_entered, parallel_state_exited, parallel_state_started, parallel_state_succeeded,
    parallel_state_failed, parallel_state_aborted,
    map_state_entered, map_state_exited, map_state_started, map_state_succeeded, map_state_failed,
    map_state_aborted,
    map_iteration_started, map_iteration_succeeded, map_iteration_failed, map_iteration_aborted,
    map_run_started, map_run_succeeded, map_run_failed, map_run_aborted,
    task_scheduled, task_started, task_submitted, task_succeeded, task_failed, task_timed_out,
    task_start_failed, task_submit_failed,
    evaluation_failed,
    // A Task whose Resource is a plain Lambda function ARN, or an activity ARN, writes these in
    // place of the Task* events (added last: stored histories keep their numbers).
    lambda_function_scheduled, lambda_function_started, lambda_function_succeeded, lambda_function_failed,
    lambda_function_timed_out, lambda_function_start_failed, lambda_function_schedule_failed,
    activity_scheduled, activity_started, activity_succeeded, activity_failed, activity_timed_out,
    activity_schedule_failed,
};

struct event_type_info {
    const char* name;         // "ExecutionStarted"
    const char* details_key;  // "executionStartedEventDetails", or nullptr when it has none
};

inline event_type_info info(event_type t) noexcept {
    switch (t) {
    case event_type::execution_started: return {"ExecutionStarted", "executionStartedEventDetails"};
    case event_type::execution_succeeded: return {"ExecutionSucceeded", "executionSucceededEventDetails"};
    case event_type::execution_failed: return {"ExecutionFailed", "executionFailedEventDetails"};
    case event_type::execution_timed_out: return {"ExecutionTimedOut", "executionTimedOutEventDetails"};
    case event_type::execution_aborted: return {"ExecutionAborted", "executionAbortedEventDetails"};
    case event_type::execution_redriven: return {"ExecutionRedriven", "executionRedrivenEventDetails"};
    case event_type::pass_state_entered: return {"PassStateEntered", "stateEnteredEventDetails"};
    case event_type::pass_state_exited: return {"PassStateExited", "stateExitedEventDetails"};
    case event_type::task_state_entered: return {"TaskStateEntered", "stateEnteredEventDetails"};
    case event_type::task_state_exited: return {"TaskStateExited", "stateExitedEventDetails"};
    case event_type::task_state_aborted: return {"TaskStateAborted", nullptr};
    case event_type::choice_state_entered: return {"ChoiceStateEntered", "stateEnteredEventDetails"};
    case event_type::choice_state_exited: return {"ChoiceStateExited", "stateExitedEventDetails"};
    case event_type::wait_state_entered: return {"WaitStateEntered", "stateEnteredEventDetails"};
    case event_type::wait_state_exited: return {"WaitStateExited", "stateExitedEventDetails"};
    case event_type::wait_state_aborted: return {"WaitStateAborted", nullptr};
    case event_type::succeed_state_entered: return {"SucceedStateEntered", "stateEnteredEventDetails"};
    case event_type::succeed_state_exited: return {"SucceedStateExited", "stateExitedEventDetails"};
    case event_type::fail_state_entered: return {"FailStateEntered", "stateEnteredEventDetails"};
    case event_type::parallel_state_entered: return {"ParallelStateEntered", "stateEnteredEventDetails"};
    case event_type::parallel_state_exited: return {"ParallelStateExited", "stateExitedEventDetails"};
    case event_type::parallel_state_started: return {"ParallelStateStarted", nullptr};
    case event_type::parallel_state_succeeded: return {"ParallelStateSucceeded", nullptr};
    case event_type::parallel_state_failed: return {"ParallelStateFailed", nullptr};
    case event_type::parallel_state_aborted: return {"ParallelStateAborted", nullptr};
    case event_type::map_state_entered: return {"MapStateEntered", "stateEnteredEventDetails"};
    case event_type::map_state_exited: return {"MapStateExited", "stateExitedEventDetails"};
    case event_type::map_state_started: return {"MapStateStarted", "mapStateStartedEventDetails"};
    case event_type::map_state_succeeded: return {"MapStateSucceeded", nullptr};
    case event_type::map_state_failed: return {"MapStateFailed", nullptr};
    case event_type::map_state_aborted: return {"MapStateAborted", nullptr};
    case event_type::map_iteration_started: return {"MapIterationStarted", "mapIterationStartedEventDetails"};
    case event_type::map_iteration_succeeded: return {"MapIterationSucceeded", "mapIterationSucceededEventDetails"};
    case event_type::map_iteration_failed: return {"MapIterationFailed", "mapIterationFailedEventDetails"};
    case event_type::map_iteration_aborted: return {"MapIterationAborted", "mapIterationAbortedEventDetails"};
    case event_type::map_run_started: return {"MapRunStarted", "mapRunStartedEventDetails"};
    case event_type::map_run_succeeded: return {"MapRunSucceeded", nullptr};
    case event_type::map_run_failed: return {"MapRunFailed", "mapRunFailedEventDetails"};
    case event_type::map_run_aborted: return {"MapRunAborted", nullptr};
    case event_type::task_scheduled: return {"TaskScheduled", "taskScheduledEventDetails"};
    case event_type::task_started: return {"TaskStarted", "taskStartedEventDetails"};
    case event_type::task_submitted: return {"TaskSubmitted", "taskSubmittedEventDetails"};
    case event_type::task_succeeded: return {"TaskSucceeded", "taskSucceededEventDetails"};
    case event_type::task_failed: return {"TaskFailed", "taskFailedEventDetails"};
    case event_type::task_timed_out: return {"TaskTimedOut", "taskTimedOutEventDetails"};
    case event_type::task_start_failed: return {"TaskStartFailed", "taskStartFailedEventDetails"};
    case event_type::task_submit_failed: return {"TaskSubmitFailed", "taskSubmitFailedEventDetails"};
    case event_type::evaluation_failed: return {"EvaluationFailed", "evaluationFailedEventDetails"};
    case event_type::lambda_function_scheduled: return {"LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails"};
    case event_type::lambda_function_started: return {"LambdaFunctionStarted", nullptr};
    case event_type::lambda_function_succeeded: return {"LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails"};
    case event_type::lambda_function_failed: return {"LambdaFunctionFailed", "lambdaFunctionFailedEventDetails"};
    case event_type::lambda_function_timed_out: return {"LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails"};
    case event_type::lambda_function_start_failed:
        return {"LambdaFunctionStartFailed", "lambdaFunctionStartFailedEventDetails"};
    case event_type::lambda_function_schedule_failed:
        return {"LambdaFunctionScheduleFailed", "lambdaFunctionScheduleFailedEventDetails"};
    case event_type::activity_scheduled: return {"ActivityScheduled", "activityScheduledEventDetails"};
    case event_type::activity_started: return {"ActivityStarted", "activityStartedEventDetails"};
    case event_type::activity_succeeded: return {"ActivitySucceeded", "activitySucceededEventDetails"};
    case event_type::activity_failed: return {"ActivityFailed", "activityFailedEventDetails"};
    case event_type::activity_timed_out: return {"ActivityTimedOut", "activityTimedOutEventDetails"};
    case event_type::activity_schedule_failed: return {"ActivityScheduleFailed", "activityScheduleFailedEventDetails"};
    }
    return {"", nullptr};
}

inline const char* to_string(event_type t) noexcept { return info(t).name; }

// The type AWS's name stands for ("TaskStateEntered"), for reading stored or recorded histories.
inline bool parse_event_type(std::string_view name, event_type& out) noexcept {
    for (int i = 0; i <= static_cast<int>(event_type::activity_schedule_failed); ++i) {
        const auto t = static_cast<event_type>(i);
        if (name == info(t).name) {
            out = t;
            return true;
        }
    }
    return false;
}

// Which step of a Task attempt an event records, whichever family writes it (Task*, LambdaFunction*,
// Activity*); none for every other event.
enum class task_event_kind { none, scheduled, started, submitted, succeeded, failed, timed_out, start_failed };

inline task_event_kind task_event_of(event_type t) noexcept {
    switch (t) {
    case event_type::task_scheduled:
    case event_type::lambda_function_scheduled:
    case event_type::activity_scheduled: return task_event_kind::scheduled;
    case event_type::task_started:
    case event_type::lambda_function_started:
    case event_type::activity_started: return task_event_kind::started;
    case event_type::task_submitted: return task_event_kind::submitted;
    case event_type::task_succeeded:
    case event_type::lambda_function_succeeded:
    case event_type::activity_succeeded: return task_event_kind::succeeded;
    case event_type::task_failed:
    case event_type::lambda_function_failed:
    case event_type::activity_failed: return task_event_kind::failed;
    case event_type::task_timed_out:
    case event_type::lambda_function_timed_out:
    case event_type::activity_timed_out: return task_event_kind::timed_out;
    case event_type::task_start_failed:
    case event_type::task_submit_failed:
    case event_type::lambda_function_start_failed:
    case event_type::lambda_function_schedule_failed:
    case event_type::activity_schedule_failed: return task_event_kind::start_failed;
    default: return task_event_kind::none;
    }
}

// An event as the engine makes it, before its details object exists: a state's Entered and
// Exited events, ExecutionStarted, ExecutionSucceeded, and a Lambda or activity task's
// *Scheduled, *Started and *Succeeded. A payload is JSON text, shared with the other events
// that show the same value (a state's output is the next state's input) instead of copied.
// Only a sink that says so (history_sink::keeps_deferred) receives events in this form; it
// keeps them as they are and builds the details when they are read (materialise), so
// recording costs no object. The event's type says which of the parts its details show (the
// members added after `text` have initialisers, so {name, text} still initialises it).
struct deferred_details {
    std::string name;                         // the state's (Entered and Exited events only)
    std::shared_ptr<const std::string> text;  // the input (Entered, ExecutionStarted, *Scheduled) or the output; null: none
    std::string arn = std::string();          // ExecutionStarted: roleArn; *Scheduled: the Task's resource
    std::optional<std::int64_t> timeout = std::nullopt;    // *Scheduled: timeoutInSeconds
    std::optional<std::int64_t> heartbeat = std::nullopt;  // *Scheduled: heartbeatInSeconds
    json credentials = json();                // *Scheduled: taskCredentials; null: none
    bool bare = false;                        // deferred with no text: details are {} (a *Started event)
};

// One history event, shaped as AWS's: details hold the `*EventDetails` object (with `input` /
// `output` as JSON text and their `*Details: {truncated}` companions). While is_deferred(),
// `details` is still empty and details_of() / materialise() give it.
struct history_event {
    std::int64_t id = 0;                   // 1-based, increasing per execution
    std::int64_t previous_event_id = 0;    // the preceding event of the same branch/iteration
    std::chrono::system_clock::time_point timestamp;
    event_type type = event_type::execution_started;
    json details = json::object();
    deferred_details deferred;

    bool is_deferred() const noexcept { return deferred.text != nullptr || deferred.bare; }
};

// The details object, built from the deferred parts when there are any: exactly what the
// engine writes in `details` for every other sink.
json details_of(const history_event& event);

// Builds `details` from the deferred parts and drops them; nothing when there are none.
void materialise(history_event& event);

// AWS's JSON shape: {"timestamp", "type", "id", "previousEventId", "<x>EventDetails"}.
json to_json(const history_event& event);

} // namespace stepfn

#include <stepfn/history/detail/event_json.hpp>

#endif
