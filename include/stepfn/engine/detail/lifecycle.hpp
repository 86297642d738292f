// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_LIFECYCLE_HPP
#define STEPFN_ENGINE_DETAIL_LIFECYCLE_HPP

// The engine and its executions: construction, start, the end of an execution (one path for
// success, failure, timeout and stop), and the calls that reach an execution from outside
// (stop, task tokens).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/detail/json_size.hpp>
#include <stepfn/detail/uuid_text.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/scheduling.hpp>
#include <stepfn/engine/detail/snapshot.hpp>
#include <stepfn/model/express_support.hpp>

namespace stepfn::detail {

// A version-4 UUID from the engine's seeded source (Map Run ids, tokens).
inline std::string make_uuid(engine_core& core) {
    const auto [hi, lo] = core.random_pair();
    return uuid_v4_text(hi, lo);
}

// A generated execution name: a version-7 UUID (RFC 9562), the engine clock's Unix milliseconds
// (48 bits), then the fraction of that millisecond in 1/4096ths (RFC 9562's method 3), then 62
// bits from the seeded source. Names made later sort later, so a store's index of execution
// ARNs grows at its end (the same few cached pages) instead of at a random page per execution.
// It draws twice from the source, as a version-4 name did, so every other seeded value
// (`States.UUID`, jitter, tokens) stays what it was for a given seed.
inline std::string make_execution_name(engine_core& core) {
    const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(core.clock().now().time_since_epoch()).count();
    const std::uint64_t ns = since_epoch > 0 ? static_cast<std::uint64_t>(since_epoch) : 0;  // a clock before 1970 reads as 1970
    const std::uint64_t ms = (ns / 1000000) & 0xFFFFFFFFFFFFULL;
    const std::uint64_t fraction = (ns % 1000000) * 4096 / 1000000;  // 12 bits
    const std::uint64_t hi = (ms << 16) | 0x7000ULL | fraction;  // version 7
    const std::uint64_t lo = (core.random_pair().second & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 9562 variant
    return uuid_text(hi, lo);
}

STEPFN_INLINE engine_core::engine_core(std::unique_ptr<executor_iface> executor, std::unique_ptr<clock_iface> clock,
                                      engine_options options)
    : executor_(std::move(executor)), clock_(std::move(clock)), options_(std::move(options)), metrics_(options_.metrics.get()),
      spans_(options_.spans.get()),
      arn_prefix_("arn:aws:states:" + options_.region + ":" + options_.account + ":"),
      role_arn_("arn:aws:iam::" + options_.account + ":role/stepfn"),
      parallelism_((std::max)(executor_->concurrency(), std::size_t(1))),
      retry_(options_.retry ? *options_.retry : static_cast<const retry_policy&>(default_retry_)) {
    std::uint64_t seed = options_.seed;
    if (seed == 0) {
        std::random_device device;
        seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
    }
    rng_.seed(seed);
    if (metrics_) instruments_ = std::make_unique<instrument_cache>(*metrics_);
}

STEPFN_INLINE std::uint64_t engine_core::random_u64() {
    std::lock_guard<std::mutex> lock(rng_mutex_);
    return rng_();
}

STEPFN_INLINE std::pair<std::uint64_t, std::uint64_t> engine_core::random_pair() {
    std::lock_guard<std::mutex> lock(rng_mutex_);
    const std::uint64_t first = rng_();
    return {first, rng_()};
}

STEPFN_INLINE double engine_core::random_unit() {
    return static_cast<double>(random_u64() >> 11) * (1.0 / 9007199254740992.0);
}

STEPFN_INLINE void engine_core::shutdown() {
    std::vector<std::shared_ptr<execution_record>> live;
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        for (auto& entry : executions_)
            if (auto r = entry.second.lock()) live.push_back(std::move(r));
    }
    // A durable execution stays RUNNING in the store, where it stood at its last checkpoint, as
    // if the process had died: the next engine's recover() goes on from there.
    for (auto& r : live)
        if (r->durable) r->durable->detached = true;
    if (options_.store) (void)options_.store->flush();
    for (auto& r : live) end_execution(r, execution_status::aborted, json(), error{"", "the engine was destroyed"});
}

// The caller's input text, kept only when it spells `input` otherwise than stepfn would (blanks,
// number spelling, escapes) and really is `input` (parsed again to be sure; bounded by the
// payload limit); empty otherwise.
inline std::string given_input_text(const json& input, std::string text) {
    if (text == json_text(input)) return std::string();
    json reparsed = json::parse(text, nullptr, false);
    if (reparsed.is_discarded() || reparsed != input) return std::string();
    return text;
}

STEPFN_INLINE result<execution> engine_core::start(const state_machine& machine, json input, start_options options) {
    if (options.name.empty()) options.name = make_execution_name(*this);
    if (options.name.size() > 80)
        return make_error("InvalidName", "the execution name '" + options.name + "' is longer than 80 characters");
    // Size and depth in one walk: the input may be a 100,000-item Map's, walked on the host's thread.
    const payload_measure measured = measure_payload(input, options_.bounds.max_payload_bytes, options_.bounds.max_payload_depth);
    const std::size_t input_size = measured.size;
    if (input_size > options_.bounds.max_payload_bytes)
        return make_error(errors::data_limit_exceeded,
                          "the execution input exceeds the maximum payload size of " +
                              std::to_string(options_.bounds.max_payload_bytes) + " bytes");
    if (measured.too_deep)
        return make_error("InvalidExecutionInput", "the execution input is nested more than " +
                                                       std::to_string(options_.bounds.max_payload_depth) +
                                                       " levels deep (limits::max_payload_depth)");
    // AWS refuses these at CreateStateMachine; a library host has no such step, so here.
    if (options.type == execution_type::express)
        if (auto supported = check_express(machine); !supported) return tl::make_unexpected(std::move(supported.error()));

    auto rec = std::make_shared<execution_record>(machine);
    rec->core = shared_from_this();
    rec->driver = &driver;
    rec->helper = &helper;
    rec->arn.reserve(arn_prefix_.size() + 10 + machine.name().size() + 1 + options.name.size());
    rec->arn.append(arn_prefix_).append("execution:").append(machine.name()).append(1, ':').append(options.name);
    rec->name = std::move(options.name);
    rec->start_time = clock_->now();
    rec->sink = std::move(options.history);
    rec->inspector = std::move(options.inspector);
    rec->role_arn = std::move(options.role_arn);
    if (options_.store) {
        auto durable = make_durable(*rec, input);
        if (!durable) return tl::make_unexpected(std::move(durable.error()));
        if (*durable) return std::move(**durable);  // started before, with this input
    }
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        // Inserted first (the ARN hashed once); a name taken already gives the entry back.
        decltype(executions_)::iterator at;
        bool added = false;
        if (spare_entry_) {
            spare_entry_.key() = rec->arn;
            spare_entry_.mapped() = rec;
            auto inserted = executions_.insert(std::move(spare_entry_));
            at = inserted.position;
            added = inserted.inserted;
            if (!added) {
                spare_entry_ = std::move(inserted.node);
                spare_entry_.mapped().reset();  // a weak reference would keep the record's memory
            }
        } else {
            std::tie(at, added) = executions_.emplace(rec->arn, rec);
        }
        if (!added) {
            if (auto existing = at->second.lock()) {
                if (existing->durable && rec->durable && existing->durable->input_text == rec->durable->input_text)
                    return execution(existing);
                return make_error("ExecutionAlreadyExists", "an execution named '" + rec->name + "' is already running");
            }
            executions_.erase(at);  // its key viewed the ARN of a record that is gone
            executions_.emplace(rec->arn, rec);
        }
    }

