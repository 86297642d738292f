#ifndef STEPFN_STORE_STORED_EXECUTION_HPP
#define STEPFN_STORE_STORED_EXECUTION_HPP

// What an execution store holds, in the shapes it is written and read in: an execution's row
// (AWS's DescribeExecution fields), a checkpoint (one atomic write), and the pages a reader asks
// for. Payloads are JSON text, as AWS returns them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <stepfn/execution_status.hpp>
#include <stepfn/history/event.hpp>

namespace stepfn {

using store_time = std::chrono::system_clock::time_point;

// One execution as DescribeExecution shows it.
struct stored_execution {
    std::string arn;
    std::string name;
    std::string machine_arn;             // arn:aws:states:<region>:<account>:stateMachine:<name>
    std::string definition_id;           // the machine version it is pinned to (see machine_version)
    execution_status status = execution_status::running;
    std::string input;                   // JSON text
    std::string output;                  // JSON text; empty unless it succeeded
    std::string error;
    std::string cause;
    store_time start_date{};
    std::optional<store_time> stop_date;
    std::int64_t redrive_count = 0;
    std::optional<store_time> redrive_date;
    std::int64_t event_count = 0;        // the id of its latest history event
    std::uint64_t sequence = 0;          // its latest checkpoint's (the next one must follow it)
};

// A state machine's definition as an execution started it; executions stay pinned to it.
struct machine_version {
    std::string id;                      // derived from the definition text (stable across processes)
    std::string machine_arn;
    std::string definition;              // ASL JSON text
};

// How an execution ended (or, for a redrive, started again).
struct execution_change {
    execution_status status = execution_status::running;
    std::string output;                  // JSON text, when it succeeded
    std::string error;
    std::string cause;
    store_time date{};                   // stop date; for a redrive, the redrive date
    std::int64_t redrive_count = 0;      // a redrive: the new count
};

// A task token that became valid (an attempt waits for it) or stopped being valid.
struct token_change {
    std::string token;
    bool open = true;
};

// One atomic write: all of it is stored, or none.
struct execution_checkpoint {
    std::string execution_arn;
    std::uint64_t sequence = 0;             // 1, 2, 3, ... per execution, in the order made
    std::optional<stored_execution> created;   // the first checkpoint: the execution's row
    std::optional<machine_version> machine;    // with `created`: the version, unless stored already
    std::vector<history_event> events;      // appended; their ids follow the stored ones
    std::string snapshot;                   // what the execution is now (engine-defined JSON text);
                                            // empty keeps the previous one
    std::optional<execution_change> ended;     // the execution ended (SUCCEEDED, FAILED, ...)
    std::optional<execution_change> redriven;  // a FAILED/ABORTED/TIMED_OUT execution runs again
    std::vector<token_change> tokens;
};

// ListExecutions: newest first.
struct execution_filter {
    std::string machine_arn;                 // empty: every machine
    std::optional<execution_status> status;  // empty: every status
    std::size_t max_results = 100;
    std::string next_token;                  // from the previous page; empty for the first
};

struct execution_page {
    std::vector<stored_execution> executions;
    std::string next_token;                  // empty on the last page
};

// GetExecutionHistory: events in id order (or reversed), a page at a time.
struct history_request {
    std::size_t max_results = 1000;
    bool reverse_order = false;
    std::string next_token;
};

struct history_page {
    std::vector<history_event> events;
    std::string next_token;
};

} // namespace stepfn

#endif
