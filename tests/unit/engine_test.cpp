// The engine end to end: data flow, the state types, history, timeouts, stop, recovery and
// fan-out, on the manual executor and the virtual clock (deterministic), plus a thread-pool run.
#include "catch.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/clocks/virtual_clock.hpp>

using stepfn::json;

namespace {

// A task invoker from a lambda, for tests that should not depend on the callable adapters.
struct lambda_invoker final : stepfn::task_invoker {
    std::function<void(stepfn::task_request, stepfn::task_completion)> fn;
    explicit lambda_invoker(std::function<void(stepfn::task_request, stepfn::task_completion)> f) : fn(std::move(f)) {}
    void invoke(stepfn::task_request request, stepfn::task_completion done) override {
        fn(std::move(request), std::move(done));
    }
};

std::shared_ptr<stepfn::task_invoker> answer(std::function<stepfn::result<json>(const stepfn::task_request&)> f) {
    return std::make_shared<lambda_invoker>([f](stepfn::task_request r, stepfn::task_completion done) { done.complete(f(r)); });
}

stepfn::state_machine load(const std::string& text, stepfn::load_options options = {}) {
    auto m = stepfn::load_machine(text, options);
    if (!m) FAIL("definition rejected: " << m.error().cause);
    return *m;
}

struct harness {
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    std::shared_ptr<stepfn::memory_sink> sink = std::make_shared<stepfn::memory_sink>();
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine;

    explicit harness(stepfn::limits bounds = {}) : engine(executor, clock, options(bounds)) {}

    stepfn::engine_options options(stepfn::limits bounds) {
        stepfn::engine_options o;
        o.history = sink;
        o.bounds = bounds;
        o.seed = 42;
        return o;
    }

    struct outcome {
        stepfn::execution_status status;
        stepfn::result<json> value;
        std::string arn;
    };

    outcome run(const std::string& definition, json input = json::object()) {
        auto machine = load(definition);
        auto e = engine.start(machine, std::move(input));
        REQUIRE(e);
        auto r = e->wait();
        return {e->status(), std::move(r), e->arn()};
    }

    std::vector<std::string> types(const std::string& arn) const {
        std::vector<std::string> out;
        for (auto& ev : sink->events(arn)) out.push_back(stepfn::to_string(ev.type));
        return out;
    }
};

// An engine on a thread pool and the system clock, with an in-memory history if asked for.
struct pool_harness {
    stepfn::thread_pool_executor pool;
    stepfn::system_clock clock;
    std::shared_ptr<stepfn::memory_sink> sink;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine;

    explicit pool_harness(std::size_t threads, bool history = false)
        : pool(threads), sink(history ? std::make_shared<stepfn::memory_sink>() : nullptr),
          engine(pool, clock, options(sink)) {}

    static stepfn::engine_options options(std::shared_ptr<stepfn::memory_sink> history) {
        stepfn::engine_options o;
        o.history = std::move(history);
        return o;
    }
};

} // namespace

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
    auto r = h.run(R"J({"StartAt":"C","States":{
        "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThan":50000,"Next":"Inc"}],"Default":"Done"},
        "Inc":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"C"},
        "Done":{"Type":"Succeed"}}})J",
                   {{"n", 0}});
    REQUIRE(r.value);
    CHECK((*r.value)["n"] == 50000);
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

TEST_CASE("Task: invoker, ResultSelector, ResultPath, history", "[engine][task]") {
    harness h;
    std::vector<json> seen;
    h.engine.invokers().add("arn:aws:states:::lambda:invoke", answer([&](const stepfn::task_request& r) {
        seen.push_back(r.input);
        return stepfn::result<json>(json{{"Payload", {{"a", 1}, {"b", 2}}}, {"StatusCode", 200}});
    }));
    auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
        "Parameters":{"FunctionName":"Foo","Payload.$":"$"},"ResultSelector":{"a.$":"$.Payload.a","code.$":"$.StatusCode"},
        "ResultPath":"$.r","End":true}}})",
                   {{"x", 1}});
    REQUIRE(r.value);
    CHECK(*r.value == json::parse(R"({"x":1,"r":{"a":1,"code":200}})"));
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == json::parse(R"({"FunctionName":"Foo","Payload":{"x":1}})"));
    CHECK(h.types(r.arn) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                                     "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"});
    auto scheduled = stepfn::to_json(h.sink->events(r.arn)[2]);
    CHECK(scheduled["taskScheduledEventDetails"]["resourceType"] == "lambda");
    CHECK(scheduled["taskScheduledEventDetails"]["resource"] == "invoke");
    CHECK(scheduled["taskScheduledEventDetails"]["parameters"] == R"({"FunctionName":"Foo","Payload":{"x":1}})");
}

