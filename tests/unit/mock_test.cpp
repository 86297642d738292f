#include "catch.hpp"

#include <stepfn/tasks/task_invoker.hpp>
#include <stepfn/testing/mock_config.hpp>
#include <stepfn/testing/mock_invoker.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mock_test_file {

namespace mock_test {

using stepfn::json;
using stepfn::testing::mock_config;
using stepfn::testing::mock_invoker;

class recording_target final : public stepfn::detail::completion_target {
public:
    void complete(stepfn::result<json> outcome) override {
        std::lock_guard lock(mutex_);
        if (!outcome_) outcome_ = std::move(outcome);
    }
    void heartbeat() override {}
    bool cancelled() const override { return false; }
    void on_cancel(std::function<void()>) override {}
    stepfn::result<json> outcome() const {
        std::lock_guard lock(mutex_);
        return outcome_ ? *outcome_ : stepfn::make_error("test", "not completed");
    }

private:
    mutable std::mutex mutex_;
    std::optional<stepfn::result<json>> outcome_;
};

stepfn::result<json> invoke(stepfn::task_invoker& invoker, const std::string& state,
                            const std::string& execution = "arn:aws:states:us-east-1:1:execution:M:e1") {
    stepfn::task_request request;
    request.resource = "arn:aws:lambda:us-east-1:123456789012:function:F";
    request.execution_id = execution;
    request.state_name = state;
    auto target = std::make_shared<recording_target>();
    invoker.invoke(std::move(request), stepfn::task_completion(target));
    return target->outcome();
}

void check_error(const stepfn::result<json>& outcome, const std::string& name, const std::string& cause) {
    REQUIRE_FALSE(outcome.has_value());
    CHECK(outcome.error().name == name);
    CHECK(outcome.error().cause == cause);
}

// The example from the AWS Step Functions Local documentation (MockConfigFile.json).
const char* const aws_example = R"({
  "StateMachines": {
    "LambdaSQSIntegration": {
      "TestCases": {
        "HappyPath": { "LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess" },
        "RetryPath": { "LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess" },
        "HybridPath": { "LambdaState": "MockedLambdaSuccess" }
      }
    }
  },
  "MockedResponses": {
    "MockedLambdaSuccess": {
      "0": { "Return": { "StatusCode": 200, "Payload": { "StatusCode": 200, "body": "Hello from Lambda!" } } }
    },
    "LambdaMockedResourceNotReady": {
      "0": { "Throw": { "Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready." } }
    },
    "MockedSQSSuccess": {
      "0": { "Return": { "MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
                         "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51" } }
    },
    "MockedLambdaRetry": {
      "0": { "Throw": { "Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready." } },
      "1-2": { "Throw": { "Error": "Lambda.TimeoutException", "Cause": "Lambda timed out." } },
      "3": { "Return": { "StatusCode": 200, "Payload": { "StatusCode": 200, "body": "Hello from Lambda!" } } }
    }
  }
})";

mock_config aws_config() {
    auto config = mock_config::parse_text(aws_example);
    REQUIRE(config.has_value());
    return *config;
}

std::vector<stepfn::diagnostic> problems_of(const json& document) {
    auto config = mock_config::parse(document);
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().name == "States.InvalidDefinition");
    return config.error().problems;
}

std::vector<stepfn::diagnostic> problems_of(const char* text) {
    return problems_of(json::parse(text));
}

json lambda_success() {
    return json{{"StatusCode", 200}, {"Payload", {{"StatusCode", 200}, {"body", "Hello from Lambda!"}}}};
}

} // namespace mock_test

using namespace mock_test;
using stepfn::diagnostic;

