// JSONata states in the engine (docs/jsonata.md "In a state machine"): the compiled fields and
// their load-time problems with JSON Pointers, `$states`, the builder and the single-state
// runner. The data flow of each field is in the conformance cases (tests/data/conformance).
#include "catch.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <stepfn/build/builder.hpp>
#include <stepfn/expressions/jsonata_template.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/testing/test_state.hpp>

#include "engine_harness.hpp"

namespace query_language_engine_test {

using stepfn::json;

namespace {

// The pointers of a rejected definition's problems, in order.
std::vector<std::string> problem_pointers(const std::string& text) {
    auto m = stepfn::load_machine(text);
    std::vector<std::string> out;
    if (m) return out;
    for (const auto& p : m.error().problems) out.push_back(p.pointer);
    return out;
}

std::string problem_text(const std::string& text) {
    auto m = stepfn::load_machine(text);
    return m ? std::string() : m.error().cause;
}

} // namespace

TEST_CASE("JSONata fields: every problem at load time, each with its JSON Pointer", "[engine][query]") {
    const std::string text = R"({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "r",
              "Arguments": {"a": ["ok", "{% $states.input.( %}"], "b": "{% $states.result %}"},
              "TimeoutSeconds": "{% name %}",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $ %}", "Next": "C"}],
              "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Condition": "{% $$ %}", "Next": "F"}], "Default": "F"},
        "F": {"Type": "Fail", "Error": "{% $states.input.e + %}", "Cause": "literal"}}})";
    const auto pointers = problem_pointers(text);
    CHECK(pointers == std::vector<std::string>{"/States/T/Arguments/a/1", "/States/T/Arguments/b",
                                               "/States/T/TimeoutSeconds", "/States/T/Catch/0/Output",
                                               "/States/C/Choices/0/Condition", "/States/F/Error"});
    const std::string cause = problem_text(text);
    CHECK_THAT(cause, Catch::Matchers::Contains("The JSONata expression '$states.input.(' is not valid"));
    CHECK_THAT(cause, Catch::Matchers::Contains("'$states.result' is not available here"));
    CHECK_THAT(cause, Catch::Matchers::Contains("reads the context item"));
}

TEST_CASE("JSONata fields: JSONPath-only fields are refused in a JSONata state, and the reverse", "[engine][query]") {
    CHECK(problem_pointers(R"({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "InputPath": "$.a", "Parameters": {"x.$": "$.b"}, "End": true}}})") ==
          std::vector<std::string>{"/States/P/InputPath", "/States/P/Parameters"});
    CHECK(problem_pointers(R"({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": "{% 1 %}", "End": true}}})") == std::vector<std::string>{"/States/P/Output"});
    // A state may choose JSONata in a JSONPath machine, not the other way round.
    CHECK(problem_pointers(R"({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}})").size() == 1);
}

TEST_CASE("jsonata_template: expressions at any depth, $states bound over another environment", "[engine][query]") {
    auto t = stepfn::jsonata_template::compile(
        json::parse(R"({"n": "{% $count($states.input.xs) %}", "deep": [{"v": "{% $states.input.xs[1] %}"}], "s": "plain"})"),
        "/Output", "Output");
    REQUIRE(t);
    CHECK(t->reads(stepfn::states_member::input));
    CHECK_FALSE(t->reads(stepfn::states_member::context));
    CHECK_FALSE(t->is_expression());
    stepfn::empty_env base;
    stepfn::states_env env(base);
    env.set("input", json{{"xs", {1, 2, 3}}});
    auto out = env.evaluate(*t);
    REQUIRE(out);
    CHECK(*out == json::parse(R"({"n": 3, "deep": [{"v": 2}], "s": "plain"})"));
    // The input moves back out unchanged.
    CHECK(env.take("input") == json{{"xs", {1, 2, 3}}});

    auto whole = stepfn::jsonata_template::compile(json("{% $states %}"), "", "Output");
    REQUIRE(whole);
    CHECK(whole->reads(stepfn::states_member::context));  // conservative: $states whole
    auto literal = stepfn::jsonata_template::compile(json{{"a", {1, "x"}}}, "", "Output");
    REQUIRE(literal);
    CHECK(literal->is_literal());
}

