#include "catch.hpp"

#include "loader_helpers.hpp"

namespace loader_text_test {

// The loader on text and values: JSON errors, size and nesting limits, large and deeply
// nested definitions, Unicode in messages. The model a definition turns into is in
// loader_test.cpp.

TEST_CASE("from_json loads a value and keeps its key order", "[loader]") {
    stepfn::json definition = stepfn::json::parse(
        R"asl({"States": {"Z": {"Type": "Pass", "Next": "A"}, "A": {"Type": "Succeed"}}, "StartAt": "Z"})asl");
    auto loaded = stepfn::load_machine_json(definition);
    REQUIRE(loaded);
    CHECK(loaded->source().begin().key() == "States");
    CHECK(loaded->top().states[0].name == "Z");
    CHECK(loaded->top().states[1].name == "A");
    CHECK(loaded->top().start == 0);
}

TEST_CASE("text that is not JSON says where it breaks", "[loader]") {
    auto loaded = stepfn::load_machine("{\n  \"StartAt\": \"A\",\n  \"States\": {,}\n}");
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().name == "States.InvalidDefinition");
    REQUIRE(loaded.error().problems.size() == 1);
    const auto& problem = loaded.error().problems[0];
    CHECK(problem.pointer.empty());
    CHECK_THAT(problem.message, Catch::Matchers::Contains("not valid JSON"));
    CHECK_THAT(problem.message, Catch::Matchers::Contains("line 3"));

    for (std::string_view garbage : {"", "   ", "nope", "{\"StartAt\": }", "{} trailing", "\xff\xfe{}"}) {
        auto bad = stepfn::load_machine(garbage);
        REQUIRE_FALSE(bad);
        REQUIRE(bad.error().problems.size() == 1);
        CHECK_THAT(bad.error().problems[0].message, Catch::Matchers::Contains("not valid JSON"));
    }
}

TEST_CASE("JSON that is not an object is not a definition", "[loader]") {
    for (std::string_view text : {"[]", "42", "\"StartAt\"", "null"}) {
        auto loaded = stepfn::load_machine(text);
        REQUIRE_FALSE(loaded);
        REQUIRE(loaded.error().problems.size() == 1);
        CHECK(loaded.error().problems[0].message == "a state machine definition must be a JSON object");
    }
}

TEST_CASE("definitions over the size limit are refused before parsing", "[loader]") {
    stepfn::load_options options;
    options.bounds.max_definition_bytes = 64;
    std::string text = R"asl({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}, "Comment": "padding"})asl";
    REQUIRE(text.size() > 64);
    auto loaded = stepfn::load_machine(text, options);
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().cause, Catch::Matchers::Contains("more than the limit of 64 bytes"));
    options.bounds.max_definition_bytes = text.size();
    CHECK(stepfn::load_machine(text, options));
}

TEST_CASE("deep nesting is an error, not a crash", "[loader]") {
    SECTION("100,000 nested arrays in the text") {
        std::string deep(100000, '[');
        deep += std::string(100000, ']');
        auto loaded = stepfn::load_machine(deep);
        REQUIRE_FALSE(loaded);
        REQUIRE(loaded.error().problems.size() == 1);
        CHECK_THAT(loaded.error().problems[0].message, Catch::Matchers::Contains("nested deeper than 64 levels"));
    }
    SECTION("100,000 nested objects inside a state's Result") {
        std::string deep = R"asl({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true, "Result": )asl";
        for (int i = 0; i < 100000; ++i) deep += R"asl({"a":)asl";
        deep += "1";
        deep += std::string(100000, '}');
        deep += "}}}";
        auto loaded = stepfn::load_machine(deep);
        REQUIRE_FALSE(loaded);
        REQUIRE(loaded.error().problems.size() == 1);
        CHECK_THAT(loaded.error().problems[0].pointer, Catch::Matchers::Contains("/States/P/Result/a/a/a"));
    }
    SECTION("a value built in code goes through the same check") {
        stepfn::json value = 1;
        for (int i = 0; i < 100000; ++i) {
            stepfn::json wrapper = stepfn::json::array();
            wrapper.push_back(std::move(value));
            value = std::move(wrapper);
        }
        stepfn::json definition = {{"StartAt", "P"}, {"States", {{"P", {{"Type", "Pass"}, {"End", true}}}}}};
        definition["States"]["P"]["Result"] = std::move(value);
        auto loaded = stepfn::load_machine_json(definition);
        REQUIRE_FALSE(loaded);
        CHECK_THAT(loaded.error().problems[0].message, Catch::Matchers::Contains("nested deeper"));
    }
    SECTION("the limit is exact and configurable") {
        // Root object (1) / States (2) / P (3) / Result (4) / [ (5)
        std::string text = R"asl({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true, "Result": {"x": [1]}}}})asl";
        stepfn::load_options options;
        options.bounds.max_nesting_depth = 5;
        CHECK(stepfn::load_machine(text, options));
        options.bounds.max_nesting_depth = 4;
        auto loaded = stepfn::load_machine(text, options);
        REQUIRE_FALSE(loaded);
        CHECK(loaded.error().problems[0].pointer == "/States/P/Result/x");
        CHECK(loaded.error().problems[0].message == "the definition is nested deeper than 4 levels");
    }
}