TEST_CASE("mock config: the AWS documentation example", "[mock]") {
    auto config = aws_config();
    CHECK(config.machine_names() == std::vector<std::string>{"LambdaSQSIntegration"});
    CHECK(config.test_case_names("LambdaSQSIntegration") ==
          std::vector<std::string>{"HappyPath", "HybridPath", "RetryPath"});
    CHECK(config.test_case_names("Other").empty());

    const auto* happy = config.find_case("LambdaSQSIntegration", "HappyPath");
    REQUIRE(happy != nullptr);
    CHECK(happy->machine == "LambdaSQSIntegration");
    CHECK(happy->name == "HappyPath");
    REQUIRE(happy->find("LambdaState") != nullptr);
    CHECK(happy->find("LambdaState")->name == "MockedLambdaSuccess");
    CHECK(happy->find("Nope") == nullptr);
    CHECK(config.find_case("LambdaSQSIntegration", "Nope") == nullptr);
    CHECK(config.find_case("Nope", "HappyPath") == nullptr);

    const auto* retry = config.find_response("MockedLambdaRetry");
    REQUIRE(retry != nullptr);
    REQUIRE(retry->entries.size() == 3);
    CHECK(retry->entries[1].first == 1);
    CHECK(retry->entries[1].last == 2);
    CHECK(retry->entries[1].throws);
    CHECK(retry->entries[1].error == "Lambda.TimeoutException");
    CHECK(retry->entries[1].cause == "Lambda timed out.");
    CHECK(retry->find(0) == &retry->entries[0]);
    CHECK(retry->find(2) == &retry->entries[1]);
    CHECK(retry->find(3) == &retry->entries[2]);
    CHECK(retry->find(4) == nullptr);
    CHECK(retry->entries[2].value == lambda_success());
    // Unreferenced responses are fine.
    CHECK(config.find_response("LambdaMockedResourceNotReady") != nullptr);
}

TEST_CASE("mock config: ranges are sorted, may leave gaps, and Return may be any JSON", "[mock]") {
    auto config = mock_config::parse(json::parse(R"({
      "StateMachines": { "M": { "TestCases": { "C": { "S": "R" } } } },
      "MockedResponses": { "R": {
        "10-12": { "Return": null },
        "0": { "Return": [1, 2] },
        "3-3": { "Return": "three" },
        "4-5": { "Return": false } } } })"));
    REQUIRE(config.has_value());
    const auto* r = config->find_response("R");
    REQUIRE(r != nullptr);
    REQUIRE(r->entries.size() == 4);
    CHECK(r->entries[0].first == 0);
    CHECK(r->entries[3].first == 10);
    CHECK(r->find(1) == nullptr);
    CHECK(r->find(3)->value == "three");
    CHECK(r->find(11)->value.is_null());
    CHECK_FALSE(r->find(11)->throws);
    CHECK(r->find(13) == nullptr);
}

