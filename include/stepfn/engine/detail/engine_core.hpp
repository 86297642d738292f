#ifndef STEPFN_ENGINE_DETAIL_ENGINE_CORE_HPP
#define STEPFN_ENGINE_DETAIL_ENGINE_CORE_HPP

// The interpreter: a non-template core over type-erased executor and clock handles, so the
// basic_engine<Executor, Clock> shell instantiates almost nothing per user type.
//
// An execution is data. Each thread of control (the top level, later each Parallel branch and
// Map iteration) is a `frame`: the current state, its raw input and what it waits for. Frames
// advance in jobs posted to the executor through a per-frame strand, so one frame's steps are
// serialised without a lock held while they run, and no state ever recurses on the C++ stack.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
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

#include <stepfn/detail/json_object.hpp>
#include <stepfn/detail/timestamp.hpp>
#include <stepfn/job.hpp>
#include <stepfn/error.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/expressions/eval_env.hpp>
#include <stepfn/detail/json_size.hpp>
#include <stepfn/engine/execution.hpp>
#include <stepfn/tasks/invoker_registry.hpp>
#include <stepfn/tasks/item_reader.hpp>
#include <stepfn/tasks/result_writer.hpp>
#include <stepfn/policies/retry_policy.hpp>
#include <stepfn/tasks/task_invoker.hpp>
#include <stepfn/clocks/timer.hpp>

namespace stepfn::detail {

class executor_iface {
public:
    virtual ~executor_iface() = default;
    virtual void post(job fn) = 0;
    virtual std::size_t concurrency() const = 0;  // jobs run at once (>= 1)
};

class clock_iface {
public:
    virtual ~clock_iface() = default;
    virtual time_point now() const = 0;
    virtual timer_id schedule_at(time_point when, job fn) = 0;
    virtual bool cancel(timer_id id) = 0;
    virtual bool is_virtual() const noexcept = 0;
    virtual bool advance_to_next() = 0;
};

class engine_core;
struct frame;
class task_attempt;

// A frame's FIFO of jobs. Most of the time a frame has one job queued (its next step, or a
// task's answer), which waits in `next_` without touching the heap; `later_` holds the rest,
// oldest first. (std::deque would allocate a 512-byte block even when empty.)
class job_queue {
public:
    bool empty() const noexcept { return !next_ && head_ == later_.size(); }
    void push(job work) {
        if (!next_ && head_ == later_.size()) next_ = std::move(work);  // nothing older is waiting
        else later_.push_back(std::move(work));
    }
    job pop() {
        if (next_) return std::move(next_);
        job work = std::move(later_[head_++]);
        if (head_ == later_.size()) {
            later_.clear();
            head_ = 0;
        }
        return work;
    }

private:
    job next_;
    std::vector<job> later_;
    std::size_t head_ = 0;
};

// Workflow variables of one scope; inner scopes (branches, iterations) read outer ones.
struct variable_scope {
    std::unordered_map<std::string, json> values;
    std::shared_ptr<const variable_scope> parent;

    const json* find(std::string_view name) const {
        for (const variable_scope* s = this; s; s = s->parent.get()) {
            auto it = s->values.find(std::string(name));
            if (it != s->values.end()) return &it->second;
        }
        return nullptr;
    }
};

struct execution_record {
    explicit execution_record(state_machine m) : machine(std::move(m)) {}

    std::shared_ptr<engine_core> core;
    state_machine machine;
    std::string arn;
    std::string name;
    std::string machine_arn;  // set for a Map Run's children; otherwise derived when `$$` is read
    json input;              // as started: `$$.Execution.Input` (kept only when the machine reads `$$`)
    time_point start_time;
    std::shared_ptr<history_sink> sink;  // per execution
    std::shared_ptr<state_inspector> inspector;

    std::atomic<bool> ended{false};
    // Bumped by every event of every branch and iteration, on any thread: kept on a cache line
    // of its own so that it does not slow down readers of the fields around it.
    alignas(64) std::atomic<std::int64_t> event_count{0};
    alignas(64) std::mutex history_mutex;

    mutable std::mutex mutex;
    std::condition_variable finished;
    execution_status status = execution_status::running;
    json output;
    error failure;
    std::optional<timer_id> timeout_timer;
    // Owns the top-level frame while the execution runs (timers and task attempts only hold weak
    // references); released when it ends, which breaks the record ↔ frame cycle. Stopping the
    // execution aborts it, and it aborts its branches and iterations in turn.
    std::shared_ptr<frame> root;
    time_point stop_time;
    std::string machine_name;  // `$$.StateMachine.Name` when not the machine's own (a Map Run's children)
    std::string parent_root_arn;  // a Map Run's child: the top-level execution that started it

    // The top-level execution: this one, unless a distributed Map started it.
    const std::string& root_arn() const noexcept { return parent_root_arn.empty() ? arn : parent_root_arn; }
    // A distributed Map's child execution reports its end to the Map Run (called once, last).
    std::function<void(execution_record&)> on_end;
};

// The events of an execution that records no history are only counted, for the history-size
// limit. A job of a frame counts its execution's events on its own thread and adds them to the
// record when it ends, so that concurrent iterations do not all write one shared counter. The
// count a frame checks is exact for its own events; other threads' may lag by one job's worth.
// Only the job's own execution is tallied: the job keeps that record alive, while another
// (a distributed Map's child it starts) may end and be freed on another thread meanwhile.
struct event_tally {
    execution_record* rec = nullptr;  // the execution of the job running on this thread
    std::int64_t count = 0;

    std::int64_t pending_for(const execution_record& r) const { return rec == &r ? count : 0; }
};

inline event_tally& local_tally() noexcept {
    static thread_local event_tally tally;
    return tally;
}

// Tallies the events of `rec` while a job of one of its frames runs; adds them up at the end.
class tally_scope {
public:
    explicit tally_scope(execution_record& rec) : tally_(local_tally()), owner_(tally_.rec == nullptr) {
        if (owner_) tally_.rec = &rec;
    }
    ~tally_scope() {
        if (!owner_) return;
        if (tally_.count) tally_.rec->event_count.fetch_add(tally_.count, std::memory_order_relaxed);
        tally_.rec = nullptr;
        tally_.count = 0;
    }
    tally_scope(const tally_scope&) = delete;
    tally_scope& operator=(const tally_scope&) = delete;

private:
    event_tally& tally_;
    bool owner_;  // nested scopes leave the outer one's binding alone
};

struct fanout_group;

// One thread of control inside an execution.
struct frame : std::enable_shared_from_this<frame> {
    std::shared_ptr<execution_record> exec;
    const scope* states = nullptr;
    // A branch or iteration reports its end to the Parallel/Map run it belongs to.
    std::shared_ptr<fanout_group> member_of;
    std::size_t member_index = 0;
    // A Map iteration that succeeded while its runner ran it leaves its output here.
    bool delivered = false;
    json delivered_output;
    bool is_root = false;

    // Strand: jobs run one at a time, in order.
    std::mutex strand_mutex;
    job_queue jobs;
    bool scheduled = false;

    // The state being executed.
    state_index current = no_state;
    json input;                      // the state's raw input (kept for ResultPath and Catch)
    time_point entered_time;
    std::int64_t entered_event = 0;
    std::int64_t retry_count = 0;
    std::vector<std::int64_t> retrier_attempts;
    std::uint64_t generation = 0;    // bumped whenever what the frame waits for changes
    std::optional<timer_id> timer;
    std::optional<timer_id> heartbeat_timer;
    std::shared_ptr<task_attempt> attempt;
    bool waiting = false;
    bool done = false;
    bool first_state = true;
    std::int64_t prev_event = 0;

    // The variables this frame sees. Shared with the enclosing frame until this frame's scope
    // assigns one (`owns_variables`): most branches and iterations never do, and pay nothing.
    std::shared_ptr<variable_scope> variables;
    bool owns_variables = false;
    std::shared_ptr<fanout_group> group;  // the Parallel/Map instance this frame waits on
    std::int64_t map_index = -1;           // this frame's Map iteration, for history
};

// A distributed Map's run: its ARNs, batches and, with a ResultWriter, every child's record.
struct map_run {
    std::string arn;                       // arn:...:mapRun:<machine>/<label>:<uuid>
    std::string child_arn_prefix;          // arn:...:execution:<machine>/<label>:
    std::string machine_arn;               // arn:...:stateMachine:<machine>/<label>
    std::string machine_name;              // <machine>/<label>
    std::vector<std::size_t> batch_sizes;  // items per child when batching; empty = one each
    std::size_t total_items = 0;
    bool keep_runs = false;                // a ResultWriter needs each child's record
    std::vector<child_run> runs;           // by child index (guarded by the group's mutex)
};

// One run of a Parallel or Map state: its branches or iterations and their results. Shared by
// the parent frame and the children; guarded by `mutex` because children finish on any thread.
struct fanout_group {
    std::shared_ptr<frame> parent;
    std::uint64_t generation = 0;   // the parent's generation when the run started
    const state* owner = nullptr;
    bool is_map = false;

    std::mutex mutex;
    json items;                      // Map: the items not yet started (moved out as they start)
    json selector_input;             // Map with ItemSelector: the Map's effective input
    json::array_t results;
    std::size_t total = 0;
    std::size_t next = 0;            // Map: the next item to start
    std::size_t running = 0;
    std::size_t completed = 0;
    std::size_t max_running = 0;
    std::size_t runners = 0;         // inline Map: jobs starting iterations (see run_iterations)
    std::size_t failures = 0;
    std::optional<std::int64_t> tolerated_count;
    std::optional<double> tolerated_percentage;
    // Set under `mutex`; atomic so that a runner can stop between items without taking it.
    std::atomic<bool> finished{false};
    std::optional<error> failure;
    std::int64_t last_event = 0;
    // The running branches/iterations, owned here; a finished one is released at once so a long
    // Map keeps only outputs.
    std::unordered_map<std::size_t, std::shared_ptr<frame>> children;
    std::shared_ptr<map_run> run;    // distributed Map only: children are executions
};

// The engine's side of one Task attempt: the invoker's completion handle points here.
class task_attempt final : public completion_target {
public:
    task_attempt(std::shared_ptr<engine_core> core, std::weak_ptr<frame> owner, std::uint64_t generation, bool callback)
        : core_(std::move(core)), owner_(std::move(owner)), generation_(generation), callback_(callback) {}

    // For a callback task, the invoker's success is only the submission; the token decides.
    void complete(result<json> outcome) override {
        if (callback_ && outcome) return submitted(std::move(*outcome));
        resolve(std::move(outcome));
    }
    void resolve(result<json> outcome) override;
    void abandoned() override {
        if (!callback_) complete(tl::make_unexpected(error{errors::task_failed, "the task invoker dropped its completion handle without completing"}));
    }
    void submitted(json response);
    void heartbeat() override;
    bool cancelled() const override { return cancelled_.load(); }
    void on_cancel(std::function<void()> handler) override {
        bool run_now = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (cancelled_.load()) run_now = true;
            else cancel_handler_ = std::move(handler);
        }
        if (run_now && handler) handler();
    }
    void cancel() {
        std::function<void()> handler;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (cancelled_.exchange(true)) return;
            handler = std::move(cancel_handler_);
        }
        if (handler) call_quietly(handler);
    }
    std::uint64_t generation() const noexcept { return generation_; }
    std::string token;

private:
    static void call_quietly(const std::function<void()>& fn) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
        try {
            fn();
        } catch (...) {
        }
#else
        fn();
#endif
    }
    std::shared_ptr<engine_core> core_;
    std::weak_ptr<frame> owner_;
    std::uint64_t generation_;
    bool callback_;
    std::atomic<bool> completed_{false};
    std::atomic<bool> cancelled_{false};
    std::mutex mutex_;
    std::function<void()> cancel_handler_;
};

// What paths and templates see while a state runs: `$$` built on first use, variables, random.
class frame_env final : public eval_env {
public:
    frame_env(engine_core& core, const frame& f, const state& s) : core_(core), frame_(f), state_(s) {}
    const json* context() const override;
    const json* variable(std::string_view name) const override {
        return frame_.variables ? frame_.variables->find(name) : nullptr;
    }
    std::uint64_t random() const override;
    void set_task_token(std::string token) { task_token_ = std::move(token); context_.reset(); }
    void set_map_item(std::int64_t index, const json* value) {
        map_index_ = index;
        map_value_ = value;
        context_.reset();
    }

private:
    engine_core& core_;
    const frame& frame_;
    const state& state_;
    std::string task_token_;
    std::int64_t map_index_ = -1;
    const json* map_value_ = nullptr;
    mutable std::optional<json> context_;
};

class engine_core : public std::enable_shared_from_this<engine_core> {
public:
    engine_core(std::unique_ptr<executor_iface> executor, std::unique_ptr<clock_iface> clock, engine_options options)
        : executor_(std::move(executor)), clock_(std::move(clock)), options_(std::move(options)),
          arn_prefix_("arn:aws:states:" + options_.region + ":" + options_.account + ":"),
          role_arn_("arn:aws:iam::" + options_.account + ":role/stepfn"),
          parallelism_((std::max)(executor_->concurrency(), std::size_t(1))) {
        std::uint64_t seed = options_.seed;
        if (seed == 0) {
            std::random_device device;
            seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
        }
        rng_.seed(seed);
    }

