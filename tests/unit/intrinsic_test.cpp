// Intrinsic calls: recognising and parsing them, arguments, nesting, folding of literal calls.

#include "catch.hpp"
#include "intrinsic_support.hpp"

namespace intrinsic_test {

using namespace intrinsic_support;

TEST_CASE("looks_like_call tells intrinsic calls from other text", "[intrinsic]") {
    CHECK(intrinsic_call::looks_like_call("States.Format('x')"));
    CHECK(intrinsic_call::looks_like_call("States.Nope(")); // still "an intrinsic", just a bad one
    CHECK(intrinsic_call::looks_like_call("States.UUID()"));
    CHECK_FALSE(intrinsic_call::looks_like_call("States.Format"));
    CHECK_FALSE(intrinsic_call::looks_like_call("States.("));
    CHECK_FALSE(intrinsic_call::looks_like_call("$.a"));
    CHECK_FALSE(intrinsic_call::looks_like_call("states.Format('x')"));
    CHECK_FALSE(intrinsic_call::looks_like_call(" States.Format('x')"));
    CHECK_FALSE(intrinsic_call::looks_like_call("States.Format ('x')"));
    CHECK_FALSE(intrinsic_call::looks_like_call(""));
}

TEST_CASE("a parsed call keeps its text and outermost function name", "[intrinsic]") {
    const auto call = intrinsic_call::parse("States.Array(States.UUID(), 1)");
    REQUIRE(call);
    CHECK(call->text() == "States.Array(States.UUID(), 1)");
    CHECK(call->function_name() == "States.Array");
    const auto folded = intrinsic_call::parse("States.MathAdd(1, 2)");
    REQUIRE(folded);
    CHECK(folded->function_name() == "States.MathAdd");
}

TEST_CASE("parse errors name the problem and the column", "[intrinsic]") {
    SECTION("unknown function") {
        CHECK(parse_error("States.Nope(1)") ==
              "Invalid intrinsic function call: unknown intrinsic function 'States.Nope' (column 1)");
        CHECK_THAT(parse_error("States.Array(1, States.format('x'))"),
                   Contains("unknown intrinsic function 'States.format'") && Contains("column 17"));
        CHECK_THAT(parse_error("States.Array(Foo(1))"), Contains("unknown function 'Foo'"));
    }
    SECTION("arity") {
        CHECK_THAT(parse_error("States.ArrayRange(1, 2)"),
                   Contains("States.ArrayRange takes 3 arguments, got 2") && Contains("column 1"));
        CHECK_THAT(parse_error("States.UUID(1)"), Contains("States.UUID takes 0 arguments, got 1"));
        CHECK_THAT(parse_error("States.Format()"), Contains("States.Format takes at least 1 argument, got 0"));
        CHECK_THAT(parse_error("States.MathRandom(1)"), Contains("States.MathRandom takes 2 or 3 arguments, got 1"));
        CHECK_THAT(parse_error("States.MathRandom(1, 2, 3, 4)"), Contains("takes 2 or 3 arguments, got 4"));
        CHECK_THAT(parse_error("States.ArrayLength($.a, $.b)"), Contains("takes 1 argument, got 2"));
    }
    SECTION("string literals") {
        CHECK_THAT(parse_error(R"(States.Format('a\"b'))"),
                   Contains("invalid escape sequence '\\\"'") && Contains("column 17"));
        CHECK_THAT(parse_error(R"(States.Format('a\nb'))"), Contains("invalid escape sequence '\\n'"));
        CHECK_THAT(parse_error(R"(States.Format('abc\)"), Contains("backslash at the end of a string literal"));
        CHECK_THAT(parse_error("States.Format('abc"),
                   Contains("unterminated string literal") && Contains("column 15"));
        CHECK_THAT(parse_error("States.Format('abc', 'x)"), Contains("unterminated string literal (column 22)"));
    }
    SECTION("syntax") {
        CHECK_THAT(parse_error("States.Array(1,)"), Contains("missing argument (column 16)"));
        CHECK_THAT(parse_error("States.Array(1,,2)"), Contains("missing argument"));
        CHECK_THAT(parse_error("States.Array(,1)"), Contains("missing argument (column 14)"));
        CHECK_THAT(parse_error("States.Array(1"), Contains("missing ')' to close States.Array("));
        CHECK_THAT(parse_error("States.Array(1 2)"), Contains("expected ',' or ')' after argument 1"));
        CHECK_THAT(parse_error("States.Array(1) x"), Contains("unexpected text after the end of the call"));
        CHECK_THAT(parse_error("States.Array(01)"), Contains("invalid number '01'"));
        CHECK_THAT(parse_error("States.Array(1abc)"), Contains("invalid number '1abc'"));
        CHECK_THAT(parse_error("States.Array(-)"), Contains("invalid number '-'"));
        CHECK_THAT(parse_error("States.Array(1.)"), Contains("invalid number '1.'"));
        CHECK_THAT(parse_error("States.Array(yes)"), Contains("unexpected 'yes'"));
        CHECK_THAT(parse_error("States.Array(truex)"), Contains("unexpected 'truex'"));
        CHECK_THAT(parse_error("States.Array(\"x\")"), Contains("unexpected character '\"'"));
        CHECK_THAT(parse_error("States.Array"), Contains("expected '(' after 'States.Array'"));
        CHECK_THAT(parse_error("$.a"), Contains("expected a call"));
        CHECK_THAT(parse_error("States.Array($.a['x)"), Contains("unterminated quote in a path"));
    }
    SECTION("literal argument types") {
        CHECK_THAT(parse_error("States.Format(1, 2)"),
                   Contains("States.Format: argument 1 must be a string, not the literal 1") &&
                       Contains("column 15"));
        CHECK_THAT(parse_error("States.ArrayLength('abc')"),
                   Contains("States.ArrayLength: argument 1 must be an array, not the literal \"abc\""));
        CHECK_THAT(parse_error("States.ArrayPartition($.a, 'x')"), Contains("argument 2 must be an integer"));
        CHECK_THAT(parse_error("States.MathAdd(1, null)"), Contains("argument 2 must be a number, not the literal null"));
        CHECK_THAT(parse_error("States.JsonMerge($.a, $.b, 'false')"), Contains("argument 3 must be a boolean"));
        CHECK_THAT(parse_error("States.StringSplit('a', 1)"), Contains("argument 2 must be a string"));
        CHECK_THAT(parse_error("States.Base64Encode(true)"), Contains("argument 1 must be a string"));
    }
    SECTION("literal argument values") {
        CHECK_THAT(parse_error("States.ArrayPartition($.a, 0)"), Contains("chunk size must be a positive integer"));
        CHECK_THAT(parse_error("States.ArrayPartition($.a, -2)"), Contains("chunk size must be a positive integer"));
        CHECK_THAT(parse_error("States.ArrayRange(1, 5, 0)"), Contains("the step must not be 0"));
        CHECK_THAT(parse_error("States.ArrayGetItem($.a, -1)"), Contains("the index must not be negative"));
        CHECK_THAT(parse_error("States.Hash($.a, 'SHA1')"),
                   Contains("unsupported algorithm 'SHA1'; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"));
        CHECK_THAT(parse_error("States.Hash($.a, 'sha-256')"), Contains("unsupported algorithm"));
        CHECK_THAT(parse_error("States.MathRandom(5, 5)"), Contains("the start must be less than the end"));
    }
    SECTION("nested calls of the wrong result type") {
        CHECK_THAT(parse_error("States.ArrayLength(States.Format('x'))"),
                   Contains("argument 1 must be an array, but States.Format returns a string"));
        CHECK_THAT(parse_error("States.MathAdd(States.UUID(), 1)"), Contains("States.UUID returns a string"));
        // Integers and numbers mix; `any` results are checked at run time.
        CHECK(intrinsic_call::parse("States.MathAdd(States.ArrayLength($.a), 1)"));
        CHECK(intrinsic_call::parse("States.ArrayLength(States.StringToJson($.s))"));
        // Also when the nested call was computed at load time.
        CHECK_THAT(parse_error("States.ArrayLength(States.StringToJson('{}'))"),
                   Contains("argument 1 must be an array, but States.StringToJson returns object {}"));
    }
    SECTION("Format templates") {
        CHECK_THAT(parse_error("States.Format('{a}', 1)"),
                   Contains("unescaped '{' in the template; write \\{ for a literal brace") && Contains("column 16"));
        CHECK_THAT(parse_error("States.Format('a}', 1)"), Contains("unescaped '}'"));
        CHECK_THAT(parse_error("States.Format('{} and {}', 1)"),
                   Contains("the template has 2 placeholders '{}' but 1 value follows"));
        CHECK_THAT(parse_error("States.Format('none', 1)"), Contains("has 0 placeholders '{}' but 1 value follows"));
    }
    SECTION("nesting depth") {
        std::string ten = "1";
        for (int i = 0; i < 10; ++i) ten = "States.Array(" + ten + ")";
        CHECK(intrinsic_call::parse(ten));
        CHECK_THAT(parse_error("States.Array(" + ten + ")"),
                   Contains("intrinsic calls are nested more than 10 deep"));
        stepfn::limits two;
        two.max_intrinsic_nesting = 2;
        CHECK(intrinsic_call::parse("States.Array(States.Array(1))", two));
        CHECK_THAT(parse_error("States.Array(States.Array(States.Array(1)))", two),
                   Contains("nested more than 2 deep (column 27)"));
    }
}

TEST_CASE("whitespace and literals in arguments", "[intrinsic]") {
    CHECK(eval("States.Array(  1 ,\t'a',\n true , false,null ,-2.5, 1e3, -0 )") ==
          j(R"([1, "a", true, false, null, -2.5, 1000.0, 0])"));
    CHECK(eval("States.Array()") == json::array());
    CHECK(eval("States.Array( )") == json::array());
    CHECK(eval(R"(States.Array('it\'s', '\{\}', 'back\\slash', '', 'a,b)c'))") ==
          j(R"(["it's", "{}", "back\\slash", "", "a,b)c"])"));
    CHECK(eval("States.Array('Hello\nWorld')") == j(R"(["Hello\nWorld"])"));
    CHECK(eval("States.Array('größe ✓')") == j(R"(["größe ✓"])"));
    // Braces need no escape outside a Format template.
    CHECK(eval("States.StringToJson('{\"a\": [1]}')") == j(R"({"a": [1]})"));
}

TEST_CASE("States.Format", "[intrinsic]") {
    CHECK(eval("States.Format('Hello, my name is {}.', $.name)", j(R"({"name": "Arnav"})")) ==
          "Hello, my name is Arnav.");
    CHECK(eval("States.Format('{}{}', 'a', 'b')") == "ab");
    CHECK(eval("States.Format('plain')") == "plain");
    CHECK(eval("States.Format('')") == "");
    CHECK(eval("States.Format('{} {} {} {} {}', 1, 1.1, true, null, -3)") == "1 1.1 true null -3");
    CHECK(eval(R"(States.Format('\{\} is {}, \\ \'q\'', 'x'))") == "{} is x, \\ 'q'");
    CHECK(eval(R"(States.Format('\{"id": "{}"\}', $.id))", j(R"({"id": 7})")) == R"({"id": "7"})");
    SECTION("arrays and objects render Java-style, as AWS does") {
        CHECK(eval("States.Format('{}', $.v)", j(R"({"v": {"Arg1": 1, "Arg2": []}})")) == "{Arg1=1, Arg2=[]}");
        CHECK(eval("States.Format('{}', $.v)", j(R"({"v": [1, 2]})")) == "[1, 2]");
        CHECK(eval("States.Format('{}', $.v)", j(R"({"v": {"b": ["x", {"c": null}], "a": "s"}})")) ==
              "{b=[x, {c=null}], a=s}");
        CHECK(eval("States.Format('{}', States.Array())") == "[]");
    }
    SECTION("a template from the input") {
        const json input = j(R"({"t": "{} and {}", "a": "x", "b": 2, "lone": "{ x }"})");
        CHECK(eval("States.Format($.t, $.a, $.b)", input) == "x and 2");
        CHECK(eval("States.Format($.lone)", input) == "{ x }");
        const auto e = eval_error("States.Format($.t, $.a)", input);
        CHECK(e.name == "States.IntrinsicFailure");
        CHECK(e.cause == "States.Format: the template has 2 placeholders '{}' but 1 value was given");
        CHECK(eval_error("States.Format($.b)", input).cause ==
              "States.Format: argument 1 must be a string, got number 2");
    }
    SECTION("a template from a nested call is plain text") {
        CHECK(eval("States.Format(States.Format('{}', '\\{\\}'), 5)") == "5");
    }
}

TEST_CASE("States.StringToJson and States.JsonToString", "[intrinsic]") {
    CHECK(eval("States.StringToJson($.s)", j(R"({"s": "{\"a\":[1,2],\"b\":{\"c\":true}}"})")) ==
          j(R"({"a": [1, 2], "b": {"c": true}})"));
    CHECK(eval("States.StringToJson('')").is_null());
    CHECK(eval("States.StringToJson(' \n ')").is_null());
    CHECK(eval("States.StringToJson('-0')") == 0);
    CHECK(eval("States.StringToJson('\"x\"')") == "x");
    CHECK(eval("States.StringToJson(' [1] ')") == j("[1]"));
    const auto bad = eval_error("States.StringToJson($.s)", j(R"({"s": "{oops"})"));
    CHECK(bad.name == "States.IntrinsicFailure");
    CHECK(bad.cause == "States.StringToJson: the argument is not valid JSON text: '{oops'");
    CHECK_THAT(eval_error("States.StringToJson($.s)", j(R"({"s": 1})")).cause,
               Contains("argument 1 must be a string, got number 1"));

    // Compact, in insertion order.
    CHECK(eval("States.JsonToString($.o)", j(R"({"o": {"b": 1, "a": [1, {"z": null}], "c": "x"}})")) ==
          R"({"b":1,"a":[1,{"z":null}],"c":"x"})");
    CHECK(eval("States.JsonToString($.s)", j(R"({"s": "x"})")) == "\"x\"");
    CHECK(eval("States.JsonToString(States.Array(1, 'ü'))") == "[1,\"ü\"]");
    // Round trip keeps order.
    const json o = j(R"({"z": 1, "a": {"y": 2, "b": 3}})");
    CHECK(eval("States.StringToJson(States.JsonToString($))", o).dump() == o.dump());
}

TEST_CASE("States.Array and nested calls", "[intrinsic]") {
    CHECK(eval("States.Array($.Id)", j(R"({"Id": 123456})")) == j("[123456]"));
    CHECK(eval("States.Array(States.MathAdd(1, 2), States.ArrayLength($.xs))", j(R"({"xs": [0, 0]})")) == j("[3, 2]"));
    CHECK(eval("States.Array($.o, States.Array())", j(R"({"o": {"k": [1]}})")) == j(R"([{"k": [1]}, []])"));
    // The nested example of the AWS documentation (whose template has one `{}` too many).
    const json input = j(R"({"ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123:image-recipe/my.recipe.name/1.0.0"}})");
    CHECK(eval("States.Format('{}.{}', "
               "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), "
               "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))",
               input) == "1.0");
}

TEST_CASE("path arguments", "[intrinsic]") {
    test_env env;
    env.variables["prefix"] = "order";
    env.variables["cfg"] = j(R"({"n": 4})");
    const json input = j(R"x({"id": 77, "a": {"x,y": 1, "(z)": 2}, "items": [{"p": 1}, {"p": 20}]})x");
    const auto value = [&](std::string_view text) {
        auto v = run(text, input, env);
        if (!v) FAIL_CHECK(v.error().cause);
        return v ? *v : json();
    };
    CHECK(value("States.Format('{}-{}', $prefix, $.id)") == "order-77");
    CHECK(value("States.MathAdd($cfg.n, 1)") == 5);
    CHECK(value("States.Format('{}', $$.Execution.Name)") == "e1");
    CHECK(value("States.Array($.a['x,y'], $.a['(z)'])") == j("[1, 2]"));
    CHECK(value("States.Array($.a[\"x,y\"])") == j("[1]"));
    CHECK(value("States.ArrayLength($.items[?(@.p > 5)])") == 1);
    CHECK(value("States.Array($ , $.id )") == json::array({input, 77}));
    SECTION("a path that matches nothing is States.Runtime") {
        const auto e = run("States.Array($.missing)", input, env);
        REQUIRE_FALSE(e);
        CHECK(e.error().name == "States.Runtime");
        CHECK_THAT(e.error().cause, Contains("$.missing"));
        const auto nested = run("States.Array(States.ArrayLength($.nope))", input, env);
        REQUIRE_FALSE(nested);
        CHECK(nested.error().name == "States.Runtime");
    }
}

TEST_CASE("States.ArrayPartition", "[intrinsic]") {
    const json input = j(R"({"a": [1,2,3,4,5,6,7,8,9], "e": [], "n": 0, "s": "x"})");
    CHECK(eval("States.ArrayPartition($.a, 4)", input) == j("[[1,2,3,4],[5,6,7,8],[9]]"));
    CHECK(eval("States.ArrayPartition($.a, 3)", input) == j("[[1,2,3],[4,5,6],[7,8,9]]"));
    CHECK(eval("States.ArrayPartition($.a, 20)", input) == j("[[1,2,3,4,5,6,7,8,9]]"));
    CHECK(eval("States.ArrayPartition($.e, 2)", input) == json::array());
    CHECK(eval("States.ArrayPartition($.a, 3.5)", input) == j("[[1,2,3,4],[5,6,7,8],[9]]")); // rounds to 4
    CHECK(eval_error("States.ArrayPartition($.a, $.n)", input).cause ==
          "States.ArrayPartition: the chunk size must be a positive integer, got 0");
    CHECK(eval_error("States.ArrayPartition($.s, 2)", input).cause ==
          "States.ArrayPartition: argument 1 must be an array, got string x");
}

TEST_CASE("States.ArrayContains uses deep equality", "[intrinsic]") {
    const json input = j(R"({"a": [1, "x", {"k": [1, 2], "m": null}, [3]], "five": 5})");
    CHECK(eval("States.ArrayContains($.a, 'x')", input) == true);
    CHECK(eval("States.ArrayContains($.a, 1.0)", input) == true);
    CHECK(eval("States.ArrayContains($.a, $.five)", input) == false);
    CHECK(eval("States.ArrayContains($.a, States.Array(3))", input) == true);
    CHECK(eval("States.ArrayContains($.a, States.StringToJson('{\"m\": null, \"k\": [1, 2]}'))", input) == true);
    CHECK(eval("States.ArrayContains($.a, States.StringToJson('{\"k\": [2, 1], \"m\": null}'))", input) == false);
    CHECK(eval("States.ArrayContains(States.Array(), null)") == false);
    CHECK_THAT(eval_error("States.ArrayContains($.five, 5)", input).cause, Contains("must be an array, got number"));
}


TEST_CASE("calls on literals are folded, but their failures stay run-time failures", "[intrinsic]") {
    // Evaluates without looking at the input.
    CHECK(eval("States.Hash(States.Format('{}-{}', 'a', 1), 'MD5')", json(nullptr)) ==
          stepfn::detail::hex_digest(stepfn::detail::hash_algorithm::md5, "a-1"));
    const auto call = intrinsic_call::parse("States.ArrayGetItem(States.Array(1), 5)");
    REQUIRE(call); // AWS accepts the definition; the failure is catchable at run time
    const stepfn::empty_env env;
    const auto v = call->evaluate(json::object(), env);
    REQUIRE_FALSE(v);
    CHECK(v.error().name == "States.IntrinsicFailure");
    CHECK(eval_error("States.JsonMerge(States.StringToJson('{}'), States.StringToJson('{}'), true)").name ==
          "States.IntrinsicFailure");
}

// Issue 13: a path argument ending in a backslash made the parser read one byte past the text.
// The text sits in a heap block of exactly its size, so ASan sees any read beyond it.
TEST_CASE("a path argument ending in a backslash stays inside the text", "[intrinsic]") {
    for (std::string_view source : {std::string_view("States.Array($\\"), std::string_view("States.Array($.a\\"),
                                    std::string_view("States.Format('{}', $['x\\")}) {
        INFO(source);
        const std::unique_ptr<char[]> block(new char[source.size()]);
        std::copy(source.begin(), source.end(), block.get());
        const auto call = intrinsic_call::parse(std::string_view(block.get(), source.size()));
        REQUIRE_FALSE(call);
        CHECK(call.error().name == stepfn::errors::invalid_definition);
    }
    CHECK_THAT(parse_error("States.Array($.a\\"), Contains("a path must not end with '\\'"));
}
} // namespace intrinsic_test
