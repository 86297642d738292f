// JSONPath as AWS (Jayway) reads it: definite and indefinite paths, filters, reference paths,
// ResultPath assignment, parse errors.

#include "catch.hpp"
#include "json_path_support.hpp"

namespace json_path_test {

using namespace json_path_support;

TEST_CASE("disjoint_from: definite paths whose nodes neither coincide nor nest", "[paths]") {
    const auto disjoint = [](const char* a, const char* b) {
        const bool one = path(a).disjoint_from(path(b));
        CHECK(one == path(b).disjoint_from(path(a)));  // symmetric
        return one;
    };
    CHECK(disjoint("$.a", "$.b"));
    CHECK(disjoint("$.a.x", "$['a']['y']"));
    CHECK(disjoint("$.list[0]", "$.list[1].name"));
    CHECK_FALSE(disjoint("$.a", "$['a']"));      // the same node
    CHECK_FALSE(disjoint("$.a", "$.a.x"));       // one inside the other
    CHECK_FALSE(disjoint("$", "$.a"));
    CHECK_FALSE(disjoint("$.list[-1]", "$.list[1]"));  // may be the same element
    CHECK_FALSE(disjoint("$.a[0]", "$.a['0']"));  // an index and a name: not told apart
    CHECK_FALSE(disjoint("$.a[*]", "$.b"));       // not definite
    CHECK_FALSE(disjoint("$['a','b']", "$.c"));   // a merged leaf is not a node
    CHECK_FALSE(disjoint("$$.Execution.Name", "$.b"));
    CHECK_FALSE(disjoint("$v.a", "$.b"));         // a variable, not the input
}

TEST_CASE("definite paths select one value", "[paths]") {
    CHECK(eval("$") == store());
    CHECK(eval("$.expensive") == 10);
    CHECK(eval("$.store.bicycle.color") == "red");
    CHECK(eval("$['store']['bicycle']['color']") == "red");
    CHECK(eval("$[\"store\"].bicycle[\"price\"]") == 19.95);
    CHECK(eval("$.store.book[0].author") == "Nigel Rees");
    CHECK(eval("$.store.book[-1].title") == "The Lord of the Rings");
    CHECK(eval("$.store.book[-4].title") == "Sayings of the Century");
    CHECK(eval("$[1]", json::parse("[1,[2]]")) == json::parse("[2]"));
    CHECK(eval("$[1][0]", json::parse("[1,[2]]")) == 2);
    CHECK(eval("$.n", json::parse(R"({"n":null})")).is_null());

    auto p = path("$.store.book[2].isbn");
    CHECK(p.is_definite());
    CHECK(p.root() == json_path::root_kind::input);
    CHECK(p.text() == "$.store.book[2].isbn");
    CHECK_FALSE(p.is_root());
    CHECK(path("$").is_root());
    CHECK(path("$").is_definite());
}

TEST_CASE("a definite path that matches nothing fails with Jayway's text", "[paths]") {
    CHECK(eval_error("$.x") == "Invalid path '$.x' : No results for path: $['x']");
    CHECK(eval_error("$.a.b") == "Invalid path '$.a.b' : Missing property in path $['a']");
    CHECK(eval_error("$.store.x.y.z") == "Invalid path '$.store.x.y.z' : Missing property in path $['store']['x']");
    CHECK(eval_error("$.store.bicycle.gears") ==
          "Invalid path '$.store.bicycle.gears' : No results for path: $['store']['bicycle']['gears']");
    CHECK(eval_error("$.store.book[4]") == "Invalid path '$.store.book[4]' : No results for path: $['store']['book'][4]");
    CHECK(eval_error("$.store.book[-5].title") ==
          "Invalid path '$.store.book[-5].title' : No results for path: $['store']['book'][-5]['title']");
    CHECK(eval_error("$.expensive.x") ==
          "Invalid path '$.expensive.x' : Expected to find an object with property ['x'] in path $['expensive'] "
          "but found 'number'. This is not a json object.");
    CHECK(eval_error("$.x", json("foo")) ==
          "Invalid path '$.x' : Expected to find an object with property ['x'] in path $ but found 'string'. "
          "This is not a json object.");
    CHECK(eval_error("$.store[0]") ==
          "Invalid path '$.store[0]' : Filter: [0] can only be applied to arrays. Current context is: "
          "{\"book\":" + store()["store"]["book"].dump() + ",\"bicycle\":{\"color\":\"red\",\"price\":19.95}}");
    CHECK(eval_error("$.a[0]", json::parse(R"({"a":null})")) == "Invalid path '$.a[0]' : The path $['a'] is null");
}

TEST_CASE("indefinite paths return every match in document order", "[paths]") {
    const json authors = json::parse(R"(["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"])");
    CHECK(eval("$.store.book[*].author") == authors);
    CHECK(eval("$..author") == authors);
    CHECK(eval("$.store.book.*.author") == authors);
    CHECK(eval("$['store']['book'][*]['author']") == authors);
    CHECK(eval("$.store.*") == json::array({store()["store"]["book"], store()["store"]["bicycle"]}));
    CHECK(eval("$.store..price") == json::parse("[8.95,12.99,8.99,22.99,19.95]"));
    CHECK(eval("$..book[2].title") == json::array({"Moby Dick"}));
    CHECK(eval("$..book[-1:].title") == json::array({"The Lord of the Rings"}));
    CHECK(eval("$.store.bicycle.*") == json::parse(R"(["red", 19.95])"));
    CHECK_FALSE(path("$.store.book[*]").is_definite());
    CHECK_FALSE(path("$..author").is_definite());
}

TEST_CASE("indefinite paths give an empty array when nothing matches", "[paths]") {
    CHECK(eval("$.store.book[*].publisher") == json::array());
    CHECK(eval("$..nothing") == json::array());
    CHECK(eval("$.missing[*]") == json::array());
    CHECK(eval("$.store.book[10:20]") == json::array());
    CHECK(eval("$.store.book[?(@.price > 100)]") == json::array());
    CHECK(eval("$.expensive[*]") == json::array());
    CHECK(eval("$[*]", json("scalar")) == json::array());
}

TEST_CASE("unions, slices and negative indexes", "[paths]") {
    const json v = json::parse("[0,1,2,3,4,5,6,7,8,9]");
    CHECK(eval("$[0,1]", v) == json::parse("[0,1]"));
    CHECK(eval("$[3,-1,0]", v) == json::parse("[3,9,0]"));
    CHECK(eval("$[1,42]", v) == json::parse("[1]"));
    CHECK(eval("$[2:5]", v) == json::parse("[2,3,4]"));
    CHECK(eval("$[:3]", v) == json::parse("[0,1,2]"));
    CHECK(eval("$[7:]", v) == json::parse("[7,8,9]"));
    CHECK(eval("$[-3:]", v) == json::parse("[7,8,9]"));
    CHECK(eval("$[:-8]", v) == json::parse("[0,1]"));
    CHECK(eval("$[-4:-2]", v) == json::parse("[6,7]"));
    CHECK(eval("$[::3]", v) == json::parse("[0,3,6,9]"));
    CHECK(eval("$[1:8:2]", v) == json::parse("[1,3,5,7]"));
    CHECK(eval("$[::-1]", json::parse("[1,2,3]")) == json::parse("[3,2,1]"));
    CHECK(eval("$[-1:0:-2]", v) == json::parse("[9,7,5,3,1]"));
    CHECK(eval("$[:]", json::parse("[1,2]")) == json::parse("[1,2]"));
    CHECK(eval("$[ 1 : 3 ]", v) == json::parse("[1,2]"));
    CHECK(eval("$[-100:2]", v) == json::parse("[0,1]"));
    CHECK(eval("$[5:100]", json::parse("[1]")) == json::array());
    CHECK(eval("$.vals[-3:]", json::parse(R"({"vals":[1,2,3,4,5]})")) == json::parse("[3,4,5]"));
    CHECK_THAT(parse_error("$[1:2:0]"), Catch::Matchers::Contains("a slice step must not be 0"));
}

TEST_CASE("a multi-name union merges into one object, as Jayway does", "[paths]") {
    CHECK(eval("$.store.bicycle['color','price']") == json::parse(R"({"color":"red","price":19.95})"));
    CHECK(eval("$.store.bicycle['price','color','nope']") == json::parse(R"({"price":19.95,"color":"red"})"));
    CHECK(eval("$.store.book[0:2]['author','price']") ==
          json::parse(R"([{"author":"Nigel Rees","price":8.95},{"author":"Evelyn Waugh","price":12.99}])"));
    CHECK(eval("$.store.bicycle['color','price'].x") == json::array());
    // Not a node of the document, so find() has nothing to point to.
    CHECK_FALSE(path("$['a','b']").is_definite());
    test_env env;
    CHECK(path("$.store.bicycle['color','price']").find(store(), env) == nullptr);
    CHECK(eval("$..['isbn','price']") == json::parse(R"([
        {"isbn":"0-553-21311-3","price":8.99},{"isbn":"0-395-19395-8","price":22.99}])"));
}

TEST_CASE("filters", "[paths]") {
    CHECK(titles(eval("$.store.book[?(@.price < 10)]")) == json::parse(R"(["Sayings of the Century","Moby Dick"])"));
    CHECK(titles(eval("$..book[?(@.isbn)]")) == json::parse(R"(["Moby Dick","The Lord of the Rings"])"));
    CHECK(titles(eval("$..book[?(!@.isbn)]")) == json::parse(R"(["Sayings of the Century","Sword of Honour"])"));
    CHECK(titles(eval("$..book[?(@.price <= $['expensive'])]")) ==
          json::parse(R"(["Sayings of the Century","Moby Dick"])"));
    CHECK(titles(eval("$..book[?(@.price > $.expensive)]")) ==
          json::parse(R"(["Sword of Honour","The Lord of the Rings"])"));
    CHECK(titles(eval("$.store.book[?(@.category == 'fiction' && @.price < 20)]")) ==
          json::parse(R"(["Sword of Honour","Moby Dick"])"));
    CHECK(titles(eval("$.store.book[?(@.category == \"reference\" || @.price > 20)]")) ==
          json::parse(R"(["Sayings of the Century","The Lord of the Rings"])"));
    CHECK(titles(eval("$.store.book[?((@.price < 9 || @.price > 20) && @.isbn)]")) ==
          json::parse(R"(["Moby Dick","The Lord of the Rings"])"));
    CHECK(titles(eval("$.store.book[?(@.price<9||@.price>20&&@.isbn)]")) ==
          json::parse(R"(["Sayings of the Century","Moby Dick","The Lord of the Rings"])"));
    CHECK(titles(eval("$.store.book[?(!(@.category != 'reference'))]")) == json::parse(R"(["Sayings of the Century"])"));
    CHECK(titles(eval("$.store.book[?(@.price >= 12.99)]")) ==
          json::parse(R"(["Sword of Honour","The Lord of the Rings"])"));
    CHECK(eval("$.store.book[?(@.author == 'Herman Melville')].title") == json::array({"Moby Dick"}));
    CHECK(eval("$.store.book[?(@.isbn != '0-553-21311-3')].title") ==
          json::parse(R"(["Sayings of the Century","Sword of Honour","The Lord of the Rings"])"));
    CHECK(eval("$.store.book[?(@.title > 'S')].title") ==
          json::parse(R"(["Sayings of the Century","Sword of Honour","The Lord of the Rings"])"));
    // Pre-order: the books (inside "book") come before the bicycle.
    CHECK(eval("$..[?(@.price > 19)].price") == json::parse("[22.99, 19.95]"));
}

TEST_CASE("filter literals, types and nested paths", "[paths]") {
    const json items = json::parse(R"([
        {"id": 1, "ok": true,  "tag": null, "n": {"v": [1, 2]}},
        {"id": 2, "ok": false, "tag": "x",  "n": {"v": [3]}},
        {"id": 3, "ok": "true", "big": 18446744073709551615},
        {"id": -4, "ok": true, "tag": "y", "n": {"v": []}},
        7, "scalar", [1]
    ])");
    const auto ids = [&](const std::string& filter) {
        json out = json::array();
        for (const auto& item : eval("$[?(" + filter + ")]", items)) out.push_back(item["id"]);
        return out;
    };
    CHECK(ids("@.ok == true") == json::parse("[1,-4]"));
    CHECK(ids("@.ok == false") == json::parse("[2]"));
    CHECK(ids("@.ok == 'true'") == json::parse("[3]"));
    CHECK(ids("@.tag == null") == json::parse("[1]"));
    CHECK(ids("@.tag") == json::parse("[1,2,-4]")); // null is present
    CHECK(ids("@.id == 1.0") == json::parse("[1]"));
    CHECK(ids("@.id < 0") == json::parse("[-4]"));
    CHECK(ids("@.id >= -4e0") == json::parse("[1,2,3,-4]"));
    CHECK(ids("@.big > 1") == json::parse("[3]"));
    CHECK(ids("@.big > -1") == json::parse("[3]"));
    CHECK(ids("@.n.v[0] == 3") == json::parse("[2]"));
    CHECK(ids("@.n.v[-1] == 2") == json::parse("[1]"));
    CHECK(ids("@.n.v[*]") == json::parse("[1,2]")); // an empty list does not exist
    CHECK(ids("@.n.v == @.n.v") == json::parse("[1,2,-4]"));
    CHECK(ids("@.tag != 'x'") == json::parse("[1,3,-4]")); // missing != anything
    CHECK(ids("@.tag < 'z'") == json::parse("[2,-4]"));
    CHECK(ids("@.ok < 1") == json::array()); // no ordering between a boolean and a number
    CHECK(ids("1 == @.id") == json::parse("[1]"));
    CHECK(ids("@") == json::parse("[1,2,3,-4]")); // only objects are tested
    CHECK(ids("@.id == $[0].id") == json::parse("[1]"));
    // A filter on an object tests the object itself.
    CHECK(eval("$.store.bicycle[?(@.color == 'red')]") == json::array({store()["store"]["bicycle"]}));
    // Nested filters.
    const json orders = json::parse(R"({"orders":[{"id":"a","lines":[{"sku":"x","qty":1}]},
                                                   {"id":"b","lines":[{"sku":"y","qty":5}]}]})");
    CHECK(eval("$.orders[?(@.lines[?(@.qty > 2)])].id", orders) == json::array({"b"}));
}

