// TestState-style runs of one state: each state type, mocked results and errors, the data at
// each stage, retry and catch decisions, variables, states inside Parallel and Map.
#include "catch.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <stepfn/load/loader.hpp>
#include <stepfn/testing/test_state.hpp>

namespace test_state_test {

using stepfn::json;
using stepfn::testing::test_state;
using stepfn::testing::test_state_options;
using stepfn::testing::test_state_status;

namespace {

stepfn::state_machine load_machine(const std::string& text) {
    auto m = stepfn::load_machine(text);
    if (!m) {
        std::string problems;
        for (const auto& p : m.error().problems) problems += p.pointer + ": " + p.message + "\n";
        FAIL("definition rejected: " << m.error().cause << "\n" << problems);
    }
    return *m;
}

const char* const shop = R"({
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "InputPath": "$.order",
      "Parameters": {"amount.$": "$.total", "currency": "EUR"},
      "ResultSelector": {"id.$": "$.Payload.id"},
      "ResultPath": "$.charge",
      "OutputPath": "$.charge",
      "Retry": [{"ErrorEquals": ["Payment.Timeout"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}],
      "Catch": [{"ErrorEquals": ["Payment.Declined"], "ResultPath": "$.error", "Next": "Declined"},
                {"ErrorEquals": ["Payment.Timeout"], "Next": "Charge"}],
      "Next": "Route"
    },
    "Route": {
      "Type": "Choice",
      "InputPath": "$.order",
      "Choices": [{"Variable": "$.total", "NumericGreaterThan": 100, "Next": "Review"},
                  {"Variable": "$.total", "NumericLessThan": 0, "Next": "Declined"}],
      "Default": "Ship"
    },
    "Review": {"Type": "Wait", "Seconds": 604800, "Next": "Ship"},
    "Ship": {"Type": "Pass", "Result": {"carrier": "DHL"}, "ResultPath": "$.shipping", "Next": "Done"},
    "Declined": {"Type": "Fail", "Error": "Order.Declined", "Cause": "the card was declined"},
    "Done": {"Type": "Succeed", "OutputPath": "$.shipping"}
  }
})";

test_state_options given(json input, std::optional<json> result = std::nullopt) {
    test_state_options options;
    options.input = std::move(input);
    options.result = std::move(result);
    return options;
}

} // namespace

TEST_CASE("test_state: a Task's data flow, stage by stage", "[test_state]") {
    const auto machine = load_machine(shop);
    test_state_options options;
    options.input = json{{"order", {{"total", 42}, {"sku", "A1"}}}};
    options.result = json{{"Payload", {{"id", "ch_1"}, {"extra", true}}}};
    auto r = test_state(machine, "Charge", options);
    REQUIRE(r);
    CHECK(r->status == test_state_status::succeeded);
    CHECK(r->next_state == "Route");
    CHECK(r->output == json{{"id", "ch_1"}});
    CHECK(r->error.empty());
    CHECK_FALSE(r->decision);

    const auto& data = r->inspection;
    CHECK(data.input == options.input);
    CHECK(data.after_input_path == json{{"total", 42}, {"sku", "A1"}});
    CHECK(data.after_parameters == json{{"amount", 42}, {"currency", "EUR"}});
    CHECK(data.result == *options.result);
    CHECK(data.after_result_selector == json{{"id", "ch_1"}});
    // ResultPath applies to the raw input, not to what InputPath selected.
    CHECK(data.after_result_path == json{{"order", {{"total", 42}, {"sku", "A1"}}}, {"charge", {{"id", "ch_1"}}}});
    CHECK_FALSE(data.variables);
    CHECK(data.stages.at("output") == json{{"id", "ch_1"}});

    const json aws = r->to_json();
    CHECK(aws["status"] == "SUCCEEDED");
    CHECK(aws["nextState"] == "Route");
    CHECK(aws["output"] == json{{"id", "ch_1"}});
    CHECK(aws["inspectionData"]["afterParameters"] == json{{"amount", 42}, {"currency", "EUR"}});
    CHECK_FALSE(aws.contains("error"));
}