    invoker_registry& invokers() noexcept { return invokers_; }
    item_reader_registry& item_readers() noexcept { return item_readers_; }
    result_writer_registry& result_writers() noexcept { return result_writers_; }
    const engine_options& options() const noexcept { return options_; }
    clock_iface& clock() noexcept { return *clock_; }
    // "arn:aws:states:<region>:<account>:", the start of every ARN this engine makes.
    const std::string& arn_prefix() const noexcept { return arn_prefix_; }
    // `$$.Execution.RoleArn` of every execution.
    const std::string& role_arn() const noexcept { return role_arn_; }

    // Set by the shell when its executor can be driven from the waiting thread; then virtual
    // time moves only in wait() or by hand, so a test can observe an execution mid-way.
    std::function<void(const std::function<bool()>&)> driver;

    result<execution> start(const state_machine& machine, json input, start_options options);
    result<void> stop(std::string_view arn, std::string error_name, std::string cause);
    result<void> send_task_success(std::string_view token, json output);
    result<void> send_task_failure(std::string_view token, std::string error_name, std::string cause);
    result<void> send_task_heartbeat(std::string_view token);
    result<std::shared_ptr<task_attempt>> find_attempt(std::string_view token);

    // Called when the engine is destroyed: abort what still runs so nothing touches it later.
    void shutdown() {
        std::vector<std::shared_ptr<execution_record>> live;
        {
            std::lock_guard<std::mutex> lock(registry_mutex_);
            for (auto& entry : executions_)
                if (auto r = entry.second.lock()) live.push_back(std::move(r));
        }
        for (auto& r : live) end_execution(r, execution_status::aborted, json(), error{"", "the engine was destroyed"});
    }

    std::uint64_t random_u64() {
        std::lock_guard<std::mutex> lock(rng_mutex_);
        return rng_();
    }
    double random_unit() { return static_cast<double>(random_u64() >> 11) * (1.0 / 9007199254740992.0); }

    // ---- scheduling ---------------------------------------------------------------------
    void post_to(const std::shared_ptr<frame>& f, job work) {
        bool schedule = false;
        {
            std::lock_guard<std::mutex> lock(f->strand_mutex);
            f->jobs.push(std::move(work));
            if (!f->scheduled) schedule = f->scheduled = true;
        }
        if (schedule) schedule_drain(f);
    }

    void run_frame(const std::shared_ptr<frame>& f);
    void on_task_result(const std::shared_ptr<frame>& f, std::uint64_t generation, result<json> outcome);
    void on_task_heartbeat(const std::shared_ptr<frame>& f, std::uint64_t generation);
    void on_task_submitted(const std::shared_ptr<frame>& f, std::uint64_t generation, json response);
    void unregister_token(const std::string& token) {
        if (token.empty()) return;
        std::lock_guard<std::mutex> lock(registry_mutex_);
        tokens_.erase(token);
    }

private:
    friend class frame_env;

    // The executor's job for one frame. Jobs queued on a frame capture the frame, so if the
    // executor drops this job unrun (it was destroyed, or never driven again) the frame's queue
    // is cleared here; otherwise frame → job → frame would never be freed.
    struct drain_job {
        std::shared_ptr<engine_core> core;
        std::shared_ptr<frame> owner;
        drain_job(std::shared_ptr<engine_core> c, std::shared_ptr<frame> f) : core(std::move(c)), owner(std::move(f)) {}
        drain_job(drain_job&&) noexcept = default;
        drain_job& operator=(drain_job&&) noexcept = default;
        drain_job(const drain_job&) = delete;
        drain_job& operator=(const drain_job&) = delete;
        void operator()() {
            auto c = std::move(core);
            auto f = std::move(owner);
            c->drain(f);
        }
        ~drain_job() {
            if (!owner) return;
            job_queue dropped;  // destroyed after the lock is released
            {
                std::lock_guard<std::mutex> lock(owner->strand_mutex);
                std::swap(dropped, owner->jobs);
                owner->scheduled = false;
            }
        }
    };

    void schedule_drain(const std::shared_ptr<frame>& f) {
        busy_.fetch_add(1);
        executor_->post(drain_job(shared_from_this(), f));
    }

    void drain(const std::shared_ptr<frame>& f) {
        {
            tally_scope events(*f->exec);
            drain_jobs(f);
        }
        work_done();
    }
    // Runs the frame's queued jobs, a batch at most, then yields the thread to other frames.
    void drain_jobs(const std::shared_ptr<frame>& f) {
        constexpr int batch = 64;
        for (int ran = 0;; ++ran) {
            job work;
            {
                std::lock_guard<std::mutex> lock(f->strand_mutex);
                if (f->jobs.empty()) {
                    f->scheduled = false;
                    return;
                }
                if (ran == batch) break;
                work = f->jobs.pop();
            }
            work();
        }
        schedule_drain(f);
    }

    // On an executor nobody drives (a thread pool), a virtual clock jumps to its next timer as
    // soon as nothing is runnable.
    void work_done() {
        if (busy_.fetch_sub(1) == 1 && clock_->is_virtual() && !driver) clock_->advance_to_next();
    }

    // ---- history --------------------------------------------------------------------------
    template <class Details>
    void emit(execution_record& rec, std::int64_t& prev, event_type type, Details&& details, bool link = true) {
        const std::int64_t previous = link ? prev : 0;
        if (!rec.sink && !options_.history) {
            // Nobody sees the event, but its id still counts (the history-size limit, and error
            // causes name the event a state was entered at): exact for a frame's own events.
            event_tally& tally = local_tally();
            if (tally.rec == &rec) {
                ++tally.count;
                prev = rec.event_count.load(std::memory_order_relaxed) + tally.count;
            } else {
                prev = rec.event_count.fetch_add(1, std::memory_order_relaxed) + 1;
            }
            return;
        }
        history_event event;
        event.type = type;
        event.details = details();  // before the lock: serialising payloads is the slow part
        std::lock_guard<std::mutex> lock(rec.history_mutex);  // ids, times and order agree
        event.id = rec.event_count.fetch_add(1) + 1;
        event.previous_event_id = previous;
        event.timestamp = clock_->now();
        prev = event.id;
        history_sink* const own = rec.sink.get();
        history_sink* const shared = options_.history.get();
        if (own && shared) {
            deliver_quietly([&] { own->record(rec.arn, event); });
            deliver_quietly([&] { shared->record(rec.arn, event); });
        } else {
            history_sink* const only = own ? own : shared;
            deliver_quietly([&] { only->take(rec.arn, std::move(event)); });
        }
    }
    template <class Call>
    static void deliver_quietly(Call&& call) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
        try {
            call();
        } catch (...) {
            // A failing sink must not break the execution.
        }
#else
        call();
#endif
    }

    static std::string text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }
    // Appends AWS's {"<key>": "<value as JSON text>", "<key>Details": {"truncated": false}}.
    static void add_io(json& details, const char* key, const char* details_key, const json& value) {
        add_member(details, key, text(value));
        json truncated = json::object();
        add_member(truncated, "truncated", false);
        add_member(details, details_key, std::move(truncated));
    }
    static json io_details(const char* key, const char* details_key, const json& value) {
        json details = json::object();
        reserve_members(details, 2);
        add_io(details, key, details_key, value);
        return details;
    }
    json execution_started_details(const json& input) const {
        json details = json::object();
        reserve_members(details, 3);
        add_io(details, "input", "inputDetails", input);
        add_member(details, "roleArn", role_arn_);
        return details;
    }

    // ---- states ---------------------------------------------------------------------------
    void execute_state(const std::shared_ptr<frame>& f);
    void run_pass(const std::shared_ptr<frame>& f, const state& s, const pass_state& p);
    void run_choice(const std::shared_ptr<frame>& f, const state& s, const choice_state& c);
    void run_wait(const std::shared_ptr<frame>& f, const state& s, const wait_state& w);
    void run_succeed(const std::shared_ptr<frame>& f, const state& s);
    void run_fail(const std::shared_ptr<frame>& f, const state& s, const fail_state& fs);
    void start_task_attempt(const std::shared_ptr<frame>& f, const state& s, const task_state& t);
    void on_task_timeout(const std::shared_ptr<frame>& f, std::uint64_t generation, bool heartbeat);
    void start_work(const std::shared_ptr<frame>& f, const state& s);
    void start_parallel(const std::shared_ptr<frame>& f, const state& s, const parallel_state& p);
    void start_map(const std::shared_ptr<frame>& f, const state& s, const map_state& m);
    void launch_iterations(const std::shared_ptr<fanout_group>& g);
    void run_iterations(const std::shared_ptr<fanout_group>& g);
    result<json> item_input(const fanout_group& g, std::size_t index, json item);
    void reuse_child(frame& child, const frame& parent, json input, std::size_t index);
    // Distributed Map: the items (reader or input), batched, and each child as an execution.
    result<json> distributed_items(const frame& f, const state& s, const map_state& m, json& eff, const eval_env& env,
                                   map_run& run);
    void start_child_execution(const std::shared_ptr<fanout_group>& g, std::size_t index, json input);
    result<json> write_map_results(const frame& f, const state& s, const map_state& m, map_run& run, json results);
    std::shared_ptr<frame> make_child(const std::shared_ptr<frame>& parent, const scope& states, json input,
                                      const std::shared_ptr<fanout_group>& g, std::size_t index);
    void child_ended(const std::shared_ptr<frame>& child, result<json> outcome);
    void on_child_finished(const std::shared_ptr<fanout_group>& g, std::size_t index, const std::shared_ptr<frame>& child,
                           result<json> outcome);
    void on_fanout_done(const std::shared_ptr<frame>& f, const std::shared_ptr<fanout_group>& g);
    // The run ended (all done, failed or empty): its parent goes on, in its own strand.
    void post_fanout_done(const std::shared_ptr<fanout_group>& g) {
        auto self = shared_from_this();
        auto parent = g->parent;
        post_to(parent, [self, parent, g]() { self->on_fanout_done(parent, g); });
    }
    void complete_state(const std::shared_ptr<frame>& f, const state& s, json value,
                        const std::optional<payload_template>& selector, const std::optional<json_path>& result_path);

    void exit_state(const std::shared_ptr<frame>& f, const state& s, json output, const transition* target,
                    const json* assigned = nullptr);
    void handle_error(const std::shared_ptr<frame>& f, const state& s, error e, bool heartbeat = false);
    void fail_frame(const std::shared_ptr<frame>& f, error e);
    void finish_frame(const std::shared_ptr<frame>& f, json output);
    void end_execution(const std::shared_ptr<execution_record>& rec, execution_status status, json output, error e);
    void abort_frame(const std::shared_ptr<frame>& f);

    // Data-flow helpers.
    static void inspect(const frame& f, const state& s, const char* stage, const json& value) {
        if (f.exec->inspector) f.exec->inspector->stage(s.name, stage, value);
    }
    static void inspect(const frame& f, const state& s, const char* stage, const result<json>& value) {
        if (f.exec->inspector && value) f.exec->inspector->stage(s.name, stage, *value);
    }
    static void decide(const frame& f, const state& s, const error& e, const error_decision& d) {
        if (f.exec->inspector) f.exec->inspector->decision(s.name, e, d);
    }
    error state_error(const frame& f, const state& s, error e) const {
        if (e.name == errors::runtime)
            e.cause = "An error occurred while executing the state '" + s.name + "' (entered at the event id #" +
                      std::to_string(f.entered_event) + "). " + e.cause;
        return e;
    }
    result<json> effective_input(const state& s, json raw, const eval_env& env) const {
        if (!s.input_path) return json::object();
        if (s.input_path->is_root()) return raw;
        return s.input_path->extract(std::move(raw), env);
    }
    result<json> apply_output_path(const state& s, json data, const eval_env& env) const {
        if (!s.output_path) return json::object();
        if (s.output_path->is_root()) return data;
        return s.output_path->extract(std::move(data), env);
    }
    static result<json> apply_result_path(const std::optional<json_path>& path, json raw, json value) {
        if (!path) return raw;
        if (path->is_root()) return value;
        auto assigned = path->assign(raw, std::move(value));
        if (!assigned) return tl::make_unexpected(std::move(assigned.error()));
        return raw;
    }
    result<void> check_size(const json& value, const std::string& what) const {
        if (exceeds_size(value, options_.bounds.max_payload_bytes))
            return make_error(errors::data_limit_exceeded,
                              "The state/task '" + what +
                                  "' returned a result with a size exceeding the maximum number of bytes service limit.");
        return {};
    }
    result<std::int64_t> positive_from_path(const json_path& path, const json& input, const eval_env& env,
                                            const char* field, bool allow_zero) const;
    // Evaluates an Assign block against `value` and returns the new variables (not yet visible:
    // every expression of one state sees the values as of its entry). AWS's quotas: 256 KiB per
    // variable and per Assign.
    result<json> evaluate_assign(const std::optional<assign_block>& assign, const json& value, const eval_env& env) const {
        if (!assign || !assign->jsonpath) return json();
        auto assigned = assign->jsonpath->evaluate(value, env);
        if (!assigned || !assigned->is_object()) return assigned;
        constexpr std::size_t max_variable_bytes = 262144;
        if (exceeds_size(*assigned, max_variable_bytes)) {
            for (auto& item : assigned->items())
                if (exceeds_size(item.value(), max_variable_bytes))
                    return make_error(errors::data_limit_exceeded,
                                      "The value assigned to the variable '" + item.key() +
                                          "' exceeds the maximum size of 262144 bytes.");
            return make_error(errors::data_limit_exceeded,
                              "The values assigned by one Assign exceed the maximum size of 262144 bytes.");
        }
        return assigned;
    }

    std::unique_ptr<executor_iface> executor_;
    std::unique_ptr<clock_iface> clock_;
    engine_options options_;
    const std::string arn_prefix_;
    const std::string role_arn_;
    const std::size_t parallelism_;  // runners an inline Map starts (the executor's concurrency)
    invoker_registry invokers_;
    item_reader_registry item_readers_;
    result_writer_registry result_writers_;
    alignas(64) std::atomic<std::int64_t> busy_{0};  // changes often, from every thread: a line of its own

    std::mutex rng_mutex_;
    std::mt19937_64 rng_;

    std::mutex registry_mutex_;
    // Running executions by ARN; the key views the record's own `arn`, which outlives the entry
    // (a record is erased here when it ends, and cannot be freed before it ends).
    std::unordered_map<std::string_view, std::weak_ptr<execution_record>> executions_;
    std::unordered_map<std::string, std::weak_ptr<task_attempt>> tokens_;
    std::unordered_map<std::string, std::weak_ptr<frame>> token_frames_;
};

