#include "catch.hpp"

#include "choice_rule_helpers.hpp"

namespace choice_rule_test {

using stepfn::choice_rule;
using stepfn::json;
using stepfn::query_language;



TEST_CASE("String comparisons are ordinal", "[choice]") {
    CHECK(test("StringEquals", "abc", "abc"));
    CHECK_FALSE(test("StringEquals", "abc", "abd"));
    CHECK_FALSE(test("StringEquals", "abc", "ABC"));  // no case folding
    CHECK(test("StringEquals", "", ""));

    CHECK(test("StringLessThan", "A", ""));
    CHECK(test("StringLessThan", "AB", "A"));
    CHECK_FALSE(test("StringLessThan", "A", "A"));
    CHECK(test("StringLessThan", "a", "B"));  // 'B' (0x42) < 'a' (0x61)
    CHECK(test("StringGreaterThan", "A", "AB"));
    CHECK_FALSE(test("StringGreaterThan", "AB", "AB"));
    CHECK(test("StringLessThanEquals", "AB", "AB"));
    CHECK(test("StringLessThanEquals", "AB", "AA"));
    CHECK_FALSE(test("StringLessThanEquals", "AB", "AC"));
    CHECK(test("StringGreaterThanEquals", "AB", "AB"));
    CHECK(test("StringGreaterThanEquals", "AB", "B"));
    CHECK_FALSE(test("StringGreaterThanEquals", "AB", "A"));
}

TEST_CASE("String comparisons order non-ASCII text by code point", "[choice]") {
    CHECK(test("StringGreaterThan", "z", "\xC3\xA9"));                   // U+00E9 > 'z'
    CHECK(test("StringLessThan", "\xE4\xB8\xAD", "\xC3\xA9"));           // U+00E9 < U+4E2D
    CHECK(test("StringGreaterThan", "\xEF\xBF\xBD", "\xF0\x9F\x98\x80"));  // U+1F600 > U+FFFD
    CHECK(test("StringEquals", "caf\xC3\xA9", "caf\xC3\xA9"));
}

TEST_CASE("String operators are false on non-strings", "[choice]") {
    const char* ops[] = {"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals",
                         "StringGreaterThanEquals", "StringMatches"};
    for (const char* op : ops) {
        INFO(op);
        CHECK_FALSE(test(op, "1", 1));
        CHECK_FALSE(test(op, "true", true));
        CHECK_FALSE(test(op, "null", nullptr));
        CHECK_FALSE(test(op, "[]", json::array()));
        CHECK_FALSE(test(op, "{}", json::object()));
    }
    // A timestamp-shaped string is still a string.
    CHECK(test("StringEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z"));
}

TEST_CASE("Numeric comparisons compare as doubles", "[choice]") {
    CHECK(test("NumericEquals", 10, 10));
    CHECK(test("NumericEquals", 0, 0.0));
    CHECK(test("NumericEquals", 10.0, 10));
    CHECK(test("NumericEquals", -3, -3));
    CHECK(test("NumericEquals", 3000000000u, 3000000000.0));
    CHECK_FALSE(test("NumericEquals", 10, 10.5));

    CHECK(test("NumericLessThan", 10, 9.99));
    CHECK_FALSE(test("NumericLessThan", 10, 10));
    CHECK(test("NumericLessThan", -1, -2));
    CHECK(test("NumericGreaterThan", 10, 10.01));
    CHECK_FALSE(test("NumericGreaterThan", 10, 10));
    CHECK(test("NumericLessThanEquals", 10, 10.0));
    CHECK(test("NumericLessThanEquals", 10, -100));
    CHECK_FALSE(test("NumericLessThanEquals", 10, 11));
    CHECK(test("NumericGreaterThanEquals", 1.5, 1.5));
    CHECK(test("NumericGreaterThanEquals", 1.5, 2));
    CHECK_FALSE(test("NumericGreaterThanEquals", 1.5, 1));
}

TEST_CASE("Numeric operators are false on non-numbers", "[choice]") {
    const char* ops[] = {"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
                         "NumericGreaterThanEquals"};
    for (const char* op : ops) {
        INFO(op);
        CHECK_FALSE(test(op, 1, "1"));
        CHECK_FALSE(test(op, 1, true));  // booleans are not numbers
        CHECK_FALSE(test(op, 0, false));
        CHECK_FALSE(test(op, 0, nullptr));
        CHECK_FALSE(test(op, 0, json::array({0})));
        CHECK_FALSE(test(op, 0, json::object()));
    }
}

TEST_CASE("BooleanEquals", "[choice]") {
    CHECK(test("BooleanEquals", true, true));
    CHECK(test("BooleanEquals", false, false));
    CHECK_FALSE(test("BooleanEquals", true, false));
    CHECK_FALSE(test("BooleanEquals", false, 0));
    CHECK_FALSE(test("BooleanEquals", true, 1));
    CHECK_FALSE(test("BooleanEquals", true, "true"));
    CHECK_FALSE(test("BooleanEquals", false, nullptr));
}

TEST_CASE("Timestamp comparisons compare instants", "[choice]") {
    CHECK(test("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z"));
    CHECK(test("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T03:59:00+02:00"));
    CHECK(test("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00.000000Z"));
    CHECK_FALSE(test("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00.000000001Z"));
    CHECK(test("TimestampLessThan", "2016-03-14T01:59:00Z", "2016-03-14T01:58:59.999999999Z"));
    CHECK(test("TimestampLessThan", "2016-03-14T01:59:00Z", "2016-03-14T02:00:00+00:30"));
    CHECK_FALSE(test("TimestampLessThan", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z"));
    CHECK(test("TimestampGreaterThan", "2016-03-14T01:59:00Z", "2016-03-13T21:00:00-05:00"));
    CHECK_FALSE(test("TimestampGreaterThan", "2016-03-14T01:59:00Z", "2016-03-13T20:59:00-05:00"));
    CHECK(test("TimestampLessThanEquals", "2016-03-14T01:59:00.5Z", "2016-03-14T01:59:00.5Z"));
    CHECK(test("TimestampLessThanEquals", "2016-03-14T01:59:00.5Z", "2016-03-14T01:59:00.4Z"));
    CHECK_FALSE(test("TimestampLessThanEquals", "2016-03-14T01:59:00.5Z", "2016-03-14T01:59:00.6Z"));
    CHECK(test("TimestampGreaterThanEquals", "2016-03-14T01:59:00Z", "2017-01-01T00:00:00Z"));
    CHECK_FALSE(test("TimestampGreaterThanEquals", "2016-03-14T01:59:00Z", "2015-01-01T00:00:00Z"));
}

TEST_CASE("Timestamp operators are false on values that are not timestamps", "[choice]") {
    const char* ops[] = {"TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
                         "TimestampLessThanEquals", "TimestampGreaterThanEquals"};
    for (const char* op : ops) {
        INFO(op);
        CHECK_FALSE(test(op, "2012-10-09T19:00:55Z", "yesterday"));
        CHECK_FALSE(test(op, "2012-10-09T19:00:55Z", "2012-10-09T19:00:55"));   // no zone
        CHECK_FALSE(test(op, "2012-10-09T19:00:55Z", "2012-10-09t19:00:55z"));  // lowercase
        CHECK_FALSE(test(op, "2012-10-09T19:00:55Z", 1349809255));
        CHECK_FALSE(test(op, "2012-10-09T19:00:55Z", nullptr));
    }
}

TEST_CASE("Path variants compare with the value at another path", "[choice]") {
    const json input = {{"a", "abc"}, {"b", "abc"}, {"c", "abd"}, {"n", 5}, {"m", 5.0}, {"k", 7},
                        {"t", true}, {"f", false}, {"t1", "2016-03-14T01:59:00Z"},
                        {"t2", "2016-03-14T03:59:00+02:00"}, {"t3", "2017-01-01T00:00:00Z"}};
    auto check = [&](const char* op, const char* lhs, const char* rhs) {
        return matches(json{{"Variable", lhs}, {op, rhs}}, input);
    };
    CHECK(check("StringEqualsPath", "$.a", "$.b"));
    CHECK_FALSE(check("StringEqualsPath", "$.a", "$.c"));
    CHECK(check("StringLessThanPath", "$.a", "$.c"));
    CHECK(check("StringGreaterThanPath", "$.c", "$.a"));
    CHECK(check("StringLessThanEqualsPath", "$.a", "$.b"));
    CHECK(check("StringGreaterThanEqualsPath", "$.c", "$.b"));
    CHECK(check("NumericEqualsPath", "$.n", "$.m"));
    CHECK(check("NumericLessThanPath", "$.n", "$.k"));
    CHECK_FALSE(check("NumericGreaterThanPath", "$.n", "$.k"));
    CHECK(check("NumericLessThanEqualsPath", "$.n", "$.m"));
    CHECK(check("NumericGreaterThanEqualsPath", "$.k", "$.n"));
    CHECK(check("BooleanEqualsPath", "$.t", "$.t"));
    CHECK_FALSE(check("BooleanEqualsPath", "$.t", "$.f"));
    CHECK(check("TimestampEqualsPath", "$.t1", "$.t2"));
    CHECK(check("TimestampLessThanPath", "$.t1", "$.t3"));
    CHECK(check("TimestampGreaterThanPath", "$.t3", "$.t2"));
    CHECK(check("TimestampLessThanEqualsPath", "$.t1", "$.t2"));
    CHECK(check("TimestampGreaterThanEqualsPath", "$.t1", "$.t2"));

    SECTION("a comparand of the wrong type is false") {
        CHECK_FALSE(check("StringEqualsPath", "$.a", "$.n"));
        CHECK_FALSE(check("NumericEqualsPath", "$.n", "$.a"));
        CHECK_FALSE(check("BooleanEqualsPath", "$.t", "$.n"));
        CHECK_FALSE(check("TimestampEqualsPath", "$.t1", "$.a"));
        CHECK_FALSE(check("TimestampEqualsPath", "$.t1", "$.n"));
    }
    SECTION("a missing comparand is false, not an error") {
        CHECK_FALSE(check("StringEqualsPath", "$.a", "$.missing"));
        CHECK_FALSE(check("NumericLessThanPath", "$.n", "$.missing"));
        CHECK_FALSE(check("BooleanEqualsPath", "$.t", "$.missing"));
        CHECK_FALSE(check("TimestampEqualsPath", "$.t1", "$.missing"));
    }
}

TEST_CASE("Variable and comparand may be context paths and variables", "[choice]") {
    test_env env;
    env.variables = {{"guess", "the_guess"}, {"answer", "the_guess"}, {"limit", 5}, {"obj", {{"x", 3}}}};
    env.context_object = {{"State", {{"Name", "C"}, {"RetryCount", 0}}}};
    CHECK(matches({{"Variable", "$guess"}, {"StringEqualsPath", "$answer"}}, json::object(), env));
    CHECK(matches({{"Variable", "$limit"}, {"NumericLessThan", 10}}, json::object(), env));
    CHECK(matches({{"Variable", "$obj.x"}, {"NumericEquals", 3}}, json::object(), env));
    CHECK(matches({{"Variable", "$$.State.Name"}, {"StringEquals", "C"}}, json::object(), env));
    CHECK(matches({{"Variable", "$.n"}, {"NumericEqualsPath", "$$.State.RetryCount"}}, {{"n", 0}}, env));
    CHECK_FALSE(matches({{"Variable", "$nope"}, {"IsPresent", true}}, json::object(), env));
    CHECK(matches({{"Variable", "$limit"}, {"IsPresent", true}}, json::object(), env));
    CHECK_FALSE(matches({{"Variable", "$guess"}, {"StringEqualsPath", "$nope"}}, json::object(), env));
}

TEST_CASE("Variable `$` tests the whole input", "[choice]") {
    CHECK(matches({{"Variable", "$"}, {"StringEquals", "foo"}}, "foo"));
    CHECK(matches({{"Variable", "$"}, {"NumericGreaterThan", 1}}, 2));
    CHECK(matches({{"Variable", "$"}, {"IsNull", true}}, nullptr));
}

TEST_CASE("An indefinite Variable path yields the array of its matches", "[choice]") {
    const json input = {{"items", {{{"x", "a"}}, {{"x", "b"}}}}};
    CHECK(matches({{"Variable", "$.items[*].x"}, {"IsPresent", true}}, input));
    CHECK_FALSE(matches({{"Variable", "$.items[*].x"}, {"IsString", true}}, input));
    CHECK_FALSE(matches({{"Variable", "$.items[*].x"}, {"StringEquals", "a"}}, input));
    CHECK(matches({{"Variable", "$.items[*].y"}, {"IsPresent", true}}, input));  // [] is present
    CHECK(matches({{"Variable", "$.items[0].x"}, {"StringEquals", "a"}}, input));
}

TEST_CASE("Type tests", "[choice]") {
    const json input = {{"null", nullptr}, {"int", 1}, {"float", 1.5}, {"string", "x"}, {"empty", ""},
                        {"ts", "2016-03-14T01:59:00Z"}, {"bool", false}, {"array", json::array()},
                        {"object", json::object()}};
    auto is = [&](const char* op, const char* path) {
        const bool as_true = matches({{"Variable", path}, {op, true}}, input);
        const bool as_false = matches({{"Variable", path}, {op, false}}, input);
        CHECK(as_true != as_false);  // `false` inverts the test
        return as_true;
    };
    CHECK(is("IsNull", "$.null"));
    CHECK_FALSE(is("IsNull", "$.int"));
    CHECK_FALSE(is("IsNull", "$.empty"));

    CHECK(is("IsNumeric", "$.int"));
    CHECK(is("IsNumeric", "$.float"));
    CHECK_FALSE(is("IsNumeric", "$.bool"));
    CHECK_FALSE(is("IsNumeric", "$.string"));
    CHECK_FALSE(is("IsNumeric", "$.null"));

    CHECK(is("IsString", "$.string"));
    CHECK(is("IsString", "$.empty"));
    CHECK(is("IsString", "$.ts"));
    CHECK_FALSE(is("IsString", "$.int"));
    CHECK_FALSE(is("IsString", "$.null"));

    CHECK(is("IsBoolean", "$.bool"));
    CHECK_FALSE(is("IsBoolean", "$.int"));
    CHECK_FALSE(is("IsBoolean", "$.string"));

    CHECK(is("IsTimestamp", "$.ts"));
    CHECK_FALSE(is("IsTimestamp", "$.string"));
    CHECK_FALSE(is("IsTimestamp", "$.int"));

    CHECK(is("IsPresent", "$.null"));
    CHECK(is("IsPresent", "$.bool"));
    CHECK(is("IsPresent", "$.array"));
    CHECK_FALSE(is("IsPresent", "$.missing"));
    CHECK_FALSE(is("IsPresent", "$.object.missing"));
}

TEST_CASE("A missing Variable is States.Runtime except for IsPresent", "[choice]") {
    const json input = {{"a", 1}};
    auto r = run({{"Variable", "$.x"}, {"StringEquals", "a"}}, input);
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "States.Runtime");
    CHECK(r.error().cause == "Invalid path '$.x': The choice state's condition path references an invalid value.");

    const char* ops[] = {"NumericEquals", "BooleanEquals", "IsNull", "IsNumeric", "IsString",
                         "IsBoolean", "IsTimestamp", "TimestampEquals", "StringMatches", "NumericEqualsPath"};
    const json operands[] = {1, true, true, true, true, true, true, "2016-03-14T01:59:00Z", "*", "$.a"};
    for (std::size_t i = 0; i < std::size(ops); ++i) {
        INFO(ops[i]);
        auto missing = run({{"Variable", "$.a.b"}, {ops[i], operands[i]}}, input);
        REQUIRE_FALSE(missing);
        CHECK(missing.error().name == "States.Runtime");
        CHECK(missing.error().cause ==
              "Invalid path '$.a.b': The choice state's condition path references an invalid value.");
    }
    auto present = run({{"Variable", "$.x"}, {"IsPresent", false}}, input);
    REQUIRE(present);
    CHECK(*present);
}

TEST_CASE("And, Or and Not combine rules", "[choice]") {
    const json input = {{"n", 5}, {"s", "abc"}};
    const json n_is_5 = {{"Variable", "$.n"}, {"NumericEquals", 5}};
    const json n_is_6 = {{"Variable", "$.n"}, {"NumericEquals", 6}};
    const json s_is_abc = {{"Variable", "$.s"}, {"StringEquals", "abc"}};
    const json broken = {{"Variable", "$.missing"}, {"StringEquals", "x"}};  // evaluating it is an error

    CHECK(matches({{"And", {n_is_5, s_is_abc}}}, input));
    CHECK_FALSE(matches({{"And", {n_is_5, n_is_6}}}, input));
    CHECK(matches({{"Or", {n_is_6, s_is_abc}}}, input));
    CHECK_FALSE(matches({{"Or", {n_is_6, n_is_6}}}, input));
    CHECK(matches({{"Not", n_is_6}}, input));
    CHECK_FALSE(matches({{"Not", n_is_5}}, input));
    CHECK(matches({{"And", {n_is_5}}}, input));
    CHECK(matches({{"Or", {n_is_5}}}, input));

    SECTION("nested to any depth") {
        const json nested = {{"And", {{{"Or", {n_is_6, {{"Not", n_is_6}}}}}, {{"Not", {{"And", {n_is_5, n_is_6}}}}}}}};
        CHECK(matches(nested, input));
        CHECK_FALSE(matches({{"Not", nested}}, input));
        CHECK(matches({{"Not", {{"Not", n_is_5}}}}, input));
    }
    SECTION("short-circuit left to right") {
        CHECK(matches({{"Or", {n_is_5, broken}}}, input));
        CHECK_FALSE(matches({{"And", {n_is_6, broken}}}, input));
        auto r = run({{"Or", {n_is_6, broken}}}, input);
        REQUIRE_FALSE(r);
        CHECK(r.error().name == "States.Runtime");
        auto a = run({{"And", {n_is_5, broken}}}, input);
        REQUIRE_FALSE(a);
        auto n = run({{"Not", broken}}, input);
        REQUIRE_FALSE(n);
        CHECK(n.error().name == "States.Runtime");
    }
}

TEST_CASE("StringMatches wildcards and escapes", "[choice]") {
    auto m = [](const char* pattern, const char* text) { return test("StringMatches", pattern, text); };
    CHECK(m("log-*.txt", "log-2024.txt"));
    CHECK(m("log-*.txt", "log-.txt"));
    CHECK_FALSE(m("log-*.txt", "log-2024.txt.gz"));
    CHECK_FALSE(m("log-*.txt", "xlog-1.txt"));
    CHECK(m("*", ""));
    CHECK(m("*", "anything"));
    CHECK(m("**", ""));
    CHECK(m("", ""));
    CHECK_FALSE(m("", "a"));
    CHECK(m("abc", "abc"));
    CHECK_FALSE(m("abc", "abcd"));
    CHECK(m("a*b*c", "abc"));
    CHECK(m("a*b*c", "aXXbYYc"));
    CHECK_FALSE(m("a*b*c", "aXXcYYb"));
    CHECK(m("*.*", "a.b"));
    CHECK_FALSE(m("*.*", "ab"));
    CHECK(m("a*a", "aa"));
    CHECK_FALSE(m("a*a", "a"));  // prefix and suffix may not overlap
    CHECK(m("*ab*ab*", "xabyab"));
    CHECK_FALSE(m("*ab*ab*", "xaby"));
    CHECK(m("?", "?"));          // `?` is not special
    CHECK_FALSE(m("?", "a"));
    CHECK(m("[a]", "[a]"));      // nor are brackets
    CHECK(m("caf\xC3\xA9*", "caf\xC3\xA9 au lait"));
    CHECK(m("*\xC3\xA9", "caf\xC3\xA9"));

    SECTION("escapes") {
        CHECK(m("a\\*b", "a*b"));
        CHECK_FALSE(m("a\\*b", "aXb"));
        CHECK(m("\\**", "*star"));
        CHECK_FALSE(m("\\**", "star"));
        CHECK(m("a\\\\b", "a\\b"));
        CHECK(m("*\\\\", "path\\"));
        CHECK(m("a\\\\*", "a\\anything"));
        CHECK(m("\\a", "a"));  // an escaped ordinary character is itself
    }
    SECTION("a dangling backslash is a run-time error") {
        auto rule = compiled({{"Variable", "$.v"}, {"StringMatches", "abc\\"}});
        auto r = rule.evaluate({{"v", "abc"}}, no_env());
        REQUIRE_FALSE(r);
        CHECK(r.error().name == "States.Runtime");
        CHECK_THAT(r.error().cause, Catch::Matchers::Contains("abc\\"));
        CHECK(test("StringMatches", "abc\\\\", "abc\\"));
    }
}

TEST_CASE("StringMatches has no exponential backtracking", "[choice]") {
    const std::string as(100000, 'a');
    CHECK_FALSE(test("StringMatches", "a*a*a*a*b", as));
    CHECK_FALSE(test("StringMatches", "*a*a*a*a*a*a*a*a*b*", as));
    CHECK_FALSE(test("StringMatches", "*a*a*a*a*a*a*a*a*b", as));
    CHECK(test("StringMatches", "*a*a*a*a*a*a*a*a*", as));
    CHECK(test("StringMatches", "a*a*a*a*a", as));
    CHECK_FALSE(test("StringMatches", "*aaaaaaaaaaaaaaaaaaab*", as));
}

TEST_CASE("wildcard_pattern compiles escapes once", "[choice]") {
    using stepfn::detail::wildcard_pattern;
    CHECK_FALSE(wildcard_pattern::compile("\\"));
    CHECK_FALSE(wildcard_pattern::compile("ab*\\"));
    CHECK(wildcard_pattern::compile("ab*\\\\"));
    auto p = wildcard_pattern::compile("\\*\\\\*");
    REQUIRE(p);
    CHECK(p->matches("*\\"));
    CHECK(p->matches("*\\tail"));
    CHECK_FALSE(p->matches("x\\"));
}

TEST_CASE("JSONata Condition", "[choice]") {
    auto yes = compiled({{"Condition", true}}, query_language::jsonata);
    auto no = compiled({{"Condition", false}}, query_language::jsonata);
    auto yes_result = yes.evaluate(json::object(), no_env());
    auto no_result = no.evaluate(json::object(), no_env());
    REQUIRE(yes_result);
    REQUIRE(no_result);
    CHECK(*yes_result);
    CHECK_FALSE(*no_result);

    auto expression = compiled({{"Condition", "{% $states.input.n > 1 %}"}}, query_language::jsonata);
    auto r = expression.evaluate({{"n", 2}}, no_env());
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "States.QueryEvaluationError");
    CHECK_THAT(r.error().cause, Catch::Matchers::Contains("JSONata is not supported yet"));

    SECTION("top-level fields are accepted") {
        auto top = choice_rule::compile(
            {{"Condition", true}, {"Next", "X"}, {"Assign", {{"a", 1}}}, {"Output", "{% 1 %}"}, {"Comment", "c"}},
            rule_pointer, true, query_language::jsonata);
        CHECK(top);
    }
    SECTION("validation") {
        CHECK(problems_of({{"Next", "X"}}, true, query_language::jsonata) ==
              std::vector<stepfn::diagnostic>{problem("", "These fields are required: [Condition]")});
        CHECK(problems_of({{"Condition", "true"}}, false, query_language::jsonata) ==
              std::vector<stepfn::diagnostic>{problem(
                  "/Condition", "'Condition' must be a boolean or a JSONata expression written as \"{% ... %}\"")});
        CHECK(problems_of({{"Condition", 1}}, false, query_language::jsonata).size() == 1);
        CHECK(problems_of({{"Condition", " {% x %}"}}, false, query_language::jsonata).size() == 1);
        auto p = problems_of({{"Variable", "$.x"}, {"StringEquals", "a"}, {"Condition", true}}, true,
                             query_language::jsonata);
        REQUIRE(p.size() == 2);
        CHECK(p[0].pointer == rule_pointer + "/Variable");
        CHECK(p[0].message == "Field 'Variable' is not supported: it belongs to JSONPath; with JSONata use 'Condition'");
        CHECK(p[1].pointer == rule_pointer + "/StringEquals");
        CHECK(problems_of({{"Condition", true}, {"Next", "X"}}, false, query_language::jsonata) ==
              std::vector<stepfn::diagnostic>{problem("/Next", "Field 'Next' is not supported")});
    }
}
} // namespace choice_rule_test
