// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_RESTORE_HPP
#define STEPFN_ENGINE_DETAIL_RESTORE_HPP

// A durable execution brought back from its last checkpoint (snapshot.hpp's format): frames
// rebuilt, then, in one job of its strand, timers re-armed from their deadlines (one already
// past fires at once), task tokens accepted again, in-flight task attempts sent again or failed
// (engine_options::after_restart), Parallel and Map runs resumed where they stood. A snapshot
// that does not read back is an error naming the execution, never a crash.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/durable.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/scheduling.hpp>
#include <stepfn/engine/detail/states/task.hpp>
#include <stepfn/engine/detail/snapshot.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/observe/tracing.hpp>

namespace stepfn::detail {

// Reads a snapshot's fields, remembering the first thing that was wrong.
class snapshot_reader {
public:
    explicit snapshot_reader(const json& object) : object_(object) {}
    const json* find(const char* key) const {
        if (!object_.is_object()) return nullptr;
        auto it = object_.find(key);
        return it == object_.end() ? nullptr : &*it;
    }
    std::int64_t integer(const char* key, std::int64_t fallback, std::string& problem) const {
        const json* v = find(key);
        if (!v) return fallback;
        if (!v->is_number_integer()) {
            if (problem.empty()) problem = std::string("'") + key + "' is not an integer";
            return fallback;
        }
        return v->get<std::int64_t>();
    }
    std::string text(const char* key, std::string& problem) const {
        const json* v = find(key);
        if (v && v->is_string()) return v->get<std::string>();
        if (problem.empty()) problem = std::string("'") + key + "' is missing or not a string";
        return std::string();
    }
    bool flag(const char* key) const {
        const json* v = find(key);
        return v && v->is_boolean() && v->get<bool>();
    }

private:
    const json& object_;
};

inline tl::unexpected<error> corrupt_snapshot(const std::string& arn, const std::string& problem) {
    return tl::make_unexpected(error{"CorruptSnapshot", "the stored snapshot of '" + arn + "' does not read back: " + problem});
}

// The machine a stored execution is pinned to, loaded from the store.
STEPFN_INLINE result<state_machine> engine_core::load_pinned(const stored_execution& row) {
    auto version = options_.store->find_machine_version(row.definition_id);
    if (!version) return tl::make_unexpected(std::move(version.error()));
    if (!*version) return corrupt_snapshot(row.arn, "its state machine version '" + row.definition_id + "' is not stored");
    const std::string marker = "stateMachine:";
    const auto at = row.machine_arn.rfind(marker);
    if (at == std::string::npos) return corrupt_snapshot(row.arn, "the state machine ARN '" + row.machine_arn + "' has no name");
    load_options load;
    load.bounds = options_.bounds;
    load.name = row.machine_arn.substr(at + marker.size());
    json definition = json::parse((*version)->definition, nullptr, false);
    if (definition.is_discarded()) return corrupt_snapshot(row.arn, "its stored definition is not JSON");
    auto machine = load_machine_json(definition, load);
    if (!machine) return corrupt_snapshot(row.arn, "its stored definition does not load: " + machine.error().cause);
    return machine;
}

// A stored execution's record, without frames yet.
STEPFN_INLINE std::shared_ptr<execution_record> engine_core::stored_record(const stored_execution& row, state_machine machine) {
    auto rec = std::make_shared<execution_record>(std::move(machine));
    rec->core = shared_from_this();
    rec->driver = &driver;
    rec->helper = &helper;
    rec->arn = row.arn;
    rec->name = row.name;
    rec->start_time = row.start_date;
    rec->event_count = row.event_count;
    rec->redrive_count = row.redrive_count;
    if (row.redrive_date) rec->redrive_time = *row.redrive_date;
    if (rec->machine.definition().reads_context) rec->input = json::parse(row.input, nullptr, false);
    rec->durable = std::make_unique<durable_state>();
    rec->durable->input_text = row.input;
    rec->durable->sequence = row.sequence;
    return rec;
}

// Registers a rebuilt execution and starts it moving again, in one job of its strand.
STEPFN_INLINE execution engine_core::resume_stored(const std::shared_ptr<execution_record>& rec, std::shared_ptr<frame> root,
                                                   std::vector<job> arms) {
    root->is_root = true;
    {
        std::lock_guard<std::mutex> lock(rec->mutex);
        rec->root = std::move(root);
    }
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        executions_[rec->arn] = rec;
    }
    if (metrics_) count_execution_opened(*rec, false);
    arm_execution_timeout(rec);
    auto held = std::make_shared<std::vector<job>>(std::move(arms));
    post_to_execution(rec, [held]() {
        for (auto& arm : *held) arm();
    });
    return execution(rec);
}

