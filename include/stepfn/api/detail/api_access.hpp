#ifndef STEPFN_API_DETAIL_API_ACCESS_HPP
#define STEPFN_API_DETAIL_API_ACCESS_HPP

// What a call asks permission for, as IAM sees it: the action (`states:<Action>`, one IAM
// action per API action in Step Functions), the resource ARN AWS's service authorization
// reference names for it (the state machine for StartExecution, the execution for
// DescribeExecution, "*" for the List actions and for SendTask*, whose token names no ARN the
// caller gave), and the condition keys: aws:ResourceTag/<key> from the resource's tags (an
// execution's are its state machine's), aws:RequestTag/<key> and aws:TagKeys from a request's
// tags.

#include <string>
#include <string_view>
#include <utility>

#include <stepfn/api/api_call.hpp>
#include <stepfn/api/detail/api_state.hpp>
#include <stepfn/policies/access_request.hpp>

namespace stepfn::detail {

inline std::string request_text(const json& request, const char* key) {
    auto it = request.find(key);
    return it != request.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The ARN an action acts on, or "*" when the action names none (or names it badly: the action
// then fails its own validation, if the caller may call it on "*").
inline std::string access_resource(const api_state& s, std::string_view action, const json& request) {
    auto or_any = [](std::string arn) { return arn.empty() ? std::string("*") : arn; };
    if (action == "CreateStateMachine") {
        const std::string name = request_text(request, "name");
        return name.empty() ? "*" : s.arn_prefix + "stateMachine:" + name;
    }
    if (action == "CreateActivity") {
        const std::string name = request_text(request, "name");
        return name.empty() ? "*" : s.arn_prefix + "activity:" + name;
    }
    if (action == "DescribeStateMachine" || action == "UpdateStateMachine" || action == "DeleteStateMachine" ||
        action == "StartExecution" || action == "StartSyncExecution") {
        std::string arn = request_text(request, "stateMachineArn");
        if (auto hash = arn.find('#'); hash != std::string::npos) arn.resize(hash);  // a Step Functions Local test case
        return or_any(std::move(arn));
    }
    if (action == "ListExecutions") {
        std::string arn = request_text(request, "stateMachineArn");
        return or_any(arn.empty() ? request_text(request, "mapRunArn") : arn);
    }
    if (action == "DescribeExecution" || action == "GetExecutionHistory" || action == "StopExecution" || action == "RedriveExecution")
        return or_any(request_text(request, "executionArn"));
    if (action == "DescribeActivity" || action == "DeleteActivity" || action == "GetActivityTask")
        return or_any(request_text(request, "activityArn"));
    if (action == "TagResource" || action == "UntagResource" || action == "ListTagsForResource")
        return or_any(request_text(request, "resourceArn"));
    return "*";
}

// arn:...:execution:<machine>:<name> (or :express:...) -> arn:...:stateMachine:<machine>; others unchanged.
inline std::string tagged_arn(const api_state& s, const std::string& arn) {
    if (arn.compare(0, s.arn_prefix.size(), s.arn_prefix) != 0) return arn;
    std::string_view rest(arn);
    rest.remove_prefix(s.arn_prefix.size());
    for (std::string_view kind : {std::string_view("execution:"), std::string_view("express:")}) {
        if (rest.compare(0, kind.size(), kind) != 0) continue;
        rest.remove_prefix(kind.size());
        return s.arn_prefix + "stateMachine:" + std::string(rest.substr(0, rest.find(':')));
    }
    if (rest.compare(0, 13, "stateMachine:") == 0) {
        // A version (`...:stateMachine:<name>:<n>`) has its machine's tags.
        std::string_view name = rest.substr(13);
        return s.arn_prefix + "stateMachine:" + std::string(name.substr(0, name.find(':')));
    }
    return arn;
}

inline void add_tags(condition_context& context, const json& tags, const char* prefix, bool keys) {
    if (!tags.is_array()) return;
    for (const auto& tag : tags) {
        if (!tag.is_object()) continue;
        const std::string key = request_text(tag, "key");
        if (key.empty()) continue;
        context[prefix + key].push_back(request_text(tag, "value"));
        if (keys) context["aws:TagKeys"].push_back(key);
    }
}

inline access_request access_for(api_state& s, std::string_view action, const json& request) {
    access_request out;
    out.action.reserve(7 + action.size());
    out.action.append("states:").append(action);
    out.resource = access_resource(s, action, request);
    if (out.resource != "*") {
        auto found = s.resources->find_resource(tagged_arn(s, out.resource));
        if (found && *found && ((*found)->kind == "stateMachine" || (*found)->kind == "activity")) {
            json body = json::parse((*found)->body, nullptr, false);
            if (body.is_object())
                if (auto tags = body.find("tags"); tags != body.end()) add_tags(out.context, *tags, "aws:ResourceTag/", false);
        }
    }
    if (auto tags = request.find("tags"); tags != request.end()) add_tags(out.context, *tags, "aws:RequestTag/", true);
    if (action == "UntagResource")
        if (auto keys = request.find("tagKeys"); keys != request.end() && keys->is_array())
            for (const auto& k : *keys)
                if (k.is_string()) out.context["aws:TagKeys"].push_back(k.get<std::string>());
    return out;
}

// The authoriser's answer for this call; an AccessDeniedException to send back when denied.
inline tl::expected<void, api_error> check_access(api_state& s, std::string_view action, const json& request, const api_caller& caller) {
    if (!s.options.authorizer) return {};
    static const principal anonymous{};
    const principal& who = caller.identity ? *caller.identity : anonymous;
    auto decided = s.options.authorizer->authorize(who, access_for(s, action, request));
    if (decided) return {};
    if (decided.error().name == access_denied) return tl::make_unexpected(api_error{access_denied, decided.error().cause, 400});
    // An authoriser that failed (not one that denied) is the service's fault; the caller learns no more.
    return tl::make_unexpected(api_error{"InternalFailure", "the authoriser failed (" + decided.error().name + ")", 500});
}

} // namespace stepfn::detail

#endif
