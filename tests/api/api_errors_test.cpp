// What any request gets, whatever it holds: AWS's exception for an unknown action, a body that
// is not JSON or not an object, one nested too deep or too big, members of the wrong type;
// never a crash, always exactly one reply.

#include "api/api_support.hpp"

namespace api_errors_test {

using api_test::fixture;
using stepfn::json;

TEST_CASE("An action the API does not implement is UnknownOperationException", "[api]") {
    fixture f;
    auto a = f.call_text("DescribeMapRun", "{}");
    CHECK(a.status == 400);
    CHECK(a.type() == "UnknownOperationException");
    CHECK(f.call_text("", "{}").type() == "UnknownOperationException");
    CHECK(f.call_text(std::string(5000, 'A'), "{}").body["message"].get<std::string>().size() < 200);
}

TEST_CASE("Bodies that are not a JSON object are SerializationException", "[api]") {
    fixture f;
    for (const char* body : {"{", "[1,2]", "\"text\"", "12", "null", "{\"a\":}", "\xff\xfe", "{\"name\":\"\xff\"}"}) {
        INFO(body);
        auto a = f.call_text("ListStateMachines", body);
        CHECK(a.status == 400);
        CHECK(a.type() == "SerializationException");
    }
    // The SDKs always send a body; an empty one reads as {}.
    CHECK(f.call_text("ListStateMachines", "").status == 200);
}

TEST_CASE("Deep nesting and huge bodies are refused before they are parsed", "[api]") {
    stepfn::api_options options;
    options.max_request_bytes = 4096;
    options.max_request_depth = 32;
    fixture f(options);
    std::string deep = "{\"input\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    // Over the size limit first.
    auto big = f.call_text("StartExecution", deep);
    CHECK(big.status == 413);
    CHECK(big.type() == "RequestEntityTooLargeException");
    std::string nested = "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}";
    CHECK(f.call_text("ListStateMachines", nested).type() == "SerializationException");
    // Brackets inside strings do not count.
    std::string quoted = "{\"name\":\"" + std::string(100, '[') + "\"}";
    CHECK(f.call_text("ListStateMachines", quoted).status == 200);
}

TEST_CASE("An execution input nested too deep is InvalidExecutionInput", "[api]") {
    fixture f;
    const std::string machine = f.create("m", api_test::pass_machine());
    std::string input = std::string(200, '[') + std::string(200, ']');
    CHECK(f.call("StartExecution", {{"stateMachineArn", machine}, {"input", input}}).type() == "InvalidExecutionInput");
}

TEST_CASE("Members of the wrong type are SerializationException, in every action", "[api]") {
    fixture f;
    const char* actions[] = {"CreateStateMachine", "DescribeStateMachine", "ListStateMachines", "UpdateStateMachine",
                             "DeleteStateMachine", "ValidateStateMachineDefinition", "StartExecution", "StartSyncExecution",
                             "DescribeExecution", "ListExecutions", "GetExecutionHistory", "StopExecution", "RedriveExecution",
                             "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat", "TestState", "TagResource",
                             "UntagResource", "ListTagsForResource", "CreateActivity", "DescribeActivity", "ListActivities",
                             "DeleteActivity"};
    const json wrong = json::array({1, 2});
    for (const char* action : actions) {
        INFO(action);
        json request = {{"name", wrong}, {"definition", wrong}, {"roleArn", wrong}, {"stateMachineArn", wrong}, {"executionArn", wrong},
                        {"maxResults", "ten"}, {"taskToken", wrong}, {"resourceArn", wrong}, {"activityArn", wrong}, {"nextToken", 5}};
        auto a = f.call(action, request);
        CHECK(a.status == 400);
        CHECK((a.type() == "SerializationException" || a.type() == "ValidationException"));
        auto empty = f.call(action, json::object());
        CHECK(empty.status < 500);
    }
}

TEST_CASE("Every reply is one JSON object, even for hostile values", "[api]") {
    fixture f;
    const std::string machine = f.create("m", api_test::pass_machine());
    for (const json& value : {json(nullptr), json(true), json(-1), json(1e308), json(std::string(300, 'x')), json::object(), json("\x01")}) {
        for (const char* member : {"stateMachineArn", "name", "input", "maxResults", "reverseOrder", "statusFilter"}) {
            json request = {{"stateMachineArn", machine}};
            request[member] = value;
            auto a = f.call("StartExecution", request);
            CHECK(a.body.is_object());
            auto l = f.call("ListExecutions", request);
            CHECK(l.body.is_object());
        }
    }
}

TEST_CASE("After shutdown every call is refused and waiting polls are answered", "[api]") {
    fixture f;
    f.create("a1", api_test::pass_machine());
    REQUIRE(f.call("CreateActivity", {{"name", "w"}}).status == 200);
    auto got = std::make_shared<std::optional<stepfn::api_reply>>();
    f.api.handle("GetActivityTask", R"({"activityArn":"arn:aws:states:us-east-1:123456789012:activity:w"})", {}, [got](stepfn::api_reply r) { *got = std::move(r); });
    f.executor.run();
    CHECK_FALSE(got->has_value());
    f.api.shutdown();
    f.executor.run();
    REQUIRE(got->has_value());
    CHECK((*got)->status == 200);
    auto after = f.call("ListStateMachines", json::object());
    CHECK(after.status == 503);
    CHECK(after.type() == "ServiceUnavailable");
}
} // namespace api_errors_test
