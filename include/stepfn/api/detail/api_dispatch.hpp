#ifndef STEPFN_API_DETAIL_API_DISPATCH_HPP
#define STEPFN_API_DETAIL_API_DISPATCH_HPP

// One table from action name to the function that answers it, and the one path every call
// takes: refuse after shutdown, parse the body within limits, look the action up (an unknown one
// is UnknownOperationException), answer. Nothing escapes: an exception from anywhere below
// (memory, a JSON type surprise) becomes an InternalFailure reply.

#include <string>
#include <string_view>
#include <utility>

#include <stepfn/api/api_call.hpp>
#include <stepfn/api/detail/api_access.hpp>
#include <stepfn/api/detail/api_json.hpp>
#include <stepfn/api/detail/api_state.hpp>
#include <stepfn/api/detail/call_trace.hpp>
#include <stepfn/api/detail/caller_records.hpp>
#include <stepfn/api/detail/execution_actions.hpp>
#include <stepfn/api/detail/execution_start.hpp>
#include <stepfn/api/detail/machine_actions.hpp>
#include <stepfn/api/detail/tag_actions.hpp>
#include <stepfn/api/detail/task_actions.hpp>
#include <stepfn/config.hpp>

namespace stepfn::detail {

using sync_action = api_outcome (*)(api_state&, const json&);
// An action that answers later takes the reply handler (and moves from it only when it does).
using async_action = void (*)(api_state&, const json&, api_reply_handler&);

struct action_entry {
    std::string_view name;
    sync_action answer = nullptr;
    async_action answer_later = nullptr;
};

inline api_outcome create_activity(api_state& s, const json& r) { return s.hub->create_activity(r); }
inline api_outcome describe_activity(api_state& s, const json& r) { return s.hub->describe_activity(r); }
inline api_outcome list_activities(api_state& s, const json& r) { return s.hub->list_activities(r); }
inline api_outcome delete_activity(api_state& s, const json& r) { return s.hub->delete_activity(r); }
inline void get_activity_task(api_state& s, const json& r, api_reply_handler& reply) { s.hub->get_activity_task(r, std::move(reply)); }
inline void start_sync(api_state& s, const json& r, api_reply_handler& reply) { start_sync_execution(s, r, std::move(reply)); }
inline void start(api_state& s, const json& r, api_reply_handler& reply) { start_execution(s, r, std::move(reply)); }
inline void stop(api_state& s, const json& r, api_reply_handler& reply) { stop_execution(s, r, std::move(reply)); }
inline void redrive(api_state& s, const json& r, api_reply_handler& reply) { redrive_execution(s, r, std::move(reply)); }

inline const action_entry* find_action(std::string_view name) {
    static const action_entry table[] = {
        {"CreateStateMachine", create_state_machine},
        {"DescribeStateMachine", describe_state_machine},
        {"ListStateMachines", list_state_machines},
        {"UpdateStateMachine", update_state_machine},
        {"DeleteStateMachine", delete_state_machine},
        {"ValidateStateMachineDefinition", validate_state_machine_definition},
        {"StartExecution", nullptr, start},
        {"StartSyncExecution", nullptr, start_sync},
        {"DescribeExecution", describe_execution},
        {"ListExecutions", list_executions},
        {"GetExecutionHistory", get_execution_history},
        {"StopExecution", nullptr, stop},
        {"RedriveExecution", nullptr, redrive},
        {"SendTaskSuccess", send_task_success},
        {"SendTaskFailure", send_task_failure},
        {"SendTaskHeartbeat", send_task_heartbeat},
        {"TestState", test_state},
        {"TagResource", tag_resource},
        {"UntagResource", untag_resource},
        {"ListTagsForResource", list_tags_for_resource},
        {"CreateActivity", create_activity},
        {"DescribeActivity", describe_activity},
        {"ListActivities", list_activities},
        {"DeleteActivity", delete_activity},
        {"GetActivityTask", nullptr, get_activity_task},
    };
    for (const auto& entry : table)
        if (entry.name == name) return &entry;
    return nullptr;
}

// Calls the handler once: it is moved out first, so that nothing can call it again.
inline void answer(api_reply_handler& reply, api_reply r) {
    api_reply_handler once = std::move(reply);
    if (once) once(std::move(r));
}

inline void dispatch_unguarded(api_state& s, std::string_view action, const std::string& body, const api_caller& caller,
                               api_reply_handler& reply) {
    if (s.stopped.load()) return answer(reply, api_error_reply(503, "ServiceUnavailable", "The service is shutting down"));
    const action_entry* entry = find_action(action);
    if (!entry) {
        // AWS's JSON protocol front end answers this before it reads the body.
        std::string shown(action.substr(0, 128));
        return answer(reply, api_error_reply(400, "UnknownOperationException", "Unknown operation: '" + shown + "'"));
    }
    auto request = parse_request(body, s.options.max_request_bytes, s.options.max_request_depth);
    if (!request) return answer(reply, to_reply(request));
    // Every call is authorised before it does anything (when an authoriser is configured).
    if (auto allowed = check_access(s, action, *request, caller); !allowed)
        return answer(reply, to_reply(tl::make_unexpected(std::move(allowed.error()))));
    reply = recording_caller(s, action, *request, caller, std::move(reply));  // who changed an execution
    if (entry->answer_later) return entry->answer_later(s, *request, reply);
    auto outcome = entry->answer(s, *request);
    answer(reply, to_reply(outcome));
}

inline void dispatch(api_state& s, std::string_view action, const std::string& body, const api_caller& caller,
                     api_reply_handler reply) {
    const std::string* traceparent = caller.header("traceparent");
    call_trace_scope trace(traceparent ? parse_traceparent(*traceparent) : std::nullopt);
#if STEPFN_HAS_EXCEPTIONS
    try {
        dispatch_unguarded(s, action, body, caller, reply);
    } catch (...) {
        answer(reply, api_error_reply(500, "InternalFailure", "The request processing has failed because of an unknown error"));
    }
#else
    dispatch_unguarded(s, action, body, caller, reply);
#endif
}

} // namespace stepfn::detail

#endif
