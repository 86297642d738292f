#ifndef STEPFN_INTEGRATIONS_PROCESS_SPEC_HPP
#define STEPFN_INTEGRATIONS_PROCESS_SPEC_HPP

// How a Task runs a command (stepfn::process_invoker): the argument vector, its environment and
// directory, and the bounds it runs within. Part of the stepfn::process target (POSIX).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>

namespace stepfn {

// Error names of a command that could not give a result.
namespace process_errors {
// The attempt was cancelled (the engine's timeout, a stop); the process group was killed.
inline constexpr const char* cancelled = "stepfn.Process.Cancelled";
// The runner was destroyed with the process still running; it was killed.
inline constexpr const char* shutdown = "stepfn.Process.Shutdown";
} // namespace process_errors

struct process_spec {
    // argv: command[0] is looked up in PATH. Never a shell string: the input reaches the
    // command on stdin only, so nothing in it is ever interpreted by a shell.
    std::vector<std::string> command;
    std::vector<std::pair<std::string, std::string>> env;  // set (overriding inherited ones)
    bool inherit_environment = true;                        // else env is the whole environment
    std::string working_directory;                          // empty: the host's
    // When the Task has no TimeoutSeconds (0: no limit of its own). With one, the process may
    // run until the Task's deadline.
    std::chrono::milliseconds timeout{0};
    // After SIGTERM to the process group, how long before SIGKILL.
    std::chrono::milliseconds kill_grace{2000};
    std::size_t max_output_bytes = 262144;  // stdout beyond this: killed, States.DataLimitExceeded
    std::size_t stderr_tail_bytes = 4096;   // the end of stderr kept for the error's cause
    // The error a non-zero exit gives, unless stdout holds {"error": ..., "cause": ...}.
    std::string error_name = "States.TaskFailed";
    // Run (and reaped) when the process is being stopped, before the group is signalled: e.g.
    // `docker stop NAME` for a container, which the client's death alone may not stop.
    std::vector<std::string> stop_command;
};

// How a process ended, or why it has no result of its own (`failure`).
struct process_exit {
    std::optional<error> failure;  // timeout, output flood, cancel, shutdown, could not start
    int exit_code = -1;            // when it exited
    int signal = 0;                // when a signal ended it
    std::string out;
    std::string err_tail;

    static process_exit failed(std::string name, std::string cause) {
        process_exit e;
        e.failure = error{std::move(name), std::move(cause)};
        return e;
    }
};

} // namespace stepfn

#endif
