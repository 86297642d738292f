// The history of a fan-out whose runners work on several threads: the sinks see every event
// once, in id order, linked as AWS links them, whatever the items do (fail, are caught, stop
// their siblings).

#include "catch.hpp"
#include "engine_harness.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace runner_history_test {

using stepfn::event_type;

// Every event once, ids 1..n in order, each linked to an earlier one, timestamps in id order.
void check_order(const std::vector<stepfn::history_event>& events) {
    for (std::size_t k = 0; k < events.size(); ++k) {
        CHECK(events[k].id == static_cast<std::int64_t>(k + 1));
        CHECK(events[k].previous_event_id >= 0);
        CHECK(events[k].previous_event_id < events[k].id);
        if (k) CHECK(events[k - 1].timestamp <= events[k].timestamp);
    }
}

// Runs `machine` once on `input` to `status` and returns its history, checked for order.
std::vector<stepfn::history_event> run_in_order(pool_harness& h, const stepfn::state_machine& machine, json input,
                                                stepfn::execution_status status) {
    auto run = h.engine.start(machine, std::move(input));
    REQUIRE(run);
    REQUIRE(run->join() == status);
    auto events = h.sink->events(run->arn());
    check_order(events);
    return events;
}

TEST_CASE("A Map on two threads: each iteration's events chained from its start, in id order", "[history][map][concurrency]") {
    pool_harness h(2, true);
    auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":10,
        "ItemProcessor":{"StartAt":"A","States":{
          "A":{"Type":"Pass","Parameters":{"i.$":"$.i"},"Next":"B"},
          "B":{"Type":"Pass","Result":1,"ResultPath":"$.b","End":true}}},"End":true}}})");
    const std::size_t count = 400;
    json items = json::array();
    for (std::size_t i = 0; i < count; ++i) items.push_back({{"i", i}});
    for (int round = 0; round < 3; ++round) {
        auto run = h.engine.start(machine, items);
        REQUIRE(run);
        REQUIRE(run->join() == stepfn::execution_status::succeeded);
        REQUIRE(run->output());
        CHECK(run->output()->size() == count);
        const auto events = h.sink->events(run->arn());
        check_order(events);
        REQUIRE(events.size() == 1 + 2 + count * 6 + 2 + 1);  // started, Map, iterations, Map, end
        // Walk each iteration back from its Succeeded event: Exited, Entered, Exited, Entered, Started.
        const event_type chain[] = {event_type::pass_state_exited, event_type::pass_state_entered,
                                    event_type::pass_state_exited, event_type::pass_state_entered,
                                    event_type::map_iteration_started};
        std::map<std::int64_t, std::size_t> iterations;  // index -> Succeeded events
        for (const auto& e : events) {
            if (e.type != event_type::map_iteration_succeeded) continue;
            const json details = stepfn::details_of(e);
            const std::int64_t index = details.at("index").get<std::int64_t>();
            ++iterations[index];
            std::int64_t at = e.previous_event_id;
            for (const event_type type : chain) {
                REQUIRE(at > 0);
                const auto& link = events[static_cast<std::size_t>(at - 1)];
                CHECK(link.type == type);
                at = link.previous_event_id;
                if (type == event_type::map_iteration_started)
                    CHECK(stepfn::details_of(link).at("index").get<std::int64_t>() == index);
            }
        }
        CHECK(iterations.size() == count);
        for (const auto& entry : iterations) CHECK(entry.second == 1);
        CHECK(events.back().type == event_type::execution_succeeded);
    }
}

TEST_CASE("A Parallel on two threads hands its branches' events over in id order", "[history][parallel][concurrency]") {
    pool_harness h(2, true);
    std::string branches;
    const int count = 40;
    for (int b = 0; b < count; ++b) {
        if (b) branches += ',';
        const std::string p = "P" + std::to_string(b), q = "Q" + std::to_string(b);
        branches += R"({"StartAt":")" + p + R"(","States":{")" + p + R"(":{"Type":"Pass","Next":")" + q + R"("},")" + q +
                    R"(":{"Type":"Pass","End":true}}})";
    }
    auto machine = load(R"({"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[)" + branches + "]}}}");
    for (int round = 0; round < 5; ++round) {
        const auto events = run_in_order(h, machine, json{{"v", round}}, stepfn::execution_status::succeeded);
        CHECK(events.size() == static_cast<std::size_t>(1 + 2 + count * 4 + 2 + 1));
        CHECK(events.back().type == event_type::execution_succeeded);
    }
}

