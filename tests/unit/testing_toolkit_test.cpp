// The testing toolkit: the workflow harness (mocks by state name, virtual time, seeds, runs
// observed half-way) and the history checks with their messages.
#include "catch.hpp"

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <stepfn/testing/catch2.hpp>
#include <stepfn/testing/harness.hpp>
#include <stepfn/testing/history_view.hpp>

namespace testing_toolkit_test {

using stepfn::json;
using stepfn::execution_status;
using stepfn::testing::workflow_test;

namespace {

workflow_test make_test(const std::string& asl, stepfn::testing::harness_options options = {}) {
    auto test = workflow_test::from_text(asl, options);
    if (!test) FAIL("definition rejected: " << test.error().cause);
    return std::move(*test);
}

struct toolkit_invoker final : stepfn::task_invoker {
    std::function<void(stepfn::task_request, stepfn::task_completion)> fn;
    explicit toolkit_invoker(std::function<void(stepfn::task_request, stepfn::task_completion)> f) : fn(std::move(f)) {}
    void invoke(stepfn::task_request request, stepfn::task_completion done) override {
        fn(std::move(request), std::move(done));
    }
};

const char* const order_flow = R"({
  "StartAt": "Wait a day",
  "States": {
    "Wait a day": {"Type": "Wait", "Seconds": 86400, "Next": "Charge"},
    "Charge": {
      "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
      "Parameters": {"order.$": "$.order", "attempt.$": "$$.State.RetryCount"},
      "Retry": [{"ErrorEquals": ["Payment.Timeout"], "IntervalSeconds": 3600, "MaxAttempts": 3, "BackoffRate": 2}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}],
      "ResultPath": "$.charge",
      "Next": "Done"
    },
    "Refund": {"Type": "Task", "Resource": "refund", "Parameters": {"order.$": "$.order"}, "ResultPath": null, "Next": "Failed"},
    "Failed": {"Type": "Fail", "Error": "Order.Failed", "Cause": "payment never went through"},
    "Done": {"Type": "Succeed"}
  }
})";

} // namespace

TEST_CASE("a day of Wait, three retries with an hour of back-off and a Catch take no real time", "[testing]") {
    auto test = make_test(order_flow);
    test.mock("Charge").throws("Payment.Timeout", "gateway slow").times(4);
    test.mock("Refund").returns(json{{"refunded", true}});

    const auto began = std::chrono::steady_clock::now();
    auto run = test.run(json{{"order", 42}});
    const auto real = std::chrono::steady_clock::now() - began;

    CHECK(real < std::chrono::seconds(1));
    CHECK(run.status == execution_status::failed);
    CHECK(run.failure.name == "Order.Failed");
    CHECK(run.failure.cause == "payment never went through");
    // 1 day of Wait, then 1 h + 2 h + 4 h of back-off.
    CHECK(run.virtual_elapsed == std::chrono::seconds(86400 + 3600 + 7200 + 14400));

    CHECK(run.history.expect_visited({"Wait a day", "Charge", "Refund", "Failed"}));
    CHECK(run.history.expect_entered("Charge", 1));
    CHECK(run.history.expect_attempts("Charge", 4));
    CHECK(run.history.expect_task_inputs("Charge", {json{{"order", 42}, {"attempt", 0}}, json{{"order", 42}, {"attempt", 1}},
                                                     json{{"order", 42}, {"attempt", 2}}, json{{"order", 42}, {"attempt", 3}}}));
    CHECK(run.history.expect_task_input("Refund", json{{"order", 42}}));
    CHECK(run.history.task_errors("Charge").size() == 4);
    CHECK(run.history.task_errors("Charge")[0] == "Payment.Timeout: gateway slow");
}

