#ifndef STEPFN_TASKS_TASK_INVOKER_HPP
#define STEPFN_TASKS_TASK_INVOKER_HPP

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/task_error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/policies/credentials_provider.hpp>
#include <stepfn/observe/tracing.hpp>

namespace stepfn {

// What a Task's invoker receives for one attempt.
struct task_request {
    std::string resource;            // the Task's `Resource`, as written
    json input;                      // the effective input (after InputPath and Parameters)
    // The effective input lent for the call to invoke() only, instead of `input` (then null):
    // the engine lends the state's input, rather than copy it, to an invoker whose
    // borrows_input() is true. input_view() reads whichever holds it.
    const json* lent_input = nullptr;
    const json& input_view() const noexcept { return lent_input ? *lent_input : input; }
    std::string execution_id;        // the execution's ARN
    // The top-level execution's ARN: execution_id itself, except in a distributed Map's child
    // executions, where it names the execution that started the Map Run (mocks count by it).
    std::string root_execution_id;
    std::string execution_name;
    std::string state_name;
    std::int64_t attempt = 0;        // 0 for the first attempt, then 1, 2, ... for retries
    // The same for a request sent again after a durable engine restarted (in_flight_tasks::
    // redispatch), different for every other attempt: a service can deduplicate by it.
    std::string idempotency_key;
    std::optional<std::chrono::system_clock::time_point> deadline;  // from TimeoutSeconds
    std::optional<std::int64_t> heartbeat_seconds;
    std::string task_token;          // set for `.waitForTaskToken` resources
    json credentials;                // the Task's `Credentials`, evaluated (null when absent)
    // The credentials of the role the Task runs under, when a role_guard with a credentials
    // source put them here (never recorded: the engine does not keep requests).
    std::shared_ptr<const stepfn::credentials> role_credentials;
    // This attempt's span when the engine traces (valid() then): what an invoker passes on, as
    // to_traceparent(trace) in a W3C `traceparent` header (the HTTP invoker does).
    trace_context trace{0, 0, 0, 0};
};

namespace detail {
// The engine's side of one attempt. Implementations are thread-safe: an invoker may complete
// from any thread, at any time, or never (then the attempt's timeout fires).
class completion_target {
public:
    virtual ~completion_target() = default;
    virtual void complete(result<json> outcome) = 0;
    // As SendTaskSuccess/SendTaskFailure with this attempt's token would; for attempts without
    // a token, the same as complete().
    virtual void resolve(result<json> outcome) { complete(std::move(outcome)); }
    // The invoker let go of its handle without completing.
    virtual void abandoned() {
        complete(tl::make_unexpected(error{"States.TaskFailed", "the task invoker dropped its completion handle without completing"}));
    }
    virtual void heartbeat() = 0;
    // A worker took the task (an activity's GetActivityTask): its name goes in ActivityStarted.
    virtual void started(std::string worker_name) { (void)worker_name; }
    virtual bool cancelled() const = 0;
    // Called once when the attempt is abandoned (timeout, execution stopped, branch aborted).
    virtual void on_cancel(std::function<void()> handler) = 0;
};
} // namespace detail

// The handle an invoker completes an attempt with. Move-only; the first completion wins and
// later ones (or completions after a timeout) are ignored. Dropping the handle without
// completing fails the attempt with States.TaskFailed, so a lost callback cannot hang an
// execution.
//
// For a `.waitForTaskToken` resource the invoker's job is to hand the token to someone (send a
// message, enqueue a job): succeed() then records that call's response (TaskSubmitted) and the
// attempt keeps waiting for the token (engine.send_task_success / send_task_failure), and
// dropping the handle is fine. resolve() answers for the token directly, as a mock does.
class task_completion {
public:
    task_completion() = default;
    explicit task_completion(std::shared_ptr<detail::completion_target> target) : target_(std::move(target)) {}
    task_completion(task_completion&&) noexcept = default;
    task_completion& operator=(task_completion&& other) noexcept {
        if (this != &other) {
            abandon();
            target_ = std::move(other.target_);
        }
        return *this;
    }
    task_completion(const task_completion&) = delete;
    task_completion& operator=(const task_completion&) = delete;
    ~task_completion() { abandon(); }

    void succeed(json output) { finish(result<json>(std::move(output))); }
    void fail(std::string error_name, std::string cause) {
        finish(tl::make_unexpected(error{std::move(error_name), std::move(cause)}));
    }
    void complete(result<json> outcome) { finish(std::move(outcome)); }
    // Completes the attempt as the task token's callback would (see above).
    void resolve(result<json> outcome) {
        if (auto t = std::move(target_)) t->resolve(std::move(outcome));
    }
    // Resets the heartbeat clock (HeartbeatSeconds).
    void heartbeat() {
        if (target_) target_->heartbeat();
    }
    // For an activity: a worker took the task (ActivityStarted names it). Without this call the
    // engine records ActivityStarted, with no worker name, just before the activity's answer.
    void started(std::string worker_name) {
        if (target_) target_->started(std::move(worker_name));
    }
    // True once the engine has given up on this attempt; the invoker may stop its work.
    bool cancelled() const { return target_ ? target_->cancelled() : true; }
    void on_cancel(std::function<void()> handler) {
        if (target_) target_->on_cancel(std::move(handler));
    }
    explicit operator bool() const noexcept { return target_ != nullptr; }

private:
    void finish(result<json> outcome) {
        if (auto t = std::move(target_)) t->complete(std::move(outcome));
    }
    void abandon() {
        if (auto t = std::move(target_)) t->abandoned();
    }
    std::shared_ptr<detail::completion_target> target_;
};

// Runs a Task's resource. invoke() must not block for long: start the work and complete
// `done` later, from any thread.
class task_invoker {
public:
    virtual ~task_invoker() = default;
    virtual void invoke(task_request request, task_completion done) = 0;
    // True when invoke() reads the request's input only before it returns, through
    // input_view(), and keeps no reference to it: the engine may then lend the input.
    virtual bool borrows_input() const noexcept { return false; }
    // False when invoke() never reads the request's resource, execution ARNs and names: the
    // engine then leaves them empty rather than copy four strings per attempt.
    virtual bool reads_request_names() const noexcept { return true; }
};

} // namespace stepfn

#endif
