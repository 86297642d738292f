#include "catch.hpp"

#include <map>
#include <string>

#include <stepfn/expressions/payload_template.hpp>

namespace payload_template_test {

using stepfn::json;
using stepfn::payload_template;
using stepfn::value_expression;

namespace {

class template_env final : public stepfn::eval_env {
public:
    json context_object = json::parse(R"({"Execution":{"Id":"arn:exec","Name":"run-1"},"State":{"Name":"P"}})");
    bool has_context = true;
    std::map<std::string, json, std::less<>> variables;

    const json* context() const override { return has_context ? &context_object : nullptr; }
    const json* variable(std::string_view name) const override {
        const auto it = variables.find(name);
        return it == variables.end() ? nullptr : &it->second;
    }
    std::uint64_t random() const override { return 7; }
};

payload_template compile(const json& source, const std::string& pointer = "/States/P/Parameters") {
    auto t = payload_template::compile(source, pointer);
    INFO(source.dump() << ": " << (t ? std::string() : t.error().cause));
    REQUIRE(t);
    return *t;
}

json render(const json& source, const json& input, const stepfn::eval_env& env) {
    auto out = compile(source).evaluate(input, env);
    INFO(source.dump() << ": " << (out ? std::string() : out.error().cause));
    REQUIRE(out);
    return *out;
}

json render(const json& source, const json& input) {
    template_env env;
    return render(source, input, env);
}

std::vector<stepfn::diagnostic> problems(const json& source, const std::string& pointer = "/States/P/Parameters") {
    auto t = payload_template::compile(source, pointer);
    REQUIRE_FALSE(t);
    CHECK(t.error().name == stepfn::errors::invalid_definition);
    return t.error().problems;
}

} // namespace

TEST_CASE("value expressions are paths or intrinsic calls", "[templates]") {
    template_env env;
    env.variables["v"] = json::parse(R"({"x":[1,2]})");
    const json input = json::parse(R"({"a":{"b":3}})");

    auto path = value_expression::parse("$.a.b");
    REQUIRE(path);
    CHECK(path->is_path());
    CHECK(path->text() == "$.a.b");
    CHECK(path->path().text() == "$.a.b");
    CHECK(*path->evaluate(input, env) == 3);

    auto context = value_expression::parse("$$.State.Name");
    REQUIRE(context);
    CHECK(*context->evaluate(input, env) == "P");

    auto variable = value_expression::parse("$v.x[1]");
    REQUIRE(variable);
    CHECK(*variable->evaluate(input, env) == 2);

    auto call = value_expression::parse("States.Format('b={}', $.a.b)");
    REQUIRE(call);
    CHECK_FALSE(call->is_path());
    CHECK(*call->evaluate(input, env) == "b=3");

    auto missing = path->evaluate(json::object(), env);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().name == "States.Runtime");
    CHECK(missing.error().cause == "Invalid path '$.a.b' : Missing property in path $['a']");

    for (const char* bad : {"a.b", "", "states.Format('x')", "Format('x')", "@.x"}) {
        auto e = value_expression::parse(bad);
        INFO(bad);
        REQUIRE_FALSE(e);
        CHECK(e.error().cause == "The value for the field must be a valid JSONPath or a valid intrinsic function call");
    }
    auto bad_path = value_expression::parse("$.a[");
    REQUIRE_FALSE(bad_path);
    CHECK(bad_path.error().cause == "'$.a[' is not a valid JSONPath: unclosed '[' at column 4");
    CHECK_FALSE(value_expression::parse("States.NoSuchFunction(1)"));
}