TEST_CASE("recursive descent", "[paths]") {
    const json doc = json::parse(R"({"a":{"b":1,"c":[{"b":2},{"d":{"b":3}}]},"b":0})");
    CHECK(eval("$..b", doc) == json::parse("[0,1,2,3]")); // pre-order: a node before its descendants
    CHECK(eval("$.a..b", doc) == json::parse("[1,2,3]"));
    CHECK(eval("$..[0]", doc) == json::parse(R"([{"b":2}])"));
    CHECK(eval("$..*", json::parse(R"({"x":[1,{"y":2}],"z":3})")) ==
          json::parse(R"([[1,{"y":2}],3,1,{"y":2},2])"));
    CHECK(eval("$..['b']", doc) == json::parse("[0,1,2,3]"));
    CHECK(eval("$..c[*].b", doc) == json::parse("[2]"));
    CHECK(eval("$..nothing..b", doc) == json::array());
    CHECK_FALSE(path("$..b").is_definite());
}

TEST_CASE("recursive descent over a very deep document does not recurse", "[paths]") {
    json deep = json::object({{"leaf", 1}});
    for (int i = 0; i < 50000; ++i) {
        json wrapper = json::object();
        wrapper["n"] = std::move(deep);
        deep = std::move(wrapper);
    }
    CHECK(eval("$..leaf", deep) == json::array({1}));
    CHECK(eval("$..[?(@.leaf)].leaf", deep) == json::array({1}));
}

