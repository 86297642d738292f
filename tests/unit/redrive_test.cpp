// Redrive (AWS's RedriveExecution) of stored FAILED, ABORTED and TIMED_OUT executions: from
// the state that did not succeed, only the branches and iterations that did not succeed.
#include "catch.hpp"

#include <algorithm>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>

#include "durable_support.hpp"

namespace redrive_test {

TEST_CASE("Redrive runs a failed execution again from the state that failed, in another engine", "[durable][redrive]") {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = load(R"({"StartAt":"First","States":{
        "First":{"Type":"Task","Resource":"svc:first","ResultPath":"$.first","Next":"Second"},
        "Second":{"Type":"Task","Resource":"svc:second","ResultPath":"$.second","End":true}}})");
    auto invoker = std::make_shared<recording_invoker>();
    bool broken = true;
    invoker->answer = [&](const stepfn::task_request& r, std::size_t) -> stepfn::result<json> {
        if (r.resource == "svc:second" && broken) return stepfn::make_error("Down", "the service is down");
        return json{{"from", r.resource}};
    };
    std::string arn;
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        engine_type engine(executor, clock, durable_options(store));
        engine.invokers().set_default(invoker);
        auto e = engine.start(machine, json{{"order", 1}});
        REQUIRE(e);
        arn = e->arn();
        CHECK(e->join() == stepfn::execution_status::failed);
        CHECK(invoker->calls() == 2);
        // Not redrivable while running or once it succeeded; unknown ARNs are named.
        auto unknown = engine.redrive(arn + "-nope");
        REQUIRE_FALSE(unknown);
        CHECK(unknown.error().name == "ExecutionDoesNotExist");
    }
    broken = false;
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    engine.invokers().set_default(invoker);
    auto redriven = engine.redrive(arn);
    REQUIRE(redriven);
    auto out = redriven->wait();
    REQUIRE(out);
    CHECK(*out == json{{"order", 1}, {"first", {{"from", "svc:first"}}}, {"second", {{"from", "svc:second"}}}});
    CHECK(invoker->calls() == 3);  // First did not run again
    auto row = store->find_execution(arn);
    REQUIRE(row);
    CHECK((*row)->status == stepfn::execution_status::succeeded);
    CHECK((*row)->redrive_count == 1);
    CHECK((*row)->redrive_date.has_value());
    auto history = stored_history(*store, arn);
    auto types = types_of(history);
    const auto at = std::find(types.begin(), types.end(), "ExecutionRedriven");
    REQUIRE(at != types.end());
    CHECK(*std::prev(at) == "ExecutionFailed");
    CHECK(*std::next(at) == "TaskStateEntered");
    CHECK(history[static_cast<std::size_t>(at - types.begin())].details == json{{"redriveCount", 1}});
    CHECK(types.back() == "ExecutionSucceeded");
    for (std::size_t i = 0; i < history.size(); ++i) CHECK(history[i].id == static_cast<std::int64_t>(i + 1));

    auto again = engine.redrive(arn);
    REQUIRE_FALSE(again);
    CHECK(again.error().name == "ExecutionNotRedrivable");
    CHECK(again.error().cause == "Execution is SUCCEEDED and cannot be redriven");
}

TEST_CASE("Redrive runs only the branches and iterations that did not succeed", "[durable][redrive]") {
    auto store = std::make_shared<stepfn::memory_store>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto invoker = std::make_shared<recording_invoker>();
    bool broken = true;
    invoker->answer = [&](const stepfn::task_request& r, std::size_t) -> stepfn::result<json> {
        if (broken && (r.resource == "svc:b" || r.input == 3)) return stepfn::make_error("Down", "not now");
        return json{{"done", r.input}};
    };
    engine.invokers().set_default(invoker);
    auto count = [&](const std::string& resource) {
        std::lock_guard<std::mutex> lock(invoker->mutex);
        return std::count_if(invoker->requests.begin(), invoker->requests.end(),
                             [&](const stepfn::task_request& r) { return r.resource == resource; });
    };

    SECTION("Parallel") {
        auto e = engine.start(load(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
            {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"svc:a","End":true}}},
            {"StartAt":"B0","States":{"B0":{"Type":"Pass","Next":"B"},"B":{"Type":"Task","Resource":"svc:b","End":true}}}]}}})"),
                              json{{"x", 1}});
        REQUIRE(e);
        CHECK(e->join() == stepfn::execution_status::failed);
        broken = false;
        auto redriven = engine.redrive(e->arn());
        REQUIRE(redriven);
        auto out = redriven->wait();
        REQUIRE(out);
        CHECK(*out == json::array({json{{"done", {{"x", 1}}}}, json{{"done", {{"x", 1}}}}}));
        CHECK(count("svc:a") == 1);
        CHECK(count("svc:b") == 2);
    }
    SECTION("Map") {
        auto e = engine.start(load(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"End":true,
            "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc:item","End":true}}}}}})"),
                              json::array({1, 2, 3, 4, 5, 6}));
        REQUIRE(e);
        CHECK(e->join() == stepfn::execution_status::failed);
        const auto before = count("svc:item");
        broken = false;
        auto redriven = engine.redrive(e->arn());
        REQUIRE(redriven);
        auto out = redriven->wait();
        REQUIRE(out);
        CHECK(*out == json::array({json{{"done", 1}}, json{{"done", 2}}, json{{"done", 3}}, json{{"done", 4}},
                                   json{{"done", 5}}, json{{"done", 6}}}));
        // The items that had succeeded (the first two, before item 3 failed) did not run again.
        auto calls_for = [&](int item) {
            std::lock_guard<std::mutex> lock(invoker->mutex);
            return std::count_if(invoker->requests.begin(), invoker->requests.end(),
                                 [&](const stepfn::task_request& r) { return r.input == item; });
        };
        CHECK(calls_for(1) == 1);
        CHECK(calls_for(2) == 1);
        CHECK(calls_for(3) == 2);
        CHECK(count("svc:item") > before);
    }
}

TEST_CASE("Redrive runs an aborted execution again from the state it was in", "[durable][redrive]") {
    auto store = std::make_shared<stepfn::memory_store>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto e = engine.start(load(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":"kept","ResultPath":"$.p","Next":"W"},
        "W":{"Type":"Wait","Seconds":60,"End":true}}})"), json{{"x", 1}});
    REQUIRE(e);
    settle(executor, clock, false);
    auto refused = engine.redrive(e->arn());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().cause == "Execution is RUNNING and cannot be redriven");
    REQUIRE(engine.stop(*e));
    CHECK(e->join() == stepfn::execution_status::aborted);
    auto redriven = engine.redrive(e->arn());
    REQUIRE(redriven);
    CHECK(*redriven->wait() == json{{"x", 1}, {"p", "kept"}});
}
} // namespace redrive_test
