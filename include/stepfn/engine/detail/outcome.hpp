#ifndef STEPFN_ENGINE_DETAIL_OUTCOME_HPP
#define STEPFN_ENGINE_DETAIL_OUTCOME_HPP

// What a state handler, or an asynchronous completion (a task's answer, a timer, a finished
// fan-out), says should happen to its frame. Only the controller applies it.

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

#include <stepfn/detail/json_size.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/states.hpp>

namespace stepfn::detail {

// Small and cheap to make: a Pass chain builds one per state, so the rare error lives on the heap.
struct outcome {
    enum class kind : unsigned char {
        advance,  // leave the state with `output`: to `next`, or end the frame when there is none
        park,     // the handler armed what the frame waits for (a timer, a task attempt, a fan-out)
        fail,     // an error for the state's Retry and Catch, then the frame
    };
    kind what = kind::park;
    bool from_state = true;             // fail: raised by the state's own data flow, so a States.Runtime
                                        // cause names the state; false for errors that come from outside
                                        // (an invoker, a child, a token, a timeout)
    bool heartbeat = false;             // fail: a missed heartbeat (matched by States.HeartbeatTimeout)
    bool recoverable = true;            // fail: false skips Retry and Catch (limits the engine enforces)
    const transition* next = nullptr;   // advance: nullptr ends the frame with `output`
    json output;                        // advance
    std::optional<json> assigned;       // advance: the variables the state assigns (a non-empty object)
    std::unique_ptr<error> failure;     // fail
    std::size_t output_size = unknown_size;  // advance: `output` serialised, when the state knew it
    bool in_place = false;              // advance: the output is the frame's input, left where it lies

    outcome() = default;
    outcome(json&& out, const transition* to) noexcept : what(kind::advance), next(to), output(std::move(out)) {}

    static outcome advance(json&& output, const transition* next) noexcept { return outcome(std::move(output), next); }
    // `assigned`: what an Assign evaluated to (null when the state has none).
    static outcome advance(json&& output, const transition* next, json&& assigned) {
        outcome o(std::move(output), next);
        if (assigned.is_object() && !assigned.empty()) o.assigned.emplace(std::move(assigned));
        return o;
    }
    // The same with the output's serialised size (see frame::input_size).
    static outcome advance(json&& output, const transition* next, json&& assigned, std::size_t size) {
        outcome o = advance(std::move(output), next, std::move(assigned));
        o.output_size = size;
        return o;
    }
    // A state whose output is its input, untouched: nothing is moved out of the frame and back.
    static outcome advance_in_place(const transition* next, std::size_t size) noexcept {
        outcome o;
        o.what = kind::advance;
        o.next = next;
        o.output_size = size;
        o.in_place = true;
        return o;
    }
    static outcome parked() noexcept { return outcome(); }
    static outcome fail(error e) {
        outcome o;
        o.what = kind::fail;
        o.failure = std::make_unique<error>(std::move(e));
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