TEST_CASE("a scripted mock answers in order and then repeats its last answer", "[testing]") {
    auto test = make_test(order_flow);
    test.mock("Charge").throws("Payment.Timeout").times(2).returns(json{{"id", "ch_1"}});

    auto run = test.run(json{{"order", 7}});
    REQUIRE(run.succeeded());
    CHECK(run.output == json{{"order", 7}, {"charge", {{"id", "ch_1"}}}});
    CHECK(run.virtual_elapsed == std::chrono::seconds(86400 + 3600 + 7200));
    CHECK(run.history.expect_visited({"Wait a day", "Charge", "Done"}));
    CHECK(run.history.expect_not_visited("Refund"));

    // Each execution counts its own invocations: the second run gets the same answers.
    auto again = test.run(json{{"order", 8}});
    CHECK(again.succeeded());
    CHECK(again.history.expect_attempts("Charge", 3));

    SECTION("the last answer repeats") {
        test.mock("Charge").returns(json{{"id", "same"}});
        auto map = make_test(R"({"StartAt": "Each", "States": {"Each": {"Type": "Map", "MaxConcurrency": 1,
            "ItemProcessor": {"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "charge", "End": true}}},
            "End": true}}})");
        map.mock("Charge").returns(1).returns(2);
        auto r = map.run(json::array({"a", "b", "c", "d"}));
        REQUIRE(r.succeeded());
        CHECK(r.output == json::array({1, 2, 2, 2}));
        CHECK(r.history.expect_entered("Charge", 4));
    }
    SECTION("strict: an invocation past the script is an error of the test setup") {
        test.mock("Charge").throws("Payment.Timeout").strict();
        auto r = test.run(json{{"order", 9}});
        CHECK(r.status == execution_status::failed);
        CHECK(r.failure.name == "States.Runtime");
        CHECK_THAT(r.failure.cause, Catch::Matchers::Contains("has no entry for invocation 1 of state \"Charge\""));
    }
}

TEST_CASE("a mistake in the mocks fails the run with States.Runtime, which no Catch hides", "[testing]") {
    auto test = make_test(order_flow);
    SECTION("a state with neither a mock nor an invoker") {
        auto run = test.run(json{{"order", 1}});
        CHECK(run.status == execution_status::failed);
        CHECK(run.failure.name == "States.Runtime");
        CHECK_THAT(run.failure.cause,
                   Catch::Matchers::Contains("the test mocks no answer for state \"Charge\" and no invoker is registered "
                                             "for its resource \"arn:aws:lambda:us-east-1:123456789012:function:charge\""));
        CHECK(run.history.expect_visited({"Wait a day", "Charge"}));
    }
    SECTION("a mock replaced by an empty script") {
        test.mock("Charge").returns(json{{"id", 1}});
        test.mock("Charge");
        auto run = test.run(json{{"order", 1}});
        CHECK(run.failure.name == "States.Runtime");
        CHECK_THAT(run.failure.cause,
                   Catch::Matchers::Contains("mocked response \"Charge\" has no entry for invocation 0 of state \"Charge\""));
    }
}

TEST_CASE("real invokers by state name and by resource sit beside the mocks", "[testing]") {
    auto test = make_test(order_flow);
    std::vector<json> charged;
    test.invoke_state_with("Charge", std::make_shared<toolkit_invoker>([&](stepfn::task_request r, stepfn::task_completion done) {
                               charged.push_back(r.input);
                               done.succeed(json{{"by", "state"}});
                           }));
    test.mock("Charge").returns("the state invoker wins");
    test.resources().add("refund", std::make_shared<toolkit_invoker>(
                                       [](stepfn::task_request, stepfn::task_completion done) { done.succeed(nullptr); }));
    auto run = test.run(json{{"order", 5}});
    REQUIRE(run.succeeded());
    CHECK(run.output["charge"] == json{{"by", "state"}});
    REQUIRE(charged.size() == 1);
    CHECK(charged[0] == json{{"order", 5}, {"attempt", 0}});
}

TEST_CASE("a Step Functions Local mock file drives the harness", "[testing]") {
    auto config = stepfn::testing::mock_config::parse(json::parse(R"({
      "StateMachines": {"Orders": {"TestCases": {
        "Declined": {"Charge": "DeclinedCharge", "Refund": "Refunded"},
        "Happy": {"Charge": "Charged"}}}},
      "MockedResponses": {
        "DeclinedCharge": {"0": {"Throw": {"Error": "Payment.Declined", "Cause": "card expired"}}},
        "Refunded": {"0": {"Return": {"ok": true}}},
        "Charged": {"0": {"Return": {"id": "ch_9"}}}}
    })"));
    REQUIRE(config);
    auto test = make_test(order_flow);

    REQUIRE(test.use_mocks(*config, "Declined"));
    auto declined = test.run(json{{"order", 1}});
    CHECK(declined.failure.name == "Order.Failed");
    CHECK(declined.history.expect_visited({"Wait a day", "Charge", "Refund", "Failed"}));
    CHECK(declined.history.expect_attempts("Charge", 1));  // Payment.Declined is not retried

    REQUIRE(test.use_mocks(*config, "Happy", "Orders"));
    auto happy = test.run(json{{"order", 2}});
    CHECK(happy.succeeded());
    CHECK(happy.output["charge"] == json{{"id", "ch_9"}});

    auto missing = test.use_mocks(*config, "Sad");
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().cause, Catch::Matchers::Contains("has no test case \"Sad\""));
    CHECK_FALSE(test.load_mock_file("/nonexistent/mocks.json", "Happy"));
}

