#ifndef STEPFN_EXECUTION_STATUS_HPP
#define STEPFN_EXECUTION_STATUS_HPP

namespace stepfn {

// How an execution stands, as AWS names it.
enum class execution_status { running, succeeded, failed, timed_out, aborted };

// AWS's spelling: "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED".
inline const char* to_string(execution_status s) noexcept {
    switch (s) {
    case execution_status::running: return "RUNNING";
    case execution_status::succeeded: return "SUCCEEDED";
    case execution_status::failed: return "FAILED";
    case execution_status::timed_out: return "TIMED_OUT";
    case execution_status::aborted: return "ABORTED";
    }
    return "";
}

} // namespace stepfn

#endif
