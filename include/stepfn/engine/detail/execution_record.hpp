#ifndef STEPFN_ENGINE_DETAIL_EXECUTION_RECORD_HPP
#define STEPFN_ENGINE_DETAIL_EXECUTION_RECORD_HPP

// One execution as data: its identity, status, outcome, history counter and top-level frame;
// and the workflow variables of one scope.

#include <atomic>
#include <condition_variable>
#include <vector>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <stepfn/clocks/timer.hpp>
#include <stepfn/detail/json_release.hpp>
#include <stepfn/engine/detail/durable_state.hpp>
#include <stepfn/error.hpp>
#include <stepfn/execution_status.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/observe/state_inspector.hpp>
#include <stepfn/observe/tracing.hpp>

namespace stepfn::detail {

class engine_core;
struct frame;
struct machine_instruments;

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

// A number for each execution record, unique in the process (event_parts::execution).
inline std::uint64_t next_history_serial() noexcept {
    static std::atomic<std::uint64_t> serial{0};
    return serial.fetch_add(1, std::memory_order_relaxed) + 1;
}

struct execution_record {
    explicit execution_record(state_machine m) : machine(std::move(m)) {}
    // The output and `$$` input die with the record, on the thread that lets go of it last
    // (often a pool thread's last job, not the host): freed without the heap stack nlohmann's
    // destructor builds (json_release.hpp).
    ~execution_record() {
        release(output);
        release(input);
    }

    std::shared_ptr<engine_core> core;
    state_machine machine;
    std::string arn;
    std::string name;
    std::string machine_arn;  // set for a Map Run's children; otherwise derived when `$$` is read
    std::string role_arn;     // start_options::role_arn; empty: the engine's
    json input;              // as started: `$$.Execution.Input` (kept only when the machine reads `$$`)
    // The caller's input text (start_options::input_text) when it spells the input otherwise
    // than stepfn would: ExecutionStarted and the first state's Entered event show it as given.
    std::string given_input;
    bool express = false;    // EXPRESS: no history-length limit
    time_point start_time;
    std::int64_t redrive_count = 0;  // `$$.Execution.RedriveCount`, and RedriveTime once redriven
    time_point redrive_time;
    std::shared_ptr<history_sink> sink;  // per execution
    std::shared_ptr<state_inspector> inspector;
    // With engine_options::spans: the execution's span (span_id 0: not traced) and its parent.
    trace_context trace{0, 0, 0, 0};
    std::uint64_t trace_parent_span = 0;
    time_point trace_start;
    machine_instruments* instruments = nullptr;  // with metrics: its machine's series (the engine's cache)

    std::atomic<bool> ended{false};
    // Bumped by every event of every branch and iteration, on any thread: kept on a cache line
    // of its own so that it does not slow down readers of the fields around it. Padded rather
    // than alignas(64): an over-aligned record is allocated through posix_memalign, which takes
    // glibc's large-chunk path (and a consolidation of its fast bins) once per execution. The
    // counter and its neighbours are 8-aligned, so 56 bytes either side keep them off its line.
    char event_count_gap_before[56] = {};
    std::atomic<std::int64_t> event_count{0};
    char event_count_gap_after[56] = {};
    std::mutex history_mutex;
    const std::uint64_t history_serial = next_history_serial();  // next to the lock emit() takes
    bool history_closed = false;  // under history_mutex: its end event is recorded (open_history)
    // What its receivers take (engine_core::receivers), asked of the sinks at its first event
    // and kept: 0 not asked yet. Its sinks and its store are set before its first event and
    // never change.
    mutable std::atomic<std::uint8_t> receivers{0};
    mutable std::mutex mutex;
    std::condition_variable finished;
    // Set once, under `mutex`, after `output` and `failure`, which never change again: a reader
    // that sees it ended reads them without the lock (execution::done(), output()).
    std::atomic<execution_status> status{execution_status::running};
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
    // The host's execution::on_end callbacks, called once when it ends (under `mutex`).
    std::vector<std::function<void()>> end_watchers;
    // With a store: false from a start or redrive until its first checkpoint is answered; the
    // host's execution::on_stored callbacks wait for that (under `mutex`).
    bool stored = true;
    std::vector<std::function<void(result<void>)>> stored_watchers;
    // With a store: the execution's strand and its next checkpoint (durable.hpp).
    std::unique_ptr<durable_state> durable;
    // The engine's driver (see engine_core::driver), so that wait() can drive the executor.
    const std::function<void(const std::function<bool()>&)>* driver = nullptr;
    // The engine's helper (see engine_core::helper), so that wait() can run queued jobs.
    const std::function<void(const std::function<bool()>&)>* helper = nullptr;
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
        flush();
        tally_.rec = nullptr;
    }
    // Adds the events counted so far to their record, as the end of the job would: for a job
    // that goes on past the point where it used to end (a Map's runner that keeps its thread).
    void flush() noexcept {
        if (!tally_.count) return;
        tally_.rec->event_count.fetch_add(tally_.count, std::memory_order_relaxed);
        tally_.count = 0;
    }
    tally_scope(const tally_scope&) = delete;
    tally_scope& operator=(const tally_scope&) = delete;

private:
    event_tally& tally_;
    bool owner_;  // nested scopes leave the outer one's binding alone
};

} // namespace stepfn::detail

#endif
