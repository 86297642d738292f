// The YAML front end: typing of scalars, diagnostics at YAML lines and columns, limits, and
// `stepfn validate/run/graph` on .yaml files. Built only with STEPFN_WITH_YAML=ON.
#if defined(STEPFN_WITH_YAML) && __has_include(<yaml-cpp/yaml.h>)

#include "catch.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/load/yaml.hpp>

#include "cli_runner.hpp"

namespace yaml_test {

using Catch::Matchers::Contains;
using stepfn::json;

namespace {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

const char* const order_yaml = R"(Comment: a small order flow
StartAt: Charge
States:
  Charge:
    Type: Task
    Resource: payments:charge
    Next: Chrage
  Done:
    Type: Succeed
)";


using stepfn_test::run_cli;


} // namespace

TEST_CASE("yaml: a definition loads to the same machine as its JSON", "[yaml]") {
    const char* const text = R"(
# Comments are fine
StartAt: Greet
States:
  Greet:
    Type: Pass
    Parameters:
      greeting.$: States.Format('Hello, {}!', $.name)
      fixed: "42"
      count: 42
      ratio: 0.5
      flag: true
      nothing: ~
    ResultPath: $.out
    Next: Done
  Done: {Type: Succeed}
)";
    auto machine = stepfn::load_yaml(text);
    REQUIRE(machine);
    auto from_json = stepfn::load_machine(R"asl({"StartAt": "Greet", "States": {
      "Greet": {"Type": "Pass",
                "Parameters": {"greeting.$": "States.Format('Hello, {}!', $.name)", "fixed": "42", "count": 42,
                               "ratio": 0.5, "flag": true, "nothing": null},
                "ResultPath": "$.out", "Next": "Done"},
      "Done": {"Type": "Succeed"}}})asl");
    REQUIRE(from_json);
    CHECK(machine->source() == from_json->source());  // same keys in the same order
}

TEST_CASE("yaml: scalars are typed by the YAML 1.2 core schema", "[yaml]") {
    auto doc = stepfn::parse_yaml(
        "v: [1, -2, +3, 007, 0x1F, 0o17, 1.5, .5, -.5, 1., 1e3, 2.5E-1, true, False, null, ~, '', "
        "'1', \"true\", yes, off, 1_000, 12:30, !!str 5, !!int 6]\nempty:\n");
    REQUIRE(doc);
    const json expected = json::parse(R"([1, -2, 3, 7, 31, 15, 1.5, 0.5, -0.5, 1.0, 1000.0, 0.25, true, false,
        null, null, "", "1", "true", "yes", "off", "1_000", "12:30", "5", 6])");
    CHECK(doc->value()["v"] == expected);
    CHECK(doc->value()["empty"].is_null());
    CHECK(doc->value()["v"][0].is_number_unsigned());
    CHECK(doc->value()["v"][1].is_number_integer());
    CHECK(doc->value()["v"][6].is_number_float());
}

TEST_CASE("yaml: the loader's problems at YAML lines and columns", "[yaml]") {
    auto machine = stepfn::load_yaml(order_yaml);
    REQUIRE_FALSE(machine);
    const auto& e = machine.error();
    CHECK(e.name == "States.InvalidDefinition");
    REQUIRE(e.problems.size() == 2);
    // The pointer stays; the place leads the message.
    CHECK(e.problems[0].pointer == "/States/Charge/Next");
    CHECK(e.problems[0].message == "line 7, column 5: no state named \"Chrage\" in this scope");
    CHECK(e.problems[1].pointer == "/States/Done");
    CHECK(e.cause ==
          "line 7, column 5: /States/Charge/Next: no state named \"Chrage\" in this scope\n"
          "line 8, column 3: /States/Done: state \"Done\" is not reachable");
}

TEST_CASE("yaml: a missing field points at the object that lacks it", "[yaml]") {
    auto machine = stepfn::load_yaml("StartAt: A\nStates:\n  A:\n    Next: B\n  B: {Type: Succeed}\n");
    REQUIRE_FALSE(machine);
    CHECK_THAT(machine.error().cause, Contains("line 3, column 3: /States/A: These fields are required: [Type]"));
}