TEST_CASE("test_state: errors are retriable, caught or failed, with the decision", "[test_state]") {
    const auto machine = load_machine(shop);
    test_state_options options;
    options.input = json{{"order", {{"total", 42}}}};

    SECTION("a retrier matches: RETRIABLE, stopped before the retry") {
        options.error_output = stepfn::error{"Payment.Timeout", "gateway slow"};
        const auto began = std::chrono::steady_clock::now();
        auto r = test_state(machine, "Charge", options);
        CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(1));
        REQUIRE(r);
        CHECK(r->status == test_state_status::retriable);
        CHECK(r->error == "Payment.Timeout");
        CHECK(r->cause == "gateway slow");
        CHECK(r->next_state.empty());
        CHECK(r->inspection.retry_index == std::size_t{0});
        CHECK(r->inspection.retry_backoff_seconds == 2.0);
        CHECK_FALSE(r->inspection.catch_index);
        CHECK(r->history.expect_attempts("Charge", 1));
        CHECK(r->to_json()["inspectionData"]["errorDetails"] == json{{"retryIndex", 0}, {"retryBackoffIntervalSeconds", 2.0}});
        CHECK_FALSE(r->to_json().contains("output"));
    }
    SECTION("retries already made lengthen the back-off") {
        options.error_output = stepfn::error{"Payment.Timeout", "gateway slow"};
        options.retrier_retry_count = 2;
        auto r = test_state(machine, "Charge", options);
        REQUIRE(r);
        CHECK(r->status == test_state_status::retriable);
        CHECK(r->inspection.retry_backoff_seconds == 8.0);
        REQUIRE(r->decision);
        CHECK(r->decision->retry_count == 2);
        CHECK(r->history.expect_attempts("Charge", 3));
    }
    SECTION("the retrier exhausted: the catcher back to the state itself is the next state") {
        options.error_output = stepfn::error{"Payment.Timeout", "gateway slow"};
        options.retrier_retry_count = 3;
        auto r = test_state(machine, "Charge", options);
        REQUIRE(r);
        CHECK(r->status == test_state_status::caught_error);
        CHECK(r->next_state == "Charge");
        CHECK(r->inspection.catch_index == std::size_t{1});
        CHECK(r->output == json{{"Error", "Payment.Timeout"}, {"Cause", "gateway slow"}});
        CHECK(r->history.expect_attempts("Charge", 4));
    }
    SECTION("a catcher matches: CAUGHT_ERROR with the catcher's Next and output") {
        options.error_output = stepfn::error{"Payment.Declined", "card expired"};
        auto r = test_state(machine, "Charge", options);
        REQUIRE(r);
        CHECK(r->status == test_state_status::caught_error);
        CHECK(r->next_state == "Declined");
        CHECK(r->error == "Payment.Declined");
        CHECK(r->cause == "card expired");
        CHECK(r->inspection.catch_index == std::size_t{0});
        CHECK(r->output ==
              json{{"order", {{"total", 42}}}, {"error", {{"Error", "Payment.Declined"}, {"Cause", "card expired"}}}});
        CHECK(r->to_json()["status"] == "CAUGHT_ERROR");
    }
    SECTION("nothing matches: FAILED") {
        options.error_output = stepfn::error{"Inventory.Empty", "no stock"};
        auto r = test_state(machine, "Charge", options);
        REQUIRE(r);
        CHECK(r->status == test_state_status::failed);
        CHECK(r->error == "Inventory.Empty");
        CHECK(r->cause == "no stock");
        CHECK(r->next_state.empty());
        REQUIRE(r->decision);
        CHECK(r->decision->action == stepfn::error_decision::kind::fail);
    }
}

TEST_CASE("test_state: Choice reports the rule's target or the Default", "[test_state]") {
    const auto machine = load_machine(shop);
    auto route = [&](int total) {
        test_state_options options;
        options.input = json{{"order", {{"total", total}}}};
        auto r = test_state(machine, "Route", options);
        REQUIRE(r);
        return *r;
    };
    auto big = route(500);
    CHECK(big.status == test_state_status::succeeded);
    CHECK(big.next_state == "Review");
    CHECK(big.output == json{{"total", 500}});
    CHECK(big.inspection.after_input_path == json{{"total", 500}});
    CHECK(route(-1).next_state == "Declined");
    CHECK(route(5).next_state == "Ship");

    auto unmatched = test_state(load_machine(R"({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Y"}]},
        "Y": {"Type": "Succeed"}}})"),
                                "C");
    REQUIRE(unmatched);
    CHECK(unmatched->status == test_state_status::failed);
    CHECK(unmatched->error == "States.NoChoiceMatched");
}

