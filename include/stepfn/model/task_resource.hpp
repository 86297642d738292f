#ifndef STEPFN_MODEL_TASK_RESOURCE_HPP
#define STEPFN_MODEL_TASK_RESOURCE_HPP

// What a Task's Resource says about how its attempts run and which history events they write.
// The loader works it out once per Task state (task_state::traits), so that an attempt does not
// search the Resource string again each time it starts and ends.

#include <string_view>

namespace stepfn {

// Which events a Task's attempts write: a plain Lambda function ARN writes LambdaFunction*, an
// activity ARN Activity*, everything else (integrations, custom resources) Task*.
enum class task_family { service, lambda, activity };

// What a Task's Resource says, worked out once by the loader (task_state::traits).
struct task_resource_traits {
    task_family family = task_family::service;
    bool callback = false;  // `.waitForTaskToken`: the attempt waits for its task token
    // `.sync`, `.sync:N` or `.waitForTaskToken`: AWS writes TaskSubmitted after TaskStarted.
    bool submits = false;
};

} // namespace stepfn

namespace stepfn::detail {

inline bool ends_with(std::string_view text, std::string_view suffix) noexcept {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline task_family family_of(std::string_view resource) noexcept {
    if (resource.rfind("arn:aws:lambda:", 0) == 0 && resource.find(":function:") != std::string_view::npos)
        return task_family::lambda;
    if (resource.rfind("arn:aws:states:", 0) == 0 && resource.find(":activity:") != std::string_view::npos)
        return task_family::activity;
    return task_family::service;
}

inline task_resource_traits traits_of(std::string_view resource) noexcept {
    task_resource_traits out;
    out.family = family_of(resource);
    out.callback = ends_with(resource, ".waitForTaskToken");
    out.submits = out.callback || ends_with(resource, ".sync") || resource.find(".sync:") != std::string_view::npos;
    return out;
}

} // namespace stepfn::detail

#endif