// ---- implementation -------------------------------------------------------------------------

inline std::string make_uuid(engine_core& core) {
    std::uint64_t hi = core.random_u64(), lo = core.random_u64();
    hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 32; ++i) {
        const std::uint64_t word = i < 16 ? hi : lo;
        const int shift = 60 - 4 * (i % 16);
        out += digits[(word >> shift) & 0xF];
        if (i == 7 || i == 11 || i == 15 || i == 19) out += '-';
    }
    return out;
}

inline const json* frame_env::context() const {
    if (!context_) {
        // Built on demand: most states never read `$$`, and a parked execution should not hold it.
        const execution_record& rec = *frame_.exec;
        json exec_part = json::object();
        exec_part["Id"] = rec.arn;
        exec_part["Input"] = rec.input;
        exec_part["StartTime"] = format_iso8601(rec.start_time);
        exec_part["Name"] = rec.name;
        exec_part["RoleArn"] = core_.role_arn();
        exec_part["RedriveCount"] = 0;
        json ctx = json::object();
        ctx["Execution"] = std::move(exec_part);
        ctx["StateMachine"] = json{{"Id", rec.machine_arn.empty() ? core_.arn_prefix() + "stateMachine:" + rec.machine.name()
                                                                  : rec.machine_arn},
                                   {"Name", rec.machine_name.empty() ? rec.machine.name() : rec.machine_name}};
        json state_part = json::object();
        state_part["Name"] = state_.name;
        state_part["EnteredTime"] = format_iso8601(frame_.entered_time);
        const auto type = state_.type();
        if (type == state_type::task || type == state_type::parallel || type == state_type::map)
            state_part["RetryCount"] = frame_.retry_count;
        ctx["State"] = std::move(state_part);
        if (!task_token_.empty()) ctx["Task"] = json{{"Token", task_token_}};
        if (map_value_) {
            json item = json::object();
            item["Index"] = map_index_;
            item["Value"] = *map_value_;
            ctx["Map"] = json{{"Item", std::move(item)}};
        }
        context_ = std::move(ctx);
    }
    return &*context_;
}

inline std::uint64_t frame_env::random() const { return core_.random_u64(); }

inline void task_attempt::resolve(result<json> outcome) {
    if (completed_.exchange(true)) return;
    auto f = owner_.lock();
    if (!f) return;
    auto core = core_;
    const auto generation = generation_;
    core->post_to(f, [core, f, generation, outcome = std::move(outcome)]() mutable {
        core->on_task_result(f, generation, std::move(outcome));
    });
}

inline void task_attempt::submitted(json response) {
    auto f = owner_.lock();
    if (!f || completed_.load()) return;
    auto core = core_;
    const auto generation = generation_;
    core->post_to(f, [core, f, generation, response = std::move(response)]() mutable {
        core->on_task_submitted(f, generation, std::move(response));
    });
}

inline void task_attempt::heartbeat() {
    auto f = owner_.lock();
    if (!f || completed_.load()) return;
    auto core = core_;
    const auto generation = generation_;
    core->post_to(f, [core, f, generation]() { core->on_task_heartbeat(f, generation); });
}

inline result<execution> engine_core::start(const state_machine& machine, json input, start_options options) {
    if (options.name.empty()) options.name = make_uuid(*this);
    if (options.name.size() > 80)
        return make_error("InvalidName", "the execution name '" + options.name + "' is longer than 80 characters");
    if (exceeds_size(input, options_.bounds.max_payload_bytes))
        return make_error(errors::data_limit_exceeded,
                          "the execution input exceeds the maximum payload size of " +
                              std::to_string(options_.bounds.max_payload_bytes) + " bytes");

    auto rec = std::make_shared<execution_record>(machine);
    rec->core = shared_from_this();
    rec->arn.reserve(arn_prefix_.size() + 10 + machine.name().size() + 1 + options.name.size());
    rec->arn.append(arn_prefix_).append("execution:").append(machine.name()).append(1, ':').append(options.name);
    rec->name = std::move(options.name);
    rec->start_time = clock_->now();
    rec->sink = std::move(options.history);
    rec->inspector = std::move(options.inspector);
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto& slot = executions_[rec->arn];
        if (auto existing = slot.lock())
            return make_error("ExecutionAlreadyExists", "an execution named '" + rec->name + "' is already running");
        slot = rec;
    }

    std::int64_t prev = 0;
    emit(*rec, prev, event_type::execution_started, [&] { return execution_started_details(input); });
    // `$$.Execution.Input` needs the input as it was; a machine that never reads `$$` does not.
    if (machine.definition().reads_context) rec->input = input;

    auto root = std::make_shared<frame>();
    root->exec = rec;
    root->states = &machine.top();
    root->is_root = true;
    root->current = machine.top().start;
    root->input = std::move(input);
    root->prev_event = prev;
    {
        std::lock_guard<std::mutex> lock(rec->mutex);
        rec->root = root;
    }

    if (const auto& timeout = machine.definition().timeout_seconds) {
        auto self = shared_from_this();
        std::weak_ptr<execution_record> weak = rec;
        const std::int64_t seconds = *timeout;
        const auto id = clock_->schedule_at(rec->start_time + std::chrono::seconds(seconds), [self, weak, seconds]() {
            if (auto r = weak.lock())
                self->end_execution(r, execution_status::timed_out, json(),
                                    error{errors::timeout, "The execution timed out after " + std::to_string(seconds) +
                                                               " seconds (TimeoutSeconds)."});
        });
        std::lock_guard<std::mutex> lock(rec->mutex);
        rec->timeout_timer = id;
    }

    auto self = shared_from_this();
    post_to(root, [self, root]() { self->run_frame(root); });
    return execution(rec);
}

inline void engine_core::run_frame(const std::shared_ptr<frame>& f) {
    // Bounded batches keep one long execution from starving the others on the same executor.
    for (int budget = 256; budget > 0; --budget) {
        if (f->done || f->waiting || f->exec->ended.load()) return;
        execute_state(f);
    }
    if (!f->done && !f->waiting) {
        auto self = shared_from_this();
        post_to(f, [self, f]() { self->run_frame(f); });
    }
}

inline void engine_core::execute_state(const std::shared_ptr<frame>& f) {
    const state& s = f->states->states[f->current];
    static constexpr event_type entered_events[] = {
        event_type::task_state_entered, event_type::parallel_state_entered, event_type::map_state_entered,
        event_type::pass_state_entered, event_type::wait_state_entered,     event_type::choice_state_entered,
        event_type::succeed_state_entered, event_type::fail_state_entered};
    f->entered_time = clock_->now();
    f->retry_count = 0;
    f->retrier_attempts.clear();
    // AWS links the first state's Entered event to nothing (previousEventId 0).
    emit(*f->exec, f->prev_event, entered_events[static_cast<int>(s.type())],
         [&] {
             json details = json::object();
             reserve_members(details, 3);
             add_member(details, "name", s.name);
             add_io(details, "input", "inputDetails", f->input);
             return details;
         },
         !(f->is_root && f->first_state));
    f->first_state = false;
    f->entered_event = f->prev_event;

    if (f->exec->event_count.load(std::memory_order_relaxed) + local_tally().pending_for(*f->exec) >
        static_cast<std::int64_t>(options_.bounds.max_history_events)) {
        fail_frame(f, error{errors::runtime, "The execution reached the maximum number of history events (" +
                                                 std::to_string(options_.bounds.max_history_events) + ")."});
        return;
    }

    if (s.language == query_language::jsonata) {
        // Loaded and validated, but not evaluated yet: fail loudly rather than ignore fields.
        fail_frame(f, state_error(*f, s, error{errors::runtime,
                                               "The state '" + s.name +
                                                   "' uses QueryLanguage JSONata, which this version of stepfn "
                                                   "validates but cannot run yet."}));
        return;
    }
    switch (s.type()) {
    case state_type::pass: run_pass(f, s, std::get<pass_state>(s.body)); break;
    case state_type::choice: run_choice(f, s, std::get<choice_state>(s.body)); break;
    case state_type::wait: run_wait(f, s, std::get<wait_state>(s.body)); break;
    case state_type::succeed: run_succeed(f, s); break;
    case state_type::fail: run_fail(f, s, std::get<fail_state>(s.body)); break;
    case state_type::task:
    case state_type::parallel:
    case state_type::map: start_work(f, s); break;
    }
}

inline const recovery* recovery_of(const state& s) {
    if (const auto* t = std::get_if<task_state>(&s.body)) return &t->recover;
    if (const auto* p = std::get_if<parallel_state>(&s.body)) return &p->recover;
    if (const auto* m = std::get_if<map_state>(&s.body)) return &m->recover;
    return nullptr;
}

// A definite path selects one node of its document, so never produces more than it was given;
// an indefinite one (`$..*`, a filter) can repeat nodes and grow.
inline bool definite(const std::optional<json_path>& path) { return !path || path->is_definite(); }

// Whether a state's output is only a selection of its input (definite InputPath and OutputPath):
// then it cannot exceed the payload limit, which that input was checked against.
inline bool selects_only(const state& s) { return definite(s.input_path) && definite(s.output_path); }

// Whether the state has Retry or Catch rules, which start again from its raw input.
inline bool recovers(const state& s) {
    const recovery* r = recovery_of(s);
    return r && (!r->retry.empty() || !r->catch_.empty());
}

// Whether a Task, Parallel or Map state needs its raw input once its effective input is made:
// a ResultPath merges into it (null outputs it), and Retry and Catch start again from it. When
// it does not, the effective input is made by moving the raw input, not copying it.
inline bool keeps_raw_input(const state& s, const std::optional<json_path>& result_path) {
    return !result_path || !result_path->is_root() || recovers(s);
}

// The retriable work of a Task, Parallel or Map state: run again on each retry.
inline void engine_core::start_work(const std::shared_ptr<frame>& f, const state& s) {
    if (f->retrier_attempts.empty())
        if (const recovery* r = recovery_of(s)) f->retrier_attempts.assign(r->retry.size(), 0);
    if (const auto* t = std::get_if<task_state>(&s.body)) start_task_attempt(f, s, *t);
    else if (const auto* p = std::get_if<parallel_state>(&s.body)) start_parallel(f, s, *p);
    else if (const auto* m = std::get_if<map_state>(&s.body)) start_map(f, s, *m);
}

inline void engine_core::exit_state(const std::shared_ptr<frame>& f, const state& s, json output,
                                    const transition* target, const json* assigned) {
    static constexpr event_type exited_events[] = {
        event_type::task_state_exited, event_type::parallel_state_exited, event_type::map_state_exited,
        event_type::pass_state_exited, event_type::wait_state_exited,     event_type::choice_state_exited,
        event_type::succeed_state_exited, event_type::fail_state_entered};
    if (assigned && assigned->is_object() && !assigned->empty()) {
        if (!f->owns_variables) {
            auto own = std::make_shared<variable_scope>();
            own->parent = std::move(f->variables);
            f->variables = std::move(own);
            f->owns_variables = true;
        }
        for (auto& item : assigned->items()) f->variables->values[item.key()] = item.value();
    }
    emit(*f->exec, f->prev_event, exited_events[static_cast<int>(s.type())], [&] {
        json details = json::object();
        reserve_members(details, 3);
        add_member(details, "name", s.name);
        add_io(details, "output", "outputDetails", output);
        if (assigned && assigned->is_object() && !assigned->empty()) {
            json vars = json::object();
            for (auto& item : assigned->items()) vars[item.key()] = text(item.value());
            details["assignedVariables"] = std::move(vars);
            details["assignedVariablesDetails"] = json{{"truncated", false}};
        }
        return details;
    });
    if (target) {
        f->current = target->index;
        f->input = std::move(output);
    } else {
        finish_frame(f, std::move(output));
    }
}