TEST_CASE("JSONata machine built in code runs; $uuid and $random follow the engine's seed", "[engine][query]") {
    stepfn::machine_builder b;
    b.query_language(stepfn::query_language::jsonata);
    b.task("Quote").resource("quote").arguments(json{{"qty", "{% $states.input.qty %}"}})
        .output(json{{"total", "{% $states.result.price * $states.input.qty %}"}, {"id", "{% $uuid() %}"},
                     {"r", "{% $random() %}"}})
        .next("Route");
    b.choice("Route")
        .when(stepfn::jsonata_condition("{% $states.input.total > 100 %}").output("{% 'big' %}"), "Done")
        .default_("Done");
    b.succeed("Done");
    auto built = b.build();
    REQUIRE(built);
    auto run_once = [&](json input) {
        harness h;
        h.engine.invokers().add("quote", answer([](const stepfn::task_request& r) -> stepfn::result<json> {
            return json{{"price", 30}, {"asked", r.input}};
        }));
        auto e = h.engine.start(built->machine, std::move(input));
        REQUIRE(e);
        return e->wait();
    };
    auto big = run_once(json{{"qty", 4}});
    REQUIRE(big);
    CHECK(*big == "big");
    auto small = run_once(json{{"qty", 1}});
    auto again = run_once(json{{"qty", 1}});
    REQUIRE(small);
    REQUIRE(again);
    CHECK((*small)["total"] == 30);
    CHECK((*small)["id"].get<std::string>().size() == 36);
    CHECK(*small == *again);  // same seed, same uuid and random
}

TEST_CASE("test_state runs a JSONata Task: Arguments, the mocked result, Assign and Output", "[engine][query]") {
    auto machine = stepfn::load_machine(R"({"QueryLanguage": "JSONata", "StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": "pay",
                   "Arguments": {"amount": "{% $states.input.total %}", "limit": "{% $limit %}"},
                   "Assign": {"charged": "{% $states.result.id %}"},
                   "Output": {"id": "{% $states.result.id %}", "order": "{% $states.input.order %}"},
                   "Catch": [{"ErrorEquals": ["Declined"], "Output": {"why": "{% $states.errorOutput.Cause %}"},
                              "Next": "Declined"}],
                   "Next": "Done"},
        "Declined": {"Type": "Fail", "Error": "Declined"},
        "Done": {"Type": "Succeed"}}})");
    REQUIRE(machine);
    stepfn::testing::test_state_options options;
    options.input = json{{"total", 42}, {"order", "o1"}};
    options.variables = json{{"limit", 100}};
    options.result = json{{"id", "ch_1"}};
    auto r = stepfn::testing::test_state(*machine, "Charge", options);
    REQUIRE(r);
    CHECK(r->status == stepfn::testing::test_state_status::succeeded);
    CHECK(r->next_state == "Done");
    CHECK(r->output == json{{"id", "ch_1"}, {"order", "o1"}});
    CHECK(r->inspection.after_arguments == json{{"amount", 42}, {"limit", 100}});
    CHECK(r->inspection.result == json{{"id", "ch_1"}});
    CHECK(r->inspection.variables == json{{"limit", 100}, {"charged", "ch_1"}});
    CHECK(r->to_json()["inspectionData"]["afterArguments"] == json{{"amount", 42}, {"limit", 100}});

    stepfn::testing::test_state_options failing;
    failing.input = json{{"total", 42}, {"order", "o1"}};
    failing.variables = json{{"limit", 100}};
    failing.error_output = stepfn::error{"Declined", "card"};
    auto caught = stepfn::testing::test_state(*machine, "Charge", failing);
    REQUIRE(caught);
    INFO(caught->error << ": " << caught->cause);
    CHECK(caught->status == stepfn::testing::test_state_status::caught_error);
    CHECK(caught->output == json{{"why", "card"}});
    CHECK(caught->next_state == "Declined");
}

