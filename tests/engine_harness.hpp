#ifndef STEPFN_TESTS_ENGINE_HARNESS_HPP
#define STEPFN_TESTS_ENGINE_HARNESS_HPP

// What the engine tests share: an invoker from a lambda, and engines on the manual executor and
// virtual clock (deterministic) or on a thread pool.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
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

#include "durable_harness.hpp"

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

[[maybe_unused]] std::shared_ptr<stepfn::task_invoker> answer(std::function<stepfn::result<json>(const stepfn::task_request&)> f) {
    return std::make_shared<lambda_invoker>([f](stepfn::task_request r, stepfn::task_completion done) { done.complete(f(r)); });
}

// Holds each task's completion (thread-safe) until the test releases it. A completion holds its
// engine, and an engine its invokers: whatever is still held when the test ends keeps both
// alive, unless the test releases or drops it (never_answered drops them).
struct held_invoker final : stepfn::task_invoker {
    std::mutex mutex;
    std::vector<stepfn::task_completion> held;
    void invoke(stepfn::task_request, stepfn::task_completion done) override {
        std::lock_guard<std::mutex> lock(mutex);
        held.push_back(std::move(done));
    }
    bool waiting() {
        std::lock_guard<std::mutex> lock(mutex);
        return !held.empty();
    }
    bool release_one(json output) {
        stepfn::task_completion c;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (held.empty()) return false;
            c = std::move(held.back());
            held.pop_back();
        }
        c.succeed(std::move(output));
        return true;
    }
};

// A held_invoker as `engine`'s default, for tasks that never answer; the completions it still
// holds go with this. Declare it after the engine: the engine holds the invoker and each
// completion the engine, so kept ones would keep both alive (a leak).
struct never_answered {
    std::shared_ptr<held_invoker> invoker = std::make_shared<held_invoker>();
    template <class Engine>
    explicit never_answered(Engine& engine) {
        engine.invokers().set_default(invoker);
    }
    never_answered(const never_answered&) = delete;
    never_answered& operator=(const never_answered&) = delete;
    ~never_answered() {
        std::vector<stepfn::task_completion> dropped;
        std::lock_guard<std::mutex> lock(invoker->mutex);
        dropped.swap(invoker->held);
    }
};

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

    explicit harness(stepfn::limits bounds = {}) : engine(executor, clock, options(bounds)), bounds_(bounds) {}

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

    // With STEPFN_TEST_DURABLE=1, through a fresh engine after every checkpoint (see
    // durable_harness.hpp); the history is the store's.
    outcome run(const std::string& definition, json input = json::object()) {
        auto machine = load(definition);
        if (durable_test::enabled()) {
            stepfn::engine_options base = options(bounds_);
            auto r = durable_test::run_crashing(machine, std::move(input), base,
                                                [this](auto& fresh) { fresh.invokers().add_all(engine.invokers()); },
                                                executor, clock);
            INFO("durable run through " << r.engines << " engines");
            for (auto& event : r.history) sink->record(r.arn, event);
            return {r.status, std::move(r.value), r.arn};
        }
        auto e = engine.start(machine, std::move(input));
        REQUIRE(e);
        auto r = e->wait();
        return {e->status(), std::move(r), e->arn()};
    }

    stepfn::limits bounds_;

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

#endif
