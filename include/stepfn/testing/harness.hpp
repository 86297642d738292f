#ifndef STEPFN_TESTING_HARNESS_HPP
#define STEPFN_TESTING_HARNESS_HPP

// A test harness for workflows: a machine, Task states mocked by name with sequences of results
// and errors (the model of the Step Functions Local mock file, which it also loads), run on the
// manual executor and the virtual clock. A Wait of a week or an hour of retry back-off takes no
// real time; time can also be moved by hand to look at an execution half-way. Seeded, so jitter
// and random intrinsics give the same history on every run. No test framework is needed.
//
//   stepfn::testing::workflow_test test(machine);
//   test.mock("Charge").throws("Payment.Timeout", "slow").times(2).returns({{"charged", true}});
//   auto run = test.run({{"order", 42}});
//   // run.status, run.output, run.failure, run.history.expect_visited({...})

#include <chrono>
#include <iterator>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/error.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/tasks/detail/state_routes.hpp>
#include <stepfn/tasks/invoker_registry.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/tasks/task_invoker.hpp>
#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/testing/history_view.hpp>
#include <stepfn/testing/mock_config.hpp>
#include <stepfn/testing/mock_invoker.hpp>

namespace stepfn::testing {

using test_engine = basic_engine<manual_executor, virtual_clock>;

struct harness_options {
    std::uint64_t seed = 1;                               // jitter, UUIDs, States.UUID/Random; never 0 (OS)
    time_point start_time = virtual_clock::default_start();
    limits bounds;
    // How long (real time) finish() waits for an invoker completing on another thread when
    // nothing is runnable and no timer is pending, before reporting the execution as stalled.
    std::chrono::milliseconds stall_timeout{2000};
    // Virtual time stands still while an invoker is still working on an attempt (it has not
    // completed and the engine has not given up on it): finish() first waits for it in real
    // time, up to stall_timeout, so an invoker answering from another thread after 20 ms is not
    // overtaken by its Task's TimeoutSeconds. Past stall_timeout the invoker counts as hung
    // and time moves on. false: time jumps to the next timer at once, as before.
    bool wait_for_invokers = true;
};

// The answers one Task state gives, invocation after invocation, like a mocked response of the
// Step Functions Local mock file. Once the script is used up the last answer repeats, unless
// strict() makes further invocations fail with States.Runtime as Step Functions Local does.
class state_mock {
public:
    explicit state_mock(std::string state_name) : state_(std::move(state_name)) {}

    state_mock& returns(json value) {
        mocked_response::entry e;
        e.value = std::move(value);
        answers_.push_back({std::move(e), 1});
        return *this;
    }
    state_mock& throws(std::string error_name, std::string cause = {}) {
        mocked_response::entry e;
        e.throws = true;
        e.error = std::move(error_name);
        e.cause = std::move(cause);
        answers_.push_back({std::move(e), 1});
        return *this;
    }
    // The answer added last is given `n` times in a row (n < 1 counts as 1).
    state_mock& times(std::uint64_t n) {
        if (!answers_.empty()) answers_.back().count = n < 1 ? 1 : n;
        return *this;
    }
    state_mock& strict(bool on = true) {
        strict_ = on;
        return *this;
    }

    const std::string& state_name() const noexcept { return state_; }

    // As a mocked response: entries "0", "1-2", ...; the last one open-ended unless strict.
    std::shared_ptr<const mocked_response> to_response() const {
        auto response = std::make_shared<mocked_response>();
        response->name = state_;
        std::uint64_t next = 0;
        for (const auto& a : answers_) {
            mocked_response::entry e = a.entry;
            e.first = next;
            e.last = next + a.count - 1;
            next = e.last + 1;
            response->entries.push_back(std::move(e));
        }
        if (!strict_ && !response->entries.empty())
            response->entries.back().last = (std::numeric_limits<std::uint64_t>::max)();
        return response;
    }

private:
    struct answer {
        mocked_response::entry entry;
        std::uint64_t count = 1;
    };
    std::string state_;
    std::vector<answer> answers_;
    bool strict_ = false;
};

// How an execution ended (or where it stands, for a run observed half-way).
struct run_result {
    std::string arn;
    execution_status status = execution_status::running;
    json output;                         // null unless it succeeded
    error failure;                       // the error name and cause unless it succeeded
    history_view history;
    std::chrono::nanoseconds virtual_elapsed{0};  // virtual time from start to now