inline void engine_core::run_pass(const std::shared_ptr<frame>& f, const state& s, const pass_state& p) {
    frame_env env(*this, *f, s);
    inspect(*f, s, "input", f->input);
    result<json> out;
    json assigned;
    if (!p.result && !p.parameters && p.result_path && p.result_path->is_root() && !s.assign) {
        // The common identity-like Pass: move the input through, no copy.
        out = effective_input(s, std::move(f->input), env);
    } else {
        json raw = std::move(f->input);
        result<json> value;
        if (p.result) {
            value = *p.result;
        } else if (s.input_path && s.input_path->is_root() && !p.parameters) {
            value = raw;
        } else {
            const bool keep = !p.result_path || !p.result_path->is_root();
            auto eff = effective_input(s, keep ? json(raw) : std::move(raw), env);
            if (!eff) return fail_frame(f, state_error(*f, s, std::move(eff.error())));
            inspect(*f, s, "afterInputPath", eff);
            value = p.parameters ? p.parameters->evaluate(*eff, env) : std::move(eff);
            if (p.parameters) inspect(*f, s, "afterParameters", value);
        }
        inspect(*f, s, "result", value);
        if (!value) return fail_frame(f, state_error(*f, s, std::move(value.error())));
        auto vars = evaluate_assign(s.assign, *value, env);
        if (!vars) return fail_frame(f, state_error(*f, s, std::move(vars.error())));
        assigned = std::move(*vars);
        out = apply_result_path(p.result_path, std::move(raw), std::move(*value));
    }
    if (!out) return fail_frame(f, state_error(*f, s, std::move(out.error())));
    inspect(*f, s, "afterResultPath", out);
    auto final_output = apply_output_path(s, std::move(*out), env);
    if (!final_output) return fail_frame(f, state_error(*f, s, std::move(final_output.error())));
    // An identity Pass with definite paths only selects from its input, checked already.
    const bool selection_only = !p.result && !p.parameters && p.result_path && p.result_path->is_root() && selects_only(s);
    if (!selection_only)
        if (auto size = check_size(*final_output, s.name); !size) return fail_frame(f, std::move(size.error()));
    inspect(*f, s, "output", final_output);
    exit_state(f, s, std::move(*final_output), s.next ? &*s.next : nullptr, &assigned);
}

inline void engine_core::run_choice(const std::shared_ptr<frame>& f, const state& s, const choice_state& c) {
    frame_env env(*this, *f, s);
    inspect(*f, s, "input", f->input);
    auto eff = effective_input(s, std::move(f->input), env);
    if (!eff) return fail_frame(f, state_error(*f, s, std::move(eff.error())));
    inspect(*f, s, "afterInputPath", eff);
    const transition* target = nullptr;
    const std::optional<assign_block>* assign = &s.assign;
    for (const auto& branch : c.choices) {
        auto matched = branch.rule.evaluate(*eff, env);
        if (!matched) return fail_frame(f, state_error(*f, s, std::move(matched.error())));
        if (*matched) {
            target = &branch.next;
            assign = &branch.assign;  // the chosen rule's Assign replaces the state's
            break;
        }
    }
    if (!target) {
        if (!c.default_)
            return fail_frame(f, error{errors::no_choice_matched,
                                       "No Matches! The Choice state '" + s.name + "' matched no rule and has no Default."});
        target = &*c.default_;
    }
    auto vars = evaluate_assign(*assign, *eff, env);
    if (!vars) return fail_frame(f, state_error(*f, s, std::move(vars.error())));
    auto out = apply_output_path(s, std::move(*eff), env);
    if (!out) return fail_frame(f, state_error(*f, s, std::move(out.error())));
    if (!selects_only(s))
        if (auto size = check_size(*out, s.name); !size) return fail_frame(f, std::move(size.error()));
    inspect(*f, s, "output", out);
    exit_state(f, s, std::move(*out), target, &*vars);
}

inline result<std::int64_t> engine_core::positive_from_path(const json_path& path, const json& input,
                                                           const eval_env& env, const char* field,
                                                           bool allow_zero) const {
    const json* value = path.is_definite() ? path.find(input, env) : nullptr;
    if (!value)
        return make_error(errors::runtime, std::string("The ") + field +
                                               " parameter does not reference an input value: " + path.text());
    std::optional<std::int64_t> number;
    if (value->is_number_integer()) {
        number = value->get<std::int64_t>();
    } else if (value->is_number_float()) {
        const double d = value->get<double>();
        if (d == static_cast<double>(static_cast<std::int64_t>(d))) number = static_cast<std::int64_t>(d);
    } else if (value->is_string()) {
        // AWS accepts numeric strings such as "1" (asl-reference.md §13.15).
        const auto& s = value->get_ref<const std::string&>();
        if (!s.empty() && s.size() < 19 &&
            std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            s != "-")
            number = std::stoll(s);
    }
    if (!number)
        return make_error(errors::runtime, std::string("The ") + field + " parameter cannot be parsed as a long value: " +
                                               path.text() + " == " + text(*value));
    if (*number < 0 || (!allow_zero && *number == 0))
        return make_error(errors::runtime, std::string("The ") + field + " parameter references a " +
                                               (*number < 0 ? "negative" : "zero") + " value: " + path.text() +
                                               " == " + std::to_string(*number));
    return *number;
}

inline void engine_core::run_wait(const std::shared_ptr<frame>& f, const state& s, const wait_state& w) {
    frame_env env(*this, *f, s);
    auto eff = effective_input(s, std::move(f->input), env);
    if (!eff) return fail_frame(f, state_error(*f, s, std::move(eff.error())));
    const time_point now = clock_->now();
    time_point wake = now;
    constexpr std::int64_t max_delay_seconds = 2147483647;  // AWS: "Wait state delay is too long."
    if (w.seconds) {
        wake = now + std::chrono::seconds(*w.seconds);
    } else if (w.seconds_path) {
        auto seconds = positive_from_path(*w.seconds_path, *eff, env, "SecondsPath", true);
        if (!seconds) return fail_frame(f, state_error(*f, s, std::move(seconds.error())));
        if (*seconds > max_delay_seconds)
            return fail_frame(f, state_error(*f, s, error{errors::runtime, "Wait state delay is too long."}));
        wake = now + std::chrono::seconds(*seconds);
    } else {
        std::optional<instant> at;
        std::string shown;
        if (w.timestamp) {
            at = parse_rfc3339(*w.timestamp);
            shown = *w.timestamp;
        } else if (w.timestamp_path) {
            const json* value = w.timestamp_path->is_definite() ? w.timestamp_path->find(*eff, env) : nullptr;
            if (!value)
                return fail_frame(f, state_error(*f, s, error{errors::runtime,
                                                              "The TimestampPath parameter does not reference an input value: " +
                                                                  w.timestamp_path->text()}));
            if (value->is_string()) at = parse_rfc3339(value->get_ref<const std::string&>());
            if (!at)
                return fail_frame(
                    f, state_error(*f, s, error{errors::runtime,
                                                "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                                                "offset date-time format string: " +
                                                    w.timestamp_path->text() + " == " + text(*value)}));
        }
        if (at) {
            const auto seconds_ahead = at->seconds - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
            if (seconds_ahead > max_delay_seconds)
                return fail_frame(f, state_error(*f, s, error{errors::runtime, "Wait state delay is too long."}));
            wake = (std::max)(now, to_time_point(*at));
        }
        (void)shown;
    }
    auto vars = evaluate_assign(s.assign, *eff, env);
    if (!vars) return fail_frame(f, state_error(*f, s, std::move(vars.error())));
    auto out = apply_output_path(s, std::move(*eff), env);
    if (!out) return fail_frame(f, state_error(*f, s, std::move(out.error())));
    if (!selects_only(s))
        if (auto size = check_size(*out, s.name); !size) return fail_frame(f, std::move(size.error()));

    // Park the frame: the output waits in `input` until the timer fires.
    f->input = std::move(*out);
    f->waiting = true;
    const auto generation = ++f->generation;
    auto self = shared_from_this();
    std::weak_ptr<frame> weak = f;
    auto assigned = std::make_shared<json>(std::move(*vars));
    f->timer = clock_->schedule_at(wake, [self, weak, generation, assigned]() {
        auto fr = weak.lock();
        if (!fr) return;
        self->post_to(fr, [self, fr, generation, assigned]() {
            if (fr->generation != generation || fr->exec->ended.load()) return;
            fr->waiting = false;
            fr->timer.reset();
            const state& st = fr->states->states[fr->current];
            self->exit_state(fr, st, std::move(fr->input), st.next ? &*st.next : nullptr, assigned.get());
            self->run_frame(fr);
        });
    });
}

inline void engine_core::run_succeed(const std::shared_ptr<frame>& f, const state& s) {
    frame_env env(*this, *f, s);
    auto eff = effective_input(s, std::move(f->input), env);
    if (!eff) return fail_frame(f, state_error(*f, s, std::move(eff.error())));
    auto out = apply_output_path(s, std::move(*eff), env);
    if (!out) return fail_frame(f, state_error(*f, s, std::move(out.error())));
    if (!selects_only(s))
        if (auto size = check_size(*out, s.name); !size) return fail_frame(f, std::move(size.error()));
    exit_state(f, s, std::move(*out), nullptr);
}

inline void engine_core::run_fail(const std::shared_ptr<frame>& f, const state& s, const fail_state& fs) {
    frame_env env(*this, *f, s);
    auto field = [&](const std::optional<std::string>& literal, const std::optional<value_expression>& path,
                     const char* name) -> result<std::string> {
        if (literal) return *literal;
        if (!path) return std::string();
        auto value = path->evaluate(f->input, env);
        if (!value)
            return make_error(errors::runtime, "The JSONPath '" + path->text() + "' specified for the field '" + name +
                                                   "' could not be found in the input '" + text(f->input) + "'");
        return value->is_string() ? value->get<std::string>() : text(*value);
    };
    auto error_name = field(fs.error, fs.error_path, "ErrorPath");
    if (!error_name) return fail_frame(f, state_error(*f, s, std::move(error_name.error())));
    auto cause = field(fs.cause, fs.cause_path, "CausePath");
    if (!cause) return fail_frame(f, state_error(*f, s, std::move(cause.error())));
    fail_frame(f, error{std::move(*error_name), std::move(*cause)});
}

// ---- tasks ------------------------------------------------------------------------------------

// AWS history splits a Resource into a service and an action.
inline std::pair<std::string, std::string> split_resource(const std::string& resource) {
    static const std::string integration = "arn:aws:states:::";
    if (resource.compare(0, integration.size(), integration) == 0) {
        std::string rest = resource.substr(integration.size());
        const auto colon = rest.rfind(':');
        if (colon != std::string::npos) return {rest.substr(0, colon), rest.substr(colon + 1)};
        return {rest, std::string()};
    }
    static const std::string lambda = "arn:aws:lambda:";
    if (resource.compare(0, lambda.size(), lambda) == 0) return {"lambda", resource};
    return {"custom", resource};
}

// A Task's resource as its history events name it, split only when an event is recorded.
class resource_names {
public:
    explicit resource_names(const std::string& resource) : resource_(resource) {}
    const std::string& type() { return parts().first; }
    const std::string& name() { return parts().second; }

private:
    const std::pair<std::string, std::string>& parts() {
        if (!parts_) parts_ = split_resource(resource_);
        return *parts_;
    }
    const std::string& resource_;
    std::optional<std::pair<std::string, std::string>> parts_;
};

