#include "catch.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace {

namespace fs = std::filesystem;

using stepfn_test::cli_result;
using stepfn_test::run_cli;
using stepfn_test::temp_dir;

stepfn::json parse_line(const std::string& text) {
    REQUIRE(!text.empty());
    REQUIRE(text.back() == '\n');
    REQUIRE(text.find('\n') == text.size() - 1);  // exactly one line
    auto value = stepfn::json::parse(text, nullptr, false);
    REQUIRE_FALSE(value.is_discarded());
    return value;
}

const std::string hello_definition = R"({
  "StartAt": "Hello",
  "States": {
    "Hello": { "Type": "Pass", "Result": "hello", "ResultPath": "$.greeting", "End": true }
  }
})";

const std::string context_definition = R"({
  "StartAt": "Names",
  "States": {
    "Names": {
      "Type": "Pass",
      "Parameters": { "execution.$": "$$.Execution.Name", "machine.$": "$$.StateMachine.Name" },
      "End": true
    }
  }
})";

const std::string task_definition = R"({
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Retry": [ { "ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2 } ],
      "End": true
    }
  }
})";

const std::string task_mocks = R"({
  "StateMachines": {
    "Billing": {
      "TestCases": {
        "Ok": { "Charge": "FlakyThenOk" },
        "Declined": { "Charge": "Declined" },
        "Nothing": {}
      }
    }
  },
  "MockedResponses": {
    "FlakyThenOk": {
      "0": { "Throw": { "Error": "Flaky", "Cause": "try again" } },
      "1": { "Return": { "charged": 42 } }
    },
    "Declined": { "0-9": { "Throw": { "Error": "Card.Declined", "Cause": "expired" } } }
  }
})";

} // namespace

TEST_CASE("help and version", "[cli]") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
        auto r = run_cli(args);
        CHECK(r.code == 0);
        CHECK_THAT(r.out, Catch::Matchers::Contains("Usage: stepfn COMMAND"));
        CHECK_THAT(r.out, Catch::Matchers::Contains("validate FILE"));
        CHECK_THAT(r.out, Catch::Matchers::Contains("Exit status"));
        CHECK(r.err.empty());
    }
    SECTION("per command") {
        for (const auto& args : std::vector<std::vector<std::string>>{{"run", "--help"}, {"help", "run"}, {"run", "x.json", "-h"}}) {
            auto r = run_cli(args);
            CHECK(r.code == 0);
            CHECK_THAT(r.out, Catch::Matchers::Contains("Usage: stepfn run FILE"));
            for (const char* option : {"--input", "--input-file", "--history", "--virtual-time", "--mock-config",
                                       "--test-case", "--state-machine", "--name"})
                CHECK_THAT(r.out, Catch::Matchers::Contains(option));
        }
        auto r = run_cli({"validate", "--help"});
        CHECK(r.code == 0);
        CHECK_THAT(r.out, Catch::Matchers::Contains("Usage: stepfn validate FILE"));
    }
    SECTION("version") {
        const std::string expected = "stepfn " + std::to_string(stepfn::version.major) + "." +
                                     std::to_string(stepfn::version.minor) + "." +
                                     std::to_string(stepfn::version.patch) + "\n";
        CHECK(run_cli({"--version"}).out == expected);
        CHECK(run_cli({"version"}).out == expected);
        CHECK(run_cli({"--version"}).code == 0);
    }
}

