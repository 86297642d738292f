// Graphs of a state machine: DOT and Mermaid, their nodes, edges, labels and clusters, the
// escaping of user text, and `stepfn graph`.
#include "catch.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/print/graph.hpp>

#include "cli_runner.hpp"

namespace graph_test {

using Catch::Matchers::Contains;
using stepfn::json;

namespace {

stepfn::state_machine load_graph_machine(const std::string& text) {
    auto m = stepfn::load_machine(text);
    if (!m) FAIL("definition rejected: " << m.error().cause);
    return *m;
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

const char* const fan_out = R"({
  "StartAt": "Route",
  "States": {
    "Route": {"Type": "Choice",
              "Choices": [{"Variable": "$.kind", "StringEquals": "bulk", "Next": "Each"},
                          {"Not": {"Variable": "$.rush", "IsPresent": true}, "Next": "Both"}],
              "Default": "Stop"},
    "Both": {"Type": "Parallel", "End": true,
             "Branches": [{"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}},
                          {"StartAt": "R", "States": {"R": {"Type": "Wait", "Seconds": 5, "Next": "R2"},
                                                      "R2": {"Type": "Succeed"}}}],
             "Catch": [{"ErrorEquals": ["States.Timeout", "Custom"], "Next": "Stop"}]},
    "Each": {"Type": "Map", "End": true,
             "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "work", "End": true}}}},
    "Stop": {"Type": "Fail", "Error": "Stopped"}
  }})";

using stepfn_test::run_cli;

} // namespace

TEST_CASE("graph: DOT nodes, edges, rule labels and clusters", "[graph]") {
    const auto machine = load_graph_machine(fan_out);
    const std::string dot = stepfn::to_dot(machine);
    CHECK(dot.rfind("digraph \"StateMachine\" {\n", 0) == 0);
    CHECK(dot.back() == '\n');
    CHECK_THAT(dot, Contains("n0 [label=\"Route\\nChoice\", shape=diamond"));
    CHECK_THAT(dot, Contains("n0 -> n2 [label=\"$.kind == \\\"bulk\\\"\"];"));
    CHECK_THAT(dot, Contains("n0 -> n1 [label=\"not $.rush is present\"];"));
    CHECK_THAT(dot, Contains("n0 -> n3 [label=\"Default\", style=bold];"));
    CHECK_THAT(dot, Contains("n1 -> n3 [label=\"catch States.Timeout, Custom\", style=dashed"));
    CHECK_THAT(dot, Contains("label=\"Stop\\nFail: Stopped\", shape=octagon"));
    CHECK_THAT(dot, Contains("label=\"Work\\nTask: work\""));
    CHECK_THAT(dot, Contains("label=\"R\\nWait: 5 s\""));
    // Two branches and one item processor, each a cluster entered from its state.
    CHECK(count_of(dot, "subgraph cluster_") == 3);
    CHECK_THAT(dot, Contains("label=\"Both: branch 1\";"));
    CHECK_THAT(dot, Contains("label=\"Both: branch 2\";"));
    CHECK_THAT(dot, Contains("label=\"Each: each item\";"));
    CHECK(count_of(dot, "style=dotted") == 3);
    // One start marker per scope; ends where something ends (top: Both and Each; each branch; the processor).
    CHECK(count_of(dot, "[shape=circle") == 4);
    CHECK(count_of(dot, "[shape=doublecircle") == 4);
    CHECK(count_of(dot, "{") == count_of(dot, "}"));
}

TEST_CASE("graph: Mermaid flowchart", "[graph]") {
    const auto machine = load_graph_machine(fan_out);
    const std::string mermaid = stepfn::to_mermaid(machine);
    CHECK(mermaid.rfind("flowchart TD\n", 0) == 0);
    CHECK_THAT(mermaid, Contains("n0{\"Route<br/><small>Choice</small>\"}"));
    CHECK_THAT(mermaid, Contains("n0 -->|\"$.kind == #quot;bulk#quot;\"| n2"));
    CHECK_THAT(mermaid, Contains("n0 ==>|\"Default\"| n3"));
    CHECK_THAT(mermaid, Contains("n1 -.->|\"catch States.Timeout, Custom\"| n3"));
    CHECK_THAT(mermaid, Contains("subgraph cluster_1[\"Both: branch 1\"]"));
    CHECK(count_of(mermaid, "subgraph ") == 3);
    CHECK(count_of(mermaid, "\n  end\n") + count_of(mermaid, "\n    end\n") == 3);
    CHECK_THAT(mermaid, Contains("n3{{\"Stop<br/><small>Fail: Stopped</small>\"}}"));
}

TEST_CASE("graph: user text cannot break out of a label", "[graph]") {
    const auto machine = load_graph_machine(R"({
      "StartAt": "Say \"hi\" <b>#1</b> \\",
      "States": {"Say \"hi\" <b>#1</b> \\": {"Type": "Choice",
                   "Choices": [{"Variable": "$.x", "StringEquals": "a\"b\nc", "Next": "Ok"}], "Default": "Ok"},
                 "Ok": {"Type": "Succeed"}}})");
    const std::string dot = stepfn::to_dot(machine);
    CHECK_THAT(dot, Contains("label=\"Say \\\"hi\\\" <b>#1</b> \\\\\\nChoice\""));
    CHECK_THAT(dot, Contains("[label=\"$.x == \\\"a\\\\\\\"b\\\\nc\\\"\"]"));
    const std::string mermaid = stepfn::to_mermaid(machine);
    CHECK_THAT(mermaid, Contains("Say #quot;hi#quot; #lt;b#gt;#35;1#lt;/b#gt; \\<br/>"));
    for (const auto& line : {dot, mermaid}) CHECK(line.find("\nc") == std::string::npos);
}

TEST_CASE("graph: long rules are shortened, JSONata conditions shown", "[graph]") {
    const auto machine = load_graph_machine(R"({
      "QueryLanguage": "JSONata", "StartAt": "C",
      "States": {"C": {"Type": "Choice",
                       "Choices": [{"Condition": "{% $states.input.amount > 1000 and $states.input.customer.tier != 'gold' %}", "Next": "E"}],
                       "Default": "E"},
                 "E": {"Type": "Succeed"}}})");
    const std::string dot = stepfn::to_dot(machine);
    CHECK_THAT(dot, Contains("[label=\"{% $states.input.amount > 1000 and $states.input.customer.ti...\"]"));
}

