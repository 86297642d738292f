#ifndef STEPFN_TESTS_UNIT_CHOICE_RULE_HELPERS_HPP
#define STEPFN_TESTS_UNIT_CHOICE_RULE_HELPERS_HPP

// Helpers shared by the choice rule tests (choice_rule_test.cpp and choice_rule_validation_test.cpp).

#include "catch.hpp"

#include <stepfn/expressions/choice_rule.hpp>
#include <stepfn/expressions/detail/string_matches.hpp>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

using stepfn::choice_rule;
using stepfn::json;
using stepfn::query_language;

namespace {

const std::string rule_pointer = "/States/C/Choices/0";

// Variables and a context object, as the engine provides them.
class test_env final : public stepfn::eval_env {
public:
    json variables = json::object();
    json context_object = json::object();

    const json* context() const override { return &context_object; }
    const json* variable(std::string_view name) const override {
        auto it = variables.find(std::string(name));
        return it == variables.end() ? nullptr : &*it;
    }
    std::uint64_t random() const override { return 4; }
};

inline const test_env& no_env() {
    static const test_env env;
    return env;
}

inline choice_rule compiled(const json& rule, query_language language = query_language::jsonpath) {
    auto r = choice_rule::compile(rule, rule_pointer, false, language);
    INFO(rule.dump());
    INFO((r ? std::string() : r.error().cause));
    REQUIRE(r);
    return *r;
}

inline stepfn::result<bool> run(const json& rule, const json& input, const stepfn::eval_env& env = no_env()) {
    return compiled(rule).evaluate(input, env);
}

inline bool matches(const json& rule, const json& input, const stepfn::eval_env& env = no_env()) {
    auto r = run(rule, input, env);
    INFO(rule.dump() << " on " << input.dump());
    INFO((r ? std::string() : r.error().name + ": " + r.error().cause));
    REQUIRE(r);
    return *r;
}

// Tests `{"Variable": "$.v", <op>: <operand>}` against `{"v": <value>}`.
inline bool test(const char* op, const json& operand, const json& value) {
    return matches(json{{"Variable", "$.v"}, {op, operand}}, json{{"v", value}});
}

inline std::vector<stepfn::diagnostic> problems_of(const json& rule, bool top_level = false,
                                            query_language language = query_language::jsonpath,
                                            const stepfn::limits& bounds = {}) {
    auto r = choice_rule::compile(rule, rule_pointer, top_level, language, bounds);
    INFO(rule.dump());
    REQUIRE_FALSE(r);
    CHECK(r.error().name == stepfn::errors::invalid_definition);
    return r.error().problems;
}

inline stepfn::diagnostic problem(const std::string& pointer_suffix, const std::string& message) {
    return stepfn::diagnostic{rule_pointer + pointer_suffix, message};
}

} // namespace

#endif
