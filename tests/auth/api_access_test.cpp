// The API handler asks its authoriser before every call: the IAM action and AWS's resource ARN
// per action, the resource's tags as aws:ResourceTag, a denial as AccessDeniedException (400)
// with AWS's message, and nothing done when denied.

#include "catch.hpp"

#include <memory>
#include <optional>
#include <string>

#include "api/api_support.hpp"

#include <stepfn/policies/policy_authorizer.hpp>

namespace api_access_test {

using stepfn::json;

namespace {

std::shared_ptr<const stepfn::authorizer> authorizer_for(const char* policies) {
    auto authz = stepfn::policy_authorizer::from_json(json::parse(policies));
    REQUIRE(authz);
    return std::make_shared<stepfn::policy_authorizer>(std::move(*authz));
}

struct secured {
    explicit secured(const char* policies) : api([&] {
        stepfn::api_options o;
        o.authorizer = authorizer_for(policies);
        return o;
    }()) {}

    api_test::answer call(const stepfn::principal& who, const std::string& action, const json& request) {
        auto got = std::make_shared<std::optional<stepfn::api_reply>>();
        stepfn::api_caller caller;
        caller.address = "127.0.0.1:1";
        caller.identity = who;
        api.api.handle(action, request.dump(), caller, [got](stepfn::api_reply r) { *got = std::move(r); });
        api.settle([&] { return got->has_value(); });
        REQUIRE(got->has_value());
        api_test::answer a;
        a.status = (*got)->status;
        a.body = json::parse((*got)->body, nullptr, false);
        return a;
    }

    api_test::fixture api;
};

const char* policies = R"([
  {"principals":["arn:aws:iam::123456789012:user/admin"],
   "document":{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}},
  {"principals":["arn:aws:iam::123456789012:user/runner"],
   "document":{"Statement":[
     {"Effect":"Allow","Action":["states:StartExecution","states:DescribeStateMachine"],
      "Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:orders-*"},
     {"Effect":"Allow","Action":["states:DescribeExecution","states:GetExecutionHistory"],
      "Resource":"arn:aws:states:us-east-1:123456789012:execution:orders-*:*"},
     {"Effect":"Allow","Action":"states:StartExecution","Resource":"*",
      "Condition":{"StringEquals":{"aws:ResourceTag/team":"payments"}}}]}}])";

} // namespace

TEST_CASE("API calls are allowed and denied by the caller's policies", "[auth][api]") {
    secured s(policies);
    stepfn::principal admin{"arn:aws:iam::123456789012:user/admin", {}, {}, "sigv4", {}};
    stepfn::principal runner{"arn:aws:iam::123456789012:user/runner", {}, {}, "sigv4", {}};
    const std::string role = "arn:aws:iam::123456789012:role/stepfn";
    const std::string definition = api_test::pass_machine().dump();

    auto created = s.call(admin, "CreateStateMachine", {{"name", "orders-eu"}, {"definition", definition}, {"roleArn", role}});
    REQUIRE(created.status == 200);
    const std::string orders = created.body["stateMachineArn"];

    // The runner may not create machines: nothing is created.
    auto refused = s.call(runner, "CreateStateMachine", {{"name", "other"}, {"definition", definition}, {"roleArn", role}});
    CHECK(refused.status == 400);
    CHECK(refused.type() == "AccessDeniedException");
    CHECK(refused.body["message"] ==
          "User: arn:aws:iam::123456789012:user/runner is not authorized to perform: states:CreateStateMachine on resource: "
          "arn:aws:states:us-east-1:123456789012:stateMachine:other because no identity-based policy allows the "
          "states:CreateStateMachine action");
    CHECK(s.call(admin, "DescribeStateMachine", {{"stateMachineArn", "arn:aws:states:us-east-1:123456789012:stateMachine:other"}}).type() ==
          "StateMachineDoesNotExist");

    auto started = s.call(runner, "StartExecution", {{"stateMachineArn", orders}, {"name", "run-1"}});
    REQUIRE(started.status == 200);
    const std::string execution = started.body["executionArn"];
    s.api.settle();
    CHECK(s.call(runner, "DescribeExecution", {{"executionArn", execution}}).body["status"] == "SUCCEEDED");
    CHECK(s.call(runner, "GetExecutionHistory", {{"executionArn", execution}}).status == 200);
    auto stop = s.call(runner, "StopExecution", {{"executionArn", execution}});
    CHECK(stop.type() == "AccessDeniedException");
    CHECK(stop.body["message"].get<std::string>().find("on resource: " + execution + " because") != std::string::npos);
    CHECK(s.call(runner, "ListStateMachines", json::object()).body["message"] ==
          "User: arn:aws:iam::123456789012:user/runner is not authorized to perform: states:ListStateMachines on resource: * "
          "because no identity-based policy allows the states:ListStateMachines action");

    // A machine outside the runner's names: allowed only while tagged team=payments.
    auto ledger = s.call(admin, "CreateStateMachine", {{"name", "ledger"}, {"definition", definition}, {"roleArn", role}});
    REQUIRE(ledger.status == 200);
    const std::string ledger_arn = ledger.body["stateMachineArn"];
    CHECK(s.call(runner, "StartExecution", {{"stateMachineArn", ledger_arn}}).type() == "AccessDeniedException");
    REQUIRE(s.call(admin, "TagResource", {{"resourceArn", ledger_arn}, {"tags", json::array({{{"key", "team"}, {"value", "payments"}}})}}).status ==
            200);
    CHECK(s.call(runner, "StartExecution", {{"stateMachineArn", ledger_arn}}).status == 200);

    // No identity: anonymous, allowed nothing.
    stepfn::principal nobody{};
    CHECK(s.call(nobody, "ListStateMachines", json::object()).body["message"].get<std::string>().rfind("User: anonymous is not", 0) == 0);
}
} // namespace api_access_test
