#ifndef STEPFN_ENGINE_DETAIL_SNAPSHOT_HPP
#define STEPFN_ENGINE_DETAIL_SNAPSHOT_HPP

// A durable execution's frames as JSON: what the store keeps with each checkpoint, and what
// restore_frame (durable.hpp) reads back. Taken at the end of a job of the execution's strand,
// when every frame is at rest: runnable at the start of its current state, parked on a timer
// (a Wait, a retry's back-off), on a task attempt or on a Parallel/Map run, or done.
//
// {"version":1, "root":FRAME, "roleArn"?, "type"?:"EXPRESS", "trace"?:{"context", "parent"?, "start"}}
//   (the checkpoint sequence is the stored row's; "trace", with engine_options::spans: the
//   execution span's traceparent, its parent span id in hex, its start)
// FRAME: {"state", "input", "entered", "enteredEvent", "prev", "retries", "retriers"?,
//         "first"?, "variables"?, "mapIndex"?, "member"?, "done"?, "failedRun"?, "wait"?,
//         "span"?:{"id", "start"} (the state's open span)}
// "wait": {"timer":"wait"|"retry", "at", "assigned"?}
//       | {"task":{"token", "submitted", "deadline"?, "heartbeatDeadline"?, "request":{...}}}
//       | {"fanout":{"map", "total", "next", "failures", "maxRunning", "last", "finished",
//                    "toleratedCount"?, "toleratedPercentage"?, "failure"?, "items", "selector"?,
//                    "results", "children":[FRAME...], "stopped"?:[FRAME...]}}
// "failedRun" (a fanout whose run just failed the state) and "stopped" (its failed or aborted
// branches and iterations) are only read by a redrive.
// Times are microseconds since the epoch of the engine's clock.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/engine/detail/execution_record.hpp>
#include <stepfn/engine/detail/frame.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/task_attempt.hpp>
#include <stepfn/json.hpp>
#include <stepfn/observe/tracing.hpp>

namespace stepfn::detail {

inline constexpr std::int64_t snapshot_version = 1;

inline std::int64_t to_micros(time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline time_point from_micros(std::int64_t us) {
    return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::microseconds(us)));
}

inline json request_snapshot(const task_request& r) {
    json out = json::object();
    out["resource"] = r.resource;
    out["input"] = r.input;
    out["attempt"] = r.attempt;
    out["key"] = r.idempotency_key;
    if (r.heartbeat_seconds) out["heartbeatSeconds"] = *r.heartbeat_seconds;
    if (!r.credentials.is_null()) out["credentials"] = r.credentials;
    return out;
}

json frame_snapshot(const frame& f);

inline json fanout_snapshot(fanout_group& g) {
    std::vector<std::shared_ptr<frame>> children;
    json out = json::object();
    {
        std::lock_guard<std::mutex> lock(g.mutex);
        const std::size_t started = g.is_map ? g.next : g.total;
        out["map"] = g.is_map;
        out["total"] = g.total;
        out["next"] = started;
        out["failures"] = g.failures;
        out["maxRunning"] = g.max_running;
        out["last"] = g.last_event;
        if (g.last_inner) out["lastInner"] = g.last_inner;
        if (g.failed_event) out["failedEvent"] = g.failed_event;
        if (g.failed_written) out["failedWritten"] = true;
        out["finished"] = g.finished.load();
        if (g.tolerated_count) out["toleratedCount"] = *g.tolerated_count;
        if (g.tolerated_percentage) out["toleratedPercentage"] = *g.tolerated_percentage;
        if (g.failure) out["failure"] = json{{"error", g.failure->name}, {"cause", g.failure->cause}};
        json items = json::array();
        if (g.is_map && g.items.is_array())
            for (std::size_t i = started; i < g.items.size(); ++i) items.push_back(g.items[i]);
        out["items"] = std::move(items);
        if (!g.selector_input.is_null()) out["selector"] = g.selector_input;
        out["results"] = json(g.results);
        for (auto& entry : g.children) children.push_back(entry.second);
        if (!g.stopped.empty()) out["stopped"] = json(g.stopped);
    }
    std::sort(children.begin(), children.end(),
              [](const std::shared_ptr<frame>& a, const std::shared_ptr<frame>& b) { return a->member_index < b->member_index; });
    json list = json::array();
    for (const auto& c : children) list.push_back(frame_snapshot(*c));
    out["children"] = std::move(list);
    return out;
}

