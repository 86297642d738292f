// Tasks in the engine: invokers, Retry and Catch, timeouts and heartbeats, callback tokens and
// payload limits.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/store/memory_store.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/engine/detail/task_resource.hpp>

namespace engine_task_test {

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

// Records the names of every request it gets; says whether it reads them.
struct naming_invoker final : stepfn::task_invoker {
    bool reads_names = true;
    std::vector<stepfn::task_request> seen;
    void invoke(stepfn::task_request request, stepfn::task_completion done) override {
        request.lent_input = nullptr;  // lent for the call only
        seen.push_back(std::move(request));
        done.complete(json{{"ok", true}});
    }
    bool reads_request_names() const noexcept override { return reads_names; }
};

TEST_CASE("Task requests name the resource, execution and state, unless the invoker never reads them", "[engine][task]") {
    const std::string definition = R"({"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"svc:charge","End":true}}})";
    for (const bool reads : {true, false}) {
        INFO("reads_request_names " << reads);
        harness h;
        auto invoker = std::make_shared<naming_invoker>();
        invoker->reads_names = reads;
        h.engine.invokers().set_default(invoker);
        auto r = h.run(definition, json{{"id", 1}});
        REQUIRE(r.value);
        REQUIRE(invoker->seen.size() == 1);
        const stepfn::task_request& request = invoker->seen[0];
        CHECK(request.input == json{{"id", 1}});
        // A durable engine keeps the request to send it again after a restart: always named.
        if (reads || durable_test::enabled()) {
            CHECK(request.resource == "svc:charge");
            CHECK(request.execution_id == r.arn);
            CHECK(request.root_execution_id == r.arn);
            CHECK(r.arn.size() > request.execution_name.size());
            CHECK(r.arn.compare(r.arn.size() - request.execution_name.size(), std::string::npos, request.execution_name) == 0);
            CHECK(request.state_name == "Charge");
        } else {
            CHECK(request.resource.empty());
            CHECK(request.execution_id.empty());
            CHECK(request.root_execution_id.empty());
            CHECK(request.execution_name.empty());
            CHECK(request.state_name.empty());
        }
    }
    SECTION("make_invoker's callables: only one that takes the task_request reads the names") {
        CHECK_FALSE(stepfn::make_invoker([](const json& in) { return in; })->reads_request_names());
        CHECK_FALSE(stepfn::make_invoker([](json in) { return in; })->reads_request_names());
        CHECK(stepfn::make_invoker([](const stepfn::task_request& request) { return json(request.state_name); })->reads_request_names());
        harness h;
        h.engine.invokers().set_default(
            stepfn::make_invoker([](const stepfn::task_request& request) { return json{{"state", request.state_name}}; }));
        auto r = h.run(definition, json::object());
        REQUIRE(r.value);
        CHECK(*r.value == json{{"state", "Charge"}});
    }
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

TEST_CASE("History as AWS writes it: Lambda function and activity ARNs time out in their own events", "[engine][task][history]") {
    harness h;
    std::vector<stepfn::task_completion> parked;  // never completed
    h.engine.invokers().set_default(std::make_shared<lambda_invoker>(
        [&](stepfn::task_request, stepfn::task_completion done) { parked.push_back(std::move(done)); }));
    auto lambda = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow",
        "TimeoutSeconds":5,"End":true}}})");
    CHECK(lambda.value.error().name == "States.Timeout");
    CHECK(h.types(lambda.arn) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                                                          "LambdaFunctionStarted", "LambdaFunctionTimedOut", "ExecutionFailed"});
    const auto timed_out = h.sink->events(lambda.arn)[4];
    CHECK(timed_out.details == json{{"error", "States.Timeout"}, {"cause", "The task timed out (TimeoutSeconds)."}});
    CHECK(stepfn::to_json(timed_out).contains("lambdaFunctionTimedOutEventDetails"));

    // No worker took the activity: ActivityScheduled, then ActivityTimedOut (no ActivityStarted).
    auto activity = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:review",
        "TimeoutSeconds":5,"HeartbeatSeconds":2,"End":true}}})");
    CHECK(activity.value.error().name == "States.Timeout");
    CHECK(h.types(activity.arn) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                                            "ActivityTimedOut", "ExecutionFailed"});
    CHECK(h.sink->events(activity.arn)[2].details["heartbeatInSeconds"] == 2);
    parked.clear();
}

