// The history of a fan-out whose runners work on several threads: each runner hands its events
// to the sinks in batches, and the sinks still see every event once, in id order, linked as AWS
// links them.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
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
        auto run = h.engine.start(machine, json{{"v", round}});
        REQUIRE(run);
        REQUIRE(run->join() == stepfn::execution_status::succeeded);
        const auto events = h.sink->events(run->arn());
        check_order(events);
        CHECK(events.size() == static_cast<std::size_t>(1 + 2 + count * 4 + 2 + 1));
        CHECK(events.back().type == event_type::execution_succeeded);
    }
}

} // namespace runner_history_test
