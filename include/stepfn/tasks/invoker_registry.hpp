#ifndef STEPFN_TASKS_INVOKER_REGISTRY_HPP
#define STEPFN_TASKS_INVOKER_REGISTRY_HPP

#include <stepfn/tasks/detail/resource_router.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

// Routes a Task's Resource to an invoker: an exact match first, then the longest registered
// prefix, then the default (e.g. a mock invoker); nullptr when nothing matches. The Resource
// is matched as written in the definition (suffixes such as `.waitForTaskToken` included).
//
// Thread-safe: lookups take a shared lock, so many executions find concurrently; registration
// is expected before executions start but is also safe while they run. Registering a resource
// or prefix again replaces its invoker; registering nullptr removes it.
class invoker_registry : public detail::resource_router<task_invoker> {};

} // namespace stepfn

#endif
