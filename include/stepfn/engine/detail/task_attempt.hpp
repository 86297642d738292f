// Its inline members are defined in the engine's parts (engine_impl.hpp). Included first, it
// brings the engine in through engine_core.hpp, so that they are defined too.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_TASK_ATTEMPT_HPP
#define STEPFN_ENGINE_DETAIL_TASK_ATTEMPT_HPP

// The engine's side of one Task attempt: the completion handle an invoker holds points here.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/engine/detail/task_resource.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn::detail {

class engine_core;
struct frame;

// The engine's side of one Task attempt: the invoker's completion handle points here.
class task_attempt final : public completion_target, public std::enable_shared_from_this<task_attempt> {
public:
    task_attempt(std::shared_ptr<engine_core> core, std::weak_ptr<frame> owner, std::uint64_t generation, bool callback,
                 task_family events_family)
        : family(events_family), core_(std::move(core)), owner_(std::move(owner)), generation_(generation), callback_(callback) {}

    // For a callback task, the invoker's success is only the submission; the token decides.
    void complete(result<json> outcome) override {
        if (callback_ && outcome) return submitted(std::move(*outcome));
        resolve(std::move(outcome));
    }
    // STEPFN_INLINE on the declarations, not only the definitions: a virtual function declared
    // non-inline is the class's key function, and every header-only translation unit that sees
    // its inline definition would then emit the vtable and, through it, the whole engine.
    STEPFN_INLINE void resolve(result<json> outcome) override;
    void abandoned() override {
        if (!callback_) complete(tl::make_unexpected(error{errors::task_failed, "the task invoker dropped its completion handle without completing"}));
    }
    STEPFN_INLINE void submitted(json response);
    STEPFN_INLINE void heartbeat() override;
    STEPFN_INLINE void started(std::string worker_name) override;
    bool cancelled() const override { return cancelled_.load(); }
    void on_cancel(std::function<void()> handler) override {
        bool run_now = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (cancelled_.load()) run_now = true;
            else cancel_handler_ = std::move(handler);
        }
        if (run_now && handler) handler();
    }
    void cancel() {
        std::function<void()> handler;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (cancelled_.exchange(true)) return;
            handler = std::move(cancel_handler_);
        }
        if (handler) call_quietly(handler);
    }
    std::uint64_t generation() const noexcept { return generation_; }
    // A synchronous invoker answers inside invoke(): the frame that sent the request then takes
    // the answer as invoke() returns, with no job posted to its strand and run by the executor
    // (a hop per task). Called around the invoke() of an attempt sent at once (not durable, not
    // a callback); true from end_dispatch() when the answer came meanwhile (take_answer()).
    void begin_dispatch() noexcept { hand_over_.store(dispatching, std::memory_order_relaxed); }
    bool end_dispatch() noexcept {
        int expected = dispatching;
        return !hand_over_.compare_exchange_strong(expected, posting);
    }
    result<json> take_answer() { return std::move(answer_); }
    // Which events its Task writes (family_of its resource): worked out once, when it starts.
    const task_family family;
    std::string token;
    // HeartbeatSeconds as evaluated when the attempt started (a JSONata expression's value).
    std::optional<std::int64_t> heartbeat_seconds;
    // With a store: the request as sent (a checkpoint records it for a restart), and whether
    // a callback task's invoker answered (TaskSubmitted). Touched only in the frame's strand.
    std::optional<task_request> kept_request;
    bool was_submitted = false;
    // Whether its Started event is written (an activity's waits for a worker to take the task).
    bool was_started = true;

private:
    static void call_quietly(const std::function<void()>& fn) { (void)guarded_call(fn); }
    std::shared_ptr<engine_core> core_;
    std::weak_ptr<frame> owner_;
    std::uint64_t generation_;
    bool callback_;
    std::atomic<bool> completed_{false};
    // The first completion's answer, written once (completed_ guards it) and taken by the job
    // resolve() posts: that job then holds only the frame and the attempt, which fit a job's
    // inline storage, so a completion allocates nothing for its hand-over.
    result<json> answer_;
    // Who hands the answer to the frame: a posted job, or the dispatcher (see begin_dispatch).
    // resolve() and end_dispatch() race for `dispatching`; whichever moves it first decides.
    enum : int { posting, dispatching, answered };
    std::atomic<int> hand_over_{posting};
    std::atomic<bool> cancelled_{false};
    std::mutex mutex_;
    std::function<void()> cancel_handler_;
};

} // namespace stepfn::detail

#endif
