// Execution roles: the Task resource to IAM action mapping, a Task its role does not allow
// failing with AWS's error before the invoker runs, per-state Credentials.RoleArn, and a
// definition checked against its role before it runs.

#include "catch.hpp"

#include <memory>
#include <string>

#include <stepfn/policies/role_check.hpp>
#include <stepfn/policies/role_guard.hpp>
#include <stepfn/stepfn.hpp>
#include <stepfn/store/memory_store.hpp>

namespace role_test {

using stepfn::json;

namespace {

std::shared_ptr<stepfn::role_policies> roles() {
    auto out = std::make_shared<stepfn::role_policies>();
    out->emplace("arn:aws:iam::123456789012:role/orders", stepfn::iam_policy::parse(std::string_view(R"({"Statement":[
        {"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge*"},
        {"Effect":"Allow","Action":"stepfn:InvokeTask","Resource":"local-ship"}]})")).value());
    out->emplace("arn:aws:iam::123456789012:role/auditor", stepfn::iam_policy::parse(std::string_view(R"({"Statement":[
        {"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/audit"}]})")).value());
    return out;
}

// Answers every call; counts them.
struct counting_invoker final : stepfn::task_invoker {
    void invoke(stepfn::task_request, stepfn::task_completion done) override {
        ++calls;
        done.succeed(json{{"ok", true}});
    }
    int calls = 0;
};

} // namespace

TEST_CASE("Task resources map to the IAM actions AWS asks of the role", "[auth][roles]") {
    auto p = [](const char* resource, json input) {
        auto a = stepfn::task_permission(resource, input, "us-east-1", "123456789012", "arn:aws:states:us-east-1:123456789012:stateMachine:m");
        REQUIRE(a);
        return a->request.action + " " + a->request.resource;
    };
    CHECK(p("arn:aws:states:::lambda:invoke", {{"FunctionName", "charge"}}) ==
          "lambda:InvokeFunction arn:aws:lambda:us-east-1:123456789012:function:charge");
    CHECK(p("arn:aws:lambda:eu-west-1:111122223333:function:f", nullptr) == "lambda:InvokeFunction arn:aws:lambda:eu-west-1:111122223333:function:f");
    CHECK(p("arn:aws:states:::aws-sdk:s3:getObject", json::object()) == "s3:GetObject *");
    CHECK(p("arn:aws:states:::sqs:sendMessage.waitForTaskToken", {{"QueueUrl", "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"}}) ==
          "sqs:SendMessage arn:aws:sqs:us-east-1:123456789012:jobs");
    CHECK(p("arn:aws:states:::dynamodb:putItem", {{"TableName", "audit"}}) == "dynamodb:PutItem arn:aws:dynamodb:us-east-1:123456789012:table/audit");
    CHECK(p("arn:aws:states:::states:startExecution.sync:2", {{"StateMachineArn", "arn:aws:states:us-east-1:123456789012:stateMachine:child"}}) ==
          "states:StartExecution arn:aws:states:us-east-1:123456789012:stateMachine:child");
    CHECK(p("arn:aws:states:::http:invoke", {{"ApiEndpoint", "https://api.example.test"}, {"Method", "GET"}}) ==
          "states:InvokeHTTPEndpoint arn:aws:states:us-east-1:123456789012:stateMachine:m");
    CHECK(p("local-ship", nullptr) == "stepfn:InvokeTask local-ship");
    CHECK_FALSE(stepfn::task_permission("arn:aws:states:us-east-1:123456789012:activity:review", nullptr, "us-east-1", "123456789012", ""));
}

TEST_CASE("a Task its role does not allow fails with AWS's error before the invoker runs", "[auth][roles]") {
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::manual_engine engine(executor, clock);
    auto real = std::make_shared<counting_invoker>();
    auto guard = std::make_shared<stepfn::role_guard>(real, roles(), [](const stepfn::task_request&) {
        return std::string("arn:aws:iam::123456789012:role/orders");
    }, stepfn::role_guard::options{});
    engine.invokers().set_default(guard);

    auto run = [&](const char* definition) {
        auto machine = stepfn::load_machine_json(json::parse(definition));
        REQUIRE(machine);
        stepfn::start_options o;
        o.name = "run-1";
        auto e = engine.start(*machine, json::object(), o);
        REQUIRE(e);
        for (int i = 0; i < 1000 && e->status() == stepfn::execution_status::running; ++i)
            if (executor.run() == 0 && !clock.advance_to_next()) break;
        return *e;
    };
    auto allowed = run(R"({"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
        "Parameters":{"FunctionName":"charge-card"},"Next":"S"},"S":{"Type":"Task","Resource":"local-ship","End":true}}})");
    CHECK(allowed.status() == stepfn::execution_status::succeeded);
    CHECK(real->calls == 2);

    auto denied = run(R"({"StartAt":"R","States":{"R":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
        "Parameters":{"FunctionName":"refund"},"End":true}}})");
    CHECK(denied.status() == stepfn::execution_status::failed);
    CHECK(real->calls == 2);  // never reached
    auto outcome = denied.outcome();
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().name == "Lambda.AWSLambdaException");
    CHECK(outcome.error().cause == "User: arn:aws:sts::123456789012:assumed-role/orders/run-1 is not authorized to perform: lambda:InvokeFunction "
                            "on resource: arn:aws:lambda:us-east-1:123456789012:function:refund because no identity-based policy allows "
                            "the lambda:InvokeFunction action (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException)");

    // Credentials.RoleArn: this Task runs under the auditor role, which may write the audit table only.
    auto audited = run(R"({"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem",
        "Credentials":{"RoleArn":"arn:aws:iam::123456789012:role/auditor"},"Parameters":{"TableName":"audit","Item":{}},"End":true}}})");
    CHECK(audited.status() == stepfn::execution_status::succeeded);
    auto elsewhere = run(R"({"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem",
        "Credentials":{"RoleArn":"arn:aws:iam::123456789012:role/auditor"},"Parameters":{"TableName":"orders","Item":{}},"End":true}}})");
    REQUIRE_FALSE(elsewhere.outcome());
    CHECK(elsewhere.outcome().error().name == "DynamoDB.AmazonDynamoDBException");
}

