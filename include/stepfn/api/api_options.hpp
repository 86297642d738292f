#ifndef STEPFN_API_API_OPTIONS_HPP
#define STEPFN_API_API_OPTIONS_HPP

// How the AWS Step Functions protocol handler (step_functions_api) is configured.

#include <chrono>
#include <cstddef>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/policies/authorizer.hpp>
#include <stepfn/policies/role_guard.hpp>
#include <stepfn/store/resource_store.hpp>
#include <stepfn/testing/mock_config.hpp>

namespace stepfn {

struct api_options {
    // The ARNs' region and account: the same as the engines' (engine_options::region, account),
    // since the engines make the execution ARNs.
    std::string region = "us-east-1";
    std::string account = "123456789012";
    // State machines, their versions, activities and tags. Null: a memory_store of the API's own.
    std::shared_ptr<resource_store> resources;
    // Step Functions Local's mock file: StartExecution on `<state machine ARN>#<test case>` runs
    // that test case's mocked answers.
    std::shared_ptr<const testing::mock_config> mocks;
    // A request body over this size is refused (413) before it is parsed; one nested deeper is
    // refused with SerializationException.
    std::size_t max_request_bytes = 1024 * 1024 + 64 * 1024;  // a 1 MiB definition and its envelope
    std::size_t max_request_depth = 128;
    // Asked before every call with the caller's identity (api_caller::identity; anonymous when
    // none), the action as IAM names it (states:StartExecution) and AWS's resource ARN for it;
    // a denial is AccessDeniedException. Null: every call is allowed.
    std::shared_ptr<const stepfn::authorizer> authorizer;
    // Execution roles (role ARN -> IAM policy; serve's --auth "roles"). With them, every
    // CreateStateMachine and UpdateStateMachine that succeeds checks the machine's Task states
    // against its roleArn (role_findings) and hands what the role does not allow to
    // `role_warnings` (serve logs them). AWS's responses have no member for it, so the responses
    // stay AWS's; a Task the role does not allow still fails when it runs (role_guard).
    std::shared_ptr<const role_policies> roles;
    std::function<void(const std::string& machine_arn, const std::string& role_arn, const std::vector<diagnostic>& findings)> role_warnings;
    // GetActivityTask's long poll (AWS: 60 s).
    std::chrono::milliseconds activity_poll_timeout{60000};
};

} // namespace stepfn

#endif