TEST_CASE("time can be advanced by hand to observe an execution half-way", "[testing]") {
    auto test = make_test(order_flow);
    test.mock("Charge").throws("Payment.Timeout").returns(json{{"id", 3}});
    auto started = test.start(json{{"order", 3}}, "by-hand");
    REQUIRE(started);
    auto& run = *started;
    CHECK(run.arn() == "arn:aws:states:us-east-1:123456789012:execution:StateMachine:by-hand");

    run.run_ready();
    CHECK(run.status() == execution_status::running);
    CHECK(run.current_states() == std::vector<std::string>{"Wait a day"});

    run.advance(std::chrono::hours(23));
    CHECK(run.current_states() == std::vector<std::string>{"Wait a day"});
    CHECK(run.history().expect_not_visited("Charge"));

    run.advance(std::chrono::hours(1));  // the Wait ends; the first attempt fails; back-off of an hour
    CHECK(run.current_states() == std::vector<std::string>{"Charge"});
    CHECK(run.history().expect_attempts("Charge", 1));

    run.advance(std::chrono::minutes(59));
    CHECK(run.history().expect_attempts("Charge", 1));
    run.advance(std::chrono::minutes(1));
    CHECK(run.done());
    CHECK(run.status() == execution_status::succeeded);
    CHECK(run.history().expect_attempts("Charge", 2));

    auto result = run.finish();
    CHECK(result.succeeded());
    CHECK(result.virtual_elapsed == std::chrono::hours(25));
}

TEST_CASE("the seed makes jitter and random intrinsics repeatable", "[testing]") {
    const char* asl = R"asl({"StartAt": "Roll", "States": {
      "Roll": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()", "n.$": "States.MathRandom(1, 1000000)"}, "Next": "Flaky"},
      "Flaky": {"Type": "Task", "Resource": "flaky", "ResultPath": null, "End": true,
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 2, "JitterStrategy": "FULL"}]}}})asl";
    auto run_with = [&](std::uint64_t seed) {
        stepfn::testing::harness_options options;
        options.seed = seed;
        auto test = make_test(asl, options);
        test.mock("Flaky").throws("Boom").times(2).returns(nullptr);
        return test.run();
    };
    auto first = run_with(7);
    auto second = run_with(7);
    auto other = run_with(8);
    REQUIRE(first.succeeded());
    CHECK(first.output == second.output);
    CHECK(first.virtual_elapsed == second.virtual_elapsed);
    CHECK(first.virtual_elapsed < std::chrono::seconds(10 + 20));  // full jitter shortens the back-off
    CHECK(first.output != other.output);
}

TEST_CASE("a task that never completes is reported as stalled, not waited on forever", "[testing]") {
    stepfn::testing::harness_options options;
    options.stall_timeout = std::chrono::milliseconds(20);
    auto test = make_test(R"({"StartAt": "Hang", "States": {"Hang": {"Type": "Task", "Resource": "hang", "End": true}}})", options);
    std::vector<stepfn::task_completion> kept;
    test.invoke_state_with("Hang", std::make_shared<toolkit_invoker>(
                                       [&](stepfn::task_request, stepfn::task_completion done) { kept.push_back(std::move(done)); }));
    auto run = test.run();
    CHECK(run.status == execution_status::running);
    CHECK(run.failure.name == "Testing.Stalled");
    CHECK_THAT(run.failure.cause, Catch::Matchers::Contains("states in progress: [\"Hang\"]"));
    kept.clear();  // dropping the handle fails the attempt
}

