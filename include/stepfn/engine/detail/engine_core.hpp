#ifndef STEPFN_ENGINE_DETAIL_ENGINE_CORE_HPP
#define STEPFN_ENGINE_DETAIL_ENGINE_CORE_HPP

// The interpreter, declared once: a non-template core over type-erased executor and clock
// handles, so basic_engine<Executor, Clock> instantiates almost nothing per user type. This
// header is the table of contents; each group of members is defined in the file named beside
// it (all included by engine_impl.hpp).
//
// An execution is data (execution_record.hpp, frame.hpp). State handlers (states/*.hpp) do one
// state's work and return an `outcome` (outcome.hpp); asynchronous completions produce one
// too. The controller (controller.hpp) is the only code that applies an outcome: it moves the
// frame, routes errors to Retry and Catch, emits the Entered/Exited events and calls the
// transition hook. The data flow every state shares is in pipeline.hpp.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/execution_record.hpp>
#include <stepfn/engine/detail/frame.hpp>
#include <stepfn/engine/detail/frame_env.hpp>
#include <stepfn/engine/detail/host_handles.hpp>
#include <stepfn/engine/detail/instruments.hpp>
#include <stepfn/engine/detail/outcome.hpp>
#include <stepfn/engine/detail/task_attempt.hpp>
#include <stepfn/engine/execution.hpp>
#include <stepfn/engine/options.hpp>
#include <stepfn/error.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/engine/detail/history_text.hpp>
#include <stepfn/history/event_parts.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/observe/metrics.hpp>
#include <stepfn/observe/state_inspector.hpp>
#include <stepfn/observe/tracing.hpp>
#include <stepfn/observe/transition_hook.hpp>
#include <stepfn/policies/retry_policy.hpp>
#include <stepfn/tasks/invoker_registry.hpp>
#include <stepfn/tasks/item_reader.hpp>
#include <stepfn/tasks/result_writer.hpp>

namespace stepfn::detail {

class resource_names;  // states/task.hpp

// The last state's Exited event when end_execution emits it with ExecutionSucceeded (name
// null: emitted already): its state's name, its type, the frame's last event and the size.
struct exit_at_end {
    const std::string* name = nullptr;
    event_type type = event_type::execution_succeeded;
    std::int64_t prev = 0;
    std::size_t size = unknown_size;
};

class engine_core : public std::enable_shared_from_this<engine_core> {
public:
    // ---- lifecycle.hpp: the engine, its executions and their callers ----------------------
    engine_core(std::unique_ptr<executor_iface> executor, std::unique_ptr<clock_iface> clock, engine_options options);
    result<execution> start(const state_machine& machine, json input, start_options options);
    std::optional<execution> running(std::string_view arn);
    result<void> stop(std::string_view arn, std::string error_name, std::string cause);
    result<void> send_task_success(std::string_view token, json output);
    result<void> send_task_failure(std::string_view token, std::string error_name, std::string cause);
    result<void> send_task_heartbeat(std::string_view token);
    // ---- durable.hpp: checkpoints, recovery and redrive with a store -----------------------
    result<recovered_executions> recover();
    result<execution> resume_one(std::string_view arn);
    result<execution> redrive(std::string_view arn);
    // ---- park.hpp: a durable execution that only waits leaves the engine (a worker hands it back)
    void park(std::string_view arn, time_point not_before, std::function<void(result<park_outcome>)> done);
    // Called when the engine is destroyed: aborts what still runs so nothing touches it later.
    void shutdown();

    invoker_registry& invokers() noexcept { return invokers_; }
    item_reader_registry& item_readers() noexcept { return item_readers_; }
    result_writer_registry& result_writers() noexcept { return result_writers_; }
    const engine_options& options() const noexcept { return options_; }
    clock_iface& clock() noexcept { return *clock_; }
    // "arn:aws:states:<region>:<account>:", the start of every ARN this engine makes.
    const std::string& arn_prefix() const noexcept { return arn_prefix_; }
    // `$$.Execution.RoleArn` of every execution.
    const std::string& role_arn() const noexcept { return role_arn_; }
    std::uint64_t random_u64();
    // Two draws under one lock, in the order two calls of random_u64() would make them.
    std::pair<std::uint64_t, std::uint64_t> random_pair();
    double random_unit();

