// Structured transition logs (json_log_sink): one JSON object per event with the state it
// belongs to, levels, errors and durations on the virtual clock; secrets never written.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <stepfn/history/json_log_sink.hpp>

namespace json_log_sink_test {

namespace {

// The lines a sink wrote to a temporary file.
std::string read_all(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string text;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    return text;
}

std::vector<json> lines_of(const std::string& text) {
    std::vector<json> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        REQUIRE(end != std::string::npos);
        out.push_back(json::parse(text.substr(start, end - start)));
        start = end + 1;
    }
    return out;
}

const json* find_line(const std::vector<json>& lines, const std::string& event, const std::string& state = "") {
    for (const auto& l : lines)
        if (l["event"] == event && (state.empty() || l.value("state", "") == state)) return &l;
    return nullptr;
}

} // namespace

TEST_CASE("json_log_sink: states, levels, errors and durations", "[history][logs]") {
    harness h;
    std::FILE* file = std::tmpfile();
    REQUIRE(file);
    auto log = std::make_shared<stepfn::json_log_sink>(file);
    int calls = 0;
    h.engine.invokers().set_default(answer([&](const stepfn::task_request&) -> stepfn::result<json> {
        if (++calls == 1) return stepfn::make_error("Flaky", "the first call fails");
        return json{{"done", true}};
    }));
    auto machine = load(R"({"StartAt":"Pause","States":{
        "Pause":{"Type":"Wait","Seconds":10,"Next":"Work"},
        "Work":{"Type":"Task","Resource":"svc","Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":3}],"Next":"Fan"},
        "Fan":{"Type":"Parallel","Branches":[
            {"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"End":true}}},
            {"StartAt":"BW","States":{"BW":{"Type":"Wait","Seconds":2,"Next":"B"},
                                      "B":{"Type":"Fail","Error":"Broken","Cause":"branch B fails"}}}],"End":true}}})");
    stepfn::start_options start;
    start.name = "run-1";
    start.history = log;
    auto e = h.engine.start(machine, json::object(), start);
    REQUIRE(e);
    (void)e->wait();
    CHECK(e->status() == stepfn::execution_status::failed);
    const auto text = read_all(file);
    INFO(text);
    const auto lines = lines_of(text);
    REQUIRE(lines.size() == h.sink->events(e->arn()).size());
    for (const auto& l : lines) {
        CHECK(l["timestamp"].get<std::string>().size() == 24);  // 2026-12-05T10:00:00.000Z
        CHECK(l["execution"] == e->arn());
        CHECK(l["state_machine"] == machine.name());
        CHECK(l.contains("event_id"));
        CHECK(l.contains("message"));
    }
    auto wait_exit = find_line(lines, "WaitStateExited", "Pause");
    REQUIRE(wait_exit);
    CHECK((*wait_exit)["duration_ms"] == 10000.0);
    CHECK((*wait_exit)["level"] == "info");
    CHECK((*wait_exit)["message"] == "WaitStateExited Pause");
    // Task events name no state in AWS's history: the log attributes them through the links.
    auto failed = find_line(lines, "TaskFailed");
    REQUIRE(failed);
    CHECK((*failed)["state"] == "Work");
    CHECK((*failed)["level"] == "warn");
    CHECK((*failed)["error"] == "Flaky");
    CHECK((*failed)["cause"] == "the first call fails");
    CHECK((*failed)["resource"] == "svc");
    CHECK((*failed)["duration_ms"] == 0.0);
    auto work_exit = find_line(lines, "TaskStateExited", "Work");
    REQUIRE(work_exit);
    CHECK((*work_exit)["duration_ms"] == 3000.0);  // the 3 s back-off
    auto branch_a = find_line(lines, "WaitStateExited", "A");
    REQUIRE(branch_a);
    CHECK((*branch_a)["duration_ms"] == 1000.0);
    REQUIRE(find_line(lines, "FailStateEntered", "B"));
    auto fan_failed = find_line(lines, "ParallelStateFailed");
    REQUIRE(fan_failed);
    CHECK((*fan_failed)["state"] == "Fan");
    CHECK((*fan_failed)["level"] == "warn");
    auto end = find_line(lines, "ExecutionFailed");
    REQUIRE(end);
    CHECK((*end)["level"] == "error");
    CHECK((*end)["error"] == "Broken");
    CHECK_FALSE(end->contains("state"));
    CHECK((*end)["duration_ms"] == 15000.0);
    // The sink flushes its FILE when it goes: it and the execution holding it go first.
    e = tl::make_unexpected(stepfn::error{"Done", ""});
    start.history.reset();
    log.reset();
    while (h.executor.run_one()) {
    }
    std::fclose(file);
}

