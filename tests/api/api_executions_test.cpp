// StartExecution, DescribeExecution, ListExecutions, GetExecutionHistory, StopExecution,
// RedriveExecution and StartSyncExecution, with AWS's shapes.

#include <atomic>

#include "api/api_support.hpp"

namespace api_executions_test {

using api_test::fixture;
using stepfn::json;

namespace {

// Fails its first call, succeeds after: what a redrive is for.
class flaky final : public stepfn::task_invoker {
public:
    void invoke(stepfn::task_request, stepfn::task_completion done) override {
        if (calls++ == 0) return done.fail("Service.Down", "first call fails");
        done.succeed(json{{"ok", true}});
    }
    std::atomic<int> calls{0};
};

json wait_machine() {
    return json::parse(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}})");
}

} // namespace

TEST_CASE("A STANDARD execution's lifecycle: start, describe, history, list", "[api]") {
    fixture f;
    const std::string machine = f.create("orders", api_test::pass_machine());
    auto started = f.call("StartExecution", {{"stateMachineArn", machine}, {"name", "order-1"}, {"input", R"({"id":1})"}});
    REQUIRE(started.status == 200);
    const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:orders:order-1";
    CHECK(started.body["executionArn"] == arn);
    CHECK(started.body["startDate"].is_number());
    CHECK(started.body.size() == 2);
    f.settle();

    auto described = f.call("DescribeExecution", {{"executionArn", arn}});
    REQUIRE(described.status == 200);
    const json& d = described.body;
    CHECK(d["executionArn"] == arn);
    CHECK(d["stateMachineArn"] == machine);
    CHECK(d["name"] == "order-1");
    CHECK(d["status"] == "SUCCEEDED");
    CHECK(json::parse(d["input"].get<std::string>()) == json{{"id", 1}});
    CHECK(d["inputDetails"] == json{{"included", true}});
    CHECK(json::parse(d["output"].get<std::string>()) == json{{"id", 1}, {"r", {{"done", true}}}});
    CHECK(d["outputDetails"] == json{{"included", true}});
    CHECK(d["stopDate"].is_number());
    CHECK(d["redriveCount"] == 0);
    CHECK(d["redriveStatus"] == "NOT_REDRIVABLE");
    CHECK(d["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven");
    CHECK_FALSE(d.contains("error"));

    auto history = f.call("GetExecutionHistory", {{"executionArn", arn}});
    REQUIRE(history.status == 200);
    const json& events = history.body["events"];
    REQUIRE(events.size() == 4);
    CHECK(events[0]["type"] == "ExecutionStarted");
    CHECK(events[0]["id"] == 1);
    CHECK(events[0]["previousEventId"] == 0);
    CHECK(events[0]["timestamp"].is_number());
    CHECK(events[0]["executionStartedEventDetails"]["input"] == R"({"id":1})");
    CHECK(events[1]["type"] == "PassStateEntered");
    CHECK(events[3]["type"] == "ExecutionSucceeded");
    CHECK(events[3]["executionSucceededEventDetails"].contains("output"));

    auto reversed = f.call("GetExecutionHistory", {{"executionArn", arn}, {"reverseOrder", true}, {"maxResults", 3}, {"includeExecutionData", false}});
    REQUIRE(reversed.body["events"].size() == 3);
    CHECK(reversed.body["events"][0]["type"] == "ExecutionSucceeded");
    CHECK_FALSE(reversed.body["events"][0]["executionSucceededEventDetails"].contains("output"));
    REQUIRE(reversed.body.contains("nextToken"));
    auto rest = f.call("GetExecutionHistory", {{"executionArn", arn}, {"reverseOrder", true}, {"maxResults", 3}, {"nextToken", reversed.body["nextToken"]}});
    REQUIRE(rest.body["events"].size() == 1);
    CHECK(rest.body["events"][0]["type"] == "ExecutionStarted");
    CHECK_FALSE(rest.body.contains("nextToken"));

    auto listed = f.call("ListExecutions", {{"stateMachineArn", machine}});
    REQUIRE(listed.status == 200);
    REQUIRE(listed.body["executions"].size() == 1);
    const json& item = listed.body["executions"][0];
    CHECK(item["executionArn"] == arn);
    CHECK(item["status"] == "SUCCEEDED");
    CHECK(item["name"] == "order-1");
    CHECK(f.call("ListExecutions", {{"stateMachineArn", machine}, {"statusFilter", "RUNNING"}}).body["executions"].empty());
    CHECK(f.call("ListExecutions", {{"stateMachineArn", machine}, {"statusFilter", "DONE"}}).type() == "ValidationException");
    CHECK(f.call("ListExecutions", json::object()).type() == "ValidationException");
}

TEST_CASE("StartExecution by name is idempotent while the execution runs, as in AWS", "[api]") {
    fixture f;
    const std::string machine = f.create("m", wait_machine());
    json request = {{"stateMachineArn", machine}, {"name", "once"}, {"input", R"({"a":1})"}};
    auto first = f.call("StartExecution", request);
    REQUIRE(first.status == 200);
    auto second = f.call("StartExecution", request);
    REQUIRE(second.status == 200);
    CHECK(second.body == first.body);
    request["input"] = R"({"a":2})";
    auto other = f.call("StartExecution", request);
    CHECK(other.type() == "ExecutionAlreadyExists");
    CHECK(other.body["message"] == "Execution Already Exists: '" + first.body["executionArn"].get<std::string>() + "'");
}

TEST_CASE("StartExecution refuses bad requests with AWS's exceptions", "[api]") {
    fixture f;
    const std::string machine = f.create("m", api_test::pass_machine());
    CHECK(f.call("StartExecution", {{"stateMachineArn", machine}, {"input", "{not json"}}).type() == "InvalidExecutionInput");
    CHECK(f.call("StartExecution", {{"stateMachineArn", machine}, {"name", "a b"}}).type() == "InvalidName");
    CHECK(f.call("StartExecution", {{"stateMachineArn", machine + "x"}}).type() == "StateMachineDoesNotExist");
    CHECK(f.call("StartExecution", {{"stateMachineArn", machine}, {"input", 5}}).type() == "SerializationException");
    CHECK(f.call("StartExecution", {{"stateMachineArn", machine + "#case"}}).type() == "ValidationException");
    auto no_name = f.call("StartExecution", {{"stateMachineArn", machine}});
    REQUIRE(no_name.status == 200);
    const std::string generated = no_name.body["executionArn"];
    CHECK(generated.size() == std::string("arn:aws:states:us-east-1:123456789012:execution:m:").size() + 36);
    CHECK(f.call("DescribeExecution", {{"executionArn", "arn:aws:states:us-east-1:123456789012:execution:m:nope"}}).type() == "ExecutionDoesNotExist");
    CHECK(f.call("DescribeExecution", {{"executionArn", machine}}).type() == "InvalidArn");
}

TEST_CASE("StopExecution aborts a running execution with its error and cause", "[api]") {
    fixture f;
    const std::string machine = f.create("m", wait_machine());
    const std::string arn = f.call("StartExecution", {{"stateMachineArn", machine}, {"name", "e"}}).body["executionArn"];
    f.executor.run();
    auto running = f.call("DescribeExecution", {{"executionArn", arn}});
    CHECK(running.body["status"] == "RUNNING");
    CHECK(running.body["redriveStatus"] == "NOT_REDRIVABLE");
    auto stopped = f.call("StopExecution", {{"executionArn", arn}, {"error", "Halt"}, {"cause", "operator"}});
    REQUIRE(stopped.status == 200);
    CHECK(stopped.body["stopDate"].is_number());
    f.executor.run();
    auto d = f.call("DescribeExecution", {{"executionArn", arn}}).body;
    CHECK(d["status"] == "ABORTED");
    CHECK(d["error"] == "Halt");
    CHECK(d["cause"] == "operator");
    CHECK(d["redriveStatus"] == "REDRIVABLE");
    CHECK(f.call("StopExecution", {{"executionArn", arn}}).status == 200);  // already stopped: no change
}

TEST_CASE("RedriveExecution runs a failed execution again from the state that failed", "[api]") {
    fixture f;
    auto invoker = std::make_shared<flaky>();
    f.standard.invokers().add("test:flaky", invoker);
    const std::string machine = f.create("m", json::parse(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"test:flaky","End":true}}})"));
    const std::string arn = f.call("StartExecution", {{"stateMachineArn", machine}, {"name", "r"}}).body["executionArn"];
    f.settle();
    auto failed = f.call("DescribeExecution", {{"executionArn", arn}}).body;
    REQUIRE(failed["status"] == "FAILED");
    CHECK(failed["error"] == "Service.Down");
    CHECK(failed["cause"] == "first call fails");
    CHECK(failed["redriveStatus"] == "REDRIVABLE");

    auto redriven = f.call("RedriveExecution", {{"executionArn", arn}});
    REQUIRE(redriven.status == 200);
    CHECK(redriven.body["redriveDate"].is_number());
    f.settle();
    auto d = f.call("DescribeExecution", {{"executionArn", arn}}).body;
    CHECK(d["status"] == "SUCCEEDED");
    CHECK(d["redriveCount"] == 1);
    CHECK(d["redriveDate"].is_number());
    auto again = f.call("RedriveExecution", {{"executionArn", arn}});
    CHECK(again.type() == "ExecutionNotRedrivable");
    CHECK(f.call("ListExecutions", {{"stateMachineArn", machine}, {"redriveFilter", "REDRIVEN"}}).body["executions"].size() == 1);
    CHECK(f.call("ListExecutions", {{"stateMachineArn", machine}, {"redriveFilter", "NOT_REDRIVEN"}}).body["executions"].empty());
}