TEST_CASE("escaped and unicode names", "[paths]") {
    const json doc = json::parse(R"({"store.book": 1, "foo@bar": {"baz[[": {"?pretty": 2}},
                                     "naïve": {"日本": 3}, "a b": 4, "it's": 5, "q\"q": 6, "x-y": 7, "*": 8})");
    CHECK(eval("$.store\\.book", doc) == 1);
    CHECK(eval("$.foo\\@bar.baz\\[\\[.\\?pretty", doc) == 2);
    CHECK(eval("$.naïve.日本", doc) == 3);
    CHECK(eval("$['naïve']['日本']", doc) == 3);
    CHECK(eval("$['na\\u00efve']['\\u65e5\\u672c']", doc) == 3);
    CHECK(eval("$['a b']", doc) == 4);
    CHECK(eval("$['it\\'s']", doc) == 5);
    CHECK(eval("$[\"it's\"]", doc) == 5);
    CHECK(eval("$['q\"q']", doc) == 6);
    CHECK(eval("$.x-y", doc) == 7);
    CHECK(eval("$.\\*", doc) == 8);
    CHECK(eval("$['*']", doc) == 8);
    CHECK(eval("$['\\ud83d\\ude00']", json::parse(R"({"😀": 9})")) == 9);
    CHECK(path("$.store\\.book").is_definite());
}

TEST_CASE("context object and variables", "[paths]") {
    test_env env;
    env.context_object = json::parse(R"({"Execution":{"Id":"arn:x","Input":{"k":[1,2]}},"State":{"Name":"S"}})");
    env.variables["total"] = 42;
    env.variables["order"] = json::parse(R"({"lines":[{"sku":"a"},{"sku":"b"}]})");
    env.variables["_x9"] = "u";
    const json input = json::parse(R"({"in":1})");

    auto ctx = path("$$.State.Name");
    CHECK(ctx.root() == json_path::root_kind::context);
    CHECK(eval("$$.State.Name", input, env) == "S");
    CHECK(eval("$$", input, env) == env.context_object);
    CHECK(eval("$$.Execution.Input.k[*]", input, env) == json::parse("[1,2]"));
    CHECK(*ctx.find(input, env) == "S");

    auto var = path("$order.lines[1].sku");
    CHECK(var.root() == json_path::root_kind::variable);
    CHECK(var.variable_name() == "order");
    CHECK(var.is_definite());
    CHECK(eval("$order.lines[1].sku", input, env) == "b");
    CHECK(eval("$order.lines[*].sku", input, env) == json::parse(R"(["a","b"])"));
    CHECK(eval("$total", input, env) == 42);
    CHECK(eval("$_x9", input, env) == "u");
    CHECK(eval("$order['lines'][0]", input, env) == json::parse(R"({"sku":"a"})"));
    CHECK(eval("$.in", input, env) == 1);

    auto missing = path("$nope.x").evaluate(input, env);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().name == "States.Runtime");
    CHECK(missing.error().cause == "Invalid path '$nope.x' : The variable 'nope' is not defined");
    CHECK_FALSE(path("$nope[*]").evaluate(input, env));
    CHECK(path("$nope").find(input, env) == nullptr);

    auto bad = path("$order.x.y").evaluate(input, env);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().cause == "Invalid path '$order.x.y' : Missing property in path $order['x']");

    auto bad_ctx = path("$$.Execution.Nope").evaluate(input, env);
    REQUIRE_FALSE(bad_ctx);
    CHECK(bad_ctx.error().cause == "Invalid path '$$.Execution.Nope' : No results for path: $['Execution']['Nope']");

    env.has_context = false;
    CHECK_FALSE(path("$$.State").evaluate(input, env));
    CHECK(path("$$.State").find(input, env) == nullptr);
    CHECK(eval("$$..Name", input, env) == json::array());
}

