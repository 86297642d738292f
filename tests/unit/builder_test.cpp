// The code-first builder: the ASL it writes, the diagnostics it shares with the loader, and
// Task states bound to callables running on an engine.
#include "catch.hpp"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/build/builder.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/virtual_clock.hpp>

#include "examples/builder/order_flow.hpp"

namespace builder_test {

using stepfn::json;

namespace {

json read_json_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str(), nullptr, false);
}

// Equal as values (key order aside), as nlohmann's sorted json compares them.
bool same_value(const json& a, const json& b) { return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump()); }

struct run_result {
    std::string status;
    stepfn::result<json> output;
};

run_result run(const stepfn::machine_bundle& bundle, json input = json::object()) {
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock);
    bundle.register_on(engine.invokers());
    auto execution = engine.start(bundle.machine, std::move(input));
    REQUIRE(execution);
    auto output = execution->wait();
    return {stepfn::to_string(execution->status()), std::move(output)};
}

} // namespace

TEST_CASE("builder: the order example in code is the JSON example", "[builder]") {
    order_example::services services;
    auto built = order_example::order_flow(services).build();
    REQUIRE(built);
    const json from_file = read_json_file(STEPFN_EXAMPLES_DIR "/order-flow/definition.asl.json");
    REQUIRE_FALSE(from_file.is_discarded());
    CHECK(same_value(built->machine.source(), from_file));
    // The model too: same states in the same order, same resolved transitions.
    auto loaded = stepfn::load_machine_json(from_file);
    REQUIRE(loaded);
    REQUIRE(built->machine.top().states.size() == loaded->top().states.size());
    for (std::size_t i = 0; i < loaded->top().states.size(); ++i) {
        const auto& a = built->machine.top().states[i];
        const auto& b = loaded->top().states[i];
        CHECK(a.name == b.name);
        CHECK(a.type() == b.type());
        CHECK(a.next.has_value() == b.next.has_value());
        if (a.next && b.next) CHECK(a.next->index == b.next->index);
    }
    // Three Tasks share the Lambda resource: one dispatching invoker for it.
    REQUIRE(built->invokers.size() == 1);
    CHECK(built->invokers[0].first == "arn:aws:states:::lambda:invoke");
}

TEST_CASE("builder: bound Tasks run their own callables, even on a shared Resource", "[builder]") {
    order_example::services services;
    std::vector<std::string> calls;
    services.charge = [&](const json& in) -> json {
        calls.push_back("charge " + in["Payload"]["orderId"].get<std::string>());
        return {{"Payload", {{"transactionId", "tx-1"}, {"status", "OK"}}}};
    };
    services.ship = [&](const json& in) -> json {
        const auto function = in["FunctionName"].get<std::string>();
        calls.push_back("ship " + function.substr(function.rfind(':') + 1));
        return {{"Payload", {{"trackingNumber", "T1"}, {"carrier", "C"}}}};
    };
    services.refund = [&](const json&) -> json {
        calls.push_back("refund");
        return json::object();
    };
    auto built = order_example::order_flow(services).build();
    REQUIRE(built);
    const json input = read_json_file(STEPFN_EXAMPLES_DIR "/order-flow/input.json");
    auto outcome = run(*built, input);
    CHECK(outcome.status == "SUCCEEDED");
    REQUIRE(outcome.output);
    CHECK((*outcome.output)["status"] == "SHIPPED");
    CHECK((*outcome.output)["trackingNumber"] == "T1");
    CHECK(calls == std::vector<std::string>{"charge ord-1001", "ship ship-order"});
}

TEST_CASE("builder: a bound callable's task_error reaches Catch", "[builder]") {
    order_example::services services;
    services.charge = [](const json&) -> json { throw stepfn::task_error("Payment.Declined", "no funds"); };
    auto built = order_example::order_flow(services).build();
    REQUIRE(built);
    auto outcome = run(*built, read_json_file(STEPFN_EXAMPLES_DIR "/order-flow/input.json"));
    CHECK(outcome.status == "FAILED");
    REQUIRE_FALSE(outcome.output);
    CHECK(outcome.output.error().name == "Order.PaymentDeclined");
}

