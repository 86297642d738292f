#ifndef STEPFN_ENGINE_OPTIONS_HPP
#define STEPFN_ENGINE_OPTIONS_HPP

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <stepfn/history/history_sink.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/observe/metrics.hpp>
#include <stepfn/observe/state_inspector.hpp>
#include <stepfn/observe/tracing.hpp>
#include <stepfn/observe/transition_hook.hpp>
#include <stepfn/policies/retry_policy.hpp>
#include <stepfn/store/execution_store.hpp>

namespace stepfn {

// What a durable engine does with a task attempt that was in flight when its process stopped
// (docs/durability.md).
enum class in_flight_tasks {
    fail,        // at most once, as AWS Standard workflows: the attempt fails with
                 // Stepfn.TaskInterrupted, which the state's Retry and Catch see
    redispatch,  // at least once: the same request, with the same idempotency_key, is sent again
};

// How often a durable engine makes an execution's progress durable.
enum class checkpointing {
    // At the end of each step of an execution (a run of states up to a task dispatch, a
    // Wait, a fan-out or the end), many executions' checkpoints in one transaction. States
    // with no effect outside the execution (Pass, Choice) ride in the next checkpoint.
    group_commit,
    // After every single state transition (transitions made while the previous checkpoint is
    // still being committed share the next one; effects always wait for theirs).
    every_transition,
};

// What an engine is configured with; every pointer may stay null.
struct engine_options {
    limits bounds;
    std::shared_ptr<history_sink> history;   // receives the events of every execution
    std::string region = "us-east-1";
    std::string account = "123456789012";
    std::uint64_t seed = 0;                  // random source (jitter, UUIDs, names); 0 = from the OS
    std::shared_ptr<const retry_policy> retry;     // null: ASL's (asl_retry_policy)
    std::shared_ptr<transition_hook> transitions;  // sees every transition the engine applies
    // Receives AWS's Step Functions metrics (observe/metric_names.hpp), e.g. a metrics_registry.
    std::shared_ptr<metrics_sink> metrics;
    // Receives a span per execution, state and Task attempt (observe/tracing.hpp), e.g. an
    // otlp_exporter.
    std::shared_ptr<span_sink> spans;
    // Durable executions: every execution's progress is checkpointed here, and recover()
    // resumes the unfinished ones. Null: executions live in memory only.
    std::shared_ptr<execution_store> store;
    in_flight_tasks after_restart = in_flight_tasks::fail;
    checkpointing checkpoints = checkpointing::group_commit;
};

// AWS's two workflow types. stepfn runs both the same way, but for the history-length limit,
// which only a STANDARD execution has; what EXPRESS means for delivery (at least once) is the
// host's to honour (docs/express.md).
enum class execution_type { standard, express };

inline const char* to_string(execution_type t) noexcept { return t == execution_type::express ? "EXPRESS" : "STANDARD"; }

// What one execution is started with.
struct start_options {
    std::string name;                        // execution name; a UUID when empty
    std::shared_ptr<history_sink> history;   // this execution's events only
    std::shared_ptr<state_inspector> inspector;  // sees every stage of every state (tests, tools)
    // With a store: only stores the start (the execution's row, ExecutionStarted, a snapshot at
    // its first state) and runs nothing here; the returned handle's on_stored says when that is
    // durable. Another engine on the store runs it: a worker that claimed it calls resume().
    bool deferred = false;
    // The caller's trace (parse_traceparent of an incoming `traceparent`): the execution's span
    // is its child. None: the execution starts a new trace (when the engine has spans).
    std::optional<trace_context> trace_parent;
    // The execution role (the state machine's roleArn, as AWS's ExecutionStarted and
    // `$$.Execution.RoleArn` show it). Empty: the engine's, arn:aws:iam::<account>:role/stepfn.
    std::string role_arn;
    // The input as the caller wrote it (the JSON text `input` was parsed from). ExecutionStarted
    // and the first state's Entered event then show this text, blanks and number spelling kept,
    // as AWS does. Ignored when it does not parse to `input` or is over the payload limit.
    std::optional<std::string> input_text;
    // STANDARD or EXPRESS (docs/express.md): an EXPRESS execution has no history-length limit
    // (limits::max_history_events); the rest runs the same.
    execution_type type = execution_type::standard;
};

} // namespace stepfn

#endif