TEST_CASE("a definition is checked against its role before it runs", "[auth][roles]") {
    auto findings = stepfn::role_findings(json::parse(R"({"StartAt":"P","States":{
        "P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"C","States":{
            "C":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"charge"},"End":true},
            "D":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"delete-all"},"End":true},
            "E":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$.fn"},"End":true}}}]}}})"),
        *roles(), "arn:aws:iam::123456789012:role/orders", "us-east-1", "123456789012", "arn:aws:states:us-east-1:123456789012:stateMachine:m");
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].pointer == "/States/P/Branches/0/States/D/Resource");
    CHECK(findings[0].message == "the role arn:aws:iam::123456789012:role/orders does not allow lambda:InvokeFunction on "
                                 "arn:aws:lambda:us-east-1:123456789012:function:delete-all");
}
// The role an execution started under (start_options::role_arn: the machine's roleArn) is
// ExecutionStarted's roleArn and $$.Execution.RoleArn, and stays so when another engine resumes
// the execution after a restart.
TEST_CASE("an execution's role is in ExecutionStarted and $$, and survives a restart", "[auth][role]") {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = stepfn::load_machine_json(json::parse(R"({"StartAt":"W","States":{
        "W":{"Type":"Wait","Seconds":60,"Next":"Who"},
        "Who":{"Type":"Pass","Parameters":{"role.$":"$$.Execution.RoleArn"},"End":true}}})"));
    REQUIRE(machine);
    const std::string role = "arn:aws:iam::123456789012:role/orders";
    std::string arn;
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        stepfn::engine_options options;
        options.store = store;
        stepfn::manual_engine engine(executor, clock, options);
        stepfn::start_options start;
        start.name = "restarted";
        start.role_arn = role;
        auto run = engine.start(*machine, json::object(), start);
        REQUIRE(run);
        arn = run->arn();
        for (int i = 0; i < 1000 && executor.run() > 0; ++i) {
        }
        REQUIRE(run->status() == stepfn::execution_status::running);  // parked on the Wait
    }  // the process stops
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.store = store;
    stepfn::manual_engine engine(executor, clock, options);
    auto recovered = engine.recover();
    REQUIRE(recovered);
    REQUIRE(recovered->resumed.size() == 1);
    auto out = recovered->resumed[0].wait();
    REQUIRE(out);
    CHECK(*out == json{{"role", role}});
    stepfn::history_request request;
    auto page = store->history(arn, request);
    REQUIRE(page);
    REQUIRE(!page->events.empty());
    CHECK(page->events[0].details["roleArn"] == role);

    // Without one: the engine's role.
    auto plain = engine.start(*machine, json::object());
    REQUIRE(plain);
    auto plain_out = plain->wait();
    REQUIRE(plain_out);
    CHECK(*plain_out == json{{"role", "arn:aws:iam::123456789012:role/stepfn"}});
}
} // namespace role_test
