#ifndef STEPFN_ENGINE_DETAIL_FRAME_HPP
#define STEPFN_ENGINE_DETAIL_FRAME_HPP

// A frame is one thread of control inside an execution (the top level, a Parallel branch, a
// Map iteration): the state it is in, that state's raw input, and what it waits for.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/clocks/timer.hpp>
#include <stepfn/detail/json_size.hpp>
#include <stepfn/engine/detail/execution_record.hpp>
#include <stepfn/engine/detail/history_text.hpp>
#include <stepfn/engine/detail/strand.hpp>
#include <stepfn/error.hpp>
#include <stepfn/job.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/states.hpp>
#include <stepfn/tasks/result_writer.hpp>

namespace stepfn::detail {

class task_attempt;
struct fanout_group;
struct task_instruments;

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

    strand lane;  // unused when the execution has one for all its frames

    // The state being executed.
    state_index current = no_state;
    json input;                      // the state's raw input (kept for ResultPath and Catch)
    // `input` serialised, as the state that produced it knew it (unknown_size otherwise), so a
    // ResultPath merge is checked against the payload limit without walking unchanged data.
    // Whatever replaces `input` outside exit_state resets it.
    std::size_t input_size = unknown_size;
    // `input` as history text, when the Exited event that handed it on made it: the next
    // Entered event shares it. Set only just before the next state runs; taken by it.
    history_text input_text;
    // The Entered event's text of `input` while a state that hands its input on untouched runs
    // (passes_input_through: its Exited event shows the same text), or until a Task whose
    // input is the state's input schedules it (TaskScheduled shows it).
    history_text entered_text;
    time_point entered_time;
    std::int64_t entered_event = 0;
    // The state whose Entered event the previous state's exit emitted with its Exited event
    // (engine_core::enters_with_exit); execute_state then does not emit it again.
    const state* entered_early = nullptr;
    std::int64_t retry_count = 0;
    std::vector<std::int64_t> retrier_attempts;
    std::uint64_t generation = 0;    // bumped whenever what the frame waits for changes
    std::optional<timer_id> timer;
    std::optional<timer_id> heartbeat_timer;
    time_point timer_at{};           // when `timer` fires (a checkpoint records deadlines)
    time_point heartbeat_at{};
    json wait_assigned;              // a Wait's Assign, applied when its timer fires
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
    std::string failed_run;  // durable: the run that just failed the state, its snapshot text (for a redrive)
    std::int64_t map_index = -1;           // this frame's Map iteration, for history
    time_point task_scheduled_at = time_point::min();  // with metrics: the current task attempt's
    time_point task_started_at = time_point::min();    // times; min() while not known here
    task_instruments* task_meter = nullptr;  // with metrics: the current attempt's series
    std::uint64_t state_span = 0;          // with spans: the open state span, the open attempt span
    std::uint64_t attempt_span = 0;
    time_point state_span_start{};
    time_point attempt_span_start{};
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
    json branch_input;               // Parallel run by runners: every branch's input
    std::int64_t start_event = 0;    // Parallel run by runners: what each branch's first event links to
    json::array_t results;
    // The serialised sizes of the results the runners handed back (capped past the payload
    // limit) and how many they were: when that is all of them, the run's output is not walked.
    std::size_t results_size = 0;
    std::size_t sized_results = 0;
    std::size_t total = 0;
    std::size_t next = 0;            // Map: the next item to start
    std::size_t running = 0;
    std::size_t completed = 0;
    std::size_t max_running = 0;
    std::size_t runners = 0;         // inline Map: jobs starting iterations (see run_iterations)
    // One of `runners` is owed to the thread that started the run, which runs it once the parent
    // is parked (engine_core::apply). Read and written only in the parent's strand.
    bool start_here = false;
    std::size_t failures = 0;
    std::optional<std::int64_t> tolerated_count;
    std::optional<double> tolerated_percentage;
    // Set under `mutex`; atomic so that a runner can stop between items without taking it.
    std::atomic<bool> finished{false};
    std::size_t aborting = 0;        // failed: the children still to abort before the run ends
    std::optional<error> failure;
    std::int64_t last_event = 0;
    // The last event inside the iteration that ended last (before its MapIterationSucceeded):
    // AWS links the next MapIterationStarted to it.
    std::int64_t last_inner = 0;
    // The run failed: the failing branch's or iteration's last event, and whether the
    // ParallelStateFailed/MapStateFailed that follows it was written (not when a Retry runs
    // the state again).
    std::int64_t failed_event = 0;
    bool failed_written = false;
    // The running branches/iterations, owned here; a finished one is released at once so a long
    // Map keeps only outputs.
    std::unordered_map<std::size_t, std::shared_ptr<frame>> children;

    // Under `mutex`: a runner's finished outputs (index, output) into `results`, with their
    // summed size (capped at `cap`) and the runner's latest event; true when they were the last.
    bool hand_back(std::vector<std::pair<std::size_t, json>>& outputs, std::size_t size, std::int64_t latest_event,
                   std::size_t cap) {
        for (auto& [index, output] : outputs) results[index] = std::move(output);
        running -= outputs.size();
        completed += outputs.size();
        sized_results += outputs.size();
        results_size = (std::min)(results_size + size, cap);
        last_event = (std::max)(last_event, latest_event);
        return completed == total;
    }
    // Durable executions: snapshots of the branches and iterations that failed or were aborted,
    // as they stood, so that a redrive runs only those again. (Snapshots, not frames: a frame
    // here would point back at its group.)
    std::vector<std::string> stopped;
    std::shared_ptr<map_run> run;    // distributed Map only: children are executions
};

// The iteration a runner is running on this thread right now: when it succeeds before
// run_frame returns, the runner collects its output itself (see child_ended).
inline frame*& inline_iteration() noexcept {
    static thread_local frame* current = nullptr;
    return current;
}

} // namespace stepfn::detail

#endif