TEST_CASE("virtual time waits for an invoker answering from another thread before its Task's timeout fires", "[testing]") {
    const char* definition =
        R"({"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "slow", "TimeoutSeconds": 5, "End": true}}})";
    auto run_with = [&](bool wait_for_invokers) {
        stepfn::testing::harness_options options;
        options.wait_for_invokers = wait_for_invokers;
        auto test = make_test(definition, options);
        std::vector<std::thread> answering;
        test.invoke_state_with("Slow", std::make_shared<toolkit_invoker>([&](stepfn::task_request, stepfn::task_completion done) {
            answering.emplace_back([d = std::move(done)]() mutable {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                d.succeed(json{{"answered", true}});
            });
        }));
        auto run = test.run();
        for (auto& t : answering) t.join();
        return run;
    };
    SECTION("by default: the answer arrives, in no virtual time") {
        auto run = run_with(true);
        REQUIRE(run.succeeded());
        CHECK(run.output == json{{"answered", true}});
        CHECK(run.virtual_elapsed < std::chrono::seconds(5));
    }
    SECTION("wait_for_invokers = false: time jumps to the timeout at once") {
        auto run = run_with(false);
        CHECK(run.status == execution_status::failed);
        CHECK(run.failure.name == "States.Timeout");
    }
}

TEST_CASE("an invoker that holds its handle is taken as hung after stall_timeout, and its Task times out", "[testing]") {
    stepfn::testing::harness_options options;
    options.stall_timeout = std::chrono::milliseconds(20);
    auto test = make_test(R"({"StartAt": "Hang", "States": {"Hang": {"Type": "Task", "Resource": "hang", "TimeoutSeconds": 30,
        "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Gave up"}], "End": true}, "Gave up": {"Type": "Pass", "End": true}}})",
                          options);
    std::vector<stepfn::task_completion> kept;
    test.invoke_state_with("Hang", std::make_shared<toolkit_invoker>(
                                       [&](stepfn::task_request, stepfn::task_completion done) { kept.push_back(std::move(done)); }));
    auto run = test.run();
    REQUIRE(run.succeeded());
    CHECK(run.virtual_elapsed == std::chrono::seconds(30));
    CHECK(run.history.expect_visited({"Hang", "Gave up"}));
}