TEST_CASE("Task without an invoker fails naming the resource", "[engine][task]") {
    harness h;
    auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"my-service","End":true}}})");
    CHECK(r.value.error().name == "States.Runtime");
    CHECK_THAT(r.value.error().cause, Catch::Matchers::Contains("my-service"));
}

TEST_CASE("Retry: delays follow the back-off formula on the virtual clock", "[engine][retry]") {
    harness h;
    int calls = 0;
    h.engine.invokers().set_default(answer([&](const stepfn::task_request& r) -> stepfn::result<json> {
        CHECK(r.attempt == calls);
        if (++calls < 4) return stepfn::make_error("Temp", "try " + std::to_string(calls));
        return json("ok");
    }));
    auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc",
        "Retry":[{"ErrorEquals":["Other"],"MaxAttempts":5},{"ErrorEquals":["Temp"],"IntervalSeconds":3,"BackoffRate":2,"MaxAttempts":3,"MaxDelaySeconds":10}],
        "End":true}}})");
    REQUIRE(r.value);
    CHECK(*r.value == "ok");
    CHECK(calls == 4);
    std::vector<std::chrono::system_clock::time_point> scheduled;
    for (auto& ev : h.sink->events(r.arn))
        if (ev.type == stepfn::event_type::task_scheduled) scheduled.push_back(ev.timestamp);
    REQUIRE(scheduled.size() == 4);
    CHECK(scheduled[1] - scheduled[0] == std::chrono::seconds(3));
    CHECK(scheduled[2] - scheduled[1] == std::chrono::seconds(6));
    CHECK(scheduled[3] - scheduled[2] == std::chrono::seconds(10));  // 12 capped by MaxDelaySeconds
}

TEST_CASE("Retry: MaxAttempts 0, exhaustion, and the first matching retrier is final", "[engine][retry]") {
    harness h;
    int calls = 0;
    h.engine.invokers().set_default(answer([&](const stepfn::task_request&) -> stepfn::result<json> {
        ++calls;
        return stepfn::make_error("Temp", "attempt " + std::to_string(calls));
    }));
    auto never = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","Retry":[{"ErrorEquals":["Temp"],"MaxAttempts":0},{"ErrorEquals":["States.ALL"]}],"End":true}}})");
    CHECK(calls == 1);
    CHECK(never.value.error().name == "Temp");
    CHECK(never.value.error().cause == "attempt 1");
    calls = 0;
    auto exhausted = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","Retry":[{"ErrorEquals":["Temp"],"MaxAttempts":2}],"End":true}}})");
    CHECK(calls == 3);
    CHECK(exhausted.value.error().cause == "attempt 3");
}

TEST_CASE("Catch: first matching catcher, ResultPath, and States.Runtime is never caught", "[engine][catch]") {
    harness h;
    h.engine.invokers().set_default(
        answer([](const stepfn::task_request&) -> stepfn::result<json> { return stepfn::make_error("Boom", "kaboom"); }));
    auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","Next":"Done",
        "Catch":[{"ErrorEquals":["Other"],"Next":"Done"},{"ErrorEquals":["Boom"],"ResultPath":"$.error","Next":"H"},{"ErrorEquals":["States.ALL"],"Next":"Done"}]},
        "H":{"Type":"Pass","End":true},"Done":{"Type":"Pass","Result":"wrong","End":true}}})",
                   {{"in", 1}});
    REQUIRE(r.value);
    CHECK(*r.value == json::parse(R"({"in":1,"error":{"Error":"Boom","Cause":"kaboom"}})"));
    CHECK(h.types(r.arn) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                                     "TaskFailed", "TaskStateExited", "PassStateEntered", "PassStateExited",
                                                     "ExecutionSucceeded"});

    auto runtime = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","InputPath":"$.nope","End":true,
        "Catch":[{"ErrorEquals":["States.Runtime"],"Next":"H"},{"ErrorEquals":["States.ALL"],"Next":"H"}]},"H":{"Type":"Succeed"}}})");
    CHECK(runtime.value.error().name == "States.Runtime");
}

