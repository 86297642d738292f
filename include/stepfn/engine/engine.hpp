#ifndef STEPFN_ENGINE_ENGINE_HPP
#define STEPFN_ENGINE_ENGINE_HPP

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/clocks/clock_traits.hpp>
#include <stepfn/engine/detail/engine_core.hpp>
#include <stepfn/executors/executor_traits.hpp>
#include <stepfn/engine/execution.hpp>
#include <stepfn/engine/options.hpp>
#include <stepfn/tasks/invoker_registry.hpp>
#include <stepfn/clocks/timer.hpp>

namespace stepfn {


// The engine: runs executions of loaded state machines on the host's executor and clock.
//
// Executor: anything with `post(F)` accepting a move-only `void()` callable. When it also has
// `run()` and `wait_for_work(time_point)` (stepfn::manual_executor), execution::wait() drives it
// on the waiting thread; when it has `try_run_one()` (stepfn::thread_pool_executor built with
// `joiners_help`), wait() runs queued jobs on the waiting thread while its execution is not
// done. Clock: `now()`, `schedule_at(time_point, F)`, `cancel(timer_id)`; with
// `advance_to_next()` (stepfn::virtual_clock) time jumps to the next timer whenever nothing is
// runnable, so a Wait of a week takes no real time.
//
// The engine, its executor and its clock must outlive the executions' wait() calls; destroy the
// engine before the executor and clock it uses. Destroying an engine aborts what still runs,
// except with a store: there, as when the process dies, its executions stay RUNNING at their
// last checkpoint for the next engine's recover(). Thread-safe: start, stop and the
// task-token calls may come from any thread.
template <class Executor, class Clock>
class basic_engine {
    static_assert(is_executor<Executor>::value,
                  "stepfn::basic_engine: Executor needs post(callable) accepting a move-only void() callable");
    static_assert(is_clock<Clock>::value,
                  "stepfn::basic_engine: Clock needs now(), schedule_at(time_point, callable) and cancel(timer_id)");

public:
    using executor_type = Executor;
    using clock_type = Clock;

    basic_engine(Executor& executor, Clock& clock, engine_options options = {})
        : executor_(executor), clock_(clock), core_(std::make_shared<detail::engine_core>(std::make_unique<executor_adapter>(executor),
                                                      std::make_unique<clock_adapter>(clock), std::move(options))) {
        if constexpr (is_drivable_executor<Executor>::value) {
            core_->driver = [&executor, &clock](const std::function<bool()>& done) {
                while (!done()) {
                    if (executor.run() > 0) continue;
                    if (done()) break;
                    if constexpr (is_virtual_clock<Clock>::value) {
                        if (clock.advance_to_next()) continue;
                    } else {
                        (void)clock;
                    }
                    executor.wait_for_work(std::chrono::system_clock::now() + std::chrono::milliseconds(50));
                }
                // Let the ended execution's clean-up jobs (aborting its frames) run now.
                executor.run();
            };
        } else if constexpr (has_try_run_one<Executor>::value) {
            core_->helper = [&executor](const std::function<bool()>& done) {
                // Marks the thread as a joiner running jobs while `help` runs. Restored after:
                // a job that joins (and so runs nothing, helping never nests) must not clear
                // its own joiner's mark.
                auto marked = [](auto help) {
                    const bool outer = detail::joiner_helping();
                    detail::joiner_helping() = true;
                    const bool ran = help();
                    detail::joiner_helping() = outer;
                    return ran;
                };
                while (!done()) {
                    if (marked([&executor] { return executor.try_run_one(); })) continue;
                    // The queue is empty: watch it and the execution a moment before blocking,
                    // running what arrives meanwhile.
                    if constexpr (has_await_job<Executor>::value) {
                        if (marked([&executor, &done] { return executor.await_job(done); })) continue;
                    }
                    return;
                }
            };
        }
    }
    basic_engine(const basic_engine&) = delete;
    basic_engine& operator=(const basic_engine&) = delete;
    ~basic_engine() { core_->shutdown(); }

    // Resource → invoker routing (exact match, then longest prefix, then the default).
    invoker_registry& invokers() noexcept { return core_->invokers(); }
    // Distributed Map: ItemReader and ResultWriter routing by Resource (exact match, then longest
    // prefix, then the default). stepfn::local_storage serves both from a directory.
    item_reader_registry& item_readers() noexcept { return core_->item_readers(); }
    result_writer_registry& result_writers() noexcept { return core_->result_writers(); }

