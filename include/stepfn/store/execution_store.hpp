#ifndef STEPFN_STORE_EXECUTION_STORE_HPP
#define STEPFN_STORE_EXECUTION_STORE_HPP

// The home of durability: an execution store keeps what an execution is, one checkpoint at a
// time, so that an engine opened on it later (after a crash, in another process) goes on from
// there. Without one (the default), executions live in memory only, as AWS's Express workflows
// do, and cost nothing extra.
//
// The engine hands the store checkpoints and waits, without holding a thread, for `done`:
// effects outside the execution (a task dispatch, an answer to a caller) happen only once the
// checkpoint that leads to them is durable. A store may batch the checkpoints of many
// executions into one transaction (group commit).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/store/stored_execution.hpp>

namespace stepfn {

class execution_store {
public:
    virtual ~execution_store() = default;

    // Makes `checkpoint` durable, atomically. `done` is called exactly once, on any thread and
    // possibly before commit() returns, with the outcome; the checkpoints of one execution are
    // made durable in the order they were given (by `sequence`). After an error the store may
    // refuse later checkpoints of that execution.
    virtual void commit(execution_checkpoint checkpoint, std::function<void(result<void>)> done) = 0;
    // Blocks until everything given to commit() so far is durable (or failed).
    virtual result<void> flush() = 0;

    // Reads see every checkpoint whose `done` has been called.
    virtual result<std::optional<stored_execution>> find_execution(std::string_view arn) = 0;
    virtual result<std::optional<machine_version>> find_machine_version(std::string_view id) = 0;
    // The latest snapshot written for the execution (kept after it ends, for redrive).
    virtual result<std::string> snapshot(std::string_view arn) = 0;
    virtual result<execution_page> list_executions(const execution_filter& filter) = 0;
    virtual result<history_page> history(std::string_view arn, const history_request& request) = 0;
    // Every execution still RUNNING, oldest first: what an engine opened on the store resumes.
    virtual result<std::vector<std::string>> unfinished_executions() = 0;
    // The execution a task token belongs to, while it is open.
    virtual result<std::optional<std::string>> find_token(std::string_view token) = 0;
};

} // namespace stepfn

#endif
