// Traces across a restart: an execution's trace context (trace id, the execution span's id, its
// parent and sampled flag, the open state's span) is part of its snapshot in the SQLite store,
// so that an engine restarted on the same file goes on in the same trace, and a redrive starts a
// new run's span in the same trace.
#include "catch.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/observe/tracing.hpp>
#include <stepfn/tasks/callable_invoker.hpp>

#include "store/store_support.hpp"

namespace trace_restore_test {

using stepfn::json;
using engine_type = stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock>;

namespace {

struct kept_spans final : stepfn::span_sink {
    std::mutex mutex;
    std::vector<stepfn::recorded_span> spans;
    void on_end(const stepfn::span_data& s) override {
        std::lock_guard<std::mutex> lock(mutex);
        spans.emplace_back(s);
    }
    std::vector<stepfn::recorded_span> named(const std::string& name) {
        std::lock_guard<std::mutex> lock(mutex);
        std::vector<stepfn::recorded_span> out;
        for (const auto& s : spans)
            if (s.name == name) out.push_back(s);
        return out;
    }
};

// One engine over the SQLite file at `path`, with a span sink; each test makes one, lets it go
// (the process "stops"), and makes another on the same file.
struct traced_engine {
    std::shared_ptr<stepfn::sqlite_store> store;
    std::shared_ptr<kept_spans> spans = std::make_shared<kept_spans>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    std::unique_ptr<engine_type> engine;
    std::vector<stepfn::trace_context> requests;  // each task request's context

    traced_engine(const std::string& path, stepfn::time_point now, int answer_failures) : clock(now) {
        auto opened = stepfn::sqlite_store::open(path);
        REQUIRE(opened);
        store = *opened;
        stepfn::engine_options options;
        options.store = store;
        options.spans = spans;
        options.seed = 5;
        engine = std::make_unique<engine_type>(executor, clock, options);
        engine->invokers().set_default(stepfn::make_invoker([this, answer_failures](const stepfn::task_request& r) -> stepfn::result<json> {
            requests.push_back(r.trace);
            if (static_cast<int>(requests.size()) <= answer_failures) return stepfn::make_error("Broken", "not yet");
            return json("done");
        }));
    }
    // Runs until the execution leaves RUNNING or nothing is left to do (time moves only when
    // `advance` says so). The store answers commits from its own thread: flush() waits for
    // those answers, which may post more work.
    void settle(const stepfn::execution& e, bool advance) {
        for (int i = 0; i < 10000 && e.status() == stepfn::execution_status::running; ++i) {
            if (executor.run() > 0) continue;
            REQUIRE(store->flush());
            if (executor.run() > 0) continue;
            if (advance && clock.advance_to_next()) continue;
            break;
        }
        REQUIRE(store->flush());
        executor.run();
    }
};

const char* const waits_then_works = R"({"StartAt":"Pause","States":{
    "Pause":{"Type":"Wait","Seconds":3600,"Next":"Work"},
    "Work":{"Type":"Task","Resource":"svc","End":true}}})";

stepfn::state_machine load(const char* text) {
    auto m = stepfn::load_machine(text);
    REQUIRE(m);
    return *m;
}

} // namespace

