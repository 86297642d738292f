#ifndef STEPFN_OBSERVE_METRIC_NAMES_HPP
#define STEPFN_OBSERVE_METRIC_NAMES_HPP

// The metrics the engine reports through a metrics_sink, named as AWS's Step Functions
// CloudWatch metrics are (docs/observability.md lists them with their labels). Times are in
// seconds of the engine's clock (store latency: of the steady clock).

#include <cstddef>
#include <string_view>

namespace stepfn {

enum class metric_unit { none, seconds };

struct metric_description {
    std::string_view name;  // "ExecutionsStarted"
    std::string_view help;
    metric_unit unit = metric_unit::none;
};

namespace metric_names {
// Executions, labelled state_machine.
inline constexpr std::string_view executions_started = "ExecutionsStarted";
inline constexpr std::string_view executions_succeeded = "ExecutionsSucceeded";
inline constexpr std::string_view executions_failed = "ExecutionsFailed";
inline constexpr std::string_view executions_aborted = "ExecutionsAborted";
inline constexpr std::string_view executions_timed_out = "ExecutionsTimedOut";
inline constexpr std::string_view executions_redriven = "ExecutionsRedriven";
inline constexpr std::string_view execution_time = "ExecutionTime";
// Engine-wide gauges (no labels).
inline constexpr std::string_view open_executions = "OpenExecutions";
inline constexpr std::string_view parked_timers = "ParkedTimers";
// Retry and Catch decisions, labelled state_machine and state.
inline constexpr std::string_view retries = "Retries";
inline constexpr std::string_view catches = "Catches";
// A durable engine's checkpoints (no labels).
inline constexpr std::string_view store_commit_time = "StoreCommitTime";
inline constexpr std::string_view checkpoint_events = "CheckpointEvents";
} // namespace metric_names

// The eight names of one kind of Task resource: activities, Lambda functions, other service
// integrations (AWS's ActivitiesScheduled, LambdaFunctionsScheduled, ServiceIntegrationsScheduled...).
// Labelled state_machine and resource.
struct task_metric_names {
    std::string_view scheduled, started, succeeded, failed, timed_out, schedule_time, run_time, time;
};

inline constexpr task_metric_names activity_metric_names{
    "ActivitiesScheduled", "ActivitiesStarted",     "ActivitiesSucceeded", "ActivitiesFailed",
    "ActivitiesTimedOut",  "ActivityScheduleTime",  "ActivityRunTime",     "ActivityTime"};
inline constexpr task_metric_names lambda_metric_names{
    "LambdaFunctionsScheduled", "LambdaFunctionsStarted",    "LambdaFunctionsSucceeded", "LambdaFunctionsFailed",
    "LambdaFunctionsTimedOut",  "LambdaFunctionScheduleTime", "LambdaFunctionRunTime",   "LambdaFunctionTime"};
inline constexpr task_metric_names service_metric_names{
    "ServiceIntegrationsScheduled", "ServiceIntegrationsStarted",    "ServiceIntegrationsSucceeded",
    "ServiceIntegrationsFailed",    "ServiceIntegrationsTimedOut",   "ServiceIntegrationScheduleTime",
    "ServiceIntegrationRunTime",    "ServiceIntegrationTime"};

// Which family a Task's Resource belongs to.
inline const task_metric_names& task_metrics_for(std::string_view resource) noexcept {
    if (resource.find(":activity:") != std::string_view::npos) return activity_metric_names;
    if (resource.rfind("arn:aws:lambda:", 0) == 0 || resource.rfind("arn:aws:states:::lambda:invoke", 0) == 0)
        return lambda_metric_names;
    return service_metric_names;
}

// Help text and unit of every metric the engine reports.
inline constexpr metric_description engine_metric_descriptions[] = {
    {"ExecutionsStarted", "Executions started.", metric_unit::none},
    {"ExecutionsSucceeded", "Executions that succeeded.", metric_unit::none},
    {"ExecutionsFailed", "Executions that failed.", metric_unit::none},
    {"ExecutionsAborted", "Executions aborted (stopped).", metric_unit::none},
    {"ExecutionsTimedOut", "Executions that timed out (TimeoutSeconds).", metric_unit::none},
    {"ExecutionsRedriven", "Executions redriven.", metric_unit::none},
    {"ExecutionTime", "Time from an execution's start (or redrive) to its end.", metric_unit::seconds},
    {"OpenExecutions", "Executions running in this engine.", metric_unit::none},
    {"ParkedTimers", "Timers armed for Wait states, retry back-offs and task deadlines.", metric_unit::none},
    {"Retries", "Retries scheduled by a Retry rule.", metric_unit::none},
    {"Catches", "Errors caught by a Catch rule.", metric_unit::none},
    {"StoreCommitTime", "Time from a checkpoint's hand-over to the store to its answer.", metric_unit::seconds},
    {"CheckpointEvents", "History events per checkpoint.", metric_unit::none},
    {"ActivitiesScheduled", "Activity tasks scheduled.", metric_unit::none},
    {"ActivitiesStarted", "Activity tasks started.", metric_unit::none},
    {"ActivitiesSucceeded", "Activity tasks that succeeded.", metric_unit::none},
    {"ActivitiesFailed", "Activity tasks that failed.", metric_unit::none},
    {"ActivitiesTimedOut", "Activity tasks that timed out.", metric_unit::none},
    {"ActivityScheduleTime", "Time an activity task waited from scheduled to started.", metric_unit::seconds},
    {"ActivityRunTime", "Time an activity task ran, from started to its end.", metric_unit::seconds},
    {"ActivityTime", "Time from an activity task's scheduling to its end.", metric_unit::seconds},
    {"LambdaFunctionsScheduled", "Lambda tasks scheduled.", metric_unit::none},
    {"LambdaFunctionsStarted", "Lambda tasks started.", metric_unit::none},
    {"LambdaFunctionsSucceeded", "Lambda tasks that succeeded.", metric_unit::none},
    {"LambdaFunctionsFailed", "Lambda tasks that failed.", metric_unit::none},
    {"LambdaFunctionsTimedOut", "Lambda tasks that timed out.", metric_unit::none},
    {"LambdaFunctionScheduleTime", "Time a Lambda task waited from scheduled to started.", metric_unit::seconds},
    {"LambdaFunctionRunTime", "Time a Lambda task ran, from started to its end.", metric_unit::seconds},
    {"LambdaFunctionTime", "Time from a Lambda task's scheduling to its end.", metric_unit::seconds},
    {"ServiceIntegrationsScheduled", "Service integration tasks scheduled.", metric_unit::none},
    {"ServiceIntegrationsStarted", "Service integration tasks started.", metric_unit::none},
    {"ServiceIntegrationsSucceeded", "Service integration tasks that succeeded.", metric_unit::none},
    {"ServiceIntegrationsFailed", "Service integration tasks that failed.", metric_unit::none},
    {"ServiceIntegrationsTimedOut", "Service integration tasks that timed out.", metric_unit::none},
    {"ServiceIntegrationScheduleTime", "Time a service integration task waited from scheduled to started.",
     metric_unit::seconds},
    {"ServiceIntegrationRunTime", "Time a service integration task ran, from started to its end.", metric_unit::seconds},
    {"ServiceIntegrationTime", "Time from a service integration task's scheduling to its end.", metric_unit::seconds},
};

// The description of an engine metric, or nullptr for a name of the host's own.
inline const metric_description* describe_metric(std::string_view name) noexcept {
    for (const auto& d : engine_metric_descriptions)
        if (d.name == name) return &d;
    return nullptr;
}

} // namespace stepfn

#endif
