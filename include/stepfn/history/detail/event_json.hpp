#ifndef STEPFN_HISTORY_DETAIL_EVENT_JSON_HPP
#define STEPFN_HISTORY_DETAIL_EVENT_JSON_HPP

#include <cstring>
#include <utility>

#include <stepfn/detail/json_object.hpp>
#include <stepfn/detail/timestamp.hpp>
#include <stepfn/history/event.hpp>

namespace stepfn {

namespace detail {

// {"name", "input"|"output", "inputDetails"|"outputDetails": {"truncated": false}}: the key
// order and spelling the engine has always written for a state's Entered and Exited events.
inline json deferred_state_details(const history_event& event) {
    const char* const key = info(event.type).details_key;
    const bool exited = key != nullptr && std::strcmp(key, "stateExitedEventDetails") == 0;
    json details = json::object();
    reserve_members(details, 3);
    add_member(details, "name", event.deferred.name);
    add_member(details, exited ? "output" : "input", *event.deferred.text);
    json truncated = json::object();
    add_member(truncated, "truncated", false);
    add_member(details, exited ? "outputDetails" : "inputDetails", std::move(truncated));
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