    rec->express = options.type == execution_type::express;
    if (options.input_text && !options.input_text->empty() && options.input_text->size() <= options_.bounds.max_payload_bytes)
        rec->given_input = given_input_text(input, std::move(*options.input_text));
    auto root = std::make_shared<frame>();
    root->exec = rec;
    root->states = &machine.top();
    root->is_root = true;
    root->current = machine.top().start;
    root->input_size = input_size;
    std::int64_t prev = 0;
    const auto started_parts = [&](bool made) {
        if (!rec->given_input.empty())
            return execution_started_parts(std::make_shared<const std::string>(rec->given_input), rec->role_arn);
        root->input_text = new_history_text(made, input, input_size);  // the first Entered event shows it too
        event_parts parts = execution_started_parts(nullptr, rec->role_arn);
        show(parts, root->input_text, input, input_size);
        return parts;
    };
    if (watched(*rec) && enters_with_exit(*rec)) {  // the first state's Entered event with ExecutionStarted
        const state& first = machine.top().states[machine.top().start];
        emit_pair(*rec, prev, event_type::execution_started, started_parts, entered_event_type(first),
                  [&](bool made) { return entered_parts(*root, first, input, input_size, made); }, false);
        root->prev_event = prev;
        root->entered_early = &first;
        entered(*root, first);
    } else {
        emit(*rec, prev, event_type::execution_started, started_parts);
        root->prev_event = prev;
    }
    if (metrics_) count_execution_opened(*rec, true);
    if (spans_) trace_execution_started(*rec, options.trace_parent);
    // `$$.Execution.Input` needs the input as it was; a machine that never reads `$$` does not.
    // Kept too when the caller's text is shown for the states whose input it still is.
    if (machine.definition().reads_context || !rec->given_input.empty()) rec->input = input;
    root->input = std::move(input);
    {
        std::lock_guard<std::mutex> lock(rec->mutex);
        rec->root = root;
    }

