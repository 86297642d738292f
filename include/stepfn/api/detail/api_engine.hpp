#ifndef STEPFN_API_DETAIL_API_ENGINE_HPP
#define STEPFN_API_DETAIL_API_ENGINE_HPP

// What the API needs of an engine, behind a small virtual interface, so that one
// step_functions_api (not a template) serves a stepfn::engine in a server and a manual engine on
// a virtual clock in tests, as basic_engine erases its executor and clock.

#include <chrono>
#include <string>
#include <optional>
#include <string_view>
#include <utility>

#include <stepfn/engine/engine.hpp>

namespace stepfn::detail {

class api_engine {
public:
    virtual ~api_engine() = default;
    virtual result<execution> start(const state_machine& machine, json input, start_options options) = 0;
    virtual result<void> stop(std::string_view arn, std::string error_name, std::string cause) = 0;
    virtual std::optional<execution> running(std::string_view arn) = 0;
    virtual result<void> send_task_success(std::string_view token, json output) = 0;
    virtual result<void> send_task_failure(std::string_view token, std::string error_name, std::string cause) = 0;
    virtual result<void> send_task_heartbeat(std::string_view token) = 0;
    virtual result<execution> redrive(std::string_view arn) = 0;
    virtual const engine_options& options() const = 0;
    virtual invoker_registry& invokers() = 0;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

template <class Engine>
class api_engine_of final : public api_engine {
public:
    explicit api_engine_of(Engine& engine) : engine_(engine) {}
    result<execution> start(const state_machine& machine, json input, start_options options) override {
        return engine_.start(machine, std::move(input), std::move(options));
    }
    result<void> stop(std::string_view arn, std::string error_name, std::string cause) override {
        return engine_.stop(arn, std::move(error_name), std::move(cause));
    }
    std::optional<execution> running(std::string_view arn) override { return engine_.running(arn); }
    result<void> send_task_success(std::string_view token, json output) override {
        return engine_.send_task_success(token, std::move(output));
    }
    result<void> send_task_failure(std::string_view token, std::string error_name, std::string cause) override {
        return engine_.send_task_failure(token, std::move(error_name), std::move(cause));
    }
    result<void> send_task_heartbeat(std::string_view token) override { return engine_.send_task_heartbeat(token); }
    result<execution> redrive(std::string_view arn) override { return engine_.redrive(arn); }
    const engine_options& options() const override { return engine_.options(); }
    invoker_registry& invokers() override { return engine_.invokers(); }
    std::chrono::system_clock::time_point now() const override { return engine_.clock().now(); }

private:
    Engine& engine_;
};

} // namespace stepfn::detail

#endif