TEST_CASE("stepfn graph", "[graph][cli]") {
    SECTION("dot by default, from standard input") {
        auto r = run_cli({"graph", "-"}, fan_out);
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        CHECK(r.out.rfind("digraph \"StateMachine\" {", 0) == 0);
    }
    SECTION("mermaid") {
        auto r = run_cli({"graph", "--format", "mermaid", "-"}, fan_out);
        CHECK(r.code == 0);
        CHECK(r.out.rfind("flowchart TD\n", 0) == 0);
    }
    SECTION("an unknown format is a usage error") {
        auto r = run_cli({"graph", "--format=svg", "-"}, fan_out);
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Contains("--format must be dot or mermaid, not 'svg'"));
    }
    SECTION("an invalid definition prints its problems and exits 1") {
        auto r = run_cli({"graph", "-"}, R"({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}})");
        CHECK(r.code == 1);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Contains("/States/A/Next: "));
    }
    SECTION("help") {
        auto r = run_cli({"help", "graph"}, "");
        CHECK(r.code == 0);
        CHECK_THAT(r.out, Contains("Usage: stepfn graph FILE [--format dot|mermaid]"));
        auto main_help = run_cli({"--help"}, "");
        CHECK_THAT(main_help.out, Contains("graph FILE"));
    }
}
} // namespace graph_test
