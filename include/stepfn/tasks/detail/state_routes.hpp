#ifndef STEPFN_TASKS_DETAIL_STATE_ROUTES_HPP
#define STEPFN_TASKS_DETAIL_STATE_ROUTES_HPP

// The one table from a Task state's name to its own invoker, for when the Resource is not
// enough to choose (several states share "arn:aws:states:::lambda:invoke"; a test mocks one
// state): the builder's per-state bindings and the testing harness's per-state invokers.
// Thread-safe; setting nullptr removes a state's route.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn::detail {

class state_routes {
public:
    state_routes() = default;
    state_routes(const state_routes&) = delete;
    state_routes& operator=(const state_routes&) = delete;

    void set(std::string state_name, std::shared_ptr<task_invoker> invoker) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (invoker)
            routes_[std::move(state_name)] = std::move(invoker);
        else
            routes_.erase(state_name);
    }

    // The invoker bound to `state_name`, or nullptr.
    std::shared_ptr<task_invoker> find(std::string_view state_name) const {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = routes_.find(state_name);
        return found == routes_.end() ? nullptr : found->second;
    }

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<task_invoker>, std::less<>> routes_;
};

} // namespace stepfn::detail

#endif
