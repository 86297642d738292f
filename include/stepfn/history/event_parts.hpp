#ifndef STEPFN_HISTORY_EVENT_PARTS_HPP
#define STEPFN_HISTORY_EVENT_PARTS_HPP

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <stepfn/detail/json_text.hpp>
#include <stepfn/history/event.hpp>

namespace stepfn {

// An event the engine would defer (history_event::deferred), handed to a sink that says
// history_sink::keeps_parts() as it is: its id, link, time and type, and the parts its details
// show, the name and ARN as views into the engine's own strings. No history_event is made, no
// name or ARN copied; the views are valid during the call only, so a sink copies what it keeps.
// A Map iteration's events (MapIterationStarted, ...Succeeded, ...Failed, ...Aborted) come so
// too, as the Map state's name and the iteration's `index`.
// The payload comes as `text` (made already: an input given as text, or an event of a
// durable execution's) or as `payload`, the value itself, which the sink writes as text into
// its own storage (append_text), so the engine makes no string for it. `text_id` names the
// text: events with the same nonzero text_id show the same text (a state's Exited event and
// the next state's Entered event), so a sink that kept it need not write it again.
struct event_parts {
    std::int64_t id = 0;
    std::int64_t previous_event_id = 0;
    // Names the execution: events with the same nonzero number belong to the same execution
    // (the number is unique in the process), so a sink need not compare ARNs to know it.
    std::uint64_t execution = 0;
    std::chrono::system_clock::time_point timestamp;
    event_type type = event_type::execution_started;
    std::string_view name;                    // the state's (Entered and Exited events only)
    std::shared_ptr<const std::string> text;  // the input or the output as text; null: none, or `payload`
    const json* payload = nullptr;            // the input or the output to write, when `text` is null
    std::size_t payload_size = 0;             // the length of its text when the engine knows it, else 0
    std::uint64_t text_id = 0;                // unique in the process; 0: not shared
    std::string_view arn;                     // ExecutionStarted: roleArn; *Scheduled: the Task's resource
    std::optional<std::int64_t> timeout;      // *Scheduled: timeoutInSeconds
    std::optional<std::int64_t> heartbeat;    // *Scheduled: heartbeatInSeconds
    json credentials;                         // *Scheduled: taskCredentials; null: none
    bool bare = false;                        // no text: details are {} (a *Started event)
    std::optional<std::uint64_t> index;       // a MapIteration* event: details are {"name", "index"}
};

namespace detail {

// `written`: the payload's text when the event has no `text`.
inline deferred_view view_of(const event_parts& event, const std::string& written) noexcept {
    std::optional<std::string_view> text;
    if (event.text) text = *event.text;
    else if (event.payload) text = written;
    return deferred_view{event.name, text, event.arn, event.timeout, event.heartbeat, &event.credentials, event.bare, event.index};
}

} // namespace detail

// Appends the event's payload as JSON text (`text`, or `payload` written): nothing without one.
inline void append_text(std::string& out, const event_parts& event) {
    if (event.text) out.append(*event.text);
    else if (event.payload) detail::append_json_text(out, *event.payload, event.payload_size ? event.payload_size : detail::unknown_size);
}

// The details object the parts stand for: exactly what details_of() gives for the same event
// deferred, and what the engine writes in `details` for every other sink.
inline json details_of(const event_parts& event) {
    std::string written;
    if (!event.text) append_text(written, event);
    return detail::deferred_event_details(event.type, detail::view_of(event, written));
}

// The same event as a history_event with its details built.
inline history_event to_event(const event_parts& event) {
    return history_event{event.id, event.previous_event_id, event.timestamp, event.type, details_of(event), deferred_details{}};
}

} // namespace stepfn

#endif
