#ifndef STEPFN_OBSERVE_TRANSITION_HOOK_HPP
#define STEPFN_OBSERVE_TRANSITION_HOOK_HPP

// The transition hook: the engine's controller calls it once for every outcome it applies to a
// frame (a state left for the next one, a frame parked on a timer, task or fan-out, a retry
// scheduled, an error caught, a frame failed or ended). It is where an execution store
// checkpoints and metrics count; it runs in the frame's strand, after the change and its
// history events, so what it sees is what the execution now is.

#include <cstdint>
#include <string_view>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

enum class transition_kind {
    advanced,  // the state ended: the frame moves to `next_state`, or ends when it is empty
    parked,    // the state waits (a Wait's timer, a task attempt, a Parallel or Map run)
    retrying,  // a Retry rule matched `failure`: the state runs again after its back-off
    caught,    // a Catch rule matched `failure`: the frame moves to `next_state`
    failed,    // `failure` ends the frame (and, at the top level, the execution)
};

// What changed, valid only during the call.
struct transition_info {
    std::string_view execution_arn;
    std::string_view state_name;        // the state the outcome applies to
    transition_kind kind = transition_kind::advanced;
    std::string_view next_state;        // advanced or caught: the next state; empty: the frame ends
    const json* data = nullptr;         // advanced or caught: the next state's input or the frame's output
    const error* failure = nullptr;     // retrying, caught, failed
    std::int64_t last_event_id = 0;     // the frame's latest history event
    bool top_level = true;              // the execution's own frame, not a branch or an iteration
};

class transition_hook {
public:
    virtual ~transition_hook() = default;
    // Called on the frame's strand; must not block for long (no lock of the engine is held).
    virtual void on_transition(const transition_info& change) = 0;
};

} // namespace stepfn

#endif
