#ifndef STEPFN_TESTS_SERVERS_INVOKER_PROBE_HPP
#define STEPFN_TESTS_SERVERS_INVOKER_PROBE_HPP

// What the integration tests need around an invoker: a completion target that records the
// outcome and can cancel the attempt as the engine would, and a bounded wait for an execution.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <stepfn/engine/execution.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn_test {

class probe_target final : public stepfn::detail::completion_target {
public:
    void complete(stepfn::result<stepfn::json> outcome) override {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!outcome_) outcome_ = std::move(outcome);
        changed_.notify_all();
    }
    void heartbeat() override {}
    bool cancelled() const override {
        std::lock_guard<std::mutex> lock(mutex_);
        return cancelled_;
    }
    void on_cancel(std::function<void()> handler) override {
        std::lock_guard<std::mutex> lock(mutex_);
        handler_ = std::move(handler);
    }
    // As the engine does when the attempt times out or the execution stops.
    void cancel() {
        std::function<void()> handler;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            cancelled_ = true;
            handler = std::move(handler_);
        }
        if (handler) handler();
    }
    // The outcome, waiting at most `limit`; nullopt when none came.
    std::optional<stepfn::result<stepfn::json>> wait(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, limit, [&] { return outcome_.has_value(); });
        return outcome_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<stepfn::result<stepfn::json>> outcome_;
    bool cancelled_ = false;
    std::function<void()> handler_;
};

// Invokes once and returns the outcome (nullopt when none came within the limit).
inline std::optional<stepfn::result<stepfn::json>> invoke_once(stepfn::task_invoker& invoker, stepfn::task_request request,
                                                               std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    auto target = std::make_shared<probe_target>();
    invoker.invoke(std::move(request), stepfn::task_completion(target));
    return target->wait(limit);
}

inline stepfn::task_request request_for(std::string resource, stepfn::json input) {
    stepfn::task_request r;
    r.resource = std::move(resource);
    r.input = std::move(input);
    r.execution_id = "arn:aws:states:us-east-1:123456789012:execution:test:run-1";
    r.execution_name = "run-1";
    r.state_name = "Call";
    return r;
}

// Waits for an execution to end, at most `limit`; false when it did not.
inline bool wait_done(const stepfn::execution& e, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!e.done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

} // namespace stepfn_test

#endif