TEST_CASE("mock config: every invalid shape is reported with its pointer", "[mock]") {
    SECTION("the document") {
        CHECK(problems_of(json::array()) ==
              std::vector<diagnostic>{{"", "a mock configuration must be a JSON object, not array"}});
        CHECK(problems_of("{}") == std::vector<diagnostic>{{"/MockedResponses", "required field is missing"},
                                                           {"/StateMachines", "required field is missing"}});
        CHECK(problems_of(R"({"StateMachines": [], "MockedResponses": 1, "Extra": 1})") ==
              std::vector<diagnostic>{
                  {"/Extra", "unknown field; a mock configuration has StateMachines and MockedResponses"},
                  {"/MockedResponses", "must be an object of mocked responses, not number"},
                  {"/StateMachines", "must be an object of state machines, not array"}});
    }
    SECTION("state machines and test cases") {
        CHECK(problems_of(R"({"StateMachines": {
              "A": 1,
              "B": {},
              "C": {"TestCases": [], "Comment": "x"},
              "D": {"TestCases": {"T1": "R", "T2": {"S1": 5, "S2": "Missing", "S3": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": 1}}}})") ==
              std::vector<diagnostic>{
                  {"/StateMachines/A", "a state machine entry must be an object with TestCases, not number"},
                  {"/StateMachines/B/TestCases", "required field is missing"},
                  {"/StateMachines/C/Comment", "unknown field; a state machine entry has TestCases"},
                  {"/StateMachines/C/TestCases", "must be an object of test cases, not array"},
                  {"/StateMachines/D/TestCases/T1",
                   "a test case must be an object of state name to mocked response name, not string"},
                  {"/StateMachines/D/TestCases/T2/S1", "must be the name of a mocked response, not number"},
                  {"/StateMachines/D/TestCases/T2/S2", "mocked response \"Missing\" is not defined in MockedResponses"}});
    }
    SECTION("pointers escape ~ and /") {
        CHECK(problems_of(R"({"StateMachines": {"a/b": {"TestCases": {"c~d": {"e/f~": "Missing"}}}},
                             "MockedResponses": {}})") ==
              std::vector<diagnostic>{{"/StateMachines/a~1b/TestCases/c~0d/e~1f~0",
                                       "mocked response \"Missing\" is not defined in MockedResponses"}});
    }
    SECTION("mocked responses and their entries") {
        CHECK(problems_of(R"({"StateMachines": {},
            "MockedResponses": {
              "NotObject": [],
              "Empty": {},
              "Keys": {"-1": {"Return": 1}, "1-": {"Return": 1}, " 2": {"Return": 1}, "a": {"Return": 1},
                       "3-2": {"Return": 1}, "1-2-3": {"Return": 1}, "99999999999999999999": {"Return": 1}},
              "Entries": {"0": 1, "1": {}, "2": {"Return": 1, "Throw": {"Error": "E", "Cause": "C"}},
                          "3": {"Return": 1, "Retrun": 2}},
              "Throws": {"0": {"Throw": "E"}, "1": {"Throw": {}}, "2": {"Throw": {"Error": 1, "Cause": null}},
                         "3": {"Throw": {"Error": "E", "Cause": "C", "Extra": 1}}}}})") ==
              std::vector<diagnostic>{
                  {"/MockedResponses/NotObject", "a mocked response must be an object of invocation numbers, not array"},
                  {"/MockedResponses/Empty", "a mocked response needs at least one invocation entry"},
                  {"/MockedResponses/Keys/-1", "\"-1\" is not an invocation number (\"n\") or an inclusive range (\"a-b\") of non-negative integers"},
                  {"/MockedResponses/Keys/1-", "\"1-\" is not an invocation number (\"n\") or an inclusive range (\"a-b\") of non-negative integers"},
                  {"/MockedResponses/Keys/ 2", "\" 2\" is not an invocation number (\"n\") or an inclusive range (\"a-b\") of non-negative integers"},
                  {"/MockedResponses/Keys/a", "\"a\" is not an invocation number (\"n\") or an inclusive range (\"a-b\") of non-negative integers"},
                  {"/MockedResponses/Keys/3-2", "the range \"3-2\" starts after it ends"},
                  {"/MockedResponses/Keys/1-2-3", "\"1-2-3\" is not an invocation number (\"n\") or an inclusive range (\"a-b\") of non-negative integers"},
                  {"/MockedResponses/Keys/99999999999999999999", "\"99999999999999999999\" is not an invocation number (\"n\") or an inclusive range (\"a-b\") of non-negative integers"},
                  {"/MockedResponses/Entries/0", "an invocation entry must be an object with Return or Throw, not number"},
                  {"/MockedResponses/Entries/1", "an invocation entry needs Return or Throw"},
                  {"/MockedResponses/Entries/2", "an invocation entry has exactly one of Return or Throw, not both"},
                  {"/MockedResponses/Entries/3/Retrun", "unknown field; an invocation entry has exactly one of Return or Throw"},
                  {"/MockedResponses/Throws/0/Throw", "Throw must be an object with Error and Cause, not string"},
                  {"/MockedResponses/Throws/1/Throw/Error", "required field is missing"},
                  {"/MockedResponses/Throws/2/Throw/Error", "must be a string, not number"},
                  {"/MockedResponses/Throws/2/Throw/Cause", "must be a string, not null"},
                  {"/MockedResponses/Throws/3/Throw/Extra", "unknown field; Throw has Error and Cause"}});
    }
    SECTION("overlapping ranges, including one hidden behind a long range") {
        CHECK(problems_of(R"({"StateMachines": {},
            "MockedResponses": {"R": {"0-10": {"Return": 1}, "2-3": {"Return": 2}, "5": {"Return": 3},
                                      "10-11": {"Return": 4}, "12": {"Return": 5}}}})") ==
              std::vector<diagnostic>{
                  {"/MockedResponses/R/2-3", "invocations overlap with \"0-10\" of the same response"},
                  {"/MockedResponses/R/5", "invocations overlap with \"0-10\" of the same response"},
                  {"/MockedResponses/R/10-11", "invocations overlap with \"0-10\" of the same response"}});
        CHECK(problems_of(R"({"StateMachines": {}, "MockedResponses": {"R": {"1": {"Return": 1}, "1-1": {"Return": 2}}}})") ==
              std::vector<diagnostic>{{"/MockedResponses/R/1-1", "invocations overlap with \"1\" of the same response"}});
    }
    SECTION("the cause lists every problem") {
        auto config = mock_config::parse(json::parse(R"({"StateMachines": 1, "MockedResponses": 2})"));
        REQUIRE_FALSE(config.has_value());
        CHECK(config.error().cause ==
              "/MockedResponses: must be an object of mocked responses, not number\n"
              "/StateMachines: must be an object of state machines, not number");
    }
}