    // Set by the shell when its executor can be driven from the waiting thread; then virtual
    // time moves only in wait() or by hand, so a test can observe an execution mid-way.
    std::function<void(const std::function<bool()>&)> driver;
    // Set by the shell when its executor lets a waiting thread run one queued job
    // (has_try_run_one): execution::join() calls it, and it runs jobs while its execution is
    // not done and jobs are queued (waiting a moment for one: has_await_job), then returns.
    std::function<void(const std::function<bool()>&)> helper;

    // ---- scheduling.hpp: each frame's strand (a durable execution's one) on the executor -----
    void post_to(const std::shared_ptr<frame>& f, job work);
    void post_to_execution(const std::shared_ptr<execution_record>& rec, job work);  // durable only

    // ---- states/task.hpp: a task attempt's answers, posted to its frame -------------------
    void on_task_result(const std::shared_ptr<frame>& f, std::uint64_t generation, result<json> answer);
    void on_task_heartbeat(const std::shared_ptr<frame>& f, std::uint64_t generation);
    void on_task_submitted(const std::shared_ptr<frame>& f, std::uint64_t generation, json response);
    void on_task_taken(const std::shared_ptr<frame>& f, std::uint64_t generation, std::string worker_name);
    void unregister_token(const std::string& token);

private:
    friend class frame_env;
    struct drain_job;

    // ---- scheduling.hpp ---------------------------------------------------------------------
    void schedule_drain(const std::shared_ptr<frame>& f, const std::shared_ptr<execution_record>& rec);
    void drain(const std::shared_ptr<frame>& f);
    void drain_jobs(const std::shared_ptr<frame>& f);  // a batch at most, then yields the thread
    void drain_execution(const std::shared_ptr<execution_record>& rec);  // durable: checkpoints after each job
    void work_done();  // a virtual clock on an undriven executor jumps when nothing is runnable
    // Arms a timer whose expiry posts `on_fire(frame)` to the frame's strand, unless the frame
    // has moved on (its generation changed) or its execution ended by then.
    template <class OnFire>
    timer_id arm_timer(const std::shared_ptr<frame>& f, time_point when, std::uint64_t generation, OnFire on_fire);

    // ---- history.hpp: events as AWS writes them ---------------------------------------------
    template <class Details>
    void emit(execution_record& rec, std::int64_t& prev, event_type type, Details&& details, bool link = true);
    template <class Details>  // emit() for an execution a sink or a store watches
    void emit_watched(execution_record& rec, std::int64_t& prev, event_type type, Details&& details, bool link);
    template <class First, class Second>
    void emit_pair(execution_record& rec, std::int64_t& prev, event_type first_type, First&& first,
                   event_type second_type, Second&& second, bool link_second = true);
    bool takes_parts(const execution_record& rec) const noexcept;  // every receiver takes event_parts
    // What the execution's receivers take (execution_record::receivers), asked once.
    enum : std::uint8_t { receivers_known = 1, receivers_take_parts = 2, own_takes_batches = 4, shared_takes_batches = 8 };
    std::uint8_t receivers(const execution_record& rec) const noexcept;
    std::uint8_t ask_receivers(const execution_record& rec) const noexcept;
    void stamp(execution_record& rec, std::int64_t& prev, event_parts* events, std::size_t count, bool link_first,
               bool link_rest);
    void deliver_parts(execution_record& rec, const event_parts* events, std::size_t count);
    // ExecutionStarted's parts: the input's text and the role (the engine's when `role` is empty).
    event_parts execution_started_parts(std::shared_ptr<const std::string> input_text, const std::string& role) const;