    bool succeeded() const noexcept { return status == execution_status::succeeded; }
};

namespace detail {

// Stands between the engine's handle and a test's invoker, to know whether the invoker still
// works on the attempt. Forwards everything; the first completion (or the handle dropped)
// ends it.
class tracked_completion final : public stepfn::detail::completion_target {
public:
    explicit tracked_completion(task_completion done) : done_(std::move(done)) {}

    // Still the invoker's: not completed, and the engine has not given up on it.
    bool working() const {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        return static_cast<bool>(done_) && !done_.cancelled();
    }

    void complete(result<json> outcome) override { take().complete(std::move(outcome)); }
    void resolve(result<json> outcome) override { take().resolve(std::move(outcome)); }
    void abandoned() override { take(); }  // the engine's handle is let go in turn
    void heartbeat() override {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        done_.heartbeat();
    }
    bool cancelled() const override {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        return done_.cancelled();
    }
    void on_cancel(std::function<void()> handler) override {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        done_.on_cancel(std::move(handler));
    }

private:
    task_completion take() {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        return std::move(done_);
    }
    // Recursive: the engine may run an on_cancel handler at once, and the handler may complete.
    mutable std::recursive_mutex mutex_;
    task_completion done_;
};

// Routes each Task attempt: an invoker registered for the state, else the execution's mocks,
// else an invoker registered for the resource, else States.Runtime naming what is missing.
class harness_dispatcher final : public task_invoker {
public:
    void invoke(task_request request, task_completion done) override {
        std::shared_ptr<task_invoker> target;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            target = state_invokers_.find(request.state_name);
            if (!target) {
                // A distributed Map's children use the mocks of the execution that started them.
                auto mocks = execution_mocks_.find(request.root_execution_id.empty() ? request.execution_id
                                                                                     : request.root_execution_id);
                if (mocks != execution_mocks_.end()) target = mocks->second;
            }
        }
        if (!target) target = resource_router();
        auto tracked = std::make_shared<tracked_completion>(std::move(done));
        {
            std::lock_guard<std::mutex> lock(mutex_);
            // Finished attempts go now and then, so a long run keeps only those in flight.
            if (attempts_.size() >= 2 * pruned_size_ + 64) prune();
            attempts_.push_back(tracked);
        }
        target->invoke(std::move(request), task_completion(tracked));
    }

    // How many attempts an invoker is still working on (see harness_options::wait_for_invokers).
    std::size_t in_flight() {
        std::lock_guard<std::mutex> lock(mutex_);
        prune();
        return attempts_.size();
    }

    void add_state_invoker(std::string state, std::shared_ptr<task_invoker> invoker) {
        state_invokers_.set(std::move(state), std::move(invoker));
    }
    void set_execution_mocks(const std::string& arn, std::shared_ptr<task_invoker> mocks) {
        std::lock_guard<std::mutex> lock(mutex_);
        execution_mocks_[arn] = std::move(mocks);
    }
    invoker_registry& resources() noexcept { return resources_; }

    // The fallback behind the mocks: invokers registered by resource.
    std::shared_ptr<task_invoker> resource_router() {
        struct router final : task_invoker {
            explicit router(invoker_registry& r) : registry(r) {}
            void invoke(task_request request, task_completion done) override {
                if (auto found = registry.find(request.resource)) {
                    found->invoke(std::move(request), std::move(done));
                    return;
                }
                done.fail(errors::runtime, "the test mocks no answer for state \"" + request.state_name +
                                               "\" and no invoker is registered for its resource \"" +
                                               request.resource + "\"");
            }
            invoker_registry& registry;
        };
        return std::make_shared<router>(resources_);
    }

private:
    std::mutex mutex_;
    stepfn::detail::state_routes state_invokers_;
    std::map<std::string, std::shared_ptr<task_invoker>, std::less<>> execution_mocks_;
    invoker_registry resources_;
    // Keeps the attempts still being worked on (under mutex_).
    void prune() {
        std::size_t kept = 0;
        for (auto& weak : attempts_) {
            auto attempt = weak.lock();
            if (attempt && attempt->working()) attempts_[kept++] = std::move(weak);
        }
        attempts_.resize(kept);
        pruned_size_ = kept;
    }

    std::vector<std::weak_ptr<tracked_completion>> attempts_;  // those not seen finished yet
    std::size_t pruned_size_ = 0;
};

// Everything a harness owns, in destruction-safe order: the engine goes before its executor
// and clock.
struct harness_parts {
    harness_parts(state_machine m, const harness_options& o)
        : machine(std::move(m)), options(o), clock(o.start_time), history(std::make_shared<memory_sink>()),
          dispatcher(std::make_shared<harness_dispatcher>()), engine(executor, clock, engine_options_of(o, history)) {
        engine.invokers().set_default(dispatcher);
    }

