#ifndef STEPFN_POLICIES_TASK_PERMISSIONS_HPP
#define STEPFN_POLICIES_TASK_PERMISSIONS_HPP

// What a Task state needs its execution role to allow, as AWS maps Task resources to IAM:
//
//   arn:aws:lambda:...:function:F, or arn:aws:states:::lambda:invoke with FunctionName
//       -> lambda:InvokeFunction on the function's ARN
//   arn:aws:states:::aws-sdk:<service>:<apiAction>  -> <service>:<ApiAction> on "*"
//   arn:aws:states:::sns:publish (TopicArn)          -> sns:Publish on the topic
//   arn:aws:states:::sqs:sendMessage (QueueUrl)      -> sqs:SendMessage on the queue's ARN
//   arn:aws:states:::dynamodb:<op> (TableName)       -> dynamodb:<Op> on the table
//   arn:aws:states:::states:startExecution[.sync]    -> states:StartExecution on the machine
//   arn:aws:states:::http:invoke (ApiEndpoint)       -> states:InvokeHTTPEndpoint on the state
//       machine, with the states:HTTPEndpoint and states:HTTPMethod condition keys
//   arn:aws:states:::<service>:<action>              -> <service>:<Action> on "*"
//   an activity                                      -> nothing (AWS asks no permission of the role)
//   anything else (a host's own resource names)      -> stepfn:InvokeTask on the Resource as written
//
// and the error a Task fails with when its role does not allow it (AWS's, per service).

#include <optional>
#include <string>
#include <string_view>

#include <stepfn/json.hpp>
#include <stepfn/policies/access_request.hpp>

namespace stepfn {

struct task_access {
    access_request request;   // action, resource ARN, condition keys
    std::string error_name;   // the Task's error when denied: "Lambda.AWSLambdaException", ...
    std::string service;      // for the message: "AWSLambda", ...
};

namespace detail {

inline std::string upper_first(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

inline std::string param_text(const json& input, const char* key) {
    if (!input.is_object()) return {};
    auto it = input.find(key);
    return it != input.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace detail

// nullopt: the resource needs no permission of the role (activities). `input` is the Task's
// effective input (its Parameters/Arguments, evaluated); `machine_arn` the execution's machine.
inline std::optional<task_access> task_permission(std::string_view resource_text, const json& input, std::string_view region,
                                                  std::string_view account, std::string_view machine_arn) {
    std::string resource(resource_text);
    task_access out;
    out.error_name = "States.Permissions";
    const std::string partition_prefix = "arn:aws:";
    auto strip_pattern = [](std::string r) {
        for (const char* suffix : {".waitForTaskToken", ".sync:2", ".sync"}) {
            const std::string s(suffix);
            if (r.size() > s.size() && r.compare(r.size() - s.size(), s.size(), s) == 0) return r.substr(0, r.size() - s.size());
        }
        return r;
    };
    const std::string prefix = partition_prefix + std::string(region) + ":" + std::string(account) + ":";
    if (resource.rfind("arn:aws:states:", 0) == 0 && resource.find(":activity:") != std::string::npos) return std::nullopt;
    if (resource.rfind("arn:aws:lambda:", 0) == 0) {
        out.request.action = "lambda:InvokeFunction";
        out.request.resource = resource;
        out.error_name = "Lambda.AWSLambdaException";
        out.service = "AWSLambda";
        return out;
    }
    constexpr std::string_view integration = "arn:aws:states:::";
    if (resource.rfind(integration.data(), 0) != 0) {
        out.request.action = "stepfn:InvokeTask";
        out.request.resource = resource;
        out.service = "stepfn";
        return out;
    }
    const std::string rest = strip_pattern(resource.substr(integration.size()));  // "lambda:invoke", "aws-sdk:s3:getObject"
    const std::size_t colon = rest.find(':');
    const std::string service = rest.substr(0, colon);
    const std::string api = colon == std::string::npos ? std::string() : rest.substr(colon + 1);
    if (service == "lambda") {
        std::string fn = detail::param_text(input, "FunctionName");
        if (fn.rfind("arn:", 0) != 0) fn = prefix.substr(0, 8) + "lambda:" + std::string(region) + ":" + std::string(account) + ":function:" + fn;
        out.request.action = "lambda:InvokeFunction";
        out.request.resource = fn;
        out.error_name = "Lambda.AWSLambdaException";
        out.service = "AWSLambda";
        return out;
    }
    if (service == "aws-sdk") {
        const std::size_t dot = api.find(':');
        const std::string sdk_service = api.substr(0, dot);
        const std::string action = dot == std::string::npos ? std::string() : api.substr(dot + 1);
        out.request.action = sdk_service + ":" + detail::upper_first(action);
        out.request.resource = "*";
        out.error_name = detail::upper_first(sdk_service) + ".AccessDeniedException";  // AWS prefixes SDK errors with the service
        out.service = detail::upper_first(sdk_service);
        return out;
    }
    if (service == "http") {
        out.request.action = "states:InvokeHTTPEndpoint";
        out.request.resource = std::string(machine_arn);
        out.request.context["states:HTTPEndpoint"] = {detail::param_text(input, "ApiEndpoint")};
        out.request.context["states:HTTPMethod"] = {detail::param_text(input, "Method")};
        out.service = "states";
        return out;
    }
    out.request.action = service + ":" + detail::upper_first(api);
    out.request.resource = "*";
    out.service = detail::upper_first(service);
    if (service == "sns") {
        if (auto topic = detail::param_text(input, "TopicArn"); !topic.empty()) out.request.resource = topic;
        out.error_name = "SNS.AuthorizationErrorException";
    } else if (service == "sqs") {
        // https://sqs.<region>.amazonaws.com/<account>/<queue> -> arn:aws:sqs:<region>:<account>:<queue>
        const std::string url = detail::param_text(input, "QueueUrl");
        const std::size_t host = url.find("://sqs.");
        if (host != std::string::npos) {
            const std::size_t region_end = url.find('.', host + 7);
            const std::size_t path = url.find('/', host + 3);
            const std::size_t queue = path == std::string::npos ? std::string::npos : url.find('/', path + 1);
            if (region_end != std::string::npos && queue != std::string::npos)
                out.request.resource = "arn:aws:sqs:" + url.substr(host + 7, region_end - host - 7) + ":" + url.substr(path + 1, queue - path - 1) +
                                       ":" + url.substr(queue + 1);
        }
        out.error_name = "SQS.AmazonSQSException";
    } else if (service == "dynamodb") {
        if (auto table = detail::param_text(input, "TableName"); !table.empty())
            out.request.resource = "arn:aws:dynamodb:" + std::string(region) + ":" + std::string(account) + ":table/" + table;
        out.error_name = "DynamoDB.AmazonDynamoDBException";
    } else if (service == "states") {
        if (auto machine = detail::param_text(input, "StateMachineArn"); !machine.empty()) out.request.resource = machine;
        out.error_name = "StepFunctions.AWSStepFunctionsException";
    }
    return out;
}

} // namespace stepfn

#endif
