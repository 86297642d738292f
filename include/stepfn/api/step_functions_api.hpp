#ifndef STEPFN_API_STEP_FUNCTIONS_API_HPP
#define STEPFN_API_STEP_FUNCTIONS_API_HPP

// The AWS Step Functions API (the AWS JSON 1.0 protocol) as a protocol handler: one call, an
// action name and its request's JSON text, becomes one reply, AWS's response or one of AWS's
// exceptions with its HTTP status. No network code: a host mounts handler() in its HTTP server
// (`stepfn serve` mounts it in the one it ships). docs/api.md lists the actions and what differs
// from AWS.
//
//   stepfn::engine standard(pool, clock, durable_options);   // options.store: the executions
//   stepfn::engine express(pool, clock, memory_options);     // no store: EXPRESS executions
//   stepfn::step_functions_api api(standard, express, api_options);
//   api.handle("StartExecution", R"({"stateMachineArn": "..."})", caller, reply);
//
// STANDARD machines run on `standard`, whose store keeps their executions (DescribeExecution,
// ListExecutions and GetExecutionHistory read it); EXPRESS machines run on `express`. Both
// engines, their executors and clocks must outlive the API; call shutdown() before destroying
// them. Thread-safe: handle() may be called from any number of threads at once.

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/api/activity_hub.hpp>
#include <stepfn/api/api_call.hpp>
#include <stepfn/api/api_options.hpp>
#include <stepfn/api/detail/api_dispatch.hpp>
#include <stepfn/store/memory_store.hpp>

namespace stepfn {

class step_functions_api {
public:
    // `Standard` and `Express` are basic_engine<Executor, Clock> types (or anything with the same
    // members and clock()); the activity hub times its polls on the standard engine's clock.
    template <class Standard, class Express>
    step_functions_api(Standard& standard, Express& express, api_options options = {})
        : state_(std::make_shared<detail::api_state>()) {
        detail::api_state& s = *state_;
        s.options = std::move(options);
        s.standard = std::make_unique<detail::api_engine_of<Standard>>(standard);
        s.express = std::make_unique<detail::api_engine_of<Express>>(express);
        s.resources = s.options.resources;
        if (!s.resources) s.resources = std::make_shared<memory_store>();
        s.executions = standard.options().store;
        s.arn_prefix = "arn:aws:states:" + s.options.region + ":" + s.options.account + ":";
        activity_hub_options hub_options;
        hub_options.region = s.options.region;
        hub_options.account = s.options.account;
        hub_options.poll_timeout = s.options.activity_poll_timeout;
        s.hub = std::make_unique<activity_hub>(s.resources, standard.clock(), hub_options);
        if (auto invoker = s.hub->invoker()) {
            standard.invokers().add_prefix(s.hub->activity_prefix(), invoker);
            express.invokers().add_prefix(s.hub->activity_prefix(), invoker);
        }
        if (s.options.mocks) {
            // The engines' defaults stay the fallback of executions without a test case.
            s.mocks = std::make_shared<detail::mock_router>(standard.invokers().find(""));
            standard.invokers().set_default(s.mocks);
            if (static_cast<void*>(&express) != static_cast<void*>(&standard)) express.invokers().set_default(s.mocks);
        }
    }
    step_functions_api(const step_functions_api&) = delete;
    step_functions_api& operator=(const step_functions_api&) = delete;
    ~step_functions_api() { shutdown(); }

    // Answers one call: `reply` is called exactly once, on this thread or later on another (a
    // StartSyncExecution when its execution ends, a GetActivityTask when a task comes). Never
    // throws; any input gets an answer.
    void handle(std::string_view action, std::string body, api_caller caller, api_reply_handler reply) {
        detail::dispatch(*state_, action, body, caller, std::move(reply));
    }

    // handle() as a server calls it; the handler keeps the API's state alive, not the engines.
    api_handler handler() {
        std::shared_ptr<detail::api_state> state = state_;
        return [state](std::string_view action, std::string body, api_caller caller, api_reply_handler reply) {
            detail::dispatch(*state, action, body, caller, std::move(reply));
        };
    }

    // Answers every waiting GetActivityTask (with no task) and refuses later calls
    // (ServiceUnavailable); executions are the engines' (a durable one stays in its store).
    void shutdown() {
        if (state_->stopped.exchange(true)) return;
        if (state_->hub) state_->hub->shutdown();
    }

private:
    std::shared_ptr<detail::api_state> state_;
};

} // namespace stepfn

#endif