TEST_CASE("Task TimeoutSeconds and HeartbeatSeconds raise States.Timeout", "[engine][timeout][task]") {
    harness h;
    std::vector<stepfn::task_completion> parked;  // never completed
    std::atomic<int> cancelled{0};
    h.engine.invokers().set_default(std::make_shared<lambda_invoker>([&](stepfn::task_request, stepfn::task_completion done) {
        done.on_cancel([&] { ++cancelled; });
        parked.push_back(std::move(done));
    }));
    auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","TimeoutSeconds":5,"End":true}}})");
    CHECK(r.value.error().name == "States.Timeout");
    CHECK(cancelled == 1);
    CHECK(h.types(r.arn)[4] == "TaskTimedOut");

    auto hb = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","TimeoutSeconds":100,"HeartbeatSeconds":2,"End":true,
        "Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"H"}]},"H":{"Type":"Pass","End":true}}})");
    REQUIRE(hb.value);
    CHECK((*hb.value)["Error"] == "States.Timeout");
    parked.clear();  // late completions after a timeout are ignored
}

TEST_CASE("Callback tokens: send_task_success from another thread", "[engine][task][concurrency]") {
    pool_harness h(2);
    auto& engine = h.engine;
    std::string token;
    std::mutex m;
    std::condition_variable cv;
    engine.invokers().set_default(std::make_shared<lambda_invoker>([&](stepfn::task_request r, stepfn::task_completion) {
        std::lock_guard<std::mutex> lock(m);
        token = r.task_token;
        cv.notify_all();
    }));
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters":{"token.$":"$$.Task.Token"},"End":true}}})");
    auto e = engine.start(machine);
    REQUIRE(e);
    {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return !token.empty(); });
    }
    CHECK_FALSE(engine.send_task_success("not-a-token", json(1)));
    std::thread other([&] { CHECK(engine.send_task_success(token, json{{"ok", true}})); });
    other.join();
    auto r = e->wait();
    REQUIRE(r);
    CHECK(*r == json{{"ok", true}});
    CHECK_FALSE(engine.send_task_success(token, json(2)));  // stale token
}

TEST_CASE("Parallel: branch outputs in branch order, branch failure propagates", "[engine][parallel]") {
    harness h;
    auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"Slow","States":{"Slow":{"Type":"Wait","Seconds":10,"Next":"A"},"A":{"Type":"Pass","Result":"first","End":true}}},
        {"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$.v","End":true}}}]}}})",
                   {{"v", 2}});
    REQUIRE(r.value);
    CHECK(*r.value == json::array({"first", 2}));
    auto types = h.types(r.arn);
    CHECK(types[1] == "ParallelStateEntered");
    CHECK(types[2] == "ParallelStateStarted");
    CHECK(types[types.size() - 3] == "ParallelStateSucceeded");
    CHECK(types[types.size() - 2] == "ParallelStateExited");

    auto failed = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"Ok","States":{"Ok":{"Type":"Wait","Seconds":1,"End":true}}},
        {"StartAt":"Bad","States":{"Bad":{"Type":"Fail","Error":"PaymentDeclined","Cause":"card expired"}}}]}}})");
    CHECK(failed.value.error().name == "PaymentDeclined");
    CHECK(failed.value.error().cause == "card expired");

    auto caught = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Next":"Done","Branches":[
        {"StartAt":"Bad","States":{"Bad":{"Type":"Fail","Error":"E"}}}],"Catch":[{"ErrorEquals":["E"],"Next":"Done","ResultPath":"$.err"}]},
        "Done":{"Type":"Pass","End":true}}})",
                        {{"x", 1}});
    REQUIRE(caught.value);
    CHECK((*caught.value)["err"]["Error"] == "E");
}

