#ifndef STEPFN_ENGINE_DETAIL_HISTORY_HPP
#define STEPFN_ENGINE_DETAIL_HISTORY_HPP

// History events as AWS writes them: ids from one counter per execution, each event linked to
// the previous one of its frame, delivered to the execution's and the engine's sinks in id order.

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/detail/json_object.hpp>
#include <stepfn/detail/json_text.hpp>
#include <stepfn/engine/detail/engine_core.hpp>
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

template <class Details>
void engine_core::emit(execution_record& rec, std::int64_t& prev, event_type type, Details&& details, bool link) {
    const std::int64_t previous = link ? prev : 0;
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
    history_sink* const own = rec.sink.get();
    history_sink* const shared = options_.history.get();
    constexpr bool parts = std::is_same_v<std::decay_t<decltype(details())>, deferred_details>;
    // Before the lock: serialising payloads is the slow part. The event is built in place: no
    // empty details object allocated for an event that stays deferred, no parts moved twice.
    history_event event = [&] {
        if constexpr (parts) return history_event{0, 0, {}, type, json(), details()};
        else return history_event{0, 0, {}, type, details(), deferred_details{}};
    }();
    if constexpr (parts) {
        // An event stays deferred only when every receiver keeps it so.
        const bool deferred = !rec.durable && (!own || own->keeps_deferred()) && (!shared || shared->keeps_deferred());
        if (!deferred) materialise(event);
    }
    event.previous_event_id = previous;
    event_batch& batch = local_batch();
    if (batch.rec == &rec && !rec.durable) {
        // A runner's event: its id now (frames link to it, error causes name it), its delivery
        // with the rest of the batch.
        event.id = rec.event_count.fetch_add(1) + 1;
        event.timestamp = clock_->now();
        prev = event.id;
        batch.events.push_back(std::move(event));
        return;
    }
    std::lock_guard<std::mutex> lock(rec.history_mutex);  // ids, times and order agree
    event.id = rec.event_count.fetch_add(1) + 1;
    event.timestamp = clock_->now();
    prev = event.id;
    if (!rec.durable) return place_event(rec, std::move(event));
    // The store gets every event with the checkpoint it belongs to (the sinks see it now).
    if (rec.durable->detached) return;
    if (!own && !shared) return rec.durable->events.push_back(std::move(event));
    rec.durable->events.push_back(event);
    deliver_event(rec, std::move(event));
}

STEPFN_INLINE void engine_core::deliver_event(execution_record& rec, history_event&& event) {
    history_sink* const own = rec.sink.get();
    history_sink* const shared = options_.history.get();
    if (own && shared) {
        deliver_quietly([&] { own->record(rec.arn, event); });
        deliver_quietly([&] { shared->record(rec.arn, event); });
    } else {
        history_sink* const only = own ? own : shared;
        deliver_quietly([&] { only->take(rec.arn, std::move(event)); });
    }
}

// Delivers `event` if every earlier one was, and then those it held up; else holds it in its
// slot. Ids are never skipped, so a slot is filled by the batch that took its id.
STEPFN_INLINE void engine_core::place_event(execution_record& rec, history_event&& event) {
    auto deliver = [&](history_event&& e) {
        // A runner read the clock before an event with a lower id was delivered: time follows ids.
        if (e.timestamp < rec.last_event_time) e.timestamp = rec.last_event_time;
        rec.last_event_time = e.timestamp;
        rec.delivered_events = e.id;
        deliver_event(rec, std::move(e));
    };
    auto& held = rec.held_events;
    const std::size_t slot = rec.held_first + static_cast<std::size_t>(event.id - rec.delivered_events - 1);
    if (slot == rec.held_first && slot == held.size()) return deliver(std::move(event));
    if (held.size() <= slot) held.resize(slot + 1);
    held[slot] = std::move(event);
    for (; rec.held_first < held.size() && held[rec.held_first]; ++rec.held_first) {
        deliver(std::move(*held[rec.held_first]));
        held[rec.held_first].reset();
    }
    if (rec.held_first == held.size()) {
        held.clear();  // keeps its capacity
        rec.held_first = 0;
    } else if (rec.held_first > held.size() / 2) {
        // Runners that keep each other's events waiting may never empty it: drop the front.
        held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(rec.held_first));
        rec.held_first = 0;
    }
}

STEPFN_INLINE void engine_core::flush_events() {
    event_batch& batch = local_batch();
    if (!batch.rec || batch.events.empty()) return;
    {
        std::lock_guard<std::mutex> lock(batch.rec->history_mutex);
        for (auto& event : batch.events) place_event(*batch.rec, std::move(event));
    }
    batch.events.clear();
}

STEPFN_INLINE deferred_details engine_core::execution_started_parts(std::shared_ptr<const std::string> input_text,
                                                                    const std::string& role) const {
    deferred_details parts;
    parts.text = std::move(input_text);
    parts.arn = role.empty() ? role_arn_ : role;
    return parts;
}

// Batches the events a runner makes for `rec` on this thread; delivers them when it ends. A
// nested runner (a Map inside an iteration) leaves the outer binding alone. An executor that
// runs one job at a time has one runner, which meets nobody on the lock: nothing to batch.
class event_batch_scope {
public:
    event_batch_scope(engine_core& core, execution_record& rec)
        : core_(core), batch_(local_batch()),
          owner_(batch_.rec == nullptr && !rec.durable && core.parallelism_ > 1) {
        if (owner_) batch_.rec = &rec;
    }
    ~event_batch_scope() {
        if (!owner_) return;
        core_.flush_events();
        batch_.rec = nullptr;
    }
    event_batch_scope(const event_batch_scope&) = delete;
    event_batch_scope& operator=(const event_batch_scope&) = delete;

private:
    engine_core& core_;
    event_batch& batch_;
    bool owner_;
};

} // namespace stepfn::detail

#endif