inline bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline void engine_core::start_task_attempt(const std::shared_ptr<frame>& f, const state& s, const task_state& t) {
    frame_env env(*this, *f, s);
    const bool callback = ends_with(t.resource, ".waitForTaskToken");
    std::string token;
    if (callback) {
        token = make_uuid(*this) + make_uuid(*this);
        env.set_task_token(token);
    }
    result<json> params;
    {
        inspect(*f, s, "input", f->input);
        // TimeoutSecondsPath, HeartbeatSecondsPath and Credentials read the raw input below.
        const bool keep = keeps_raw_input(s, t.result_path) || t.timeout_seconds.path || t.heartbeat_seconds.path ||
                          t.credentials_template;
        auto eff = effective_input(s, keep ? json(f->input) : std::move(f->input), env);
        if (!eff) return handle_error(f, s, state_error(*f, s, std::move(eff.error())));
        inspect(*f, s, "afterInputPath", eff);
        params = t.parameters ? t.parameters->evaluate(*eff, env) : std::move(eff);
    }
    if (!params) return handle_error(f, s, state_error(*f, s, std::move(params.error())));
    inspect(*f, s, "afterParameters", params);
    // Without Parameters the task's input is a selection of the state's input, checked already.
    if ((t.parameters || !definite(s.input_path)) && exceeds_size(*params, options_.bounds.max_payload_bytes))
        return handle_error(f, s, error{errors::data_limit_exceeded,
                                        "The state/task '" + s.name +
                                            "' returned a result with a size exceeding the maximum number of bytes service limit."});
    std::optional<std::int64_t> timeout = t.timeout_seconds.value, heartbeat = t.heartbeat_seconds.value;
    if (t.timeout_seconds.path) {
        auto v = positive_from_path(*t.timeout_seconds.path, f->input, env, "TimeoutSecondsPath", false);
        if (!v) return handle_error(f, s, state_error(*f, s, std::move(v.error())));
        timeout = *v;
    }
    if (t.heartbeat_seconds.path) {
        auto v = positive_from_path(*t.heartbeat_seconds.path, f->input, env, "HeartbeatSecondsPath", false);
        if (!v) return handle_error(f, s, state_error(*f, s, std::move(v.error())));
        heartbeat = *v;
    }
    json credentials;
    if (t.credentials_template) {
        auto c = t.credentials_template->evaluate(f->input, env);
        if (!c) return handle_error(f, s, state_error(*f, s, std::move(c.error())));
        credentials = std::move(*c);
    }

    resource_names resource(t.resource);
    emit(*f->exec, f->prev_event, event_type::task_scheduled, [&] {
        json details = json::object();
        details["resourceType"] = resource.type();
        details["resource"] = resource.name();
        details["region"] = options_.region;
        details["parameters"] = text(*params);
        if (timeout) details["timeoutInSeconds"] = *timeout;
        if (heartbeat) details["heartbeatInSeconds"] = *heartbeat;
        return details;
    });

    auto invoker = invokers_.find(t.resource);
    if (!invoker) {
        emit(*f->exec, f->prev_event, event_type::task_start_failed, [&] {
            return json{{"resourceType", resource.type()}, {"resource", resource.name()}, {"error", errors::runtime},
                        {"cause", "no task invoker is registered for resource '" + t.resource + "'"}};
        });
        return handle_error(f, s,
                            state_error(*f, s, error{errors::runtime, "No task invoker is registered for resource '" +
                                                                          t.resource + "'."}));
    }
    emit(*f->exec, f->prev_event, event_type::task_started,
         [&] { return json{{"resourceType", resource.type()}, {"resource", resource.name()}}; });

    const auto generation = ++f->generation;
    auto attempt = std::make_shared<task_attempt>(shared_from_this(), f, generation, callback);
    attempt->token = token;
    f->attempt = attempt;
    f->waiting = true;
    const time_point now = clock_->now();
    auto self = shared_from_this();
    std::weak_ptr<frame> weak = f;
    auto arm = [&](std::int64_t seconds, bool is_heartbeat) {
        return clock_->schedule_at(now + std::chrono::seconds(seconds), [self, weak, generation, is_heartbeat]() {
            if (auto fr = weak.lock())
                self->post_to(fr, [self, fr, generation, is_heartbeat]() {
                    self->on_task_timeout(fr, generation, is_heartbeat);
                });
        });
    };
    if (timeout) f->timer = arm(*timeout, false);
    if (heartbeat) f->heartbeat_timer = arm(*heartbeat, true);
    if (!token.empty()) {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        tokens_[token] = attempt;
    }

    task_request request;
    request.resource = t.resource;
    request.input = std::move(*params);
    request.execution_id = f->exec->arn;
    request.root_execution_id = f->exec->root_arn();
    request.execution_name = f->exec->name;
    request.state_name = s.name;
    request.attempt = f->retry_count;
    if (timeout) request.deadline = now + std::chrono::seconds(*timeout);
    request.heartbeat_seconds = heartbeat;
    request.task_token = token;
    request.credentials = std::move(credentials);
    task_completion done(attempt);
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
    try {
        invoker->invoke(std::move(request), std::move(done));
    } catch (const task_error& e) {
        attempt->complete(tl::make_unexpected(error{e.name, e.cause}));
    } catch (const std::exception& e) {
        attempt->complete(tl::make_unexpected(error{errors::task_failed, e.what()}));
    } catch (...) {
        attempt->complete(tl::make_unexpected(error{errors::task_failed, "the task invoker threw an unknown exception"}));
    }
#else
    invoker->invoke(std::move(request), std::move(done));
#endif
}

inline void engine_core::on_task_result(const std::shared_ptr<frame>& f, std::uint64_t generation, result<json> outcome) {
    if (f->generation != generation || !f->attempt || f->exec->ended.load()) return;
    const state& s = f->states->states[f->current];
    const auto& t = std::get<task_state>(s.body);
    if (f->timer) clock_->cancel(*f->timer);
    if (f->heartbeat_timer) clock_->cancel(*f->heartbeat_timer);
    f->timer.reset();
    f->heartbeat_timer.reset();
    unregister_token(f->attempt->token);
    f->attempt.reset();
    f->waiting = false;
    ++f->generation;

    resource_names resource(t.resource);
    if (outcome && exceeds_size(*outcome, options_.bounds.max_payload_bytes))
        outcome = make_error(errors::data_limit_exceeded,
                             "The state/task '" + t.resource +
                                 "' returned a result with a size exceeding the maximum number of bytes service limit.");
    if (!outcome) {
        emit(*f->exec, f->prev_event, event_type::task_failed, [&] {
            return json{{"resourceType", resource.type()}, {"resource", resource.name()},
                        {"error", outcome.error().name}, {"cause", outcome.error().cause}};
        });
        handle_error(f, s, std::move(outcome.error()));
        run_frame(f);
        return;
    }
    emit(*f->exec, f->prev_event, event_type::task_succeeded, [&] {
        json details = json{{"resourceType", resource.type()}, {"resource", resource.name()}};
        add_io(details, "output", "outputDetails", *outcome);
        return details;
    });

    complete_state(f, s, std::move(*outcome), t.result_selector, t.result_path);
}

// The common end of a Task, Parallel or Map that produced `result`: Assign, ResultSelector,
// ResultPath, OutputPath, the size check, then the transition. Errors go to Retry/Catch.
inline void engine_core::complete_state(const std::shared_ptr<frame>& f, const state& s, json value,
                                        const std::optional<payload_template>& selector,
                                        const std::optional<json_path>& result_path) {
    frame_env env(*this, *f, s);
    auto fail = [&](error e) {
        handle_error(f, s, state_error(*f, s, std::move(e)));
        run_frame(f);
    };
    auto vars = evaluate_assign(s.assign, value, env);
    if (!vars) return fail(std::move(vars.error()));
    inspect(*f, s, "result", value);
    result<json> selected = selector ? selector->evaluate(value, env) : result<json>(std::move(value));
    if (!selected) return fail(std::move(selected.error()));
    inspect(*f, s, "afterResultSelector", selected);
    // ResultPath "$" drops the raw input. Otherwise it is kept until the output is final when
    // Retry or Catch may still need it (a failing ResultPath is caught with the raw input).
    json raw;
    if (!result_path || !result_path->is_root()) raw = recovers(s) ? json(f->input) : std::move(f->input);
    auto merged = apply_result_path(result_path, std::move(raw), std::move(*selected));
    if (!merged) return fail(std::move(merged.error()));
    inspect(*f, s, "afterResultPath", merged);
    auto out = apply_output_path(s, std::move(*merged), env);
    if (!out) return fail(std::move(out.error()));
    if (auto size = check_size(*out, s.name); !size) return fail(std::move(size.error()));
    inspect(*f, s, "output", out);
    exit_state(f, s, std::move(*out), s.next ? &*s.next : nullptr, &*vars);
    run_frame(f);
}

inline void engine_core::on_task_submitted(const std::shared_ptr<frame>& f, std::uint64_t generation, json response) {
    if (f->generation != generation || !f->attempt || f->exec->ended.load()) return;
    const auto& t = std::get<task_state>(f->states->states[f->current].body);
    resource_names resource(t.resource);
    emit(*f->exec, f->prev_event, event_type::task_submitted, [&] {
        json details = json{{"resourceType", resource.type()}, {"resource", resource.name()}};
        add_io(details, "output", "outputDetails", response);
        return details;
    });
}

inline void engine_core::on_task_heartbeat(const std::shared_ptr<frame>& f, std::uint64_t generation) {
    if (f->generation != generation || !f->attempt || !f->heartbeat_timer || f->exec->ended.load()) return;
    const state& s = f->states->states[f->current];
    const auto& t = std::get<task_state>(s.body);
    std::optional<std::int64_t> seconds = t.heartbeat_seconds.value;
    if (!seconds && t.heartbeat_seconds.path) {
        frame_env env(*this, *f, s);
        auto v = positive_from_path(*t.heartbeat_seconds.path, f->input, env, "HeartbeatSecondsPath", false);
        if (v) seconds = *v;
    }
    if (!seconds) return;
    clock_->cancel(*f->heartbeat_timer);
    auto self = shared_from_this();
    std::weak_ptr<frame> weak = f;
    f->heartbeat_timer = clock_->schedule_at(clock_->now() + std::chrono::seconds(*seconds), [self, weak, generation]() {
        if (auto fr = weak.lock())
            self->post_to(fr, [self, fr, generation]() { self->on_task_timeout(fr, generation, true); });
    });
}

inline void engine_core::on_task_timeout(const std::shared_ptr<frame>& f, std::uint64_t generation, bool heartbeat) {
    if (f->generation != generation || !f->attempt || f->exec->ended.load()) return;
    const state& s = f->states->states[f->current];
    const auto& t = std::get<task_state>(s.body);
    if (f->timer) clock_->cancel(*f->timer);
    if (f->heartbeat_timer) clock_->cancel(*f->heartbeat_timer);
    f->timer.reset();
    f->heartbeat_timer.reset();
    auto attempt = std::move(f->attempt);
    unregister_token(attempt->token);
    attempt->cancel();  // tells the invoker; a late completion is ignored (stale generation)
    f->waiting = false;
    ++f->generation;
    resource_names resource(t.resource);
    emit(*f->exec, f->prev_event, event_type::task_timed_out, [&] {
        return json{{"resourceType", resource.type()}, {"resource", resource.name()}, {"error", errors::timeout},
                    {"cause", heartbeat ? "The task missed its heartbeat (HeartbeatSeconds)." : "The task timed out (TimeoutSeconds)."}};
    });
    handle_error(f, s, error{errors::timeout, ""}, heartbeat);
    run_frame(f);
}

// ---- Parallel and Map -------------------------------------------------------------------------

inline std::shared_ptr<frame> engine_core::make_child(const std::shared_ptr<frame>& parent, const scope& states,
                                                      json input, const std::shared_ptr<fanout_group>& g,
                                                      std::size_t index) {
    auto child = std::make_shared<frame>();
    child->exec = parent->exec;
    child->states = &states;
    child->current = states.start;
    child->input = std::move(input);
    child->first_state = false;
    child->map_index = g->is_map ? static_cast<std::int64_t>(index) : -1;
    child->variables = parent->variables;  // a scope of its own on its first Assign
    child->member_of = g;
    child->member_index = index;
    return child;
}

inline void engine_core::start_parallel(const std::shared_ptr<frame>& f, const state& s, const parallel_state& p) {
    frame_env env(*this, *f, s);
    result<json> branch_input;
    {
        inspect(*f, s, "input", f->input);
        auto eff = effective_input(s, keeps_raw_input(s, p.result_path) ? json(f->input) : std::move(f->input), env);
        if (!eff) return handle_error(f, s, state_error(*f, s, std::move(eff.error())));
        inspect(*f, s, "afterInputPath", eff);
        branch_input = p.parameters ? p.parameters->evaluate(*eff, env) : std::move(eff);
    }
    if (!branch_input) return handle_error(f, s, state_error(*f, s, std::move(branch_input.error())));
    if (p.parameters) inspect(*f, s, "afterParameters", branch_input);
    emit(*f->exec, f->prev_event, event_type::parallel_state_started, [] { return json::object(); });

    auto g = std::make_shared<fanout_group>();
    g->parent = f;
    g->owner = &s;
    g->total = p.branches.size();
    g->results.resize(g->total);
    g->running = g->total;
    g->generation = ++f->generation;
    f->group = g;
    f->waiting = true;
    std::vector<std::shared_ptr<frame>> children;
    children.reserve(g->total);
    for (std::size_t i = 0; i < g->total; ++i) {
        // Every branch gets the same input: copy for all but the last.
        json input = i + 1 < g->total ? *branch_input : std::move(*branch_input);
        auto child = make_child(f, p.branches[i], std::move(input), g, i);
        child->prev_event = f->prev_event;
        children.push_back(std::move(child));
    }
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        for (std::size_t i = 0; i < children.size(); ++i) g->children.emplace(i, children[i]);
    }
    auto self = shared_from_this();
    for (auto& c : children) post_to(c, [self, c]() { self->run_frame(c); });
}

