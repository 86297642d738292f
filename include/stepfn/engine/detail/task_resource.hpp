#ifndef STEPFN_ENGINE_DETAIL_TASK_RESOURCE_HPP
#define STEPFN_ENGINE_DETAIL_TASK_RESOURCE_HPP

// What a Task's Resource says about its history events: the service and action AWS's events
// name, and which family of events (Task*, LambdaFunction*, Activity*) its attempts write
// (model/task_resource.hpp).
// Plain functions, apart from the engine's bodies, so that tests reach them in compiled mode too.

#include <string>
#include <utility>

#include <stepfn/model/task_resource.hpp>

namespace stepfn::detail {

// AWS history splits an integration's Resource into a service and an action:
// arn:aws:states:::lambda:invoke -> (lambda, invoke); ...:aws-sdk:s3:getObject -> (aws-sdk:s3,
// getObject); ...:states:startExecution.sync:2 -> (states, startExecution.sync:2).
inline std::pair<std::string, std::string> split_resource(const std::string& resource) {
    static const std::string integration = "arn:aws:states:::";
    if (resource.compare(0, integration.size(), integration) == 0) {
        std::string rest = resource.substr(integration.size());
        static const std::string sdk = "aws-sdk:";
        const std::size_t from = rest.compare(0, sdk.size(), sdk) == 0 ? sdk.size() : 0;
        const auto colon = rest.find(':', from);
        if (colon != std::string::npos) return {rest.substr(0, colon), rest.substr(colon + 1)};
        return {rest, std::string()};
    }
    static const std::string lambda = "arn:aws:lambda:";
    if (resource.compare(0, lambda.size(), lambda) == 0) return {"lambda", resource};
    return {"custom", resource};
}

} // namespace stepfn::detail

#endif