STEPFN_INLINE result<execution> engine_core::restore_execution(const std::string& arn) {
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = executions_.find(arn);
        if (it != executions_.end())
            if (auto live = it->second.lock()) return execution(std::move(live));  // recovered already
    }
    auto found = options_.store->find_execution(arn);
    if (!found) return tl::make_unexpected(std::move(found.error()));
    if (!*found) return make_error("ExecutionDoesNotExist", "the store holds no execution '" + arn + "'");
    const stored_execution& row = **found;
    auto machine = load_pinned(row);
    if (!machine) return tl::make_unexpected(std::move(machine.error()));
    auto text = options_.store->snapshot(arn);
    if (!text) return tl::make_unexpected(std::move(text.error()));
    json snap = json::parse(*text, nullptr, false);
    if (snap.is_discarded() || !snap.is_object()) return corrupt_snapshot(arn, "it is not a JSON object");
    snapshot_reader top(snap);
    std::string problem;
    if (top.integer("version", 0, problem) != snapshot_version)
        return corrupt_snapshot(arn, "its format version is not " + std::to_string(snapshot_version));
    const json* root_snap = top.find("root");
    if (!root_snap) return corrupt_snapshot(arn, "it has no frames");

    auto rec = stored_record(row, std::move(*machine));
    if (const json* role = top.find("roleArn"); role && role->is_string()) rec->role_arn = role->get<std::string>();
    if (const json* type = top.find("type"); type && type->is_string()) rec->express = *type == "EXPRESS";
    if (spans_) restore_trace(*rec, top.find("trace"), false);
    std::vector<job> arms;
    auto root = restore_frame(*root_snap, rec, rec->machine.top(), nullptr, arms, 0);
    if (!root) return corrupt_snapshot(arn, root.error().cause);
    return resume_stored(rec, std::move(*root), std::move(arms));
}

// The trace of a stored execution goes on: the same execution span (its id, parent, start and
// sampled flag from the snapshot), so that the spans after a restart, or after another worker
// claimed it, join the spans before. A redrive is a new run of a failed execution whose span has
// ended: a new execution span in the same trace, a child of the run before. No stored trace (or
// one that does not read): a new trace from here; a trace is never a reason not to resume.
STEPFN_INLINE void engine_core::restore_trace(execution_record& rec, const json* stored, bool redriven) {
    std::optional<trace_context> context;
    std::uint64_t parent = 0;
    time_point start = clock_->now();
    if (stored && stored->is_object()) {
        snapshot_reader r(*stored);
        std::string problem;
        context = parse_traceparent(r.text("context", problem));
        const json* p = r.find("parent");
        if (p && p->is_string() && p->get_ref<const std::string&>().size() == 16 && !read_hex(p->get_ref<const std::string&>(), parent))
            parent = 0;
        if (r.find("start")) {
            const std::int64_t micros = r.integer("start", 0, problem);
            if (problem.empty()) start = from_micros(micros);
        }
    }
    if (!context || redriven) {
        trace_execution_started(rec, context);
        return;
    }
    rec.trace = *context;
    rec.trace_parent_span = parent;
    rec.trace_start = start;
}