    // ---- controller.hpp: the only code that applies outcomes and moves frames ---------------
    void launch(const std::shared_ptr<frame>& f);      // posts a new frame's first run
    void run_frame(const std::shared_ptr<frame>& f);   // runs states until the frame waits or ends
    void run_inline(const std::shared_ptr<frame>& f);  // the same, on a Map runner's thread
    outcome execute_state(const std::shared_ptr<frame>& f, const state& s);
    static event_type entered_event_type(const state& s) noexcept;  // the state's *Entered
    event_parts entered_parts(frame& f, const state& s, const json& input, std::size_t input_size, bool made);
    void entered(frame& f, const state& s);  // after its Entered event
    // Whether any sink sees the execution's events (checked first, inline: most executions have none).
    bool watched(const execution_record& rec) const noexcept { return rec.sink || options_.history; }
    bool enters_with_exit(const execution_record& rec) const noexcept;  // after watched(rec)
    outcome start_work(const std::shared_ptr<frame>& f, const state& s);  // Task, Parallel, Map: retried
    void apply(const std::shared_ptr<frame>& f, const state& s, outcome&& o);
    void evaluation_failed(const std::shared_ptr<frame>& f, const state& s, const error& e);  // JSONata: the event
    void resume(const std::shared_ptr<frame>& f, const state& s, outcome&& o);  // apply, then run on
    void handle_error(const std::shared_ptr<frame>& f, const state& s, error e, bool heartbeat);
    bool will_retry(const frame& f, const state& s, const error& e) const;
    void exit_state(const std::shared_ptr<frame>& f, const state& s, json&& output, const transition* target,
                    const json* assigned, transition_kind kind = transition_kind::advanced,
                    const error* caught = nullptr, std::size_t output_size = unknown_size);
    void arm_retry(const std::shared_ptr<frame>& f, time_point when);
    void fail_frame(const std::shared_ptr<frame>& f, error e);
    void finish_frame(const std::shared_ptr<frame>& f, json output, const exit_at_end& last_exit);
    void notify(const frame& f, const state& s, transition_kind kind, const transition* next = nullptr,
                const json* data = nullptr, const error* failure = nullptr);

    // ---- lifecycle.hpp ------------------------------------------------------------------------
    void arm_execution_timeout(const std::shared_ptr<execution_record>& rec);
    // False when the execution had already ended (or, durable, was ending): the end was not this.
    bool end_from_outside(const std::shared_ptr<execution_record>& rec, execution_status status, error e);
    // output_text: the output's text when the last state's Exited event made it; ending: the
    // root frame, when a job of its own strand ends the execution (its last state succeeded or
    // failed; it is aborted there and then).
    // False when another end (a stop, a timeout, the last state) claimed it first.
    bool end_execution(const std::shared_ptr<execution_record>& rec, execution_status status, json output, error e,
                       history_text output_text = history_text(), const exit_at_end& last_exit = exit_at_end(),
                       const frame* ending = nullptr);
    void publish_end(const std::shared_ptr<execution_record>& rec, execution_status status, json&& output, error&& e);
    void abort_frame(const std::shared_ptr<frame>& f);
    result<std::shared_ptr<task_attempt>> find_attempt(std::string_view token);

    // ---- pipeline.hpp: the data flow every state shares -------------------------------------
    error state_error(const frame& f, const state& s, error e) const;
    result<json> effective_input(const state& s, json raw, const eval_env& env) const;
    result<json> apply_output_path(const state& s, json data, const eval_env& env) const;
    // The payload limit; on success the size measured (callers keep it as the output's size).
    result<std::size_t> check_size(const json& value, const std::string& what) const;
    result<std::int64_t> positive_from_path(const json_path& path, const json& input, const eval_env& env,
                                            const char* field, bool allow_zero) const;
    result<json> evaluate_assign(const std::optional<assign_block>& assign, const json& value, const eval_env& env) const;
    // A Task, Parallel or Map that produced `value`: Assign, ResultSelector, ResultPath,
    // OutputPath and the size check.
    // `value_size`: value's serialised size when known (a fan-out's results), else unknown_size.
    outcome complete_state(const std::shared_ptr<frame>& f, const state& s, json value,
                           const std::optional<payload_template>& selector, const std::optional<json_path>& result_path,
                           std::size_t value_size = unknown_size);
    // Choice, Wait, Succeed: Assign and OutputPath over the effective input.
    result<json> select_output(const frame& f, const state& s, json effective, const eval_env& env,
                               const std::optional<assign_block>& assign, json& assigned) const;