TEST_CASE("history checks pass quietly and fail with messages a reader can follow", "[testing][history]") {
    auto test = make_test(order_flow);
    test.mock("Charge").throws("Payment.Timeout", "slow").times(2).returns(json{{"id", 1}});
    auto run = test.run(json{{"order", 1}});
    const auto& h = run.history;
    REQUIRE(run.succeeded());

    CHECK(h.states_visited() == std::vector<std::string>{"Wait a day", "Charge", "Done"});
    CHECK(h.times_entered("Charge") == 1);
    CHECK(h.attempts("Charge") == 3);
    CHECK(h.inputs_of("Done") == std::vector<json>{json{{"order", 1}, {"charge", {{"id", 1}}}}});
    CHECK(h.outputs_of("Wait a day") == std::vector<json>{json{{"order", 1}}});
    // Charge's resource is a Lambda function ARN: AWS writes LambdaFunction* events for it.
    CHECK(h.count(stepfn::event_type::lambda_function_failed) == 2);
    CHECK(h.count(stepfn::event_type::task_failed) == 0);
    CHECK(h.expect_visited_in_order({"Wait a day", "Done"}));

    auto wrong_order = h.expect_visited({"Wait a day", "Refund", "Done"});
    CHECK_FALSE(wrong_order);
    CHECK(wrong_order.message == "expected the states visited to be [\"Wait a day\", \"Refund\", \"Done\"]\n"
                                 "  but they were [\"Wait a day\", \"Charge\", \"Done\"]\n"
                                 "  the 2nd state was \"Charge\", not \"Refund\"");
    CHECK(h.expect_visited({"Wait a day"}).message ==
          "expected the states visited to be [\"Wait a day\"]\n  but they were [\"Wait a day\", \"Charge\", \"Done\"]\n"
          "  after the 1 expected state(s) it went on to \"Charge\"");
    CHECK(h.expect_visited({"Wait a day", "Charge", "Done", "Archive"}).message ==
          "expected the states visited to be [\"Wait a day\", \"Charge\", \"Done\", \"Archive\"]\n"
          "  but they were [\"Wait a day\", \"Charge\", \"Done\"]\n"
          "  the execution stopped after 3 state(s); the next expected was \"Archive\"");

    CHECK(h.expect_visited_in_order({"Done", "Charge"}).message ==
          "expected the states [\"Done\", \"Charge\"] to be visited in this order\n"
          "  but they were [\"Wait a day\", \"Charge\", \"Done\"]\n  \"Charge\" was not visited after \"Done\"");
    CHECK(h.expect_visited_in_order({"Refund"}).message ==
          "expected the states [\"Refund\"] to be visited in this order\n"
          "  but they were [\"Wait a day\", \"Charge\", \"Done\"]\n  \"Refund\" was never visited");

    CHECK(h.expect_not_visited("Charge").message ==
          "expected state \"Charge\" not to be visited\n  but it was entered 1 time; the states visited were "
          "[\"Wait a day\", \"Charge\", \"Done\"]");
    CHECK(h.expect_entered("Charge", 2).message ==
          "expected state \"Charge\" to be entered 2 times\n  but it was entered 1 time; the states visited were "
          "[\"Wait a day\", \"Charge\", \"Done\"]");
    CHECK(h.expect_attempts("Charge", 1).message ==
          "expected task \"Charge\" to be invoked 1 time\n  but it was invoked 3 times; its failures were:\n"
          "    Payment.Timeout: slow\n    Payment.Timeout: slow");
    CHECK(h.expect_task_input("Charge", json{{"order", 2}}).message ==
          "expected task \"Charge\" to receive {\"order\":2} on its 1st invocation\n"
          "  but it received {\"order\":1,\"attempt\":0}\n"
          "  first difference at /order: expected 2 but found 1");
    CHECK(h.expect_task_input("Charge", json{{"order", 1}}, 3).message ==
          "expected task \"Charge\" to receive {\"order\":1} on its 4th invocation\n  but it was invoked only 3 times");
    CHECK(h.expect_task_input("Refund", json{{"order", 1}}).message ==
          "expected task \"Refund\" to receive {\"order\":1} on its 1st invocation\n"
          "  but it was never invoked; the states visited were [\"Wait a day\", \"Charge\", \"Done\"]");
    CHECK(h.expect_task_inputs("Refund", {json{{"order", 1}}}).message ==
          "expected task \"Refund\" to receive, in order:\n    {\"order\":1}\n  but it was never invoked");
    CHECK(h.expect_task_input("Charge", json{{"order", 1}, {"attempt", 2}}, 2));

    const std::string listing = h.describe();
    CHECK_THAT(listing, Catch::Matchers::Contains("ExecutionStarted\n"));
    CHECK_THAT(listing, Catch::Matchers::Contains("LambdaFunctionFailed Charge: Payment.Timeout: slow\n"));
    CHECK_THAT(listing, Catch::Matchers::Contains("LambdaFunctionSucceeded Charge\n"));
}

TEST_CASE("task inputs compare as JSON values: key order aside, with the first difference named", "[testing][history]") {
    auto test = make_test(order_flow);
    test.mock("Charge").returns(json{{"id", 1}});
    auto run = test.run(json{{"order", 1}});
    REQUIRE(run.succeeded());
    const auto& h = run.history;
    // The task received {"order":1,"attempt":0}: the same members in another order match, and
    // a number matches the same number written as a float.
    CHECK(h.expect_task_input("Charge", json{{"attempt", 0}, {"order", 1.0}}));
    CHECK(h.expect_task_inputs("Charge", {json{{"attempt", 0}, {"order", 1}}}));
    CHECK_THAT(run.history, stepfn::testing::received("Charge", json{{"attempt", 0}, {"order", 1}}));

    CHECK_THAT(h.expect_task_input("Charge", json{{"attempt", 0}}).message,
               Catch::Matchers::Contains("first difference at /order: unexpected member 1"));
    CHECK_THAT(h.expect_task_input("Charge", json{{"attempt", 0}, {"order", 1}, {"x/y", true}}).message,
               Catch::Matchers::Contains("first difference at /x~1y: missing member (expected true)"));
    CHECK_THAT(h.expect_task_inputs("Charge", {json{{"order", "1"}, {"attempt", 0}}}).message,
               Catch::Matchers::Contains("first difference of the 1st invocation at /order: expected \"1\" (a string) but "
                                         "found 1 (a number)"));
    CHECK_FALSE(h.expect_task_inputs("Charge", {json{{"order", 1}, {"attempt", 0}}, json{{"order", 1}, {"attempt", 1}}}));

    // A check prints as its message, so a plain CHECK(...) explains itself under Catch2 v2 too.
    std::ostringstream printed;
    printed << h.expect_entered("Charge", 2);
    CHECK(printed.str() == "\n  " + h.expect_entered("Charge", 2).message);
}