inline void engine_core::start_map(const std::shared_ptr<frame>& f, const state& s, const map_state& m) {
    frame_env env(*this, *f, s);
    inspect(*f, s, "input", f->input);
    // A distributed Map's ResultWriter parameters read the raw input when the run ends.
    const bool keep = keeps_raw_input(s, m.result_path) || m.mode == map_mode::distributed;
    auto eff = effective_input(s, keep ? json(f->input) : std::move(f->input), env);
    if (!eff) return handle_error(f, s, state_error(*f, s, std::move(eff.error())));
    inspect(*f, s, "afterInputPath", eff);
    // Whether the effective input is read again once the items are out of it.
    const bool input_needed = m.item_selector || m.max_concurrency.path || m.tolerated_failure_count.path ||
                              m.tolerated_failure_percentage.path;
    json items;
    std::shared_ptr<map_run> run;
    if (m.mode == map_mode::distributed) {
        run = std::make_shared<map_run>();
        const auto& machine = f->exec->machine.name();
        const std::string label = m.label ? *m.label : make_uuid(*this).substr(0, 8);
        run->machine_name = machine + "/" + label;
        run->arn = arn_prefix_ + "mapRun:" + run->machine_name + ":" + make_uuid(*this);
        run->machine_arn = arn_prefix_ + "stateMachine:" + run->machine_name;
        run->child_arn_prefix = arn_prefix_ +
                                (m.execution_type == map_execution_type::express ? "express:" : "execution:") +
                                run->machine_name + ":";
        items = json::array();  // read below, once the Map's own fields are known to be valid
    } else if (!m.items_path || m.items_path->is_root()) {
        items = input_needed ? *eff : std::move(*eff);
    } else {
        auto selected = input_needed ? m.items_path->evaluate(*eff, env) : m.items_path->extract(std::move(*eff), env);
        if (!selected) return handle_error(f, s, state_error(*f, s, std::move(selected.error())));
        items = std::move(*selected);
    }
    if (!items.is_array())
        return handle_error(f, s, state_error(*f, s, error{errors::runtime, "The ItemsPath field '" +
                                                                                (m.items_path ? m.items_path->text() : "$") +
                                                                                "' must select a JSON array, but it selected " +
                                                                                items.type_name() + "."}));
    if (!run) inspect(*f, s, "afterItemsPath", items);
    auto number = [&](const int_or_path& field, const char* name) -> result<std::optional<std::int64_t>> {
        if (field.value) return std::optional<std::int64_t>(*field.value);
        if (!field.path) return std::optional<std::int64_t>();
        auto v = positive_from_path(*field.path, *eff, env, name, true);
        if (!v) return tl::make_unexpected(std::move(v.error()));
        return std::optional<std::int64_t>(*v);
    };
    auto concurrency = number(m.max_concurrency, "MaxConcurrencyPath");
    if (!concurrency) {
        // AWS words this one differently from the other *Path fields.
        const json* value = m.max_concurrency.path->find(*eff, env);
        return handle_error(f, s, state_error(*f, s, error{errors::runtime,
                                                           "The MaxConcurrencyPath field refers to value " +
                                                               (value ? text(*value) : std::string("null")) +
                                                               " which is not a valid integer: " +
                                                               m.max_concurrency.path->text()}));
    }
    auto tolerated = number(m.tolerated_failure_count, "ToleratedFailureCountPath");
    if (!tolerated) {
        const json* value = m.tolerated_failure_count.path->find(*eff, env);
        const bool negative = value && value->is_number() && value->get<double>() < 0;
        return handle_error(f, s, state_error(*f, s, negative ? error{errors::runtime, "ToleratedFailureCount cannot be negative."}
                                                              : std::move(tolerated.error())));
    }
    std::optional<double> percentage = m.tolerated_failure_percentage.value;
    if (m.tolerated_failure_percentage.path) {
        const json* v = m.tolerated_failure_percentage.path->find(*eff, env);
        if (!v || !v->is_number() || v->get<double>() < 0 || v->get<double>() > 100)
            return handle_error(f, s, state_error(*f, s, error{errors::runtime, "ToleratedFailurePercentage must be between 0 and 100."}));
        percentage = v->get<double>();
    }
    if (run) {
        emit(*f->exec, f->prev_event, event_type::map_run_started, [&] { return json{{"mapRunArn", run->arn}}; });
        auto read = distributed_items(*f, s, m, *eff, env, *run);
        if (!read) {
            error e = state_error(*f, s, std::move(read.error()));
            emit(*f->exec, f->prev_event, event_type::map_run_failed,
                 [&] { return json{{"error", e.name}, {"cause", e.cause}}; });
            return handle_error(f, s, std::move(e));
        }
        items = std::move(*read);
    }

    // A distributed Map runs up to 10,000 children at once by default, as AWS.
    const std::size_t cap = run ? std::size_t(10000) : (std::max)(std::size_t(1), options_.bounds.max_inline_map_concurrency);
    auto g = std::make_shared<fanout_group>();
    g->parent = f;
    g->owner = &s;
    g->is_map = true;
    g->total = items.size();
    g->results.resize(g->total);
    g->max_running = (!*concurrency || **concurrency == 0)
                         ? cap
                         : (run ? static_cast<std::size_t>(**concurrency)
                                : (std::min)(cap, static_cast<std::size_t>(**concurrency)));
    if (run) {
        run->keep_runs = m.result_writer.is_object();
        if (run->keep_runs) run->runs.resize(g->total);
        g->run = std::move(run);
    }
    g->tolerated_count = *tolerated;
    g->tolerated_percentage = percentage;
    g->items = std::move(items);
    if (m.item_selector) g->selector_input = std::move(*eff);
    g->generation = ++f->generation;
    if (!g->run)
        emit(*f->exec, f->prev_event, event_type::map_state_started, [&] { return json{{"length", g->total}}; });
    f->group = g;
    f->waiting = true;
    if (g->total == 0) {
        g->finished = true;
        post_fanout_done(g);
        return;
    }
    launch_iterations(g);
}

// Starts Map iterations up to MaxConcurrency. A distributed Map starts each child execution
// here; an inline Map hands its items to runners (run_iterations), as many as the executor runs
// jobs at once, so that iterations are spread over its threads without one job per item.
inline void engine_core::launch_iterations(const std::shared_ptr<fanout_group>& g) {
    const auto& f = g->parent;
    if (!g->run) {
        std::size_t to_post = 0;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            if (g->finished || g->next >= g->total || g->running >= g->max_running) return;
            const std::size_t startable = (std::min)(g->total - g->next, g->max_running - g->running);
            const std::size_t wanted = (std::min)(startable, parallelism_);
            if (g->runners < wanted) {
                to_post = wanted - g->runners;
                g->runners = wanted;
            }
        }
        auto self = shared_from_this();
        for (std::size_t i = 0; i < to_post; ++i) {
            busy_.fetch_add(1);
            executor_->post([self, g]() { self->run_iterations(g); });
        }
        return;
    }
    for (;;) {
        std::size_t index;
        json item;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            if (g->finished || g->next >= g->total || g->running >= g->max_running) break;
            if (f->exec->ended.load()) break;  // the parent ended: start no more children
            index = g->next++;
            ++g->running;
            item = std::move(g->items[index]);
        }
        auto input = item_input(*g, index, std::move(item));
        if (!input) {
            on_child_finished(g, index, nullptr, tl::make_unexpected(std::move(input.error())));
            continue;
        }
        start_child_execution(g, index, std::move(*input));
    }
}

// An item's input to its iteration or child execution: ItemSelector applied to it, or the item
// itself (a distributed Map's batches were shaped as they were made).
inline result<json> engine_core::item_input(const fanout_group& g, std::size_t index, json item) {
    const state& s = *g.owner;
    const auto& m = std::get<map_state>(s.body);
    if (!m.item_selector || (g.run && !g.run->batch_sizes.empty())) return item;
    frame_env env(*this, *g.parent, s);
    env.set_map_item(static_cast<std::int64_t>(index), &item);
    auto selected = m.item_selector->evaluate(g.selector_input, env);
    if (!selected) return tl::make_unexpected(state_error(*g.parent, s, std::move(selected.error())));
    return selected;
}

// The iteration a runner is running on this thread right now: when it succeeds before
// run_frame returns, the runner collects its output itself (see child_ended).
inline frame*& inline_iteration() noexcept {
    static thread_local frame* current = nullptr;
    return current;
}

// One runner of an inline Map: claims a few items at a time, runs each iteration on this thread
// until it ends or waits (a Task, a Wait), and hands the outputs of those that ended back in one
// step, so that runners on several threads rarely meet on the Map's lock. An iteration that
// waits goes on in its own strand; when one ends and no runner is left, on_child_finished starts
// runners again. A frame whose iteration ended is reused for the next item.
inline void engine_core::run_iterations(const std::shared_ptr<fanout_group>& g) {
    const state& s = *g->owner;
    const auto& m = std::get<map_state>(s.body);
    const auto& f = g->parent;
    constexpr std::size_t most_per_claim = 16;
    constexpr std::size_t yield_after = 64;  // items; then yield the thread to other work, as drain() does
    std::optional<tally_scope> events(std::in_place, *f->exec);

    std::vector<std::pair<std::size_t, json>> claimed;
    std::vector<std::pair<std::size_t, json>> succeeded;
    std::shared_ptr<frame> spare;
    std::int64_t last_event = 0;  // this runner's latest MapIterationSucceeded, to link the next start
    std::size_t ran = 0;
    bool more = false;
    for (;;) {
        bool done = false, finished = false;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            finished = g->finished;
            if (!finished && !succeeded.empty()) {
                for (auto& [index, output] : succeeded) g->results[index] = std::move(output);
                g->running -= succeeded.size();
                g->completed += succeeded.size();
                g->last_event = (std::max)(g->last_event, last_event);
                if (g->completed == g->total) finished = done = g->finished = true;
            }
            succeeded.clear();
            const bool stop = finished || g->next >= g->total || g->running >= g->max_running || f->exec->ended.load();
            if (stop || ran >= yield_after) {
                if (stop) --g->runners;
                else more = true;
            } else {
                const std::size_t remaining = g->total - g->next;
                const std::size_t fair_share = remaining / (2 * (std::max)(g->runners, std::size_t(1)));
                const std::size_t count = (std::min)({(std::max)(fair_share, std::size_t(1)), most_per_claim,
                                                      g->max_running - g->running});
                for (std::size_t i = 0; i < count; ++i, ++g->next)
                    claimed.emplace_back(g->next, std::move(g->items[g->next]));
                g->running += count;
                if (!last_event) last_event = g->last_event ? g->last_event : f->prev_event;
            }
        }
        if (done) post_fanout_done(g);
        if (claimed.empty()) break;

        for (auto& claim : claimed) {
            // The Map failed or was aborted meanwhile: start nothing more.
            if (g->finished.load(std::memory_order_relaxed)) break;
            const std::size_t index = claim.first;  // not a structured binding: lambdas capture it (C++17)
            ++ran;
            auto input = item_input(*g, index, std::move(claim.second));
            if (!input) {
                on_child_finished(g, index, nullptr, tl::make_unexpected(std::move(input.error())));
                continue;
            }
            std::shared_ptr<frame> child = std::move(spare);
            if (child) reuse_child(*child, *f, std::move(*input), index);
            else child = make_child(f, *m.processor, std::move(*input), g, index);
            emit(*f->exec, last_event, event_type::map_iteration_started,
                 [&] { return json{{"name", s.name}, {"index", index}}; });
            child->prev_event = last_event;

            // Run it on this thread as if its strand had just been scheduled: jobs posted to it
            // meanwhile (a task's completion, an abort) queue up and run after, in order.
            {
                std::lock_guard<std::mutex> lock(child->strand_mutex);
                child->scheduled = true;
            }
            frame* const outer = inline_iteration();
            inline_iteration() = child.get();
            run_frame(child);
            inline_iteration() = outer;
            if (child->delivered) {
                emit(*f->exec, child->prev_event, event_type::map_iteration_succeeded,
                     [&] { return json{{"name", s.name}, {"index", index}}; });
                last_event = (std::max)(last_event, child->prev_event);
                succeeded.emplace_back(index, std::move(child->delivered_output));
            } else if (!child->done) {
                // It waits: from now on it is one of the group's running children.
                bool aborted = false;
                {
                    std::lock_guard<std::mutex> lock(g->mutex);
                    if (g->finished) aborted = true;
                    else g->children.emplace(index, child);
                }
                if (aborted) {
                    auto self = shared_from_this();
                    post_to(child, [self, child]() { self->abort_frame(child); });
                }
            }
            drain_jobs(child);
            if (child->delivered && child.use_count() == 1) spare = std::move(child);
        }
        claimed.clear();
    }
    if (more) {
        busy_.fetch_add(1);
        auto self = shared_from_this();
        executor_->post([self, g]() { self->run_iterations(g); });
    }
    events.reset();
    work_done();
}

inline void engine_core::child_ended(const std::shared_ptr<frame>& child, result<json> outcome) {
    if (outcome && inline_iteration() == child.get()) {
        // Its runner is waiting for it on this thread and reports it with others in one step.
        child->delivered = true;
        child->delivered_output = std::move(*outcome);
        return;
    }
    on_child_finished(child->member_of, child->member_index, child, std::move(outcome));
}

