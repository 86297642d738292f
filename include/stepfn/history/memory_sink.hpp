#ifndef STEPFN_HISTORY_MEMORY_SINK_HPP
#define STEPFN_HISTORY_MEMORY_SINK_HPP

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstddef>
#include <cstring>
#include <limits>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/detail/json_text.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/history/event_parts.hpp>
#include <stepfn/history/history_sink.hpp>

namespace stepfn {

// Keeps every event in memory: the sink for tests and for hosts that show a run's history
// themselves. Thread-safe; readers get copies, so they never race the engine. It takes the
// engine's deferred events as parts (keeps_parts: a state's name, the payload, an ARN, a Map
// iteration's index), keeps them so and builds their details when they are read: the copies it
// returns always have `details`.
//
// Storage is one vector of fixed-size records, each linked to the next event of its execution,
// one buffer holding the parts' characters (the payload written there as text, once for
// consecutive events that show the same text, as a state's output and the next state's input),
// and one entry per execution found through an open-addressed table. Recording allocates
// nothing once they have grown and keeps none of the engine's strings alive (but the last text
// it copied, to know it again); clear() keeps the storage for the next run and frees nothing
// per event. Nothing is zero-filled per event: a record is written field by field where it is
// stored, and the buffer's size is its room (texts are written into it in place).
// Events with credentials or built details are kept whole, aside.
class memory_sink final : public history_sink {
public:
    bool keeps_deferred() const noexcept override { return true; }
    bool keeps_parts() const noexcept override { return true; }
    bool keeps_batches() const noexcept override { return true; }

    void record(std::string_view execution_arn, const history_event& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        keep(execution_arn, event);
    }
    void take(std::string_view execution_arn, history_event&& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        keep(execution_arn, std::move(event));
    }
    void record_parts(std::string_view execution_arn, const event_parts& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        keep(execution_arn, event);
    }
    // One lock round for the batch.
    void record_batch(std::string_view execution_arn, const event_parts* events, std::size_t count) override {
        std::lock_guard<std::mutex> lock(mutex_);
        for (std::size_t i = 0; i < count; ++i) keep(execution_arn, events[i]);
    }

    // One execution's events, in the order they were recorded; empty for an unknown ARN.
    std::vector<history_event> events(std::string_view execution_arn) const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<history_event> out;
        const std::size_t at = find(execution_arn);
        if (at == npos) return out;
        out.reserve(executions_[at].count);
        for (std::size_t i = executions_[at].first; i != npos; i = log_[i].next) out.push_back(materialised(log_[i]));
        return out;
    }

