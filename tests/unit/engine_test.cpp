// The engine end to end: data flow, the state types, history, timeouts, stop and limits, on
// the manual executor and the virtual clock (deterministic), plus a thread-pool run.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/model/express_support.hpp>
#include <stepfn/tasks/callable_invoker.hpp>

namespace engine_test {

TEST_CASE("Pass: Result, Parameters, ResultPath, InputPath and OutputPath", "[engine][pass]") {
    harness h;
    SECTION("Result replaces the input") {
        auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"greeting":"hi"},"End":true}}})", {{"x", 1}});
        CHECK(r.status == stepfn::execution_status::succeeded);
        CHECK(*r.value == json{{"greeting", "hi"}});
    }
    SECTION("no Result passes the input through") {
        auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})", {{"x", 1}});
        CHECK(*r.value == json{{"x", 1}});
    }
    SECTION("ResultPath merges into the raw input, creating intermediate objects") {
        auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":7,"ResultPath":"$.a.b","End":true}}})",
                       {{"x", 1}});
        CHECK(*r.value == json::parse(R"({"x":1,"a":{"b":7}})"));
    }
    SECTION("ResultPath null keeps the input") {
        auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":7,"ResultPath":null,"End":true}}})",
                       {{"x", 1}});
        CHECK(*r.value == json{{"x", 1}});
    }
    SECTION("Parameters with paths and the context object, keys in written order") {
        auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"z":1,"v.$":"$.v","name.$":"$$.State.Name","a":2},"End":true}}})",
                       {{"v", "x"}});
        REQUIRE(r.value);
        CHECK(r.value->dump() == R"({"z":1,"v":"x","name":"P","a":2})");
    }
    SECTION("InputPath and OutputPath select; null gives {}") {
        auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","OutputPath":"$.b","End":true}}})",
                       json::parse(R"({"a":{"b":[1,2]}})"));
        CHECK(*r.value == json::array({1, 2}));
        auto n = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":null,"End":true}}})", {{"a", 1}});
        CHECK(*n.value == json::object());
    }
    SECTION("a path that does not match fails with States.Runtime naming the state") {
        auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.missing","End":true}}})", {{"a", 1}});
        CHECK(r.status == stepfn::execution_status::failed);
        REQUIRE_FALSE(r.value);
        CHECK(r.value.error().name == "States.Runtime");
        CHECK_THAT(r.value.error().cause, Catch::Matchers::Contains("An error occurred while executing the state 'P'"));
        CHECK_THAT(r.value.error().cause, Catch::Matchers::Contains("$.missing"));
    }
    SECTION("ResultPath into a non-object fails with States.ResultPathMatchFailure") {
        auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"ResultPath":"$.x","End":true}}})", "foo");
        REQUIRE_FALSE(r.value);
        CHECK(r.value.error().name == "States.ResultPathMatchFailure");
    }
}

TEST_CASE("Choice: rules, Default, NoChoiceMatched, and Succeed/Fail", "[engine][choice]") {
    harness h;
    const std::string machine = R"({"StartAt":"C","States":{
        "C":{"Type":"Choice","Choices":[
            {"Variable":"$.n","NumericLessThan":10,"Next":"Small"},
            {"And":[{"Variable":"$.n","NumericGreaterThanEquals":10},{"Variable":"$.kind","StringEquals":"big"}],"Next":"Big"}],
          "Default":"Other"},
        "Small":{"Type":"Pass","Result":"small","End":true},
        "Big":{"Type":"Succeed"},
        "Other":{"Type":"Fail","Error":"Unexpected","Cause":"neither small nor big"}}})";
    CHECK(*h.run(machine, {{"n", 3}}).value == "small");
    CHECK(*h.run(machine, json::parse(R"({"n":30,"kind":"big"})")).value == json::parse(R"({"n":30,"kind":"big"})"));
    auto other = h.run(machine, json::parse(R"({"n":30,"kind":"odd"})"));
    CHECK(other.status == stepfn::execution_status::failed);
    CHECK(other.value.error().name == "Unexpected");
    CHECK(other.value.error().cause == "neither small nor big");

    auto none = h.run(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"A"}]},"A":{"Type":"Succeed"}}})",
                      {{"n", 2}});
    CHECK(none.value.error().name == "States.NoChoiceMatched");
}