TEST_CASE("json_log_sink: payloads, task tokens and known secrets are never written", "[history][logs]") {
    harness h;
    std::string token;
    h.engine.invokers().add("svc.waitForTaskToken",
                            std::make_shared<lambda_invoker>([&](stepfn::task_request r, stepfn::task_completion done) {
                                token = r.task_token;
                                done.complete(json::object());
                            }));
    auto machine = load(R"({"StartAt":"Ask","States":{
        "Ask":{"Type":"Task","Resource":"svc.waitForTaskToken",
               "Parameters":{"TaskToken.$":"$$.Task.Token","user.$":"$.user","password.$":"$.password"},"End":true}}})");
    const json input = {{"user", "ada"}, {"password", "hunter2-pw"}, {"note", "api key sk-live-4242"}};

    for (bool payloads : {false, true}) {
        std::FILE* file = std::tmpfile();
        REQUIRE(file);
        stepfn::json_log_options options;
        options.include_payloads = payloads;
        options.redact = {"sk-live-4242"};
        auto log = std::make_shared<stepfn::json_log_sink>(file, options);
        stepfn::start_options start;
        start.history = log;
        auto e = h.engine.start(machine, input, start);
        REQUIRE(e);
        while (h.executor.run_one()) {
        }
        REQUIRE_FALSE(token.empty());
        REQUIRE(h.engine.send_task_failure(token, "Denied", "refused for sk-live-4242"));
        (void)e->wait();
        const auto text = read_all(file);
        INFO(text);
        CHECK(text.find("hunter2-pw") == std::string::npos);
        CHECK(text.find(token) == std::string::npos);
        CHECK(text.find("sk-live-4242") == std::string::npos);
        const auto lines = lines_of(text);
        REQUIRE(find_line(lines, "ExecutionFailed"));
        auto started = find_line(lines, "ExecutionStarted");
        REQUIRE(started);
        if (payloads) {
            CHECK((*started)["input"]["user"] == "ada");
            CHECK((*started)["input"]["password"] == "***");
            CHECK((*started)["input"]["note"] == "api key ***");
            auto scheduled = find_line(lines, "TaskScheduled");
            REQUIRE(scheduled);
            CHECK((*scheduled)["parameters"]["TaskToken"] == "***");
        } else {
            CHECK_FALSE(started->contains("input"));
        }
        // The sink flushes its FILE when it goes: it and the execution holding it go first.
        e = tl::make_unexpected(stepfn::error{"Done", ""});
        start.history.reset();
        log.reset();
        while (h.executor.run_one()) {
        }
        std::fclose(file);
    }
}

TEST_CASE("json_log_sink: min_level keeps only warnings and errors", "[history][logs]") {
    harness h;
    std::FILE* file = std::tmpfile();
    REQUIRE(file);
    stepfn::json_log_options options;
    options.min_level = stepfn::log_level::warn;
    auto log = std::make_shared<stepfn::json_log_sink>(file, options);
    auto machine = load(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Next":"F"},"F":{"Type":"Fail","Error":"E"}}})");
    stepfn::start_options start;
    start.history = log;
    auto e = h.engine.start(machine, json::object(), start);
    REQUIRE(e);
    (void)e->wait();
    const auto lines = lines_of(read_all(file));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["event"] == "ExecutionFailed");
    CHECK(lines[0]["error"] == "E");
    // The sink flushes its FILE when it goes: it and the execution holding it go first.
    e = tl::make_unexpected(stepfn::error{"Done", ""});
    start.history.reset();
    log.reset();
    while (h.executor.run_one()) {
    }
    std::fclose(file);
}
} // namespace json_log_sink_test