    // ---- jsonata_flow.hpp: the same for JSONata states ---------------------------------------
    result<std::optional<std::int64_t>> jsonata_integer(const int_or_path& field, states_env& env, const char* name,
                                                        std::int64_t low, std::int64_t high) const;
    result<json> jsonata_output(const state& s, states_env& env, const std::optional<assign_block>& assign,
                                const std::optional<jsonata_template>& output, const char* fallback,
                                json& assigned) const;
    outcome run_jsonata_flow(const std::shared_ptr<frame>& f, const state& s);  // Pass, Succeed, Choice
    result<time_point> jsonata_wake(const wait_state& w, states_env& env, time_point now) const;
    outcome run_wait_jsonata(const std::shared_ptr<frame>& f, const state& s, const wait_state& w);
    outcome run_fail_jsonata(const std::shared_ptr<frame>& f, const state& s, const fail_state& fs);
    result<json> jsonata_arguments(frame& f, const state& s, const std::optional<jsonata_template>& arguments,
                                   states_env& env);
    outcome complete_jsonata(const std::shared_ptr<frame>& f, const state& s, json value);
    result<json> jsonata_caught(const std::shared_ptr<frame>& f, const state& s, const catcher& c, json error_output,
                                json& assigned);

    // ---- states/: one handler per state type ---------------------------------------------
    outcome run_pass(const std::shared_ptr<frame>& f, const state& s, const pass_state& p);
    outcome run_choice(const std::shared_ptr<frame>& f, const state& s, const choice_state& c);
    outcome run_wait(const std::shared_ptr<frame>& f, const state& s, const wait_state& w);
    void arm_wait(const std::shared_ptr<frame>& f, time_point wake);
    outcome run_succeed(const std::shared_ptr<frame>& f, const state& s);
    outcome run_fail(const std::shared_ptr<frame>& f, const state& s, const fail_state& fs);
    outcome start_task_attempt(const std::shared_ptr<frame>& f, const state& s, const task_state& t);
    void emit_task_started(frame& f, resource_names& resource);
    void arm_task_timers(const std::shared_ptr<frame>& f, std::optional<time_point> deadline,
                         std::optional<time_point> heartbeat_deadline);
    void dispatch(const std::shared_ptr<frame>& f, const std::shared_ptr<task_attempt>& attempt,
                  std::shared_ptr<task_invoker> invoker, task_request&& request, bool now = false);
    outcome task_answered(const std::shared_ptr<frame>& f, const state& s, result<json> answer);
    void on_task_timeout(const std::shared_ptr<frame>& f, std::uint64_t generation, bool heartbeat);
    std::shared_ptr<task_attempt> end_attempt(frame& f);  // cancels its timers, forgets its token
    outcome start_parallel(const std::shared_ptr<frame>& f, const state& s, const parallel_state& p);
    outcome start_map(const std::shared_ptr<frame>& f, const state& s, const map_state& m);

