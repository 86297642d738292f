#ifndef STEPFN_ENGINE_EXECUTION_HPP
#define STEPFN_ENGINE_EXECUTION_HPP

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/execution_status.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

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
    // Calls `fn` once when the execution has ended, as wait() would see it (with a store: once
    // its end is durable): at once, on this thread, when it already has; otherwise on the
    // thread that ends it, so `fn` must not block. What a host that cannot park a thread per
    // execution waits with (a server answering StartSyncExecution, a load generator).
    void on_end(std::function<void()> fn) const;
    // The outcome wait() would give, as a std::future set when the execution ends (through
    // on_end). Getting it does not drive the engine: with a manual executor something else must
    // run it. A future of an execution that never ends (its engine destroyed first) holds no
    // value and reports a broken promise.
    std::future<result<json>> future() const;
    // With a store: calls `fn` once the execution's start (or redrive) is durable, with the
    // store's error if it could not be kept: where AWS's StartExecution answers, so that a
    // DescribeExecution after it finds the execution. At once (and with success) when it
    // already is, or without a store; otherwise on the store's thread, so `fn` must not block.
    void on_stored(std::function<void(result<void>)> fn) const;

private:
    std::shared_ptr<detail::execution_record> record_;
};

// What a durable engine's recover() resumed, and the stored executions it could not (each
// error names the execution's ARN); those stay RUNNING in the store, untouched.
struct recovered_executions {
    std::vector<execution> resumed;
    std::vector<error> unrecoverable;
};

// What engine::park did: whether the execution left the engine, and when it next needs one (its
// earliest timer; nullopt when only a task token's outcome, a stop or a redrive moves it).
struct park_outcome {
    bool parked = false;
    std::optional<std::chrono::system_clock::time_point> wake;
};

} // namespace stepfn

#include <stepfn/config.hpp>
#if !defined(STEPFN_SEPARATE_COMPILATION)
#include <stepfn/engine/detail/execution_impl.hpp>
#endif

#endif