    // Starts an execution. Errors: an execution input over the payload limit
    // (States.DataLimitExceeded), a name over 80 characters, a name already running.
    // With a store (engine_options::store) a name is used once, as AWS's StartExecution: the
    // same name with the same input returns the execution already stored (running or ended),
    // with another input it fails with ExecutionAlreadyExists.
    result<execution> start(const state_machine& machine, json input = json::object(), start_options options = {}) {
        return core_->start(machine, std::move(input), std::move(options));
    }
    // The execution with this ARN while it runs in this engine (a handle to wait on, or to
    // learn when a stop() has taken effect); nullopt once it has ended, or when another engine
    // runs it.
    std::optional<execution> running(std::string_view execution_arn) { return core_->running(execution_arn); }
    // Aborts a running execution (ExecutionAborted with the given error and cause).
    result<void> stop(std::string_view execution_arn, std::string error_name = {}, std::string cause = {}) {
        return core_->stop(execution_arn, std::move(error_name), std::move(cause));
    }
    result<void> stop(const execution& e, std::string error_name = {}, std::string cause = {}) {
        return stop(e.arn(), std::move(error_name), std::move(cause));
    }

    // The callback pattern (`.waitForTaskToken`): the token is `$$.Task.Token` of the attempt.
    result<void> send_task_success(std::string_view task_token, json output) {
        return core_->send_task_success(task_token, std::move(output));
    }
    result<void> send_task_failure(std::string_view task_token, std::string error_name = {}, std::string cause = {}) {
        return core_->send_task_failure(task_token, std::move(error_name), std::move(cause));
    }
    result<void> send_task_heartbeat(std::string_view task_token) { return core_->send_task_heartbeat(task_token); }

    // Durable engines (engine_options::store): resumes every execution the store holds as
    // RUNNING from its last checkpoint (timers re-armed from their deadlines, task tokens
    // accepted again, in-flight attempts as engine_options::after_restart says) and returns
    // them. Call it once, before starting new executions.
    result<recovered_executions> recover() { return core_->recover(); }
    // Durable engines: resumes one stored RUNNING execution from its last checkpoint, as
    // recover() does each (or returns it when this engine runs it already). What a worker
    // sharing a store with others calls for an execution it has claimed (postgres_store).
    result<execution> resume(std::string_view execution_arn) { return core_->resume_one(execution_arn); }
    // AWS's RedriveExecution: a FAILED, ABORTED or TIMED_OUT stored execution runs again from
    // the state that did not succeed; within a Parallel or Map only the branches and iterations
    // that did not succeed run again.
    result<execution> redrive(std::string_view execution_arn) { return core_->redrive(execution_arn); }
    // Durable engines: lets go of a running execution that only waits, so that a worker sharing
    // a store holds nothing for it meanwhile (docs/store-postgres.md, "Parked executions"). When
    // every branch of it waits for a Wait or retry timer due no sooner than `not_before`, or for
    // a `.waitForTaskToken` task whose request went out, and all it did is stored, it stops
    // running here with nothing written, as if this engine had stopped, and `done` gets
    // {parked: true, wake: its earliest timer}; otherwise {parked: false} (an error when it
    // does not run here durably). Resume it later with resume() (here or in any engine on the
    // store). `done` runs on the executor (at once on this thread for an error) and must not
    // block. Call it from the thread that hands this engine the execution's task outcomes and
    // stops (a worker's loop), not beside them: one arriving while it parks would be lost.
    void park(std::string_view execution_arn, time_point not_before, std::function<void(result<park_outcome>)> done) {
        core_->park(execution_arn, not_before, std::move(done));
    }

    const engine_options& options() const noexcept { return core_->options(); }
    // What the engine runs on: a component serving executions beside it (the API's activity
    // hub) times its own waits on the same clock, virtual in tests.
    Executor& executor() const noexcept { return executor_; }
    Clock& clock() const noexcept { return clock_; }

private:
    struct executor_adapter final : detail::executor_iface {
        explicit executor_adapter(Executor& e) : executor(e) {}
        void post(job fn) override { executor.post(std::move(fn)); }
        void post_bulk(job* jobs, std::size_t count) override { stepfn::post_bulk(executor, jobs, count); }
        std::size_t concurrency() const override { return executor_concurrency(executor); }
        bool has_pending() const override { return executor_has_pending(executor); }
        Executor& executor;
    };
    struct clock_adapter final : detail::clock_iface {
        explicit clock_adapter(Clock& c) : clock(c) {}
        time_point now() const override { return clock.now(); }
        timer_id schedule_at(time_point when, job fn) override {
            return clock.schedule_at(when, std::move(fn));
        }
        bool cancel(timer_id id) override { return clock.cancel(id); }
        bool is_virtual() const noexcept override { return is_virtual_clock<Clock>::value; }
        bool advance_to_next() override {
            if constexpr (is_virtual_clock<Clock>::value) return clock.advance_to_next();
            else return false;
        }
        Clock& clock;
    };

    Executor& executor_;
    Clock& clock_;
    std::shared_ptr<detail::engine_core> core_;
};

} // namespace stepfn

#endif
