// The API handler asks its authoriser before every call: the IAM action and AWS's resource ARN
// per action, the resource's tags as aws:ResourceTag, a denial as AccessDeniedException (400)
// with AWS's message, and nothing done when denied.

#include "catch.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/api_support.hpp"

#include <stepfn/policies/policy_authorizer.hpp>
#include <stepfn/policies/role_guard.hpp>

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
// AWS's Service Authorization Reference (list_awsstepfunctions) lists no resource type for
// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: a policy must grant them on "*". A
// statement naming the token's state machine or execution does not match, as in AWS (the token
// itself is the credential).
TEST_CASE("SendTask* are authorised on the resource \"*\", as AWS's reference lists them", "[auth][api]") {
    secured s(R"([
      {"principals":["arn:aws:iam::123456789012:user/scoped"],
       "document":{"Statement":{"Effect":"Allow","Action":"states:SendTask*",
                   "Resource":["arn:aws:states:us-east-1:123456789012:stateMachine:orders-eu",
                               "arn:aws:states:us-east-1:123456789012:execution:orders-eu:*",
                               "arn:aws:states:us-east-1:123456789012:activity:*"]}}},
      {"principals":["arn:aws:iam::123456789012:user/worker"],
       "document":{"Statement":{"Effect":"Allow","Action":"states:SendTask*","Resource":"*"}}}])");
    stepfn::principal scoped{"arn:aws:iam::123456789012:user/scoped", {}, {}, "sigv4", {}};
    stepfn::principal worker{"arn:aws:iam::123456789012:user/worker", {}, {}, "sigv4", {}};
    const json token = {{"taskToken", "not-a-token"}, {"output", "{}"}};
    for (const char* action : {"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"}) {
        INFO(action);
        auto refused = s.call(scoped, action, token);
        CHECK(refused.type() == "AccessDeniedException");
        CHECK(refused.body["message"] == "User: arn:aws:iam::123456789012:user/scoped is not authorized to perform: states:" +
                                             std::string(action) + " on resource: * because no identity-based policy allows the states:" +
                                             action + " action");
        // Allowed on "*": the call goes on to the token, which was never issued.
        CHECK(s.call(worker, action, token).type() == "InvalidToken");
    }
}
// Creating or updating a machine whose role cannot call one of its Task resources: the reply is
// AWS's (no member for it), and the host's role_warnings hears every such Task, with its pointer.
TEST_CASE("CreateStateMachine and UpdateStateMachine report the Tasks the machine's role cannot call", "[auth][api][role]") {
    auto roles = std::make_shared<stepfn::role_policies>();
    auto orders = stepfn::iam_policy::parse(json::parse(R"({"Statement":[
        {"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge-*"}]})"));
    REQUIRE(orders);
    roles->emplace("arn:aws:iam::123456789012:role/orders", std::move(*orders));
    struct heard {
        std::string machine, role;
        std::vector<stepfn::diagnostic> findings;
    };
    auto warnings = std::make_shared<std::vector<heard>>();
    stepfn::api_options o;
    o.roles = roles;
    o.role_warnings = [warnings](const std::string& machine, const std::string& role, const std::vector<stepfn::diagnostic>& f) {
        warnings->push_back({machine, role, f});
    };
    api_test::fixture api(std::move(o));
    const json definition = json::parse(R"({"StartAt":"Charge","States":{
        "Charge":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge-eu","Next":"Ship"},
        "Ship":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"ship"},"End":true}}})");
    const std::string role = "arn:aws:iam::123456789012:role/orders";
    auto created = api.call("CreateStateMachine", {{"name", "orders"}, {"definition", definition.dump()}, {"roleArn", role}});
    REQUIRE(created.status == 200);
    CHECK(created.body.size() == 2);  // stateMachineArn and creationDate only, as AWS
    REQUIRE(warnings->size() == 1);
    CHECK((*warnings)[0].machine == "arn:aws:states:us-east-1:123456789012:stateMachine:orders");
    CHECK((*warnings)[0].role == role);
    REQUIRE((*warnings)[0].findings.size() == 1);
    CHECK((*warnings)[0].findings[0].pointer == "/States/Ship/Resource");
    CHECK((*warnings)[0].findings[0].message ==
          "the role arn:aws:iam::123456789012:role/orders does not allow lambda:InvokeFunction on "
          "arn:aws:lambda:us-east-1:123456789012:function:ship");

    // A role nobody configured allows nothing: both Tasks.
    auto updated = api.call("UpdateStateMachine", {{"stateMachineArn", created.body["stateMachineArn"]},
                                                   {"roleArn", "arn:aws:iam::123456789012:role/unknown"}});
    REQUIRE(updated.status == 200);
    REQUIRE(warnings->size() == 2);
    CHECK((*warnings)[1].findings.size() == 2);

    // A machine its role allows: nothing to say.
    json allowed = definition;
    allowed["States"]["Ship"]["Parameters"]["FunctionName"] = "arn:aws:lambda:us-east-1:123456789012:function:charge-ship";
    REQUIRE(api.call("CreateStateMachine", {{"name", "fine"}, {"definition", allowed.dump()}, {"roleArn", role}}).status == 200);
    CHECK(warnings->size() == 2);
}
// ExecutionStarted's roleArn and $$.Execution.RoleArn are the machine's roleArn, as in AWS
// (not the engine's fixed role); the reply shapes stay AWS's.
TEST_CASE("an execution runs under its state machine's roleArn", "[auth][api][role]") {
    api_test::fixture api;
    const std::string role = "arn:aws:iam::123456789012:role/orders";
    const json definition = json::parse(R"({"StartAt":"Who","States":{
        "Who":{"Type":"Pass","Parameters":{"role.$":"$$.Execution.RoleArn"},"End":true}}})");
    auto created = api.call("CreateStateMachine", {{"name", "orders"}, {"definition", definition.dump()}, {"roleArn", role}});
    REQUIRE(created.status == 200);
    auto started = api.call("StartExecution", {{"stateMachineArn", created.body["stateMachineArn"]}, {"name", "r1"}});
    REQUIRE(started.status == 200);
    api.settle();
    auto history = api.call("GetExecutionHistory", {{"executionArn", started.body["executionArn"]}});
    REQUIRE(history.status == 200);
    REQUIRE(!history.body["events"].empty());
    CHECK(history.body["events"][0]["type"] == "ExecutionStarted");
    CHECK(history.body["events"][0]["executionStartedEventDetails"]["roleArn"] == role);
    auto described = api.call("DescribeExecution", {{"executionArn", started.body["executionArn"]}});
    CHECK(json::parse(described.body["output"].get<std::string>()) == json{{"role", role}});

    // A new role applies to the executions started after the update.
    const std::string other = "arn:aws:iam::123456789012:role/orders-v2";
    REQUIRE(api.call("UpdateStateMachine", {{"stateMachineArn", created.body["stateMachineArn"]}, {"roleArn", other}}).status == 200);
    auto second = api.call("StartExecution", {{"stateMachineArn", created.body["stateMachineArn"]}, {"name", "r2"}});
    REQUIRE(second.status == 200);
    api.settle();
    auto history2 = api.call("GetExecutionHistory", {{"executionArn", second.body["executionArn"]}});
    CHECK(history2.body["events"][0]["executionStartedEventDetails"]["roleArn"] == other);
}
// Who changed an execution is kept beside it (kind "executionCaller"), never in its history or
// the replies, which stay AWS's; a call that was denied or failed leaves no record.
TEST_CASE("the callers that start, stop and complete tasks of an execution are recorded beside it", "[auth][api][callers]") {
    secured s(policies);
    stepfn::principal admin{"arn:aws:iam::123456789012:user/admin", {"ops"}, {}, "sigv4", {}};
    stepfn::principal runner{"arn:aws:iam::123456789012:user/runner", {}, {}, "oidc", {}};
    const json definition = json::parse(std::string(R"({"StartAt":"Send","States":{"Send":{"Type":"Task","Resource":")") +
                                        api_test::callback_resource + R"(","End":true}}})");
    auto created = s.call(admin, "CreateStateMachine",
                          {{"name", "orders-callers"}, {"definition", definition.dump()}, {"roleArn", "arn:aws:iam::123456789012:role/r"}});
    REQUIRE(created.status == 200);
    auto started = s.call(runner, "StartExecution", {{"stateMachineArn", created.body["stateMachineArn"]}, {"name", "c1"}});
    REQUIRE(started.status == 200);
    CHECK(started.body.size() == 2);  // executionArn and startDate, as AWS
    const std::string arn = started.body["executionArn"];
    s.api.settle([&] { return !s.api.sender->last().empty(); });
    const std::string token = s.api.sender->last();
    REQUIRE(!token.empty());
    // The runner may not send task results (no statement allows SendTask*): denied, not recorded.
    CHECK(s.call(runner, "SendTaskSuccess", {{"taskToken", token}, {"output", "{}"}}).type() == "AccessDeniedException");
    REQUIRE(s.call(admin, "SendTaskSuccess", {{"taskToken", token}, {"output", "{\"ok\":true}"}}).status == 200);
    s.api.settle();
    CHECK(s.call(runner, "DescribeExecution", {{"executionArn", arn}}).body["status"] == "SUCCEEDED");
    // No such execution: a failed call, not recorded.
    CHECK(s.call(admin, "StopExecution", {{"executionArn", arn + "x"}}).status == 400);

    auto page = s.api.store->list_resources("executionCaller", arn + "/caller/", 100, "");
    REQUIRE(page);
    REQUIRE(page->resources.size() == 2);
    const json first = json::parse(page->resources[0].body);
    CHECK(first["action"] == "StartExecution");
    CHECK(first["principal"] == runner.id);
    CHECK(first["authenticatedBy"] == "oidc");
    CHECK(first["executionArn"] == arn);
    CHECK(first["sourceAddress"] == "127.0.0.1:1");
    const json second = json::parse(page->resources[1].body);
    CHECK(second["action"] == "SendTaskSuccess");
    CHECK(second["principal"] == admin.id);
    CHECK(second["groups"] == json::array({"ops"}));

    // The history has no caller in it: ExecutionStarted is AWS's (input, inputDetails, roleArn).
    auto history = s.call(admin, "GetExecutionHistory", {{"executionArn", arn}});
    const json details = history.body["events"][0]["executionStartedEventDetails"];
    CHECK(details.size() == 3);
    CHECK(details.contains("roleArn"));
}
} // namespace api_access_test
