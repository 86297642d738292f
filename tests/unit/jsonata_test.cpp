#include "catch.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <stepfn/expressions/detail/jsonata_shortcut.hpp>
#include <stepfn/expressions/jsonata_template.hpp>

#include "jsonata_support.hpp"

namespace jsonata_test {

// The C++ API around the language: compile errors, variables from the host, undefined, the
// context-item check AWS needs, AWS's added functions, and the bounds on depth and work.

using stepfn::json;
using stepfn::jsonata_expression;
using stepfn::jsonata_options;

namespace {

stepfn::result<std::optional<json>> eval(const std::string& text, const json* input, const stepfn::eval_env& env,
                                         jsonata_options options = {}) {
    auto e = jsonata_expression::compile(text, options);
    if (!e) return tl::make_unexpected(e.error());
    return e->evaluate(input, env);
}

json value_of(const std::string& text, const json* input = nullptr) {
    jsonata_test::test_env env;
    auto r = eval(text, input, env);
    REQUIRE(r.has_value());
    REQUIRE(r->has_value());
    return **r;
}

std::string error_of(const std::string& text, const json* input = nullptr, jsonata_options options = {}) {
    jsonata_test::test_env env;
    auto r = eval(text, input, env, options);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().name == "States.QueryEvaluationError");
    return r.error().cause;
}

} // namespace

TEST_CASE("JSONata compile errors name the code, the reference's message and the position", "[jsonata]") {
    auto e = jsonata_expression::compile("$states.input.(a + ]");
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().name == "States.QueryEvaluationError");
    CHECK(e.error().cause == "S0211: The symbol \"]\" cannot be used as a unary operator (position 20)");
    CHECK(jsonata_expression::compile("(1").error().cause == "S0203: Expected \")\" before end of expression (position 2)");
    CHECK(jsonata_expression::compile("\"abc").error().cause.rfind("S0101:", 0) == 0);
    CHECK(jsonata_expression::compile("/[a/").error().cause.rfind("S0302:", 0) == 0);
    CHECK(jsonata_expression::compile("/(a/").error().cause.rfind("S0302:", 0) == 0);
    CHECK(jsonata_expression::compile("/\\1/").error().cause.rfind("S0303:", 0) == 0);
}

TEST_CASE("JSONata reads variables from the host and keeps its own bindings first", "[jsonata]") {
    jsonata_test::test_env env;
    env.variables["states"] = json::parse(R"({"input": {"items": [{"price": 2, "qty": 3}, {"price": 5, "qty": 1}]}})");
    env.variables["rate"] = 0.5;
    auto r = eval("$sum($states.input.items.(price * qty)) * $rate", nullptr, env);
    REQUIRE(r.has_value());
    CHECK(**r == json(5.5));
    auto shadowed = eval("($rate := 2; $rate)", nullptr, env);
    CHECK(**shadowed == json(2));
    // A host variable may shadow a built-in function, as AWS's bindings do.
    env.variables["sum"] = "not a function";
    CHECK(eval("$sum([1])", nullptr, env).error().cause.rfind("T1006:", 0) == 0);
}

TEST_CASE("JSONata undefined is std::nullopt and null is JSON null", "[jsonata]") {
    jsonata_test::test_env env;
    const json input = json::parse(R"({"a": null})");
    auto missing = eval("b", &input, env);
    REQUIRE(missing.has_value());
    CHECK_FALSE(missing->has_value());
    auto null_value = eval("a", &input, env);
    REQUIRE(null_value->has_value());
    CHECK((*null_value)->is_null());
    auto no_input = eval("$", nullptr, env);
    CHECK_FALSE(no_input->has_value());
    auto fn = eval("function($x){$x}", nullptr, env);  // functions have no JSON form
    CHECK_FALSE(fn->has_value());
}

TEST_CASE("JSONata hands a number of the input out as it is, unsigned ones too", "[jsonata]") {
    // nlohmann parses non-negative integers as unsigned; one above 2^63 must not come out negative.
    const json input = json::parse(R"({"big": 18446744073709551615, "small": 5, "neg": -5, "f": 2.5})");
    CHECK(value_of("big", &input) == json(18446744073709551615ULL));
    CHECK(value_of("small", &input) == 5);
    CHECK(value_of("neg", &input) == -5);
    CHECK(value_of("f", &input) == 2.5);
}