TEST_CASE("builder: the JSON it writes", "[builder]") {
    stepfn::machine_builder b;
    b.comment("demo").timeout_seconds(60);
    b.pass("First").result(json{{"x", 1}}).result_path("$.r").next("Second");
    b.wait("Second").seconds_path("$.delay").output_path(nullptr).next("Third");
    b.task("Third")
        .resource("r")
        .timeout_seconds(10)
        .heartbeat_seconds_path("$.hb")
        .retry(stepfn::retry_rule({"States.Timeout"}).max_delay_seconds(5).jitter(stepfn::jitter_strategy::full))
        .retry(stepfn::retry_rule({"States.ALL"}).backoff_rate(1.5))
        .catch_(stepfn::catch_rule({"States.ALL"}, "Oops").result_path(nullptr).comment("keep the input"))
        .end();
    b.fail("Oops").error_path("$.e").cause("bad");

    const json expected = json::parse(R"({
      "Comment": "demo", "TimeoutSeconds": 60, "StartAt": "First",
      "States": {
        "First": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "Second"},
        "Second": {"Type": "Wait", "SecondsPath": "$.delay", "OutputPath": null, "Next": "Third"},
        "Third": {"Type": "Task", "Resource": "r", "TimeoutSeconds": 10, "HeartbeatSecondsPath": "$.hb",
                  "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxDelaySeconds": 5, "JitterStrategy": "FULL"},
                            {"ErrorEquals": ["States.ALL"], "BackoffRate": 1.5}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops", "ResultPath": null, "Comment": "keep the input"}],
                  "End": true},
        "Oops": {"Type": "Fail", "ErrorPath": "$.e", "Cause": "bad"}
      }})");
    CHECK(b.to_json() == expected);  // ordered: keys in the order they were set
    auto built = b.build();
    REQUIRE(built);
    CHECK(built->machine.source() == expected);
    CHECK(built->invokers.empty());
}

TEST_CASE("builder: choice rules of every form", "[builder][choice]") {
    using stepfn::variable;
    stepfn::machine_builder b;
    b.choice("C")
        .when(variable("$.s").string_matches("a*"), "Yes")
        .when(stepfn::or_({variable("$.n").numeric_equals_path("$.m"), variable("$.t").timestamp_less_than("2024-01-01T00:00:00Z")}),
              "Yes")
        .when(variable("$.b").is_present(false).assign(json{{"seen", false}}).comment("absent"), "No")
        .when(variable("$.x").test("BooleanEquals", true), "Yes")
        .default_("No");
    b.succeed("Yes");
    b.succeed("No");
    const json choices = b.to_json()["States"]["C"]["Choices"];
    CHECK(choices[0] == json::parse(R"({"Variable": "$.s", "StringMatches": "a*", "Next": "Yes"})"));
    CHECK(choices[1] == json::parse(R"({"Or": [{"Variable": "$.n", "NumericEqualsPath": "$.m"},
        {"Variable": "$.t", "TimestampLessThan": "2024-01-01T00:00:00Z"}], "Next": "Yes"})"));
    CHECK(choices[2] == json::parse(R"({"Variable": "$.b", "IsPresent": false, "Assign": {"seen": false},
        "Comment": "absent", "Next": "No"})"));
    CHECK(b.to_json()["States"]["C"]["Default"] == "No");
    auto built = b.build();
    REQUIRE(built);
    auto yes = run(*built, json{{"s", "abc"}});
    CHECK(yes.status == "SUCCEEDED");
}