TEST_CASE("mock config: select a test case", "[mock]") {
    auto config = aws_config();
    auto only = config.select("", "RetryPath");
    REQUIRE(only.has_value());
    CHECK((*only)->name == "RetryPath");
    CHECK((*only)->machine == "LambdaSQSIntegration");

    auto named = config.select("LambdaSQSIntegration", "HappyPath");
    REQUIRE(named.has_value());
    CHECK(*named == config.find_case("LambdaSQSIntegration", "HappyPath"));

    auto no_case = config.select("", "Missing");
    REQUIRE_FALSE(no_case.has_value());
    CHECK(no_case.error().cause ==
          "state machine \"LambdaSQSIntegration\" has no test case \"Missing\" in the mock configuration; available: "
          "\"HappyPath\", \"HybridPath\", \"RetryPath\"");

    auto no_machine = config.select("Orders", "HappyPath");
    REQUIRE_FALSE(no_machine.has_value());
    CHECK(no_machine.error().cause ==
          "the mock configuration has no state machine \"Orders\"; available: \"LambdaSQSIntegration\"");

    auto two = mock_config::parse(json::parse(R"({
        "StateMachines": {"B": {"TestCases": {}}, "A": {"TestCases": {}}}, "MockedResponses": {}})"));
    REQUIRE(two.has_value());
    auto ambiguous = two->select("", "T");
    REQUIRE_FALSE(ambiguous.has_value());
    CHECK(ambiguous.error().cause == "the mock configuration defines 2 state machines; name one of: \"A\", \"B\"");

    auto none = mock_config::parse(json::parse(R"({"StateMachines": {}, "MockedResponses": {}})"));
    REQUIRE(none.has_value());
    CHECK(none->select("", "T").error().cause == "the mock configuration defines 0 state machines; name one of: none");
}

