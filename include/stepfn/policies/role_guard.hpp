#ifndef STEPFN_POLICIES_ROLE_GUARD_HPP
#define STEPFN_POLICIES_ROLE_GUARD_HPP

// Least privilege for workflows: an invoker that runs a Task only when the role it runs under
// allows the call (<stepfn/policies/task_permissions.hpp> says which), and otherwise fails the
// Task with the error AWS gives an execution role that lacks the permission, before the wrapped
// invoker sees anything:
//
//   {"Error": "Lambda.AWSLambdaException", "Cause": "User: arn:aws:sts::123456789012:assumed-role/
//    orders/run-1 is not authorized to perform: lambda:InvokeFunction on resource: ... because no
//    identity-based policy allows the lambda:InvokeFunction action (Service: AWSLambda; Status
//    Code: 403; Error Code: AccessDeniedException)"}
//
// The role is the Task's `Credentials.RoleArn` when it has one (as AWS allows per state), else
// the execution's role (`role_of`, e.g. the state machine's roleArn). A role with no policy
// allows nothing.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <stepfn/policies/iam_policy.hpp>
#include <stepfn/policies/task_permissions.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

using role_policies = std::map<std::string, iam_policy>;

class role_guard final : public task_invoker {
public:
    struct options {
        std::string region = "us-east-1";
        std::string account = "123456789012";
    };
    // `role_of(request)`: the execution role's ARN (empty: none); `machine_of(request)`: the
    // execution's state machine ARN (for http:invoke's resource).
    role_guard(std::shared_ptr<task_invoker> inner, std::shared_ptr<const role_policies> roles,
               std::function<std::string(const task_request&)> role_of, options settings)
        : inner_(std::move(inner)), roles_(std::move(roles)), role_of_(std::move(role_of)), options_(std::move(settings)) {}

    // Where an allowed Task's role credentials come from (e.g. a credentials_cache's get()); they
    // reach the wrapped invoker as task_request::role_credentials. A fetch that fails fails the
    // Task with States.TaskFailed and the provider's words (which never hold a secret).
    void set_credentials_source(std::function<result<credentials>(const std::string& role_arn)> source) { source_ = std::move(source); }

    void invoke(task_request request, task_completion done) override {
        std::string role;
        if (request.credentials.is_object())
            if (auto it = request.credentials.find("RoleArn"); it != request.credentials.end() && it->is_string()) role = it->get<std::string>();
        if (role.empty() && role_of_) role = role_of_(request);
        const std::string& execution = request.root_execution_id.empty() ? request.execution_id : request.root_execution_id;
        auto access = task_permission(request.resource, request.input, options_.region, options_.account, machine_of(execution));
        if (access) {
            policy_effect effect = policy_effect::not_applicable;
            if (roles_)
                if (auto policy = roles_->find(role); policy != roles_->end()) effect = policy->second.evaluate(access->request);
            if (effect != policy_effect::allow) {
                const std::string why = effect == policy_effect::deny
                                            ? "with an explicit deny in an identity-based policy"
                                            : "because no identity-based policy allows the " + access->request.action + " action";
                return done.fail(access->error_name, "User: " + assumed_role(role, request.execution_name) +
                                                         " is not authorized to perform: " + access->request.action + " on resource: " +
                                                         access->request.resource + " " + why + " (Service: " + access->service +
                                                         "; Status Code: 403; Error Code: AccessDeniedException)");
            }
        }
        if (!inner_) return done.fail(errors::runtime, "no invoker is registered for the resource '" + request.resource + "'");
        if (source_ && !role.empty()) {
            auto got = source_(role);
            if (!got) return done.fail(errors::task_failed, "the credentials of the role " + role + " are unavailable: " + got.error().cause);
            request.role_credentials = std::make_shared<const credentials>(std::move(*got));
        }
        inner_->invoke(std::move(request), std::move(done));
    }

private:
    // arn:aws:iam::<account>:role/<name> -> arn:aws:sts::<account>:assumed-role/<name>/<session>
    static std::string assumed_role(const std::string& role, const std::string& session) {
        const std::string marker = ":role/";
        const std::size_t at = role.find(marker);
        if (role.rfind("arn:aws:iam::", 0) != 0 || at == std::string::npos) return role.empty() ? std::string("(no role)") : role;
        std::string name = role.substr(at + marker.size());
        if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);  // a path
        return "arn:aws:sts::" + role.substr(13, at - 13) + ":assumed-role/" + name + "/" + session;
    }

    static std::string machine_of(const std::string& execution_arn) {
        // arn:aws:states:<region>:<account>:execution:<machine>:<name>
        const std::size_t at = execution_arn.find(":execution:");
        if (at == std::string::npos) return execution_arn;
        const std::size_t end = execution_arn.find(':', at + 11);
        return execution_arn.substr(0, at) + ":stateMachine:" + execution_arn.substr(at + 11, end == std::string::npos ? std::string::npos : end - at - 11);
    }

    std::shared_ptr<task_invoker> inner_;
    std::shared_ptr<const role_policies> roles_;
    std::function<std::string(const task_request&)> role_of_;
    options options_;
    std::function<result<credentials>(const std::string&)> source_;
};

} // namespace stepfn

#endif
