#ifndef STEPFN_ENGINE_DETAIL_HISTORY_TEXT_HPP
#define STEPFN_ENGINE_DETAIL_HISTORY_TEXT_HPP

// A payload's history text as the engine hands it from one event to the next (a state's
// Exited event to the next state's Entered event, ...): made, for sinks that get events built
// or deferred, or only named, for sinks that take parts and write the text themselves from the
// value (event_parts::payload), which is still the frame's when the next event shows it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <stepfn/history/event_parts.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail {

struct history_text {
    std::shared_ptr<const std::string> text;  // made
    std::uint64_t id = 0;                     // only named (event_parts::text_id)

    explicit operator bool() const noexcept { return text != nullptr || id != 0; }
    void reset() noexcept {
        text.reset();
        id = 0;
    }
};

// A text id no other text in the process has: each thread takes a block of ids at a time, so
// naming a text costs no shared atomic.
inline std::uint64_t next_text_id() noexcept {
    constexpr std::uint64_t block = std::uint64_t{1} << 16;
    static std::atomic<std::uint64_t> blocks{0};
    thread_local std::uint64_t next = 0;
    thread_local std::uint64_t end = 0;
    if (next == end) {
        next = blocks.fetch_add(block, std::memory_order_relaxed);
        end = next + block;
    }
    return ++next;
}

// `value`'s text for a new event: made (`made`, every sink but those that take parts) or named.
inline history_text new_history_text(bool made, const json& value, std::size_t size) {
    if (made) return history_text{std::make_shared<const std::string>(json_text(value, size)), 0};
    return history_text{nullptr, next_text_id()};
}

// Puts `text` in the event: the text made, or its id and `value` to write it from.
inline void show(event_parts& parts, const history_text& text, const json& value, std::size_t size) {
    parts.text = text.text;
    parts.text_id = text.id;
    if (!text.text) {
        parts.payload = &value;
        parts.payload_size = size == unknown_size ? 0 : size;
    }
}

// A Map iteration's event (MapIterationStarted, ...Succeeded, ...Failed, ...Aborted): details {"name", "index"}.
inline event_parts iteration_parts(std::string_view map_name, std::size_t index) {
    event_parts parts;
    parts.name = map_name;
    parts.index = index;
    return parts;
}

// `value`'s text for an event that shares it with no other: made, or written by the sinks.
inline void show_once(event_parts& parts, bool made, const json& value) {
    if (made) parts.text = std::make_shared<const std::string>(json_text(value));
    else parts.payload = &value;
}

} // namespace stepfn::detail

#endif