    if (options.deferred && rec->durable) {
        // Nothing runs here: the first checkpoint is made now, on this thread (no job of the
        // execution exists yet to race with), and whoever resumes it arms its timeout.
        checkpoint(rec);
        return execution(rec);
    }
    arm_execution_timeout(rec);
    launch(root);
    return execution(rec);
}

// TimeoutSeconds of the whole execution, from its start (also when a durable one is restored).
STEPFN_INLINE void engine_core::arm_execution_timeout(const std::shared_ptr<execution_record>& rec) {
    const auto& timeout = rec->machine.definition().timeout_seconds;
    // AWS ends an EXPRESS execution that runs longer than five minutes, as a timeout.
    constexpr std::int64_t express_seconds = 300;
    const bool express_cap = rec->express && (!timeout || *timeout > express_seconds);
    if (!timeout && !express_cap) return;
    auto self = shared_from_this();
    std::weak_ptr<execution_record> weak = rec;
    const std::int64_t seconds = express_cap ? express_seconds : *timeout;
    // A redriven execution gets its whole TimeoutSeconds again, from the redrive.
    const time_point from = rec->redrive_count > 0 ? rec->redrive_time : rec->start_time;
    const auto id = clock_->schedule_at(from + std::chrono::seconds(seconds), [self, weak, seconds, express_cap]() {
        auto r = weak.lock();
        if (!r) return;
        self->end_from_outside(
            r, execution_status::timed_out,
            error{errors::timeout, express_cap ? "The EXPRESS execution ran longer than 300 seconds, the most an "
                                                 "EXPRESS workflow runs."
                                               : "The execution timed out after " + std::to_string(seconds) +
                                                     " seconds (TimeoutSeconds)."});
    });
    std::lock_guard<std::mutex> lock(rec->mutex);
    rec->timeout_timer = id;
}

// A timeout or a stop: a durable execution ends on its strand, so that its checkpoint sees it
// (an end that its strand reaches first still wins there; this can only see one already claimed).
STEPFN_INLINE bool engine_core::end_from_outside(const std::shared_ptr<execution_record>& rec, execution_status status, error e) {
    if (!rec->durable) return end_execution(rec, status, json(), std::move(e));
    if (rec->ended.load()) return false;
    auto self = shared_from_this();
    post_to_execution(rec, [self, rec, status, e = std::move(e)]() mutable {
        self->end_execution(rec, status, json(), std::move(e));
    });
    return true;
}

STEPFN_INLINE void engine_core::abort_frame(const std::shared_ptr<frame>& f) {
    if (traced(*f->exec) && f->current != no_state && !f->done && !(f->exec->durable && f->exec->durable->parked.load())) {
        const state& s = f->states->states[f->current];
        const error aborted{"States.Aborted", "the execution ended while this state ran"};
        if (const auto* t = std::get_if<task_state>(&s.body)) trace_attempt_ended(*f, *t, &aborted);
        trace_state_ended(*f, s, &aborted);
    }
    if (auto attempt = end_attempt(*f)) attempt->cancel();
    if (auto g = std::move(f->group)) {
        std::vector<std::shared_ptr<frame>> children;
        {
            std::lock_guard<std::mutex> lock(g->mutex);
            g->finished = true;
            for (auto& entry : g->children) children.push_back(std::move(entry.second));
            g->children.clear();
        }
        auto self = shared_from_this();
        for (auto& c : children) {
            if (c->exec != f->exec) end_execution(c->exec, execution_status::aborted, json(), error{});
            else post_to(c, [self, c]() { self->abort_frame(c); });
        }
    }
    ++f->generation;
    f->done = true;
    f->waiting = false;
}

