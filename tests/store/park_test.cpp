// engine::park: a durable execution whose every branch only waits leaves its engine with
// nothing written (what a worker on a shared store does before handing it back), and another
// engine on the same store resumes and finishes it. Memory store, manual executor, virtual
// clock: deterministic. (The same over PostgreSQL with two worker processes:
// tests/workers/park_test.py.)
#include "catch.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <stepfn/observe/metric_names.hpp>
#include <stepfn/observe/metrics_registry.hpp>

#include "durable_support.hpp"

namespace park_test {

namespace {

using stepfn::json;

struct park_answer {
    bool answered = false;
    stepfn::result<stepfn::park_outcome> outcome = stepfn::park_outcome{};
};

park_answer park(engine_type& engine, stepfn::manual_executor& executor, stepfn::virtual_clock& clock, const std::string& arn,
                 std::chrono::seconds ahead) {
    park_answer a;
    engine.park(arn, clock.now() + ahead, [&a](stepfn::result<stepfn::park_outcome> r) {
        a.answered = true;
        a.outcome = std::move(r);
    });
    settle(executor, clock, false);
    return a;
}

std::size_t count_of(const std::vector<std::string>& types, const std::string& type) {
    std::size_t n = 0;
    for (const auto& t : types) n += t == type ? 1 : 0;
    return n;
}

} // namespace

TEST_CASE("park: a Wait's execution leaves its engine with nothing written, and another engine finishes it", "[store][park]") {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = load(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"Next":"P"},
        "P":{"Type":"Pass","Result":"woke","End":true}}})");
    const auto start = stepfn::virtual_clock::default_start();
    std::string arn;
    std::uint64_t sequence = 0;
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock(start);
        auto metrics = std::make_shared<stepfn::metrics_registry>();
        auto options = durable_options(store);
        options.metrics = metrics;
        engine_type engine(executor, clock, options);
        auto e = engine.start(machine);
        REQUIRE(e);
        arn = e->arn();
        settle(executor, clock, false);
        auto row = store->find_execution(arn);
        REQUIRE(row);
        REQUIRE(row->has_value());
        sequence = (*row)->sequence;

        SECTION("a timer sooner than asked keeps it here") {
            auto a = park(engine, executor, clock, arn, std::chrono::hours(2));
            REQUIRE(a.answered);
            REQUIRE(a.outcome);
            CHECK_FALSE(a.outcome->parked);
            CHECK(engine.running(arn).has_value());
            settle(executor, clock, true);
            CHECK(*e->wait() == "woke");
            return;
        }
        auto a = park(engine, executor, clock, arn, std::chrono::seconds(1));
        REQUIRE(a.answered);
        REQUIRE(a.outcome);
        CHECK(a.outcome->parked);
        REQUIRE(a.outcome->wake.has_value());
        CHECK(*a.outcome->wake == start + std::chrono::hours(1));
        CHECK_FALSE(engine.running(arn).has_value());
        // It left, it did not end: not open here, not aborted, no timer of it left.
        CHECK(metrics->value(stepfn::metric_names::open_executions) == 0);
        CHECK(metrics->value(stepfn::metric_names::parked_timers) == 0);
        CHECK(metrics->value(stepfn::metric_names::executions_aborted, {{"state_machine", machine.name()}}) == 0);
        CHECK(metrics->value(stepfn::metric_names::executions_started, {{"state_machine", machine.name()}}) == 1);
        // Nothing more comes of it here, though time passes its timer.
        settle(executor, clock, true);
    }
    auto row = store->find_execution(arn);
    REQUIRE(row);
    REQUIRE(row->has_value());
    CHECK((*row)->status == stepfn::execution_status::running);
    CHECK((*row)->sequence == sequence);

    stepfn::manual_executor executor;
    stepfn::virtual_clock clock(start + std::chrono::minutes(59));
    engine_type other(executor, clock, durable_options(store));
    auto resumed = other.resume(arn);
    REQUIRE(resumed);
    settle(executor, clock, true);
    CHECK(clock.now() == start + std::chrono::hours(1));
    CHECK(*resumed->wait() == "woke");
    const auto types = types_of(stored_history(*store, arn));
    CHECK(count_of(types, "WaitStateEntered") == 1);
    CHECK(count_of(types, "WaitStateExited") == 1);
    CHECK(count_of(types, "ExecutionAborted") == 0);
    CHECK(types.back() == "ExecutionSucceeded");
}

