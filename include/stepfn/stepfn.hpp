#ifndef STEPFN_STEPFN_HPP
#define STEPFN_STEPFN_HPP

// The common parts of stepfn in one include: loading, the engine with its standard executors,
// clocks and sinks, and task invokers. Optional parts (the testing toolkit, YAML, the builder,
// printing) and every integration with an outside system (integrations/: local files, and
// later databases and HTTP) have their own headers and are not included here.

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/version.hpp>

#include <stepfn/load/loader.hpp>
#include <stepfn/load/machine_file.hpp>
#include <stepfn/model/express_support.hpp>
#include <stepfn/model/state_machine.hpp>

#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/history/event_parts.hpp>
#include <stepfn/history/fanout_sink.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/history/jsonl_sink.hpp>
#include <stepfn/history/log_sink.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/tasks/invoker_registry.hpp>
#include <stepfn/tasks/task_invoker.hpp>

#include <stepfn/engine/engine.hpp>

namespace stepfn {

// The usual engine of a service: a thread pool and real time.
using engine = basic_engine<thread_pool_executor, system_clock>;

// The usual engine of a test or a command-line tool: the caller's thread and virtual time.
using manual_engine = basic_engine<manual_executor, virtual_clock>;

} // namespace stepfn

#endif
