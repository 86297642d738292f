// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat for callback tokens and activity tasks,
// TestState, and the tag actions.

#include "api/api_support.hpp"

namespace api_tasks_test {

using api_test::fixture;
using stepfn::json;

namespace {

// Starts the callback machine and returns (execution ARN, its task token).
std::pair<std::string, std::string> waiting_for_token(fixture& f, const std::string& type = "STANDARD") {
    const std::string machine = f.create("cb", api_test::callback_machine(), type);
    auto started = f.call("StartExecution", {{"stateMachineArn", machine}, {"name", "c1"}});
    REQUIRE(started.status == 200);
    f.executor.run();
    const std::string token = f.sender->last();
    REQUIRE_FALSE(token.empty());
    return {started.body["executionArn"].get<std::string>(), token};
}

} // namespace

TEST_CASE("SendTaskSuccess completes a callback task with its output", "[api]") {
    fixture f;
    auto [arn, token] = waiting_for_token(f);
    CHECK(f.call("SendTaskHeartbeat", {{"taskToken", token}}).status == 200);
    CHECK(f.call("SendTaskSuccess", {{"taskToken", token}, {"output", "not json"}}).type() == "InvalidOutput");
    auto sent = f.call("SendTaskSuccess", {{"taskToken", token}, {"output", R"({"approved":true})"}});
    REQUIRE(sent.status == 200);
    CHECK(sent.body == json::object());
    f.settle();
    auto d = f.call("DescribeExecution", {{"executionArn", arn}}).body;
    CHECK(d["status"] == "SUCCEEDED");
    CHECK(json::parse(d["output"].get<std::string>()) == json{{"approved", true}});
    // The task is over: its token no longer leads anywhere.
    CHECK(f.call("SendTaskSuccess", {{"taskToken", token}, {"output", "{}"}}).type() == "TaskDoesNotExist");
    CHECK(f.call("SendTaskHeartbeat", {{"taskToken", token}}).type() == "TaskDoesNotExist");
}

TEST_CASE("SendTaskFailure fails a callback task with its error and cause", "[api]") {
    fixture f;
    auto [arn, token] = waiting_for_token(f);
    REQUIRE(f.call("SendTaskFailure", {{"taskToken", token}, {"error", "Rejected"}, {"cause", "no stock"}}).status == 200);
    f.settle();
    auto d = f.call("DescribeExecution", {{"executionArn", arn}}).body;
    CHECK(d["status"] == "FAILED");
    CHECK(d["error"] == "Rejected");
    CHECK(d["cause"] == "no stock");
}

TEST_CASE("An EXPRESS machine cannot wait for a callback: CreateStateMachine refuses it, as AWS", "[api][express]") {
    fixture f;
    auto a = f.call("CreateStateMachine", {{"name", "cb"}, {"definition", api_test::callback_machine().dump()},
                                          {"roleArn", f.role}, {"type", "EXPRESS"}});
    CHECK(a.status == 400);
    CHECK(a.type() == "InvalidDefinition");
    const std::string message = a.body["message"];
    CHECK(message.rfind("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not "
                        "support '.waitForTaskToken' service integration at /States/",
                        0) == 0);
    CHECK(message.find("/Resource'") != std::string::npos);
    // The same definition is a STANDARD machine as it is.
    CHECK(f.call("CreateStateMachine", {{"name", "cb"}, {"definition", api_test::callback_machine().dump()},
                                        {"roleArn", f.role}})
              .status == 200);
}

TEST_CASE("Tokens nobody issued are InvalidToken; missing members are ValidationException", "[api]") {
    fixture f;
    CHECK(f.call("SendTaskSuccess", {{"taskToken", "made-up"}, {"output", "{}"}}).type() == "InvalidToken");
    CHECK(f.call("SendTaskHeartbeat", {{"taskToken", "made-up"}}).type() == "InvalidToken");
    CHECK(f.call("SendTaskSuccess", {{"taskToken", "t"}}).type() == "ValidationException");
    CHECK(f.call("SendTaskFailure", json::object()).type() == "ValidationException");
}

TEST_CASE("Activities: the API creates them, a worker polls a task and answers it", "[api]") {
    fixture f;
    auto activity = f.call("CreateActivity", {{"name", "approve"}});
    REQUIRE(activity.status == 200);
    const std::string activity_arn = activity.body["activityArn"];
    CHECK(activity_arn == "arn:aws:states:us-east-1:123456789012:activity:approve");
    json definition = {{"StartAt", "A"}, {"States", {{"A", {{"Type", "Task"}, {"Resource", activity_arn}, {"End", true}}}}}};
    const std::string machine = f.create("uses-activity", definition);
    const std::string arn = f.call("StartExecution", {{"stateMachineArn", machine}, {"input", R"({"n":1})"}}).body["executionArn"];
    f.executor.run();
    auto task = f.call("GetActivityTask", {{"activityArn", activity_arn}, {"workerName", "w"}});
    REQUIRE(task.status == 200);
    REQUIRE(task.body.contains("taskToken"));
    CHECK(json::parse(task.body["input"].get<std::string>()) == json{{"n", 1}});
    REQUIRE(f.call("SendTaskSuccess", {{"taskToken", task.body["taskToken"]}, {"output", R"({"ok":1})"}}).status == 200);
    f.settle();
    auto d = f.call("DescribeExecution", {{"executionArn", arn}}).body;
    CHECK(d["status"] == "SUCCEEDED");
    CHECK(json::parse(d["output"].get<std::string>()) == json{{"ok", 1}});
    CHECK(f.call("ListActivities", json::object()).body["activities"].size() == 1);
    CHECK(f.call("DescribeActivity", {{"activityArn", activity_arn}}).body["name"] == "approve");
    CHECK(f.call("DeleteActivity", {{"activityArn", activity_arn}}).status == 200);
}

TEST_CASE("TestState runs one state with AWS's response shape", "[api]") {
    fixture f;
    json state = {{"Type", "Pass"}, {"Parameters", {{"sum.$", "States.MathAdd($.a, 1)"}}}, {"Next", "After"}};
    auto debug = f.call("TestState", {{"definition", state.dump()}, {"input", R"({"a":41})"}, {"inspectionLevel", "DEBUG"}});
    REQUIRE(debug.status == 200);
    CHECK(debug.body["status"] == "SUCCEEDED");
    CHECK(json::parse(debug.body["output"].get<std::string>()) == json{{"sum", 42}});
    CHECK(debug.body["nextState"] == "After");
    CHECK(debug.body["inspectionData"]["afterParameters"] == R"({"sum":42})");

    auto info = f.call("TestState", {{"definition", state.dump()}, {"input", R"({"a":1})"}});
    CHECK_FALSE(info.body.contains("inspectionData"));

    json task = {{"Type", "Task"}, {"Resource", "arn:aws:states:::lambda:invoke"}, {"End", true},
                 {"Catch", {{{"ErrorEquals", {"States.ALL"}}, {"Next", "Handler"}}}}};
    auto caught = f.call("TestState", {{"definition", task.dump()}, {"mock", {{"errorOutput", {{"error", "Boom"}, {"cause", "c"}}}}}});
    REQUIRE(caught.status == 200);
    CHECK(caught.body["status"] == "CAUGHT_ERROR");
    CHECK(caught.body["error"] == "Boom");
    CHECK(caught.body["nextState"] == "Handler");

    CHECK(f.call("TestState", {{"definition", "{nope"}}).type() == "InvalidDefinition");
    CHECK(f.call("TestState", {{"definition", state.dump()}, {"inspectionLevel", "ALL"}}).type() == "ValidationException");
    CHECK(f.call("TestState", {{"definition", R"({"Type":"Nope"})"}}).type() == "ValidationException");
}

TEST_CASE("Tags on state machines and activities: add, replace, remove, list, limits", "[api]") {
    fixture f;
    const std::string machine = f.create("tagged", api_test::pass_machine());
    REQUIRE(f.call("TagResource", {{"resourceArn", machine}, {"tags", {{{"key", "team"}, {"value", "a"}}, {{"key", "env"}, {"value", "dev"}}}}}).status == 200);
    REQUIRE(f.call("TagResource", {{"resourceArn", machine}, {"tags", {{{"key", "team"}, {"value", "b"}}}}}).status == 200);
    auto listed = f.call("ListTagsForResource", {{"resourceArn", machine}});
    REQUIRE(listed.status == 200);
    CHECK(listed.body == json{{"tags", {{{"key", "team"}, {"value", "b"}}, {{"key", "env"}, {"value", "dev"}}}}});
    REQUIRE(f.call("UntagResource", {{"resourceArn", machine}, {"tagKeys", {"team"}}}).status == 200);
    CHECK(f.call("ListTagsForResource", {{"resourceArn", machine}}).body["tags"] == json{{{"key", "env"}, {"value", "dev"}}});

    json many = json::array();
    for (int i = 0; i < 50; ++i) many.push_back({{"key", "k" + std::to_string(i)}, {"value", ""}});
    CHECK(f.call("TagResource", {{"resourceArn", machine}, {"tags", many}}).type() == "TooManyTags");

    auto activity = f.call("CreateActivity", {{"name", "act"}, {"tags", {{{"key", "k"}, {"value", "v"}}}}});
    const std::string activity_arn = activity.body["activityArn"];
    CHECK(f.call("ListTagsForResource", {{"resourceArn", activity_arn}}).body["tags"] == json{{{"key", "k"}, {"value", "v"}}});

    CHECK(f.call("ListTagsForResource", {{"resourceArn", machine + "x"}}).type() == "ResourceNotFound");
    CHECK(f.call("TagResource", {{"resourceArn", "arn:aws:states:us-east-1:123456789012:execution:tagged:e"}, {"tags", json::array()}}).type() == "InvalidArn");
    CHECK(f.call("TagResource", {{"resourceArn", machine}}).type() == "ValidationException");
    CHECK(f.call("UntagResource", {{"resourceArn", machine}, {"tagKeys", {1}}}).type() == "SerializationException");
}
} // namespace api_tasks_test
