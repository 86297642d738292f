#ifndef STEPFN_TOOLS_CLI_SERVE_SHARED_HPP
#define STEPFN_TOOLS_CLI_SERVE_SHARED_HPP

// The stepfn command: `stepfn serve --store postgresql://...` (docs/store-postgres.md, "The API
// server on PostgreSQL"). The server is one more worker on the store: StartExecution and
// RedriveExecution run the execution here, under this worker's lease, and its worker loop parks
// it when it only waits, so that any worker may go on with it; StopExecution and SendTask* go
// through the store's inbox and so reach the execution wherever it runs, here included.
// Describe, List and GetExecutionHistory read the store. Part of cli.hpp, after worker_loop.hpp.

#include <stepfn/detail/json_size.hpp>  // exceeds_size, exceeds_depth: compiled mode has no engine bodies here

namespace stepfn::cli::detail {

#if defined(STEPFN_WITH_POSTGRES)

// What step_functions_api calls on its standard engine, over an engine that is a worker.
template <class Engine>
class shared_store_engine {
public:
    shared_store_engine(Engine& engine, postgres_store& store, worker_loop<Engine>& loop)
        : engine_(engine), store_(store), loop_(loop) {}

    result<execution> start(const state_machine& machine, json input, start_options options) {
        auto started = engine_.start(machine, std::move(input), std::move(options));
        if (started && !started->done()) loop_.adopt(*started);
        return started;
    }
    // Through the inbox, as from any other process: the worker loop holding the execution
    // (this one or another) applies it, so that it never races with a park.
    result<void> stop(std::string_view arn, std::string error_name, std::string cause) {
        json body = json::object();
        body["error"] = std::move(error_name);
        body["cause"] = std::move(cause);
        return store_.send(arn, "stop", dump(body));
    }
    std::optional<execution> running(std::string_view arn) { return engine_.running(arn); }
    result<void> send_task_success(std::string_view token, json output) {
        const limits bounds;
        if (stepfn::detail::exceeds_size(output, bounds.max_payload_bytes)) return make_error("InvalidOutput", "the output exceeds the maximum payload size");
        if (stepfn::detail::exceeds_depth(output, bounds.max_payload_depth)) return make_error("InvalidOutput", "the output is nested too deeply");
        json body = json::object();
        body["output"] = std::move(output);
        return send_task(token, "task_success", std::move(body));
    }
    result<void> send_task_failure(std::string_view token, std::string error_name, std::string cause) {
        json body = json::object();
        body["error"] = std::move(error_name);
        body["cause"] = std::move(cause);
        return send_task(token, "task_failure", std::move(body));
    }
    result<void> send_task_heartbeat(std::string_view token) { return send_task(token, "task_heartbeat", json::object()); }
    // Claimed here first (the execution has ended: nobody runs it), then redriven in this
    // engine under the new lease.
    result<execution> redrive(std::string_view arn) {
        auto claimed = store_.claim_to_redrive(arn);
        if (!claimed) return tl::make_unexpected(std::move(claimed.error()));
        if (!*claimed)
            return make_error("ExecutionNotRedrivable", "the execution '" + std::string(arn) + "' is running, or another worker holds it");
        auto redriven = engine_.redrive(arn);
        if (!redriven) {
            (void)store_.release(arn, std::nullopt);
            return redriven;
        }
        loop_.adopt(*redriven);
        return redriven;
    }
    const engine_options& options() const { return engine_.options(); }
    invoker_registry& invokers() { return engine_.invokers(); }
    auto& clock() const { return engine_.clock(); }

private:
    result<void> send_task(std::string_view token, const char* kind, json body) {
        auto arn = store_.find_token(token);
        if (!arn) return tl::make_unexpected(std::move(arn.error()));
        // The token is a credential: no error repeats it.
        if (!arn->has_value()) return make_error("TaskDoesNotExist", "no task waits for the given token");
        body["token"] = std::string(token);
        auto sent = store_.send(**arn, kind, dump(body));
        if (!sent && sent.error().name == "ExecutionDoesNotExist")
            return make_error("TaskTimedOut", "the execution that waited for the given token is no longer running");
        return sent;
    }

    Engine& engine_;
    postgres_store& store_;
    worker_loop<Engine>& loop_;
};

#endif

} // namespace stepfn::cli::detail

#endif
