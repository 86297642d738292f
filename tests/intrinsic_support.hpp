#ifndef STEPFN_TESTS_INTRINSIC_SUPPORT_HPP
#define STEPFN_TESTS_INTRINSIC_SUPPORT_HPP

// What the intrinsic-function tests share: an environment like an execution's, and
// parse/evaluate helpers.

#include "catch.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <stepfn/detail/base64.hpp>
#include <stepfn/detail/hash.hpp>
#include <stepfn/expressions/intrinsic.hpp>

using stepfn::intrinsic_call;
using stepfn::json;


// Named, not anonymous: two support headers in one unity batch would clash at global scope.
namespace intrinsic_support {

inline json j(const char* text) { return json::parse(text); }

// Context, variables and a seeded random source, like an execution provides.
class test_env final : public stepfn::eval_env {
public:
    json context_object = j(R"({"Execution": {"Id": "arn:aws:states:us-east-1:1:execution:m:e1", "Name": "e1"}})");
    std::map<std::string, json, std::less<>> variables;

    const json* context() const override { return &context_object; }
    const json* variable(std::string_view name) const override {
        const auto it = variables.find(name);
        return it == variables.end() ? nullptr : &it->second;
    }
    std::uint64_t random() const override {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

private:
    mutable std::uint64_t state_ = 7;
};

inline stepfn::result<json> run(std::string_view text, const json& input, const stepfn::eval_env& env,
                         const stepfn::limits& bounds = {}) {
    const auto call = intrinsic_call::parse(text, bounds);
    if (!call) {
        FAIL_CHECK("parse failed: " << call.error().cause);
        return tl::make_unexpected(call.error());
    }
    return call->evaluate(input, env);
}

inline json eval(std::string_view text, const json& input = json::object(), const stepfn::limits& bounds = {}) {
    const test_env env;
    const auto value = run(text, input, env, bounds);
    if (!value) FAIL_CHECK(text << " failed: " << value.error().name << ": " << value.error().cause);
    return value ? *value : json();
}

// The evaluation error of a call that parses.
inline stepfn::error eval_error(std::string_view text, const json& input = json::object(),
                         const stepfn::limits& bounds = {}) {
    const test_env env;
    const auto value = run(text, input, env, bounds);
    if (value) FAIL_CHECK(text << " succeeded with " << value->dump());
    return value ? stepfn::error{} : value.error();
}

// The cause of a parse failure.
inline std::string parse_error(std::string_view text, const stepfn::limits& bounds = {}) {
    const auto call = intrinsic_call::parse(text, bounds);
    if (call) FAIL_CHECK(text << " parsed but should not");
    if (call) return {};
    CHECK(call.error().name == stepfn::errors::invalid_definition);
    return call.error().cause;
}

using Catch::Matchers::Contains;  // NOLINT: test-only shorthand

} // namespace intrinsic_support

#endif