TEST_CASE("Map: items in order, ItemSelector with the item context, MaxConcurrency, tolerated failures", "[engine][map]") {
    harness h;
    auto r = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
        "ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},
        "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.v","End":true}}},"End":true}}})",
                   json::parse(R"({"k":"x","items":[3,1,2]})"));
    REQUIRE(r.value);
    CHECK(*r.value == json::parse(R"([{"i":0,"v":3,"k":"x"},{"i":1,"v":1,"k":"x"},{"i":2,"v":2,"k":"x"}])"));
    auto types = h.types(r.arn);
    CHECK(std::count(types.begin(), types.end(), "MapIterationStarted") == 3);
    CHECK(std::count(types.begin(), types.end(), "MapIterationSucceeded") == 3);

    auto empty = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
                       json::array());
    CHECK(*empty.value == json::array());

    int in_flight = 0, peak = 0;
    std::vector<stepfn::task_completion> pending;
    h.engine.invokers().set_default(std::make_shared<lambda_invoker>([&](stepfn::task_request r2, stepfn::task_completion done) {
        ++in_flight;
        peak = (std::max)(peak, in_flight);
        // Complete on the next executor turn, so several iterations overlap.
        h.executor.post([&, input = r2.input, d = std::make_shared<stepfn::task_completion>(std::move(done))]() mutable {
            --in_flight;
            if (input == 2) d->fail("Bad", "two");
            else d->succeed(input);
        });
    }));
    auto bounded = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":3,"ToleratedFailureCount":1,
        "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}},"End":true}}})",
                         json::array({1, 2, 3, 4, 5, 6, 7}));
    REQUIRE(bounded.value);
    CHECK(peak == 3);
    CHECK((*bounded.value)[1]["Error"] == "Bad");
    CHECK((*bounded.value)[6] == 7);

    auto exceeded = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":0,
        "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}},"End":true}}})",
                          json::array({1, 2, 3}));
    CHECK(exceeded.value.error().name == "States.ExceedToleratedFailureThreshold");

    auto plain = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}},"End":true}}})",
                       json::array({1, 2, 3}));
    CHECK(plain.value.error().name == "Bad");
}

TEST_CASE("Variables: Assign, visible from the next state, read in branches", "[engine][variables]") {
    harness h;
    auto r = h.run(R"({"StartAt":"Set","States":{
        "Set":{"Type":"Pass","Assign":{"guess":"g","limit":5},"Next":"C"},
        "C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$guess","StringEquals":"g"},{"Variable":"$limit","NumericLessThan":10}],"Next":"P"}],"Default":"Wrong"},
        "P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Parameters":{"l.$":"$limit"},"End":true}}}],"End":true},
        "Wrong":{"Type":"Fail"}}})");
    REQUIRE(r.value);
    CHECK(*r.value == json::parse(R"([{"l":5}])"));
    auto events = h.sink->events(r.arn);
    CHECK(stepfn::to_json(events[2])["stateExitedEventDetails"]["assignedVariables"] == json::parse(R"({"guess":"\"g\"","limit":"5"})"));
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

TEST_CASE("Callback tasks: submission, then the token decides; mocks answer for the token", "[engine][task]") {
    harness h;
    std::string token;
    h.engine.invokers().set_default(std::make_shared<lambda_invoker>([&](stepfn::task_request r, stepfn::task_completion done) {
        token = r.task_token;
        done.succeed(json{{"MessageId", "m-1"}});  // the queue accepted the message
    }));
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters":{"token.$":"$$.Task.Token"},"HeartbeatSeconds":60,"TimeoutSeconds":600,"End":true}}})");
    auto e = h.engine.start(machine);
    REQUIRE(e);
    h.executor.run();
    REQUIRE_FALSE(token.empty());
    CHECK(e->status() == stepfn::execution_status::running);  // still waiting for the token
    h.clock.advance(std::chrono::seconds(50));
    REQUIRE(h.engine.send_task_heartbeat(token));
    h.executor.run();
    h.clock.advance(std::chrono::seconds(50));  // 100 s in, but the heartbeat reset the 60 s clock
    h.executor.run();
    CHECK(e->status() == stepfn::execution_status::running);
    REQUIRE(h.engine.send_task_failure(token, "Review.Rejected", "missing documents"));
    auto r = e->wait();
    CHECK(r.error().name == "Review.Rejected");
    CHECK(h.types(e->arn()) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                                        "TaskSubmitted", "TaskFailed", "ExecutionFailed"});
}

