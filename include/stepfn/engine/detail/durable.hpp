#ifndef STEPFN_ENGINE_DETAIL_DURABLE_HPP
#define STEPFN_ENGINE_DETAIL_DURABLE_HPP

// Durable executions (engine_options::store): recovery and redrive.

#include <string>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/engine_core.hpp>

namespace stepfn::detail {

STEPFN_INLINE result<std::vector<execution>> engine_core::recover() {
    if (!options_.store) return make_error("StoreNotConfigured", "recover() needs an engine with a store (engine_options::store)");
    return make_error("NotImplemented", "recover() is being built");
}

STEPFN_INLINE result<execution> engine_core::redrive(std::string_view arn) {
    if (!options_.store) return make_error("StoreNotConfigured", "redrive() needs an engine with a store (engine_options::store)");
    return make_error("NotImplemented", "redrive of '" + std::string(arn) + "' is being built");
}

} // namespace stepfn::detail

#endif
