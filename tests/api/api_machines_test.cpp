// CreateStateMachine, DescribeStateMachine, ListStateMachines, UpdateStateMachine,
// DeleteStateMachine, ValidateStateMachineDefinition and versions, with AWS's shapes.

#include "api/api_support.hpp"

namespace api_machines_test {

using api_test::fixture;
using stepfn::json;

TEST_CASE("CreateStateMachine answers the ARN and creation date; Describe shows it as AWS does", "[api]") {
    fixture f;
    json request = {{"name", "orders"}, {"definition", api_test::pass_machine().dump()}, {"roleArn", f.role},
                    {"tracingConfiguration", {{"enabled", true}}}};
    auto created = f.call("CreateStateMachine", request);
    REQUIRE(created.status == 200);
    CHECK(created.body["stateMachineArn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:orders");
    CHECK(created.body["creationDate"].is_number_float());
    CHECK_FALSE(created.body.contains("stateMachineVersionArn"));

    auto described = f.call("DescribeStateMachine", {{"stateMachineArn", created.body["stateMachineArn"]}});
    REQUIRE(described.status == 200);
    const json& d = described.body;
    CHECK(d["name"] == "orders");
    CHECK(d["status"] == "ACTIVE");
    CHECK(d["type"] == "STANDARD");
    CHECK(d["roleArn"] == f.role);
    CHECK(json::parse(d["definition"].get<std::string>()) == api_test::pass_machine());
    CHECK(d["creationDate"] == created.body["creationDate"]);
    CHECK(d["loggingConfiguration"] == json{{"level", "OFF"}, {"includeExecutionData", false}});
    CHECK(d["tracingConfiguration"] == json{{"enabled", true}});
    CHECK(d["revisionId"].get<std::string>().size() == 36);
}

TEST_CASE("CreateStateMachine is idempotent for the same machine and refuses a different one", "[api]") {
    fixture f;
    const std::string arn = f.create("m", api_test::pass_machine());
    auto again = f.call("CreateStateMachine", {{"name", "m"}, {"definition", api_test::pass_machine().dump()}, {"roleArn", f.role}});
    CHECK(again.status == 200);
    CHECK(again.body["stateMachineArn"] == arn);
    auto other = f.call("CreateStateMachine", {{"name", "m"}, {"definition", api_test::fail_machine().dump()}, {"roleArn", f.role}});
    CHECK(other.status == 400);
    CHECK(other.type() == "StateMachineAlreadyExists");
    CHECK(other.body["message"] == "State Machine Already Exists: '" + arn + "'");
}

TEST_CASE("CreateStateMachine refuses what AWS refuses", "[api]") {
    fixture f;
    const std::string def = api_test::pass_machine().dump();
    SECTION("an invalid definition lists every problem with its code and place") {
        auto a = f.call("CreateStateMachine", {{"name", "m"}, {"definition", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}})"}, {"roleArn", f.role}});
        CHECK(a.status == 400);
        CHECK(a.type() == "InvalidDefinition");
        const std::string message = a.body["message"];
        CHECK(message.rfind("Invalid State Machine Definition: '", 0) == 0);
        CHECK(message.find("MISSING_TRANSITION_TARGET") != std::string::npos);
        CHECK(message.find("at /States/A/Next") != std::string::npos);
        CHECK(message.find("MISSING_END_STATE") != std::string::npos);
    }
    SECTION("a bad name") {
        auto a = f.call("CreateStateMachine", {{"name", "has space"}, {"definition", def}, {"roleArn", f.role}});
        CHECK(a.type() == "InvalidName");
    }
    SECTION("no roleArn") {
        auto a = f.call("CreateStateMachine", {{"name", "m"}, {"definition", def}});
        CHECK(a.type() == "ValidationException");
        CHECK(a.body["message"] == "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    }
    SECTION("a role that is not an ARN") {
        CHECK(f.call("CreateStateMachine", {{"name", "m"}, {"definition", def}, {"roleArn", "role"}}).type() == "InvalidArn");
    }
    SECTION("an unknown type") {
        auto a = f.call("CreateStateMachine", {{"name", "m"}, {"definition", def}, {"roleArn", f.role}, {"type", "FAST"}});
        CHECK(a.type() == "ValidationException");
        CHECK(a.body["message"].get<std::string>().find("[STANDARD, EXPRESS]") != std::string::npos);
    }
    SECTION("a name of the wrong type") {
        auto a = f.call("CreateStateMachine", {{"name", 5}, {"definition", def}, {"roleArn", f.role}});
        CHECK(a.type() == "SerializationException");
    }
    SECTION("more than 50 tags") {
        json tags = json::array();
        for (int i = 0; i < 51; ++i) tags.push_back({{"key", "k" + std::to_string(i)}, {"value", "v"}});
        CHECK(f.call("CreateStateMachine", {{"name", "m"}, {"definition", def}, {"roleArn", f.role}, {"tags", tags}}).type() == "TooManyTags");
    }
    SECTION("a version description without publish") {
        auto a = f.call("CreateStateMachine", {{"name", "m"}, {"definition", def}, {"roleArn", f.role}, {"versionDescription", "v"}});
        CHECK(a.type() == "ValidationException");
    }
}

TEST_CASE("DescribeStateMachine names unknown machines and bad ARNs as AWS does", "[api]") {
    fixture f;
    auto missing = f.call("DescribeStateMachine", {{"stateMachineArn", "arn:aws:states:us-east-1:123456789012:stateMachine:nope"}});
    CHECK(missing.status == 400);
    CHECK(missing.type() == "StateMachineDoesNotExist");
    CHECK(missing.body["message"] == "State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:nope'");
    CHECK(f.call("DescribeStateMachine", {{"stateMachineArn", "not-an-arn"}}).type() == "InvalidArn");
    CHECK(f.call("DescribeStateMachine", {{"stateMachineArn", "arn:aws:states:us-east-1:123456789012:activity:a"}}).type() == "InvalidArn");
}

TEST_CASE("ListStateMachines pages in creation order", "[api]") {
    fixture f;
    for (int i = 0; i < 5; ++i) f.create("m" + std::to_string(i), api_test::pass_machine(), i % 2 ? "EXPRESS" : "STANDARD");
    std::vector<std::string> names;
    json request = {{"maxResults", 2}};
    int pages = 0;
    for (; pages < 10; ++pages) {
        auto page = f.call("ListStateMachines", request);
        REQUIRE(page.status == 200);
        CHECK(page.body["stateMachines"].size() <= 2);
        for (const auto& m : page.body["stateMachines"]) {
            names.push_back(m["name"]);
            CHECK(m["type"] == (names.size() % 2 == 0 ? "EXPRESS" : "STANDARD"));
            CHECK(m["creationDate"].is_number());
            CHECK(m.size() == 4);
        }
        if (!page.body.contains("nextToken")) break;
        request["nextToken"] = page.body["nextToken"];
    }
    CHECK(pages == 2);
    CHECK(names == std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"});
    CHECK(f.call("ListStateMachines", {{"maxResults", 1001}}).type() == "ValidationException");
    CHECK(f.call("ListStateMachines", {{"nextToken", "garbage"}}).type() == "InvalidToken");
}

TEST_CASE("UpdateStateMachine changes the revision and publishes versions", "[api]") {
    fixture f;
    auto created = f.call("CreateStateMachine", {{"name", "m"}, {"definition", api_test::pass_machine().dump()}, {"roleArn", f.role},
                                                 {"publish", true}, {"versionDescription", "first"}});
    REQUIRE(created.status == 200);
    const std::string arn = created.body["stateMachineArn"];
    CHECK(created.body["stateMachineVersionArn"] == arn + ":1");
    const std::string first_revision = f.call("DescribeStateMachine", {{"stateMachineArn", arn}}).body["revisionId"];

    auto updated = f.call("UpdateStateMachine", {{"stateMachineArn", arn}, {"definition", api_test::fail_machine().dump()}, {"publish", true}});
    REQUIRE(updated.status == 200);
    CHECK(updated.body["updateDate"].is_number());
    CHECK(updated.body["revisionId"] != first_revision);
    CHECK(updated.body["stateMachineVersionArn"] == arn + ":2");

    // Publishing an unchanged revision returns the version already published.
    auto same = f.call("UpdateStateMachine", {{"stateMachineArn", arn}, {"definition", api_test::fail_machine().dump()}, {"publish", true}});
    CHECK(same.body["stateMachineVersionArn"] == arn + ":2");

    auto v1 = f.call("DescribeStateMachine", {{"stateMachineArn", arn + ":1"}});
    REQUIRE(v1.status == 200);
    CHECK(v1.body["stateMachineArn"] == arn + ":1");
    CHECK(v1.body["description"] == "first");
    CHECK(json::parse(v1.body["definition"].get<std::string>()) == api_test::pass_machine());
    CHECK(v1.body["revisionId"] == first_revision);
    auto latest = f.call("DescribeStateMachine", {{"stateMachineArn", arn}});
    CHECK(json::parse(latest.body["definition"].get<std::string>()) == api_test::fail_machine());

    CHECK(f.call("UpdateStateMachine", {{"stateMachineArn", arn}}).type() == "MissingRequiredParameter");
    CHECK(f.call("UpdateStateMachine", {{"stateMachineArn", arn}, {"definition", "{}"}}).type() == "InvalidDefinition");
    CHECK(f.call("UpdateStateMachine", {{"stateMachineArn", arn + ":1"}, {"roleArn", f.role}}).type() == "InvalidArn");
    CHECK(f.call("DescribeStateMachine", {{"stateMachineArn", arn + ":9"}}).type() == "StateMachineDoesNotExist");
}

TEST_CASE("DeleteStateMachine removes the machine and its versions; deleting again is not an error", "[api]") {
    fixture f;
    auto created = f.call("CreateStateMachine", {{"name", "m"}, {"definition", api_test::pass_machine().dump()}, {"roleArn", f.role}, {"publish", true}});
    const std::string arn = created.body["stateMachineArn"];
    CHECK(f.call("DeleteStateMachine", {{"stateMachineArn", arn}}).status == 200);
    CHECK(f.call("DescribeStateMachine", {{"stateMachineArn", arn}}).type() == "StateMachineDoesNotExist");
    CHECK(f.call("DescribeStateMachine", {{"stateMachineArn", arn + ":1"}}).type() == "StateMachineDoesNotExist");
    CHECK(f.call("DeleteStateMachine", {{"stateMachineArn", arn}}).status == 200);
    CHECK(f.call("ListStateMachines", json::object()).body["stateMachines"].empty());
    // The name is free again.
    f.create("m", api_test::fail_machine());
}

TEST_CASE("ValidateStateMachineDefinition answers OK or FAIL with AWS's diagnostics", "[api]") {
    fixture f;
    auto ok = f.call("ValidateStateMachineDefinition", {{"definition", api_test::pass_machine().dump()}});
    REQUIRE(ok.status == 200);
    CHECK(ok.body == json{{"result", "OK"}, {"diagnostics", json::array()}, {"truncated", false}});

    auto bad = f.call("ValidateStateMachineDefinition", {{"definition", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}})"}});
    REQUIRE(bad.status == 200);
    CHECK(bad.body["result"] == "FAIL");
    REQUIRE(bad.body["diagnostics"].size() == 2);
    const json& d = bad.body["diagnostics"][1];
    CHECK(d["severity"] == "ERROR");
    CHECK(d["code"] == "MISSING_TRANSITION_TARGET");
    CHECK(d["location"] == "/States/A/Next");
    CHECK(bad.body["diagnostics"][0]["code"] == "MISSING_END_STATE");

    auto not_json = f.call("ValidateStateMachineDefinition", {{"definition", "{nope"}});
    CHECK(not_json.body["diagnostics"][0]["code"] == "INVALID_JSON_DESCRIPTION");
    auto truncated = f.call("ValidateStateMachineDefinition", {{"definition", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}})"}, {"maxResults", 1}});
    CHECK(truncated.body["diagnostics"].size() == 1);
    CHECK(truncated.body["truncated"] == true);
    CHECK(f.call("ValidateStateMachineDefinition", json::object()).type() == "ValidationException");
}

TEST_CASE("EXPRESS machines may not use .sync, .waitForTaskToken or activities, as AWS", "[api][express]") {
    fixture f;
    const std::string def = R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"Job","States":{"Job":{"Type":"Task","Resource":"arn:aws:states:::glue:startJobRun.sync","End":true}}},
        {"StartAt":"Act","States":{"Act":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}}}]}}})";
    auto validated = f.call("ValidateStateMachineDefinition", {{"definition", def}, {"type", "EXPRESS"}});
    REQUIRE(validated.status == 200);
    CHECK(validated.body["result"] == "FAIL");
    REQUIRE(validated.body["diagnostics"].size() == 2);
    CHECK(validated.body["diagnostics"][0] ==
          json{{"severity", "ERROR"}, {"code", "SCHEMA_VALIDATION_FAILED"},
               {"message", "Express state machine does not support '.sync' service integration"},
               {"location", "/States/P/Branches/0/States/Job/Resource"}});
    CHECK(validated.body["diagnostics"][1]["message"] == "Express state machine does not support Activity ARN");
    CHECK(f.call("ValidateStateMachineDefinition", {{"definition", def}}).body["result"] == "OK");
    auto created = f.call("CreateStateMachine", {{"name", "x"}, {"definition", def}, {"roleArn", f.role}, {"type", "EXPRESS"}});
    CHECK(created.type() == "InvalidDefinition");
    // Updating an EXPRESS machine to such a definition is refused the same way.
    const std::string machine = f.create("x", api_test::pass_machine(), "EXPRESS");
    CHECK(f.call("UpdateStateMachine", {{"stateMachineArn", machine}, {"definition", def}}).type() == "InvalidDefinition");
}
} // namespace api_machines_test