TEST_CASE("History as AWS writes it: ActivityStarted names the worker that took the task", "[engine][task][history]") {
    harness h;
    std::optional<stepfn::task_completion> held;
    h.engine.invokers().set_default(std::make_shared<lambda_invoker>(
        [&](stepfn::task_request, stepfn::task_completion done) { held = std::move(done); }));
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:review","End":true}}})");
    auto e = h.engine.start(machine);
    REQUIRE(e);
    h.executor.run();
    REQUIRE(held);
    // Queued, not taken: no ActivityStarted yet.
    CHECK(h.types(e->arn()) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled"});
    held->started("worker-7");
    held->started("again");  // once only
    h.executor.run();
    held->succeed(json{{"ok", true}});
    REQUIRE(e->wait());
    CHECK(h.types(e->arn()) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                                        "ActivityStarted", "ActivitySucceeded", "TaskStateExited",
                                                        "ExecutionSucceeded"});
    const auto events = h.sink->events(e->arn());
    CHECK(events[3].details == json{{"workerName", "worker-7"}});
    CHECK(events[4].details["output"] == "{\"ok\":true}");
}

TEST_CASE("History as AWS writes it: integration resources split into resourceType and resource", "[engine][task][history]") {
    using stepfn::detail::split_resource;
    using parts = std::pair<std::string, std::string>;
    CHECK(split_resource("arn:aws:states:::lambda:invoke") == parts{"lambda", "invoke"});
    CHECK(split_resource("arn:aws:states:::lambda:invoke.waitForTaskToken") == parts{"lambda", "invoke.waitForTaskToken"});
    CHECK(split_resource("arn:aws:states:::states:startExecution.sync:2") == parts{"states", "startExecution.sync:2"});
    CHECK(split_resource("arn:aws:states:::aws-sdk:s3:getObject") == parts{"aws-sdk:s3", "getObject"});
    CHECK(split_resource("arn:aws:states:::ecs:runTask.sync") == parts{"ecs", "runTask.sync"});
    CHECK(split_resource("my-service") == parts{"custom", "my-service"});
    using stepfn::detail::family_of;
    using stepfn::task_family;
    CHECK(family_of("arn:aws:lambda:us-east-1:123456789012:function:f") == task_family::lambda);
    CHECK(family_of("arn:aws:lambda:us-east-1:123456789012:function:f:prod") == task_family::lambda);
    CHECK(family_of("arn:aws:states:::lambda:invoke") == task_family::service);
    CHECK(family_of("arn:aws:states:us-east-1:123456789012:activity:a") == task_family::activity);
    CHECK(family_of("svc") == task_family::service);
    using stepfn::detail::traits_of;  // what the loader keeps in task_state::traits
    CHECK((traits_of("arn:aws:states:::sqs:sendMessage.waitForTaskToken").callback && traits_of("x.waitForTaskToken").submits));
    CHECK((traits_of("arn:aws:states:::ecs:runTask.sync").submits && !traits_of("arn:aws:states:::ecs:runTask.sync").callback));
    CHECK((traits_of("arn:aws:states:::states:startExecution.sync:2").submits && !traits_of("svc").callback));
    CHECK_FALSE((traits_of("arn:aws:states:::lambda:invoke").submits || traits_of("arn:aws:lambda:r:1:function:sync").submits));
    CHECK(traits_of("arn:aws:lambda:us-east-1:123456789012:function:f").family == task_family::lambda);
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

TEST_CASE("make_invoker's asynchronous form on callback tasks: a dropped handle keeps waiting for the token, resolve answers for it", "[engine][task]") {
    const char* definition = R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters":{"token.$":"$$.Task.Token"},"End":true}}})";
    SECTION("the callable hands the token on and drops its handle, as task_invoker.hpp allows") {
        harness h;
        std::string token;
        h.engine.invokers().set_default(stepfn::make_invoker([&](stepfn::task_request r, stepfn::task_completion) {
            token = r.task_token;
        }));
        auto e = h.engine.start(load(definition));
        REQUIRE(e);
        h.executor.run();
        REQUIRE_FALSE(token.empty());
        CHECK(e->status() == stepfn::execution_status::running);  // not failed by the dropped handle
        REQUIRE(h.engine.send_task_success(token, json{{"approved", true}}));
        auto r = e->wait();
        REQUIRE(r);
        CHECK(*r == json{{"approved", true}});
        CHECK(h.types(e->arn()) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                                            "TaskSubmitted", "TaskSucceeded", "TaskStateExited",
                                                            "ExecutionSucceeded"});
    }
    SECTION("resolve() through the callable's handle answers for the token, not as a submission") {
        harness h;
        h.engine.invokers().set_default(stepfn::make_invoker([](stepfn::task_request, stepfn::task_completion done) {
            done.resolve(json{{"answered", "directly"}});
        }));
        auto r = h.run(definition);
        REQUIRE(r.value);
        CHECK(*r.value == json{{"answered", "directly"}});
        CHECK(h.types(r.arn) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                                         "TaskSubmitted", "TaskSucceeded", "TaskStateExited",
                                                         "ExecutionSucceeded"});
    }
    SECTION("on a task without a token, a dropped handle still fails the attempt") {
        harness h;
        h.engine.invokers().set_default(stepfn::make_invoker([](stepfn::task_request, stepfn::task_completion) {}));
        auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}})");
        REQUIRE_FALSE(r.value);
        CHECK(r.value.error().name == "States.TaskFailed");
    }
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

