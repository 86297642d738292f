// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

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
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/detail/json_text.hpp>
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

// A JSON array of `count` items, `write(out, i)` writing the i-th.
template <class Write>
void write_array(json_text_writer& out, std::size_t count, Write write) {
    out.put('[');
    for (std::size_t i = 0; i < count; ++i) {
        if (i) out.put(',');
        write(out, i);
    }
    out.put(']');
}

// One JSON object written member by member into a json_text_writer: a snapshot is written
// as text straight from the frames, without building (and copying every input into) a tree.
class object_text {
public:
    explicit object_text(json_text_writer& out) : out_(out) { out_.put('{'); }
    object_text(const object_text&) = delete;
    object_text& operator=(const object_text&) = delete;
    ~object_text() { out_.put('}'); }

    // The writer, placed after `"name":`; names are ASCII literals, written as they are.
    json_text_writer& key(const char* name) {
        if (!first_) out_.put(',');
        first_ = false;
        out_.put('"');
        out_.put(name, std::strlen(name));
        out_.put("\":", 2);
        return out_;
    }
    void value(const char* name, const json& v) { key(name).value(v, 1); }
    void string(const char* name, const std::string& s) { key(name).string(s); }
    void integer(const char* name, std::int64_t n) { key(name).integer(n); }
    void count(const char* name, std::size_t n) { key(name).digits(n); }
    void boolean(const char* name, bool b) {
        if (b) key(name).put("true", 4);
        else key(name).put("false", 5);
    }
    // An array of texts already written (frames' snapshots).
    void texts(const char* name, const std::vector<std::string>& items) {
        write_array(key(name), items.size(), [&](json_text_writer& w, std::size_t i) { w.put(items[i].data(), items[i].size()); });
    }

private:
    json_text_writer& out_;
    bool first_ = true;
};

inline void write_request(json_text_writer& out, const task_request& r) {
    object_text o(out);
    o.string("resource", r.resource);
    o.value("input", r.input);
    o.integer("attempt", r.attempt);
    o.string("key", r.idempotency_key);
    if (r.heartbeat_seconds) o.integer("heartbeatSeconds", *r.heartbeat_seconds);
    if (!r.credentials.is_null()) o.value("credentials", r.credentials);
}

void write_frame(json_text_writer& out, const frame& f);

inline void write_fanout(json_text_writer& out, fanout_group& g) {
    std::vector<std::shared_ptr<frame>> children;
    object_text o(out);
    {
        std::lock_guard<std::mutex> lock(g.mutex);
        const std::size_t started = g.is_map ? g.next : g.total;
        o.boolean("map", g.is_map);
        o.count("total", g.total);
        o.count("next", started);
        o.count("failures", g.failures);
        o.count("maxRunning", g.max_running);
        o.integer("last", g.last_event);
        if (g.last_inner) o.integer("lastInner", g.last_inner);
        if (g.failed_event) o.integer("failedEvent", g.failed_event);
        if (g.failed_written) o.boolean("failedWritten", true);
        o.boolean("finished", g.finished.load());
        if (g.tolerated_count) o.integer("toleratedCount", *g.tolerated_count);
        if (g.tolerated_percentage) o.value("toleratedPercentage", json(*g.tolerated_percentage));
        if (g.failure) {
            object_text failure(o.key("failure"));
            failure.string("error", g.failure->name);
            failure.string("cause", g.failure->cause);
        }
        const std::size_t left = g.is_map && g.items.is_array() ? g.items.size() - started : 0;
        write_array(o.key("items"), left, [&](json_text_writer& w, std::size_t i) { w.value(g.items[started + i], 1); });
        if (!g.selector_input.is_null()) o.value("selector", g.selector_input);
        write_array(o.key("results"), g.results.size(), [&](json_text_writer& w, std::size_t i) { w.value(g.results[i], 1); });
        for (auto& entry : g.children) children.push_back(entry.second);
        if (!g.stopped.empty()) o.texts("stopped", g.stopped);
    }
    std::sort(children.begin(), children.end(),
              [](const std::shared_ptr<frame>& a, const std::shared_ptr<frame>& b) { return a->member_index < b->member_index; });
    write_array(o.key("children"), children.size(), [&](json_text_writer& w, std::size_t i) { write_frame(w, *children[i]); });
}

