// The branches and iterations a failing Parallel or Map stops: the Aborted event of the state
// each was in, then (a Map) MapIterationAborted, each linked to the one before in its own
// chain, all before the run's failure is handled. An execution that ends (stopped) writes none.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fanout_abort_test {

using stepfn::history_event;

struct history {
    std::vector<history_event> events;

    std::string type(std::size_t i) const { return stepfn::to_string(events[i].type); }
    std::size_t count(const std::string& t) const {
        return static_cast<std::size_t>(
            std::count_if(events.begin(), events.end(), [&](const history_event& e) { return stepfn::to_string(e.type) == t; }));
    }
    // The position of the event whose id is `id`.
    std::size_t at(std::int64_t id) const {
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (events[i].id == id) return i;
        }
        FAIL("no event " << id);
        return 0;
    }
    std::size_t first(const std::string& t) const {
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (type(i) == t) return i;
        }
        FAIL("no " << t);
        return 0;
    }
    // How many events of the types `ts` each Map iteration index has.
    std::map<std::int64_t, int> per_iteration(std::initializer_list<const char*> ts) const {
        std::map<std::int64_t, int> out;
        for (std::size_t i = 0; i < events.size(); ++i) {
            const std::string t = type(i);
            if (std::any_of(ts.begin(), ts.end(), [&](const char* x) { return t == x; }))
                ++out[stepfn::details_of(events[i]).value("index", -1)];
        }
        return out;
    }
    // Every event of type `t`, checked to link to an event of type `linked_to`; their positions.
    std::vector<std::size_t> each_linked(const std::string& t, const std::string& linked_to) const {
        std::vector<std::size_t> found;
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (type(i) != t) continue;
            INFO(t << " #" << events[i].id);
            CHECK(type(at(events[i].previous_event_id)) == linked_to);
            // A state's Aborted event has no details; MapIterationAborted names its Map and index.
            if (t != "MapIterationAborted") CHECK(stepfn::details_of(events[i]).empty());
            found.push_back(i);
        }
        return found;
    }
};

history events_of(const stepfn::memory_sink& sink, const std::string& arn) {
    history out{sink.events(arn)};
    // Ids in order, from 1, each once.
    for (std::size_t i = 0; i < out.events.size(); ++i) REQUIRE(out.events[i].id == static_cast<std::int64_t>(i + 1));
    return out;
}

// A Map whose item `bad` fails at once while the others wait in `waiting` (a state's JSON).
std::string map_with(const std::string& waiting, const std::string& catcher = "") {
    return R"({"StartAt":"M","States":{"M":{"Type":"Map",)" + catcher + R"("ItemProcessor":{"StartAt":"Pick","States":{
        "Pick":{"Type":"Choice","Choices":[{"Variable":"$.bad","BooleanEquals":true,"Next":"Bad"}],"Default":"Busy"},
        "Bad":{"Type":"Fail","Error":"Boom","Cause":"item failed"},
        "Busy":)" + waiting + R"(}},"End":true})" + (catcher.empty() ? "" : R"(,
        "Handled":{"Type":"Pass","End":true})") + "}}";
}
const json three_items = json::array({{{"bad", false}}, {{"bad", false}}, {{"bad", true}}});

TEST_CASE("A failing Map aborts the iterations that wait: the state's Aborted event, then MapIterationAborted",
          "[engine][map][history]") {
    harness h;
    SECTION("in a Wait") {
        auto r = h.run(map_with(R"({"Type":"Wait","Seconds":100,"End":true})"), three_items);
        REQUIRE_FALSE(r.value);
        CHECK(r.value.error().name == "Boom");
        const history log = events_of(*h.sink, r.arn);
        CHECK(log.count("MapIterationFailed") == 1);
        const auto aborted_states = log.each_linked("WaitStateAborted", "WaitStateEntered");
        const auto aborted_iterations = log.each_linked("MapIterationAborted", "WaitStateAborted");
        CHECK(aborted_states.size() == 2);
        CHECK(aborted_iterations.size() == 2);
        // After the failure's own events, before the execution's end.
        const std::size_t failed = log.first("MapStateFailed");
        CHECK(log.first("MapIterationFailed") < failed);
        for (std::size_t i : aborted_states) CHECK(i > failed);
        CHECK(log.type(log.events.size() - 1) == "ExecutionFailed");
        // Each iteration ended once: started 3, failed 1, aborted 2.
        CHECK(log.count("MapIterationStarted") == 3);
        CHECK(log.per_iteration({"MapIterationFailed", "MapIterationAborted"}) ==
              std::map<std::int64_t, int>{{0, 1}, {1, 1}, {2, 1}});
    }
    SECTION("in a nested Parallel: its ParallelStateAborted, after the Parallel's last event") {
        auto r = h.run(map_with(R"({"Type":"Parallel","End":true,"Branches":[
            {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}]})"),
                       three_items);
        REQUIRE_FALSE(r.value);
        const history log = events_of(*h.sink, r.arn);
        CHECK(log.each_linked("ParallelStateAborted", "ParallelStateStarted").size() == 2);
        CHECK(log.each_linked("MapIterationAborted", "ParallelStateAborted").size() == 2);
        // The inner branches stop with their Parallel, with no events of their own.
        CHECK(log.count("WaitStateAborted") == 0);
    }
    SECTION("caught: the aborted iterations come before MapStateExited") {
        auto r = h.run(map_with(R"({"Type":"Wait","Seconds":100,"End":true})",
                                R"("Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handled"}],)"),
                       three_items);
        REQUIRE(r.value);
        const history log = events_of(*h.sink, r.arn);
        const auto aborted = log.each_linked("MapIterationAborted", "WaitStateAborted");
        REQUIRE(aborted.size() == 2);
        for (std::size_t i : aborted) CHECK(i < log.first("MapStateExited"));
        CHECK(log.type(log.events.size() - 1) == "ExecutionSucceeded");
    }
}

