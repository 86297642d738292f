#ifndef STEPFN_BUILD_DETAIL_BUILT_STATE_HPP
#define STEPFN_BUILD_DETAIL_BUILT_STATE_HPP

// What the builder records for one declared state, and the small conversions its setters share.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <stepfn/expressions/query_language.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/states.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

class scope_builder;

namespace detail {

inline const char* language_name(query_language language) noexcept {
    return language == query_language::jsonata ? "JSONata" : "JSONPath";
}

// Integral values print as integers ("BackoffRate": 2, not 2.0), as people write them.
inline json number_value(double value) {
    constexpr double max_exact = 9007199254740992.0;  // 2^53
    if (value >= -max_exact && value <= max_exact && static_cast<double>(static_cast<std::int64_t>(value)) == value)
        return json(static_cast<std::int64_t>(value));
    return json(value);
}

// One declared state. Owned by its scope through a unique_ptr, so the handles the builder
// returns stay valid while more states are added.
struct built_state {
    std::string name;
    state_type type = state_type::pass;
    json fields = json::object();                     // ASL fields in the order they were set
    std::vector<std::unique_ptr<scope_builder>> branches;  // Parallel
    std::unique_ptr<scope_builder> processor;          // Map
    std::shared_ptr<task_invoker> invoker;             // Task: bound callable
};

struct binding_site {
    std::string resource;
    std::string state_name;
    std::shared_ptr<task_invoker> invoker;
};

} // namespace detail

} // namespace stepfn

#endif
