#include "catch.hpp"

#include "choice_rule_helpers.hpp"

namespace choice_rule_validation_test {

using stepfn::choice_rule;
using stepfn::json;
using stepfn::query_language;

// Choice rules at load time: which fields a rule may have, every problem with its pointer,
// bounded nesting.

TEST_CASE("Top-level rules accept Next, Assign and Comment; nested rules only Comment", "[choice]") {
    const json rule = {{"Variable", "$.n"}, {"NumericEquals", 1}, {"Next", "X"}, {"Assign", {{"v", 1}}},
                       {"Comment", "why"}};
    CHECK(choice_rule::compile(rule, rule_pointer, true));
    CHECK(choice_rule::compile({{"Variable", "$.n"}, {"NumericEquals", 1}, {"Comment", "c"}}, rule_pointer, false));

    auto nested = problems_of({{"Not", rule}}, true);
    CHECK(nested == std::vector<stepfn::diagnostic>{problem("/Not/Next", "Field 'Next' is not supported"),
                                                    problem("/Not/Assign", "Field 'Assign' is not supported")});
    auto in_and = problems_of(
        {{"And", {{{"Variable", "$.a"}, {"IsPresent", true}}, {{"Variable", "$.b"}, {"IsNull", true}, {"Next", "Y"}}}},
         {"Next", "X"}},
        true);
    CHECK(in_and == std::vector<stepfn::diagnostic>{problem("/And/1/Next", "Field 'Next' is not supported")});
    CHECK(problems_of({{"Variable", "$.n"}, {"NumericEquals", 1}, {"Output", "x"}}, true) ==
          std::vector<stepfn::diagnostic>{problem("/Output", "Field 'Output' is not supported")});
    CHECK(problems_of({{"Variable", "$.n"}, {"NumericEquals", 1}, {"Comment", 3}}, true) ==
          std::vector<stepfn::diagnostic>{problem("/Comment", "'Comment' must be a string")});
}

TEST_CASE("Choice rule validation reports every problem with its pointer", "[choice]") {
    using diags = std::vector<stepfn::diagnostic>;
    SECTION("not an object") {
        CHECK(problems_of("x") == diags{problem("", "A choice rule must be an object")});
        CHECK(problems_of({{"And", {1}}}) == diags{problem("/And/0", "A choice rule must be an object")});
    }
    SECTION("unknown fields, with escaped pointers") {
        CHECK(problems_of({{"Variable", "$.a"}, {"StringEquals", "x"}, {"_comment", "no"}, {"a/b~c", 1}}) ==
              diags{problem("/_comment", "Field '_comment' is not supported"),
                    problem("/a~1b~0c", "Field 'a/b~c' is not supported")});
        CHECK(problems_of({{"Variable", "$.a"}, {"StringMatchesPath", "$.b"}}) ==
              diags{problem("/StringMatchesPath", "Field 'StringMatchesPath' is not supported"),
                    problem("", "A data-test expression needs a comparison operator, such as 'StringEquals' or "
                                "'IsPresent'")});
        CHECK(problems_of({{"Variable", "$.a"}, {"Condition", true}})[0].pointer == rule_pointer + "/Condition");
    }
    SECTION("missing Variable, missing or extra operators") {
        CHECK(problems_of({{"StringEquals", "x"}}) == diags{problem("", "These fields are required: [Variable]")});
        CHECK(problems_of({{"Variable", "$.a"}}) ==
              diags{problem("", "A data-test expression needs a comparison operator, such as 'StringEquals' or "
                                "'IsPresent'")});
        CHECK(problems_of(json::object()) ==
              diags{problem("", "A choice rule needs 'Variable' and a comparison operator, or one of 'And', 'Or', "
                                "'Not'")});
        CHECK(problems_of({{"Variable", "$.a"}, {"StringEquals", "x"}, {"NumericEquals", 1}}) ==
              diags{problem("", "A data-test expression has exactly one comparison operator; found "
                                "'StringEquals', 'NumericEquals'")});
    }
    SECTION("Boolean and data-test mixed, or several Boolean operators") {
        const json leaf = {{"Variable", "$.a"}, {"IsPresent", true}};
        CHECK(problems_of({{"And", {leaf}}, {"Variable", "$.a"}}).size() == 1);
        CHECK(problems_of({{"And", {leaf}}, {"Or", {leaf}}}) ==
              diags{problem("", "A choice rule has exactly one of 'And', 'Or', 'Not'")});
    }
    SECTION("paths") {
        CHECK(problems_of({{"Variable", 3}, {"StringEquals", "x"}}) ==
              diags{problem("/Variable", "'Variable' must be a string holding a path")});
        CHECK(problems_of({{"Variable", "$.a"}, {"StringEqualsPath", 3}}) ==
              diags{problem("/StringEqualsPath", "'StringEqualsPath' must be a string holding a path")});
        auto bad_variable = problems_of({{"Variable", "a.b"}, {"IsPresent", true}});
        REQUIRE(bad_variable.size() == 1);
        CHECK(bad_variable[0].pointer == rule_pointer + "/Variable");
        CHECK_THAT(bad_variable[0].message, Catch::Matchers::Contains("'Variable' is not a valid path: "));
        auto bad_operand = problems_of({{"Variable", "$.a"}, {"NumericLessThanPath", "$.b["}});
        REQUIRE(bad_operand.size() == 1);
        CHECK(bad_operand[0].pointer == rule_pointer + "/NumericLessThanPath");
        CHECK_THAT(bad_operand[0].message, Catch::Matchers::Contains("'NumericLessThanPath' is not a valid path: "));
    }
    SECTION("literal comparand types") {
        auto one = [&](const char* op, const json& operand, const std::string& message) {
            INFO(op);
            CHECK(problems_of({{"Variable", "$.a"}, {op, operand}}) == diags{problem(std::string("/") + op, message)});
        };
        one("StringEquals", 1, "'StringEquals' must be a string");
        one("StringLessThan", nullptr, "'StringLessThan' must be a string");
        one("StringMatches", true, "'StringMatches' must be a string");
        one("NumericEquals", "1", "'NumericEquals' must be a number");
        one("NumericGreaterThanEquals", true, "'NumericGreaterThanEquals' must be a number");
        one("BooleanEquals", 0, "'BooleanEquals' must be a boolean");
        one("BooleanEquals", "true", "'BooleanEquals' must be a boolean");
        one("IsNull", "true", "'IsNull' must be a boolean");
        one("IsPresent", 1, "'IsPresent' must be a boolean");
        one("IsTimestamp", nullptr, "'IsTimestamp' must be a boolean");
        one("TimestampEquals", 1, "'TimestampEquals' must be a string holding an RFC 3339 timestamp");
        one("TimestampLessThan", "yesterday",
            "String does not match RFC3339 timestamp: \"yesterday\" (expected e.g. \"2016-03-14T01:59:00Z\")");
        one("TimestampGreaterThan", "2016-02-30T00:00:00Z",
            "String does not match RFC3339 timestamp: \"2016-02-30T00:00:00Z\" (expected e.g. "
            "\"2016-03-14T01:59:00Z\")");
        one("TimestampEquals", "2016-03-14T24:00:00Z",
            "String does not match RFC3339 timestamp: \"2016-03-14T24:00:00Z\" (expected e.g. "
            "\"2016-03-14T01:59:00Z\")");
        one("TimestampEquals", "2016-03-14t01:59:00Z",
            "String does not match RFC3339 timestamp: \"2016-03-14t01:59:00Z\" (expected e.g. "
            "\"2016-03-14T01:59:00Z\")");
        one("TimestampEquals", "2016-03-14T01:59:00",
            "String does not match RFC3339 timestamp: \"2016-03-14T01:59:00\" (expected e.g. "
            "\"2016-03-14T01:59:00Z\")");
    }
    SECTION("And, Or, Not shapes") {
        CHECK(problems_of({{"And", json::array()}}) ==
              diags{problem("/And", "'And' must be a non-empty array of choice rules")});
        CHECK(problems_of({{"Or", json::object()}}) ==
              diags{problem("/Or", "'Or' must be a non-empty array of choice rules")});
        CHECK(problems_of({{"Not", json::array({{{"Variable", "$.a"}, {"IsPresent", true}}})}}) ==
              diags{problem("/Not", "'Not' must be a single choice rule (an object)")});
    }
    SECTION("every problem in a tree is reported") {
        const json rule = {{"Or",
                            {{{"Variable", "$.a"}, {"NumericEquals", "1"}},
                             {{"Not", {{"Variable", "$.b"}, {"Bogus", 1}, {"IsNull", true}}}},
                             {{"And", json::array()}}}}};
        CHECK(problems_of(rule) == diags{problem("/Or/0/NumericEquals", "'NumericEquals' must be a number"),
                                         problem("/Or/1/Not/Bogus", "Field 'Bogus' is not supported"),
                                         problem("/Or/2/And", "'And' must be a non-empty array of choice rules")});
    }
}

TEST_CASE("Choice rule nesting is bounded", "[choice]") {
    stepfn::limits bounds;
    bounds.max_nesting_depth = 3;
    json leaf = {{"Variable", "$.a"}, {"IsPresent", true}};
    json depth3 = {{"Not", {{"Not", leaf}}}};  // three levels: Not, Not, leaf
    CHECK(choice_rule::compile(depth3, rule_pointer, false, query_language::jsonpath, bounds));
    json depth4 = {{"Not", depth3}};
    CHECK(problems_of(depth4, false, query_language::jsonpath, bounds) ==
          std::vector<stepfn::diagnostic>{problem("/Not/Not/Not", "Choice rules are nested more than 3 levels deep")});

    // Far deeper than the default limit: rejected, without exhausting the stack.
    json deep = leaf;
    for (int i = 0; i < 5000; ++i) {
        json wrapper = json::object();
        wrapper["Not"] = std::move(deep);
        deep = std::move(wrapper);
    }
    auto r = choice_rule::compile(deep, rule_pointer, false);
    REQUIRE_FALSE(r);
    REQUIRE(r.error().problems.size() == 1);
    CHECK(r.error().problems[0].message == "Choice rules are nested more than 64 levels deep");
}

TEST_CASE("A default-constructed choice rule evaluates to an error", "[choice]") {
    choice_rule empty;
    auto r = empty.evaluate(json::object(), no_env());
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "States.Runtime");
}
} // namespace choice_rule_validation_test