    // ---- states/fanout.hpp: branches and iterations reporting to their Parallel or Map -------
    std::shared_ptr<frame> make_child(const std::shared_ptr<frame>& parent, const scope& states, json input,
                                      const std::shared_ptr<fanout_group>& g, std::size_t index);
    // make_child's frame, or `spare` (a child of `g` that was delivered and that nothing else
    // holds any more) made ready again: a runner's next branch or iteration without an allocation.
    std::shared_ptr<frame> next_child(std::shared_ptr<frame>& spare, const std::shared_ptr<frame>& parent, const scope& states,
                                      json input, const std::shared_ptr<fanout_group>& g, std::size_t index);
    void child_ended(const std::shared_ptr<frame>& child, result<json> result);
    void on_child_finished(const std::shared_ptr<fanout_group>& g, std::size_t index, const std::shared_ptr<frame>& child,
                           result<json> result);
    void post_fanout_done(const std::shared_ptr<fanout_group>& g);
    void run_child_here(const std::shared_ptr<frame>& child);  // on a runner's thread
    void keep_waiting_child(const std::shared_ptr<fanout_group>& g, std::size_t index, const std::shared_ptr<frame>& child);
    // A branch or iteration stopped because its run failed: its Aborted events, then abort_frame;
    // the last of on_child_finished's (`ends_run`) then ends the run.
    void abort_member(const std::shared_ptr<fanout_group>& g, const std::shared_ptr<frame>& child, bool ends_run);
    static std::optional<event_type> aborted_event_type(const state& s) noexcept;
    void post_runners(const std::shared_ptr<fanout_group>& g, std::size_t count);  // states/parallel.hpp
    void run_runner(const std::shared_ptr<fanout_group>& g);  // one runner, on this thread
    void on_fanout_done(const std::shared_ptr<frame>& f, const std::shared_ptr<fanout_group>& g);

    // ---- states/parallel.hpp: a Parallel's runners (not durable) ------------------------------------
    void run_branches(const std::shared_ptr<fanout_group>& g);
    std::size_t delivered_size(const frame& child) const;  // a branch's or iteration's output, sized

    // ---- states/map_inline.hpp: runners ---------------------------------------------------------
    void launch_iterations(const std::shared_ptr<fanout_group>& g, bool from_parent = false);
    void launch_frames(const std::shared_ptr<fanout_group>& g);  // durable executions
    void run_iterations(const std::shared_ptr<fanout_group>& g);
    result<json> item_input(const fanout_group& g, std::size_t index, json item);

    // ---- states/map_distributed.hpp: items from a reader, children as executions ----------------
    // `from_input`: the items distributed_input_items chose from the input, when no ItemReader reads them.
    result<json> distributed_items(const frame& f, const state& s, const map_state& m, json& eff, const eval_env& env,
                                   map_run& run, json from_input);
    void start_child_execution(const std::shared_ptr<fanout_group>& g, std::size_t index, json input);
    result<json> write_map_results(const frame& f, const state& s, const map_state& m, map_run& run, json results);

    // ---- durable.hpp ---------------------------------------------------------------------------
    // A new durable execution's store state; or the execution already started under its name.
    result<std::optional<execution>> make_durable(execution_record& rec, const json& input);
    const machine_version& version_of(const state_machine& machine);
    void checkpoint(const std::shared_ptr<execution_record>& rec);  // after each job of its strand
    void tell_stored(execution_record& rec, const result<void>& stored);
    void committed(const std::shared_ptr<execution_record>& rec, const std::shared_ptr<std::vector<job>>& effects,
                   result<void> stored);
    result<execution> restore_execution(const std::string& arn);
    result<state_machine> load_pinned(const stored_execution& row);
    std::shared_ptr<execution_record> stored_record(const stored_execution& row, state_machine machine);
    void restore_trace(execution_record& rec, const json* stored, bool redriven);
    execution resume_stored(const std::shared_ptr<execution_record>& rec, std::shared_ptr<frame> root, std::vector<job> arms);
    result<std::shared_ptr<frame>> restore_frame(const json& snap, const std::shared_ptr<execution_record>& rec,
                                                 const scope& states, const std::shared_ptr<fanout_group>& member_of,
                                                 std::vector<job>& arms, int depth);
    result<void> restore_wait(const std::shared_ptr<frame>& f, const json& wait, std::vector<job>& arms, int depth);
    void resume_attempt(const std::shared_ptr<frame>& f, std::optional<time_point> deadline,
                        std::optional<time_point> heartbeat_deadline);

    // ---- park.hpp ----------------------------------------------------------------------------
    bool only_waits(const frame& f, std::optional<time_point>& wake, int depth) const;
    void cancel_wait_timers(frame& f, int depth);

