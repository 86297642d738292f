#ifndef STEPFN_RUNTIME_INVOKER_REGISTRY_HPP
#define STEPFN_RUNTIME_INVOKER_REGISTRY_HPP

// STUB API: being written. The contract:

#include <memory>
#include <string>
#include <string_view>

#include <stepfn/runtime/task_invoker.hpp>

namespace stepfn {

// Routes a Task's Resource to an invoker: an exact match first, then the longest registered
// prefix. Thread-safe for concurrent lookups; registration is expected before executions start
// but is also safe while they run.
class invoker_registry {
public:
    void add(std::string resource, std::shared_ptr<task_invoker> invoker);         // exact
    void add_prefix(std::string prefix, std::shared_ptr<task_invoker> invoker);    // e.g. "arn:aws:lambda:"
    // A fallback for every resource nothing else matches (e.g. a mock invoker).
    void set_default(std::shared_ptr<task_invoker> invoker);
    std::shared_ptr<task_invoker> find(std::string_view resource) const;
};

} // namespace stepfn

#endif