TEST_CASE("Fail: ErrorPath and CausePath, and a bare Fail", "[engine][fail]") {
    harness h;
    auto r = h.run(R"({"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$$.State.Name"}}})", {{"e", "Boom"}});
    CHECK(r.value.error().name == "Boom");
    CHECK(r.value.error().cause == "F");
    auto bare = h.run(R"({"StartAt":"F","States":{"F":{"Type":"Fail"}}})");
    CHECK(bare.status == stepfn::execution_status::failed);
    CHECK(bare.value.error().name.empty());
    auto events = h.sink->events(bare.arn);
    REQUIRE(events.size() == 3);
    CHECK(events[2].type == stepfn::event_type::execution_failed);
    CHECK(events[2].details == json::object());
}

TEST_CASE("Wait: every form runs on the virtual clock without real time", "[engine][wait]") {
    harness h;
    const auto start = h.clock.now();
    auto r = h.run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"Next":"S"},
                       "S":{"Type":"Wait","SecondsPath":"$.s","Next":"T"},
                       "T":{"Type":"Wait","Timestamp":"2024-03-01T00:00:00Z","End":true}}})",
                   {{"s", 3600}});
    CHECK(r.status == stepfn::execution_status::succeeded);
    CHECK(h.clock.now() == stepfn::detail::to_time_point(*stepfn::detail::parse_rfc3339("2024-03-01T00:00:00Z")));
    const auto events = h.sink->events(r.arn);
    // Exited of W a day after Entered, S an hour after that.
    CHECK(events[2].timestamp - events[1].timestamp == std::chrono::hours(24));
    CHECK(events[4].timestamp - events[3].timestamp == std::chrono::hours(1));
    CHECK(events[1].timestamp == start);

    auto past = h.run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}})",
                      {{"t", "2000-01-01T00:00:00.5Z"}});
    CHECK(past.status == stepfn::execution_status::succeeded);

    auto negative = h.run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}})", {{"s", -1}});
    CHECK(negative.value.error().name == "States.Runtime");
    CHECK_THAT(negative.value.error().cause, Catch::Matchers::Contains("negative"));
    auto bad = h.run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}})", {{"t", "soon"}});
    CHECK_THAT(bad.value.error().cause, Catch::Matchers::Contains("ISO-8601"));
}

TEST_CASE("History: AWS event types, ids and links", "[engine][history]") {
    harness h;
    auto r = h.run(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"C"},
        "C":{"Type":"Choice","Choices":[{"Variable":"$.go","BooleanEquals":true,"Next":"W"}]},
        "W":{"Type":"Wait","Seconds":1,"Next":"S"},"S":{"Type":"Succeed"}}})",
                   {{"go", true}});
    CHECK(h.types(r.arn) == std::vector<std::string>{"ExecutionStarted", "PassStateEntered", "PassStateExited",
                                                     "ChoiceStateEntered", "ChoiceStateExited", "WaitStateEntered",
                                                     "WaitStateExited", "SucceedStateEntered", "SucceedStateExited",
                                                     "ExecutionSucceeded"});
    auto events = h.sink->events(r.arn);
    for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].id == static_cast<std::int64_t>(i + 1));
    CHECK(events[1].previous_event_id == 0);  // AWS: the first state's Entered links to nothing
    CHECK(events[2].previous_event_id == 2);
    auto shaped = stepfn::to_json(events[1]);
    CHECK(shaped["stateEnteredEventDetails"]["name"] == "A");
    CHECK(shaped["stateEnteredEventDetails"]["input"] == R"({"go":true})");
    CHECK(shaped["stateEnteredEventDetails"]["inputDetails"]["truncated"] == false);
}

TEST_CASE("Execution TimeoutSeconds times the execution out", "[engine][timeout]") {
    harness h;
    auto r = h.run(R"({"TimeoutSeconds":60,"StartAt":"W1","States":{"W1":{"Type":"Wait","Seconds":40,"Next":"W2"},
                       "W2":{"Type":"Wait","Seconds":40,"End":true}}})");
    CHECK(r.status == stepfn::execution_status::timed_out);
    CHECK(r.value.error().name == "States.Timeout");
    CHECK(h.types(r.arn).back() == "ExecutionTimedOut");
}

