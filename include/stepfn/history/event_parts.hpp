#ifndef STEPFN_HISTORY_EVENT_PARTS_HPP
#define STEPFN_HISTORY_EVENT_PARTS_HPP

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <stepfn/history/event.hpp>

namespace stepfn {

// An event the engine would defer (history_event::deferred), handed to a sink that says
// history_sink::keeps_parts() as it is: its id, link, time and type, and the parts its details
// show, the name and ARN as views into the engine's own strings. No history_event is made, no
// name or ARN copied; the views are valid during the call only, so a sink copies what it keeps.
// `text` is the engine's shared text: the same pointer as the previous event's when both show
// the same value, which is how a sink can tell without comparing the characters.
struct event_parts {
    std::int64_t id = 0;
    std::int64_t previous_event_id = 0;
    // Names the execution: events with the same nonzero number belong to the same execution
    // (the number is unique in the process), so a sink need not compare ARNs to know it.
    std::uint64_t execution = 0;
    std::chrono::system_clock::time_point timestamp;
    event_type type = event_type::execution_started;
    std::string_view name;                    // the state's (Entered and Exited events only)
    std::shared_ptr<const std::string> text;  // the input or the output; null: none
    std::string_view arn;                     // ExecutionStarted: roleArn; *Scheduled: the Task's resource
    std::optional<std::int64_t> timeout;      // *Scheduled: timeoutInSeconds
    std::optional<std::int64_t> heartbeat;    // *Scheduled: heartbeatInSeconds
    json credentials;                         // *Scheduled: taskCredentials; null: none
    bool bare = false;                        // no text: details are {} (a *Started event)
};

namespace detail {

inline deferred_view view_of(const event_parts& event) noexcept {
    std::optional<std::string_view> text;
    if (event.text) text = *event.text;
    return deferred_view{event.name, text, event.arn, event.timeout, event.heartbeat, &event.credentials, event.bare};
}

} // namespace detail

// The details object the parts stand for: exactly what details_of() gives for the same event
// deferred, and what the engine writes in `details` for every other sink.
inline json details_of(const event_parts& event) { return detail::deferred_event_details(event.type, detail::view_of(event)); }

// The same event as a history_event with its details built.
inline history_event to_event(const event_parts& event) {
    return history_event{event.id, event.previous_event_id, event.timestamp, event.type, details_of(event), deferred_details{}};
}

} // namespace stepfn

#endif
