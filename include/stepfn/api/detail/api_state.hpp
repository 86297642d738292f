#ifndef STEPFN_API_DETAIL_API_STATE_HPP
#define STEPFN_API_DETAIL_API_STATE_HPP

// What every action of the API shares: the options, the two engines, the stores, the activity
// hub, the compiled machines (one per definition revision, never parsed again per start) and
// the router that gives an execution started on `<machine>#<test case>` its mocked answers.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <stepfn/api/activity_hub.hpp>
#include <stepfn/api/api_error.hpp>
#include <stepfn/api/api_options.hpp>
#include <stepfn/api/detail/api_engine.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/testing/mock_invoker.hpp>

namespace stepfn::detail {

// The default invoker of both engines when a mock file is given: an execution started on a test
// case gets its mock_invoker; every other Task goes where the engines' default went before.
class mock_router final : public task_invoker {
public:
    explicit mock_router(std::shared_ptr<task_invoker> fallback) : fallback_(std::move(fallback)) {}

    void invoke(task_request request, task_completion done) override {
        std::shared_ptr<testing::mock_invoker> mocks;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = by_execution_.find(request.root_execution_id.empty() ? request.execution_id : request.root_execution_id);
            if (found != by_execution_.end()) mocks = found->second;
        }
        if (mocks) return mocks->invoke(std::move(request), std::move(done));
        if (fallback_) return fallback_->invoke(std::move(request), std::move(done));
        done.fail(errors::runtime, "no invoker is registered for the resource '" + request.resource + "'");
    }
    void attach(const std::string& execution_arn, std::shared_ptr<testing::mock_invoker> mocks) {
        std::lock_guard<std::mutex> lock(mutex_);
        by_execution_[execution_arn] = std::move(mocks);
    }
    void detach(std::string_view execution_arn) {
        std::lock_guard<std::mutex> lock(mutex_);
        by_execution_.erase(std::string(execution_arn));
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<testing::mock_invoker>> by_execution_;
    std::shared_ptr<task_invoker> fallback_;
};

// Compiled machines by (ARN, revision): a bounded map, emptied when full (a server rarely has
// more live revisions than the bound; a miss costs one load).
class machine_cache {
public:
    static constexpr std::size_t capacity = 512;

    // The machine of `arn` at `revision`; `load` compiles it on a miss only, so that a hit
    // copies nothing of the definition.
    template <class Load>
    result<state_machine> get(const std::string& arn, const std::string& revision, Load&& load) {
        const std::string key = arn + '#' + revision;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = machines_.find(key);
            if (found != machines_.end()) return found->second;
        }
        result<state_machine> loaded = load();
        if (!loaded) return loaded;
        std::lock_guard<std::mutex> lock(mutex_);
        if (machines_.size() >= capacity) machines_.clear();
        machines_.insert_or_assign(key, *loaded);
        return loaded;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, state_machine> machines_;
};

struct api_state {
    api_options options;
    std::unique_ptr<api_engine> standard;
    std::unique_ptr<api_engine> express;
    std::shared_ptr<resource_store> resources;
    std::shared_ptr<execution_store> executions;  // the standard engine's store
    std::unique_ptr<activity_hub> hub;
    std::shared_ptr<mock_router> mocks;           // null without a mock file
    machine_cache machines;
    std::string arn_prefix;                       // arn:aws:states:<region>:<account>:
    std::atomic<bool> stopped{false};
    std::atomic<std::uint64_t> sequence{0};       // for fresh ids

    std::string machine_arn(std::string_view name) const { return arn_prefix + "stateMachine:" + std::string(name); }
    std::string execution_arn(std::string_view machine, std::string_view name) const {
        return arn_prefix + "execution:" + std::string(machine) + ":" + std::string(name);
    }
};

// An engine or store error as the API's exception: AWS's names pass through; anything else is
// the service's fault.
inline api_error to_api_error(const error& e) {
    static constexpr const char* client_errors[] = {
        "ExecutionAlreadyExists", "ExecutionDoesNotExist", "ExecutionNotRedrivable", "TaskDoesNotExist", "TaskTimedOut",
        "InvalidOutput", "InvalidToken", "InvalidExecutionInput", "InvalidName", "ValidationException", "InvalidDefinition",
        "StateMachineDoesNotExist", "InvalidArn", "ResourceNotFound"};
    for (const char* name : client_errors)
        if (e.name == name) return api_error{e.name, e.cause, 400};
    if (e.name == errors::data_limit_exceeded) return api_error{"InvalidExecutionInput", e.cause, 400};
    return api_error{"InternalFailure", "the service failed (" + e.name + ")", 500};  // causes may name files
}

inline tl::unexpected<api_error> api_fail_from(const error& e) { return tl::make_unexpected(to_api_error(e)); }

// The store's own words may name files or hosts: the caller gets the error's name only.
inline api_error store_error(const error& e) { return api_error{"InternalFailure", "the store failed (" + e.name + ")", 500}; }

// Answers once the execution's change is durable, so that a DescribeExecution that follows
// sees it; a store that could not keep it answers 500.
inline void reply_when(api_reply_handler reply, json out, const std::function<void(std::function<void(result<void>)>)>& wait) {
    auto pending = std::make_shared<api_reply_handler>(std::move(reply));
    wait([pending, out = std::move(out)](result<void> stored) mutable {
        if (!*pending) return;
        api_reply_handler once = std::move(*pending);
        if (stored) once(to_reply(api_outcome(std::move(out))));
        else once(to_reply(tl::make_unexpected(store_error(stored.error()))));
    });
}

} // namespace stepfn::detail

#endif