inline json frame_snapshot(const frame& f) {
    json out = json::object();
    const state& s = f.states->states[f.current];
    out["state"] = s.name;
    out["input"] = f.input;
    out["entered"] = to_micros(f.entered_time);
    out["enteredEvent"] = f.entered_event;
    out["prev"] = f.prev_event;
    out["retries"] = f.retry_count;
    if (!f.retrier_attempts.empty()) out["retriers"] = f.retrier_attempts;
    if (f.first_state) out["first"] = true;
    if (f.state_span) out["span"] = json{{"id", span_id_hex(f.state_span)}, {"start", to_micros(f.state_span_start)}};
    if (f.owns_variables && f.variables) {
        // Sorted, so that the same execution always makes the same snapshot.
        std::vector<const std::pair<const std::string, json>*> vars;
        for (const auto& v : f.variables->values) vars.push_back(&v);
        std::sort(vars.begin(), vars.end(), [](auto* a, auto* b) { return a->first < b->first; });
        json values = json::object();
        for (const auto* v : vars) values[v->first] = v->second;
        out["variables"] = std::move(values);
    }
    if (f.map_index >= 0) out["mapIndex"] = f.map_index;
    if (f.member_of) out["member"] = f.member_index;
    if (f.done) out["done"] = true;
    if (!f.failed_run.is_null()) out["failedRun"] = f.failed_run;
    if (!f.waiting || f.done) return out;
    json wait = json::object();
    if (f.attempt) {
        const task_attempt& a = *f.attempt;
        json task = json::object();
        task["token"] = a.token;
        task["submitted"] = a.was_submitted;
        if (!a.was_started) task["notStarted"] = true;  // an activity no worker has taken yet
        if (f.timer) task["deadline"] = to_micros(f.timer_at);
        if (f.heartbeat_timer) task["heartbeatDeadline"] = to_micros(f.heartbeat_at);
        if (a.kept_request) task["request"] = request_snapshot(*a.kept_request);
        wait["task"] = std::move(task);
    } else if (f.group) {
        wait["fanout"] = fanout_snapshot(*f.group);
    } else if (f.timer) {
        const bool is_wait = s.type() == state_type::wait;
        wait["timer"] = is_wait ? "wait" : "retry";
        wait["at"] = to_micros(f.timer_at);
        if (is_wait && !f.wait_assigned.is_null()) wait["assigned"] = f.wait_assigned;
    }
    out["wait"] = std::move(wait);
    return out;
}

// The whole execution as JSON text; empty once it has no frames left.
inline std::string snapshot_text(execution_record& rec) {
    std::shared_ptr<frame> root;
    {
        std::lock_guard<std::mutex> lock(rec.mutex);
        root = rec.root;
    }
    if (!root) return std::string();
    json out = json::object();
    out["version"] = snapshot_version;
    out["root"] = frame_snapshot(*root);
    if (!rec.role_arn.empty()) out["roleArn"] = rec.role_arn;
    if (rec.express) out["type"] = "EXPRESS";  // its five-minute limit holds after a restart too
    // The trace goes on after a restart (restore.hpp: restore_trace).
    if (rec.trace.span_id) {
        json trace = json::object();
        trace["context"] = to_traceparent(rec.trace);
        if (rec.trace_parent_span) trace["parent"] = span_id_hex(rec.trace_parent_span);
        trace["start"] = to_micros(rec.trace_start);
        out["trace"] = std::move(trace);
    }
    return json_text(out);
}

} // namespace stepfn::detail

#endif