TEST_CASE("usage errors exit 2 with a message and a hint", "[cli]") {
    struct usage_case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<usage_case> cases = {
        {{}, "no command given"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"--frob"}, "unknown option '--frob'"},
        {{"help", "frob"}, "unknown command 'frob'"},
        {{"--version", "extra"}, "takes no arguments"},
        {{"validate"}, "validate needs a FILE"},
        {{"validate", "a.json", "b.json"}, "unexpected 'b.json'"},
        {{"validate", "--input", "{}", "a.json"}, "unknown option '--input'"},
        {{"run"}, "run needs a FILE"},
        {{"run", "a.json", "--input"}, "--input needs a value"},
        {{"run", "a.json", "--input", "{}", "--input-file", "i.json"}, "not both"},
        {{"run", "a.json", "--input", "{}", "--input", "{}"}, "--input was given more than once"},
        {{"run", "a.json", "--mock-config", "m.json"}, "--mock-config needs --test-case"},
        {{"run", "a.json", "--test-case", "T"}, "--test-case needs --mock-config"},
        {{"run", "a.json", "--virtual-time=yes"}, "--virtual-time takes no value"},
        {{"run", "a.json", "--bogus"}, "unknown option '--bogus'"},
        {{"run", "-", "--input-file", "-"}, "standard input"},
        {{"run", "a.json", "--input-file", "-", "--mock-config", "-", "--test-case", "T"}, "standard input"},
        {{"run", "a.json", "--history", "-"}, "--history needs a file name"},
        {{"run", "a.json", "--history", ""}, "--history needs a file name"},
        {{"run", "a.json", "--input-file", ""}, "--input-file needs a file name"},
        {{"run", "a.json", "--mock-config", "m.json", "--test-case", ""}, "--test-case cannot be empty"},
        {{"run", "a.json", "--state-machine", ""}, "--state-machine cannot be empty"},
        {{"run", "a.json", "b.json"}, "unexpected 'b.json'"},
        {{"run", std::string("a\x01\x1b.json"), "b"}, "unexpected 'b'"},
    };
    for (const auto& c : cases) {
        INFO("args: " << c.args.size() << (c.args.empty() ? std::string() : " first " + c.args[0]));
        auto r = run_cli(c.args);
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("stepfn: ", 0) == 0);
        CHECK_THAT(r.err, Catch::Matchers::Contains(c.message));
        CHECK_THAT(r.err, Catch::Matchers::Contains("--help' for more information"));
    }
}

TEST_CASE("control characters in names are escaped in messages", "[cli]") {
    auto r = run_cli({"\x1b[31mred"});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Matchers::Contains("unknown command '\\x1b[31mred'"));
    CHECK(r.err.find('\x1b') == std::string::npos);
}

TEST_CASE("validate accepts a valid definition", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("hello.asl.json", hello_definition);
    SECTION("from a file") {
        auto r = run_cli({"validate", file});
        CHECK(r.code == 0);
        CHECK(r.out == "valid\n");
        CHECK(r.err.empty());
    }
    SECTION("from standard input") {
        auto r = run_cli({"validate", "-"}, hello_definition);
        CHECK(r.code == 0);
        CHECK(r.out == "valid\n");
    }
    SECTION("after --") {
        auto r = run_cli({"validate", "--", file});
        CHECK(r.code == 0);
    }
    SECTION("with a UTF-8 byte order mark") {
        auto r = run_cli({"validate", dir.write("bom.json", "\xEF\xBB\xBF" + hello_definition)});
        CHECK(r.code == 0);
    }
}

TEST_CASE("validate lists every problem with its JSON Pointer and exits 1", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("bad.asl.json", R"({
      "StartAt": "A",
      "States": {
        "A": { "Type": "Pass", "Next": "Nowhere" },
        "B": { "Type": "Pass", "Bogus": 1, "End": true }
      }
    })");
    auto r = run_cli({"validate", file});
    CHECK(r.code == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Matchers::Contains("/States/A/Next: "));
    CHECK_THAT(r.err, Catch::Matchers::Contains("Nowhere"));
    CHECK_THAT(r.err, Catch::Matchers::Contains("/States/B"));
    // One problem per line, each "<pointer>: <message>".
    std::istringstream lines(r.err);
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        ++count;
        CHECK(line.rfind('/', 0) == 0);
        CHECK(line.find(": ") != std::string::npos);
    }
    CHECK(count >= 2);

    SECTION("a problem stays on one line even when a name holds a newline") {
        auto multi = run_cli({"validate", dir.write("newline.json", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B\nC\u001b"}}})")});
        CHECK(multi.code == 1);
        CHECK(multi.err.find('\x1b') == std::string::npos);
        std::istringstream problems(multi.err);
        for (std::string problem; std::getline(problems, problem);) CHECK(problem.rfind('/', 0) == 0);
    }
    SECTION("the root is written /") {
        auto root = run_cli({"validate", dir.write("empty.json", "{}")});
        CHECK(root.code == 1);
        CHECK(root.err.rfind("/: ", 0) == 0);
    }
    SECTION("JSON that is not an object") {
        auto array = run_cli({"validate", dir.write("array.json", "[1, 2, 3]")});
        CHECK(array.code == 1);
        CHECK(array.err.rfind("/: ", 0) == 0);
    }
}