TEST_CASE("Retry with FULL jitter draws delays below the cap, deterministically per seed", "[engine][retry]") {
    auto delays = [] {
        harness h;
        h.engine.invokers().set_default(
            answer([](const stepfn::task_request&) -> stepfn::result<json> { return stepfn::make_error("Temp", ""); }));
        auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc",
            "Retry":[{"ErrorEquals":["Temp"],"IntervalSeconds":10,"MaxAttempts":3,"JitterStrategy":"FULL"}],"End":true}}})");
        std::vector<std::chrono::system_clock::duration> out;
        std::chrono::system_clock::time_point last{};
        for (auto& ev : h.sink->events(r.arn))
            if (ev.type == stepfn::event_type::task_scheduled) {
                if (last.time_since_epoch().count() != 0) out.push_back(ev.timestamp - last);
                last = ev.timestamp;
            }
        return out;
    };
    auto first = delays();
    REQUIRE(first.size() == 3);
    CHECK(first[0] < std::chrono::seconds(10));
    CHECK(first[1] < std::chrono::seconds(20));
    CHECK(first[2] < std::chrono::seconds(40));
    CHECK(first == delays());  // same seed, same jitter
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

TEST_CASE("Payload limits: oversized input is refused, oversized task results fail the state", "[engine][limits]") {
    // Room for the caught error's output ({"Error", "Cause"}, about 160 bytes), not for 300.
    stepfn::limits bounds;
    bounds.max_payload_bytes = 200;
    harness h(bounds);
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true,
        "Catch":[{"ErrorEquals":["States.DataLimitExceeded"],"Next":"Big"}]},"Big":{"Type":"Pass","Result":"too big","End":true}}})");
    auto refused = h.engine.start(machine, json{{"blob", std::string(300, 'x')}});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().name == "States.DataLimitExceeded");
    h.engine.invokers().set_default(answer([](const stepfn::task_request&) { return stepfn::result<json>(std::string(300, 'y')); }));
    auto e = h.engine.start(machine);
    REQUIRE(e);
    CHECK(*e->wait() == "too big");
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

TEST_CASE("Variables: Assign sees values as of state entry; catchers and Map scopes", "[engine][variables]") {
    harness h;
    SECTION("all assignments of one state see the old values (a swap)") {
        auto r = h.run(R"({"StartAt":"Init","States":{
            "Init":{"Type":"Pass","Assign":{"x":1,"y":2},"Next":"Swap"},
            "Swap":{"Type":"Pass","Assign":{"x.$":"$y","y.$":"$x"},"Next":"Show"},
            "Show":{"Type":"Pass","Parameters":{"x.$":"$x","y.$":"$y"},"End":true}}})");
        CHECK(*r.value == json::parse(R"({"x":2,"y":1})"));
    }
    SECTION("a catcher's Assign sees the error output") {
        h.engine.invokers().set_default(
            answer([](const stepfn::task_request&) -> stepfn::result<json> { return stepfn::make_error("Boom", "bad"); }));
        auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true,
            "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"why.$":"$.Cause"},"Next":"Show"}]},
            "Show":{"Type":"Pass","Parameters":{"why.$":"$why"},"End":true}}})");
        CHECK(*r.value == json{{"why", "bad"}});
    }
    SECTION("a Map iteration reads outer variables; its own vanish with it") {
        auto r = h.run(R"({"StartAt":"Set","States":{"Set":{"Type":"Pass","Assign":{"factor":10},"Next":"M"},
            "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
                "I":{"Type":"Pass","Assign":{"inner.$":"$"},"Next":"J"},
                "J":{"Type":"Pass","Parameters":{"v.$":"$inner","f.$":"$factor"},"End":true}}},"Next":"After"},
            "After":{"Type":"Pass","Parameters":{"inner.$":"$inner"},"End":true}}})",
                       json::array({1, 2}));
        // `$inner` does not exist outside the iteration.
        CHECK(r.status == stepfn::execution_status::failed);
        CHECK(r.value.error().name == "States.Runtime");
        auto events = h.sink->events(r.arn);
        bool saw_iteration_output = false;
        for (auto& ev : events)
            if (ev.type == stepfn::event_type::pass_state_exited && ev.details["name"] == "J")
                saw_iteration_output = saw_iteration_output || ev.details["output"] == R"({"v":1,"f":10})";
        CHECK(saw_iteration_output);
    }
    SECTION("one Assign over 256 KiB is refused") {
        const json input{{"blob", std::string(150000, 'x')}};
        auto one = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"a.$":"$.blob"},"End":true}}})", input);
        CHECK(one.status == stepfn::execution_status::succeeded);
        auto two = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"a.$":"$.blob","b.$":"$.blob"},"End":true}}})",
                         input);
        CHECK(two.value.error().name == "States.DataLimitExceeded");
        CHECK_THAT(two.value.error().cause, Catch::Matchers::Contains("one Assign"));
    }
}

