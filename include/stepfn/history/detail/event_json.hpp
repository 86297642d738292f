#ifndef STEPFN_HISTORY_DETAIL_EVENT_JSON_HPP
#define STEPFN_HISTORY_DETAIL_EVENT_JSON_HPP

#include <stepfn/detail/timestamp.hpp>
#include <stepfn/history/event.hpp>

namespace stepfn {

inline json to_json(const history_event& event) {
    json out = json::object();
    out["timestamp"] = detail::format_iso8601(event.timestamp);
    out["type"] = to_string(event.type);
    out["id"] = event.id;
    out["previousEventId"] = event.previous_event_id;
    if (const char* key = info(event.type).details_key) out[key] = event.details;
    return out;
}

} // namespace stepfn

#endif