inline void write_wait(json_text_writer& out, const frame& f, const state& s) {
    object_text wait(out);
    if (f.attempt) {
        const task_attempt& a = *f.attempt;
        object_text task(wait.key("task"));
        task.string("token", a.token);
        task.boolean("submitted", a.was_submitted);
        if (!a.was_started) task.boolean("notStarted", true);  // an activity no worker has taken yet
        if (f.timer) task.integer("deadline", to_micros(f.timer_at));
        if (f.heartbeat_timer) task.integer("heartbeatDeadline", to_micros(f.heartbeat_at));
        if (a.kept_request) write_request(task.key("request"), *a.kept_request);
    } else if (f.group) {
        write_fanout(wait.key("fanout"), *f.group);
    } else if (f.timer) {
        const bool is_wait = s.type() == state_type::wait;
        wait.key("timer").put(is_wait ? "\"wait\"" : "\"retry\"", is_wait ? 6 : 7);
        wait.integer("at", to_micros(f.timer_at));
        if (is_wait && !f.wait_assigned.is_null()) wait.value("assigned", f.wait_assigned);
    }
}

inline void write_frame(json_text_writer& out, const frame& f) {
    object_text o(out);
    const state& s = f.states->states[f.current];
    o.string("state", s.name);
    o.value("input", f.input);
    o.integer("entered", to_micros(f.entered_time));
    o.integer("enteredEvent", f.entered_event);
    o.integer("prev", f.prev_event);
    o.integer("retries", f.retry_count);
    if (!f.retrier_attempts.empty()) {
        write_array(o.key("retriers"), f.retrier_attempts.size(),
                    [&](json_text_writer& w, std::size_t i) { w.integer(f.retrier_attempts[i]); });
    }
    if (f.first_state) o.boolean("first", true);
    if (f.state_span) {
        object_text span(o.key("span"));
        span.string("id", span_id_hex(f.state_span));
        span.integer("start", to_micros(f.state_span_start));
    }
    if (f.owns_variables && f.variables) {
        // Sorted, so that the same execution always makes the same snapshot.
        std::vector<const std::pair<const std::string, json>*> vars;
        for (const auto& v : f.variables->values) vars.push_back(&v);
        std::sort(vars.begin(), vars.end(), [](auto* a, auto* b) { return a->first < b->first; });
        json_text_writer& values = o.key("variables");
        values.put('{');
        for (std::size_t i = 0; i < vars.size(); ++i) {
            if (i) values.put(',');
            values.string(vars[i]->first);
            values.put(':');
            values.value(vars[i]->second, 1);
        }
        values.put('}');
    }
    if (f.map_index >= 0) o.integer("mapIndex", f.map_index);
    if (f.member_of) o.count("member", f.member_index);
    if (f.done) o.boolean("done", true);
    if (!f.failed_run.empty()) o.key("failedRun").put(f.failed_run.data(), f.failed_run.size());
    if (f.waiting && !f.done) write_wait(o.key("wait"), f, s);
}

// A frame's or a run's snapshot alone, kept for a redrive (fanout.hpp: a failed run, the
// branches and iterations it stopped).
inline std::string frame_snapshot(const frame& f) {
    std::string text;
    json_text_writer out(text, 256 + (f.input_size != unknown_size ? f.input_size : 0));
    write_frame(out, f);
    out.finish();
    return text;
}
inline std::string fanout_snapshot(fanout_group& g) {
    std::string text;
    json_text_writer out(text, 512);
    write_fanout(out, g);
    out.finish();
    return text;
}

// The whole execution as JSON text; empty once it has no frames left.
inline std::string snapshot_text(execution_record& rec) {
    std::shared_ptr<frame> root;
    {
        std::lock_guard<std::mutex> lock(rec.mutex);
        root = rec.root;
    }
    if (!root) return std::string();
    std::string text;
    json_text_writer out(text, 384 + (root->input_size != unknown_size ? root->input_size : 0));
    {
        object_text o(out);
        o.integer("version", snapshot_version);
        write_frame(o.key("root"), *root);
        if (!rec.role_arn.empty()) o.string("roleArn", rec.role_arn);
        if (rec.express) o.key("type").put("\"EXPRESS\"", 9);  // its five-minute limit holds after a restart too
        // The trace goes on after a restart (restore.hpp: restore_trace).
        if (rec.trace.span_id) {
            object_text trace(o.key("trace"));
            trace.string("context", to_traceparent(rec.trace));
            if (rec.trace_parent_span) trace.string("parent", span_id_hex(rec.trace_parent_span));
            trace.integer("start", to_micros(rec.trace_start));
        }
    }
    out.finish();
    return text;
}

} // namespace stepfn::detail

#endif