TEST_CASE("Map: MaxConcurrencyPath still reads the input when the items are the whole input", "[engine][map]") {
    harness h;
    auto r = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrencyPath":"$[0]",
        "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
                   json::array({1, 2, 3}));
    REQUIRE(r.value);
    CHECK(*r.value == json::array({1, 2, 3}));
}

TEST_CASE("An inspector sees a Map's items and a Parallel's input", "[engine][inspect]") {
    struct recorder final : stepfn::state_inspector {
        std::vector<std::pair<std::string, json>> stages;
        void stage(std::string_view state, std::string_view name, const json& v) override {
            if (state == "M" || state == "P") stages.emplace_back(std::string(name), v);
        }
        void decision(std::string_view, const stepfn::error&, const stepfn::error_decision&) override {}
    };
    harness h;
    auto rec = std::make_shared<recorder>();
    stepfn::start_options options;
    options.inspector = rec;
    auto e = h.engine.start(load(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","Next":"P",
        "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}},
        "P":{"Type":"Parallel","Parameters":{"n.$":"States.ArrayLength($)"},"End":true,
        "Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]}}})J"),
                            json{{"xs", {1, 2}}}, options);
    REQUIRE(e);
    CHECK(*e->wait() == json::parse(R"([{"n":2}])"));
    std::vector<std::string> names;
    for (auto& st : rec->stages) names.push_back(st.first);
    CHECK(names == std::vector<std::string>{"input", "afterInputPath", "afterItemsPath", "result", "afterResultSelector",
                                            "afterResultPath", "output", "input", "afterInputPath", "afterParameters",
                                            "result", "afterResultSelector", "afterResultPath", "output"});
    CHECK(rec->stages[2].second == json::array({1, 2}));
    CHECK(rec->stages[9].second == json{{"n", 2}});
}

TEST_CASE("An inline Map on a thread pool: sync and async iterations, results in order, every event once",
          "[engine][map][concurrency]") {
    pool_harness h(2, true);
    auto& engine = h.engine;
    auto& sink = h.sink;
    // Odd items go through a Task answered from a thread of its own, so iterations wait and
    // finish in their strands while runners start others.
    engine.invokers().set_default(std::make_shared<lambda_invoker>([](stepfn::task_request r, stepfn::task_completion done) {
        std::thread([input = std::move(r.input), d = std::move(done)]() mutable { d.succeed(json{{"t", input}}); }).detach();
    }));
    auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":7,
        "ItemProcessor":{"StartAt":"C","States":{
          "C":{"Type":"Choice","Choices":[{"Variable":"$.odd","BooleanEquals":true,"Next":"T"}],"Default":"P"},
          "T":{"Type":"Task","Resource":"svc","Parameters":{"i.$":"$.i"},"End":true},
          "P":{"Type":"Pass","Parameters":{"p.$":"$.i"},"End":true}}},"End":true}}})");
    json items = json::array();
    for (int i = 0; i < 300; ++i) items.push_back({{"i", i}, {"odd", i % 2 == 1}});
    auto run = engine.start(machine, items);
    REQUIRE(run);
    REQUIRE(run->join() == stepfn::execution_status::succeeded);
    const json* out = run->output();
    REQUIRE(out);
    REQUIRE(out->size() == 300);
    for (int i = 0; i < 300; ++i) {
        const json& r = (*out)[static_cast<std::size_t>(i)];
        if (i % 2) CHECK(r == json{{"t", {{"i", i}}}});
        else CHECK(r == json{{"p", i}});
    }
    const auto events = sink->events(run->arn());
    std::size_t started = 0, succeeded = 0;
    for (std::size_t k = 0; k < events.size(); ++k) {
        CHECK(events[k].id == static_cast<std::int64_t>(k + 1));  // ids dense and in order
        started += events[k].type == stepfn::event_type::map_iteration_started;
        succeeded += events[k].type == stepfn::event_type::map_iteration_succeeded;
    }
    CHECK(started == 300);
    CHECK(succeeded == 300);
}