TEST_CASE("stop() aborts a waiting execution", "[engine][stop]") {
    harness h;
    auto machine = load(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}})");
    stepfn::start_options named;
    named.name = "my-run";
    auto e = h.engine.start(machine, json::object(), named);
    REQUIRE(e);
    h.executor.run();
    CHECK(e->status() == stepfn::execution_status::running);
    CHECK(e->name() == "my-run");
    REQUIRE(h.engine.stop(*e, "Operator.Stop", "maintenance"));
    CHECK(e->status() == stepfn::execution_status::aborted);
    auto r = e->wait();
    CHECK(r.error().name == "Operator.Stop");
    CHECK(h.types(e->arn()).back() == "ExecutionAborted");
    CHECK_FALSE(h.engine.stop(*e));  // no longer running
}

TEST_CASE("A 100,000-state loop does not grow the stack", "[engine][loop]") {
    stepfn::limits bounds;
    bounds.max_history_events = 1000000;
    harness h(bounds);
    // Through the crash-and-restore harness (ctest unit_durable) every checkpoint restores the
    // execution from the store, a cost that grows with the square of its history: 500 loops
    // (about 3,000 events) there keep that suite to seconds (the in-memory run keeps the full
    // 50,000, the stack's test).
    const int loops = durable_test::enabled() ? 500 : 50000;
    auto r = h.run(R"J({"StartAt":"C","States":{
        "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThanPath":"$.limit","Next":"Inc"}],"Default":"Done"},
        "Inc":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)","limit.$":"$.limit"},"Next":"C"},
        "Done":{"Type":"Succeed"}}})J",
                   {{"n", 0}, {"limit", loops}});
    REQUIRE(r.value);
    CHECK((*r.value)["n"] == loops);
}

TEST_CASE("The history limit fails a runaway loop", "[engine][loop]") {
    stepfn::limits bounds;
    bounds.max_history_events = 100;
    harness h(bounds);
    auto r = h.run(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
        "B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"End"}],"Default":"A"},"End":{"Type":"Succeed"}}})");
    CHECK(r.status == stepfn::execution_status::failed);
    CHECK_THAT(r.value.error().cause, Catch::Matchers::Contains("maximum number of history events"));
}

TEST_CASE("EXPRESS has no history limit: a 400,000-transition loop runs to its end", "[engine][loop][express]") {
    // Without a history sink, as AWS keeps no execution history for Express workflows: the
    // engine only counts the events. Default limits: STANDARD stops at 25,000 events.
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, stepfn::engine_options{});
    auto machine = load(R"J({"StartAt":"C","States":{
        "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThanPath":"$.limit","Next":"Inc"}],"Default":"Done"},
        "Inc":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)","limit.$":"$.limit"},"Next":"C"},
        "Done":{"Type":"Succeed"}}})J");
    const int loops = 200000;  // two transitions each
    SECTION("EXPRESS runs every transition") {
        stepfn::start_options start;
        start.type = stepfn::execution_type::express;
        auto e = engine.start(machine, json{{"n", 0}, {"limit", loops}}, std::move(start));
        REQUIRE(e);
        auto r = e->wait();
        REQUIRE(r);
        CHECK((*r)["n"] == loops);
        CHECK(e->status() == stepfn::execution_status::succeeded);
    }
    SECTION("STANDARD (the default) stops at the history limit") {
        auto e = engine.start(machine, json{{"n", 0}, {"limit", loops}});
        REQUIRE(e);
        auto r = e->wait();
        REQUIRE_FALSE(r);
        CHECK(r.error().name == "States.Runtime");
        CHECK_THAT(r.error().cause, Catch::Matchers::Contains("maximum number of history events (25000)"));
    }
}

TEST_CASE("Many executions run concurrently on a thread pool", "[engine][concurrency]") {
    pool_harness h(4, true);
    auto& engine = h.engine;
    auto& sink = h.sink;
    engine.invokers().set_default(answer([](const stepfn::task_request& r) { return stepfn::result<json>(r.input["n"]); }));
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","ResultPath":"$.r","Next":"M"},
        "M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"ResultPath":"$.xs","End":true}}})");
    std::vector<stepfn::execution> runs;
    for (int i = 0; i < 200; ++i) {
        auto e = engine.start(machine, json{{"n", i}, {"xs", json::array({i, i + 1})}});
        REQUIRE(e);
        runs.push_back(*e);
    }
    for (int i = 0; i < 200; ++i) {
        auto r = runs[static_cast<std::size_t>(i)].wait();
        REQUIRE(r);
        CHECK((*r)["r"] == i);
        CHECK((*r)["xs"] == json::array({i, i + 1}));
    }
    CHECK(sink->executions().size() == 200);
}