TEST_CASE("find points into the document without copying", "[paths]") {
    test_env env;
    const json& doc = store();
    CHECK(path("$").find(doc, env) == &doc);
    CHECK(path("$.store.book[1]").find(doc, env) == &doc["store"]["book"][1]);
    CHECK(path("$.store.book[-1].price").find(doc, env) == &doc["store"]["book"][3]["price"]);
    CHECK(path("$.store.nope").find(doc, env) == nullptr);
    CHECK(path("$.store.book[9]").find(doc, env) == nullptr);
    CHECK(path("$.expensive.x").find(doc, env) == nullptr);
    CHECK(path("$.store.book[*]").find(doc, env) == nullptr); // indefinite
}

TEST_CASE("extract moves the selected subtree out of the input", "[paths]") {
    test_env env;
    {
        json input = store();
        auto r = path("$.store.book").extract(std::move(input), env);
        REQUIRE(r);
        CHECK(*r == store()["store"]["book"]);
    }
    {
        json input = store();
        auto r = path("$").extract(std::move(input), env);
        REQUIRE(r);
        CHECK(*r == store());
    }
    {
        json input = store();
        auto r = path("$.store.book[*].author").extract(std::move(input), env);
        REQUIRE(r);
        CHECK(*r == eval("$.store.book[*].author"));
    }
    {
        // The same node twice, and nodes nested in each other: both copied, not moved twice.
        json input = json::parse(R"({"a":[{"b":{"b":1}}]})");
        auto twice = path("$.a[0,0,-1]").extract(json(input), env);
        REQUIRE(twice);
        CHECK(*twice == json::parse(R"([{"b":{"b":1}},{"b":{"b":1}},{"b":{"b":1}}])"));
        auto nested = path("$..b").extract(json(input), env);
        REQUIRE(nested);
        CHECK(*nested == json::parse(R"([{"b":1},1])"));
    }
    {
        json input = store();
        auto r = path("$.nope").extract(std::move(input), env);
        REQUIRE_FALSE(r);
        CHECK(r.error().cause == "Invalid path '$.nope' : No results for path: $['nope']");
    }
    {
        env.context_object = json::parse(R"({"State":{"Name":"S"}})");
        auto r = path("$$.State.Name").extract(json::object(), env);
        REQUIRE(r);
        CHECK(*r == "S");
        CHECK(env.context_object["State"]["Name"] == "S"); // never moved out of the context
    }
}