namespace {
// [[[ … 1 … ]]] nested `depth` arrays deep, built without recursion.
json nested(std::size_t depth) {
    json v = 1;
    for (std::size_t i = 0; i < depth; ++i) {
        json wrapper = json::array();
        wrapper.push_back(std::move(v));
        v = std::move(wrapper);
    }
    return v;
}
} // namespace

TEST_CASE("Deeply nested payloads are refused before anything copies them", "[engine][limits]") {
    const std::string copy_input = R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc",
        "Parameters":{"x.$":"$"},"Catch":[{"ErrorEquals":["States.DataLimitExceeded"],"ResultPath":"$.error","Next":"S"}],
        "End":true},"S":{"Type":"Succeed"}}})";
    SECTION("an execution input 100,000 levels deep (about 200 KB, under the size limit)") {
        harness h;
        auto e = h.engine.start(load(copy_input), nested(100000));
        REQUIRE_FALSE(e);
        CHECK(e.error().name == "InvalidExecutionInput");
        CHECK(e.error().cause.find("512 levels") != std::string::npos);
        CHECK(h.engine.start(load(copy_input), nested(500)));  // within the limit
    }
    SECTION("a task result 100,000 levels deep fails the task with States.DataLimitExceeded") {
        harness h;
        h.engine.invokers().set_default(answer([](const stepfn::task_request&) -> stepfn::result<json> { return nested(100000); }));
        auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}})");
        REQUIRE_FALSE(r.value);
        CHECK(r.value.error().name == "States.DataLimitExceeded");
        CHECK(r.value.error().cause.find("nested more than 512 levels") != std::string::npos);
    }
    SECTION("send_task_success refuses a deeply nested output; the task still waits for a good one") {
        harness h;
        std::string token;
        h.engine.invokers().set_default(std::make_shared<lambda_invoker>([&](stepfn::task_request r, stepfn::task_completion done) {
            token = r.task_token;
            done.complete(json::object());
        }));
        auto e = h.engine.start(load(R"({"StartAt":"T","States":{"T":{"Type":"Task",
            "Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","End":true}}})"));
        REQUIRE(e);
        h.executor.run();
        REQUIRE_FALSE(token.empty());
        auto refused = h.engine.send_task_success(token, nested(100000));
        REQUIRE_FALSE(refused);
        CHECK(refused.error().name == "InvalidOutput");
        REQUIRE(h.engine.send_task_success(token, json{{"ok", true}}));
        auto out = e->wait();
        REQUIRE(out);
        CHECK((*out)["ok"] == true);
    }
}