    // ---- telemetry.hpp: metrics (only called when metrics_ is set, except cancel_timer) -------
    enum class task_phase { scheduled, started, start_failed, succeeded, failed, timed_out };
    machine_instruments& machine_meter(execution_record& rec);
    void count_execution_opened(execution_record& rec, bool started);
    void count_execution_ended(execution_record& rec, execution_status status);
    void count_execution_left();
    void count_task(frame& f, const task_state& t, task_phase phase);
    void count_decision(const frame& f, const state& s, bool retry);
    void count_timers(int delta);
    void cancel_timer(timer_id id);  // a frame's timer (Wait, back-off, task deadlines)

    // ---- spans.hpp: traces (only called when traced() says so) -----------------------------------
    bool traced(const execution_record& rec) const noexcept { return spans_ && rec.trace.span_id != 0; }
    std::uint64_t new_span_id();
    void send_span(const span_data& span);
    void trace_execution_started(execution_record& rec, const std::optional<trace_context>& parent,
                                 std::uint64_t parent_span = 0);
    void trace_execution_ended(execution_record& rec, execution_status status, const error& e);
    void trace_state_started(frame& f, const state& s);
    void trace_state_ended(frame& f, const state& s, const error* failure);
    void trace_attempt_started(frame& f);
    void trace_attempt_ended(frame& f, const task_state& t, const error* failure);

    // ---- inspection (tests and tools): every data-flow stage and Retry/Catch decision ---------
    // The test inline, the call out of line: GCC kept the whole as a call, 26 per five-state
    // execution, for executions that nearly never have an inspector.
    static void inspect(const frame& f, const state& s, const char* stage, const json& value) {
        if (f.exec->inspector) show_stage(*f.exec->inspector, s, stage, value);
    }
    static void inspect(const frame& f, const state& s, const char* stage, const result<json>& value) {
        if (f.exec->inspector && value) show_stage(*f.exec->inspector, s, stage, *value);
    }
    static void show_stage(state_inspector& to, const state& s, const char* stage, const json& value) {
        to.stage(s.name, stage, value);
    }
    static void decide(const frame& f, const state& s, const error& e, const error_decision& d) {
        if (f.exec->inspector) f.exec->inspector->decision(s.name, e, d);
    }

    std::unique_ptr<executor_iface> executor_;
    std::unique_ptr<clock_iface> clock_;
    engine_options options_;
    metrics_sink* const metrics_;  // options_.metrics, or null
    span_sink* const spans_;       // options_.spans, or null
    const std::string arn_prefix_;
    const std::string role_arn_;
    const std::size_t parallelism_;  // runners an inline Map starts (the executor's concurrency)
    asl_retry_policy default_retry_;
    const retry_policy& retry_;      // options_.retry, or ASL's
    invoker_registry invokers_;
    item_reader_registry item_readers_;
    result_writer_registry result_writers_;
    alignas(64) std::atomic<std::int64_t> busy_{0};  // changes often, from every thread: a line of its own
    std::unique_ptr<instrument_cache> instruments_;  // with metrics only
    // The gauges' counts, under gauges_mutex_ so that a gauge never shows a stale count last.
    std::mutex gauges_mutex_;
    std::int64_t open_executions_ = 0;
    std::int64_t parked_timers_ = 0;

    std::mutex rng_mutex_;
    std::mt19937_64 rng_;

    std::mutex registry_mutex_;
    // Running executions by ARN; the key views the record's own `arn`, which outlives the entry
    // (a record is erased here when it ends, and cannot be freed before it ends).
    std::unordered_map<std::string_view, std::weak_ptr<execution_record>> executions_;
    // The entry of the last execution to end, kept for the next start: an execution's entry
    // then costs no allocation when executions run one after another (empty otherwise).
    decltype(executions_)::node_type spare_entry_;
    std::unordered_map<std::string, std::weak_ptr<task_attempt>> tokens_;

    // With a store: each machine's stored version, computed once (the machine is kept so its
    // definition's address is not reused).
    std::mutex versions_mutex_;
    std::unordered_map<const machine_definition*, std::pair<state_machine, machine_version>> versions_;
};

} // namespace stepfn::detail

#if !defined(STEPFN_SEPARATE_COMPILATION)
#include <stepfn/engine/detail/engine_impl.hpp>
#endif

#endif
