#ifndef STEPFN_TESTS_DURABLE_HARNESS_HPP
#define STEPFN_TESTS_DURABLE_HARNESS_HPP

// Runs an execution as if its process crashed after every checkpoint: each engine lives until
// one checkpoint is durable, then dies (its callback never comes, nothing after it is stored),
// and a fresh engine on the same store recovers the execution and goes on. With
// STEPFN_TEST_DURABLE=1 the engine and conformance tests run this way (ctest unit_durable).
//
// A crash between a task's dispatch and the checkpoint of its answer makes a durable engine
// send it again (at least once) or fail it (at most once), on purpose. So that the tests' mocks
// see exactly the calls of an uninterrupted run, an engine here dies only at checkpoints where
// no task it already sent is still waiting for its answer; in-flight attempts it never sent are
// sent by the next engine (in_flight_tasks::redispatch).

#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/store/memory_store.hpp>

namespace durable_test {

inline bool enabled() {
    const char* v = std::getenv("STEPFN_TEST_DURABLE");
    return v && *v && std::string(v) != "0";
}

// The idempotency keys of the task attempts a snapshot shows in flight.
inline void in_flight_keys(const stepfn::json& node, std::set<std::string>& out) {
    if (node.is_object()) {
        auto task = node.find("task");
        if (task != node.end() && task->is_object()) {
            auto request = task->find("request");
            if (request != task->end() && request->contains("key")) out.insert((*request)["key"].get<std::string>());
        }
        for (const auto& item : node.items()) in_flight_keys(item.value(), out);
    } else if (node.is_array()) {
        for (const auto& item : node) in_flight_keys(item, out);
    }
}

inline std::set<std::string> in_flight_keys(const std::string& snapshot) {
    std::set<std::string> keys;
    if (!snapshot.empty()) in_flight_keys(stepfn::json::parse(snapshot, nullptr, false), keys);
    return keys;
}

// A store that hands everything to another; tests override commit() to fail or crash.
class forwarding_store : public stepfn::execution_store {
public:
    explicit forwarding_store(std::shared_ptr<stepfn::execution_store> inner) : inner_(std::move(inner)) {}
    void commit(stepfn::execution_checkpoint cp, std::function<void(stepfn::result<void>)> done) override {
        inner_->commit(std::move(cp), std::move(done));
    }
    stepfn::result<void> flush() override { return inner_->flush(); }
    stepfn::result<std::optional<stepfn::stored_execution>> find_execution(std::string_view arn) override {
        return inner_->find_execution(arn);
    }
    stepfn::result<std::optional<stepfn::machine_version>> find_machine_version(std::string_view id) override {
        return inner_->find_machine_version(id);
    }
    stepfn::result<std::string> snapshot(std::string_view arn) override { return inner_->snapshot(arn); }
    stepfn::result<stepfn::execution_page> list_executions(const stepfn::execution_filter& f) override {
        return inner_->list_executions(f);
    }
    stepfn::result<stepfn::history_page> history(std::string_view arn, const stepfn::history_request& r) override {
        return inner_->history(arn, r);
    }
    stepfn::result<std::vector<std::string>> unfinished_executions() override { return inner_->unfinished_executions(); }
    stepfn::result<std::optional<std::string>> find_token(std::string_view token) override { return inner_->find_token(token); }

protected:
    std::shared_ptr<stepfn::execution_store> inner_;
};

class crash_store final : public forwarding_store {
public:
    crash_store(std::shared_ptr<stepfn::execution_store> inner, std::set<std::string> sent)
        : forwarding_store(std::move(inner)), sent_(std::move(sent)) {}