TEST_CASE("mock config: load_file", "[mock]") {
    const std::string base = "/tmp/stepfn_mock_test_" + std::to_string(reinterpret_cast<std::uintptr_t>(&base));
    SECTION("a valid file") {
        const std::string path = base + "_valid.json";
        std::ofstream(path) << aws_example;
        auto config = mock_config::load_file(path);
        std::remove(path.c_str());
        REQUIRE(config.has_value());
        CHECK(config->machine_names() == std::vector<std::string>{"LambdaSQSIntegration"});
    }
    SECTION("a missing file") {
        auto config = mock_config::load_file(base + "_missing.json");
        REQUIRE_FALSE(config.has_value());
        CHECK(config.error().cause == "cannot open the mock configuration file \"" + base + "_missing.json\"");
    }
    SECTION("a file that is not JSON says where") {
        const std::string path = base + "_broken.json";
        std::ofstream(path) << "{\n  \"StateMachines\": {,\n}";
        auto config = mock_config::load_file(path);
        std::remove(path.c_str());
        REQUIRE_FALSE(config.has_value());
        CHECK(config.error().name == "States.InvalidDefinition");
        CHECK_THAT(config.error().cause, Catch::Matchers::Contains("mock configuration file \"" + path +
                                                                   "\": /: the mock configuration is not valid JSON"));
        CHECK_THAT(config.error().cause, Catch::Matchers::Contains("line 2"));
    }
    SECTION("a file with invalid shapes keeps its pointers") {
        const std::string path = base + "_invalid.json";
        std::ofstream(path) << R"({"StateMachines": {}, "MockedResponses": {"R": {"x": {"Return": 1}}}})";
        auto config = mock_config::load_file(path);
        std::remove(path.c_str());
        REQUIRE_FALSE(config.has_value());
        REQUIRE(config.error().problems.size() == 1);
        CHECK(config.error().problems[0].pointer == "/MockedResponses/R/x");
    }
}

TEST_CASE("mock invoker: answers in invocation order and fails past the last entry", "[mock]") {
    auto invoker = mock_invoker::create(aws_config(), "LambdaSQSIntegration", "RetryPath");
    REQUIRE(invoker.has_value());
    auto& mock = **invoker;
    check_error(invoke(mock, "LambdaState"), "Lambda.ResourceNotReadyException", "Lambda resource is not ready.");
    check_error(invoke(mock, "LambdaState"), "Lambda.TimeoutException", "Lambda timed out.");
    check_error(invoke(mock, "LambdaState"), "Lambda.TimeoutException", "Lambda timed out.");
    CHECK(*invoke(mock, "LambdaState") == lambda_success());
    check_error(invoke(mock, "LambdaState"), "States.Runtime",
                "mocked response \"MockedLambdaRetry\" has no entry for invocation 4 of state \"LambdaState\"");
    CHECK(mock.invocations("arn:aws:states:us-east-1:1:execution:M:e1", "LambdaState") == 5);

    // Each state counts on its own.
    CHECK(invoke(mock, "SQSState")->at("MessageId") == "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51");
    CHECK(mock.invocations("arn:aws:states:us-east-1:1:execution:M:e1", "SQSState") == 1);
}

TEST_CASE("mock invoker: counts are per execution, shared by its iterations", "[mock]") {
    auto config = mock_config::parse(json::parse(R"({
        "StateMachines": {"Orders": {"TestCases": {"HappyPath": {"Charge": "ChargeOk"}}}},
        "MockedResponses": {"ChargeOk": {"0": {"Return": "first"}, "1-2": {"Return": "again"}}}})"));
    REQUIRE(config.has_value());
    mock_invoker mock(*config, "Orders", "HappyPath");

    // Map iterations and Parallel branches carry their execution's id.
    CHECK(*invoke(mock, "Charge", "exec-1") == "first");
    CHECK(*invoke(mock, "Charge", "exec-1") == "again");
    CHECK(*invoke(mock, "Charge", "exec-2") == "first");
    CHECK(*invoke(mock, "Charge", "exec-1") == "again");
    check_error(invoke(mock, "Charge", "exec-1"), "States.Runtime",
                "mocked response \"ChargeOk\" has no entry for invocation 3 of state \"Charge\"");
    CHECK(mock.invocations("exec-1", "Charge") == 4);
    CHECK(mock.invocations("exec-2", "Charge") == 1);
    CHECK(mock.invocations("exec-3", "Charge") == 0);

    mock.forget("exec-1");
    CHECK(mock.invocations("exec-1", "Charge") == 0);
    CHECK(mock.invocations("exec-2", "Charge") == 1);
    CHECK(*invoke(mock, "Charge", "exec-1") == "first");
    mock.reset();
    CHECK(mock.invocations("exec-2", "Charge") == 0);
    CHECK(*invoke(mock, "Charge", "exec-2") == "first");
}

