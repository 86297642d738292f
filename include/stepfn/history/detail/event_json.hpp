#ifndef STEPFN_HISTORY_DETAIL_EVENT_JSON_HPP
#define STEPFN_HISTORY_DETAIL_EVENT_JSON_HPP

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
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

// A deferred event's parts as views: what the engine hands over (history_event::deferred) or
// what a sink copied into its own storage (memory_sink).
struct deferred_view {
    std::string_view name;
    std::optional<std::string_view> text;  // none: no text
    std::string_view arn;
    std::optional<std::int64_t> timeout;
    std::optional<std::int64_t> heartbeat;
    const json* credentials = nullptr;  // null: none
    bool bare = false;
    std::optional<std::uint64_t> index;  // a MapIteration* event's
};

// The key order and spelling the engine has always written: {"name", "input", "inputDetails":
// {"truncated": false}} for a state's Entered event, {"name", "output", "outputDetails"} for its
// Exited event, {"input", "inputDetails", "roleArn"} for ExecutionStarted, {"resource", "input",
// "inputDetails", "timeoutInSeconds"?, "heartbeatInSeconds"?, "taskCredentials"?} for a Lambda
// or activity task's *Scheduled, {} for a bare event, {"output", "outputDetails"} for the other
// events it defers (ExecutionSucceeded, a Lambda or activity task's *Succeeded); {"name",
// "index"} for a Map iteration's events (given as parts only: deferred_details has no index).
inline json deferred_event_details(event_type type, const deferred_view& parts) {
    json details = json::object();
    if (parts.index) {
        reserve_members(details, 2);
        add_member(details, "name", std::string(parts.name));
        add_member(details, "index", *parts.index);
        return details;
    }
    if (parts.bare && !parts.text) return details;
    const auto text = [&] { return std::string(*parts.text); };
    if (type == event_type::execution_started) {
        reserve_members(details, 3);
        add_payload_text(details, "input", "inputDetails", text());
        add_member(details, "roleArn", std::string(parts.arn));
        return details;
    }
    if (task_event_of(type) == task_event_kind::scheduled) {
        reserve_members(details, 6);
        add_member(details, "resource", std::string(parts.arn));
        add_payload_text(details, "input", "inputDetails", text());
        if (parts.timeout) add_member(details, "timeoutInSeconds", *parts.timeout);
        if (parts.heartbeat) add_member(details, "heartbeatInSeconds", *parts.heartbeat);
        if (parts.credentials && !parts.credentials->is_null()) add_member(details, "taskCredentials", *parts.credentials);
        return details;
    }
    const char* const key = info(type).details_key;
    const bool entered = key != nullptr && std::strcmp(key, "stateEnteredEventDetails") == 0;
    const bool state = entered || (key != nullptr && std::strcmp(key, "stateExitedEventDetails") == 0);
    reserve_members(details, 3);
    if (state) add_member(details, "name", std::string(parts.name));
    if (entered) add_payload_text(details, "input", "inputDetails", text());
    else add_payload_text(details, "output", "outputDetails", text());
    return details;
}

inline json deferred_event_details(const history_event& event) {
    const deferred_details& parts = event.deferred;
    std::optional<std::string_view> text;
    if (parts.text) text = *parts.text;
    return deferred_event_details(event.type, deferred_view{parts.name, text, parts.arn, parts.timeout,
                                                            parts.heartbeat, &parts.credentials, parts.bare, std::nullopt});
}

} // namespace detail

inline json details_of(const history_event& event) {
    return event.is_deferred() ? detail::deferred_event_details(event) : event.details;
}

inline void materialise(history_event& event) {
    if (!event.is_deferred()) return;
    event.details = detail::deferred_event_details(event);
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
