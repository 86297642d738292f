#ifndef STEPFN_TESTS_DURABLE_SUPPORT_HPP
#define STEPFN_TESTS_DURABLE_SUPPORT_HPP

// What the durability and redrive tests share: invokers that record or hold their requests, a
// store that fails, and readers of what a store holds.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "durable_harness.hpp"
#include "engine_harness.hpp"

namespace {

using engine_type = stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock>;

// Answers every request at once and remembers it.
struct recording_invoker final : stepfn::task_invoker {
    std::mutex mutex;
    std::vector<stepfn::task_request> requests;
    std::function<stepfn::result<json>(const stepfn::task_request&, std::size_t)> answer;
    void invoke(stepfn::task_request r, stepfn::task_completion done) override {
        std::size_t n;
        {
            std::lock_guard<std::mutex> lock(mutex);
            requests.push_back(r);
            n = requests.size();
        }
        done.complete(answer ? answer(r, n) : stepfn::result<json>(json{{"echo", r.input}}));
    }
    std::size_t calls() {
        std::lock_guard<std::mutex> lock(mutex);
        return requests.size();
    }
};

// Keeps every completion handle: the tasks it gets never answer while the engine lives.
struct holding_invoker final : stepfn::task_invoker {
    std::vector<stepfn::task_request> requests;
    std::vector<stepfn::task_completion> held;
    void invoke(stepfn::task_request r, stepfn::task_completion done) override {
        requests.push_back(std::move(r));
        held.push_back(std::move(done));
    }
};

// Refuses every checkpoint from the `fail_at`th on, as a full disk would.
struct failing_store final : durable_test::forwarding_store {
    std::shared_ptr<stepfn::memory_store> memory = std::make_shared<stepfn::memory_store>();
    std::size_t fail_at = 2, seen = 0;
    failing_store() : forwarding_store(nullptr) { inner_ = memory; }
    void commit(stepfn::execution_checkpoint cp, std::function<void(stepfn::result<void>)> done) override {
        if (++seen == fail_at) return done(stepfn::make_error("StoreFull", "the disk is full"));
        if (seen > fail_at) return done(stepfn::make_error("StoreFull", "the disk is still full"));
        inner_->commit(std::move(cp), std::move(done));
    }
};

[[maybe_unused]] stepfn::engine_options durable_options(std::shared_ptr<stepfn::execution_store> store) {
    stepfn::engine_options o;
    o.store = std::move(store);
    o.seed = 7;
    return o;
}

// Runs the executor (and virtual time) until nothing is left to do.
[[maybe_unused]] void settle(stepfn::manual_executor& executor, stepfn::virtual_clock& clock, bool advance_time = true) {
    for (int i = 0; i < 100000; ++i) {
        if (executor.run_one()) continue;
        if (!advance_time || !clock.advance_to_next()) return;
    }
}

[[maybe_unused]] std::vector<std::string> types_of(const std::vector<stepfn::history_event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(stepfn::to_string(e.type));
    return out;
}

[[maybe_unused]] std::vector<stepfn::history_event> stored_history(stepfn::execution_store& store, const std::string& arn) {
    std::vector<stepfn::history_event> out;
    stepfn::history_request request;
    request.max_results = 7;  // several pages
    for (;;) {
        auto page = store.history(arn, request);
        REQUIRE(page);
        for (auto& e : page->events) out.push_back(std::move(e));
        if (page->next_token.empty()) return out;
        request.next_token = page->next_token;
    }
}

} // namespace

#endif