    // Every event of every execution, in arrival order.
    std::vector<history_event> all() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<history_event> out;
        out.reserve(log_.size());
        for (const auto& kept : log_) out.push_back(materialised(kept));
        return out;
    }

    // The ARNs seen, in the order of their first event.
    std::vector<std::string> executions() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::string> out;
        out.reserve(used_);
        for (std::size_t at = 0; at < used_; ++at) out.push_back(executions_[at].arn);
        return out;
    }

    // One execution's history as AWS's GetExecutionHistory prints its `events` array.
    json to_json(std::string_view execution_arn) const {
        json out = json::array();
        for (const auto& event : events(execution_arn)) out.push_back(stepfn::to_json(event));
        return out;
    }

    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return log_.size();
    }

    void clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        log_.clear();
        whole_.clear();
        chars_ = 0;
        last_text_.reset();
        last_text_id_ = 0;
        used_ = 0;
        last_ = npos;
        last_serial_ = 0;
        std::fill(slots_.begin(), slots_.end(), std::size_t{0});
    }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    // What a record's flags say.
    enum : std::uint8_t { kept_whole = 1, kept_text = 2, kept_bare = 4, kept_timeout = 8, kept_heartbeat = 16, kept_index = 32 };

    // An event's id, time and type, and where its parts are in text_ (or whole_[at] for an
    // event kept whole): trivially destroyed, so clear() walks nothing. 72 bytes: the rare
    // numbers (a timeout, a heartbeat, a Map iteration's index) follow the ARN in text_.
    struct kept_event {
        kept_event() noexcept {}  // no zero-fill of memory that head() and its caller write anyway
        std::int64_t id;
        std::int64_t previous_event_id;
        std::chrono::system_clock::time_point timestamp;
        std::size_t at;  // the name, the ARN, then the numbers the flags name; whole: an index into whole_
        std::size_t text_at;
        std::size_t text_size;
        std::size_t next;  // the next event of the same execution
        std::uint32_t name_size;
        std::uint32_t arn_size;
        event_type type;
        std::uint8_t flags;
    };
    // One execution's ARN and the first and last of its events.
    struct execution_entry {
        std::string arn;
        std::size_t first = npos;
        std::size_t last = npos;
        std::size_t count = 0;
    };

    history_event materialised(const kept_event& kept) const {
        if (kept.flags & kept_whole) {
            history_event copy = whole_[kept.at];
            materialise(copy);
            return copy;
        }
        const std::string_view chars(text_.data(), chars_);
        detail::deferred_view parts;
        parts.name = chars.substr(kept.at, kept.name_size);
        parts.arn = chars.substr(kept.at + kept.name_size, kept.arn_size);
        if (kept.flags & kept_text) parts.text = chars.substr(kept.text_at, kept.text_size);
        std::size_t number = kept.at + kept.name_size + kept.arn_size;
        const auto read = [&](auto& to) {
            typename std::decay_t<decltype(to)>::value_type value;
            std::memcpy(&value, text_.data() + number, sizeof value);
            number += sizeof value;
            to = value;
        };
        if (kept.flags & kept_timeout) read(parts.timeout);
        if (kept.flags & kept_heartbeat) read(parts.heartbeat);
        if (kept.flags & kept_index) read(parts.index);
        parts.bare = (kept.flags & kept_bare) != 0;
        return history_event{kept.id, kept.previous_event_id, kept.timestamp, kept.type,
                             detail::deferred_event_details(kept.type, parts), deferred_details{}};
    }

    // Under mutex_: copies the parts into text_ (the payload written there, once for consecutive
    // events that show the same text); keeps an event with credentials whole.
    void keep(std::string_view execution_arn, const event_parts& event) {
        if (!event.credentials.is_null() || !fits(event.name, event.arn)) return keep(execution_arn, to_event(event));
        keep_parts(execution_arn, event.execution, event, event, event.name, event.arn, event.text || event.payload, [&] {
            // The engine names a text that several events show; a text without a name is compared
            // by its pointer, which last_text_ keeps alive.
            if (event.text_id != 0 ? event.text_id == last_text_id_ : event.text && event.text == last_text_) return false;
            if (event.text) {
                put(*event.text);
            } else {  // a payload is written here, not made as a string first
                if (event.payload_size != 0) room(event.payload_size);
                chars_ = detail::write_json_text(text_, chars_, *event.payload);
            }
            last_text_ = event.text;
            last_text_id_ = event.text_id;
            return true;
        });
    }

    // Under mutex_: copies a deferred event's parts into text_ (its text once when the last event
    // showed the same one); keeps any other event whole.
    template <class Event>
    void keep(std::string_view execution_arn, Event&& event) {
        const deferred_details& parts = event.deferred;
        if (event.is_deferred() && parts.credentials.is_null() && fits(parts.name, parts.arn))
            return keep_parts(execution_arn, 0, parts, event, parts.name, parts.arn, parts.text != nullptr, [&] {
                if (parts.text == last_text_) return false;
                put(*parts.text);
                last_text_ = parts.text;
                last_text_id_ = 0;
                return true;
            });
        undoable([&] {
            whole_.push_back(std::forward<Event>(event));
            kept_event& kept = head(whole_.back());
            kept.flags = kept_whole;
            kept.at = whole_.size() - 1;
            kept.text_at = kept.text_size = 0;
            kept.name_size = kept.arn_size = 0;
            link(execution_arn, 0);
        });
    }

    // `parts` has timeout, heartbeat and bare (history_event::deferred or event_parts); `event`
    // the id, link, time and type; `serial` is event_parts::execution (0: unknown). `copy`
    // appends the text to text_ and says true, or says false when the last text copied is the
    // same.
    template <class Parts, class Head, class Copy>
    void keep_parts(std::string_view execution_arn, std::uint64_t serial, const Parts& parts, const Head& event,
                    std::string_view name, std::string_view arn, bool has_text, Copy&& copy) {
        undoable([&] {
            // Filled in place: a record built aside and copied in stalls on its own stores.
            kept_event& kept = head(event);
            kept.at = chars_;
            kept.name_size = static_cast<std::uint32_t>(name.size());
            kept.arn_size = static_cast<std::uint32_t>(arn.size());
            put(name);
            put(arn);
            auto flags = static_cast<std::uint8_t>(parts.bare ? kept_bare : 0);
            const auto number = [&](std::uint8_t flag, auto value) {
                flags = static_cast<std::uint8_t>(flags | flag);
                std::memcpy(room(sizeof value), &value, sizeof value);
                chars_ += sizeof value;
            };
            if (parts.timeout) number(kept_timeout, *parts.timeout);
            if (parts.heartbeat) number(kept_heartbeat, *parts.heartbeat);
            if constexpr (std::is_same_v<Parts, event_parts>)
                if (parts.index) number(kept_index, *parts.index);
            kept.text_at = kept.text_size = 0;
            if (has_text) {
                flags = static_cast<std::uint8_t>(flags | kept_text);
                const std::size_t at = chars_;
                if (copy()) {
                    last_at_ = at;
                    last_size_ = chars_ - at;
                }
                kept.text_at = last_at_;
                kept.text_size = last_size_;
            }
            kept.flags = flags;
            link(execution_arn, serial);
        });
    }

    // A new record with the event's id, link, time and type.
    template <class Head>
    kept_event& head(const Head& event) {
        kept_event& kept = log_.emplace_back();
        kept.id = event.id;
        kept.previous_event_id = event.previous_event_id;
        kept.timestamp = event.timestamp;
        kept.type = event.type;
        kept.next = npos;
        return kept;
    }

    // Whether the name's and the ARN's lengths fit a record (else the event is kept whole).
    static bool fits(std::string_view name, std::string_view arn) noexcept {
        constexpr std::size_t most = (std::numeric_limits<std::uint32_t>::max)();
        return name.size() <= most && arn.size() <= most;
    }

    // At least n characters of room after chars_ (text_'s size is its room; it doubles).
    char* room(std::size_t n) {
        if (text_.size() - chars_ < n) text_.resize((std::max)(chars_ + n, (std::max)(text_.size() * 2, std::size_t{4096})));
        return text_.data() + chars_;
    }

    void put(std::string_view chars) {
        if (chars.empty()) return;
        std::memcpy(room(chars.size()), chars.data(), chars.size());
        chars_ += chars.size();
    }

    // Runs `keep`; if it throws, takes back what it added to log_, whole_ and text_.
    template <class Keep>
    void undoable(Keep&& keep) {
#if STEPFN_HAS_EXCEPTIONS
        const std::size_t events = log_.size();
        const std::size_t wholes = whole_.size();
        const std::size_t chars = chars_;
        try {
            keep();
        } catch (...) {
            log_.resize(events);
            while (whole_.size() > wholes) whole_.pop_back();
            chars_ = chars;
            if (last_at_ >= chars) {  // its text was just copied
                last_text_.reset();
                last_text_id_ = 0;
            }
            throw;
        }
#else
        keep();  // without exceptions, running out of memory ends the process
#endif
    }

    static std::size_t hash_of(std::string_view arn) noexcept { return std::hash<std::string_view>{}(arn); }

    // Appends the event just stored to its execution's chain.
    void link(std::string_view execution_arn, std::uint64_t serial) {
        const std::size_t index = log_.size() - 1;
        execution_entry& execution = executions_[entry_for(execution_arn, serial)];
        if (execution.count++ == 0) execution.first = index;
        else log_[execution.last].next = index;
        execution.last = index;
    }

    // Events come in runs from the same execution, so the last one is tried first: by the
    // engine's number for it when there is one, else by its ARN.
    std::size_t entry_for(std::string_view execution_arn, std::uint64_t serial) {
        if (last_ != npos && (serial != 0 ? serial == last_serial_ : executions_[last_].arn == execution_arn))
            return last_;
        const std::size_t hash = hash_of(execution_arn);
        std::size_t at = find(execution_arn, hash);
        if (at == npos) at = add(execution_arn, hash);
        last_ = at;
        last_serial_ = serial;
        return at;
    }

    std::size_t find(std::string_view execution_arn) const { return find(execution_arn, hash_of(execution_arn)); }

    std::size_t find(std::string_view execution_arn, std::size_t hash) const {
        if (slots_.empty()) return npos;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
            if (slots_[i] == 0) return npos;
            if (executions_[slots_[i] - 1].arn == execution_arn) return slots_[i] - 1;
        }
    }

    std::size_t add(std::string_view execution_arn, std::size_t hash) {
        if ((used_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 64 : slots_.size() * 2);
        if (used_ == executions_.size()) executions_.emplace_back();
        execution_entry& execution = executions_[used_];
        execution.arn.assign(execution_arn.data(), execution_arn.size());  // reuses a cleared entry's buffer
        execution.first = execution.last = npos;
        execution.count = 0;
        place(used_, hash);
        return used_++;
    }

    void place(std::size_t at, std::size_t hash) noexcept {
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = hash & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = at + 1;
    }

    void rehash(std::size_t size) {
        slots_.assign(size, 0);
        for (std::size_t at = 0; at < used_; ++at) place(at, hash_of(executions_[at].arn));
    }

    mutable std::mutex mutex_;
    std::vector<kept_event> log_;                // arrival order
    std::vector<history_event> whole_;           // the events kept whole
    std::string text_;                           // the deferred events' parts, in its first chars_ characters
    std::size_t chars_ = 0;
    // The last text copied into text_, at last_at_ (last_size_ characters): its pointer (kept
    // alive, so that no other text has it) or the engine's id for it (event_parts::text_id).
    std::shared_ptr<const std::string> last_text_;
    std::uint64_t last_text_id_ = 0;
    std::size_t last_at_ = 0;
    std::size_t last_size_ = 0;
    std::vector<execution_entry> executions_;    // in order of their first event; the first used_ are live
    std::size_t used_ = 0;
    std::size_t last_ = npos;                    // the execution of the last event recorded
    std::uint64_t last_serial_ = 0;              // its event_parts::execution, 0: unknown
    std::vector<std::size_t> slots_;             // open addressing: 1 + an index into executions_, 0 empty
};

} // namespace stepfn

#endif
