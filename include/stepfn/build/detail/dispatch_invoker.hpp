#ifndef STEPFN_BUILD_DETAIL_DISPATCH_INVOKER_HPP
#define STEPFN_BUILD_DETAIL_DISPATCH_INVOKER_HPP

// When several Task states share one Resource (AWS's "arn:aws:states:::lambda:invoke" is the
// usual case) and each is bound to its own callable, the registry still maps the Resource to a
// single invoker: this one, which picks the callable by the requesting state's name.

#include <memory>
#include <string>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/tasks/detail/state_routes.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn::detail {

class dispatch_invoker final : public task_invoker {
public:
    explicit dispatch_invoker(std::shared_ptr<task_invoker> fallback) : fallback_(std::move(fallback)) {}

    state_routes& routes() noexcept { return routes_; }

    void invoke(task_request request, task_completion done) override {
        if (auto bound = routes_.find(request.state_name)) return bound->invoke(std::move(request), std::move(done));
        if (fallback_) return fallback_->invoke(std::move(request), std::move(done));
        std::string cause = "No task invoker is bound to state '" + request.state_name + "' for resource '" +
                            request.resource + "'.";
        done.fail(errors::runtime, std::move(cause));
    }

private:
    state_routes routes_;
    std::shared_ptr<task_invoker> fallback_;
};

} // namespace stepfn::detail

#endif
