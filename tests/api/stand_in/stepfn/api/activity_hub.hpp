#ifndef STEPFN_API_ACTIVITY_HUB_HPP
#define STEPFN_API_ACTIVITY_HUB_HPP

// TEST STAND-IN ONLY, until branch api-activities (the real activity_hub) is merged: the
// interface step_functions_api codes against, answering every activity action with a fixed
// reply so that the API's dispatch to the hub can be tested. Delete on merge.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <stepfn/api/api_call.hpp>
#include <stepfn/api/api_error.hpp>
#include <stepfn/store/resource_store.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

struct activity_hub_options {
    std::string region = "us-east-1";
    std::string account = "123456789012";
    std::chrono::milliseconds poll_timeout{60000};
    std::size_t max_waiting_polls = 100000;
};

class activity_hub {
public:
    template <class Clock>
    activity_hub(std::shared_ptr<resource_store> resources, Clock&, activity_hub_options options = {})
        : resources_(std::move(resources)), options_(std::move(options)) {}
    std::shared_ptr<task_invoker> invoker() { return nullptr; }
    std::string activity_prefix() const { return "arn:aws:states:" + options_.region + ":" + options_.account + ":activity:"; }
    api_outcome create_activity(const json&) { return stand_in("CreateActivity"); }
    api_outcome describe_activity(const json&) { return stand_in("DescribeActivity"); }
    api_outcome list_activities(const json&) { return stand_in("ListActivities"); }
    api_outcome delete_activity(const json&) { return stand_in("DeleteActivity"); }
    void get_activity_task(const json&, api_reply_handler reply) { reply(to_reply(stand_in("GetActivityTask"))); }
    // Claims the tokens that start with "activity-", as the real hub claims its own.
    std::optional<api_outcome> send_task_success(const json& r) { return claim(r); }
    std::optional<api_outcome> send_task_failure(const json& r) { return claim(r); }
    std::optional<api_outcome> send_task_heartbeat(const json& r) { return claim(r); }
    void shutdown() { shut_down = true; }
    bool shut_down = false;

private:
    static api_outcome stand_in(const char* action) { json j = json::object(); j["standIn"] = action; return j; }
    static std::optional<api_outcome> claim(const json& r) {
        auto t = r.find("taskToken");
        if (t != r.end() && t->is_string() && t->get<std::string>().rfind("activity-", 0) == 0) return api_outcome(stand_in("SendTask"));
        return std::nullopt;
    }
    std::shared_ptr<resource_store> resources_;
    activity_hub_options options_;
};

} // namespace stepfn

#endif