TEST_CASE("builder: a mistake gets the loader's diagnostic, pointer and all", "[builder]") {
    stepfn::machine_builder b;
    b.task("Charge").resource("pay").next("Chrage");
    b.succeed("Done");
    auto built = b.build();
    REQUIRE_FALSE(built);
    auto from_json = stepfn::load_machine_json(b.to_json());
    REQUIRE_FALSE(from_json);
    CHECK(built.error().name == "States.InvalidDefinition");
    CHECK(built.error().problems == from_json.error().problems);
    CHECK(built.error().cause == from_json.error().cause);
    CHECK_THAT(built.error().cause, Catch::Matchers::Contains("/States/Charge/Next"));
}

TEST_CASE("builder: field-level mistakes are the loader's too", "[builder]") {
    stepfn::machine_builder b;
    b.pass("P").input_path("not a path").field("Bogus", 1).end();
    auto built = b.build();
    REQUIRE_FALSE(built);
    auto from_json = stepfn::load_machine_json(b.to_json());
    REQUIRE_FALSE(from_json);
    CHECK(built.error().problems == from_json.error().problems);
    CHECK(built.error().problems.size() >= 2);
}

TEST_CASE("builder: a name declared with two types in one scope", "[builder]") {
    stepfn::machine_builder b;
    b.pass("A").end();
    b.succeed("A");  // a different handle, never written
    auto built = b.build();
    REQUIRE_FALSE(built);
    REQUIRE(built.error().problems.size() == 1);
    CHECK(built.error().problems[0].pointer == "/States/A");
    CHECK(built.error().problems[0].message == "state \"A\" is declared as a Pass and again as a Succeed in this scope");
}

TEST_CASE("builder: declaring the same state again reopens it", "[builder]") {
    stepfn::machine_builder b;
    b.pass("A").result(1);
    b.pass("B").end();
    b.pass("A").next("B");
    const json a = b.to_json()["States"]["A"];
    CHECK(a == json::parse(R"({"Type": "Pass", "Result": 1, "Next": "B"})"));
    CHECK(b.to_json()["StartAt"] == "A");
    b.start_at("B");
    CHECK(b.to_json()["StartAt"] == "B");
}

TEST_CASE("builder: an empty builder is the loader's problem", "[builder]") {
    stepfn::machine_builder b;
    auto built = b.build();
    REQUIRE_FALSE(built);
    auto from_json = stepfn::load_machine_json(b.to_json());
    REQUIRE_FALSE(from_json);
    CHECK(built.error().problems == from_json.error().problems);
}

TEST_CASE("builder: Parallel branches and Map processors, with nested bindings", "[builder]") {
    stepfn::machine_builder b;
    auto fan = b.parallel("Fan");
    fan.branch().task("Left").resource("double").end().bind([](const json& in) { return json(in.get<int>() * 2); });
    auto& right = fan.branch();
    right.comment("the right branch");
    right.pass("Right").result("r").end();
    fan.result_path("$.both").next("Each");
    b.map("Each")
        .items_path("$.items")
        .max_concurrency(1)
        .item_selector(json{{"v.$", "$$.Map.Item.Value"}, {"i.$", "$$.Map.Item.Index"}})
        .processor_mode(stepfn::map_mode::inline_)
        .result_path("$.each")
        .end()
        .item_processor()
        .task("Inc")
        .resource("inc")
        .end()
        .bind([](const json& in) { return json(in["v"].get<int>() + in["i"].get<int>()); });

    const json written = b.to_json();
    CHECK(written["States"]["Fan"]["Branches"].size() == 2);
    CHECK(written["States"]["Fan"]["Branches"][1]["Comment"] == "the right branch");
    CHECK(written["States"]["Each"]["ItemProcessor"]["ProcessorConfig"] == json{{"Mode", "INLINE"}});
    CHECK(written["States"]["Each"]["ItemProcessor"]["StartAt"] == "Inc");

    auto built = b.build();
    REQUIRE(built);
    CHECK(built->invokers.size() == 2);
    // Parallel input is the whole input; a branch adds nothing but its own output.
    stepfn::machine_builder c;
    c.parallel("Only").end().branch().task("Left").resource("double").end().bind([](const json& in) {
        return json(in["n"].get<int>() * 2);
    });
    auto simple = c.build();
    REQUIRE(simple);
    auto doubled = run(*simple, json{{"n", 21}});
    REQUIRE(doubled.output);
    CHECK(*doubled.output == json::parse("[42]"));

    auto each = run(*built, json::parse(R"({"items": [10, 20]})"));
    CHECK(each.status == "FAILED");  // Left doubles the whole input object: not an int
    stepfn::machine_builder d;
    d.map("Each").items_path("$.items").end().item_processor().task("Inc").resource("inc").end().bind(
        [](const json& in) { return json(in.get<int>() + 1); });
    auto mapped = d.build();
    REQUIRE(mapped);
    auto out = run(*mapped, json::parse(R"({"items": [10, 20]})"));
    REQUIRE(out.output);
    CHECK(*out.output == json::parse("[11, 21]"));
}