TEST_CASE("A throwing history sink does not break the execution", "[engine][history]") {
    struct throwing_sink final : stepfn::history_sink {
        void record(std::string_view, const stepfn::history_event&) override { throw std::runtime_error("disk full"); }
    };
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.history = std::make_shared<throwing_sink>();
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, options);
    auto e = engine.start(load(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"End":true}}})"));
    REQUIRE(e);
    CHECK(*e->wait() == 1);
}

TEST_CASE("Time can be advanced by hand to observe an execution mid-way", "[engine][wait]") {
    harness h;
    auto machine = load(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"Next":"P"},"P":{"Type":"Pass","End":true}}})");
    auto e = h.engine.start(machine);
    REQUIRE(e);
    h.executor.run();
    h.clock.advance(std::chrono::minutes(59));
    h.executor.run();
    CHECK(e->status() == stepfn::execution_status::running);
    CHECK(h.types(e->arn()).back() == "WaitStateEntered");
    h.clock.advance(std::chrono::minutes(1));
    h.executor.run();
    CHECK(e->status() == stepfn::execution_status::succeeded);
}

TEST_CASE("An inspector sees each data-flow stage and the error decisions", "[engine][inspect]") {
    struct recorder final : stepfn::state_inspector {
        std::vector<std::pair<std::string, json>> stages;
        std::vector<stepfn::error_decision> decisions;
        void stage(std::string_view, std::string_view name, const json& v) override { stages.emplace_back(std::string(name), v); }
        void decision(std::string_view, const stepfn::error&, const stepfn::error_decision& d) override { decisions.push_back(d); }
    };
    harness h;
    int calls = 0;
    h.engine.invokers().set_default(answer([&](const stepfn::task_request&) -> stepfn::result<json> {
        if (++calls == 1) return stepfn::make_error("Temp", "");
        return json{{"v", 5}};
    }));
    auto rec = std::make_shared<recorder>();
    stepfn::start_options options;
    options.inspector = rec;
    auto e = h.engine.start(load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","InputPath":"$.in",
        "Parameters":{"x.$":"$.x"},"ResultSelector":{"v.$":"$.v"},"ResultPath":"$.r","OutputPath":"$.r",
        "Retry":[{"ErrorEquals":["Temp"],"IntervalSeconds":4}],"End":true}}})"),
                            json{{"in", {{"x", 1}}}}, options);
    REQUIRE(e);
    CHECK(*e->wait() == json{{"v", 5}});
    REQUIRE(rec->decisions.size() == 1);
    CHECK(rec->decisions[0].action == stepfn::error_decision::kind::retry);
    CHECK(rec->decisions[0].delay_seconds == 4.0);
    std::vector<std::string> names;
    for (auto& st : rec->stages) names.push_back(st.first);
    CHECK(names == std::vector<std::string>{"input", "afterInputPath", "afterParameters", "input", "afterInputPath",
                                            "afterParameters", "result", "afterResultSelector", "afterResultPath", "output"});
    CHECK(rec->stages[2].second == json{{"x", 1}});
    CHECK(rec->stages[8].second == json::parse(R"({"in":{"x":1},"r":{"v":5}})"));
}

TEST_CASE("Paths in an execution honour the engine's limits", "[engine][limits]") {
    stepfn::limits bounds;
    bounds.max_path_work = 50;  // steps of one path evaluation
    harness h(bounds);
    json items = json::array();
    for (int i = 0; i < 100; ++i) items.push_back(json{{"n", i}});
    auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"all.$":"$..n"},"End":true}}})",
                   json{{"items", items}});
    REQUIRE_FALSE(r.value);
    CHECK(r.value.error().name == "States.Runtime");
    CHECK(r.value.error().cause.find("max_path_work") != std::string::npos);
    harness roomy;
    auto ok = roomy.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"all.$":"$..n"},"End":true}}})",
                        json{{"items", items}});
    REQUIRE(ok.value);
    CHECK((*ok.value)["all"].size() == 100);
}

