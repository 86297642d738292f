// Events the engine emits back to back in one step of one execution (a state's Exited event and
// the next state's Entered event, a Lambda task's *Scheduled and *Started) handed to a sink in one
// call (history_sink::keeps_batches): a sink that takes batches and one that does not see the
// same events, a reader during the run sees every event emitted so far, and a durable
// execution's events still come one by one.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/history/memory_sink.hpp>
#include <stepfn/store/memory_store.hpp>

namespace history_batch_test {

namespace {

const char* const five_states = R"({"StartAt":"Prepare","States":{
  "Prepare":{"Type":"Pass","Result":{"tier":"gold"},"ResultPath":"$.meta","Next":"Route"},
  "Route":{"Type":"Choice","Choices":[{"Variable":"$.meta.tier","StringEquals":"gold","Next":"Large"}],"Default":"Large"},
  "Large":{"Type":"Pass","Parameters":{"order.$":"$.order"},"Next":"Charge"},
  "Charge":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge","ResultPath":"$.receipt","Next":"Done"},
  "Done":{"Type":"Succeed"}}})";

const char* const charge = "arn:aws:lambda:us-east-1:123456789012:function:charge";

// Takes parts into a memory_sink; with `batches`, takes batches and counts their sizes, else
// fails if the engine hands it one.
struct parts_sink final : stepfn::history_sink {
    explicit parts_sink(bool takes_batches) : batches_(takes_batches) {}
    bool keeps_parts() const noexcept override { return true; }
    bool keeps_batches() const noexcept override { return batches_; }
    void record(std::string_view arn, const stepfn::history_event& event) override { kept->record(arn, event); }
    void record_parts(std::string_view arn, const stepfn::event_parts& event) override { kept->record_parts(arn, event); }
    void record_batch(std::string_view arn, const stepfn::event_parts* events, std::size_t count) override {
        CHECK(batches_);
        {
            std::lock_guard<std::mutex> lock(mutex);
            sizes.push_back(count);
        }
        for (std::size_t i = 1; i < count; ++i) {
            CHECK(events[i].id == events[i - 1].id + 1);
            // Linked to the one before, but the first state's Entered event, linked to nothing.
            const bool first_entered = events[i - 1].type == stepfn::event_type::execution_started;
            CHECK(events[i].previous_event_id == (first_entered ? 0 : events[i - 1].id));
            CHECK(events[i].execution == events[0].execution);
        }
        kept->record_batch(arn, events, count);
    }
    std::shared_ptr<stepfn::memory_sink> kept = std::make_shared<stepfn::memory_sink>();
    std::mutex mutex;
    std::vector<std::size_t> sizes;

private:
    bool batches_;
};

using engine_type = stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock>;

// Runs `definition` once, with `shared` as the engine's sink and `own` as the execution's.
std::string run(const std::string& definition, std::shared_ptr<stepfn::history_sink> shared,
                std::shared_ptr<stepfn::history_sink> own = nullptr, std::shared_ptr<stepfn::execution_store> store = nullptr) {
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.history = std::move(shared);
    options.store = std::move(store);
    options.seed = 3;
    engine_type engine(executor, clock, options);
    engine.invokers().add(charge, answer([](const stepfn::task_request& r) -> stepfn::result<json> {
                              return json{{"charged", r.input_view()}};
                          }));
    stepfn::start_options start;
    start.name = "batched";
    start.history = std::move(own);
    auto e = engine.start(load(definition), json{{"order", "A-1"}, {"amount", 12.5}}, start);
    REQUIRE(e);
    auto outcome = e->wait();
    REQUIRE(outcome);
    return e->arn();
}

std::vector<std::string> dumped(const stepfn::memory_sink& sink, const std::string& arn) {
    std::vector<std::string> out;
    for (const auto& event : sink.to_json(arn)) out.push_back(event.dump());
    return out;
}

} // namespace

