#ifndef STEPFN_INTEGRATIONS_POSTGRES_WORK_HPP
#define STEPFN_INTEGRATIONS_POSTGRES_WORK_HPP

// The work a worker on a shared PostgreSQL store (postgres_store.hpp) is handed: the executions
// it claimed, each with its lease's fencing token, and the messages (task results, stops,
// redrives) that other processes sent to an execution it owns.

#include <cstdint>
#include <string>

namespace stepfn {

// What postgres_store::claim() hands a worker: an execution and its lease's fencing token.
struct execution_claim {
    std::string arn;
    std::uint64_t generation = 0;
    bool has_messages = false;  // take_messages() has something for it
};

// What postgres_store::send() stored for an execution, as take_messages() hands it to its owner.
struct execution_message {
    std::int64_t id = 0;
    std::string kind;  // "task_success", "task_failure", "stop", "redrive", ... (the sender's)
    std::string body;
};

} // namespace stepfn

#endif