TEST_CASE("builder: resource bindings, fallbacks and unbound states", "[builder]") {
    stepfn::machine_builder b;
    b.bind("shared", [](const json&) { return json("fallback"); });
    b.task("A").resource("shared").result_path("$.a").next("B").bind([](const json&) { return json("a"); });
    b.task("B").resource("shared").result_path("$.b").next("C");
    b.task("C").resource("alone").result_path("$.c").end().bind([](const json&) { return json("c"); });
    auto built = b.build();
    REQUIRE(built);
    REQUIRE(built->invokers.size() == 2);
    auto outcome = run(*built);
    REQUIRE(outcome.output);
    CHECK(*outcome.output == json::parse(R"({"a": "a", "b": "fallback", "c": "c"})"));

    SECTION("no fallback: the unbound state fails with States.Runtime") {
        stepfn::machine_builder u;
        u.task("A").resource("shared").result_path("$.a").next("B").bind([](const json&) { return json("a"); });
        u.task("B").resource("shared").end();
        auto unbound = u.build();
        REQUIRE(unbound);
        auto failed = run(*unbound);
        CHECK(failed.status == "FAILED");
        REQUIRE_FALSE(failed.output);
        CHECK(failed.output.error().name == "States.Runtime");
        CHECK_THAT(failed.output.error().cause,
                   Catch::Matchers::Contains("No task invoker is bound to state 'B' for resource 'shared'."));
    }
    SECTION("a task_invoker can be bound as it is") {
        stepfn::machine_builder p;
        p.task("A").resource("r").end().bind(stepfn::make_invoker([](const json&) { return json(7); }));
        auto bound = p.build();
        REQUIRE(bound);
        auto seven = run(*bound);
        REQUIRE(seven.output);
        CHECK(*seven.output == 7);
    }
}

TEST_CASE("builder: JSONata fields", "[builder]") {
    stepfn::machine_builder b;
    b.query_language(stepfn::query_language::jsonata);
    b.choice("C")
        .when(stepfn::jsonata_condition("{% $states.input.n > 1 %}").output("{% 'big' %}"), "Done")
        .default_("Done");
    b.task("T").resource("r").arguments(json{{"x", "{% $states.input %}"}}).timeout_seconds("{% 5 %}").output("{% $states.result %}").end();
    b.succeed("Done");
    const json c = b.to_json()["States"]["C"];
    CHECK(c["Choices"][0] == json::parse(R"({"Condition": "{% $states.input.n > 1 %}", "Output": "{% 'big' %}", "Next": "Done"})"));
    CHECK(b.to_json()["QueryLanguage"] == "JSONata");
    CHECK(b.to_json()["States"]["T"]["TimeoutSeconds"] == "{% 5 %}");
}

TEST_CASE("builder: the machine it builds prints as ASL the loader accepts again", "[builder]") {
    order_example::services services;
    auto built = order_example::order_flow(services).build();
    REQUIRE(built);
    const std::string printed = built->machine.source().dump(2);
    auto reloaded = stepfn::load_machine(printed);
    REQUIRE(reloaded);
    CHECK(reloaded->source() == built->machine.source());
}
} // namespace builder_test
