#ifndef STEPFN_ENGINE_OPTIONS_HPP
#define STEPFN_ENGINE_OPTIONS_HPP

#include <cstdint>
#include <memory>
#include <string>

#include <stepfn/history/history_sink.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/observe/state_inspector.hpp>
#include <stepfn/observe/transition_hook.hpp>
#include <stepfn/policies/retry_policy.hpp>

namespace stepfn {

// What an engine is configured with; every pointer may stay null.
struct engine_options {
    limits bounds;
    std::shared_ptr<history_sink> history;   // receives the events of every execution
    std::string region = "us-east-1";
    std::string account = "123456789012";
    std::uint64_t seed = 0;                  // random source (jitter, UUIDs, names); 0 = from the OS
    std::shared_ptr<const retry_policy> retry;     // null: ASL's (asl_retry_policy)
    std::shared_ptr<transition_hook> transitions;  // sees every transition the engine applies
};

// What one execution is started with.
struct start_options {
    std::string name;                        // execution name; a UUID when empty
    std::shared_ptr<history_sink> history;   // this execution's events only
    std::shared_ptr<state_inspector> inspector;  // sees every stage of every state (tests, tools)
};

} // namespace stepfn

#endif