// Makes a frame whose iteration ended ready for the next item of the same Map.
inline void engine_core::reuse_child(frame& child, const frame& parent, json input, std::size_t index) {
    child.current = child.states->start;
    child.input = std::move(input);
    child.retry_count = 0;
    child.retrier_attempts.clear();
    ++child.generation;
    child.waiting = false;
    child.done = false;
    child.delivered = false;
    child.variables = parent.variables;
    child.owns_variables = false;
    child.map_index = static_cast<std::int64_t>(index);
    child.member_index = index;
}

inline void engine_core::on_child_finished(const std::shared_ptr<fanout_group>& g, std::size_t index,
                                           const std::shared_ptr<frame>& child, result<json> outcome) {
    const state& s = *g->owner;
    // A distributed Map's children are executions with their own histories: nothing to link.
    std::int64_t prev = child ? child->prev_event : (g->run ? 0 : g->parent->prev_event);
    if (g->is_map && !g->run) {
        emit(*g->parent->exec, prev, outcome ? event_type::map_iteration_succeeded : event_type::map_iteration_failed,
             [&] { return json{{"name", s.name}, {"index", index}}; });
    }
    std::vector<std::shared_ptr<frame>> to_abort;
    bool done = false, launch = false;
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        if (g->finished) return;
        g->last_event = (std::max)(g->last_event, prev);
        g->children.erase(index);
        --g->running;
        ++g->completed;
        if (outcome) {
            g->results[index] = std::move(*outcome);
        } else {
            // A failed batch fails each of its items.
            g->failures += g->run && index < g->run->batch_sizes.size() ? g->run->batch_sizes[index] : 1;
            const auto& m = g->is_map ? &std::get<map_state>(s.body) : nullptr;
            const bool tolerance = m && (m->mode == map_mode::distributed || m->tolerated_failure_count.present() ||
                                         m->tolerated_failure_percentage.present());
            bool exceeded = true;
            if (tolerance && (g->tolerated_count || g->tolerated_percentage)) {
                // Only the thresholds that were given apply; the run fails when one is exceeded.
                const std::size_t items = g->run ? g->run->total_items : g->total;
                const double pct = 100.0 * static_cast<double>(g->failures) / static_cast<double>((std::max)(items, std::size_t(1)));
                exceeded = (g->tolerated_count && g->failures > static_cast<std::size_t>(*g->tolerated_count)) ||
                           (g->tolerated_percentage && pct > *g->tolerated_percentage);
            }
            if (exceeded) {
                g->finished = true;
                g->failure = tolerance ? error{errors::exceed_tolerated_failure_threshold,
                                               "The specified tolerated failure threshold was exceeded"}
                                       : std::move(outcome.error());
                for (auto& entry : g->children) to_abort.push_back(std::move(entry.second));
                g->children.clear();
            } else {
                json error_output = json::object();
                error_output["Error"] = outcome.error().name;
                error_output["Cause"] = outcome.error().cause;
                g->results[index] = std::move(error_output);
            }
        }
        if (!g->finished && g->completed == g->total) {
            g->finished = true;
            done = true;
        } else if (g->finished) {
            done = true;
        } else {
            // A runner still going takes the freed slot itself.
            launch = g->is_map && (g->run || g->runners == 0);
        }
    }
    auto self = shared_from_this();
    for (auto& c : to_abort) {
        if (c->exec != g->parent->exec) {  // a distributed Map's child execution
            end_execution(c->exec, execution_status::aborted, json(), error{});
            continue;
        }
        // In the child's own strand: its history link and state are only touched there.
        post_to(c, [self, c, g]() {
            if (g->is_map && !c->done) {
                self->emit(*c->exec, c->prev_event, event_type::map_iteration_aborted,
                     [&] { return json{{"name", g->owner->name}, {"index", c->map_index}}; });
            }
            self->abort_frame(c);
        });
    }
    if (launch) launch_iterations(g);
    if (done) post_fanout_done(g);
}

inline void engine_core::on_fanout_done(const std::shared_ptr<frame>& f, const std::shared_ptr<fanout_group>& g) {
    if (f->generation != g->generation || f->group != g || f->exec->ended.load()) return;
    f->group.reset();
    f->waiting = false;
    ++f->generation;
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        g->children.clear();
    }
    const state& s = f->states->states[f->current];
    std::int64_t last = (std::max)(g->last_event, f->prev_event);
    auto map_run_failed = [&](const error& e) {
        emit(*f->exec, f->prev_event, event_type::map_run_failed, [&] {
            json details = json::object();
            if (!e.name.empty()) details["error"] = e.name;
            if (!e.cause.empty()) details["cause"] = e.cause;
            return details;
        });
    };
    if (g->failure) {
        if (g->run) {
            // AWS still exports what finished; the Map fails with the run's error either way.
            if (g->run->keep_runs) (void)write_map_results(*f, s, std::get<map_state>(s.body), *g->run, json::array());
            map_run_failed(*g->failure);
        } else {
            emit(*f->exec, last, g->is_map ? event_type::map_state_failed : event_type::parallel_state_failed,
                 [] { return json::object(); });
            f->prev_event = last;
        }
        handle_error(f, s, std::move(*g->failure));
        run_frame(f);
        return;
    }

    json results(std::move(g->results));
    g->results.clear();
    if (g->run) {
        if (g->run->keep_runs) {
            auto written = write_map_results(*f, s, std::get<map_state>(s.body), *g->run, std::move(results));
            if (!written) {
                map_run_failed(written.error());
                handle_error(f, s, std::move(written.error()));
                run_frame(f);
                return;
            }
            results = std::move(*written);
        }
        emit(*f->exec, f->prev_event, event_type::map_run_succeeded, [] { return json::object(); });
    } else {
        std::int64_t link = last;
        emit(*f->exec, link, g->is_map ? event_type::map_state_succeeded : event_type::parallel_state_succeeded,
             [] { return json::object(); });
        f->prev_event = last;  // AWS links both Succeeded and Exited to the last branch/iteration event
    }
    const std::optional<payload_template>* selector = nullptr;
    const std::optional<json_path>* result_path = nullptr;
    if (const auto* p = std::get_if<parallel_state>(&s.body)) {
        selector = &p->result_selector;
        result_path = &p->result_path;
    } else {
        const auto& m = std::get<map_state>(s.body);
        selector = &m.result_selector;
        result_path = &m.result_path;
    }
    complete_state(f, s, std::move(results), *selector, *result_path);
}

// ---- distributed Map -------------------------------------------------------------------------

// Calls a host's reader or writer; an exception becomes an error value.
template <class Call>
result<json> call_host(Call&& call, const char* what) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
    try {
        return call();
    } catch (const std::exception& e) {
        return make_error(errors::runtime, std::string(what) + " threw: " + e.what());
    } catch (...) {
        return make_error(errors::runtime, std::string(what) + " threw an exception");
    }
#else
    (void)what;
    return call();
#endif
}

inline result<json> engine_core::distributed_items(const frame& f, const state& s, const map_state& m, json& eff,
                                                   const eval_env& env, map_run& run) {
    json items;
    if (m.item_reader.is_object()) {
        item_read_request request;
        if (auto it = m.item_reader.find("Resource"); it != m.item_reader.end() && it->is_string())
            request.resource = it->get<std::string>();
        if (m.reader_parameters) {
            auto parameters = m.reader_parameters->evaluate(eff, env);
            if (!parameters) return tl::make_unexpected(std::move(parameters.error()));
            request.parameters = std::move(*parameters);
        } else if (auto it = m.item_reader.find("Arguments"); it != m.item_reader.end()) {
            request.parameters = *it;
        }
        if (auto it = m.item_reader.find("ReaderConfig"); it != m.item_reader.end())
            request.config = parse_reader_config(*it);
        constexpr std::int64_t most_items = 100000000;
        if (m.reader_max_items.value) {
            request.config.max_items = *m.reader_max_items.value;
        } else if (m.reader_max_items.path) {
            const json* value = m.reader_max_items.path->find(eff, env);
            if (value && value->is_number() && value->get<double>() < 0)
                return make_error(errors::item_reader_failed, "field MaxItems must be positive");
            auto n = positive_from_path(*m.reader_max_items.path, eff, env, "MaxItemsPath", true);
            if (!n) return tl::make_unexpected(std::move(n.error()));
            request.config.max_items = (std::min)(*n, most_items);
        }
        request.map_run_arn = run.arn;
        auto reader = item_readers_.find(request.resource);
        if (!reader)
            return make_error(errors::item_reader_failed,
                              "No item reader is registered for the resource '" + request.resource + "'.");
        auto read = call_host([&] { return reader->read(request); }, "The item reader");
        if (!read)
            return make_error(errors::item_reader_failed, read.error().cause.empty() ? read.error().name : read.error().cause);
        if (!read->is_array())
            return make_error(errors::item_reader_failed, std::string("The item reader returned ") + read->type_name() +
                                                              ", not an array of items.");
        items = std::move(*read);
        if (request.config.max_items > 0 && items.size() > static_cast<std::size_t>(request.config.max_items))
            items.erase(items.begin() + request.config.max_items, items.end());
    } else {
        if (!m.items_path || m.items_path->is_root()) {
            items = eff;
        } else {
            auto selected = m.items_path->evaluate(eff, env);
            if (!selected) return tl::make_unexpected(std::move(selected.error()));
            items = std::move(*selected);
        }
        if (!items.is_array())
            return make_error(errors::runtime, "The ItemsPath field '" + (m.items_path ? m.items_path->text() : "$") +
                                                   "' must select a JSON array, but it selected " + items.type_name() + ".");
    }
    run.total_items = items.size();
    if (!m.item_batcher.is_object() || items.empty()) return items;

    auto limit = [&](const int_or_path& field, const char* name) -> result<std::size_t> {
        if (field.value) return static_cast<std::size_t>(*field.value);
        if (!field.path) return std::size_t(0);
        auto n = positive_from_path(*field.path, eff, env, name, false);
        if (!n) return tl::make_unexpected(std::move(n.error()));
        return static_cast<std::size_t>(*n);
    };
    auto max_items = limit(m.batch_max_items, "MaxItemsPerBatchPath");
    if (!max_items) return tl::make_unexpected(std::move(max_items.error()));
    auto max_bytes = limit(m.batch_max_bytes, "MaxInputBytesPerBatchPath");
    if (!max_bytes) return tl::make_unexpected(std::move(max_bytes.error()));
    constexpr std::size_t most_bytes = 262144;
    if (*max_bytes > most_bytes) *max_bytes = most_bytes;

    // ItemSelector shapes each item before it joins a batch.
    if (m.item_selector) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            frame_env item_env(*this, f, s);
            item_env.set_map_item(static_cast<std::int64_t>(i), &items[i]);
            auto selected = m.item_selector->evaluate(eff, item_env);
            if (!selected) return tl::make_unexpected(std::move(selected.error()));
            items[i] = std::move(*selected);
        }
    }
    std::optional<json> batch_input;
    if (m.batch_input) {
        auto evaluated = m.batch_input->evaluate(eff, env);
        if (!evaluated) return tl::make_unexpected(std::move(evaluated.error()));
        batch_input = std::move(*evaluated);
    } else if (auto it = m.item_batcher.find("BatchInput"); it != m.item_batcher.end()) {
        batch_input = *it;
    }
    // {"Items":[],"BatchInput":...}: the bytes every batch has besides its items.
    const std::size_t overhead = 11 + (batch_input ? 14 + text(*batch_input).size() : 0);
    json batches = json::array();
    json current = json::array();
    std::size_t current_bytes = overhead;
    auto flush = [&] {
        run.batch_sizes.push_back(current.size());
        json batch = json::object();
        batch["Items"] = std::move(current);
        if (batch_input) batch["BatchInput"] = *batch_input;
        batches.push_back(std::move(batch));
        current = json::array();
        current_bytes = overhead;
    };
    for (auto& item : items) {
        const std::size_t size = *max_bytes ? text(item).size() : 0;
        // An item bigger than the byte limit still runs, alone in its batch.
        if (!current.empty() && ((*max_items && current.size() >= *max_items) ||
                                 (*max_bytes && current_bytes + size + 1 > *max_bytes)))
            flush();
        current_bytes += size + (current.empty() ? 0 : 1);
        current.push_back(std::move(item));
    }
    if (!current.empty()) flush();
    return batches;
}

