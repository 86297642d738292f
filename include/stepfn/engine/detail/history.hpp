// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_HISTORY_HPP
#define STEPFN_ENGINE_DETAIL_HISTORY_HPP

// History events as AWS writes them: ids from one counter per execution, each event linked to
// the previous one of its frame, delivered to the execution's and the engine's sinks in id order.

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/detail/json_object.hpp>
#include <stepfn/detail/json_text.hpp>
#include <stepfn/detail/spin.hpp>
#include <stepfn/history/event.hpp>

namespace stepfn::detail {

// Appends AWS's {"<key>": "<value as JSON text>", "<key>Details": {"truncated": false}}.
inline void add_io(json& details, const char* key, const char* details_key, const json& value) {
    add_payload_text(details, key, details_key, json_text(value));
}

// A sink (or hook) that throws must not break the execution.
template <class Call>
void deliver_quietly(Call&& call) {
    (void)guarded_call(std::forward<Call>(call));
}

// The next event id of an execution that has a sink or a store, under its history lock: every
// id of such an execution is taken here (the lock-free tally counts only executions that no one
// watches), so a load and a store do what a locked add did, without its second full barrier.
inline std::int64_t next_event_id(execution_record& rec) noexcept {
    const std::int64_t id = rec.event_count.load(std::memory_order_relaxed) + 1;
    rec.event_count.store(id, std::memory_order_release);
    return id;
}

// Under the history lock: whether an event of `type` (the last of those recorded together) may
// still be recorded. An execution's end event is its last: an event made after it on another
// thread (a task's answer, or a runner's, racing a stop or a timeout) is dropped, as AWS records
// nothing after an execution's end. One made after the end was claimed but before its event
// goes in first, as if it had come before the stop.
inline bool open_history(execution_record& rec, event_type last) noexcept {
    if (rec.history_closed) return false;
    rec.history_closed = last == event_type::execution_succeeded || last == event_type::execution_failed ||
                         last == event_type::execution_timed_out || last == event_type::execution_aborted;
    return true;
}

// The execution's history lock, held for an event's id, time and delivery (a few hundred
// nanoseconds): a fan-out's runners on several threads emit at once, and one that blocked on it
// would sleep far longer than the holder keeps it, so a waiter backs off and tries again first.
// Uncontended (one thread's execution, every event of a sequential workflow) it is a lock_guard.
class history_lock {
public:
    explicit history_lock(execution_record& rec) : m_(rec.history_mutex) {
        if (!m_.try_lock()) lock_backing_off(m_);
    }
    history_lock(const history_lock&) = delete;
    history_lock& operator=(const history_lock&) = delete;
    ~history_lock() { m_.unlock(); }

private:
    std::mutex& m_;
};

// Inline where it is called: an event nobody sees costs a few loads and an add, not a call to
// the whole of emit_watched (whose prologue alone cost more, 16 times per five-state execution).
template <class Details>
void engine_core::emit(execution_record& rec, std::int64_t& prev, event_type type, Details&& details, bool link) {
    if (!rec.sink && !options_.history && !rec.durable) {
        // Nobody sees the event, but its id still counts (the history-size limit, and error
        // causes name the event a state was entered at): exact for a frame's own events.
        event_tally& tally = local_tally();
        if (tally.rec == &rec) {
            ++tally.count;
            prev = rec.event_count.load(std::memory_order_relaxed) + tally.count;
        } else {
            prev = rec.event_count.fetch_add(1, std::memory_order_relaxed) + 1;
        }
        return;
    }
    emit_watched(rec, prev, type, std::forward<Details>(details), link);
}

template <class Details>
void engine_core::emit_watched(execution_record& rec, std::int64_t& prev, event_type type, Details&& details, bool link) {
    const std::int64_t previous = link ? prev : 0;
    history_sink* const own = rec.sink.get();
    history_sink* const shared = options_.history.get();
    // `details(made)` gives the parts: `made` asks for payload texts made, else the sinks write
    // them from the values (event_parts::payload).
    constexpr bool parts = std::is_invocable_v<Details&, bool>;
    if constexpr (parts) {
        // A sink that takes parts gets views of the engine's strings: no event made or destroyed.
        if (takes_parts(rec)) {
            event_parts event = details(false);
            event.type = type;
            const history_lock lock(rec);  // ids, times and order agree
            if (!open_history(rec, type)) return;
            stamp(rec, prev, &event, 1, link, true);
            deliver_parts(rec, &event, 1);
            return;
        }
    }
    // Before the lock: serialising payloads is the slow part. The event is built in place: no
    // empty details object allocated for an event that stays deferred, no parts moved twice.
    history_event event = [&] {
        if constexpr (!parts) {
            return history_event{0, 0, {}, type, details(), deferred_details{}};
        } else {
            // An event stays deferred only when every receiver keeps it so.
            const bool deferred = !rec.durable && (!own || own->keeps_deferred()) && (!shared || shared->keeps_deferred());
            event_parts p = details(true);
            p.type = type;
            if (!p.text && p.payload)  // a text named by an event that went to a sink taking parts
                p.text = std::make_shared<const std::string>(json_text(*p.payload, p.payload_size ? p.payload_size : unknown_size));
            // deferred_details has no room for a Map iteration's index: its details are built.
            if (!deferred || p.index) return history_event{0, 0, {}, type, details_of(p), deferred_details{}};
            return history_event{0, 0, {}, type, json(),
                                 deferred_details{std::string(p.name), std::move(p.text), std::string(p.arn), p.timeout,
                                                  p.heartbeat, std::move(p.credentials), p.bare}};
        }
    }();
    const history_lock lock(rec);  // ids, times and order agree
    if (!open_history(rec, type)) return;
    event.id = next_event_id(rec);
    event.previous_event_id = previous;
    event.timestamp = clock_->now();
    prev = event.id;
    if (rec.durable) {
        // The store gets every event with the checkpoint it belongs to (the sinks see it now).
        if (rec.durable->detached) return;
        if (!own && !shared) return rec.durable->events.push_back(std::move(event));
        rec.durable->events.push_back(event);
    }
    if (own && shared) {
        deliver_quietly([&] { own->record(rec.arn, event); });
        deliver_quietly([&] { shared->record(rec.arn, event); });
    } else {
        history_sink* const only = own ? own : shared;
        deliver_quietly([&] { only->take(rec.arn, std::move(event)); });
    }
}

// Two events emitted back to back in one step of one execution, each given by a `(bool made)`
// callable as emit() takes it. When every receiver takes parts they get both under one history
// lock, with consecutive ids, the second linked to the first (unless `link_second` is false:
// the first state's Entered event links to nothing), one time read for both, and a sink that
// keeps_batches() in one call; otherwise they are emitted one after the other.
template <class First, class Second>
void engine_core::emit_pair(execution_record& rec, std::int64_t& prev, event_type first_type, First&& first,
                            event_type second_type, Second&& second, bool link_second) {
    if (!takes_parts(rec)) {
        emit(rec, prev, first_type, first);
        emit(rec, prev, second_type, second, link_second);
        return;
    }
    event_parts events[2] = {first(false), second(false)};  // in order: the second may share the first's text
    events[0].type = first_type;
    events[1].type = second_type;
    const history_lock lock(rec);  // ids, times and order agree
    if (!open_history(rec, second_type)) return;
    stamp(rec, prev, events, 2, true, link_second);
    deliver_parts(rec, events, 2);
}

// Under the history lock: consecutive ids for `count` events, each linked to the one before it
// (the first to `prev`, unless `link_first` is false; the rest unless `link_rest` is false: the
// first state's Entered event links to nothing), and one time read for all of them.
STEPFN_INLINE void engine_core::stamp(execution_record& rec, std::int64_t& prev, event_parts* events, std::size_t count,
                               bool link_first, bool link_rest) {
    const auto now = clock_->now();
    for (std::size_t i = 0; i < count; ++i) {
        event_parts& event = events[i];
        event.previous_event_id = (i == 0 ? link_first : link_rest) ? prev : 0;
        event.id = next_event_id(rec);
        event.execution = rec.history_serial;
        event.timestamp = now;
        prev = event.id;
    }
}

// Asked of the sinks once per execution (execution_record::receivers): a byte read instead
// of two virtual calls for each event, each check before a pair and each hand-over.
STEPFN_INLINE std::uint8_t engine_core::receivers(const execution_record& rec) const noexcept {
    const std::uint8_t known = rec.receivers.load(std::memory_order_relaxed);
    return known != 0 ? known : ask_receivers(rec);
}

STEPFN_INLINE std::uint8_t engine_core::ask_receivers(const execution_record& rec) const noexcept {
    const history_sink* const own = rec.sink.get();
    const history_sink* const shared = options_.history.get();
    const bool parts = !rec.durable && (own || shared) && (!own || own->keeps_parts()) && (!shared || shared->keeps_parts());
    auto known = static_cast<std::uint8_t>(receivers_known | (parts ? receivers_take_parts : 0));
    if (parts && own && own->keeps_batches()) known = static_cast<std::uint8_t>(known | own_takes_batches);
    if (parts && shared && shared->keeps_batches()) known = static_cast<std::uint8_t>(known | shared_takes_batches);
    rec.receivers.store(known, std::memory_order_relaxed);  // every thread finds the same
    return known;
}

STEPFN_INLINE bool engine_core::takes_parts(const execution_record& rec) const noexcept {
    return (receivers(rec) & receivers_take_parts) != 0;
}

// Under the history lock, after takes_parts(rec): a batch in one call to a sink that
// keeps_batches(), else event by event.
STEPFN_INLINE void engine_core::deliver_parts(execution_record& rec, const event_parts* events, std::size_t count) {
    const std::uint8_t known = receivers(rec);
    const auto deliver = [&](history_sink* sink, bool batches) {
        if (count > 1 && batches) return deliver_quietly([&] { sink->record_batch(rec.arn, events, count); });
        for (std::size_t i = 0; i < count; ++i) deliver_quietly([&] { sink->record_parts(rec.arn, events[i]); });
    };
    if (history_sink* const own = rec.sink.get()) deliver(own, (known & own_takes_batches) != 0);
    if (history_sink* const shared = options_.history.get()) deliver(shared, (known & shared_takes_batches) != 0);
}

STEPFN_INLINE event_parts engine_core::execution_started_parts(std::shared_ptr<const std::string> input_text,
                                                               const std::string& role) const {
    event_parts parts;
    parts.text = std::move(input_text);
    parts.arn = role.empty() ? role_arn_ : role;
    return parts;
}

} // namespace stepfn::detail

#endif