STEPFN_INLINE bool engine_core::end_execution(const std::shared_ptr<execution_record>& rec, execution_status status, json output,
                                       error e, history_text output_text, const exit_at_end& last_exit,
                                       const frame* ending) {
    if (rec->ended.exchange(true)) return false;
    // A parked execution (park.hpp) did not end: it only leaves this engine.
    const bool leaving = rec->durable && rec->durable->parked.load();
    if (metrics_) {
        if (leaving) count_execution_left();
        else count_execution_ended(*rec, status);
    }
    if (traced(*rec) && !leaving) trace_execution_ended(*rec, status, e);
    static constexpr event_type final_events[] = {event_type::execution_started, event_type::execution_succeeded,
                                                  event_type::execution_failed, event_type::execution_timed_out,
                                                  event_type::execution_aborted};
    // The frames as they stood, for a redrive (the abort below takes them apart).
    if (rec->durable && !rec->durable->detached) rec->durable->final_snapshot = snapshot_text(*rec);
    std::optional<timer_id> timeout;
    std::shared_ptr<frame> root;
    {
        std::lock_guard<std::mutex> lock(rec->mutex);
        timeout = rec->timeout_timer;
        root = std::move(rec->root);
    }
    if (timeout) clock_->cancel(*timeout);
    // The last event so far: frames may be running on other threads, so not a frame's own link.
    std::int64_t prev = rec->event_count.load();
    if (root && root.get() == ending && !root->group && !root->attempt && !rec->durable) {
        // Its own last job ends it (success or failure): aborted here, in its strand, as the job
        // posted below would (it has no branches, iterations or task attempt to stop), without a
        // job posted and drained for it.
        abort_frame(root);
    } else if (root) {
        // Abort in the frame's own strand: its data is only touched there. It aborts its running
        // branches and iterations, and they theirs.
        auto self = shared_from_this();
        post_to(root, [self, root]() { self->abort_frame(root); });
    }
    if (status == execution_status::succeeded) {
        const auto succeeded_parts = [&](bool made) {
            event_parts parts;
            if (output_text) show(parts, output_text, output, unknown_size);
            else show_once(parts, made, output);
            return parts;
        };
        if (last_exit.name) {  // the last state's Exited event first, the same text shown by both
            prev = last_exit.prev;
            emit_pair(*rec, prev, last_exit.type,
                      [&](bool) {
                          event_parts parts;
                          parts.name = *last_exit.name;
                          show(parts, output_text, output, last_exit.size);
                          return parts;
                      },
                      event_type::execution_succeeded, succeeded_parts);
        } else {
            emit(*rec, prev, event_type::execution_succeeded, succeeded_parts);
        }
    } else {
        emit(*rec, prev, final_events[static_cast<int>(status)], [&] {
            json details = json::object();
            if (!e.name.empty()) details["error"] = e.name;
            if (!e.cause.empty()) details["cause"] = e.cause;
            return details;
        });
    }
    if (rec->durable && !rec->durable->detached) {
        // Callers learn of the end once the store has it (see checkpoint()).
        durable_state& d = *rec->durable;
        execution_change change;
        change.status = status;
        if (status == execution_status::succeeded) change.output = json_text(output);
        change.error = e.name;
        change.cause = e.cause;
        change.date = clock_->now();
        d.ended = std::move(change);
        // Weakly: the record holds its effects, and one that never runs (the engine went away
        // first) must not keep the record alive.
        auto self = shared_from_this();
        std::weak_ptr<execution_record> weak = rec;
        d.effects.push_back([self, weak, status, output = std::move(output), e = std::move(e)]() mutable {
            if (auto r = weak.lock()) self->publish_end(r, status, std::move(output), std::move(e));
        });
        return true;
    }
    publish_end(rec, status, std::move(output), std::move(e));
    return true;
}