TEST_CASE("templates evaluate .$ keys and keep the rest literal", "[templates]") {
    const json input = json::parse(R"({"comment":"hi","product":{"details":{"color":"blue","size":"small"},
                                       "availability":"in stock","sku":"2317","cost":"$23"}})");
    // The AWS documentation's Parameters example.
    const json source = json::parse(R"({
        "comment": "Selecting what I care about.",
        "MyDetails": {"size.$": "$.product.details.size", "exists.$": "$.product.availability", "StaticValue": "foo"}
    })");
    CHECK(render(source, input) == json::parse(R"({
        "comment": "Selecting what I care about.",
        "MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"}
    })"));

    // A plain key keeps a path-looking value as text.
    CHECK(render(json::parse(R"({"p": "$.comment", "q.$": "$.comment"})"), input) ==
          json::parse(R"({"p": "$.comment", "q": "hi"})"));
}

TEST_CASE("templates keep keys in written order", "[templates]") {
    const json input = json::parse(R"({"a":1,"b":2})");
    const json out = render(json::parse(R"({"z.$":"$.b","m":0,"a.$":"$.a","k":{"y":1,"x.$":"$.a","w":[3]}})"), input);
    CHECK(out.dump() == R"({"z":2,"m":0,"a":1,"k":{"y":1,"x":1,"w":[3]}})");
}

TEST_CASE("templates recurse through nested objects and arrays", "[templates]") {
    template_env env;
    env.variables["count"] = 3;
    const json input = json::parse(R"({"items":[{"id":1},{"id":2}],"name":"n"})");
    const json source = json::parse(R"J({
        "list": [ {"first.$": "$.items[0].id"}, "$.name", 5, [ {"deep.$": "$.name"} ], {"plain": true} ],
        "all.$": "$.items[*].id",
        "ctx.$": "$$.Execution.Id",
        "var.$": "$count",
        "call.$": "States.Array($.name, $count)",
        "empty": {},
        "nothing": null
    })J");
    CHECK(render(source, input, env) == json::parse(R"({
        "list": [ {"first": 1}, "$.name", 5, [ {"deep": "n"} ], {"plain": true} ],
        "all": [1, 2],
        "ctx": "arn:exec",
        "var": 3,
        "call": ["n", 3],
        "empty": {},
        "nothing": null
    })"));
}

TEST_CASE("templates that are not objects", "[templates]") {
    const json input = json::parse(R"({"a":1})");
    CHECK(render(json("$.a"), input) == "$.a");
    CHECK(render(json(42), input) == 42);
    CHECK(render(json(nullptr), input).is_null());
    CHECK(render(json::parse(R"([{"x.$":"$.a"}, 2])"), input) == json::parse(R"([{"x":1}, 2])"));
    CHECK(render(json::object(), input) == json::object());
}

TEST_CASE("a fully literal template is stored once and copied whole", "[templates]") {
    const json source = json::parse(R"({"a":{"b":[1,{"c":"$.x"}]},"d":"e"})");
    auto t = compile(source);
    CHECK(t.source() == source);
    template_env env;
    CHECK(*t.evaluate(json::object(), env) == source);
    CHECK(*t.evaluate(json("anything"), env) == source);
}

TEST_CASE("a path that matches nothing names the field and the input", "[templates]") {
    template_env env;
    auto out = compile(json::parse(R"({"ok.$":"$.a","x.$":"$.missing"})")).evaluate(json::parse(R"({"a":1})"), env);
    REQUIRE_FALSE(out);
    CHECK(out.error().name == "States.Runtime");
    CHECK(out.error().cause ==
          "The JSONPath '$.missing' specified for the field 'x.$' could not be found in the input '{\"a\":1}'");

    auto nested = compile(json::parse(R"({"outer":[{"inner.$":"$.a.b.c"}]})")).evaluate(json::parse(R"({"a":{}})"), env);
    REQUIRE_FALSE(nested);
    CHECK(nested.error().cause ==
          "The JSONPath '$.a.b.c' specified for the field 'inner.$' could not be found in the input '{\"a\":{}}'");

    auto context = compile(json::parse(R"({"c.$":"$$.Task.Token"})")).evaluate(json::object(), env);
    REQUIRE_FALSE(context);
    CHECK(context.error().cause == "The JSONPath '$$.Task.Token' specified for the field 'c.$' could not be found in "
                                   "the input '" + env.context_object.dump() + "'");

    env.variables["v"] = json::parse(R"({"k":1})");
    auto variable = compile(json::parse(R"({"c.$":"$v.nope"})")).evaluate(json::object(), env);
    REQUIRE_FALSE(variable);
    CHECK(variable.error().cause ==
          "The JSONPath '$v.nope' specified for the field 'c.$' could not be found in the input '{\"k\":1}'");

    auto unassigned = compile(json::parse(R"({"c.$":"$w"})")).evaluate(json::object(), env);
    REQUIRE_FALSE(unassigned);
    CHECK(unassigned.error().cause == "Invalid path '$w' : The variable 'w' is not defined");

    // Indefinite paths never fail: they give [].
    CHECK(render(json::parse(R"({"c.$":"$.list[*].x"})"), json::object()) == json::parse(R"({"c":[]})"));
}