// EXPRESS executions as AWS limits them: five minutes at most (then TIMED_OUT), and no `.sync`,
// `.waitForTaskToken` or activity resources (refused at start). Virtual time throughout.
namespace express_limits {
using stepfn::json;

namespace {

stepfn::state_machine load(const std::string& text) {
    auto m = stepfn::load_machine(text);
    if (!m) FAIL("definition rejected: " << m.error().cause);
    return std::move(*m);
}

struct harness {
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    std::shared_ptr<stepfn::memory_sink> sink = std::make_shared<stepfn::memory_sink>();
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine{executor, clock, stepfn::engine_options{}};

    harness() {
        engine.invokers().set_default(stepfn::make_invoker([](const json& input) { return input; }));
    }
    stepfn::result<stepfn::execution> start(const stepfn::state_machine& m, stepfn::execution_type type) {
        stepfn::start_options options;
        options.type = type;
        options.history = sink;
        return engine.start(m, json::object(), std::move(options));
    }
};

std::string wait_machine(int seconds, const std::string& timeout = "") {
    return R"({"StartAt":"W",)" + timeout + R"("States":{"W":{"Type":"Wait","Seconds":)" + std::to_string(seconds) +
           R"(,"End":true}}})";
}

} // namespace

TEST_CASE("an EXPRESS execution that runs longer than five minutes times out", "[engine][express]") {
    harness h;
    SECTION("a Wait of 301 seconds: TIMED_OUT at 300 seconds") {
        auto e = h.start(load(wait_machine(301)), stepfn::execution_type::express);
        REQUIRE(e);
        const auto started = h.clock.now();
        auto r = e->wait();
        REQUIRE_FALSE(r);
        CHECK(e->status() == stepfn::execution_status::timed_out);
        CHECK(r.error().name == "States.Timeout");
        CHECK(r.error().cause == "The EXPRESS execution ran longer than 300 seconds, the most an EXPRESS workflow runs.");
        auto events = h.sink->events(e->arn());
        REQUIRE_FALSE(events.empty());
        CHECK(events.back().type == stepfn::event_type::execution_timed_out);
        CHECK(events.back().timestamp - started == std::chrono::seconds(300));
    }
    SECTION("a Wait of 299 seconds ends in time") {
        auto e = h.start(load(wait_machine(299)), stepfn::execution_type::express);
        REQUIRE(e);
        CHECK(e->wait());
        CHECK(e->status() == stepfn::execution_status::succeeded);
    }
    SECTION("a STANDARD execution waits as long as it is told") {
        auto e = h.start(load(wait_machine(3600)), stepfn::execution_type::standard);
        REQUIRE(e);
        CHECK(e->wait());
    }
    SECTION("a shorter TimeoutSeconds applies first, with its own cause") {
        auto e = h.start(load(wait_machine(301, R"("TimeoutSeconds":10,)")), stepfn::execution_type::express);
        REQUIRE(e);
        auto r = e->wait();
        REQUIRE_FALSE(r);
        CHECK(r.error().cause == "The execution timed out after 10 seconds (TimeoutSeconds).");
    }
    SECTION("a longer TimeoutSeconds does not lift the five minutes") {
        auto e = h.start(load(wait_machine(400, R"("TimeoutSeconds":1000,)")), stepfn::execution_type::express);
        REQUIRE(e);
        auto r = e->wait();
        REQUIRE_FALSE(r);
        CHECK(e->status() == stepfn::execution_status::timed_out);
        CHECK_THAT(r.error().cause, Catch::Matchers::Contains("300 seconds"));
    }
}

TEST_CASE("EXPRESS refuses .sync, .waitForTaskToken and activities where AWS does", "[engine][express]") {
    harness h;
    auto task = [](const std::string& resource) {
        return R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")" + resource + R"(","End":true}}})";
    };
    struct refused {
        std::string resource, message;
    };
    for (const auto& c : {refused{"arn:aws:states:::ecs:runTask.sync", "'.sync' service integration"},
                          refused{"arn:aws:states:::states:startExecution.sync:2", "'.sync' service integration"},
                          refused{"arn:aws:states:::sqs:sendMessage.waitForTaskToken", "'.waitForTaskToken' service integration"},
                          refused{"arn:aws:states:us-east-1:123456789012:activity:approve", "Activity ARN"}}) {
        CAPTURE(c.resource);
        auto machine = load(task(c.resource));
        auto e = h.start(machine, stepfn::execution_type::express);
        REQUIRE_FALSE(e);
        CHECK(e.error().name == "States.InvalidDefinition");
        CHECK(e.error().cause ==
              "SCHEMA_VALIDATION_FAILED: Express state machine does not support " + c.message + " at /States/T/Resource");
        REQUIRE(e.error().problems.size() == 1);
        CHECK(e.error().problems[0].pointer == "/States/T/Resource");
        CHECK(h.sink->size() == 0);  // nothing started
        CHECK(stepfn::check_express(machine).error().cause == e.error().cause);
    }
    SECTION("Request Response resources run") {
        for (const char* resource : {"arn:aws:states:::lambda:invoke", "arn:aws:lambda:us-east-1:123456789012:function:f",
                                     "arn:aws:states:::aws-sdk:s3:getObject", "my.synchronous.service"}) {
            CAPTURE(resource);
            CHECK(stepfn::check_express(load(task(resource))));
        }
    }
    SECTION("nested in a Map's processor, each problem with its pointer") {
        auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{
            "StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync","Next":"B"},
            "B":{"Type":"Task","Resource":"arn:aws:states:::sns:publish.waitForTaskToken","End":true}}}}}})");
        auto checked = stepfn::check_express(machine);
        REQUIRE_FALSE(checked);
        REQUIRE(checked.error().problems.size() == 2);
        CHECK(checked.error().problems[0].pointer == "/States/M/ItemProcessor/States/A/Resource");
        CHECK(checked.error().problems[1].pointer == "/States/M/ItemProcessor/States/B/Resource");
    }
    SECTION("STANDARD runs them") {
        auto e = h.start(load(task("arn:aws:states:::ecs:runTask.sync")), stepfn::execution_type::standard);
        REQUIRE(e);
        CHECK(e->wait());
    }
}
} // namespace express_limits