// The iteration's own events (from its MapIterationStarted to its Succeeded or Failed event).
std::int64_t index_of(const stepfn::history_event& e) { return stepfn::details_of(e).at("index").get<std::int64_t>(); }

TEST_CASE("A Map on two threads whose items fail and are caught: every event once, in order, with its own payload",
          "[history][map][concurrency]") {
    pool_harness h(2, true);
    // Odd items fail inside the iteration and are caught there; every 50th fails the iteration,
    // within the tolerated count; the Map's Catch is never needed.
    auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":10,"ToleratedFailureCount":100,
        "ItemProcessor":{"StartAt":"Pick","States":{
          "Pick":{"Type":"Choice","Choices":[
            {"Variable":"$.fatal","BooleanEquals":true,"Next":"Die"},
            {"Variable":"$.odd","BooleanEquals":true,"Next":"Bad"}],"Default":"Good"},
          "Die":{"Type":"Fail","Error":"Fatal","Cause":"fatal item"},
          "Bad":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:fail","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Good"}],"End":true},
          "Good":{"Type":"Pass","Parameters":{"seen.$":"$.i"},"End":true}}},
        "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"Next":"Done"},
        "Caught":{"Type":"Pass","Result":"caught","End":true},
        "Done":{"Type":"Pass","End":true}}})");
    // Fails on the runner's thread, as a synchronous handler does.
    h.engine.invokers().set_default(std::make_shared<lambda_invoker>(
        [](stepfn::task_request, stepfn::task_completion done) { done.fail("Boom", "odd item"); }));
    const std::size_t count = 600;
    json items = json::array();
    for (std::size_t i = 0; i < count; ++i) items.push_back({{"i", i}, {"odd", i % 2 == 1}, {"fatal", i % 50 == 7}});
    for (int round = 0; round < 3; ++round) {
        auto run = h.engine.start(machine, items);
        REQUIRE(run);
        REQUIRE(run->join() == stepfn::execution_status::succeeded);
        const auto events = h.sink->events(run->arn());
        check_order(events);
        std::map<std::int64_t, int> ended;  // index -> Succeeded or Failed events
        std::size_t failed = 0;
        std::int64_t last_iteration = 0, map_end = 0;
        for (const auto& e : events) {
            if (e.type == event_type::map_iteration_succeeded || e.type == event_type::map_iteration_failed) {
                ++ended[index_of(e)];
                failed += e.type == event_type::map_iteration_failed;
                last_iteration = e.id;
            }
            if (e.type == event_type::map_state_succeeded) map_end = e.id;
            // Each Good state shows its own item: the batched payloads are the iteration's.
            if (e.type == event_type::pass_state_exited && stepfn::details_of(e).at("name") == "Good") {
                const json output = json::parse(stepfn::details_of(e).at("output").get<std::string>());
                CHECK(output.at("seen").is_number());
            }
        }
        CHECK(ended.size() == count);
        for (const auto& entry : ended) CHECK(entry.second == 1);
        CHECK(failed == count / 50);
        CHECK(last_iteration < map_end);  // every iteration's events before the Map's end
        CHECK(events.back().type == event_type::execution_succeeded);
    }
}

TEST_CASE("A Parallel on two threads whose branch fails: the others stop, the history is whole and in order",
          "[history][parallel][concurrency]") {
    pool_harness h(2, true);
    std::string branches;
    const int count = 60;
    for (int b = 0; b < count; ++b) {
        if (b) branches += ',';
        const std::string p = "P" + std::to_string(b);
        if (b == 31) branches += R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Broken","Cause":"branch 31"}}})";
        else branches += R"({"StartAt":")" + p + R"(","States":{")" + p + R"(":{"Type":"Pass","End":true}}})";
    }
    auto machine = load(R"({"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[)" + branches + "]}}}");
    for (int round = 0; round < 20; ++round) {
        const auto events = run_in_order(h, machine, json{{"v", round}}, stepfn::execution_status::failed);
        REQUIRE(!events.empty());
        CHECK(events.back().type == event_type::execution_failed);
        std::size_t parallel_failed = 0;
        for (const auto& e : events) parallel_failed += e.type == event_type::parallel_state_failed;
        CHECK(parallel_failed == 1);
    }
}

} // namespace runner_history_test