TEST_CASE("parse errors say what and where", "[paths]") {
    CHECK(parse_error("") == "'' is not a valid JSONPath: a path must start with '$' at column 1");
    CHECK(parse_error("a.b") == "'a.b' is not a valid JSONPath: a path must start with '$' at column 1");
    CHECK(parse_error("$.") == "'$.' is not a valid JSONPath: a path must not end with '.' at column 3");
    CHECK(parse_error("$..") == "'$..' is not a valid JSONPath: a path must not end with '..' at column 4");
    CHECK(parse_error("$...a") == "'$...a' is not a valid JSONPath: unexpected '.' at column 4");
    CHECK(parse_error("$.a[") == "'$.a[' is not a valid JSONPath: unclosed '[' at column 4");
    CHECK(parse_error("$.a[0") == "'$.a[0' is not a valid JSONPath: expected ']' at column 6");
    CHECK(parse_error("$.a[0}") == "'$.a[0}' is not a valid JSONPath: expected ']' but found '}' at column 6");
    CHECK(parse_error("$.a['b") == "'$.a['b' is not a valid JSONPath: unterminated quoted string at column 5");
    CHECK(parse_error("$.a b") ==
          "'$.a b' is not a valid JSONPath: names in dot notation cannot contain blanks; use bracket notation, "
          "e.g. ['my name'] at column 4");
    CHECK(parse_error("$x y") == "'$x y' is not a valid JSONPath: unexpected character ' ' at column 3");
    CHECK(parse_error("$.a.length()") ==
          "'$.a.length()' is not a valid JSONPath: functions such as 'length()' are not supported at column 11");
    CHECK(parse_error("$.é[x]") == "'$.é[x]' is not a valid JSONPath: unexpected character 'x' at column 5");
    CHECK_THAT(parse_error("$[(@.length-1)]"), Catch::Matchers::Contains("script expressions"));
    CHECK_THAT(parse_error("$[?(@.a =~ /x/)]"), Catch::Matchers::Contains("regular expressions ('=~') are not supported"));
    CHECK_THAT(parse_error("$[?(@.a in ['x'])]"), Catch::Matchers::Contains("the operator 'in' is not supported"));
    CHECK_THAT(parse_error("$[?(@.a = 1)]"), Catch::Matchers::Contains("use '==' to compare values"));
    CHECK_THAT(parse_error("$[?(@.a == )]"), Catch::Matchers::Contains("expected a value in the filter but found ')'"));
    // An unquoted word parses (AWS accepts the definition) and fails when evaluated.
    CHECK(eval_error("$[?(@.a == x)]", json::array({json{{"a", "x"}}})) ==
          "Invalid path '$[?(@.a == x)]' : unexpected 'x' in the filter (strings must be quoted)");
    CHECK_THAT(parse_error("$[?(@.a == 1]"), Catch::Matchers::Contains("at column 13"));
    CHECK_THAT(parse_error("$[?(1)]"), Catch::Matchers::Contains("a condition needs a path"));
    CHECK_THAT(parse_error("$[?(@.a > 1 && (@.b < 2]"), Catch::Matchers::Contains("expected ')' to match the '(' at column 16"));
    CHECK_THAT(parse_error("$[?(@.a > $$.b)]"), Catch::Matchers::Contains("only '@' and '$' paths can be used inside a filter"));
    CHECK_THAT(parse_error("$[?@.a]"), Catch::Matchers::Contains("expected '(' after '?'"));
    CHECK_THAT(parse_error("$[1,]"), Catch::Matchers::Contains("expected a digit but found ']'"));
    CHECK_THAT(parse_error("$[99999999999999999999]"), Catch::Matchers::Contains("the index is too large"));
    CHECK_THAT(parse_error("$['\\uZZZZ']"), Catch::Matchers::Contains("invalid \\u escape"));
    CHECK_THAT(parse_error("$['\\ud800']"), Catch::Matchers::Contains("lone surrogate"));
    CHECK_THAT(parse_error("$.a\\"), Catch::Matchers::Contains("a path must not end with '\\'"));
}