TEST_CASE("Generated execution names are version-7 UUIDs in the order they were made", "[engine][names]") {
    // Two engines with the same seed on the same virtual clock's time.
    auto names = [](std::uint64_t seed, std::vector<std::chrono::nanoseconds> steps) {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        stepfn::engine_options o;
        o.seed = seed;
        stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, o);
        auto machine = load(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
        std::vector<std::string> out;
        for (auto step : steps) {
            clock.advance(step);
            auto e = engine.start(machine, json::object());
            REQUIRE(e);
            out.push_back(e->name());
            CHECK(e->arn().substr(e->arn().size() - 36) == e->name());
        }
        executor.run();
        return out;
    };
    using std::chrono::microseconds;
    using std::chrono::milliseconds;
    using std::chrono::nanoseconds;
    const std::vector<nanoseconds> steps{nanoseconds(0), nanoseconds(0), microseconds(1), milliseconds(1), milliseconds(5000)};
    const auto first = names(42, steps);

    // 8-4-4-4-12 lowercase hex, version 7, RFC 9562's variant.
    for (const auto& name : first) {
        INFO(name);
        REQUIRE(name.size() == 36);
        for (std::size_t i = 0; i < name.size(); ++i) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                CHECK(name[i] == '-');
            else
                CHECK(std::string("0123456789abcdef").find(name[i]) != std::string::npos);
        }
        CHECK(name[14] == '7');
        CHECK(std::string("89ab").find(name[19]) != std::string::npos);
    }
    // The clock's Unix milliseconds (2024-01-01T00:00:00Z is 0x018cc251f400), then the
    // millisecond's fraction in 1/4096ths (1 us is 4/4096), then the seeded bits.
    CHECK(first[0].substr(0, 19) == "018cc251-f400-7000-");
    CHECK(first[1].substr(0, 19) == "018cc251-f400-7000-");
    CHECK(first[1] != first[0]);  // the same instant: the random bits tell them apart
    CHECK(first[2].substr(0, 19) == "018cc251-f400-7004-");
    CHECK(first[3].substr(0, 19) == "018cc251-f401-7004-");
    CHECK(first[4].substr(0, 19) == "018cc252-0789-7004-");
    // Made later, sorted later.
    for (std::size_t i = 2; i < first.size(); ++i) CHECK(first[i - 1] < first[i]);

    // The same seed and times give the same names; another seed other random bits only.
    CHECK(names(42, steps) == first);
    const auto other = names(7, steps);
    for (std::size_t i = 0; i < first.size(); ++i) {
        CHECK(other[i].substr(0, 19) == first[i].substr(0, 19));
        CHECK(other[i] != first[i]);
    }
}

} // namespace engine_test