TEST_CASE("An inline Map on a thread pool fails fast and keeps iteration variables apart", "[engine][map][concurrency]") {
    pool_harness h(2);  // no history: the runners tally events per job
    auto& engine = h.engine;
    // Each iteration assigns its own `seen`; a reused frame must not leak it into the next.
    auto machine = load(R"({"StartAt":"Init","States":{
        "Init":{"Type":"Pass","Assign":{"outer":"o"},"Next":"M"},
        "M":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{
          "A":{"Type":"Pass","Assign":{"seen.$":"$"},"Next":"B"},
          "B":{"Type":"Choice","Choices":[{"Variable":"$seen","NumericEquals":777,"Next":"Boom"}],"Default":"Done"},
          "Boom":{"Type":"Fail","Error":"Boom","Cause":"777"},
          "Done":{"Type":"Pass","Parameters":{"seen.$":"$seen","outer.$":"$outer"},"End":true}}},"End":true}}})");
    json items = json::array();
    for (int i = 0; i < 500; ++i) items.push_back(i);
    auto ok = engine.start(machine, items);
    REQUIRE(ok);
    auto out = ok->wait();
    REQUIRE(out);
    for (int i = 0; i < 500; ++i) CHECK((*out)[static_cast<std::size_t>(i)] == json{{"seen", i}, {"outer", "o"}});

    items.push_back(777);
    for (int i = 0; i < 500; ++i) items.push_back(i);
    auto failing = engine.start(machine, items);
    REQUIRE(failing);
    auto failed = failing->wait();
    REQUIRE_FALSE(failed);
    CHECK(failed.error().name == "Boom");
    CHECK(failing->output() == nullptr);
}

TEST_CASE("execution::join and output read the result in place", "[engine]") {
    harness h;
    auto machine = load(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"big":[1,2,3]},"End":true}}})");
    auto e = h.engine.start(machine);
    REQUIRE(e);
    CHECK(e->output() == nullptr);  // not yet run
    CHECK(e->join() == stepfn::execution_status::succeeded);
    const json* out = e->output();
    REQUIRE(out);
    CHECK(*out == json{{"big", {1, 2, 3}}});
    CHECK(e->output() == out);  // the same stored value, not a copy

    auto failing = h.engine.start(load(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}})"));
    REQUIRE(failing);
    CHECK(failing->join() == stepfn::execution_status::failed);
    CHECK(failing->output() == nullptr);
}

TEST_CASE("An output that grows past the payload limit fails, wherever it grows", "[engine][limits]") {
    stepfn::limits bounds;
    bounds.max_payload_bytes = 150;
    harness h(bounds);
    const std::string long_text(100, 'x');
    const json input = {{"x", {{"a", long_text}}}};  // 112 bytes: under the limit
    SECTION("an indefinite OutputPath repeats nodes (Succeed, Choice)") {
        for (const char* definition :
             {R"({"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":"$..*"}}})",
              R"({"StartAt":"C","States":{"C":{"Type":"Choice","OutputPath":"$..*","Choices":[{"Variable":"$.x.a","IsPresent":false,"Next":"S"}],"Default":"S"},
                  "S":{"Type":"Succeed"}}})"}) {
            auto r = h.run(definition, input);
            REQUIRE_FALSE(r.value);
            CHECK(r.value.error().name == "States.DataLimitExceeded");
        }
    }
    SECTION("a definite OutputPath only selects and passes") {
        auto r = h.run(R"({"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":"$.x"}}})", input);
        REQUIRE(r.value);
        CHECK(*r.value == input["x"]);
    }
    SECTION("a Catch merging the error into the raw input") {
        h.engine.invokers().set_default(answer([&](const stepfn::task_request&) -> stepfn::result<json> {
            return stepfn::make_error("Boom", long_text);
        }));
        auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true,
            "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"S"}]},"S":{"Type":"Succeed"}}})", input);
        REQUIRE_FALSE(r.value);
        CHECK(r.value.error().name == "States.DataLimitExceeded");
    }
}
