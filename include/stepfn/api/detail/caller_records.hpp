#ifndef STEPFN_API_DETAIL_CALLER_RECORDS_HPP
#define STEPFN_API_DETAIL_CALLER_RECORDS_HPP

// Who changed an execution. AWS records the caller of StartExecution, StopExecution,
// RedriveExecution and SendTaskSuccess/Failure in CloudTrail, not in the execution's history
// (ExecutionStarted's details have no member for it). stepfn keeps that split: the history and
// the replies stay AWS's, and each such call by an authenticated caller that succeeded is kept
// beside the execution as a resource record (kind "executionCaller", ARN
// "<execution ARN>/caller/<time in ns>-<action>"), which `stepfn describe --with-callers` shows.
// SendTask* for an EXPRESS execution (its tokens are not in the store) are not recorded.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/api/api_call.hpp>
#include <stepfn/api/detail/api_state.hpp>
#include <stepfn/detail/timestamp.hpp>

namespace stepfn::detail {

inline constexpr const char* caller_record_kind = "executionCaller";

inline bool records_caller(std::string_view action) {
    return action == "StartExecution" || action == "StartSyncExecution" || action == "StopExecution" || action == "RedriveExecution" ||
           action == "SendTaskSuccess" || action == "SendTaskFailure";
}

// The execution a call acts on, when the request names it (Stop, Redrive) or its task token
// does (looked up before the call closes the token); Start*: empty, the reply names it.
inline std::string caller_target(api_state& s, std::string_view action, const json& request) {
    auto text = [&](const char* key) {
        auto it = request.find(key);
        return it != request.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (action == "StopExecution" || action == "RedriveExecution") return text("executionArn");
    if ((action == "SendTaskSuccess" || action == "SendTaskFailure") && s.executions) {
        const std::string token = text("taskToken");
        if (token.empty() || token.size() > 2048) return {};
        auto found = s.executions->find_token(token);
        if (found && *found) return **found;
    }
    return {};
}

inline void record_caller(resource_store& resources, std::string_view action, const std::string& execution_arn, const api_caller& caller,
                          std::chrono::system_clock::time_point when) {
    if (execution_arn.empty() || !caller.identity) return;
    const principal& who = *caller.identity;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
    std::string id = std::to_string(ns < 0 ? 0 : ns);
    id.insert(0, id.size() < 20 ? 20 - id.size() : 0, '0');  // ARNs sort as times
    json body = json::object();
    body["executionArn"] = execution_arn;
    body["action"] = std::string(action);
    body["principal"] = who.id.empty() ? std::string("anonymous") : who.id;
    body["authenticatedBy"] = who.authenticated_by;
    body["groups"] = who.groups;
    body["sourceAddress"] = caller.address;
    body["eventTime"] = format_iso8601(when);
    // A record that cannot be written does not undo the call it describes.
    (void)resources.insert_resource(
        stored_resource{execution_arn + "/caller/" + id + "-" + std::string(action), caller_record_kind, body.dump(), 0});
}

// The reply handler that records the caller once the call succeeded (the time is the call's).
inline api_reply_handler recording_caller(api_state& s, std::string_view action, const json& request, const api_caller& caller,
                                          api_reply_handler reply) {
    if (!caller.identity || !records_caller(action) || !s.resources) return reply;
    return [resources = s.resources, action = std::string(action), target = caller_target(s, action, request), caller,
            when = s.standard->now(), reply = std::move(reply)](api_reply r) mutable {
        if (r.status == 200) {
            std::string arn = target;
            if (arn.empty()) {
                json body = json::parse(r.body, nullptr, false);
                if (body.is_object())
                    if (auto it = body.find("executionArn"); it != body.end() && it->is_string()) arn = it->get<std::string>();
            }
            record_caller(*resources, action, arn, caller, when);
        }
        reply(std::move(r));
    };
}

} // namespace stepfn::detail

#endif
