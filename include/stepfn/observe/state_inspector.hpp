#ifndef STEPFN_OBSERVE_STATE_INSPECTOR_HPP
#define STEPFN_OBSERVE_STATE_INSPECTOR_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

// What the engine decided about an error in a Task, Parallel or Map state.
struct error_decision {
    enum class kind { retry, catch_, fail } action = kind::fail;
    std::optional<std::size_t> retrier;        // the retrier that matched (retry, or exhausted)
    std::optional<std::size_t> catcher;        // the catcher that matched
    std::int64_t retry_count = 0;              // retries made by that retrier before this one
    double delay_seconds = 0;                  // before the retry
    std::string next;                          // the catcher's Next
};

// Sees the data at each stage of a state's processing and every error decision: the
// TestState-style inspection (stepfn/testing) is built on it. The engine calls it from the
// execution's frames, so it must be thread-safe when branches run concurrently. Stages:
// "input", "afterInputPath", "afterParameters", "result", "afterResultSelector",
// "afterResultPath", "output" (after OutputPath), "afterItemsPath" (Map).
// Inspecting copies values; executions without an inspector pay nothing.
class state_inspector {
public:
    virtual ~state_inspector() = default;
    virtual void stage(std::string_view state_name, std::string_view stage_name, const json& value) = 0;
    virtual void decision(std::string_view state_name, const error& e, const error_decision& what) = 0;
};

} // namespace stepfn

#endif
