#ifndef STEPFN_ENGINE_DETAIL_OUTCOME_HPP
#define STEPFN_ENGINE_DETAIL_OUTCOME_HPP

// What a state handler, or an asynchronous completion (a task's answer, a timer, a finished
// fan-out), says should happen to its frame. Only the controller applies it.

#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/states.hpp>

namespace stepfn::detail {

struct outcome {
    enum class kind : unsigned char {
        advance,  // leave the state with `output`: to `next`, or end the frame when there is none
        park,     // the handler armed what the frame waits for (a timer, a task attempt, a fan-out)
        fail,     // an error for the state's Retry and Catch, then the frame
    };
    kind what = kind::park;
    json output;                        // advance
    const transition* next = nullptr;   // advance: nullptr ends the frame with `output`
    json assigned;                      // advance: the variables the state assigns (an object or null)
    error failure;                      // fail
    bool from_state = true;             // fail: raised by the state's own data flow, so a States.Runtime
                                        // cause names the state; false for errors that come from outside
                                        // (an invoker, a child, a token, a timeout)
    bool heartbeat = false;             // fail: a missed heartbeat (matched by States.HeartbeatTimeout)
    bool recoverable = true;            // fail: false skips Retry and Catch (limits the engine enforces)

    static outcome advance(json output, const transition* next, json assigned = json()) {
        outcome o;
        o.what = kind::advance;
        o.output = std::move(output);
        o.next = next;
        o.assigned = std::move(assigned);
        return o;
    }
    static outcome parked() { return outcome{}; }
    static outcome fail(error e) {
        outcome o;
        o.what = kind::fail;
        o.failure = std::move(e);
        return o;
    }
    static outcome fail_from_outside(error e, bool heartbeat_expiry = false) {
        outcome o = fail(std::move(e));
        o.from_state = false;
        o.heartbeat = heartbeat_expiry;
        return o;
    }
    static outcome fail_frame(error e) {
        outcome o = fail(std::move(e));
        o.from_state = false;
        o.recoverable = false;
        return o;
    }
};

// A state's exit to its `Next`, or the end of its frame.
inline const transition* next_of(const state& s) noexcept { return s.next ? &*s.next : nullptr; }

} // namespace stepfn::detail

#endif