TEST_CASE("An execution started from a version names it; an update does not change it", "[api]") {
    fixture f;
    auto created = f.call("CreateStateMachine", {{"name", "m"}, {"definition", wait_machine().dump()}, {"roleArn", f.role}, {"publish", true}});
    const std::string machine = created.body["stateMachineArn"];
    const std::string version = created.body["stateMachineVersionArn"];
    const std::string arn = f.call("StartExecution", {{"stateMachineArn", version}, {"name", "v"}}).body["executionArn"];
    f.executor.run();
    REQUIRE(f.call("UpdateStateMachine", {{"stateMachineArn", machine}, {"definition", api_test::pass_machine().dump()}}).status == 200);
    auto d = f.call("DescribeExecution", {{"executionArn", arn}}).body;
    CHECK(d["stateMachineArn"] == machine);
    CHECK(d["stateMachineVersionArn"] == version);
    f.settle();
    CHECK(f.call("DescribeExecution", {{"executionArn", arn}}).body["status"] == "SUCCEEDED");
    auto by_version = f.call("ListExecutions", {{"stateMachineArn", version}});
    REQUIRE(by_version.body["executions"].size() == 1);
    CHECK(by_version.body["executions"][0]["stateMachineVersionArn"] == version);
}

TEST_CASE("StartSyncExecution answers when an EXPRESS execution ends", "[api]") {
    fixture f;
    const std::string machine = f.create("fast", api_test::pass_machine(), "EXPRESS");
    auto a = f.call("StartSyncExecution", {{"stateMachineArn", machine}, {"name", "s1"}, {"input", R"({"x":1})"}});
    REQUIRE(a.status == 200);
    const json& b = a.body;
    CHECK(b["status"] == "SUCCEEDED");
    CHECK(b["executionArn"].get<std::string>().rfind("arn:aws:states:us-east-1:123456789012:express:fast:s1:", 0) == 0);
    CHECK(b["stateMachineArn"] == machine);
    CHECK(b["name"] == "s1");
    CHECK(json::parse(b["output"].get<std::string>()) == json{{"x", 1}, {"r", {{"done", true}}}});
    CHECK(b["input"] == R"({"x":1})");
    CHECK(b["startDate"].is_number());
    CHECK(b["stopDate"].is_number());
    CHECK(b["billingDetails"]["billedMemoryUsedInMB"] == 64);
    CHECK(b["billingDetails"]["billedDurationInMilliseconds"].is_number_integer());

    const std::string failing = f.create("failing", api_test::fail_machine(), "EXPRESS");
    auto failed = f.call("StartSyncExecution", {{"stateMachineArn", failing}});
    CHECK(failed.body["status"] == "FAILED");
    CHECK(failed.body["error"] == "Broken");
    CHECK(failed.body["cause"] == "on purpose");
    CHECK_FALSE(failed.body.contains("output"));

    const std::string standard = f.create("slow", api_test::pass_machine());
    CHECK(f.call("StartSyncExecution", {{"stateMachineArn", standard}}).type() == "StateMachineTypeNotSupported");
}

