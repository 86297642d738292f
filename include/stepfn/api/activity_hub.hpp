#ifndef STEPFN_API_ACTIVITY_HUB_HPP
#define STEPFN_API_ACTIVITY_HUB_HPP

// Activities: a Task whose Resource is an activity ARN waits until a worker (a service in any
// language) takes it with GetActivityTask and answers with SendTaskSuccess, SendTaskFailure or
// SendTaskHeartbeat. The hub keeps the activities in a resource_store (kind "activity"), holds
// the waiting polls (a record and one clock timer each, no thread) and the tasks queued per
// activity, and is the task_invoker the engine routes activity ARNs to. docs/activities.md.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <stepfn/api/api_call.hpp>
#include <stepfn/api/api_error.hpp>
#include <stepfn/api/detail/activity_core.hpp>
#include <stepfn/clocks/clock_traits.hpp>
#include <stepfn/json.hpp>
#include <stepfn/store/resource_store.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

struct activity_hub_options {
    std::string region = "us-east-1";
    std::string account = "123456789012";
    // How long GetActivityTask waits for a task before answering with none (AWS: 60 s).
    std::chrono::milliseconds poll_timeout{60000};
    // Polls waiting at once, over all activities; one more is ActivityWorkerLimitExceeded.
    std::size_t max_waiting_polls = 100000;
};

// Thread-safe: every member may be called from any thread at once. Reply handlers and task
// completions are called with no lock held. The clock must outlive the hub.
//
// Destroying the hub drops the handles of the tasks it still holds, which fails their attempts
// (States.TaskFailed) in an engine that is still running; so stop or destroy the engine first
// (a durable engine then leaves them to its next recover()), and the hub after it. The invoker
// outlives the hub harmlessly: attempts it gets afterwards fail with States.Runtime.
class activity_hub {
public:
    template <class Clock>
    activity_hub(std::shared_ptr<resource_store> resources, Clock& clock, activity_hub_options options = {})
        : core_(std::make_shared<detail::activity_core>(std::move(resources), detail::erase_clock(clock),
                                                        detail::activity_settings{std::move(options.region), std::move(options.account),
                                                                                  options.poll_timeout, options.max_waiting_polls})) {
        static_assert(is_clock_v<Clock>, "activity_hub needs a Clock: now(), schedule_at(time_point, job), cancel(timer_id)");
    }
    activity_hub(const activity_hub&) = delete;
    activity_hub& operator=(const activity_hub&) = delete;
    // Answers the waiting polls, as shutdown() does.
    ~activity_hub() { core_->shutdown(); }

    // The invoker for activity ARNs: register it for activity_prefix() (longest prefix).
    std::shared_ptr<task_invoker> invoker() { return core_->invoker(); }
    // "arn:aws:states:<region>:<account>:activity:"
    std::string activity_prefix() const { return core_->activity_prefix(); }

    api_outcome create_activity(const json& request) { return core_->create_activity(request); }
    api_outcome describe_activity(const json& request) { return core_->describe_activity(request); }
    api_outcome list_activities(const json& request) { return core_->list_activities(request); }
    api_outcome delete_activity(const json& request) { return core_->delete_activity(request); }

    // A long poll: `reply` is called exactly once, with a task, with `{}` after poll_timeout, or
    // with an error; possibly before this returns, possibly later on another thread.
    void get_activity_task(const json& request, api_reply_handler reply) { core_->get_activity_task(request, std::move(reply)); }

    // nullopt when the token is not one of the hub's (it does not start with "act1."): the
    // caller then asks the engine, whose .waitForTaskToken tokens look different.
    std::optional<api_outcome> send_task_success(const json& request) { return core_->send_task_success(request); }
    std::optional<api_outcome> send_task_failure(const json& request) { return core_->send_task_failure(request); }
    std::optional<api_outcome> send_task_heartbeat(const json& request) { return core_->send_task_heartbeat(request); }

    // Answers every waiting poll with an empty task and every later poll at once the same way.
    // Tasks already handed out stay answerable.
    void shutdown() { core_->shutdown(); }

    // Polls waiting now (for tests and the memory figure).
    std::size_t waiting_polls() const { return core_->waiting_polls(); }

private:
    std::shared_ptr<detail::activity_core> core_;
};

} // namespace stepfn

#endif
