#ifndef STEPFN_TESTS_JSON_PATH_SUPPORT_HPP
#define STEPFN_TESTS_JSON_PATH_SUPPORT_HPP

// What the JSONPath tests share: an environment, a sample document, and compile/evaluate helpers.

#include "catch.hpp"

#include <map>
#include <string>

#include <stepfn/expressions/json_path.hpp>

using stepfn::json;
using stepfn::json_path;


// Named, not anonymous: two support headers in one unity batch would clash at global scope.
namespace json_path_support {

// An eval_env with a context object and variables, as the engine provides.
class test_env final : public stepfn::eval_env {
public:
    json context_object = json::object();
    bool has_context = true;
    std::map<std::string, json, std::less<>> variables;

    const json* context() const override { return has_context ? &context_object : nullptr; }
    const json* variable(std::string_view name) const override {
        const auto it = variables.find(name);
        return it == variables.end() ? nullptr : &it->second;
    }
    std::uint64_t random() const override { return 4; }
};

// The classic Goessner/Jayway example document.
inline const json& store() {
    static const json doc = json::parse(R"({
      "store": {
        "book": [
          {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
          {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
          {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
          {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
        ],
        "bicycle": {"color": "red", "price": 19.95}
      },
      "expensive": 10
    })");
    return doc;
}

inline json_path path(const std::string& text) {
    auto p = json_path::parse(text);
    INFO(text << ": " << (p ? std::string() : p.error().cause));
    REQUIRE(p);
    return *p;
}

inline json eval(const std::string& text, const json& input, const stepfn::eval_env& env) {
    auto r = path(text).evaluate(input, env);
    INFO(text << ": " << (r ? std::string() : r.error().cause));
    REQUIRE(r);
    return *r;
}

inline json eval(const std::string& text, const json& input = store()) {
    test_env env;
    return eval(text, input, env);
}

inline std::string eval_error(const std::string& text, const json& input = store()) {
    test_env env;
    auto r = path(text).evaluate(input, env);
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "States.Runtime");
    return r.error().cause;
}

inline std::string parse_error(const std::string& text) {
    auto p = json_path::parse(text);
    REQUIRE_FALSE(p);
    CHECK(p.error().name == stepfn::errors::invalid_definition);
    return p.error().cause;
}

inline std::string reference_error(const std::string& text) {
    auto p = json_path::parse_reference(text);
    REQUIRE_FALSE(p);
    return p.error().cause;
}

inline json titles(const json& books) {
    json out = json::array();
    for (const auto& b : books) out.push_back(b["title"]);
    return out;
}

} // namespace json_path_support

#endif
