#ifndef STEPFN_RUNTIME_ENGINE_HPP
#define STEPFN_RUNTIME_ENGINE_HPP

// STUB API: the engine is being written; the public surface below is the contract.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <stepfn/error.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/runtime/invoker_registry.hpp>
#include <stepfn/runtime/task_invoker.hpp>
#include <stepfn/runtime/timer.hpp>

namespace stepfn {

enum class execution_status { running, succeeded, failed, timed_out, aborted };

// AWS's spelling: "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED".
const char* to_string(execution_status s) noexcept;

struct engine_options {
    limits bounds;
    std::shared_ptr<history_sink> history;   // receives the events of every execution
    std::string region = "us-east-1";
    std::string account = "123456789012";
    std::uint64_t seed = 0;                  // random source (jitter, UUIDs); 0 = from the OS
};

struct start_options {
    std::string name;                        // execution name; a UUID when empty
    std::shared_ptr<history_sink> history;   // this execution's events only
};

// A handle to one execution; cheap to copy, safe to use from any thread.
class execution {
public:
    const std::string& arn() const;
    const std::string& name() const;
    execution_status status() const;
    bool done() const;
    // Blocks (driving a manual executor and a virtual clock when those are the engine's) until
    // the execution ends. The output when it succeeded; otherwise the error name and cause.
    result<json> wait();
};

template <class Executor, class Clock>
class basic_engine {
public:
    basic_engine(Executor& executor, Clock& clock, engine_options options = {});

    // Resource → invoker routing (exact match, then longest prefix).
    invoker_registry& invokers() noexcept;

    result<execution> start(const state_machine& machine, json input, start_options options = {});
    // Aborts a running execution (ExecutionAborted with the given error and cause).
    result<void> stop(std::string_view execution_arn, std::string error = {}, std::string cause = {});

    // Callback pattern (.waitForTaskToken).
    result<void> send_task_success(std::string_view task_token, json output);
    result<void> send_task_failure(std::string_view task_token, std::string error, std::string cause);
    result<void> send_task_heartbeat(std::string_view task_token);
};

} // namespace stepfn

#endif