// Tells the execution's waiters how it ended and forgets it.
STEPFN_INLINE void engine_core::publish_end(const std::shared_ptr<execution_record>& rec, execution_status status, json&& output,
                                            error&& e) {
    std::function<void(execution_record&)> on_end;
    std::vector<std::function<void()>> watchers;
    {
        std::lock_guard<std::mutex> lock(rec->mutex);
        rec->output = std::move(output);
        rec->failure = std::move(e);
        rec->stop_time = clock_->now();
        rec->status.store(status, std::memory_order_release);  // last: it publishes the rest
        on_end = std::move(rec->on_end);
        watchers = std::move(rec->end_watchers);
    }
    rec->finished.notify_all();
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = executions_.find(rec->arn);
        // The same record, compared without locking the weak reference.
        if (it != executions_.end() && !it->second.owner_before(rec) && !rec.owner_before(it->second)) {
            auto entry = executions_.extract(it);
            entry.mapped().reset();  // a weak reference would keep the record's memory
            if (!spare_entry_) spare_entry_ = std::move(entry);
        }
    }
    if (on_end) on_end(*rec);
    // A host callback that throws must not stop the others, nor the thread that ended it.
    for (auto& watcher : watchers) (void)guarded_call([&] { watcher(); }, "an execution::on_end callback");
}

STEPFN_INLINE std::optional<execution> engine_core::running(std::string_view arn) {
    std::lock_guard<std::mutex> lock(registry_mutex_);
    auto it = executions_.find(arn);
    if (it == executions_.end()) return std::nullopt;
    if (auto rec = it->second.lock()) return execution(std::move(rec));
    return std::nullopt;
}

STEPFN_INLINE result<void> engine_core::stop(std::string_view arn, std::string error_name, std::string cause) {
    std::shared_ptr<execution_record> rec;
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = executions_.find(arn);
        if (it != executions_.end()) rec = it->second.lock();
    }
    // Still listed, but its own end (the last state, a timeout) may claim it first: then this
    // stop did nothing, and says so as for an execution that has gone.
    if (!rec || !end_from_outside(rec, execution_status::aborted, error{std::move(error_name), std::move(cause)}))
        return make_error("ExecutionDoesNotExist", "no running execution has the ARN '" + std::string(arn) + "'");
    return {};
}

STEPFN_INLINE result<std::shared_ptr<task_attempt>> engine_core::find_attempt(std::string_view token) {
    std::shared_ptr<task_attempt> attempt;
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = tokens_.find(std::string(token));
        if (it != tokens_.end()) attempt = it->second.lock();
    }
    // The token itself is a credential: the error does not repeat it.
    if (!attempt) return make_error("TaskDoesNotExist", "no task is waiting for the given token");
    return attempt;
}

STEPFN_INLINE result<void> engine_core::send_task_success(std::string_view token, json output) {
    auto attempt = find_attempt(token);
    if (!attempt) return tl::make_unexpected(std::move(attempt.error()));
    if (exceeds_size(output, options_.bounds.max_payload_bytes))
        return make_error("InvalidOutput", "the output exceeds the maximum payload size");
    if (exceeds_depth(output, options_.bounds.max_payload_depth))
        return make_error("InvalidOutput", "the output is nested more than " +
                                               std::to_string(options_.bounds.max_payload_depth) +
                                               " levels deep (limits::max_payload_depth)");
    (*attempt)->resolve(std::move(output));
    return {};
}

STEPFN_INLINE result<void> engine_core::send_task_failure(std::string_view token, std::string error_name, std::string cause) {
    auto attempt = find_attempt(token);
    if (!attempt) return tl::make_unexpected(std::move(attempt.error()));
    (*attempt)->resolve(tl::make_unexpected(error{std::move(error_name), std::move(cause)}));
    return {};
}

STEPFN_INLINE result<void> engine_core::send_task_heartbeat(std::string_view token) {
    auto attempt = find_attempt(token);
    if (!attempt) return tl::make_unexpected(std::move(attempt.error()));
    (*attempt)->heartbeat();
    return {};
}

} // namespace stepfn::detail

#endif