TEST_CASE("StartExecution's input text is the history's, and EXPRESS executions have no history-length limit", "[api][history]") {
    fixture f;
    const std::string machine = f.create("orders", api_test::pass_machine());
    const std::string text = "{ \"id\" : 1.50 }";
    REQUIRE(f.call("StartExecution", {{"stateMachineArn", machine}, {"name", "spelled"}, {"input", text}}).status == 200);
    f.settle();
    auto history = f.call("GetExecutionHistory", {{"executionArn", "arn:aws:states:us-east-1:123456789012:execution:orders:spelled"}});
    REQUIRE(history.status == 200);
    CHECK(history.body["events"][0]["executionStartedEventDetails"]["input"] == text);
    CHECK(history.body["events"][1]["stateEnteredEventDetails"]["input"] == text);

    // 15,000 loops of two states: 60,000 events, past STANDARD's 25,000.
    const std::string loop = R"J({"StartAt":"C","States":{
        "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThan":15000,"Next":"Inc"}],"Default":"Done"},
        "Inc":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"C"},
        "Done":{"Type":"Succeed"}}})J";
    const std::string express = f.create("loop", json::parse(loop), "EXPRESS");
    auto ran = f.call("StartSyncExecution", {{"stateMachineArn", express}, {"input", R"({"n":0})"}});
    REQUIRE(ran.status == 200);
    CHECK(ran.body["status"] == "SUCCEEDED");
    CHECK(json::parse(ran.body["output"].get<std::string>()) == json{{"n", 15000}});
}