    static engine_options engine_options_of(const harness_options& o, std::shared_ptr<memory_sink> sink) {
        engine_options e;
        e.bounds = o.bounds;
        e.history = std::move(sink);
        e.seed = o.seed == 0 ? 1 : o.seed;
        return e;
    }

    state_machine machine;
    harness_options options;
    manual_executor executor;
    virtual_clock clock;
    std::shared_ptr<memory_sink> history;
    std::shared_ptr<harness_dispatcher> dispatcher;
    std::map<std::string, std::shared_ptr<const mocked_response>, std::less<>> mocks;
    std::map<std::string, state_mock, std::less<>> scripted;
    test_engine engine;
};

} // namespace detail

// An execution started by a workflow_test, driven by hand. Valid while its workflow_test lives.
class test_run {
public:
    test_run(detail::harness_parts& parts, execution handle) : parts_(&parts), handle_(std::move(handle)) {}

    const execution& handle() const noexcept { return handle_; }
    const std::string& arn() const noexcept { return handle_.arn(); }
    execution_status status() const { return handle_.status(); }
    bool done() const { return handle_.done(); }
    time_point now() const { return parts_->clock.now(); }

    // Runs what is runnable now; virtual time stands still (a Wait stays waiting).
    test_run& run_ready() {
        parts_->executor.run();
        return *this;
    }

    // Moves virtual time forward by `d`, firing the timers that fall due on the way in order
    // and running the work each one makes runnable before the next.
    test_run& advance(std::chrono::nanoseconds d) {
        auto& clock = parts_->clock;
        parts_->executor.run();
        const time_point target = clock.now() + std::chrono::duration_cast<time_point::duration>(d);
        for (;;) {
            const auto next = clock.next_deadline();
            if (!next || *next > target) break;
            clock.advance_to(*next);
            parts_->executor.run();
        }
        clock.advance_to(target);
        parts_->executor.run();
        return *this;
    }

    // The states entered and not yet left: where the execution is now.
    std::vector<std::string> current_states() const {
        std::vector<std::string> open;
        if (handle_.done()) return open;
        const history_view view = history();
        for (const auto& e : view.events()) {
            if (detail::is_state_entered(e.type)) {
                open.push_back(detail::string_field(e.details, "name"));
            } else if (detail::is_state_exited(e.type) || e.type == event_type::task_state_aborted ||
                       e.type == event_type::wait_state_aborted) {
                const std::string state = view.state_of(e);
                for (auto it = open.rbegin(); it != open.rend(); ++it)
                    if (*it == state) {
                        open.erase(std::next(it).base());
                        break;
                    }
            }
        }
        return open;
    }

    history_view history() const { return history_view(parts_->history->events(handle_.arn())); }

    // Drives the execution to its end, jumping virtual time to each timer when nothing else
    // can run. An execution that can make no progress (a task that never completes) ends the
    // drive after stall_timeout with status RUNNING and a "Testing.Stalled" failure.
    run_result finish() {
        auto& executor = parts_->executor;
        bool stalled = false;
        while (!handle_.done()) {
            if (executor.run() > 0) continue;
            if (handle_.done()) break;
            if (parts_->options.wait_for_invokers && parts_->dispatcher->in_flight() > 0) {
                if (executor.wait_for_work(std::chrono::system_clock::now() + parts_->options.stall_timeout)) continue;
                // The invoker is taken as hung: time moves on (its Task's timeout may fire).
                if (parts_->clock.advance_to_next()) continue;
                if (handle_.done()) break;
                stalled = true;
                break;
            }
            if (parts_->clock.advance_to_next()) continue;
            if (!executor.wait_for_work(std::chrono::system_clock::now() + parts_->options.stall_timeout) &&
                !handle_.done() && parts_->clock.pending() == 0) {
                stalled = true;
                break;
            }
        }
        executor.run();  // what the end of the execution posted
        run_result r = snapshot();
        if (stalled) {
            r.failure = error{"Testing.Stalled",
                              "the execution is still RUNNING with nothing to run and no timer pending; states in "
                              "progress: " +
                                  detail::quoted_list(current_states())};
        }
        return r;
    }

