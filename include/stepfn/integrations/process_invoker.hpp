#ifndef STEPFN_INTEGRATIONS_PROCESS_INVOKER_HPP
#define STEPFN_INTEGRATIONS_PROCESS_INVOKER_HPP

// stepfn::process_invoker: runs a Task as a command. The effective input is written as JSON on
// the command's stdin; what it prints on stdout is the result (JSON; nothing at all is null).
//
//   auto runner = std::make_shared<stepfn::process_runner>();   // one per engine
//   stepfn::process_spec resize;
//   resize.command = {"/usr/local/bin/resize-image", "--quality", "80"};
//   resize.env = {{"TMPDIR", "/var/tmp/resize"}};
//   engine.invokers().add("resize", stepfn::make_process_invoker(runner, resize));
//
//   exit 0                                          the result is stdout's JSON
//   exit 0, stdout not JSON                         spec.error_name, cause says so
//   exit != 0 (or a signal)                         {"error","cause"} printed on stdout, else
//                                                   spec.error_name (States.TaskFailed) with the
//                                                   stderr tail as the cause
//   more than max_output_bytes on stdout            States.DataLimitExceeded (killed at once)
//   the Task's deadline or spec.timeout passed      States.Timeout (group: SIGTERM, then SIGKILL)
//   the engine cancelled the attempt (timeout, stop) the group is stopped the same way
//
// Part of the stepfn::process target (POSIX); not in <stepfn/stepfn.hpp>.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/bounded_json.hpp>
#include <stepfn/integrations/process_runner.hpp>
#include <stepfn/integrations/process_spec.hpp>
#include <stepfn/json.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

class process_invoker final : public task_invoker {
public:
    process_invoker(std::shared_ptr<process_runner> runner, process_spec spec)
        : runner_(std::move(runner)), spec_(std::move(spec)) {}

    void invoke(task_request request, task_completion done) override {
        auto link = std::make_shared<cancel_link>();
        link->runner = runner_;
        done.on_cancel([link] {
            link->cancelled.store(true);
            if (auto r = link->runner.lock()) r->cancel(link->id.load());
        });
        std::string name = spec_.command.empty() ? std::string() : spec_.command[0];
        const std::string error_name = spec_.error_name;
        const auto id = runner_->run(spec_, request.input.dump(), deadline_of(request),
                                     [done = std::move(done), name, error_name](process_exit exit) mutable {
                                         done.complete(to_result(std::move(exit), name, error_name));
                                     });
        link->id.store(id);
        if (link->cancelled.load()) runner_->cancel(id);
    }

    const process_spec& spec() const noexcept { return spec_; }

    // The Task's outcome from how the process ended (see the table at the top).
    static result<json> to_result(process_exit exit, const std::string& name, const std::string& error_name) {
        if (exit.failure) return tl::make_unexpected(std::move(*exit.failure));
        if (exit.exit_code == 0) {
            if (exit.out.find_first_not_of(" \t\r\n") == std::string::npos) return json();
            return detail::parse_reply(exit.out, "the output of '" + name + "'", error_name.c_str());
        }
        if (exit.out.find_first_not_of(" \t\r\n") != std::string::npos) {
            auto printed = detail::parse_reply(exit.out, "stdout");
            if (printed && detail::is_error_object(*printed)) return tl::make_unexpected(detail::error_from_object(*printed));
        }
        std::string cause = "'" + name + "' " +
                            (exit.signal != 0 ? "was killed by signal " + std::to_string(exit.signal)
                                              : "exited with status " + std::to_string(exit.exit_code));
        if (!exit.err_tail.empty()) cause += ": " + exit.err_tail;
        return make_error(error_name, detail::bounded_cause(std::move(cause)));
    }

private:
    struct cancel_link {
        std::weak_ptr<process_runner> runner;
        std::atomic<std::uint64_t> id{0};
        std::atomic<bool> cancelled{false};
    };

    // The steady-clock deadline: the Task's (a system_clock time) when it has one and it is
    // not already long past (then it came from a virtual clock), else spec.timeout.
    std::optional<std::chrono::steady_clock::time_point> deadline_of(const task_request& request) const {
        using std::chrono::milliseconds;
        const auto now = std::chrono::steady_clock::now();
        if (request.deadline) {
            const auto left = std::chrono::duration_cast<milliseconds>(*request.deadline - std::chrono::system_clock::now());
            if (left > milliseconds(-1000)) return now + (std::max)(left, milliseconds(0));
        }
        if (spec_.timeout.count() > 0) return now + spec_.timeout;
        return std::nullopt;
    }

    std::shared_ptr<process_runner> runner_;
    process_spec spec_;
};

inline std::shared_ptr<task_invoker> make_process_invoker(std::shared_ptr<process_runner> runner, process_spec spec) {
    return std::make_shared<process_invoker>(std::move(runner), std::move(spec));
}

} // namespace stepfn

#endif
