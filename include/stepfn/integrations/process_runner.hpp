#ifndef STEPFN_INTEGRATIONS_PROCESS_RUNNER_HPP
#define STEPFN_INTEGRATIONS_PROCESS_RUNNER_HPP

// stepfn::process_runner: the one thread that runs every command of an engine's process and
// container invokers. It spawns each command in its own process group, writes its stdin and
// reads its stdout and stderr with poll(), kills the group on a deadline, an output flood or a
// cancel (SIGTERM, then SIGKILL after the grace period), and reaps every child it started
// (waitpid on its own pids only: the host's other children and SIGCHLD stay the host's).
//
// Part of the stepfn::process target (POSIX); not in <stepfn/stepfn.hpp>.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include <stepfn/integrations/detail/process_loop.hpp>
#include <stepfn/integrations/process_spec.hpp>

namespace stepfn {

class process_runner {
public:
    process_runner() : state_(std::make_shared<detail::process_loop_state>()) {
        if (state_->ready()) {
            auto state = state_;
            thread_ = std::thread([state] { state->run(); });
        }
    }
    process_runner(const process_runner&) = delete;
    process_runner& operator=(const process_runner&) = delete;

    // Kills and reaps every process still running; their callbacks get process_errors::shutdown.
    ~process_runner() {
        state_->stop();
        if (!thread_.joinable()) return;
        if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();  // destroyed by its own callback
        else thread_.join();
    }

    bool ready() const noexcept { return thread_.joinable(); }

    // Runs `spec` with `input` on stdin until it ends or `deadline` passes; `done(process_exit)`
    // is called once, on the runner's thread. Returns an id for cancel().
    template <class F>
    std::uint64_t run(process_spec spec, std::string input, std::optional<std::chrono::steady_clock::time_point> deadline,
                      F&& done) {
        static_assert(std::is_invocable_v<F&, process_exit>, "stepfn::process_runner::run: the callback must take stepfn::process_exit");
        detail::process_job work;
        work.spec = std::move(spec);
        work.input = std::move(input);
        work.deadline = deadline;
        work.done = unique_function<void(process_exit)>(std::forward<F>(done));
        if (!ready()) {
            work.done(process_exit::failed(work.spec.error_name, "the process runner could not start"));
            return 0;
        }
        return state_->submit(std::move(work));
    }

    // Stops a process (SIGTERM to its group, SIGKILL after the grace period); its callback gets
    // process_errors::cancelled unless it had already ended.
    void cancel(std::uint64_t id) {
        if (id != 0) state_->cancel(id);
    }

    // Processes started and not yet reaped.
    std::size_t running() const { return state_->running(); }

private:
    std::shared_ptr<detail::process_loop_state> state_;
    std::thread thread_;
};

} // namespace stepfn

#endif