STEPFN_INLINE result<std::shared_ptr<frame>> engine_core::restore_frame(const json& snap, const std::shared_ptr<execution_record>& rec,
                                                                      const scope& states,
                                                                      const std::shared_ptr<fanout_group>& member_of,
                                                                      std::vector<job>& arms, int depth) {
    if (depth > 64) return make_error("CorruptSnapshot", "frames are nested too deeply");
    if (!snap.is_object()) return make_error("CorruptSnapshot", "a frame is not a JSON object");
    snapshot_reader r(snap);
    std::string problem;
    auto f = std::make_shared<frame>();
    f->exec = rec;
    f->states = &states;
    const std::string name = r.text("state", problem);
    const state* current = problem.empty() ? states.find(name) : nullptr;
    if (!current) return make_error("CorruptSnapshot", problem.empty() ? "no state '" + name + "' in its scope" : problem);
    f->current = static_cast<state_index>(current - states.states.data());
    if (const json* input = r.find("input")) f->input = *input;
    f->input_size = unknown_size;  // not in the snapshot: measured again when a state needs it
    f->entered_time = from_micros(r.integer("entered", 0, problem));
    f->entered_event = r.integer("enteredEvent", 0, problem);
    f->prev_event = r.integer("prev", 0, problem);
    f->retry_count = r.integer("retries", 0, problem);
    if (const json* retriers = r.find("retriers")) {
        if (!retriers->is_array()) return make_error("CorruptSnapshot", "'retriers' is not an array");
        for (const auto& n : *retriers) {
            if (!n.is_number_integer()) return make_error("CorruptSnapshot", "'retriers' holds a non-integer");
            f->retrier_attempts.push_back(n.get<std::int64_t>());
        }
    }
    f->first_state = r.flag("first");
    if (const json* span = r.find("span"); span && spans_ && rec->trace.span_id) {
        snapshot_reader sr(*span);
        std::string ignored;  // a span that does not read is not restored; the frame is
        const std::string id = sr.text("id", ignored);
        std::uint64_t value = 0;
        if (id.size() == 16 && read_hex(id, value) && value != 0) {
            f->state_span = value;
            const std::int64_t micros = sr.integer("start", 0, ignored);
            f->state_span_start = ignored.empty() ? from_micros(micros) : clock_->now();
        }
    }
    f->map_index = r.integer("mapIndex", -1, problem);
    const std::int64_t member = r.integer("member", 0, problem);
    if (!problem.empty()) return make_error("CorruptSnapshot", problem);
    if (member < 0) return make_error("CorruptSnapshot", "a negative member index");
    f->member_of = member_of;
    f->member_index = static_cast<std::size_t>(member);
    f->done = r.flag("done");
    f->variables = member_of ? member_of->parent->variables : nullptr;
    if (const json* vars = r.find("variables")) {
        if (!vars->is_object()) return make_error("CorruptSnapshot", "'variables' is not an object");
        auto own = std::make_shared<variable_scope>();
        own->parent = std::move(f->variables);
        for (const auto& item : vars->items()) own->values[item.key()] = item.value();
        f->variables = std::move(own);
        f->owns_variables = true;
    }
    if (f->done) return f;
    const json* wait = r.find("wait");
    if (!wait) {
        auto self = shared_from_this();
        arms.push_back([self, f]() { self->run_frame(f); });
        return f;
    }
    auto waited = restore_wait(f, *wait, arms, depth);
    if (!waited) return tl::make_unexpected(std::move(waited.error()));
    return f;
}

