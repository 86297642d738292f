#include "catch.hpp"

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "cli_helpers.hpp"

namespace cli_run_test {

// `stepfn run`: the output line, failures, mock files, names, refusals, history, the README's
// example. Help, usage errors and `stepfn validate` are in cli_test.cpp.

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

TEST_CASE("run --history - writes the events to standard output, before the result line", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("hello.asl.json", hello_definition);
    auto r = run_cli({"run", file, "--history", "-", "--name", "h2"});
    REQUIRE(r.code == 0);
    std::istringstream lines(r.out);
    std::vector<stepfn::json> parsed;
    for (std::string line; std::getline(lines, line);) {
        auto value = stepfn::json::parse(line, nullptr, false);
        REQUIRE_FALSE(value.is_discarded());
        parsed.push_back(std::move(value));
    }
    REQUIRE(parsed.size() >= 5);
    CHECK(parsed.front()["type"] == "ExecutionStarted");
    CHECK(parsed[parsed.size() - 2]["type"] == "ExecutionSucceeded");
    CHECK(parsed.back()["status"] == "SUCCEEDED");  // the result line stays the last line
}

TEST_CASE("run --history replaces the file; --input keeps its spelling; --type EXPRESS", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("hello.asl.json", hello_definition);
    const std::string history = dir.path("history.jsonl");
    const auto lines = [&] {
        std::ifstream in(history);
        std::vector<stepfn::json> events;
        for (std::string line; std::getline(in, line);) events.push_back(stepfn::json::parse(line, nullptr, false));
        return events;
    };
    REQUIRE(run_cli({"run", file, "--history", history, "--input", "{ \"who\" : 1.50 }"}).code == 0);
    const auto first = lines();
    REQUIRE(first.size() >= 2);
    // A second run replaces the first one's history (AWS-like: one execution's history per file).
    REQUIRE(run_cli({"run", file, "--history", history, "--type", "EXPRESS"}).code == 0);
    const auto second = lines();
    CHECK(second.size() == first.size());
    CHECK(second.front()["id"] == 1);
    CHECK(first.front()["executionStartedEventDetails"]["input"] == "{ \"who\" : 1.50 }");
    CHECK(second.front()["executionStartedEventDetails"]["input"] == "{}");

    auto bad = run_cli({"run", file, "--type", "express"});
    CHECK(bad.code == 2);
    CHECK_THAT(bad.err, Catch::Matchers::Contains("--type is STANDARD or EXPRESS"));
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

TEST_CASE("run executes a JSONata machine", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("jsonata.asl.json", R"({
      "QueryLanguage": "JSONata",
      "StartAt": "Greet",
      "States": {
        "Greet": {"Type": "Pass", "Assign": {"who": "{% $states.input.who %}"},
                  "Output": {"greeting": "{% 'hello ' & $states.input.who %}"}, "Next": "Done"},
        "Done": {"Type": "Succeed", "Output": {"greeting": "{% $states.input.greeting %}", "to": "{% $who %}"}}
      }
    })");
    auto r = run_cli({"run", file, "--input", R"({"who":"world"})"});
    CHECK(r.code == 0);
    CHECK(r.out == R"({"status":"SUCCEEDED","output":{"greeting":"hello world","to":"world"}})"
                   "\n");
    auto failed = run_cli({"run", file});
    CHECK(failed.code == 1);
    CHECK(parse_line(failed.out)["error"] == "States.QueryEvaluationError");
}
TEST_CASE("run --child-history: a distributed Map's children are not in the execution's history", "[cli][history]") {
    temp_dir dir;
    const std::string file = dir.write("dmap.asl.json", R"({"StartAt": "M", "States": {"M": {"Type": "Map",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Label": "Each", "End": true}}})");
    const std::string own = dir.path("own.jsonl"), children = dir.path("children.jsonl");
    const auto read_lines = [](const std::string& path) {
        std::ifstream in(path);
        std::vector<stepfn::json> events;
        for (std::string line; std::getline(in, line);) events.push_back(stepfn::json::parse(line, nullptr, false));
        return events;
    };
    auto r = run_cli({"run", file, "--input", "[1, 2]", "--name", "p1", "--history", own, "--child-history", children});
    REQUIRE(r.code == 0);
    const auto parent = read_lines(own);
    std::vector<std::string> types;
    for (const auto& e : parent) types.push_back(e["type"].get<std::string>());
    CHECK(types == std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
                                            "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"});
    CHECK_FALSE(parent.front().contains("executionArn"));
    const auto child_events = read_lines(children);
    REQUIRE(child_events.size() == 8);  // two children, four events each
    std::set<std::string> arns;
    for (const auto& e : child_events) arns.insert(e["executionArn"].get<std::string>());
    REQUIRE(arns.size() == 2);
    for (const auto& arn : arns) CHECK(arn.rfind("arn:aws:states:us-east-1:123456789012:express:dmap/Each:", 0) == 0);

    SECTION("without --child-history the children's events go nowhere") {
        REQUIRE(run_cli({"run", file, "--input", "[1, 2]", "--history", own}).code == 0);
        CHECK(read_lines(own).size() == 8);
    }
    SECTION("one file cannot be both") {
        auto same = run_cli({"run", file, "--history", own, "--child-history", own});
        CHECK(same.code == 2);
        CHECK_THAT(same.err, Catch::Matchers::Contains("two different files"));
    }
}

TEST_CASE("run with a mock file says when it waits in real time", "[cli]") {
    temp_dir dir;
    const std::string mocks = dir.write("mocks.json", R"({"StateMachines": {"M": {"TestCases": {"T": {"Work": "Ok"}}}},
        "MockedResponses": {"Ok": {"0": {"Return": {"done": true}}}}})");
    const std::string waits = dir.write("waits.asl.json", R"({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 0, "End": true}}})");
    const std::string retries = dir.write("retries.asl.json", R"({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                 "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 5}]}}})");
    const std::string plain = dir.write("plain.asl.json", R"({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}})");
    const auto run_mocked = [&](const std::string& file, bool virtual_time) {
        std::vector<std::string> args{"run", file, "--mock-config", mocks, "--test-case", "T"};
        if (virtual_time) args.emplace_back("--virtual-time");
        return run_cli(args);
    };
    auto wait = run_mocked(waits, false);
    CHECK(wait.code == 0);
    CHECK(wait.err == "stepfn: note: this run waits in real time (the Wait state 'Pause'); add --virtual-time to run "
                      "its waits at once\n");
    auto retry = run_mocked(retries, false);
    CHECK(retry.code == 0);
    CHECK_THAT(retry.err, Catch::Matchers::Contains("(the Retry of 'Work')"));
    CHECK(run_mocked(waits, true).err.empty());   // virtual time: nothing to say
    CHECK(run_mocked(plain, false).err.empty());  // nothing waits
    CHECK_FALSE(run_cli({"run", waits}).err.find("note:") != std::string::npos);  // no mock file: no note
}

TEST_CASE("run --type EXPRESS refuses what AWS's Express workflows do not support", "[cli][express]") {
    temp_dir dir;
    const std::string file = dir.write("sync.asl.json", R"({"StartAt": "Job", "States": {
        "Job": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": true}}})");
    auto r = run_cli({"run", file, "--type", "EXPRESS"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Matchers::Contains("cannot start the execution: SCHEMA_VALIDATION_FAILED: Express state "
                                                "machine does not support '.sync' service integration at /States/Job/Resource"));
}
} // namespace cli_run_test