    void commit(stepfn::execution_checkpoint cp, std::function<void(stepfn::result<void>)> done) override {
        if (crashed_) return;  // the process is gone
        const auto keys = in_flight_keys(cp.snapshot);
        bool waiting_on_sent = false;
        for (const auto& k : keys) waiting_on_sent = waiting_on_sent || sent_.count(k);
        const bool progress = !cp.events.empty() || cp.ended;
        if (progress && (cp.ended || !waiting_on_sent)) {
            crashed_ = true;
            inner_->commit(std::move(cp), nullptr);
            return;
        }
        sent_.insert(keys.begin(), keys.end());  // its dispatches happen once it is durable
        inner_->commit(std::move(cp), std::move(done));
    }
    bool crashed() const noexcept { return crashed_; }

private:
    std::set<std::string> sent_;
    bool crashed_ = false;
};

struct crash_run {
    stepfn::execution_status status = stepfn::execution_status::running;
    stepfn::result<stepfn::json> value = stepfn::json();
    std::string arn;
    int engines = 0;  // how many engines it took
    std::vector<stepfn::history_event> history;
};

// Starts `machine` and runs it to its end through one engine per checkpoint, all on the same
// executor and clock (a test's invokers may post to them). `configure` sets up each engine (its
// invokers); `base` is copied into every engine's options. A dead engine's leftover jobs and
// timers find their execution ended and do nothing.
template <class Configure>
crash_run run_crashing(const stepfn::state_machine& machine, stepfn::json input, stepfn::engine_options base,
                       Configure configure, stepfn::manual_executor& executor, stepfn::virtual_clock& clock,
                       int max_engines = 200000) {
    auto store = std::make_shared<stepfn::memory_store>();
    crash_run out;
    for (;;) {
        if (!out.arn.empty()) {
            auto row = store->find_execution(out.arn);
            if (!row || !*row || (*row)->status != stepfn::execution_status::running) break;
            if (out.engines >= max_engines) break;
        }
        ++out.engines;
        stepfn::engine_options options = base;
        options.history = nullptr;
        // Every engine draws different random numbers (task tokens), as engines seeded by the OS
        // do; the same run twice draws the same ones.
        options.seed = base.seed + 7919 * static_cast<std::uint64_t>(out.engines);
        const std::set<std::string> sent = out.arn.empty() ? std::set<std::string>() : in_flight_keys(*store->snapshot(out.arn));
        auto crashing = std::make_shared<crash_store>(store, sent);
        options.store = crashing;
        options.checkpoints = stepfn::checkpointing::every_transition;
        options.after_restart = stepfn::in_flight_tasks::redispatch;
        stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, options);
        configure(engine);
        if (out.arn.empty()) {
            static std::uint64_t runs = 0;  // each run a name of its own (the seeds repeat)
            stepfn::start_options named;
            named.name = "durable-run-" + std::to_string(++runs);
            auto started = engine.start(machine, std::move(input), named);
            if (!started) {
                out.value = tl::make_unexpected(started.error());
                return out;
            }
            out.arn = started->arn();
        } else {
            auto recovered = engine.recover();
            if (!recovered || recovered->resumed.size() != 1) {
                out.value = stepfn::make_error("RecoverFailed", recovered ? (recovered->unrecoverable.empty()
                                                                                 ? std::string("nothing to resume")
                                                                                 : recovered->unrecoverable[0].cause)
                                                                          : recovered.error().cause);
                return out;
            }
        }
        for (int steps = 0; steps < 1000000 && !crashing->crashed(); ++steps) {
            if (executor.run_one()) continue;
            if (!clock.advance_to_next()) break;
        }
    }
    auto row = store->find_execution(out.arn);
    if (row && *row) {
        const auto& r = **row;
        out.status = r.status;
        if (r.status == stepfn::execution_status::succeeded) out.value = stepfn::json::parse(r.output);
        else if (r.status != stepfn::execution_status::running) out.value = tl::make_unexpected(stepfn::error{r.error, r.cause});
        else out.value = stepfn::make_error("StillRunning", "the execution did not end within the engines allowed");
    }
    stepfn::history_request request;
    for (;;) {
        auto page = store->history(out.arn, request);
        if (!page) break;
        for (auto& e : page->events) out.history.push_back(std::move(e));
        if (page->next_token.empty()) break;
        request.next_token = page->next_token;
    }
    return out;
}

} // namespace durable_test

#endif
