// JSONPath evaluation under limits: recursive descent that would amplify a document, the work
// of one evaluation, and filters that load but fail when evaluated (issue 13).

#include "catch.hpp"
#include "json_path_support.hpp"

#include <cstdint>
#include <string_view>

namespace json_path_limits_test {

using namespace json_path_support;

namespace {
// A document nested `depth` deep through members named "a" around `leaf`.
json nested_a(std::size_t depth, json leaf = 1) {
    json doc = std::move(leaf);
    for (std::size_t i = 0; i < depth; ++i) {
        json wrapper = json::object();
        wrapper["a"] = std::move(doc);
        doc = std::move(wrapper);
    }
    return doc;
}

class bounded_env final : public stepfn::eval_env {
public:
    stepfn::limits limits;
    const json* context() const override { return nullptr; }
    const json* variable(std::string_view) const override { return nullptr; }
    std::uint64_t random() const override { return 4; }
    stepfn::limits bounds() const override { return limits; }
};
} // namespace

// Issue 13: `$..a` and `$..*` copy each node once per ancestor (gigabytes from 256 KB); the
// evaluation stops as soon as the selection passes the payload limit. (Depth stays moderate:
// copying a document nested 100,000 deep is the engine's depth check to prevent.)
TEST_CASE("recursive descent stops at the payload limit", "[paths]") {
    const json doc = nested_a(500, std::string(200000, 'x'));
    REQUIRE(doc.dump().size() < stepfn::limits{}.max_payload_bytes);
    for (const char* text : {"$..a", "$..*", "$.a..a"}) {
        INFO(text);
        test_env env;
        auto r = path(text).evaluate(doc, env);
        REQUIRE_FALSE(r);
        CHECK(r.error().name == stepfn::errors::data_limit_exceeded);
        CHECK_THAT(r.error().cause, Catch::Matchers::Contains("selects more than 262144 bytes"));
        auto moved = path(text).extract(json(doc), env);
        REQUIRE_FALSE(moved);
        CHECK(moved.error().name == stepfn::errors::data_limit_exceeded);
    }
    // A smaller document within the limit still gives every match.
    CHECK(eval("$..a", nested_a(3)).size() == 3);
}

// Issue 13: a filter with `..` inside `..` did work quadratic in the document (a minute on
// 12 KB); the work of one evaluation is bounded.
TEST_CASE("the work of one evaluation is bounded", "[paths]") {
    // 3,000 levels (about 40 KB): `@..x` under `$..` visits about 4.5 million nodes.
    json doc = json::object();
    json* level = &doc;
    for (int i = 0; i < 3000; ++i) {
        (*level)["x"] = i;
        (*level)["n"] = json::object();
        level = &(*level)["n"];
    }
    test_env env;
    auto r = path("$..[?(@..x == 1)]").evaluate(doc, env);
    REQUIRE_FALSE(r);
    CHECK(r.error().name == stepfn::errors::runtime);
    CHECK(r.error().cause ==
          "Invalid path '$..[?(@..x == 1)]' : the evaluation needs more than 4000000 steps (the limit of one "
          "path evaluation, limits::max_path_work)");
    // With `..*` in the filter each test copies its subtree: the size bound stops it first. On
    // a document as deep as the engine lets a payload be (limits::max_payload_depth): the copies
    // recurse once per level (nlohmann's copy constructor), and 3,000 levels of them overflow an
    // 8 MiB stack under clang's AddressSanitizer, where frames are large. The engine never hands
    // a path a deeper document (docs/embedding.md, "Options and limits").
    json deepest = json::object();
    level = &deepest;
    for (std::size_t i = 0; i < stepfn::limits{}.max_payload_depth - 1; ++i) {
        (*level)["x"] = i;
        (*level)["n"] = json::object();
        level = &(*level)["n"];
    }
    auto copies = path("$..[?(@..* == 1)]").evaluate(deepest, env);
    REQUIRE_FALSE(copies);
    CHECK((copies.error().name == stepfn::errors::runtime ||
           copies.error().name == stepfn::errors::data_limit_exceeded));

    // The engine's limits come through eval_env::bounds().
    bounded_env small;
    small.limits.max_path_work = 20;
    auto over = path("$.store.book[*].title").evaluate(store(), small);
    REQUIRE(over);
    auto many = path("$..price").evaluate(store(), small);
    REQUIRE_FALSE(many);
    CHECK(many.error().cause ==
          "Invalid path '$..price' : the evaluation needs more than 20 steps (the limit of one path evaluation, "
          "limits::max_path_work)");
    small.limits.max_path_work = 1000;
    small.limits.max_payload_bytes = 100;
    auto big = path("$.store.book[*]").evaluate(store(), small);
    REQUIRE_FALSE(big);
    CHECK(big.error().cause == "The path '$.store.book[*]' selects more than 100 bytes (the payload limit)");
}

// Issue 13: deployed AWS samples hold filters such as $[?(@.Name==Receipt)]; AWS creates the
// machine and Jayway fails when it evaluates the filter.
TEST_CASE("an unquoted word in a filter loads and fails when evaluated", "[paths]") {
    auto p = json_path::parse("$[?(@.Name==Receipt)]");
    REQUIRE(p);
    test_env env;
    auto r = p->evaluate(json::parse(R"([{"Name": "Receipt"}])"), env);
    REQUIRE_FALSE(r);
    CHECK(r.error().name == stepfn::errors::runtime);
    CHECK(r.error().cause == "Invalid path '$[?(@.Name==Receipt)]' : unexpected 'Receipt' in the filter (strings must be quoted)");
    // Nothing to test: the filter is never evaluated, so nothing fails.
    CHECK(eval("$[?(@.Name==Receipt)]", json::array()) == json::array());
}
} // namespace json_path_limits_test