    // Where the execution stands, without driving it.
    run_result snapshot() const {
        run_result r;
        r.arn = handle_.arn();
        r.status = handle_.status();
        if (r.status != execution_status::running) {
            auto outcome = handle_.outcome();
            if (outcome)
                r.output = std::move(*outcome);
            else
                r.failure = std::move(outcome.error());
        }
        r.history = history();
        r.virtual_elapsed = parts_->clock.now() - start_time();
        return r;
    }

private:
    time_point start_time() const {
        // The first event is ExecutionStarted, stamped with the start time.
        const auto events = parts_->history->events(handle_.arn());
        return events.empty() ? parts_->clock.now() : events.front().timestamp;
    }

    detail::harness_parts* parts_;
    execution handle_;
};

class workflow_test {
public:
    explicit workflow_test(state_machine machine, harness_options options = {})
        : parts_(std::make_unique<detail::harness_parts>(std::move(machine), options)) {}

    static result<workflow_test> from_text(std::string_view asl, harness_options options = {},
                                           load_options load = {}) {
        load.bounds = options.bounds;
        auto machine = load_machine(asl, load);
        if (!machine) return tl::make_unexpected(std::move(machine.error()));
        return workflow_test(std::move(*machine), std::move(options));
    }

    // Scripts the answers of a Task state (replacing earlier mocks of it); chain returns(),
    // throws(), times() and strict() on the result.
    state_mock& mock(std::string state_name) {
        auto& slot = parts_->scripted.insert_or_assign(state_name, state_mock(state_name)).first->second;
        parts_->mocks.erase(state_name);
        return slot;
    }

    // Uses a test case of a Step Functions Local mock configuration (an empty machine name
    // means the file's only machine). Its states replace earlier mocks of the same states.
    result<void> use_mocks(const mock_config& config, std::string_view test_case_name, std::string_view machine = {}) {
        auto selected = config.select(machine, test_case_name);
        if (!selected) return tl::make_unexpected(std::move(selected.error()));
        for (const auto& [state, response] : (*selected)->states) {
            parts_->scripted.erase(state);
            parts_->mocks.insert_or_assign(state, response);
        }
        return {};
    }

    result<void> load_mock_file(const std::string& path, std::string_view test_case_name,
                                std::string_view machine = {}) {
        auto config = mock_config::load_file(path);
        if (!config) return tl::make_unexpected(std::move(config.error()));
        return use_mocks(*config, test_case_name, machine);
    }

    // A real invoker for one state (before its mocks) or for a resource (after them).
    void invoke_state_with(std::string state_name, std::shared_ptr<task_invoker> invoker) {
        parts_->dispatcher->add_state_invoker(std::move(state_name), std::move(invoker));
    }
    invoker_registry& resources() noexcept { return parts_->dispatcher->resources(); }

    // Starts an execution; drive it with the returned test_run.
    result<test_run> start(json input = json::object(), std::string execution_name = {}) {
        start_options options;
        options.name = std::move(execution_name);
        return start(std::move(input), std::move(options));
    }

    // With every start option: a name, a history sink of its own, a state_inspector.
    result<test_run> start(json input, start_options options) {
        test_case mocks;
        mocks.machine = parts_->machine.name();
        mocks.name = "workflow_test";
        mocks.states = parts_->mocks;
        for (const auto& [state, script] : parts_->scripted) mocks.states.insert_or_assign(state, script.to_response());
        auto invoker = std::make_shared<mock_invoker>(std::move(mocks), parts_->dispatcher->resource_router());

        auto started = parts_->engine.start(parts_->machine, std::move(input), std::move(options));
        if (!started) return tl::make_unexpected(std::move(started.error()));
        // Nothing has run yet: the manual executor runs the first state only when driven.
        parts_->dispatcher->set_execution_mocks(started->arn(), std::move(invoker));
        return test_run(*parts_, std::move(*started));
    }

    // Runs an execution to its end. A refused start comes back as a FAILED result with its error.
    run_result run(json input = json::object(), std::string execution_name = {}) {
        auto started = start(std::move(input), std::move(execution_name));
        if (!started) {
            run_result r;
            r.status = execution_status::failed;
            r.failure = std::move(started.error());
            return r;
        }
        return started->finish();
    }

    const state_machine& machine() const noexcept { return parts_->machine; }
    test_engine& engine() noexcept { return parts_->engine; }
    virtual_clock& clock() noexcept { return parts_->clock; }
    manual_executor& executor() noexcept { return parts_->executor; }
    // Every event of every execution this harness ran.
    memory_sink& history() noexcept { return *parts_->history; }

private:
    std::unique_ptr<detail::harness_parts> parts_;
};

} // namespace stepfn::testing

#endif