STEPFN_INLINE result<void> engine_core::restore_wait(const std::shared_ptr<frame>& f, const json& wait, std::vector<job>& arms,
                                                     int depth) {
    snapshot_reader w(wait);
    std::string problem;
    const state& s = f->states->states[f->current];
    auto self = shared_from_this();
    f->waiting = true;
    if (const json* timer = w.find("timer")) {
        const time_point at = from_micros(w.integer("at", 0, problem));
        if (!problem.empty()) return make_error("CorruptSnapshot", problem);
        if (*timer == "wait" && s.type() == state_type::wait) {
            if (const json* assigned = w.find("assigned")) f->wait_assigned = *assigned;
            arms.push_back([self, f, at]() { self->arm_wait(f, at); });
        } else if (*timer == "retry" && recovery_of(s)) {
            arms.push_back([self, f, at]() { self->arm_retry(f, at); });
        } else {
            return make_error("CorruptSnapshot", "the state '" + s.name + "' cannot wait on that timer");
        }
        return {};
    }
    if (const json* task = w.find("task")) {
        const auto* t = std::get_if<task_state>(&s.body);
        if (!t || !task->is_object()) return make_error("CorruptSnapshot", "the state '" + s.name + "' is not a Task");
        snapshot_reader tr(*task);
        const json* req = tr.find("request");
        if (!req || !req->is_object()) return make_error("CorruptSnapshot", "a task attempt without its request");
        snapshot_reader rr(*req);
        auto attempt = std::make_shared<task_attempt>(self, f, ++f->generation, t->traits.callback, t->traits.family);
        attempt->token = tr.text("token", problem);
        attempt->was_submitted = tr.flag("submitted");
        attempt->was_started = !tr.flag("notStarted");
        task_request request;
        request.resource = rr.text("resource", problem);
        if (const json* input = rr.find("input")) request.input = *input;
        address_request(request, *f, s);
        request.attempt = rr.integer("attempt", 0, problem);
        request.idempotency_key = rr.text("key", problem);
        if (rr.find("heartbeatSeconds")) request.heartbeat_seconds = rr.integer("heartbeatSeconds", 0, problem);
        if (const json* credentials = rr.find("credentials")) request.credentials = *credentials;
        request.task_token = attempt->token;
        std::optional<time_point> deadline, heartbeat;
        if (tr.find("deadline")) deadline = from_micros(tr.integer("deadline", 0, problem));
        if (tr.find("heartbeatDeadline")) heartbeat = from_micros(tr.integer("heartbeatDeadline", 0, problem));
        if (!problem.empty()) return make_error("CorruptSnapshot", problem);
        request.deadline = deadline;
        attempt->heartbeat_seconds = request.heartbeat_seconds;
        attempt->kept_request = std::move(request);
        if (!attempt->token.empty()) {
            // Accepted from now on, not only once the arming job runs: a worker hands the engine
            // the token's outcome right after resume() (it is what made the execution due), and
            // the outcome's job then queues behind the arming one.
            std::lock_guard<std::mutex> lock(registry_mutex_);
            tokens_[attempt->token] = attempt;
        }
        f->attempt = std::move(attempt);
        arms.push_back([self, f, deadline, heartbeat]() { self->resume_attempt(f, deadline, heartbeat); });
        return {};
    }
    const json* fan = w.find("fanout");
    if (!fan || !fan->is_object()) return make_error("CorruptSnapshot", "the frame in '" + s.name + "' waits on nothing known");
    const auto* p = std::get_if<parallel_state>(&s.body);
    const auto* m = std::get_if<map_state>(&s.body);
    if (!p && !m) return make_error("CorruptSnapshot", "the state '" + s.name + "' is neither a Parallel nor a Map");
    snapshot_reader fr(*fan);
    auto g = std::make_shared<fanout_group>();
    g->parent = f;
    g->owner = &s;
    g->is_map = m != nullptr;
    const std::int64_t total = fr.integer("total", -1, problem), started = fr.integer("next", -1, problem);
    g->failures = static_cast<std::size_t>((std::max)(fr.integer("failures", 0, problem), std::int64_t(0)));
    g->max_running = static_cast<std::size_t>((std::max)(fr.integer("maxRunning", 1, problem), std::int64_t(1)));
    g->last_event = fr.integer("last", 0, problem);
    g->last_inner = fr.find("lastInner") ? fr.integer("lastInner", 0, problem) : g->last_event;
    if (fr.find("failedEvent")) g->failed_event = fr.integer("failedEvent", 0, problem);
    g->failed_written = fr.flag("failedWritten");
    if (fr.find("toleratedCount")) g->tolerated_count = fr.integer("toleratedCount", 0, problem);
    if (const json* pct = fr.find("toleratedPercentage"); pct && pct->is_number()) g->tolerated_percentage = pct->get<double>();
    const json* results = fr.find("results");
    const json* items = fr.find("items");
    const json* children = fr.find("children");
    if (!problem.empty()) return make_error("CorruptSnapshot", problem);
    if (total < 0 || started < 0 || started > total || !results || !results->is_array() ||
        results->size() != static_cast<std::size_t>(total) || !items || !items->is_array() || !children ||
        !children->is_array() || (p && static_cast<std::size_t>(total) != p->branches.size()) ||
        (m && items->size() != static_cast<std::size_t>(total - started)))
        return make_error("CorruptSnapshot", "the run of '" + s.name + "' is inconsistent");
    g->total = static_cast<std::size_t>(total);
    g->next = m ? static_cast<std::size_t>(started) : 0;
    g->results = results->get<json::array_t>();
    if (m) {
        g->items = json::array();
        g->items.get_ref<json::array_t&>().resize(g->total);
        for (std::size_t i = 0; i < items->size(); ++i) g->items[g->next + i] = (*items)[i];
    }
    if (const json* selector = fr.find("selector")) g->selector_input = *selector;
    if (const json* failure = fr.find("failure")) {
        snapshot_reader er(*failure);
        std::string ignored;
        g->failure = error{er.text("error", ignored), er.text("cause", ignored)};
    }
    g->finished = fr.flag("finished");
    f->group = g;
    g->generation = ++f->generation;
    for (const auto& child : *children) {
        snapshot_reader cr(child);
        const std::int64_t index = cr.integer("member", -1, problem);
        if (index < 0 || index >= total || !problem.empty() || g->children.count(static_cast<std::size_t>(index)))
            return make_error("CorruptSnapshot", "a branch or iteration of '" + s.name + "' has no valid index");
        const scope& states = m ? *m->processor : p->branches[static_cast<std::size_t>(index)];
        auto c = restore_frame(child, f->exec, states, g, arms, depth + 1);
        if (!c) return tl::make_unexpected(std::move(c.error()));
        g->children.emplace(static_cast<std::size_t>(index), std::move(*c));
    }
    g->running = g->children.size();
    g->completed = static_cast<std::size_t>(started) - (std::min)(g->running, static_cast<std::size_t>(started));
    arms.push_back([self, g]() {
        bool done = false;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            if (!g->finished && g->completed == g->total) g->finished = true;
            done = g->finished;
        }
        if (done) self->post_fanout_done(g);
        else if (g->is_map) self->launch_iterations(g);
    });
    return {};
}

