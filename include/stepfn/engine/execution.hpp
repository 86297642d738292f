#ifndef STEPFN_ENGINE_EXECUTION_HPP
#define STEPFN_ENGINE_EXECUTION_HPP

#include <cstdint>
#include <memory>
#include <string>

#include <stepfn/error.hpp>
#include <stepfn/execution_status.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/observe/state_inspector.hpp>

namespace stepfn {

struct engine_options {
    limits bounds;
    std::shared_ptr<history_sink> history;   // receives the events of every execution
    std::string region = "us-east-1";
    std::string account = "123456789012";
    std::uint64_t seed = 0;                  // random source (jitter, UUIDs, names); 0 = from the OS
};

struct start_options {
    std::string name;                        // execution name; a UUID when empty
    std::shared_ptr<history_sink> history;   // this execution's events only
    std::shared_ptr<state_inspector> inspector;  // sees every stage of every state (tests, tools)
};

namespace detail {
struct execution_record;
}

// A handle to one execution; cheap to copy, safe to use from any thread. The engine that
// started it must outlive calls to wait().
class execution {
public:
    explicit execution(std::shared_ptr<detail::execution_record> record) : record_(std::move(record)) {}

    const std::string& arn() const noexcept;
    const std::string& name() const noexcept;
    execution_status status() const;
    bool done() const;
    // Blocks until the execution ends (driving the engine's executor and virtual clock when it
    // can, see basic_engine). The output when it succeeded; otherwise the error name and cause
    // (both empty when a Fail state named neither).
    result<json> wait() const;
    // Blocks like wait() and returns how the execution ended, copying nothing: then output()
    // reads a large output in place.
    execution_status join() const;
    // The outcome so far without blocking: the output, or the error once it ended unsuccessfully.
    result<json> outcome() const;
    // The output of a succeeded execution, read in place (an ended execution's output never
    // changes); valid while a handle to the execution lives. nullptr until it has succeeded.
    const json* output() const;

private:
    std::shared_ptr<detail::execution_record> record_;
};

} // namespace stepfn

#endif