TEST_CASE("pathological paths parse or fail cleanly", "[paths]") {
    std::string long_path = "$";
    while (long_path.size() < 100000) long_path += ".a";
    auto p = json_path::parse(long_path);
    REQUIRE(p);
    CHECK(p->is_definite());
    test_env env;
    CHECK_FALSE(p->evaluate(json::object(), env));

    std::string nested = "$[?(";
    for (int i = 0; i < 50000; ++i) nested += "(";
    auto deep = json_path::parse(nested);
    REQUIRE_FALSE(deep);
    CHECK_THAT(deep.error().cause, Catch::Matchers::Contains("the filter is nested too deeply"));
    CHECK(deep.error().cause.size() < 400); // the text is shortened in the message

    std::string nots = "$[?(";
    for (int i = 0; i < 50000; ++i) nots += "!";
    CHECK_FALSE(json_path::parse(nots + "@.a)]"));

    std::string filters = "$";
    for (int i = 0; i < 1000; ++i) filters += "[?(@";
    CHECK_FALSE(json_path::parse(filters));

    std::string brackets = "$";
    for (int i = 0; i < 30000; ++i) brackets += "['k']";
    CHECK(json_path::parse(brackets));
}

TEST_CASE("reference paths allow only names and indexes", "[paths]") {
    for (const char* ok : {"$", "$.a", "$.a.b[0]", "$['a b'][3]['c']", "$.a[-1]", "$$.Execution.Input", "$var.x",
                           "$.store\\.book", "$.foo\\@bar.baz\\[\\[.\\?pretty", "$.naïve"}) {
        auto p = json_path::parse_reference(ok);
        INFO(ok);
        CHECK(p);
        if (p) CHECK(p->is_definite());
    }
    CHECK(reference_error("$.a[*]") ==
          "'$.a[*]' is not a valid Reference Path: wildcards ('*') are not allowed in a Reference Path at column 5");
    CHECK(reference_error("$.*") ==
          "'$.*' is not a valid Reference Path: wildcards ('*') are not allowed in a Reference Path at column 3");
    CHECK(reference_error("$..a") ==
          "'$..a' is not a valid Reference Path: recursive descent ('..') is not allowed in a Reference Path at column 2");
    CHECK_THAT(reference_error("$.a[?(@.b)]"), Catch::Matchers::Contains("filters ('?') are not allowed"));
    CHECK_THAT(reference_error("$.a[1:2]"), Catch::Matchers::Contains("slices (':') are not allowed"));
    CHECK_THAT(reference_error("$.a[1,2]"), Catch::Matchers::Contains("unions (',') are not allowed"));
    CHECK_THAT(reference_error("$['a','b']"), Catch::Matchers::Contains("unions (',') are not allowed"));
    CHECK(reference_error("$.a@b") ==
          "'$.a@b' is not a valid Reference Path: '@' is not allowed in a Reference Path (write '\\@' if it is part "
          "of a name) at column 4");
    CHECK_THAT(reference_error("$.a,b"), Catch::Matchers::Contains("',' is not allowed"));
    CHECK_THAT(reference_error("$.a:b"), Catch::Matchers::Contains("':' is not allowed"));
    CHECK_THAT(reference_error("$.a?"), Catch::Matchers::Contains("'?' is not allowed"));
    CHECK_THAT(reference_error("a"), Catch::Matchers::Contains("a path must start with '$'"));
    // The same texts are fine as full JSONPath.
    CHECK(json_path::parse("$.a@b"));
    CHECK(json_path::parse("$..a"));
}