TEST_CASE("ToleratedFailurePercentagePath takes a numeric string, and names a value it cannot parse", "[engine][map]") {
    const std::string definition = R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
        "ToleratedFailurePercentagePath":"$.p","ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}},
        "End":true}}})";
    harness h;
    auto tolerated = h.run(definition, json{{"items", {1, 2}}, {"p", "100"}});
    REQUIRE(tolerated.value);
    CHECK(tolerated.value->size() == 2);
    auto exceeded = h.run(definition, json{{"items", {1, 2}}, {"p", "1"}});
    REQUIRE_FALSE(exceeded.value);
    CHECK(exceeded.value.error().name == "States.ExceedToleratedFailureThreshold");
    auto bad = h.run(definition, json{{"items", {1, 2}}, {"p", "many"}});
    REQUIRE_FALSE(bad.value);
    CHECK(bad.value.error().name == "States.Runtime");
    CHECK(bad.value.error().cause.find("cannot be parsed as a number: $.p == \"many\"") != std::string::npos);
}

namespace {
struct end_counter {
    std::mutex mutex;
    std::condition_variable changed;
    int calls = 0;
    // Notifies under the lock: the waiting test may destroy the counter as soon as it sees the
    // count, which must not be while this thread is still inside notify_all().
    void bump() {
        std::lock_guard<std::mutex> lock(mutex);
        ++calls;
        changed.notify_all();
    }
    bool wait_for(int n) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(10), [&] { return calls >= n; });
    }
    int count() {
        std::lock_guard<std::mutex> lock(mutex);
        return calls;
    }
};
} // namespace

TEST_CASE("execution::on_end calls back once when the execution ends, without a waiting thread", "[engine][on_end]") {
    const char* definition = R"({"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:held","End":true}}})";
    auto machine = stepfn::load_machine(definition);
    REQUIRE(machine);
    auto memory = std::make_shared<stepfn::memory_store>();
    const bool durable = GENERATE(false, true);
    INFO((durable ? "with a store" : "in memory"));
    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    stepfn::engine_options options;
    if (durable) options.store = memory;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock, options);
    auto invoker = std::make_shared<held_invoker>();
    engine.invokers().add("arn:aws:lambda:us-east-1:123456789012:function:held", invoker);

    auto run = engine.start(*machine, json{{"n", 1}});
    REQUIRE(run);
    end_counter ends;
    std::string status_seen_by_store;
    run->on_end([&, arn = run->arn()] {
        // With a store, the end is durable by the time on_end runs.
        if (durable) {
            auto row = memory->find_execution(arn);
            if (row && *row) status_seen_by_store = stepfn::to_string((*row)->status);
        }
        ends.bump();
    });
    // Until the task answers, nothing is called.
    for (int i = 0; i < 1000 && !invoker->waiting(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(ends.count() == 0);
    REQUIRE(invoker->release_one(json{{"done", true}}));
    REQUIRE(ends.wait_for(1));
    CHECK(run->status() == stepfn::execution_status::succeeded);
    if (durable) CHECK(status_seen_by_store == "SUCCEEDED");

    // On an execution that has ended: at once, on this thread.
    bool inline_call = false;
    run->on_end([&] { inline_call = true; });
    CHECK(inline_call);
    CHECK(ends.count() == 1);
}

TEST_CASE("execution::future is set when the execution ends, from the thread that ends it", "[engine][on_end]") {
    auto machine = stepfn::load_machine(
        R"({"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:held","End":true}}})");
    REQUIRE(machine);
    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock);
    auto invoker = std::make_shared<held_invoker>();
    engine.invokers().add("arn:aws:lambda:us-east-1:123456789012:function:held", invoker);
    auto run = engine.start(*machine, json{{"n", 1}});
    REQUIRE(run);
    auto ended = run->future();
    CHECK(ended.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
    for (int i = 0; i < 1000 && !invoker->waiting(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(invoker->release_one(json{{"done", true}}));
    REQUIRE(ended.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    auto outcome = ended.get();
    REQUIRE(outcome);
    CHECK(*outcome == json{{"done", true}});
    // Of an execution that has ended: ready at once. A failure arrives as the error.
    auto again = run->future().get();
    REQUIRE(again);
    CHECK(*again == *outcome);
    harness h;
    auto failed = h.engine.start(load(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"why"}}})"));
    REQUIRE(failed);
    auto failing = failed->future();
    h.executor.run();
    auto error = failing.get();
    REQUIRE_FALSE(error);
    CHECK(error.error().name == "Boom");
}
} // namespace engine_task_test