TEST_CASE("JSONata says whether an expression reads the context item", "[jsonata]") {
    const auto uses = [](const char* text) { return jsonata_expression::compile(text)->uses_context_item(); };
    CHECK(uses("$"));
    CHECK(uses("$$"));
    CHECK(uses("a.b"));
    CHECK(uses("*"));
    CHECK(uses("**.x"));
    CHECK(uses("{\"k\": name}"));
    CHECK(uses("$count(items)"));
    CHECK(uses("$states.input.($$.x)"));
    CHECK_FALSE(uses("$states.input.a.b"));
    CHECK_FALSE(uses("$states.input.items[price > 2].name"));
    CHECK_FALSE(uses("$map($states.input, function($v){ $v.x })"));
    CHECK_FALSE(uses("$states.input{type: $sum(value)}"));
    CHECK_FALSE(uses("($x := 1; $x + 1)"));
    CHECK_FALSE(uses("$states.input ~> |$|{\"a\": b}|"));
    CHECK(jsonata_expression::compile("$x + 1")->text() == "$x + 1");
}

TEST_CASE("JSONata paths read the input in place and results are copies", "[jsonata]") {
    const json input = json::parse(R"({"items": [{"n": 1}, {"n": 2}]})");
    const json before = input;
    CHECK(value_of("items ~> |$|{\"n\": 99}|", &input) == json::parse(R"([{"n": 99}, {"n": 99}])"));
    CHECK(input == before);
    CHECK(value_of("items[n=2]", &input) == json::parse(R"({"n": 2})"));
}