TEST_CASE("a JSONata evaluation error is recorded as an EvaluationFailed event naming the field", "[engine][query]") {
    harness h;
    auto r = h.run(R"({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Assign": {"x": "{% $states.input.missing %}"}, "End": true}}})");
    CHECK(r.status == stepfn::execution_status::failed);
    const auto types = h.types(r.arn);
    CHECK(types == std::vector<std::string>{"ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"});
    for (const auto& ev : h.sink->events(r.arn))
        if (ev.type == stepfn::event_type::evaluation_failed) {
            CHECK(ev.details["error"] == "States.QueryEvaluationError");
            CHECK(ev.details["location"] == "Assign/x");
            CHECK(ev.details["state"] == "P");
            CHECK(ev.details["cause"] == "The JSONata expression '$states.input.missing' specified for the field "
                                         "'Assign/x' returned nothing (undefined).");
        }

    // Caught: the event comes before the Catch's transition.
    harness caught;
    caught.engine.invokers().set_default(answer([](const stepfn::task_request&) -> stepfn::result<json> { return json(1); }));
    auto c = caught.run(R"({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "r", "Output": "{% $states.result.x.y %}",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}], "Next": "H"},
        "H": {"Type": "Succeed"}}})");
    CHECK(c.status == stepfn::execution_status::succeeded);
    const auto caught_types = caught.types(c.arn);
    auto at = std::find(caught_types.begin(), caught_types.end(), "EvaluationFailed");
    REQUIRE(at != caught_types.end());
    CHECK(*(at + 1) == "TaskStateExited");
}