TEST_CASE("StartExecution of an EXPRESS machine runs on the express engine, which keeps nothing", "[api]") {
    fixture f;
    const std::string machine = f.create("fast", wait_machine(), "EXPRESS");
    auto started = f.call("StartExecution", {{"stateMachineArn", machine}, {"name", "e1"}});
    REQUIRE(started.status == 200);
    const std::string arn = started.body["executionArn"];
    CHECK(arn.rfind("arn:aws:states:us-east-1:123456789012:express:fast:e1:", 0) == 0);
    CHECK(f.call("DescribeExecution", {{"executionArn", arn}}).type() == "ExecutionDoesNotExist");
    CHECK(f.call("ListExecutions", {{"stateMachineArn", machine}}).type() == "StateMachineTypeNotSupported");
    CHECK(f.call("RedriveExecution", {{"executionArn", arn}}).type() == "ExecutionNotRedrivable");
    CHECK(f.store->list_executions(stepfn::execution_filter{})->executions.empty());
}

TEST_CASE("StartExecution on '<machine>#<test case>' runs the mock file's answers, as Step Functions Local does", "[api]") {
    auto mocks = stepfn::testing::mock_config::parse(json::parse(R"({
        "StateMachines": {"svc": {"TestCases": {"Happy": {"Call": "Ok"}, "Sad": {"Call": "Err"}}}},
        "MockedResponses": {"Ok": {"0": {"Return": {"mocked": true}}},
                            "Err": {"0": {"Throw": {"Error": "Mock.Down", "Cause": "mocked"}}}}})"));
    REQUIRE(mocks);
    stepfn::api_options options;
    options.mocks = std::make_shared<const stepfn::testing::mock_config>(std::move(*mocks));
    fixture f(options);
    const std::string machine =
        f.create("svc", json::parse(R"({"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}})"));
    const std::string happy = f.call("StartExecution", {{"stateMachineArn", machine + "#Happy"}, {"name", "h"}}).body["executionArn"];
    const std::string sad = f.call("StartExecution", {{"stateMachineArn", machine + "#Sad"}, {"name", "s"}}).body["executionArn"];
    f.settle();
    auto h = f.call("DescribeExecution", {{"executionArn", happy}}).body;
    CHECK(h["status"] == "SUCCEEDED");
    CHECK(json::parse(h["output"].get<std::string>()) == json{{"mocked", true}});
    auto s = f.call("DescribeExecution", {{"executionArn", sad}}).body;
    CHECK(s["status"] == "FAILED");
    CHECK(s["error"] == "Mock.Down");
    CHECK(f.call("StartExecution", {{"stateMachineArn", machine + "#Nope"}}).type() == "ValidationException");
    // Without a test case nothing is mocked: no invoker serves the resource.
    const std::string plain = f.call("StartExecution", {{"stateMachineArn", machine}, {"name", "p"}}).body["executionArn"];
    f.settle();
    CHECK(f.call("DescribeExecution", {{"executionArn", plain}}).body["status"] == "FAILED");
}
} // namespace api_executions_test