// A task attempt that was in flight when the process stopped (restore_wait rebuilt it).
STEPFN_INLINE void engine_core::resume_attempt(const std::shared_ptr<frame>& f, std::optional<time_point> deadline,
                                               std::optional<time_point> heartbeat_deadline) {
    auto attempt = f->attempt;
    if (!attempt || f->exec->ended.load()) return;
    arm_task_timers(f, deadline, heartbeat_deadline);
    if (!attempt->token.empty()) {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        tokens_[attempt->token] = attempt;
    }
    const bool callback = !attempt->token.empty();
    // The token went out: its answer may still come, whatever the policy.
    if (callback && attempt->was_submitted) return;
    const auto generation = attempt->generation();
    if (options_.after_restart == in_flight_tasks::redispatch) {
        task_request request = *attempt->kept_request;
        auto invoker = invokers_.find(request.resource);
        if (!invoker) {
            attempt->complete(make_error(errors::runtime, "No task invoker is registered for resource '" + request.resource + "'."));
            return;
        }
        dispatch(f, attempt, std::move(invoker), std::move(request), true);
        return;
    }
    auto self = shared_from_this();
    post_to(f, [self, f, generation]() {
        self->on_task_result(f, generation,
                             make_error("Stepfn.TaskInterrupted",
                                        "The task was in flight when the engine running it stopped; it is not sent again "
                                        "(in_flight_tasks::fail: at most once)."));
    });
}

} // namespace stepfn::detail

#endif