TEST_CASE("test_state: Wait, Pass, Succeed and Fail", "[test_state]") {
    const auto machine = load_machine(shop);
    test_state_options options;
    options.input = json{{"order", {{"total", 1}}}};

    const auto began = std::chrono::steady_clock::now();
    auto wait = test_state(machine, "Review", options);
    CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(1));  // a week of Wait
    REQUIRE(wait);
    CHECK(wait->status == test_state_status::succeeded);
    CHECK(wait->next_state == "Ship");
    CHECK(wait->output == options.input);
    CHECK(wait->history.count(stepfn::event_type::wait_state_exited) == 1);

    auto pass = test_state(machine, "Ship", options);
    REQUIRE(pass);
    CHECK(pass->next_state == "Done");
    CHECK(pass->output == json{{"order", {{"total", 1}}}, {"shipping", {{"carrier", "DHL"}}}});
    CHECK(pass->inspection.result == json{{"carrier", "DHL"}});
    CHECK(pass->inspection.after_result_path == pass->output);

    options.input = json{{"shipping", "by sea"}};
    auto done = test_state(machine, "Done", options);
    REQUIRE(done);
    CHECK(done->status == test_state_status::succeeded);
    CHECK(done->next_state.empty());
    CHECK(done->output == "by sea");

    auto declined = test_state(machine, "Declined", options);
    REQUIRE(declined);
    CHECK(declined->status == test_state_status::failed);
    CHECK(declined->error == "Order.Declined");
    CHECK(declined->cause == "the card was declined");
    CHECK(declined->to_json()["status"] == "FAILED");
}

TEST_CASE("test_state: Parallel and Map run their inner states with mocks, or are mocked whole", "[test_state]") {
    const auto machine = load_machine(R"({
      "StartAt": "Fan",
      "States": {
        "Fan": {"Type": "Parallel", "ResultSelector": {"a.$": "$[0]", "b.$": "$[1]"}, "Next": "Each",
          "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Task", "Resource": "left", "End": true}}},
            {"StartAt": "Right", "States": {"Right": {"Type": "Task", "Resource": "right", "End": true}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "ResultPath": "$.done", "End": true,
          "ItemProcessor": {"StartAt": "Price", "States": {
            "Price": {"Type": "Task", "Resource": "price", "ResultSelector": {"p.$": "$.p"}, "Next": "Tag"},
            "Tag": {"Type": "Pass", "Parameters": {"tagged.$": "$.p"}, "End": true}}}}
      }
    })");

    SECTION("Parallel with its branch tasks mocked") {
        test_state_options options;
        options.mock("Left").returns(1);
        options.mock("Right").returns(2);
        auto r = test_state(machine, "Fan", options);
        REQUIRE(r);
        CHECK(r->status == test_state_status::succeeded);
        CHECK(r->next_state == "Each");
        CHECK(r->inspection.result == json::array({1, 2}));
        CHECK(r->output == json{{"a", 1}, {"b", 2}});
        CHECK(r->history.expect_visited_in_order({"Fan", "Left"}));
    }
    SECTION("Parallel mocked whole: the branches do not run") {
        test_state_options options;
        options.result = json::array({"x", "y"});
        auto r = test_state(machine, "Fan", options);
        REQUIRE(r);
        CHECK(r->output == json{{"a", "x"}, {"b", "y"}});
        CHECK(r->history.expect_not_visited("Left"));
    }
    SECTION("Map with its processor's task mocked per item") {
        test_state_options options;
        options.input = json{{"items", {"a", "b"}}};
        options.mock("Price").returns(json{{"p", 10}}).returns(json{{"p", 20}});
        auto r = test_state(machine, "Each", options);
        REQUIRE(r);
        CHECK(r->status == test_state_status::succeeded);
        CHECK(r->next_state.empty());
        CHECK(r->output == json{{"items", {"a", "b"}}, {"done", {{{"tagged", 10}}, {{"tagged", 20}}}}});
        CHECK(r->inspection.result == json::array({json{{"tagged", 10}}, json{{"tagged", 20}}}));
        CHECK(r->history.expect_task_inputs("Price", {"a", "b"}));
    }
    SECTION("a state inside a Map processor, tested on its own") {
        test_state_options options;
        options.input = "a";
        options.result = json{{"p", 7}, {"noise", 1}};
        auto r = test_state(machine, "Price", options);
        REQUIRE(r);
        CHECK(r->next_state == "Tag");
        CHECK(r->output == json{{"p", 7}});
        auto tag = test_state(machine, "Tag", given(json{{"p", 7}}));
        REQUIRE(tag);
        CHECK(tag->output == json{{"tagged", 7}});
        CHECK(tag->inspection.after_parameters == json{{"tagged", 7}});
    }
}