// Issue 13: Step Functions Local accepts a Throw without Cause; the error then has no cause.
TEST_CASE("mock invoker: a Throw without Cause fails with an empty cause", "[mock]") {
    auto config = mock_config::parse(json::parse(R"({
        "StateMachines": {"Orders": {"TestCases": {"Broken": {"Charge": "NoCause"}}}},
        "MockedResponses": {"NoCause": {"0": {"Throw": {"Error": "Payment.Declined"}}}}})"));
    REQUIRE(config.has_value());
    mock_invoker mock(*config, "Orders", "Broken");
    check_error(invoke(mock, "Charge"), "Payment.Declined", "");
}

TEST_CASE("mock invoker: unmocked states fail with States.Runtime or go to the fallback", "[mock]") {
    auto config = mock_config::parse(json::parse(R"({
        "StateMachines": {"Orders": {"TestCases": {"HappyPath": {"Charge": "ChargeOk"}}}},
        "MockedResponses": {"ChargeOk": {"0": {"Return": 1}}}})"));
    REQUIRE(config.has_value());

    mock_invoker strict(*config, "", "HappyPath");
    check_error(invoke(strict, "Ship"), "States.Runtime",
                "no mocked response for state \"Ship\" in test case \"HappyPath\" of state machine \"Orders\"");
    CHECK(strict.invocations("arn:aws:states:us-east-1:1:execution:M:e1", "Ship") == 0);

    class real_service final : public stepfn::task_invoker {
    public:
        void invoke(stepfn::task_request request, stepfn::task_completion done) override {
            done.succeed(json{{"real", request.state_name}});
        }
    };
    mock_invoker hybrid(*config, "Orders", "HappyPath", std::make_shared<real_service>());
    CHECK(*invoke(hybrid, "Ship") == json{{"real", "Ship"}});
    CHECK(*invoke(hybrid, "Charge") == 1);
}

TEST_CASE("mock invoker: a failed selection", "[mock]") {
    auto config = aws_config();
    auto created = mock_invoker::create(config, "LambdaSQSIntegration", "Nope");
    REQUIRE_FALSE(created.has_value());
    CHECK_THAT(created.error().cause, Catch::Matchers::Contains("has no test case \"Nope\""));

    // The constructor cannot return the error, so every invocation reports it.
    mock_invoker broken(config, "Nope", "HappyPath");
    check_error(invoke(broken, "LambdaState"), "States.Runtime",
                "the mock configuration has no state machine \"Nope\"; available: \"LambdaSQSIntegration\"");
}

TEST_CASE("mock invoker: concurrent invocations of one execution each get their own number",
          "[mock][concurrency]") {
    json responses = json::object();
    for (int i = 0; i < 200; ++i) responses[std::to_string(i)] = json{{"Return", i}};
    json document = {{"StateMachines", {{"M", {{"TestCases", {{"C", {{"Item", "Numbers"}}}}}}}}},
                     {"MockedResponses", {{"Numbers", responses}}}};
    auto config = mock_config::parse(document);
    REQUIRE(config.has_value());
    auto mock = mock_invoker::create(*config, "M", "C");
    REQUIRE(mock.has_value());

    std::mutex seen_mutex;
    std::vector<int> seen;
    std::vector<std::thread> iterations;
    for (int t = 0; t < 4; ++t) {
        iterations.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                auto outcome = invoke(**mock, "Item", "exec");
                std::lock_guard lock(seen_mutex);
                seen.push_back(outcome ? outcome->get<int>() : -1);
            }
        });
    }
    for (auto& t : iterations) t.join();
    std::sort(seen.begin(), seen.end());
    std::vector<int> expected(200);
    for (int i = 0; i < 200; ++i) expected[static_cast<std::size_t>(i)] = i;
    CHECK(seen == expected);
}
} // namespace mock_test_file