TEST_CASE("A failing Map aborts an iteration whose Task waits: TaskStateAborted after the task's last event",
          "[engine][map][history]") {
    harness h;
    never_answered tasks(h.engine);
    auto r = h.run(map_with(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})"), three_items);
    REQUIRE_FALSE(r.value);
    const history log = events_of(*h.sink, r.arn);
    CHECK(log.each_linked("TaskStateAborted", "TaskStarted").size() == 2);
    CHECK(log.each_linked("MapIterationAborted", "TaskStateAborted").size() == 2);
    CHECK(log.count("TaskStateExited") == 0);
}

TEST_CASE("A failing Parallel aborts the state its other branches wait in", "[engine][parallel][history]") {
    harness h;
    auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"Slow","States":{"Slow":{"Type":"Wait","Seconds":100,"End":true}}},
        {"StartAt":"Slower","States":{"Slower":{"Type":"Wait","Seconds":200,"End":true}}},
        {"StartAt":"Bad","States":{"Bad":{"Type":"Fail","Error":"Boom"}}}]}}})");
    REQUIRE_FALSE(r.value);
    const history log = events_of(*h.sink, r.arn);
    const auto aborted = log.each_linked("WaitStateAborted", "WaitStateEntered");
    REQUIRE(aborted.size() == 2);
    for (std::size_t i : aborted) CHECK(i > log.first("ParallelStateFailed"));
    CHECK(log.count("MapIterationAborted") == 0);
    CHECK(log.type(log.events.size() - 1) == "ExecutionFailed");
}

// On two threads the iterations run on both runners: each that was waiting in its Task when the
// Map failed is aborted before the execution's end; each event is recorded once, in order. (One
// that the other runner started just then may be stopped after the end, with no events: the
// run's end does not wait for a runner's current item, which may be a slow synchronous task.)
TEST_CASE("A failing Map on a thread pool aborts its waiting iterations before the execution ends",
          "[engine][map][history][concurrency]") {
    pool_harness h(2, true);
    never_answered tasks(h.engine);
    json items = json::array();
    for (int i = 0; i < 40; ++i) items.push_back({{"bad", i == 30}});
    const auto machine = load(map_with(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})"));
    for (int round = 0; round < 10; ++round) {
        auto run = h.engine.start(machine, items);
        REQUIRE(run);
        REQUIRE_FALSE(run->wait());
        const history log = events_of(*h.sink, run->arn());
        REQUIRE(log.type(log.events.size() - 1) == "ExecutionFailed");
        // Iterations end at most once, each aborted one after its TaskStateAborted; most started
        // ones end (all but one, at worst, that the other runner started as the Map failed).
        auto started = log.per_iteration({"MapIterationStarted"});
        const auto ended = log.per_iteration({"MapIterationFailed", "MapIterationAborted"});
        for (const auto& [index, count] : ended) CHECK((count == 1 && started[index] == 1));
        CHECK(ended.size() + 1 >= started.size());
        CHECK(log.count("MapIterationFailed") == 1);
        CHECK(log.each_linked("MapIterationAborted", "TaskStateAborted").size() == log.count("TaskStateAborted"));
        CHECK(log.count("TaskStateAborted") + 1 >= log.count("TaskStateEntered"));
        h.sink->clear();
    }
    // A task started on the other thread after the end must not outlive the pool.
    h.pool.shutdown();
}

// AWS's recorded StopExecution during a Wait logs only ExecutionAborted (asl-reference, history
// quirks); the engine writes no Aborted event for any state when the execution itself ends.
TEST_CASE("A stopped execution writes no Aborted event for the states its iterations wait in", "[engine][map][history][stop]") {
    harness h;
    auto run = h.engine.start(load(map_with(R"({"Type":"Wait","Seconds":100,"End":true})")),
                              json::array({{{"bad", false}}, {{"bad", false}}}));
    REQUIRE(run);
    h.executor.run();
    REQUIRE(h.engine.stop(*run, "Halt", "by the test"));
    REQUIRE(run->wait().error().name == "Halt");
    const std::vector<std::string> types = h.types(run->arn());
    CHECK(std::count(types.begin(), types.end(), "WaitStateEntered") == 2);
    CHECK(std::count(types.begin(), types.end(), "WaitStateAborted") == 0);
    CHECK(std::count(types.begin(), types.end(), "MapIterationAborted") == 0);
    CHECK(types.back() == "ExecutionAborted");
}

} // namespace fanout_abort_test
