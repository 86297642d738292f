#ifndef STEPFN_HISTORY_DETAIL_EVENT_JSON_HPP
#define STEPFN_HISTORY_DETAIL_EVENT_JSON_HPP

#include <cstring>
#include <string>
#include <utility>

#include <stepfn/detail/json_object.hpp>
#include <stepfn/detail/timestamp.hpp>
#include <stepfn/history/event.hpp>

namespace stepfn {

namespace detail {

// Appends AWS's {"<key>": "<payload as JSON text>", "<key>Details": {"truncated": false}}.
inline void add_payload_text(json& details, const char* key, const char* details_key, std::string text) {
    add_member(details, key, std::move(text));
    json truncated = json::object();
    add_member(truncated, "truncated", false);
    add_member(details, details_key, std::move(truncated));
}

// The key order and spelling the engine has always written: {"name", "input", "inputDetails":
// {"truncated": false}} for a state's Entered event, {"name", "output", "outputDetails"} for its
// Exited event, {"output", "outputDetails"} for the other events it defers (ExecutionSucceeded,
// a Lambda or activity task's *Succeeded).
inline json deferred_state_details(const history_event& event) {
    const char* const key = info(event.type).details_key;
    const bool entered = key != nullptr && std::strcmp(key, "stateEnteredEventDetails") == 0;
    const bool state = entered || (key != nullptr && std::strcmp(key, "stateExitedEventDetails") == 0);
    json details = json::object();
    reserve_members(details, 3);
    if (state) add_member(details, "name", event.deferred.name);
    if (entered) add_payload_text(details, "input", "inputDetails", *event.deferred.text);
    else add_payload_text(details, "output", "outputDetails", *event.deferred.text);
    return details;
}

} // namespace detail

inline json details_of(const history_event& event) {
    return event.is_deferred() ? detail::deferred_state_details(event) : event.details;
}

inline void materialise(history_event& event) {
    if (!event.is_deferred()) return;
    event.details = detail::deferred_state_details(event);
    event.deferred = deferred_details{};
}

inline json to_json(const history_event& event) {
    json out = json::object();
    out["timestamp"] = detail::format_iso8601(event.timestamp);
    out["type"] = to_string(event.type);
    out["id"] = event.id;
    out["previousEventId"] = event.previous_event_id;
    if (const char* key = info(event.type).details_key) out[key] = details_of(event);
    return out;
}

} // namespace stepfn

#endif