TEST_CASE("a sink that takes batches sees the events a sink that takes them one by one sees", "[history][engine]") {
    auto batching = std::make_shared<parts_sink>(true);
    auto single = std::make_shared<parts_sink>(false);
    auto memory = std::make_shared<stepfn::memory_sink>();
    const std::string arn = run(five_states, batching, single);  // both at once: the same ids and times
    run(five_states, memory);
    const auto expected = dumped(*memory, arn);
    REQUIRE(expected.size() == 15);
    CHECK(dumped(*batching->kept, arn) == expected);
    CHECK(dumped(*single->kept, arn) == expected);
    // ExecutionStarted with the first Entered event, four Exited events with the next Entered
    // event, the task's Scheduled with its Started, and the last Exited event with
    // ExecutionSucceeded.
    CHECK(batching->sizes == std::vector<std::size_t>{2, 2, 2, 2, 2, 2, 2});
    CHECK(single->sizes.empty());

    // Against a sink that gets every event built (no parts, no batches): the same history.
    auto plain = std::make_shared<parts_sink>(true);
    struct built_sink final : stepfn::history_sink {
        std::shared_ptr<stepfn::memory_sink> kept = std::make_shared<stepfn::memory_sink>();
        void record(std::string_view a, const stepfn::history_event& event) override {
            CHECK_FALSE(event.is_deferred());
            kept->record(a, event);
        }
    };
    auto by_event = std::make_shared<built_sink>();
    run(five_states, plain, by_event);  // a receiver that does not take parts: nothing batched
    CHECK(plain->sizes.empty());
    CHECK(dumped(*by_event->kept, arn) == expected);
    CHECK(dumped(*plain->kept, arn) == expected);
}

TEST_CASE("a reader during the run sees every event emitted so far", "[history][engine]") {
    auto sink = std::make_shared<stepfn::memory_sink>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.history = sink;
    engine_type engine(executor, clock, options);
    std::vector<stepfn::event_type> seen;
    engine.invokers().add(charge, answer([&](const stepfn::task_request&) -> stepfn::result<json> {
                              const auto arns = sink->executions();
                              REQUIRE(arns.size() == 1);
                              for (const auto& event : sink->events(arns[0])) seen.push_back(event.type);
                              return json{{"ok", true}};
                          }));
    auto e = engine.start(load(five_states), json{{"order", "B-2"}});
    REQUIRE(e);
    REQUIRE(e->wait());
    // The task runs after its Started event: everything up to it is there, nothing after it.
    using stepfn::event_type;
    CHECK(seen == std::vector<event_type>{event_type::execution_started, event_type::pass_state_entered,
                                          event_type::pass_state_exited, event_type::choice_state_entered,
                                          event_type::choice_state_exited, event_type::pass_state_entered,
                                          event_type::pass_state_exited, event_type::task_state_entered,
                                          event_type::lambda_function_scheduled, event_type::lambda_function_started});
    CHECK(sink->events(e->arn()).size() == 15);
}

TEST_CASE("the last state's Exited event goes with ExecutionSucceeded, also after a Parallel, a Map and a Catch", "[history][engine]") {
    // Branches and iterations end without an execution's end: only the top level's last exit
    // is paired; a Task that ends the execution, and a Pass that ends it after a Catch.
    const std::string definition = R"({"StartAt":"Both","States":{
      "Both":{"Type":"Parallel","Branches":[
        {"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},
        {"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items",
          "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Next":"J"},"J":{"Type":"Succeed"}}},"End":true}}}],
        "ResultPath":"$.both","Next":"Charge"},
      "Charge":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge","ResultPath":"$.receipt",
        "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
      "Caught":{"Type":"Pass","End":true}}})";
    for (const bool fails : {false, true}) {
        const auto run_with = [&](std::shared_ptr<stepfn::history_sink> shared, std::shared_ptr<stepfn::history_sink> own) {
            stepfn::manual_executor executor;
            stepfn::virtual_clock clock;
            stepfn::engine_options options;
            options.history = std::move(shared);
            engine_type engine(executor, clock, options);
            engine.invokers().add(charge, answer([&](const stepfn::task_request&) -> stepfn::result<json> {
                                      if (fails) return tl::make_unexpected(stepfn::error{"Declined", "no"});
                                      return json{{"ok", true}};
                                  }));
            stepfn::start_options start;
            start.name = "ends";
            start.history = std::move(own);
            auto e = engine.start(load(definition), json{{"items", {1, 2}}}, start);
            REQUIRE(e);
            REQUIRE(e->wait());
            return e->arn();
        };
        auto batching = std::make_shared<parts_sink>(true);
        auto single = std::make_shared<parts_sink>(false);
        const std::string arn = run_with(batching, single);
        struct built_sink final : stepfn::history_sink {
            stepfn::memory_sink kept;
            void record(std::string_view a, const stepfn::history_event& event) override { kept.record(a, event); }
        };
        auto by_event = std::make_shared<built_sink>();
        run_with(by_event, nullptr);
        const auto expected = dumped(by_event->kept, arn);
        CHECK(dumped(*batching->kept, arn) == expected);
        CHECK(dumped(*single->kept, arn) == expected);
        const auto events = batching->kept->events(arn);
        REQUIRE(events.size() >= 3);
        const auto& exited = events[events.size() - 2];
        CHECK(exited.type == (fails ? stepfn::event_type::pass_state_exited : stepfn::event_type::task_state_exited));
        CHECK(events.back().type == stepfn::event_type::execution_succeeded);
        CHECK(events.back().previous_event_id == exited.id);
        CHECK(events.back().timestamp == exited.timestamp);
        REQUIRE_FALSE(batching->sizes.empty());
        CHECK(batching->sizes.back() == 2);
    }
}