TEST_CASE("park: a callback task whose request went out parks without a timer; its token reaches the next engine", "[store][park]") {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task",
        "Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters":{"token.$":"$$.Task.Token"},"ResultPath":"$.answer","End":true}}})");
    std::string arn, token;
    auto sender = std::make_shared<recording_invoker>();
    sender->answer = [](const stepfn::task_request&, std::size_t) -> stepfn::result<json> { return json{{"MessageId", "m-1"}}; };
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        engine_type engine(executor, clock, durable_options(store));
        engine.invokers().set_default(sender);
        auto e = engine.start(machine, json{{"n", 1}});
        REQUIRE(e);
        arn = e->arn();
        settle(executor, clock, false);
        REQUIRE(sender->calls() == 1);
        token = sender->requests[0].task_token;
        auto a = park(engine, executor, clock, arn, std::chrono::seconds(1));
        REQUIRE(a.outcome);
        CHECK(a.outcome->parked);
        CHECK_FALSE(a.outcome->wake.has_value());
        // Its token is not this engine's any more.
        auto refused = engine.send_task_success(token, json::object());
        REQUIRE_FALSE(refused);
        CHECK(refused.error().name == "TaskDoesNotExist");
    }
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type other(executor, clock, durable_options(store));
    other.invokers().set_default(sender);
    auto resumed = other.resume(arn);
    REQUIRE(resumed);
    // At once, before the resumed execution has run a job: what a worker does with the message
    // that made the execution due.
    REQUIRE(other.send_task_success(token, json{{"ok", true}}));
    settle(executor, clock, false);
    CHECK(*resumed->wait() == json({{"n", 1}, {"answer", {{"ok", true}}}}));
    CHECK(sender->calls() == 1);  // the request went out once
}

TEST_CASE("park: work in flight, or a branch that runs, keeps an execution in its engine", "[store][park]") {
    auto store = std::make_shared<stepfn::memory_store>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto holder = std::make_shared<holding_invoker>();
    engine.invokers().set_default(holder);

    SECTION("a task in flight") {
        auto e = engine.start(load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc:slow","End":true}}})"));
        REQUIRE(e);
        settle(executor, clock, false);
        REQUIRE(holder->requests.size() == 1);
        auto a = park(engine, executor, clock, e->arn(), std::chrono::seconds(0));
        REQUIRE(a.outcome);
        CHECK_FALSE(a.outcome->parked);
        CHECK(engine.running(e->arn()).has_value());
        // The handles hold the engine, which holds the invoker: dropped, the task fails and
        // the execution ends here (its frames taken apart), so that nothing is left behind.
        holder->held.clear();
        settle(executor, clock, true);
        CHECK(e->status() == stepfn::execution_status::failed);
    }
    SECTION("a Parallel whose one branch waits and the other runs a task") {
        auto e = engine.start(load(R"({"StartAt":"F","States":{"F":{"Type":"Parallel","End":true,"Branches":[
            {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}},
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc:slow","End":true}}}]}}})"));
        REQUIRE(e);
        settle(executor, clock, false);
        auto a = park(engine, executor, clock, e->arn(), std::chrono::seconds(0));
        REQUIRE(a.outcome);
        CHECK_FALSE(a.outcome->parked);
        holder->held.clear();
        settle(executor, clock, true);
        CHECK(e->status() == stepfn::execution_status::failed);
    }
    SECTION("a Parallel whose branches all wait: parked, due at the earliest") {
        const auto now = clock.now();
        auto e = engine.start(load(R"({"StartAt":"F","States":{"F":{"Type":"Parallel","End":true,"Branches":[
            {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}},
            {"StartAt":"V","States":{"V":{"Type":"Wait","Seconds":60,"End":true}}}]}}})"));
        REQUIRE(e);
        settle(executor, clock, false);
        auto a = park(engine, executor, clock, e->arn(), std::chrono::seconds(1));
        REQUIRE(a.outcome);
        CHECK(a.outcome->parked);
        REQUIRE(a.outcome->wake.has_value());
        CHECK(*a.outcome->wake == now + std::chrono::seconds(60));
    }
    SECTION("an execution this engine does not run") {
        auto a = park(engine, executor, clock, "arn:aws:states:us-east-1:123456789012:execution:m:none", std::chrono::seconds(0));
        REQUIRE(a.answered);
        REQUIRE_FALSE(a.outcome);
        CHECK(a.outcome.error().name == "ExecutionDoesNotExist");
    }
}

TEST_CASE("park: an engine without a store says so", "[store][park]") {
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, stepfn::engine_options{});
    auto a = park(engine, executor, clock, "arn:aws:states:us-east-1:123456789012:execution:m:x", std::chrono::seconds(0));
    REQUIRE(a.answered);
    REQUIRE_FALSE(a.outcome);
    CHECK(a.outcome.error().name == "StoreNotConfigured");
}

} // namespace park_test
