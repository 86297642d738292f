#ifndef STEPFN_TESTS_UNIT_HELD_TASK_HPP
#define STEPFN_TESTS_UNIT_HELD_TASK_HPP

// A task whose completion the test keeps and answers later, from a thread of its own: what a
// joiner meets when its execution waits on a task that another thread completes.

#include "engine_harness.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace held_task_support {

class held_task {
public:
    // Routes `resource` on `engine` to this; it must outlive the executions that call it.
    template <class Engine>
    held_task(Engine& engine, const std::string& resource) {
        engine.invokers().add(resource, std::make_shared<lambda_invoker>([this](stepfn::task_request, stepfn::task_completion done) {
            std::lock_guard<std::mutex> lock(mutex_);
            pending_.emplace(std::move(done));
            invoked_.notify_all();
        }));
    }

    // A thread that waits for the next call, then `delay` (long enough for a joiner to have
    // found the queue empty), then completes it with `output`. The caller joins it.
    std::thread answer_later(json output, std::chrono::milliseconds delay) {
        return std::thread([this, output = std::move(output), delay]() mutable {
            std::unique_lock<std::mutex> lock(mutex_);
            invoked_.wait(lock, [&] { return pending_.has_value(); });
            auto done = std::move(*pending_);
            pending_.reset();
            lock.unlock();
            std::this_thread::sleep_for(delay);
            done.complete(std::move(output));
        });
    }

private:
    std::mutex mutex_;
    std::optional<stepfn::task_completion> pending_;
    std::condition_variable invoked_;
};

} // namespace held_task_support

#endif