// Outputs take from `$states.input` and `$states.result` what nothing reads after them, and a Task
// without Arguments is handed its input in place: what every other reader sees must not change.
TEST_CASE("JSONata Outputs that take from $states leave every other reader its value", "[engine][query]") {
    SECTION("Assign and Output reading the same path; the next state reading it again") {
        harness h;
        auto r = h.run(R"({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"o": "{% $states.input.order %}"},
                  "Output": {"order": "{% $states.input.order %}", "n": "{% $states.input.n %}"}, "Next": "B"},
            "B": {"Type": "Pass", "Output": {"v": "{% $o %}", "order": "{% $states.input.order %}",
                                             "again": "{% $states.input.order.id %}"}, "End": true}}})",
                       json::parse(R"({"order": {"id": "A-1"}, "n": 2})"));
        REQUIRE(r.value);
        CHECK(*r.value == json::parse(R"({"v": {"id": "A-1"}, "order": {"id": "A-1"}, "again": "A-1"})"));
    }
    SECTION("a Task without Arguments: its input in place, Retry starting again from it, the result merged") {
        harness h;
        std::vector<json> asked;
        h.engine.invokers().set_default(answer([&](const stepfn::task_request& req) -> stepfn::result<json> {
            asked.push_back(req.input_view());
            if (asked.size() == 1) return stepfn::make_error("Flaky", "once");
            return json{{"charged", req.input_view()["amount"]}};
        }));
        auto r = h.run(R"({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "charge", "TimeoutSeconds": "{% $states.input.t %}",
                  "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1}],
                  "Output": "{% $merge([$states.input, {'receipt': $states.result, 'a': $states.input.amount}]) %}",
                  "End": true}}})",
                       json::parse(R"({"amount": 5, "t": 30})"));
        REQUIRE(r.value);
        CHECK(*r.value == json::parse(R"({"amount": 5, "t": 30, "receipt": {"charged": 5}, "a": 5})"));
        REQUIRE(asked.size() == 2);
        CHECK(asked[0] == json::parse(R"({"amount": 5, "t": 30})"));
        CHECK(asked[1] == asked[0]);
    }
    SECTION("a Catch's Output after a Task handed its input in place") {
        harness h;
        h.engine.invokers().set_default(
            answer([](const stepfn::task_request&) -> stepfn::result<json> { return stepfn::make_error("Boom", "no"); }));
        auto r = h.run(R"({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "r", "Output": {"o": "{% $states.input.order %}", "r": "{% $states.result %}"},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H",
                             "Output": {"e": "{% $states.errorOutput.Error %}", "o": "{% $states.input.order %}"}}],
                  "End": true},
            "H": {"Type": "Succeed"}}})",
                       json::parse(R"({"order": "A-1"})"));
        REQUIRE(r.value);
        CHECK(*r.value == json::parse(R"({"e": "Boom", "o": "A-1"})"));
    }
    SECTION("a Choice and a Succeed without Output and Assign hand on their input, as their events show") {
        harness h;
        auto r = h.run(R"({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
            "C": {"Type": "Choice", "Default": "D",
                  "Choices": [{"Condition": "{% $states.input.n > 5 %}", "Output": {"big": true}, "Next": "D"},
                              {"Condition": "{% $states.input.n > 1 %}", "Next": "D"}]},
            "D": {"Type": "Succeed"}}})",
                       json::parse(R"({"n": 2, "x": [1, -0.0]})"));
        REQUIRE(r.value);
        CHECK(*r.value == json::parse(R"({"n": 2, "x": [1, -0.0]})"));
        std::vector<std::string> texts;
        for (const auto& ev : h.sink->events(r.arn)) {
            const json details = stepfn::details_of(ev);
            for (const char* key : {"input", "output"})
                if (details.contains(key) && ev.type != stepfn::event_type::execution_started) texts.push_back(details[key]);
        }
        CHECK(texts == std::vector<std::string>(5, R"({"n":2,"x":[1,-0.0]})"));
        // The rule with an Output gives its Output.
        auto big = h.run(R"({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
            "C": {"Type": "Choice", "Default": "D",
                  "Choices": [{"Condition": "{% $states.input.n > 5 %}", "Output": {"big": true}, "Next": "D"}]},
            "D": {"Type": "Succeed"}}})",
                         json{{"n", 9}});
        REQUIRE(big.value);
        CHECK(*big.value == json{{"big", true}});
    }
    SECTION("Map iterations and Parallel branches, each with its own input") {
        harness h;
        h.engine.invokers().set_default(answer([](const stepfn::task_request& req) -> stepfn::result<json> {
            return json{{"seen", req.input_view()["id"]}};
        }));
        auto r = h.run(R"({"QueryLanguage": "JSONata", "StartAt": "M", "States": {
            "M": {"Type": "Map", "Items": "{% $states.input.items %}", "Next": "P",
                  "Output": {"items": "{% $states.result %}", "tag": "{% $states.input.tag %}"},
                  "ItemProcessor": {"StartAt": "I", "States": {
                      "I": {"Type": "Pass", "Output": {"id": "{% $states.input.id %}", "k": "{% $states.input.k %}"}, "Next": "C"},
                      "C": {"Type": "Task", "Resource": "r",
                            "Output": "{% $merge([$states.input, {'r': $states.result}]) %}", "End": true}}}},
            "P": {"Type": "Parallel", "End": true,
                  "Branches": [
                      {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Output": {"t": "{% $states.input.tag %}"}, "End": true}}},
                      {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "Output": {"i": "{% $states.input.items %}",
                                                                                       "t": "{% $states.input.tag %}"}, "End": true}}}]}}})",
                       json::parse(R"({"items": [{"id": 1, "k": "a"}, {"id": 2, "k": "b"}, {"id": 3, "k": "c"}], "tag": "x"})"));
        REQUIRE(r.value);
        CHECK(*r.value == json::parse(R"([{"t": "x"}, {"i": [{"id": 1, "k": "a", "r": {"seen": 1}},
            {"id": 2, "k": "b", "r": {"seen": 2}}, {"id": 3, "k": "c", "r": {"seen": 3}}], "t": "x"}])"));
    }
}
} // namespace query_language_engine_test