TEST_CASE("a 500-state definition loads quickly", "[loader]") {
    stepfn::json definition = {{"StartAt", "S0"}, {"States", stepfn::json::object()}};
    const int count = 500;
    for (int i = 0; i < count; ++i) {
        stepfn::json s = {{"Type", "Task"},
                          {"Resource", "arn:r"},
                          {"Parameters", {{"i", i}, {"v.$", "$.v"}}},
                          {"ResultPath", "$.r"},
                          {"Retry", {{{"ErrorEquals", {"States.ALL"}}}}}};
        if (i + 1 < count) s["Next"] = "S" + std::to_string(i + 1);
        else s["End"] = true;
        definition["States"]["S" + std::to_string(i)] = std::move(s);
    }
    std::string text = definition.dump();
    auto started = std::chrono::steady_clock::now();
    auto loaded = stepfn::load_machine(text);
    auto elapsed = std::chrono::steady_clock::now() - started;
    REQUIRE(loaded);
    CHECK(loaded->top().states.size() == 500);
    CHECK(loaded->top().states[498].next->index == 499);
    // Generous for an unoptimised, sanitised debug build; the release figure is far lower.
    CHECK(elapsed < std::chrono::milliseconds(500));
}

TEST_CASE("renamed() keeps the definition", "[loader]") {
    auto machine = load_ok(R"asl({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})asl");
    auto other = machine.renamed("Other");
    CHECK(other.name() == "Other");
    CHECK(machine.name() == "StateMachine");
    CHECK(other.top().states[0].name == "A");
}

TEST_CASE("messages keep Unicode names and mask broken bytes", "[loader]") {
    auto loaded = stepfn::load_machine(R"asl({"StartAt": "Caf\u00e9", "States": {"Caf\u00e9": {"Type": "Pass", "Next": "Th\u00e9"}}})asl");
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().cause, Catch::Matchers::Contains("no state named \"Th\xc3\xa9\" in this scope"));

    stepfn::json definition = {{"StartAt", "A"}, {"States", {{"A", {{"Type", "Pass"}, {"Next", "bad\xff\x01name"}}}}}};
    auto built = stepfn::load_machine_json(definition);
    REQUIRE_FALSE(built);
    CHECK_THAT(built.error().cause, Catch::Matchers::Contains("no state named \"bad??name\""));
}

namespace {

// A Parallel state nested `levels` deep: each branch holds the next Parallel.
stepfn::json nested_parallels(int levels) {
    stepfn::json inner = {{"StartAt", "Leaf"}, {"States", {{"Leaf", {{"Type", "Succeed"}}}}}};
    for (int i = 0; i < levels; ++i) {
        std::string name = "P" + std::to_string(i);
        stepfn::json parallel = {{"Type", "Parallel"}, {"End", true}, {"Branches", stepfn::json::array({inner})}};
        inner = {{"StartAt", name}, {"States", {{name, std::move(parallel)}}}};
    }
    return inner;
}

} // namespace

TEST_CASE("nested Parallel scopes load to any depth the JSON limit allows", "[loader]") {
    // Each Parallel level costs four JSON levels (state, Branches, branch, States).
    auto loaded = stepfn::load_machine_json(nested_parallels(14));
    REQUIRE(loaded);
    const stepfn::scope* scope = &loaded->top();
    int depth = 0;
    while (const auto* parallel = std::get_if<stepfn::parallel_state>(&scope->states[0].body)) {
        scope = &parallel->branches[0];
        ++depth;
    }
    CHECK(depth == 14);
    CHECK(scope->states[0].name == "Leaf");
    CHECK(scope->pointer.rfind("/States/P13/Branches/0/States/P12/Branches/0", 0) == 0);

    auto too_deep = stepfn::load_machine_json(nested_parallels(16));
    REQUIRE_FALSE(too_deep);
    REQUIRE(too_deep.error().problems.size() == 1);
    CHECK(too_deep.error().problems[0].message == "the definition is nested deeper than 64 levels");

    stepfn::load_options roomy;
    roomy.bounds.max_nesting_depth = 1000;
    CHECK(stepfn::load_machine_json(nested_parallels(200), roomy));
}
} // namespace loader_text_test