TEST_CASE("JSONata AWS functions", "[jsonata]") {
    CHECK(value_of("$partition([1,2,3,4,5], 2)") == json::parse("[[1,2],[3,4],[5]]"));
    CHECK(value_of("$range(0, 10, 2)") == json::parse("[0,2,4,6,8,10]"));
    CHECK(value_of("$range(5, 1, -2)") == json::parse("[5,3,1]"));
    CHECK(value_of("$hash('abc', 'SHA-256')") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(value_of("$hash('abc', 'MD5')") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(value_of("$parse('{\"a\": [1, 2]}').a[1]") == 2);
    CHECK(value_of("$random(7) = $random(7)") == true);
    CHECK(value_of("$random() >= 0 and $random() < 1") == true);
    const std::string uuid = value_of("$uuid()").get<std::string>();
    CHECK(uuid.size() == 36);
    CHECK(uuid[14] == '4');
    CHECK(error_of("$hash('a', 'SHA-3')").rfind("D3203:", 0) == 0);
    CHECK(error_of("$partition([1], 0)").rfind("D3201:", 0) == 0);
    CHECK(error_of("$range(1, 5000)").rfind("D3202:", 0) == 0);
    CHECK(error_of("$parse('{')").rfind("D3205:", 0) == 0);
    jsonata_options plain;
    plain.aws_functions = false;
    CHECK(error_of("$uuid()", nullptr, plain).rfind("T1006:", 0) == 0);
}

TEST_CASE("JSONata $now and $millis are fixed for one evaluation", "[jsonata]") {
    CHECK(value_of("[1..2000].$millis() ~> $distinct() ~> $count()") == 1);
    CHECK(value_of("$now() = $now()") == true);
    CHECK(value_of("$string($millis()) = $string($millis())") == true);
    const std::string now = value_of("$now()").get<std::string>();
    CHECK(now.size() == 24);
    CHECK(now.back() == 'Z');
    CHECK(value_of("$fromMillis(1577836800123)") == "2020-01-01T00:00:00.123Z");
}

TEST_CASE("JSONata bounds recursion, work and sizes with clear errors", "[jsonata]") {
    CHECK(error_of("($f := function($n){$f($n + 1)}; $f(0))").rfind("U1001: Stack overflow", 0) == 0);
    jsonata_options small;
    small.max_steps = 100000;
    CHECK(error_of("($f := function($n){$n > 0 ? $f($n - 1) : 0}; [1..100000].$f(3))", nullptr, small)
              .rfind("U1001: Expression evaluation timeout", 0) == 0);
    CHECK(error_of("[1..1000001]").rfind("D2014:", 0) == 0);
    // A range at 2^53, where x + 1 == x, ends (the reference never does); -0 keeps its sign.
    CHECK(value_of("[9007199254740990..9007199254740992]") ==
          json::array({9007199254740990LL, 9007199254740991LL, 9007199254740992.0}));
    CHECK(value_of("1 / [-0..1][0] < 0") == true);
    CHECK(error_of("$pad('x', 10000000)").rfind("U1002:", 0) == 0);
    CHECK(error_of("($f := function($t){$f($t & $t)}; $f('0123456789'))").rfind("U1002:", 0) == 0);
    CHECK(error_of("$join([1..300000].$string())").rfind("U1002:", 0) == 0);
    // Parse nesting is bounded too, without exhausting the stack.
    std::string deep(100000, '(');
    CHECK_FALSE(jsonata_expression::compile(deep + "1" + std::string(100000, ')')).has_value());
    std::string nested_arrays(100000, '[');
    CHECK_FALSE(jsonata_expression::compile(nested_arrays).has_value());
    // Catastrophic-backtracking patterns run in linear time.
    CHECK(value_of("$contains('" + std::string(5000, 'a') + "b', /^(a+)+$/)") == false);
    // Recursion that stays within the bound works.
    CHECK(value_of("($fact := function($n){$n <= 1 ? 1 : $n * $fact($n - 1)}; $fact(100) > 1e157)") == true);
}

TEST_CASE("JSONata expressions evaluate concurrently", "[jsonata][concurrency]") {
    auto e = jsonata_expression::compile("$sum(items.(price * qty)) & '/' & $count(items[price > 1])");
    REQUIRE(e.has_value());
    const json input = json::parse(R"({"items": [{"price": 2, "qty": 3}, {"price": 1, "qty": 4}]})");
    std::vector<std::string> results(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < results.size(); ++t) {
        threads.emplace_back([&, t] {
            jsonata_test::test_env env;
            for (int i = 0; i < 200; ++i) {
                auto r = e->evaluate(&input, env);
                if (r && *r) results[t] = (*r)->get<std::string>();
            }
        });
    }
    for (auto& th : threads) th.join();
    for (const auto& r : results) CHECK(r == "10/1");
}
namespace {

// A context object with a large Execution.Input, counting the copies asked for with and without it.
class context_env final : public stepfn::eval_env {
public:
    json full = json::parse(R"({"Execution": {"Id": "e", "Input": {"items": [1, 2, 3]}}, "Map": {"Item": {"Index": 1, "Value": {"id": 7}}}})");
    json without = json::parse(R"({"Execution": {"Id": "e"}, "Map": {"Item": {"Index": 1, "Value": {"id": 7}}}})");
    mutable int copies_with = 0, copies_without = 0;
    const json* context() const override { return &full; }
    const json* context_without_input() const override { return &without; }
    json context_copy(bool with_input) const override {
        ++(with_input ? copies_with : copies_without);
        return with_input ? full : without;
    }
    const json* variable(std::string_view) const override { return nullptr; }
    std::uint64_t random() const override { return 4; }
};

stepfn::jsonata_template template_of(const std::string& text) {
    auto t = stepfn::jsonata_template::compile(json(text), "/Output", "Output");
    REQUIRE(t);
    return std::move(*t);
}

} // namespace

TEST_CASE("$states.context leaves out the execution's input unless the expression may read it", "[jsonata]") {
    using stepfn::states_member;
    // What the text says: only these certainly do not reach Execution.Input.
    for (const char* text : {"{% $states.context.Map.Item.Value %}", "{% $states.context.Execution.Id & $states.input.x %}",
                             "{% $states.context.Task.Token %}", "{% $states.input.Execution.Input %}"}) {
        INFO(text);
        CHECK_FALSE(template_of(text).reads(states_member::execution_input));
    }
    for (const char* text : {"{% $states.context.Execution.Input.items %}", "{% $states.context %}", "{% $states %}",
                             "{% $states.context.Execution %}", "{% $states.context.*.Input %}",
                             "{% $lookup($states.context, 'Execution') %}", "{% $states.context.Execution[0].Input %}",
                             "{% $states.context.Map.Item.Value & $string($states.context) %}"}) {
        INFO(text);
        CHECK(template_of(text).reads(states_member::execution_input));
    }

    context_env base;
    {
        stepfn::states_env env(base);
        auto v = env.evaluate(template_of("{% $states.context.Map.Item.Value.id %}"));
        REQUIRE(v);
        CHECK(*v == 7);
        CHECK(base.copies_without == 1);
        CHECK(base.copies_with == 0);
        // Bound once per environment; an expression that may read the input binds it again, whole.
        CHECK(env.evaluate(template_of("{% $states.context.Map.Item.Index %}")).value() == 1);
        CHECK(base.copies_without == 1);
        CHECK(env.evaluate(template_of("{% $count($states.context.Execution.Input.items) %}")).value() == 3);
        CHECK(base.copies_with == 1);
        CHECK(env.evaluate(template_of("{% $states.context.Map.Item.Index %}")).value() == 1);
        CHECK(base.copies_with + base.copies_without == 2);
    }
    {
        // The whole context, as before, when the expression passes it on.
        stepfn::states_env env(base);
        auto v = env.evaluate(template_of("{% $states.context %}"));
        REQUIRE(v);
        CHECK(*v == base.full);
    }
}

TEST_CASE("An Output $merge([$states.input, {...}]) takes the input and gives the evaluator's answer", "[jsonata]") {
    CHECK(stepfn::detail::merge_input_rest("$merge([$states.input, {'a': 1}])") == std::string_view("{'a': 1}"));
    CHECK(stepfn::detail::merge_input_rest(" $merge( [ $states . input ,x ] ) ") == std::string_view("x"));
    CHECK_FALSE(stepfn::detail::merge_input_rest("$merge([$states.inputs, x])"));
    CHECK_FALSE(stepfn::detail::merge_input_rest("$merge([$states.input, x]).a"));
    CHECK_FALSE(stepfn::detail::merge_input_rest("$merge([$states.input])"));

    stepfn::empty_env base;
    const json inputs[] = {json::parse(R"({"a": 1, "meta": 0, "z": -0.0, "tags": ["x"]})"), json::parse(R"([{"a": 1}, {"b": 2}])"),
                           json("text"), json::parse("{}")};
    const char* exprs[] = {
        "{% $merge([$states.input, {'meta': {'tier': 'gold'}}]) %}",
        "{% $merge([$states.input, {'n': $states.input.a + 1, 'a': 'over'}]) %}",
        "{% $merge([$states.input, $states.input.missing]) %}",
        "{% $merge([$states.input, [{'b': 2}, {'c': 3}]]) %}",
        "{% $merge([$states.input, [{'b': 2}]]) %}",
        "{% $merge([$states.input, 'text']) %}",
        "{% $merge([$states.input, function($x) {$x}]) %}",
        "{% $merge([$states.input, {'x': 1}]) ~> $keys() %}",
        "{% $merge([$states.input, {'x': 1/0}]) %}",
        "{% $merge([$states.input, {'x': 1 + 'a'}]) %}",
        "{% $merge([$states.input, $states.input.a ? $states.input.nothing : {'y': 1}]) %}",
        "{% $merge([$states.input, {'x': 'y'}])]) %}",
    };
    for (const json& input : inputs) {
        for (const char* text : exprs) {
            INFO(input.dump() << " " << text);
            auto t = stepfn::jsonata_template::compile(json(text), "/Output", "Output");
            if (!t) {
                CHECK(std::string(text).find("])])") != std::string::npos);  // the one that does not parse
                continue;
            }
            stepfn::states_env whole(base), last(base);
            whole.set("input", input);
            last.set("input", input);
            auto expected = whole.evaluate(*t);
            auto got = last.evaluate_last(*t);
            REQUIRE(expected.has_value() == got.has_value());
            if (expected) CHECK(*expected == *got);
            else CHECK(expected.error().cause == got.error().cause);
            // Taken only where the shortcut answered: an object input merged with an object.
            const json left = last.take("input");
            CHECK((left == input || (left.is_null() && input.is_object())));
        }
    }
    stepfn::states_env env(base);
    env.set("input", inputs[0]);
    auto t = stepfn::jsonata_template::compile(json(exprs[0]), "/Output", "Output");
    REQUIRE(t);
    auto out = env.evaluate_last(*t);
    REQUIRE(out);
    CHECK(*out == json::parse(R"({"a": 1, "meta": {"tier": "gold"}, "z": 0, "tags": ["x"]})"));
    CHECK(out->dump() == R"({"a":1,"meta":{"tier":"gold"},"z":0,"tags":["x"]})");
    CHECK(env.take("input").is_null());  // taken, not copied

    // A workflow variable named `merge` is what `$merge` calls: not a function, so an error.
    jsonata_test::test_env with_merge;
    with_merge.variables["merge"] = 1;
    stepfn::states_env shadowed(with_merge);
    shadowed.set("input", inputs[0]);
    auto refused = shadowed.evaluate_last(*t);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().cause, Catch::Matchers::Contains("T1006"));
    CHECK(shadowed.take("input") == inputs[0]);
}

TEST_CASE("An Output takes from $states what only one of its expressions reads, with the same answers", "[jsonata]") {
    using stepfn::detail::parse_object_of_paths;
    auto paths = parse_object_of_paths(" { 'receipt' : $states.result, \"o\": $states.input.order.id } ");
    REQUIRE(paths);
    REQUIRE(paths->size() == 2);
    CHECK((*paths)[0].first == "receipt");
    CHECK((*paths)[1].second.names == std::vector<std::string>{"input", "order", "id"});
    for (const char* text : {"{}", "{'a': $states.result,}", "{'a': $x, 'a': $y}", "{'a\\'b': $x}", "{'a': $x + 1}",
                             "{'a': $states.result.b[0]}", "{'a': $x} ~> $f", "{'a': $f($x)}", "{'a': $x > 1}"}) {
        INFO(text);
        CHECK_FALSE(parse_object_of_paths(text));
    }

    stepfn::empty_env base;
    const json inputs[] = {json::parse(R"({"order": {"id": "A-1", "lines": [1, 2]}, "amount": -0.0, "tags": ["x"], "n": 1})"),
                           json::parse(R"([{"order": 1}])"), json("text"), json::parse("{}")};
    const json results[] = {json::parse(R"({"id": "r1", "x": {"y": 2}})"), json::parse("[1, 2]"), json(nullptr)};
    const char* templates[] = {
        R"({"order": "{% $states.input.order %}", "amount": "{% $states.input.amount %}"})",
        R"({"a": "{% $states.input.order %}", "b": "{% $states.input.order %}"})",
        R"({"a": "{% $states.input.order %}", "b": ["{% $states.input.order.id %}"]})",
        R"({"a": "{% $states.input.order %}", "n": "{% $count($states.input.order.lines) %}"})",
        R"({"a": "{% $states.input.order.lines %}", "t": "{% $states.input.tags %}"})",
        R"({"r": "{% $states.result %}", "i": "{% $states.input.n %}", "x": "{% $states.result.x.y = 2 %}"})",
        R"({"r": "{% $states.result %}", "i": "{% $states.input.missing %}"})",
        R"(["{% $states.result.x %}", "{% $states.result.id %}", {"k": "{% $states %}"}])",
        R"("{% $states.result %}")",
        R"("{% $merge([$states.input, {'receipt': $states.result}]) %}")",
        R"("{% $merge([$states.input, {'receipt': $states.result, 'id': $states.input.order.id}]) %}")",
        R"("{% $merge([$states.input, {'a': $states.result, 'b': $states.result.x}]) %}")",
        R"("{% $merge([$states.input, {'r': $states.result.missing, 'n': $states.result.id}]) %}")",
        R"("{% $merge([$states.input, {'r': $states.result.x.y, 'n': $states.input.n}]) %}")",
        R"({"m": "{% $merge([$states.input, {'r': $states.result}]) %}", "r": "{% $states.result.id %}"})",
        R"({"m": "{% $merge([$states.input, {'r': $states.result}]) %}", "o": "{% $states.input.order %}"})",
    };
    // What is left of `$states` after the template took what it could.
    const auto left_after = [&](const char* text, const json& input, const json& result) {
        auto t = stepfn::jsonata_template::compile(json::parse(text), "/Output", "Output");
        REQUIRE(t);
        stepfn::states_env env(base);
        env.set("input", input);
        env.set("result", result);
        REQUIRE(env.evaluate_last(*t));
        return json{{"input", env.take("input")}, {"result", env.take("result")}};
    };
    for (const json& input : inputs) {
        for (const json& result : results) {
            for (const char* text : templates) {
                INFO(input.dump() << " " << result.dump() << " " << text);
                auto t = stepfn::jsonata_template::compile(json::parse(text), "/Output", "Output");
                REQUIRE(t);
                stepfn::states_env copied(base), last(base);
                for (auto* env : {&copied, &last}) {
                    env->set("input", input);
                    env->set("result", result);
                }
                auto expected = copied.evaluate(*t);
                for (int twice = 0; twice < 2; ++twice) {  // the template keeps nothing of an evaluation
                    auto got = last.evaluate_last(*t);
                    REQUIRE(expected.has_value() == got.has_value());
                    if (expected) CHECK(expected->dump() == got->dump());
                    else CHECK(expected.error().cause == got.error().cause);
                    last.set("input", input);
                    last.set("result", result);
                }
                CHECK(copied.take("input") == input);  // evaluate() copies
                CHECK(copied.take("result") == result);
            }
        }
    }
    const json& in = inputs[0];
    const json& res = results[0];
    json rest = in;
    rest["order"] = nullptr;
    CHECK(left_after(templates[0], in, res)["input"] == rest);  // the order taken; -0 was written 0
    // Read twice, or around another path, or by another expression; arrays are the evaluator's.
    for (int i : {1, 2, 3, 4, 15}) CHECK(left_after(templates[i], in, res)["input"] == in);
    CHECK(left_after(templates[5], in, res)["result"] == res);  // read twice
    CHECK(left_after(templates[8], in, res)["result"].is_null());
    CHECK(left_after(templates[9], in, res) == json{{"input", nullptr}, {"result", nullptr}});
    CHECK(left_after(templates[10], in, res) == json{{"input", nullptr}, {"result", nullptr}});
    CHECK(left_after(templates[11], in, res)["result"] == res);
    CHECK(left_after(templates[14], in, res) == json{{"input", nullptr}, {"result", res}});
}

TEST_CASE("JSONata constant expressions are computed once at compile time, with the same results", "[jsonata]") {
    jsonata_options unfolded;
    unfolded.fold_constants = false;
    jsonata_test::test_env env;
    for (const char* text : {"0.1 + 0.2", "$string(1e21) & \"x\"", "[1..3].($ * 2)", "{\"a\": [1, 2]}.a",
                             "($f := function($x) { $x * 2 }; $f(21))", "$sum([1, 2, 3])", "1 / 0", "-(0)",
                             "$uppercase(\"é\")", "$boolean(\"\")", "[]", "$keys({})"}) {
        INFO(text);
        auto folded = eval(text, nullptr, env);
        auto plain = eval(text, nullptr, env, unfolded);
        REQUIRE(folded.has_value() == plain.has_value());
        if (folded) CHECK(*folded == *plain);
    }
    CHECK(value_of("60 * 60 * 24") == json(86400));
    // Errors are not kept: each evaluation reports them as before.
    CHECK(error_of("1 + \"a\"").rfind("T2002:", 0) == 0);
    // A host variable named like a built-in (or a lexical variable) is read instead of it.
    auto e = jsonata_expression::compile("$string(5)");
    REQUIRE(e.has_value());
    CHECK(e->evaluate(nullptr, env).value() == std::optional<json>(json("5")));
    env.variables["string"] = 1;
    auto shadowed = e->evaluate(nullptr, env);
    REQUIRE_FALSE(shadowed.has_value());
    CHECK(shadowed.error().cause.rfind("T1006:", 0) == 0);
    auto bound = jsonata_expression::compile("($y := 2; $y * 3)");
    REQUIRE(bound.has_value());
    CHECK(bound->evaluate(nullptr, env).value() == std::optional<json>(json(6)));
    env.variables["y"] = 10;  // the binding still comes first, folded or not
    CHECK(bound->evaluate(nullptr, env).value() == std::optional<json>(json(6)));
    // With an input the expression runs: `$` and field names read it.
    const json input = {{"a", 1}};
    auto with_input = jsonata_expression::compile("{\"k\": 1}");
    REQUIRE(with_input.has_value());
    CHECK(with_input->evaluate(&input, env).value() == std::optional<json>(json{{"k", 1}}));
}

// Whether compile keeps a result for `text` (program.hpp's fold, on the compiled tree).
bool folds(const std::string& text) {
    namespace dj = stepfn::detail::jsonata;
    dj::program p;
    p.text = text;
    dj::parser parse(p.text, p.nodes, 500);
    auto raw = parse.parse();
    REQUIRE(raw.has_value());
    dj::rewriter rw(p.nodes);
    auto tree = rw.process(*raw);
    REQUIRE(tree.has_value());
    p.root = *tree;
    p.uses_parent = rw.uses_parent;
    dj::fold(p);
    return p.folded;
}

TEST_CASE("JSONata folds exactly the expressions that read nothing from outside", "[jsonata]") {
    CHECK(folds("1 + 2"));
    CHECK(folds("($x := 1; $x + 1)"));
    CHECK(folds("$toMillis(\"2024-01-02\", \"[Y]-[M]-[D]\")"));
    CHECK(folds("$map([1, 2], function($v) { $v * 2 })"));
    CHECK_FALSE(folds("$x + 1"));
    CHECK_FALSE(folds("$states.input.a"));
    CHECK_FALSE(folds("$toMillis(\"10:30\", \"[H01]:[m01]\")"));  // the date is today's
    CHECK_FALSE(folds("$now()"));
    CHECK_FALSE(folds("$random()"));
    CHECK_FALSE(folds("$shuffle([1, 2, 3])"));
    CHECK_FALSE(folds("1 + \"a\""));         // errors are reported by each evaluation
    CHECK_FALSE(folds("$count([1..100000])"));  // past the work allowed at compile time
}

TEST_CASE("JSONata expressions reading the random source or the clock are never folded", "[jsonata]") {
    jsonata_test::test_env env;
    auto r = jsonata_expression::compile("$random()");
    REQUIRE(r.has_value());
    const auto first = r->evaluate(nullptr, env).value();
    const auto second = r->evaluate(nullptr, env).value();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(*first != *second);
    auto u = jsonata_expression::compile("$uuid() = $uuid()");
    REQUIRE(u.has_value());
    CHECK(u->evaluate(nullptr, env).value() == std::optional<json>(json(false)));
    // A picture without the date takes it from the evaluation's "now".
    auto t = jsonata_expression::compile("$toMillis(\"10:30\", \"[H01]:[m01]\")");
    REQUIRE(t.has_value());
    const auto today = [] {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        return static_cast<double>(ms - ms % 86400000 + 37800000);
    };
    const double before = today();
    const auto at = t->evaluate(nullptr, env).value();
    const double after = today();
    REQUIRE(at.has_value());
    CHECK((at->get<double>() == before || at->get<double>() == after));
    auto m = jsonata_expression::compile("$millis() > 1700000000000");
    REQUIRE(m.has_value());
    CHECK(m->evaluate(nullptr, env).value() == std::optional<json>(json(true)));
    // A variable of the host makes the expression read it every time.
    auto v = jsonata_expression::compile("$n + 1");
    REQUIRE(v.has_value());
    env.variables["n"] = 1;
    CHECK(v->evaluate(nullptr, env).value() == std::optional<json>(json(2)));
    env.variables["n"] = 2;
    CHECK(v->evaluate(nullptr, env).value() == std::optional<json>(json(3)));
}

} // namespace jsonata_test