TEST_CASE("yaml: locate falls back to the nearest written ancestor", "[yaml]") {
    auto doc = stepfn::parse_yaml("a:\n  b:\n    - x\n    - {c: 1}\n");
    REQUIRE(doc);
    CHECK(doc->locate("/a/b/1/c").line == 4);
    CHECK(doc->locate("/a/b/1/c").column == 8);
    CHECK(doc->locate("/a/b/0").line == 3);
    CHECK(doc->locate("/a/b/0").column == 7);
    CHECK(doc->locate("/a/missing/deeper").line == 1);
    CHECK(doc->locate("").line == 1);
    CHECK(doc->describe({"/a/b", "oops"}) == "line 2, column 3: /a/b: oops");
    CHECK(doc->describe({"", "root"}) == "line 1, column 1: /: root");
}

TEST_CASE("yaml: what YAML allows and JSON cannot say", "[yaml]") {
    SECTION("syntax errors say where") {
        auto doc = stepfn::parse_yaml("a: [1, 2\nb: 3\n");
        REQUIRE_FALSE(doc);
        REQUIRE(doc.error().problems.size() == 1);
        CHECK_THAT(doc.error().cause, Contains("line 2, column 2: /: the definition is not valid YAML: "));
    }
    SECTION("duplicate keys") {
        auto doc = stepfn::parse_yaml("a: 1\nb: 2\na: 3\n");
        REQUIRE_FALSE(doc);
        CHECK(doc.error().problems[0].pointer == "/a");
        CHECK(doc.error().cause == "line 3, column 1: /a: duplicate key 'a'");
        CHECK(doc.error().problems[0].message == "line 3, column 1: duplicate key 'a'");
    }
    SECTION("a mapping as a key") {
        auto doc = stepfn::parse_yaml("? {a: 1}\n: 2\n");
        REQUIRE_FALSE(doc);
        CHECK_THAT(doc.error().cause, Contains("a mapping key must be a plain value"));
    }
    SECTION("infinity and NaN") {
        auto doc = stepfn::parse_yaml("a: .inf\nb: -.Inf\nc: .nan\n");
        REQUIRE_FALSE(doc);
        CHECK(doc.error().problems.size() == 3);
        CHECK_THAT(doc.error().cause, Contains("line 1, column 4: /a: '.inf' has no JSON equivalent"));
    }
    SECTION("unknown tags") {
        auto doc = stepfn::parse_yaml("a: !custom 1\n");
        REQUIRE_FALSE(doc);
        CHECK_THAT(doc.error().cause, Contains("unsupported YAML tag '!custom'"));
    }
    SECTION("more than one document") {
        auto doc = stepfn::parse_yaml("a: 1\n---\nb: 2\n");
        REQUIRE_FALSE(doc);
        CHECK_THAT(doc.error().cause,
                   Contains("line 2, column 1: /: the file holds more than one YAML document; a definition is exactly one"));
    }
    SECTION("an empty file") {
        auto machine = stepfn::load_yaml("");
        REQUIRE_FALSE(machine);
    }
    SECTION("a hex integer too large") {
        auto doc = stepfn::parse_yaml("a: 0x1FFFFFFFFFFFFFFFF\n");
        REQUIRE_FALSE(doc);
        CHECK_THAT(doc.error().cause, Contains("the integer '0x1FFFFFFFFFFFFFFFF' is too large"));
    }
}

TEST_CASE("yaml: anchors and aliases expand, within limits", "[yaml]") {
    auto doc = stepfn::parse_yaml("retry: &r [{ErrorEquals: [States.ALL], MaxAttempts: 2}]\nagain: *r\n");
    REQUIRE(doc);
    CHECK(doc->value()["again"] == doc->value()["retry"]);

    // Ten levels of ten aliases each: 10^10 values from a few hundred bytes.
    std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i <= 10; ++i) {
        const std::string prev = "*a" + std::to_string(i - 1);
        bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int k = 0; k < 10; ++k) bomb += (k ? ", " : "") + prev;
        bomb += "]\n";
    }
    auto exploded = stepfn::parse_yaml(bomb);
    REQUIRE_FALSE(exploded);
    CHECK_THAT(exploded.error().cause, Contains("the YAML expands to more than 1048576 values"));
}

TEST_CASE("yaml: size and nesting limits", "[yaml]") {
    stepfn::limits small;
    small.max_definition_bytes = 10;
    auto big = stepfn::parse_yaml("a: 12345678901\n", small);
    REQUIRE_FALSE(big);
    CHECK_THAT(big.error().cause, Contains("more than the limit of 10 bytes"));

    std::string deep = "a: " + std::string(300, '[') + std::string(300, ']') + "\n";
    auto nested = stepfn::parse_yaml(deep);
    REQUIRE_FALSE(nested);
    // The message names the loader's limit, not the converter's internal guard.
    CHECK_THAT(nested.error().cause, Contains("nested deeper than 64 levels"));
    CHECK_THAT(nested.error().cause, !Contains("256"));
}

