// stop() racing an execution's own end on another thread. With a sink that takes parts, the
// last state's Exited event is held back to go out with ExecutionSucceeded (controller.hpp,
// exit_state), so which of the two claims the end decides what the history shows: the
// success with its Exited event, or the abort as if stopped before the state exited. Never
// both ends, never an Exited event after the abort, never a gap in the ids.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace stop_race_test {

using stepfn::event_type;

// The Task's completion, kept for the test to give from a thread of its own.
struct pending_answer {
    std::mutex mutex;
    std::condition_variable called;
    std::optional<stepfn::task_completion> done;

    stepfn::task_completion take() {
        std::unique_lock<std::mutex> lock(mutex);
        called.wait(lock, [&] { return done.has_value(); });
        stepfn::task_completion out = std::move(*done);
        done.reset();
        return out;
    }
};

void check_one_end(const std::vector<stepfn::history_event>& events, stepfn::execution_status status) {
    REQUIRE(events.size() >= 4);
    std::size_t ends = 0, exits = 0;
    for (std::size_t k = 0; k < events.size(); ++k) {
        CHECK(events[k].id == static_cast<std::int64_t>(k + 1));
        CHECK(events[k].previous_event_id < events[k].id);
        if (k) CHECK(events[k - 1].timestamp <= events[k].timestamp);
        const event_type t = events[k].type;
        if (t == event_type::execution_succeeded || t == event_type::execution_aborted) ++ends;
        if (t == event_type::task_state_exited) ++exits;
    }
    CHECK(ends == 1);
    if (status == stepfn::execution_status::succeeded) {
        CHECK(exits == 1);
        CHECK(events.back().type == event_type::execution_succeeded);
        CHECK(events[events.size() - 2].type == event_type::task_state_exited);
        CHECK(events[events.size() - 3].type == event_type::lambda_function_succeeded);  // a Lambda ARN's own event
    } else {
        REQUIRE(status == stepfn::execution_status::aborted);
        CHECK(exits == 0);  // stopped first: as if stopped before the state exited
        CHECK(events.back().type == event_type::execution_aborted);
    }
}

TEST_CASE("stop() racing the last Task's answer: one end, the last Exited event only with success",
          "[engine][stop][history][concurrency]") {
    pool_harness h(2, true);
    pending_answer answer;
    h.engine.invokers().add("arn:aws:lambda:us-east-1:123456789012:function:held",
                            std::make_shared<lambda_invoker>([&answer](stepfn::task_request, stepfn::task_completion done) {
                                std::lock_guard<std::mutex> lock(answer.mutex);
                                answer.done.emplace(std::move(done));
                                answer.called.notify_all();
                            }));
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task",
        "Resource":"arn:aws:lambda:us-east-1:123456789012:function:held","End":true}}})");
    SECTION("the stop first: aborted, the answer after it recorded nowhere") {
        auto run = h.engine.start(machine, json::object());
        REQUIRE(run);
        stepfn::task_completion done = answer.take();
        REQUIRE(h.engine.stop(*run, "Operator.Stop", "first"));
        REQUIRE(run->join() == stepfn::execution_status::aborted);
        const std::size_t recorded = h.sink->events(run->arn()).size();
        done.complete(json{{"late", true}});
        const auto events = h.sink->events(run->arn());
        CHECK(events.size() == recorded);
        check_one_end(events, stepfn::execution_status::aborted);
    }
    SECTION("the answer first: succeeded, and a stop after it says the execution is gone") {
        auto run = h.engine.start(machine, json::object());
        REQUIRE(run);
        answer.take().complete(json{{"answered", true}});
        REQUIRE(run->join() == stepfn::execution_status::succeeded);
        const auto stopped = h.engine.stop(*run, "Operator.Stop", "late");
        REQUIRE_FALSE(stopped);
        CHECK(stopped.error().name == "ExecutionDoesNotExist");
        check_one_end(h.sink->events(run->arn()), stepfn::execution_status::succeeded);
    }
    SECTION("the two at once, 300 times: either end, as the scheduler decides, and a history to match") {
        // Which side wins each race is the scheduler's: every round checks what either gives.
        for (int round = 0; round < 300; ++round) {
            auto run = h.engine.start(machine, json{{"round", round}});
            REQUIRE(run);
            stepfn::task_completion done = answer.take();
            std::atomic<int> ready{0};
            std::thread answering([&] {
                ready.fetch_add(1);
                while (ready.load() < 2) std::this_thread::yield();
                done.complete(json{{"answered", round}});
            });
            ready.fetch_add(1);
            while (ready.load() < 2) std::this_thread::yield();
            const bool stopped = static_cast<bool>(h.engine.stop(*run, "Operator.Stop", "the race"));
            answering.join();
            const stepfn::execution_status status = run->join();
            // A stop that lost the race says so: the execution was no longer there to stop.
            CHECK(stopped == (status == stepfn::execution_status::aborted));
            if (status == stepfn::execution_status::succeeded) {
                REQUIRE(run->output());
                CHECK(*run->output() == json{{"answered", round}});
            } else {
                CHECK(run->wait().error().name == "Operator.Stop");
            }
            check_one_end(h.sink->events(run->arn()), status);
        }
    }
}

TEST_CASE("stop() during a Map whose runners emit on two threads: nothing is recorded after ExecutionAborted",
          "[engine][stop][history][map][concurrency]") {
    pool_harness h(2, true);
    auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":10,
        "ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":"$.a","End":true}}},
        "End":true}}})");
    json items = json::array();
    for (int i = 0; i < 20000; ++i) items.push_back({{"i", i}});
    for (int round = 0; round < 5; ++round) {
        auto run = h.engine.start(machine, items);
        REQUIRE(run);
        // Bounded: the Map's 100,000 events take far longer than the first few hundred.
        for (int spin = 0; spin < 200000 && h.sink->events(run->arn()).size() < 200; ++spin) std::this_thread::yield();
        const bool stopped = static_cast<bool>(h.engine.stop(*run, "Operator.Stop", "mid-Map"));
        const stepfn::execution_status status = run->join();
        CHECK(stopped == (status == stepfn::execution_status::aborted));
        const auto events = h.sink->events(run->arn());
        REQUIRE_FALSE(events.empty());
        std::size_t ends = 0;
        for (std::size_t k = 0; k < events.size(); ++k) {
            CHECK(events[k].id == static_cast<std::int64_t>(k + 1));
            const event_type t = events[k].type;
            if (t == event_type::execution_succeeded || t == event_type::execution_aborted) ++ends;
        }
        CHECK(ends == 1);
        CHECK(events.back().type == (status == stepfn::execution_status::aborted ? event_type::execution_aborted
                                                                                 : event_type::execution_succeeded));
    }
}

} // namespace stop_race_test