TEST_CASE("first_difference walks documents in order, iteratively", "[testing]") {
    using stepfn::testing::first_difference;
    CHECK_FALSE(first_difference(json::parse(R"({"a":[1,{"b":2,"c":null}],"d":"x"})"),
                                 json::parse(R"({"d":"x","a":[1.0,{"c":null,"b":2}]})")));
    auto d = first_difference(json::parse(R"({"a":[1,{"b":2}],"z":1})"), json::parse(R"({"z":2,"a":[1,{"b":3}]})"));
    REQUIRE(d);
    CHECK(d->text() == "at /a/1/b: expected 2 but found 3");  // expected's order: /a before /z
    CHECK(first_difference(json::array({1, 2}), json::array({1}))->text() == "at the top: expected 2 items but found 1");
    CHECK(first_difference(json{{"a~b", 1}}, json{{"a~b", 2}})->pointer == "/a~0b");
    // Nesting far past any stack a recursive walk could take.
    json deep_a = 1, deep_b = 2;
    for (int i = 0; i < 200000; ++i) {
        json wrap_a = json::array();
        wrap_a.push_back(std::move(deep_a));
        deep_a = std::move(wrap_a);
        json wrap_b = json::array();
        wrap_b.push_back(std::move(deep_b));
        deep_b = std::move(wrap_b);
    }
    auto deep = first_difference(deep_a, deep_b);
    REQUIRE(deep);
    CHECK(deep->what == "expected 1 but found 2");
    // nlohmann's destructor of a 200,000-deep value is iterative, so these go away safely.
}

TEST_CASE("history of Parallel branches counts every branch's states", "[testing][history]") {
    auto test = make_test(R"({"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Task", "Resource": "x", "End": true}}},
        {"StartAt": "Right", "States": {"Right": {"Type": "Task", "Resource": "x", "End": true}}}]}}})");
    test.mock("Left").returns("L");
    test.mock("Right").returns("R");
    auto run = test.run(json{{"k", 1}});
    REQUIRE(run.succeeded());
    CHECK(run.output == json::array({"L", "R"}));
    CHECK(run.history.expect_entered("Left", 1));
    CHECK(run.history.expect_task_input("Right", json{{"k", 1}}));
    CHECK(run.history.expect_visited_in_order({"Both", "Left"}));
    CHECK(run.history.expect_visited_in_order({"Both", "Right"}));
}

TEST_CASE("the Catch2 matchers wrap the history checks", "[testing][history]") {
    auto test = make_test(order_flow);
    test.mock("Charge").throws("Payment.Timeout", "slow").returns(json{{"id", 1}});
    auto run = test.run(json{{"order", 1}});
    REQUIRE(run.succeeded());

    using namespace stepfn::testing;
    CHECK_THAT(run.history, visited({"Wait a day", "Charge", "Done"}));
    CHECK_THAT(run.history, visited_in_order({"Charge", "Done"}));
    CHECK_THAT(run.history, not_visited("Refund"));
    CHECK_THAT(run.history, entered("Charge", 1));
    CHECK_THAT(run.history, attempted("Charge", 2));
    CHECK_THAT(run.history, received("Charge", json{{"order", 1}, {"attempt", 1}}, 1));

    auto wrong = attempted("Charge", 5);
    CHECK(wrong.describe() == "invoked task \"Charge\" 5 times");
    CHECK_FALSE(wrong.match(run.history));
    CHECK(wrong.describe() == "\n  expected task \"Charge\" to be invoked 5 times\n  but it was invoked 2 times; its "
                              "failures were:\n    Payment.Timeout: slow");
    CHECK(Catch::StringMaker<history_view>::convert(run.history) ==
          "history visiting [\"Wait a day\", \"Charge\", \"Done\"]");
}
} // namespace testing_toolkit_test