TEST_CASE("validate refuses what it cannot read with exit 2", "[cli]") {
    temp_dir dir;
    SECTION("a missing file") {
        auto r = run_cli({"validate", dir.path("missing.json")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("cannot open"));
        CHECK_THAT(r.err, Catch::Matchers::Contains("missing.json"));
        // Not a usage mistake: no pointer to --help.
        CHECK_THAT(r.err, !Catch::Matchers::Contains("--help"));
    }
    SECTION("a directory") {
        auto r = run_cli({"validate", dir.dir()});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is a directory"));
    }
    SECTION("text that is not JSON says where") {
        auto r = run_cli({"validate", dir.write("x.json", "{\n  \"StartAt\": \"A\",\n  oops\n}")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
        CHECK_THAT(r.err, Catch::Matchers::Contains("line 3"));
    }
    SECTION("an empty file") {
        auto r = run_cli({"validate", dir.write("empty.json", "")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("empty standard input") {
        auto r = run_cli({"validate", "-"});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("standard input is not JSON"));
    }
    SECTION("binary garbage") {
        std::string garbage;
        std::mt19937 random(7);
        for (int i = 0; i < 100000; ++i) garbage += static_cast<char>(random() & 0xff);
        auto r = run_cli({"validate", dir.write("garbage.bin", garbage)});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("JSON followed by more text") {
        auto r = run_cli({"validate", dir.write("two.json", hello_definition + " {}")});
        CHECK(r.code == 2);
    }
    SECTION("invalid UTF-8 in a string") {
        auto r = run_cli({"validate", dir.write("utf8.json", "{\"StartAt\": \"\xff\xfe\"}")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
}

TEST_CASE("validate bounds the size and nesting of a definition", "[cli]") {
    temp_dir dir;
    const std::size_t limit = stepfn::limits{}.max_definition_bytes;
    SECTION("a 50 MB file is refused by its size, without reading it") {
        const std::string file = dir.path("huge.json");
        { std::ofstream(file) << "{"; }
        fs::resize_file(file, std::uintmax_t{50} * 1024 * 1024);  // sparse: no 50 MB write
        const auto started = std::chrono::steady_clock::now();
        auto r = run_cli({"validate", file});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("too large"));
        CHECK_THAT(r.err, Catch::Matchers::Contains(std::to_string(limit)));
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    }
    SECTION("exactly at the limit is read; one byte over is not") {
        std::string at_limit = hello_definition;
        at_limit.resize(limit, ' ');
        CHECK(run_cli({"validate", dir.write("at.json", at_limit)}).code == 0);
        auto r = run_cli({"validate", dir.write("over.json", at_limit + " ")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("too large"));
    }
    SECTION("standard input over the limit") {
        std::string big = hello_definition;
        big.resize(limit + 100, ' ');
        auto r = run_cli({"validate", "-"}, big);
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("standard input is too large"));
    }
    SECTION("a million unclosed [ is not JSON, and does not crash") {
        auto r = run_cli({"validate", dir.write("open.json", std::string(1000000, '['))});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("deep but well-formed nesting is an invalid definition") {
        const std::size_t depth = 500000;
        auto r = run_cli({"validate", dir.write("deep.json", std::string(depth, '[') + std::string(depth, ']'))});
        CHECK(r.code == 1);
        CHECK_THAT(r.err, Catch::Matchers::Contains("nested"));
    }
    SECTION("deep nesting inside a real definition") {
        std::string deep = R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":)";
        deep += std::string(100000, '[') + std::string(100000, ']') + R"(,"End":true}}})";
        auto r = run_cli({"validate", dir.write("deep-result.json", deep)});
        CHECK(r.code == 1);
        CHECK_THAT(r.err, Catch::Matchers::Contains("nested"));
    }
    SECTION("nesting past the loader's limit, under the pre-check's, is the loader's to report") {
        std::string deep = R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":)";
        deep += std::string(100, '[') + std::string(100, ']') + R"(,"End":true}}})";
        auto r = run_cli({"validate", dir.write("deep-100.json", deep)});
        CHECK(r.code == 1);
        CHECK_FALSE(r.err.empty());
    }
}

TEST_CASE("run prints one line of JSON with the output", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("hello.asl.json", hello_definition);
    SECTION("input defaults to {}") {
        auto r = run_cli({"run", file});
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        CHECK(r.out == R"({"status":"SUCCEEDED","output":{"greeting":"hello"}})"
                       "\n");
    }
    SECTION("--input") {
        auto r = run_cli({"run", file, "--input", R"({"who":"world"})"});
        CHECK(r.code == 0);
        CHECK(r.out == R"({"status":"SUCCEEDED","output":{"who":"world","greeting":"hello"}})"
                       "\n");
    }
    SECTION("--input=JSON") {
        auto r = run_cli({"run", file, R"(--input={"n":1})"});
        CHECK(r.code == 0);
        CHECK(parse_line(r.out)["output"]["n"] == 1);
    }
    SECTION("--input-file, and options before FILE") {
        const std::string input = dir.write("input.json", "{\n  \"who\": \"file\"\n}\n");
        auto r = run_cli({"run", "--input-file", input, file});
        CHECK(r.code == 0);
        CHECK(parse_line(r.out)["output"]["who"] == "file");
    }
    SECTION("--input-file - reads standard input") {
        auto r = run_cli({"run", file, "--input-file", "-"}, R"({"who":"stdin"})");
        CHECK(r.code == 0);
        CHECK(parse_line(r.out)["output"]["who"] == "stdin");
    }
    SECTION("the definition from standard input") {
        auto r = run_cli({"run", "-", "--input", "{}"}, hello_definition);
        CHECK(r.code == 0);
        CHECK(parse_line(r.out)["status"] == "SUCCEEDED");
    }
    SECTION("any JSON is an input; non-ASCII text stays UTF-8") {
        const std::string other = dir.write("echo.asl.json", R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
        auto r = run_cli({"run", other, "--input", "\"Gr\xC3\xBC\xC3\x9F\x65 \\u263a\""});
        CHECK(r.code == 0);
        CHECK(r.out == "{\"status\":\"SUCCEEDED\",\"output\":\"Gr\xC3\xBC\xC3\x9F\x65 \xE2\x98\xBA\"}\n");
        CHECK(parse_line(run_cli({"run", other, "--input", "[1,null,2.5]"}).out)["output"] ==
              stepfn::json::parse("[1,null,2.5]"));
    }
}

TEST_CASE("run reports failures on stdout and exits 1", "[cli]") {
    temp_dir dir;
    SECTION("a Fail state with error and cause") {
        auto r = run_cli({"run", dir.write("fail.json", R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Order.Rejected","Cause":"too big"}}})")});
        CHECK(r.code == 1);
        CHECK(r.out == R"({"status":"FAILED","error":"Order.Rejected","cause":"too big"})"
                       "\n");
    }
    SECTION("a bare Fail state has neither") {
        auto r = run_cli({"run", dir.write("bare.json", R"({"StartAt":"F","States":{"F":{"Type":"Fail"}}})")});
        CHECK(r.code == 1);
        CHECK(r.out == R"({"status":"FAILED"})"
                       "\n");
    }
    SECTION("an execution timeout, in virtual time") {
        auto r = run_cli({"run",
                          dir.write("slow.json", R"({"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}})"),
                          "--virtual-time"});
        CHECK(r.code == 1);
        auto line = parse_line(r.out);
        CHECK(line["status"] == "TIMED_OUT");
        CHECK(line["error"] == "States.Timeout");
    }
    SECTION("a Task nobody answers fails the execution, not the command") {
        auto r = run_cli({"run", dir.write("task.json", task_definition), "--virtual-time"});
        CHECK(r.code == 1);
        auto line = parse_line(r.out);
        CHECK(line["status"] == "FAILED");
        CHECK(line.contains("error"));
    }
}

TEST_CASE("run with a Step Functions Local mock file", "[cli]") {
    temp_dir dir;
    const std::string definition = dir.write("billing.asl.json", task_definition);
    const std::string mocks = dir.write("mocks.json", task_mocks);
    SECTION("a retried failure, then the mocked result") {
        auto r = run_cli({"run", definition, "--virtual-time", "--mock-config", mocks, "--test-case", "Ok"});
        CHECK(r.code == 0);
        CHECK(r.out == R"({"status":"SUCCEEDED","output":{"charged":42}})"
                       "\n");
    }
    SECTION("a mocked error") {
        auto r = run_cli({"run", definition, "--virtual-time", "--mock-config", mocks, "--test-case", "Declined"});
        CHECK(r.code == 1);
        CHECK(r.out == R"({"status":"FAILED","error":"Card.Declined","cause":"expired"})"
                       "\n");
    }
    SECTION("a state the test case does not mock fails with States.Runtime") {
        auto r = run_cli({"run", definition, "--virtual-time", "--mock-config", mocks, "--test-case", "Nothing"});
        CHECK(r.code == 1);
        CHECK(parse_line(r.out)["error"] == "States.Runtime");
    }
    SECTION("--state-machine names the machine in the mock file") {
        auto r = run_cli({"run", definition, "--virtual-time", "--mock-config", mocks, "--test-case", "Ok",
                          "--state-machine", "Billing"});
        CHECK(r.code == 0);
    }
    SECTION("an unknown test case lists the ones there are") {
        auto r = run_cli({"run", definition, "--mock-config", mocks, "--test-case", "Nope"});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::Matchers::Contains("Nope"));
        CHECK_THAT(r.err, Catch::Matchers::Contains("Declined"));
    }
    SECTION("an unknown state machine") {
        auto r = run_cli({"run", definition, "--mock-config", mocks, "--test-case", "Ok", "--state-machine", "Other"});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("Billing"));
    }
    SECTION("an invalid mock file lists its problems") {
        const std::string bad = dir.write("bad-mocks.json", R"({"StateMachines":{"M":{"TestCases":{"T":{"Charge":"Missing"}}}},"MockedResponses":{"R":{"x":{"Return":1}}}})");
        auto r = run_cli({"run", definition, "--mock-config", bad, "--test-case", "T"});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not valid"));
        CHECK_THAT(r.err, Catch::Matchers::Contains("/MockedResponses/R/x"));
    }
    SECTION("a mock file that is not JSON") {
        auto r = run_cli({"run", definition, "--mock-config", dir.write("m.json", "{"), "--test-case", "T"});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("a missing mock file") {
        auto r = run_cli({"run", definition, "--mock-config", dir.path("none.json"), "--test-case", "T"});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("cannot open"));
    }
}

TEST_CASE("run names the execution and the state machine", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("my-flow.asl.json", context_definition);
    SECTION("from the file name and a generated execution name") {
        auto line = parse_line(run_cli({"run", file}).out);
        CHECK(line["output"]["machine"] == "my-flow");
        CHECK(line["output"]["execution"].get<std::string>().size() >= 32);
    }
    SECTION("--name and --state-machine") {
        auto line = parse_line(run_cli({"run", file, "--name", "order-42", "--state-machine", "Orders"}).out);
        CHECK(line["output"]["execution"] == "order-42");
        CHECK(line["output"]["machine"] == "Orders");
    }
    SECTION("from the mock file") {
        const std::string mocks = dir.write("mocks.json", task_mocks);
        auto line = parse_line(run_cli({"run", file, "--mock-config", mocks, "--test-case", "Ok"}).out);
        CHECK(line["output"]["machine"] == "Billing");
    }
    SECTION("an execution name the engine refuses is exit 2") {
        auto r = run_cli({"run", file, "--name", std::string(81, 'x')});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::Matchers::Contains("cannot start the execution"));
    }
}

TEST_CASE("run refuses bad definitions and inputs with exit 2", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("hello.asl.json", hello_definition);
    SECTION("an invalid definition prints the diagnostics of validate") {
        auto r = run_cli({"run", dir.write("bad.json", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}})")});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::Matchers::Contains("/States/A/Next: "));
    }
    SECTION("a definition that is not JSON") {
        auto r = run_cli({"run", dir.write("x.json", "nope")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("--input that is not JSON") {
        auto r = run_cli({"run", file, "--input", "{oops"});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::Matchers::Contains("--input is not JSON"));
    }
    SECTION("an empty --input") {
        auto r = run_cli({"run", file, "--input", ""});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("--input is not JSON"));
    }
    SECTION("--input-file that is not JSON") {
        auto r = run_cli({"run", file, "--input-file", dir.write("in.json", "{\"a\": tru}")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("a missing --input-file") {
        auto r = run_cli({"run", file, "--input-file", dir.path("none.json")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("cannot open"));
    }
    SECTION("input over 256 KiB") {
        const std::size_t limit = stepfn::limits{}.max_payload_bytes;
        const std::string big = "\"" + std::string(limit, 'x') + "\"";
        auto r = run_cli({"run", file, "--input", big});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("too large"));
        auto from_file = run_cli({"run", file, "--input-file", dir.write("big.json", big)});
        CHECK(from_file.code == 2);
        CHECK_THAT(from_file.err, Catch::Matchers::Contains("too large"));
    }
    SECTION("input nested beyond reason") {
        const std::size_t depth = 100000;
        auto r = run_cli({"run", file, "--input", std::string(depth, '[') + std::string(depth, ']')});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("nested more than"));
    }
    SECTION("a history file that cannot be created") {
        auto r = run_cli({"run", file, "--history", dir.path("no/such/dir/history.jsonl")});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::Matchers::Contains("history"));
    }
}

TEST_CASE("run --history writes the history as JSON Lines", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("hello.asl.json", hello_definition);
    const std::string history = dir.path("history.jsonl");
    auto r = run_cli({"run", file, "--history", history, "--name", "h1"});
    REQUIRE(r.code == 0);
    std::ifstream in(history);
    std::vector<stepfn::json> events;
    for (std::string line; std::getline(in, line);) {
        auto event = stepfn::json::parse(line, nullptr, false);
        REQUIRE_FALSE(event.is_discarded());
        events.push_back(std::move(event));
    }
    REQUIRE(events.size() >= 4);
    CHECK(events.front()["type"] == "ExecutionStarted");
    CHECK(events.back()["type"] == "ExecutionSucceeded");
    CHECK(events.front()["id"] == 1);
}

TEST_CASE("the order-flow example runs as the README says", "[cli]") {
    const std::string example = STEPFN_EXAMPLES_DIR "/order-flow/";
    const auto run_case = [&](const std::string& test_case) {
        return run_cli({"run", example + "definition.asl.json", "--input-file", example + "input.json",
                        "--virtual-time", "--mock-config", example + "mocks.json", "--test-case", test_case});
    };
    SECTION("HappyPath: a gateway timeout is retried, the Wait passes in virtual time") {
        auto r = run_case("HappyPath");
        CHECK(r.err.empty());
        CHECK(r.code == 0);
        auto line = parse_line(r.out);
        CHECK(line["status"] == "SUCCEEDED");
        auto& output = line["output"];
        CHECK(output["orderId"] == "ord-1001");
        CHECK(output["status"] == "SHIPPED");
        CHECK(output["transactionId"] == "tx-7f3a");
        CHECK(output["trackingNumber"] == "1Z999AA10123456784");
        // 2024-01-01T00:00:00Z + a 2 s retry interval + the 3600 s Wait.
        CHECK(output["shippedAt"].get<std::string>().rfind("2024-01-01T01:00:02", 0) == 0);
    }
    SECTION("CardDeclined: caught, then a Fail state") {
        auto line = parse_line(run_case("CardDeclined").out);
        CHECK(line["status"] == "FAILED");
        CHECK(line["error"] == "Order.PaymentDeclined");
    }
    SECTION("ShippingFails: the compensation runs, then a Fail state") {
        auto r = run_case("ShippingFails");
        CHECK(r.code == 1);
        CHECK(parse_line(r.out)["error"] == "Order.ShippingFailed");
    }
}