inline void engine_core::start_child_execution(const std::shared_ptr<fanout_group>& g, std::size_t index, json input) {
    const auto& parent = g->parent;
    const auto& m = std::get<map_state>(g->owner->body);
    const map_run& run = *g->run;
    auto rec = std::make_shared<execution_record>(parent->exec->machine);
    rec->core = shared_from_this();
    rec->name = make_uuid(*this);
    rec->arn = run.child_arn_prefix + rec->name;
    rec->parent_root_arn = parent->exec->root_arn();
    rec->machine_arn = run.machine_arn;
    rec->start_time = clock_->now();
    rec->sink = parent->exec->sink;
    rec->inspector = parent->exec->inspector;
    rec->input = std::move(input);
    rec->machine_name = run.machine_name;

    auto root = std::make_shared<frame>();
    root->exec = rec;
    root->states = m.processor.get();
    root->is_root = true;
    root->current = m.processor->start;
    root->input = rec->input;  // no variable scope: children cannot read the parent's variables
    {
        std::lock_guard<std::mutex> lock(rec->mutex);
        rec->root = root;
    }
    auto self = shared_from_this();
    rec->on_end = [self, g, index](execution_record& r) {
        if (g->parent->exec->ended.load()) return;  // stopped with its parent (or the engine)
        result<json> outcome = r.status == execution_status::succeeded ? result<json>(r.output)
                                                                      : result<json>(tl::make_unexpected(r.failure));
        if (g->run->keep_runs) {
            std::lock_guard<std::mutex> lock(g->mutex);
            child_run& c = g->run->runs[index];
            c.arn = r.arn;
            c.name = r.name;
            c.status = r.status;
            c.input = r.input;
            c.output = r.output;
            c.failure = r.failure;
            c.start_date = r.start_time;
            c.stop_date = r.stop_time;
        }
        self->on_child_finished(g, index, nullptr, std::move(outcome));
    };
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        executions_[rec->arn] = rec;
    }
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        g->children.emplace(index, root);
    }
    std::int64_t prev = 0;
    emit(*rec, prev, event_type::execution_started, [&] { return execution_started_details(rec->input); });
    root->prev_event = prev;
    post_to(root, [self, root]() { self->run_frame(root); });
}

// With a ResultWriter: export through the registered writer (the Map's output becomes
// {"MapRunArn", "ResultWriterDetails"}), or with only a WriterConfig, transform the results.
inline result<json> engine_core::write_map_results(const frame& f, const state& s, const map_state& m, map_run& run,
                                                   json results) {
    const json& rw = m.result_writer;
    auto resource = rw.find("Resource");
    const bool exporting = resource != rw.end() && resource->is_string();
    auto config_field = rw.find("WriterConfig");
    const writer_config config = parse_writer_config(config_field != rw.end() ? *config_field : json(), exporting);
    if (!exporting) {
        if (config_field == rw.end()) return results;
        return transformed_results(run.runs, run.machine_arn, config.transformation);
    }
    result_write_request request;
    request.resource = resource->get<std::string>();
    frame_env env(*this, f, s);
    if (m.writer_parameters) {
        auto eff = effective_input(s, f.input, env);
        if (!eff) return make_error(errors::result_writer_failed, eff.error().cause);
        auto parameters = m.writer_parameters->evaluate(*eff, env);
        if (!parameters) return make_error(errors::result_writer_failed, parameters.error().cause);
        request.parameters = std::move(*parameters);
    } else if (auto it = rw.find("Arguments"); it != rw.end()) {
        request.parameters = *it;
    }
    request.config = config;
    request.map_run_arn = run.arn;
    request.state_machine_arn = run.machine_arn;
    request.runs = &run.runs;
    auto writer = result_writers_.find(request.resource);
    if (!writer)
        return make_error(errors::result_writer_failed,
                          "No result writer is registered for the resource '" + request.resource + "'.");
    auto details = call_host([&] { return writer->write(request); }, "The result writer");
    if (!details)
        return make_error(errors::result_writer_failed,
                          details.error().cause.empty() ? details.error().name : details.error().cause);
    json out = json::object();
    out["MapRunArn"] = run.arn;
    out["ResultWriterDetails"] = std::move(*details);
    return out;
}

inline void engine_core::handle_error(const std::shared_ptr<frame>& f, const state& s, error e, bool heartbeat) {
    const recovery* recover = recovery_of(s);
    if (!recover) return fail_frame(f, std::move(e));
    std::optional<std::size_t> exhausted;

    for (std::size_t i = 0; i < recover->retry.size(); ++i) {
        const retrier& r = recover->retry[i];
        if (!error_matches(r.error_equals, e.name, heartbeat)) continue;
        // The first matching retrier decides, even when it is exhausted (asl-reference.md §13.18).
        if (f->retrier_attempts.size() <= i) f->retrier_attempts.resize(recover->retry.size(), 0);
        if (f->retrier_attempts[i] >= r.max_attempts) {
            exhausted = i;
            break;
        }
        const auto delay = retry_delay(r, f->retrier_attempts[i], [this] { return random_unit(); });
        {
            error_decision d;
            d.action = error_decision::kind::retry;
            d.retrier = i;
            d.retry_count = f->retrier_attempts[i];
            d.delay_seconds = std::chrono::duration<double>(delay).count();
            decide(*f, s, e, d);
        }
        ++f->retrier_attempts[i];
        ++f->retry_count;
        f->waiting = true;
        const auto generation = ++f->generation;
        auto self = shared_from_this();
        std::weak_ptr<frame> weak = f;
        f->timer = clock_->schedule_at(clock_->now() + std::chrono::duration_cast<time_point::duration>(delay),
                                       [self, weak, generation]() {
                                           auto fr = weak.lock();
                                           if (!fr) return;
                                           self->post_to(fr, [self, fr, generation]() {
                                               if (fr->generation != generation || fr->exec->ended.load()) return;
                                               fr->waiting = false;
                                               fr->timer.reset();
                                               self->start_work(fr, fr->states->states[fr->current]);
                                               self->run_frame(fr);
                                           });
                                       });
        return;
    }

    for (std::size_t ci = 0; ci < recover->catch_.size(); ++ci) {
        const catcher& c = recover->catch_[ci];
        if (!error_matches(c.error_equals, e.name, heartbeat)) continue;
        {
            error_decision d;
            d.action = error_decision::kind::catch_;
            d.retrier = exhausted;
            d.catcher = ci;
            d.next = c.next.name;
            decide(*f, s, e, d);
        }
        json error_output = json::object();
        error_output["Error"] = e.name;
        error_output["Cause"] = e.cause;
        frame_env env(*this, *f, s);
        auto vars = evaluate_assign(c.assign, error_output, env);
        if (!vars) return fail_frame(f, state_error(*f, s, std::move(vars.error())));
        auto out = apply_result_path(c.result_path, std::move(f->input), std::move(error_output));
        if (!out) return fail_frame(f, std::move(out.error()));
        // The error merged into the raw input can take it over the limit.
        if (auto size = check_size(*out, s.name); !size) return fail_frame(f, std::move(size.error()));
        exit_state(f, s, std::move(*out), &c.next, &*vars);
        return;
    }
    {
        error_decision d;
        d.retrier = exhausted;
        decide(*f, s, e, d);
    }
    fail_frame(f, std::move(e));
}

inline void engine_core::fail_frame(const std::shared_ptr<frame>& f, error e) {
    f->done = true;
    f->waiting = false;
    if (f->is_root) {
        end_execution(f->exec, execution_status::failed, json(), std::move(e));
    } else if (f->member_of) {
        child_ended(f, tl::make_unexpected(std::move(e)));
    }
}

inline void engine_core::finish_frame(const std::shared_ptr<frame>& f, json output) {
    f->done = true;
    f->waiting = false;
    // Every state checked its output against the payload limit (a Catch its merged output),
    // unless it only selected from an input that was checked: no need to walk it again.
    if (f->is_root) {
        end_execution(f->exec, execution_status::succeeded, std::move(output), error{});
    } else if (f->member_of) {
        child_ended(f, std::move(output));
    }
}

inline void engine_core::abort_frame(const std::shared_ptr<frame>& f) {
    if (f->timer) clock_->cancel(*f->timer);
    if (f->heartbeat_timer) clock_->cancel(*f->heartbeat_timer);
    f->timer.reset();
    f->heartbeat_timer.reset();
    if (f->attempt) {
        unregister_token(f->attempt->token);
        f->attempt->cancel();
        f->attempt.reset();
    }
    if (auto g = std::move(f->group)) {
        std::vector<std::shared_ptr<frame>> children;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            g->finished = true;
            for (auto& entry : g->children) children.push_back(std::move(entry.second));
            g->children.clear();
        }
        auto self = shared_from_this();
        for (auto& c : children) {
            if (c->exec != f->exec) end_execution(c->exec, execution_status::aborted, json(), error{});
            else post_to(c, [self, c]() { self->abort_frame(c); });
        }
    }
    ++f->generation;
    f->done = true;
    f->waiting = false;
}

inline void engine_core::end_execution(const std::shared_ptr<execution_record>& rec, execution_status status, json output,
                                       error e) {
    if (rec->ended.exchange(true)) return;
    static constexpr event_type final_events[] = {event_type::execution_started, event_type::execution_succeeded,
                                                  event_type::execution_failed, event_type::execution_timed_out,
                                                  event_type::execution_aborted};
    std::optional<timer_id> timeout;
    std::shared_ptr<frame> root;
    {
        std::lock_guard<std::mutex> lock(rec->mutex);
        timeout = rec->timeout_timer;
        root = std::move(rec->root);
    }
    if (timeout) clock_->cancel(*timeout);
    // The last event so far: frames may be running on other threads, so not a frame's own link.
    std::int64_t prev = rec->event_count.load();
    if (root) {
        // Abort in the frame's own strand: its data is only touched there. It aborts its running
        // branches and iterations, and they theirs.
        auto self = shared_from_this();
        post_to(root, [self, root]() { self->abort_frame(root); });
    }
    emit(*rec, prev, final_events[static_cast<int>(status)], [&] {
        if (status == execution_status::succeeded) return io_details("output", "outputDetails", output);
        json details = json::object();
        if (!e.name.empty()) details["error"] = e.name;
        if (!e.cause.empty()) details["cause"] = e.cause;
        return details;
    });
    std::function<void(execution_record&)> on_end;
    {
        std::lock_guard<std::mutex> lock(rec->mutex);
        rec->status = status;
        rec->output = std::move(output);
        rec->failure = std::move(e);
        rec->stop_time = clock_->now();
        on_end = std::move(rec->on_end);
    }
    rec->finished.notify_all();
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = executions_.find(rec->arn);
        if (it != executions_.end() && it->second.lock() == rec) executions_.erase(it);
    }
    if (on_end) on_end(*rec);
}

inline result<void> engine_core::stop(std::string_view arn, std::string error_name, std::string cause) {
    std::shared_ptr<execution_record> rec;
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = executions_.find(arn);
        if (it != executions_.end()) rec = it->second.lock();
    }
    if (!rec) return make_error("ExecutionDoesNotExist", "no running execution has the ARN '" + std::string(arn) + "'");
    end_execution(rec, execution_status::aborted, json(), error{std::move(error_name), std::move(cause)});
    return {};
}

inline result<std::shared_ptr<task_attempt>> engine_core::find_attempt(std::string_view token) {
    std::shared_ptr<task_attempt> attempt;
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = tokens_.find(std::string(token));
        if (it != tokens_.end()) attempt = it->second.lock();
    }
    if (!attempt) return make_error("TaskDoesNotExist", "no task is waiting for the token '" + std::string(token) + "'");
    return attempt;
}

inline result<void> engine_core::send_task_success(std::string_view token, json output) {
    auto attempt = find_attempt(token);
    if (!attempt) return tl::make_unexpected(std::move(attempt.error()));
    if (exceeds_size(output, options_.bounds.max_payload_bytes))
        return make_error("InvalidOutput", "the output exceeds the maximum payload size");
    (*attempt)->resolve(std::move(output));
    return {};
}

inline result<void> engine_core::send_task_failure(std::string_view token, std::string error_name, std::string cause) {
    auto attempt = find_attempt(token);
    if (!attempt) return tl::make_unexpected(std::move(attempt.error()));
    (*attempt)->resolve(tl::make_unexpected(error{std::move(error_name), std::move(cause)}));
    return {};
}

inline result<void> engine_core::send_task_heartbeat(std::string_view token) {
    auto attempt = find_attempt(token);
    if (!attempt) return tl::make_unexpected(std::move(attempt.error()));
    (*attempt)->heartbeat();
    return {};
}

} // namespace stepfn::detail

namespace stepfn {

inline const std::string& execution::arn() const noexcept { return record_->arn; }
inline const std::string& execution::name() const noexcept { return record_->name; }
inline execution_status execution::status() const {
    std::lock_guard<std::mutex> lock(record_->mutex);
    return record_->status;
}
inline bool execution::done() const { return status() != execution_status::running; }

inline result<json> execution::outcome() const {
    std::lock_guard<std::mutex> lock(record_->mutex);
    if (record_->status == execution_status::succeeded) return record_->output;
    if (record_->status == execution_status::running) return make_error("ExecutionRunning", "the execution is still running");
    return tl::make_unexpected(record_->failure);
}

inline const json* execution::output() const {
    std::lock_guard<std::mutex> lock(record_->mutex);
    return record_->status == execution_status::succeeded ? &record_->output : nullptr;
}

inline execution_status execution::join() const {
    auto& core = *record_->core;
    if (core.driver) {
        core.driver([this] { return done(); });
    } else {
        std::unique_lock<std::mutex> lock(record_->mutex);
        record_->finished.wait(lock, [this] { return record_->status != execution_status::running; });
    }
    return status();
}

inline result<json> execution::wait() const {
    join();
    return outcome();
}

} // namespace stepfn

#endif