TEST_CASE("trace restore: an execution resumed on a restarted engine goes on in its trace", "[store][sqlite][tracing]") {
    store_test::scratch_dir dir;
    REQUIRE(dir.ok());
    const std::string path = dir.file("traced.db");
    const auto machine = load(waits_then_works);
    const auto start = stepfn::virtual_clock::default_start();
    const auto caller = stepfn::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    REQUIRE(caller);
    std::string arn;
    std::uint64_t pause_span = 0;
    {
        traced_engine first(path, start, 0);
        stepfn::start_options options;
        options.trace_parent = caller;
        auto e = first.engine->start(machine, json::object(), options);
        REQUIRE(e);
        arn = e->arn();
        first.settle(*e, false);  // parked in Pause for an hour
        CHECK(e->status() == stepfn::execution_status::running);
        CHECK(first.spans->spans.empty());  // nothing has ended yet
    }
    traced_engine second(path, start + std::chrono::minutes(90), 0);
    auto recovered = second.engine->recover();
    REQUIRE(recovered);
    REQUIRE(recovered->resumed.size() == 1);
    const auto& e = recovered->resumed[0];
    second.settle(e, true);
    CHECK(e.status() == stepfn::execution_status::succeeded);

    auto execution = second.spans->named(machine.name());
    REQUIRE(execution.size() == 1);
    CHECK(stepfn::trace_id_hex(execution[0].context) == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(execution[0].parent_span_id == caller->span_id);  // still the caller's child
    CHECK(execution[0].start == start);                     // started before the restart
    CHECK(execution[0].context.flags == 1);
    CHECK(*execution[0].attribute("stepfn.execution.arn") == arn);
    // The state that was open across the restart keeps its span (its id and start).
    auto pause = second.spans->named("Pause");
    REQUIRE(pause.size() == 1);
    pause_span = pause[0].context.span_id;
    CHECK(pause_span != 0);
    CHECK(pause[0].parent_span_id == execution[0].context.span_id);
    CHECK(pause[0].start == start);
    CHECK(pause[0].end - pause[0].start == std::chrono::minutes(90));  // it was due at once
    auto work = second.spans->named("Work");
    REQUIRE(work.size() == 1);
    CHECK(work[0].context.trace_id_low == caller->trace_id_low);
    CHECK(work[0].parent_span_id == execution[0].context.span_id);
    // The task's invoker got the same trace.
    REQUIRE(second.requests.size() == 1);
    CHECK(stepfn::trace_id_hex(second.requests[0]) == "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_CASE("trace restore: a redrive is a new run's span in the same trace, under the run before",
          "[store][sqlite][tracing]") {
    store_test::scratch_dir dir;
    REQUIRE(dir.ok());
    const std::string path = dir.file("redriven.db");
    const auto machine = load(R"({"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"svc","End":true}}})");
    const auto start = stepfn::virtual_clock::default_start();
    std::string arn;
    stepfn::recorded_span first_run;
    {
        traced_engine first(path, start, 1);
        auto e = first.engine->start(machine);
        REQUIRE(e);
        arn = e->arn();
        first.settle(*e, true);
        CHECK(e->status() == stepfn::execution_status::failed);
        auto runs = first.spans->named(machine.name());
        REQUIRE(runs.size() == 1);
        first_run = runs[0];
        CHECK(first_run.parent_span_id == 0);  // no caller: it started the trace
    }
    traced_engine second(path, start + std::chrono::minutes(5), 0);
    auto redriven = second.engine->redrive(arn);
    REQUIRE(redriven);
    second.settle(*redriven, true);
    CHECK(redriven->status() == stepfn::execution_status::succeeded);
    auto runs = second.spans->named(machine.name());
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].context.trace_id_high == first_run.context.trace_id_high);
    CHECK(runs[0].context.trace_id_low == first_run.context.trace_id_low);
    CHECK(runs[0].context.span_id != first_run.context.span_id);
    CHECK(runs[0].parent_span_id == first_run.context.span_id);
    REQUIRE(second.requests.size() == 1);
    CHECK(second.requests[0].trace_id_low == first_run.context.trace_id_low);
}

TEST_CASE("trace restore: an execution stored untraced starts a trace when an engine with spans resumes it",
          "[store][sqlite][tracing]") {
    store_test::scratch_dir dir;
    REQUIRE(dir.ok());
    const std::string path = dir.file("untraced.db");
    const auto machine = load(waits_then_works);
    const auto start = stepfn::virtual_clock::default_start();
    {
        auto opened = stepfn::sqlite_store::open(path);
        REQUIRE(opened);
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock(start);
        stepfn::engine_options options;
        options.store = *opened;
        engine_type engine(executor, clock, options);
        auto e = engine.start(machine);
        REQUIRE(e);
        for (int i = 0; i < 5; ++i) {
            executor.run();
            REQUIRE((*opened)->flush());
        }
        CHECK(e->status() == stepfn::execution_status::running);  // parked in Pause
    }
    traced_engine second(path, start + std::chrono::hours(2), 0);
    auto recovered = second.engine->recover();
    REQUIRE(recovered);
    REQUIRE(recovered->resumed.size() == 1);
    second.settle(recovered->resumed[0], true);
    CHECK(recovered->resumed[0].status() == stepfn::execution_status::succeeded);
    auto execution = second.spans->named(machine.name());
    REQUIRE(execution.size() == 1);
    CHECK(execution[0].context.valid());
    CHECK(execution[0].parent_span_id == 0);
    CHECK(second.spans->named("Work").size() == 1);
    REQUIRE(second.requests.size() == 1);
    CHECK(second.requests[0].trace_id_low == execution[0].context.trace_id_low);
}
} // namespace trace_restore_test
