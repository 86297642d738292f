#ifndef STEPFN_ENGINE_DETAIL_ENGINE_IMPL_HPP
#define STEPFN_ENGINE_DETAIL_ENGINE_IMPL_HPP

// Every definition of the engine core, in the order of engine_core.hpp's table of contents.
// Header-only mode includes it from engine_core.hpp; the compiled mode's one source file
// includes it instead (STEPFN_SEPARATE_COMPILATION). Each part includes engine_core.hpp
// before its guard: a part included first brings this list in, so that the parts, which use
// each other, are always defined in this order.

#include <stepfn/engine/detail/engine_core.hpp>

#include <stepfn/engine/detail/telemetry.hpp>
#include <stepfn/engine/detail/lifecycle.hpp>
#include <stepfn/engine/detail/scheduling.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/context_object.hpp>
#include <stepfn/engine/detail/controller.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/jsonata_flow.hpp>
#include <stepfn/engine/detail/states/pass.hpp>
#include <stepfn/engine/detail/states/choice.hpp>
#include <stepfn/engine/detail/states/wait.hpp>
#include <stepfn/engine/detail/states/succeed_fail.hpp>
#include <stepfn/engine/detail/states/task.hpp>
#include <stepfn/engine/detail/states/parallel.hpp>
#include <stepfn/engine/detail/states/fanout.hpp>
#include <stepfn/engine/detail/states/map.hpp>
#include <stepfn/engine/detail/states/map_inline.hpp>
#include <stepfn/engine/detail/states/map_distributed.hpp>
#include <stepfn/engine/detail/durable.hpp>
#include <stepfn/engine/detail/restore.hpp>
#include <stepfn/engine/detail/redrive.hpp>
#include <stepfn/engine/detail/park.hpp>
#include <stepfn/engine/detail/execution_impl.hpp>
#include <stepfn/engine/detail/spans.hpp>

#endif