TEST_CASE("test_state: variables in scope and variables assigned", "[test_state]") {
    {
        const auto machine = load_machine(R"({"StartAt": "Quote", "States": {
          "Quote": {"Type": "Task", "Resource": "quote", "Parameters": {"limit.$": "$limit", "qty.$": "$.qty"},
                    "Assign": {"lastQuote.$": "$.price"}, "End": true}}})");
        test_state_options options;
        options.input = json{{"qty", 3}};
        options.variables = json{{"limit", 100}};
        options.result = json{{"price", 30}};
        auto r = test_state(machine, "Quote", options);
        REQUIRE(r);
        CHECK(r->status == test_state_status::succeeded);
        CHECK(r->inspection.after_parameters == json{{"limit", 100}, {"qty", 3}});
        CHECK(r->inspection.variables == json{{"limit", 100}, {"lastQuote", 30}});
        CHECK(r->inspection.input == json{{"qty", 3}});
        CHECK(r->to_json()["inspectionData"]["variables"] == json{{"limit", 100}, {"lastQuote", 30}});
    }
}

TEST_CASE("test_state: a state given as JSON on its own", "[test_state]") {
    auto r = test_state(json::parse(R"({"Type": "Task", "Resource": "r", "ResultPath": "$.out", "Next": "Later"})"),
                        given(json{{"in", 1}}, json("answer")));
    REQUIRE(r);
    CHECK(r->status == test_state_status::succeeded);
    CHECK(r->next_state == "Later");
    CHECK(r->output == json{{"in", 1}, {"out", "answer"}});

    auto bad = test_state(json::parse(R"({"Type": "Task", "End": true})"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().name == "ValidationException");
    CHECK_THAT(bad.error().cause, Catch::Matchers::Contains("Resource"));
}

TEST_CASE("test_state: requests that cannot run say why", "[test_state]") {
    const auto machine = load_machine(shop);
    auto unknown = test_state(machine, "Nope");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().name == "ValidationException");
    CHECK(unknown.error().cause == "the state machine has no state \"Nope\"");

    test_state_options mocked_pass;
    mocked_pass.result = json(1);
    auto pass = test_state(machine, "Ship", mocked_pass);
    REQUIRE_FALSE(pass);
    CHECK(pass.error().cause ==
          "a mocked result or error applies to a Task, Parallel or Map state, and \"Ship\" is a Pass state");

    test_state_options bad_variables;
    bad_variables.variables = json::array({1});
    CHECK_FALSE(test_state(machine, "Ship", bad_variables));

    // An unmocked Task with no invoker fails the way a workflow_test reports it.
    auto unmocked = test_state(machine, "Charge", given(json{{"order", {{"total", 1}}}}));
    REQUIRE(unmocked);
    CHECK(unmocked->status == test_state_status::failed);
    CHECK(unmocked->error == "States.Runtime");
    CHECK_THAT(unmocked->cause, Catch::Matchers::Contains("the test mocks no answer for state \"Charge\""));
}
} // namespace test_state_test