TEST_CASE("intrinsic failures pass through unchanged", "[templates]") {
    template_env env;
    const json input = json::parse(R"({"s":"not json"})");
    auto direct = value_expression::parse("States.StringToJson($.s)");
    REQUIRE(direct);
    auto expected = direct->evaluate(input, env);
    REQUIRE_FALSE(expected);
    auto out = compile(json::parse(R"J({"wrap":{"j.$":"States.StringToJson($.s)"}})J")).evaluate(input, env);
    REQUIRE_FALSE(out);
    CHECK(out.error().name == expected.error().name);
    CHECK(out.error().cause == expected.error().cause);
}

TEST_CASE("every problem in a template is reported with its pointer", "[templates]") {
    const json source = json::parse(R"J({
        "x.$": "not a path",
        "ok.$": "$.fine",
        "n.$": 5,
        "a": 1,
        "a.$": "$.a",
        "nested": {"deep": [0, {"bad.$": "$.a["}]},
        "sl/ash~.$": "nope",
        "call.$": "States.Nope(1)"
    })J");
    const auto found = problems(source);
    REQUIRE(found.size() == 6);
    CHECK(found[0].pointer == "/States/P/Parameters/x.$");
    CHECK(found[0].message == "the value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call");
    CHECK(found[1].pointer == "/States/P/Parameters/n.$");
    CHECK(found[1].message == "the value for the field 'n.$' must be a valid JSONPath or a valid intrinsic function "
                              "call (found a number, not a string)");
    CHECK(found[2].pointer == "/States/P/Parameters/a.$");
    CHECK(found[2].message == "the field 'a.$' duplicates the field 'a' (keys must be unique once '.$' is removed)");
    CHECK(found[3].pointer == "/States/P/Parameters/nested/deep/1/bad.$");
    CHECK(found[3].message == "the value for the field 'bad.$' must be a valid JSONPath or a valid intrinsic function "
                              "call: '$.a[' is not a valid JSONPath: unclosed '[' at column 4");
    CHECK(found[4].pointer == "/States/P/Parameters/sl~1ash~0.$");
    CHECK(found[5].pointer == "/States/P/Parameters/call.$");
    CHECK_THAT(found[5].message, Catch::Matchers::Contains("the value for the field 'call.$' must be a valid JSONPath "
                                                           "or a valid intrinsic function call: "));

    auto t = payload_template::compile(source, "/States/P/Parameters");
    REQUIRE_FALSE(t);
    CHECK_THAT(t.error().cause, Catch::Matchers::Contains(
        "/States/P/Parameters/x.$: the value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call"));
}

TEST_CASE("duplicates are found in either order and at any depth", "[templates]") {
    auto found = problems(json::parse(R"({"k":{"b.$":"$.x","b":2}})"), "");
    REQUIRE(found.size() == 1);
    CHECK(found[0].pointer == "/k/b");
    CHECK(found[0].message == "the field 'b' duplicates the field 'b.$' (keys must be unique once '.$' is removed)");
    // "a.$.$" produces "a.$", which clashes with nothing: "a.$" itself produces "a".
    CHECK(render(json::parse(R"({"a.$":"$.v","a.$.$":"$.v"})"), json::parse(R"({"v":1})")) ==
          json::parse(R"({"a":1,"a.$":1})"));
}