TEST_CASE("ResultPath assign", "[paths]") {
    const auto assign = [](const std::string& text, json target, json value) {
        auto p = json_path::parse_reference(text);
        REQUIRE(p);
        auto r = p->assign(target, std::move(value));
        INFO(text << ": " << (r ? std::string() : r.error().cause));
        REQUIRE(r);
        return target;
    };
    const auto assign_error = [](const std::string& text, json target) {
        auto p = json_path::parse(text);
        REQUIRE(p);
        const json before = target;
        auto r = p->assign(target, json("v"));
        REQUIRE_FALSE(r);
        CHECK(r.error().name == "States.ResultPathMatchFailure");
        CHECK(target == before); // nothing written on failure
        return r.error().cause;
    };

    SECTION("$ replaces the whole input") {
        CHECK(assign("$", json::parse(R"({"a":1})"), json("x")) == "x");
        CHECK(assign("$", json("foo"), json::parse("[1]")) == json::parse("[1]"));
    }
    SECTION("a new key is appended, keeping the order of the others") {
        const json out = assign("$.result", json::parse(R"({"z":1,"a":2})"), json::parse(R"({"ok":true})"));
        CHECK(out.dump() == R"({"z":1,"a":2,"result":{"ok":true}})");
    }
    SECTION("an existing key is overwritten in place") {
        const json out = assign("$.z", json::parse(R"({"z":{"old":1,"deep":{"x":2}},"a":3})"), json(5));
        CHECK(out.dump() == R"({"z":5,"a":3})");
    }
    SECTION("intermediate objects are created (AWS docs example)") {
        const json input = json::parse(R"({"master":{"detail":[1,2,3]}})");
        CHECK(assign("$.master.result.sum", input, json(6)) ==
              json::parse(R"({"master":{"detail":[1,2,3],"result":{"sum":6}}})"));
        CHECK(assign("$.a.b.c", json::object(), json(1)) == json::parse(R"({"a":{"b":{"c":1}}})"));
        CHECK(assign("$['x y'].z", json::object(), json(1)) == json::parse(R"({"x y":{"z":1}})"));
    }
    SECTION("array indexes address existing elements") {
        CHECK(assign("$.list[1]", json::parse(R"({"list":[1,2,3]})"), json("b")) == json::parse(R"({"list":[1,"b",3]})"));
        CHECK(assign("$.list[-1].v", json::parse(R"({"list":[{},{"v":0}]})"), json(9)) ==
              json::parse(R"({"list":[{},{"v":9}]})"));
        CHECK(assign("$[0]", json::parse("[0]"), json(1)) == json::parse("[1]"));
    }
    SECTION("a non-object on the way fails") {
        CHECK(assign_error("$.x", json("foo")) == "Unable to apply ReferencePath $.x to input \"foo\"");
        CHECK(assign_error("$.a.b", json::parse(R"({"a":1})")) == "Unable to apply ReferencePath $.a.b to input {\"a\":1}");
        CHECK(assign_error("$.a.b", json::parse(R"({"a":null})")) ==
              "Unable to apply ReferencePath $.a.b to input {\"a\":null}");
        CHECK(assign_error("$.x", json::parse("[1]")) == "Unable to apply ReferencePath $.x to input [1]");
        CHECK(assign_error("$.x", json()) == "Unable to apply ReferencePath $.x to input null");
    }
    SECTION("indexes out of range, on non-arrays or below created objects fail") {
        CHECK_THAT(assign_error("$.list[3]", json::parse(R"({"list":[1,2,3]})")),
                   Catch::Matchers::Contains("Unable to apply ReferencePath $.list[3]"));
        CHECK_FALSE(assign_error("$.list[0]", json::parse(R"({"list":{"0":1}})")).empty());
        CHECK_FALSE(assign_error("$.missing[0]", json::object()).empty());
        CHECK_FALSE(assign_error("$.missing.deeper[0]", json::object()).empty());
    }
    SECTION("only input-rooted reference paths can be assigned") {
        CHECK_THAT(assign_error("$$.x", json::object()), Catch::Matchers::Contains("must be a Reference Path on the state input"));
        CHECK_THAT(assign_error("$v.x", json::object()), Catch::Matchers::Contains("must be a Reference Path on the state input"));
        CHECK_THAT(assign_error("$.a[*]", json::object()), Catch::Matchers::Contains("must be a Reference Path on the state input"));
    }
}

