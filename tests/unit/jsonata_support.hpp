#ifndef STEPFN_TESTS_JSONATA_SUPPORT_HPP
#define STEPFN_TESTS_JSONATA_SUPPORT_HPP

// Shared by the JSONata tests: an environment with variables and a seeded random source, and a
// runner for case tables whose expected values were produced by the reference implementation
// (npm jsonata 2.0.6): a JSON text, "undefined", or "ERR <code>".

#include "catch.hpp"

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <stepfn/expressions/jsonata.hpp>

namespace jsonata_test {

struct jsonata_case {
    const char* doc;
    const char* expr;
    const char* expected;
};

class test_env final : public stepfn::eval_env {
public:
    std::map<std::string, stepfn::json, std::less<>> variables;
    const stepfn::json* context() const override { return nullptr; }
    const stepfn::json* variable(std::string_view name) const override {
        const auto it = variables.find(name);
        return it == variables.end() ? nullptr : &it->second;
    }
    std::uint64_t random() const override { return state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL; }

private:
    mutable std::uint64_t state_ = 42;
};

inline const stepfn::json& document(std::string_view name) {
    static const stepfn::json d = stepfn::json::parse(R"({"a":[{"b":3,"c":"x","t":["p","q"]},{"b":1,"c":"y","t":["r"]},{"b":2,"c":"x"}],"o":{"p":{"q":[1,2,[3,4]]},"r":"s"},"n":5,"s":"Hello World","arr":[1,2,3,4,5],"one":[7],"e":[],"str":["b","a","c"],"nested":[[1,2],[3,[4,5]]]})");
    static const stepfn::json a = stepfn::json::parse(R"([{"id":1,"tags":["x"]},{"id":2,"tags":["y","z"]}])");
    static const stepfn::json s = "just a string";
    static const stepfn::json u = stepfn::json::parse(R"({"u":"h\u00e9llo w\u00f6rld \u2603\ud83d\ude00","f":1.23456789012345678,"neg":-0.000001234,"arr":[1,2,3,4,5],"n":5})");
    static const stepfn::json p = stepfn::json::parse(R"({"Account":{"Name":"Firefly","Order":[{"OrderID":"o1","Product":[{"Name":"Hat","Price":10},{"Name":"Bag","Price":20}]},{"OrderID":"o2","Product":[{"Name":"Cap","Price":5}]}]}})");
    if (name == "U") return u;
    static const stepfn::json g = stepfn::json::parse(R"({"a":[{"b":3,"c":"x","t":["p","q"]},{"b":1,"c":"y","t":["r"]},{"b":2,"c":"x"}],"o":{"p":{"q":[1,2,[3,4]]},"r":"s"},"n":5,"s":"Hello World","arr":[1,2,3,4,5],"e":[],"z":0,"nl":null,"t":true,"strs":["b","a","c"],"f":2.5})");
    if (name == "P") return p;
    if (name == "G") return g;
    if (name == "A") return a;
    if (name == "S") return s;
    return d;
}

// "ok" when the expression gives the expected outcome, else what it gave.
inline std::string run_case(const jsonata_case& c) {
    test_env env;
    const stepfn::json* input = std::string_view(c.doc) == "-" ? nullptr : &document(c.doc);
    const std::string expected = c.expected;
    auto e = stepfn::jsonata_expression::compile(c.expr);
    stepfn::result<std::optional<stepfn::json>> r = tl::make_unexpected(e ? stepfn::error{} : e.error());
    if (e) r = e->evaluate(input, env);
    if (!r) {
        if (expected.rfind("ERR ", 0) == 0 && r.error().cause.rfind(expected.substr(4) + ":", 0) == 0 &&
            r.error().name == "States.QueryEvaluationError")
            return "ok";
        return "error " + r.error().cause;
    }
    const std::string got = *r ? (*r)->dump() : std::string("undefined");
    if (expected == "undefined" || expected.rfind("ERR ", 0) == 0) return got == expected ? "ok" : got;
    // Compared as unordered JSON: JavaScript puts integer-like keys first, and numbers may
    // come back as 3 or 3.0.
    const nlohmann::json want = nlohmann::json::parse(expected);
    if (!*r) return got;
    return nlohmann::json::parse(got) == want ? "ok" : got;
}

} // namespace jsonata_test

#endif