TEST_CASE("yaml: the example definition as YAML runs like the JSON one", "[yaml]") {
    const auto json_text = read_text(std::filesystem::path(STEPFN_EXAMPLES_DIR) / "order-flow" / "definition.asl.json");
    auto from_json = stepfn::load_machine(json_text);
    REQUIRE(from_json);
    // JSON is YAML: the JSON file itself loads through the YAML front end.
    auto from_yaml = stepfn::load_yaml(json_text);
    REQUIRE(from_yaml);
    CHECK(from_yaml->source() == from_json->source());
}

TEST_CASE("stepfn validate, run and graph read .yaml files", "[yaml][cli]") {
    SECTION("validate places problems by line and column") {
        stepfn_test::temp_dir scratch_file;
        const std::string file = scratch_file.write("broken.asl.yaml", order_yaml);
        auto r = run_cli({"validate", file});
        CHECK(r.code == 1);
        CHECK(r.err ==
              "line 7, column 5: /States/Charge/Next: no state named \"Chrage\" in this scope\n"
              "line 8, column 3: /States/Done: state \"Done\" is not reachable\n");
    }
    SECTION("valid files validate, run and graph") {
        stepfn_test::temp_dir scratch_file;
        const std::string file = scratch_file.write("hello.yml", "StartAt: Hi\nStates:\n  Hi:\n    Type: Pass\n    Result: {hello: world}\n    End: true\n");
        auto valid = run_cli({"validate", file});
        CHECK(valid.code == 0);
        CHECK(valid.out == "valid\n");
        auto ran = run_cli({"run", file});
        CHECK(ran.code == 0);
        CHECK(ran.out == "{\"status\":\"SUCCEEDED\",\"output\":{\"hello\":\"world\"}}\n");
        auto graph = run_cli({"graph", file, "--format", "mermaid"});
        CHECK(graph.code == 0);
        CHECK_THAT(graph.out, Contains("n0[\"Hi<br/><small>Pass</small>\"]"));
    }
    SECTION("run reports an invalid YAML definition as run does for JSON") {
        stepfn_test::temp_dir scratch_file;
        const std::string file = scratch_file.write("bad.yaml", "StartAt: [\n");
        auto r = run_cli({"run", file});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Contains("stepfn: the definition is not valid:\nline 2, column 1: /: the definition is not valid YAML"));
    }
}


// Issue 13: `it->first` bound to a reference dangled (ASan: stack-use-after-scope) on every
// mapping; the asan preset runs this.
TEST_CASE("yaml: a plain mapping reads no freed memory", "[yaml]") {
    auto doc = stepfn::parse_yaml("a: 1");
    REQUIRE(doc);
    CHECK(doc->value() == stepfn::json{{"a", 1}});
    auto nested = stepfn::parse_yaml("a:\n  b: [x, {c: 2}]\n");
    REQUIRE(nested);
    CHECK(nested->value() == stepfn::json::parse(R"({"a":{"b":["x",{"c":2}]}})"));
}

// Issue 13: yaml-cpp 0.7's LoadAll never returned on `,` and grew without bound. Each input
// here must come back with an error (a hang would time the test out, never pass).
TEST_CASE("yaml: inputs that made yaml-cpp loop return an error", "[yaml]") {
    for (const char* text : {",", ",\n,", "a: 1\n,", "- ,", "[,", "{,}: ,", ", ,\n---\n,", "\t,"}) {
        INFO("input: " << text);
        auto doc = stepfn::parse_yaml(text);
        REQUIRE_FALSE(doc);
        CHECK(doc.error().name == stepfn::errors::invalid_definition);
        CHECK_FALSE(doc.error().cause.empty());
    }
    auto stuck = stepfn::parse_yaml(",");
    REQUIRE_FALSE(stuck);
    CHECK_THAT(stuck.error().cause, Contains("makes no progress"));
    // An ending `---` starts a second, empty document, as YAML says.
    auto trailing = stepfn::parse_yaml("a: 1\n---\n");
    REQUIRE_FALSE(trailing);
    CHECK_THAT(trailing.error().cause, Contains("more than one YAML document"));
    // A document end marker alone is still one document.
    auto ended = stepfn::parse_yaml("a: 1\n...\n");
    REQUIRE(ended);
    CHECK(ended->value() == stepfn::json{{"a", 1}});
}

} // namespace yaml_test
#endif