TEST_CASE("a default-constructed path is inert", "[paths]") {
    json_path p;
    test_env env;
    CHECK(p.text().empty());
    CHECK_FALSE(p.is_definite());
    CHECK_FALSE(p.is_root());
    CHECK(p.find(json::object(), env) == nullptr);
    CHECK_FALSE(p.evaluate(json::object(), env));
    json target = json::object();
    CHECK_FALSE(p.assign(target, json(1)));
}

// Issue 13: inside a single-quoted bracket name AWS keeps a backslash before a double quote.
TEST_CASE("a backslash before a double quote stays inside single quotes", "[paths]") {
    const json doc = json::parse(R"({"Test\\\"\"Name\"": 1, "a\"b": 2})");
    CHECK(eval(R"($['Test\""Name"'])", doc) == 1);
    CHECK(path(R"($['Test\""Name"'])").is_definite());
    // Double-quoted names still read \" as a quote.
    CHECK(eval(R"($["a\"b"])", doc) == 2);
}

// Issue 13: Jayway trims the path; deployed AWS samples end paths with a blank.
TEST_CASE("trailing blanks end a path", "[paths]") {
    const json doc = json::parse(R"({"a": {"b": 1}})");
    CHECK(eval("$.a.b ", doc) == 1);
    CHECK(eval("$.a['b']  ", doc) == 1);
    CHECK(eval("$.a.* \t", doc) == json::array({1}));
    test_env env;
    env.context_object = json::parse(R"({"Execution": {"Name": "run-1"}})");
    CHECK(eval("$$.Execution.Name ", doc, env) == "run-1");
    CHECK(json_path::parse_reference("$.a.b ").has_value());
    // A blank inside a dot-notation name is still an error.
    CHECK_THAT(parse_error("$.a b"), Catch::Matchers::Contains("cannot contain blanks"));
}
} // namespace json_path_test