TEST_CASE("templates nested too deeply are rejected", "[templates]") {
    json deep = json::object({{"x.$", "$.a"}});
    for (int i = 0; i < 100; ++i) deep = json::object({{"n", deep}});
    stepfn::limits bounds;
    bounds.max_nesting_depth = 64;
    auto t = payload_template::compile(deep, "/P", bounds);
    REQUIRE_FALSE(t);
    REQUIRE(t.error().problems.size() == 1);
    CHECK_THAT(t.error().problems[0].message, Catch::Matchers::Contains("nested more than 64 levels deep"));
}

TEST_CASE("a default-constructed template and expression are inert", "[templates]") {
    payload_template t;
    value_expression e;
    template_env env;
    CHECK(t.source().is_null());
    CHECK(t.evaluate(json::object(), env)->is_null());
    CHECK(e.text().empty());
    CHECK_FALSE(e.is_path());
    CHECK_FALSE(e.evaluate(json::object(), env));
}
} // namespace payload_template_test

namespace payload_template_test {

TEST_CASE("evaluate_taking gives what evaluate gives, moving plain member selections out of the input", "[payload-template]") {
    template_env env;
    env.variables["v"] = json{{"k", "variable"}};
    const json input = json::parse(R"({"order":"A-1001","amount":250,"customer":{"id":17,"tier":"gold"},"tags":["x","y"]})");
    struct example {
        const char* source;
        bool moves;  // whether the selected values leave the input
    };
    const example examples[] = {
        {R"({"order.$":"$.order","amount.$":"$.amount","kind":"charge"})", true},
        {R"({"who":{"c.$":"$.customer"},"list":["lit",{"t.$":"$.tags"}]})", true},
        {R"({"kind":"literal only","n":[1,2]})", true},
        {R"({"t.$":"$.customer.tier","i.$":"$.customer['id']","o.$":"$.order"})", true},  // disjoint paths
        {R"({"first.$":"$.tags[0]","second.$":"$.tags[1]"})", true},
        {R"({"all.$":"$"})", true},
        {R"({"a.$":"$.order","b.$":"$.order"})", false},                  // one value selected twice
        {R"({"tier.$":"$.customer.tier","c.$":"$.customer"})", false},     // one inside the other
        {R"({"last.$":"$.tags[-1]","second.$":"$.tags[1]"})", false},      // the same node, told apart by neither
        {R"({"all.$":"$","o.$":"$.order"})", false},
        {R"({"any.$":"$.tags[*]","o.$":"$.order"})", false},               // not definite
        {R"({"ctx.$":"$$.Execution.Name","var.$":"$v.k","o.$":"$.order"})", false},
        {R"j({"s.$":"States.Format('{}', $.order)"})j", false},
    };
    for (const auto& e : examples) {
        INFO(e.source);
        const payload_template t = compile(json::parse(e.source));
        const auto expected = t.evaluate(input, env);
        REQUIRE(expected);
        json taken_from = input;
        const auto taken = t.evaluate_taking(taken_from, env);
        REQUIRE(taken);
        CHECK(*taken == *expected);
        if (!e.moves) CHECK(taken_from == input);
        else if (json::parse(e.source).dump().find(".$") != std::string::npos) CHECK(taken_from != input);
    }

    SECTION("a selection that is missing fails as evaluate() does, naming the input untouched") {
        const payload_template t = compile(json::parse(R"({"order.$":"$.order","nope.$":"$.missing"})"));
        json taken_from = input;
        const auto taken = t.evaluate_taking(taken_from, env);
        const auto expected = t.evaluate(input, env);
        REQUIRE_FALSE(taken);
        REQUIRE_FALSE(expected);
        CHECK(taken.error().cause == expected.error().cause);
        CHECK(taken_from == input);
    }
}

} // namespace payload_template_test