TEST_CASE("a task answered later gives the history a task answered at once gives", "[history][engine]") {
    auto memory = std::make_shared<stepfn::memory_sink>();
    const std::string arn = run(five_states, memory);
    const auto expected = dumped(*memory, arn);

    // The answer comes in a later job, after the executor ran dry and the clock moved on.
    auto batching = std::make_shared<parts_sink>(true);
    auto single = std::make_shared<parts_sink>(false);
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.history = batching;
    options.seed = 3;
    engine_type engine(executor, clock, options);
    std::optional<stepfn::task_completion> held;
    json input;
    engine.invokers().add(charge, std::make_shared<lambda_invoker>([&](stepfn::task_request r, stepfn::task_completion done) {
                              input = r.input_view();
                              held.emplace(std::move(done));
                          }));
    stepfn::start_options start;
    start.name = "batched";
    start.history = single;
    auto e = engine.start(load(five_states), json{{"order", "A-1"}, {"amount", 12.5}}, start);
    REQUIRE(e);
    executor.run();
    REQUIRE(held);
    // Everything up to the task's Started event is there, nothing after it.
    CHECK(batching->kept->events(arn).size() == 10);
    CHECK(single->kept->events(arn).size() == 10);
    CHECK(batching->kept->events(arn).back().type == stepfn::event_type::lambda_function_started);
    clock.advance(std::chrono::seconds(5));
    held->complete(json{{"charged", input}});
    REQUIRE(e->wait());
    const auto later = dumped(*batching->kept, arn);
    CHECK(dumped(*single->kept, arn) == later);
    REQUIRE(later.size() == expected.size());
    // The same events but for the times of those after the answer.
    const auto events = batching->kept->events(arn);
    const auto at_once = memory->events(arn);
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].type == at_once[i].type);
        CHECK(events[i].id == at_once[i].id);
        CHECK(events[i].previous_event_id == at_once[i].previous_event_id);
        CHECK(events[i].details.dump() == at_once[i].details.dump());
        CHECK(events[i].timestamp - at_once[i].timestamp == (i < 10 ? std::chrono::seconds(0) : std::chrono::seconds(5)));
    }
    CHECK(batching->sizes == std::vector<std::size_t>{2, 2, 2, 2, 2, 2, 2});
}

TEST_CASE("a durable execution's events reach a batching sink one by one, as the store gets them", "[history][durable]") {
    auto memory = std::make_shared<stepfn::memory_sink>();
    const std::string arn = run(five_states, memory);
    auto batching = std::make_shared<parts_sink>(true);
    auto store = std::make_shared<stepfn::memory_store>();
    run(five_states, batching, nullptr, store);
    CHECK(batching->sizes.empty());
    CHECK(dumped(*batching->kept, arn) == dumped(*memory, arn));
}

} // namespace history_batch_test
