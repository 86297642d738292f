#ifndef STEPFN_DETAIL_JSON_RELEASE_HPP
#define STEPFN_DETAIL_JSON_RELEASE_HPP

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <utility>

#include <stepfn/json.hpp>

namespace stepfn::detail {

// nlohmann's destructor frees a non-empty array or object through a heap-allocated stack of its
// children (so that a deep value cannot overflow the call stack): an allocation, a move of
// every descendant, and a reallocation whenever a nested container does not fit. Emptying a
// value bottom-up instead frees every container empty, which needs no stack. Payloads are
// shallow (limits::max_payload_depth); below `depth` levels nlohmann's destructor takes over.
inline void release(json& value, int depth = 32) noexcept {
    if (value.is_object()) {
        auto& members = value.get_ref<json::object_t&>();
        if (depth > 0)
            for (auto& member : members) release(member.second, depth - 1);
        members.clear();
    } else if (value.is_array()) {
        auto& items = value.get_ref<json::array_t&>();
        if (depth > 0)
            for (auto& item : items) release(item, depth - 1);
        items.clear();
    }
}

// A large array freed by several threads at once: each run() claims `chunk` elements at a time
// and frees them until none is left, so that a thread that comes late finds nothing and returns
// at once; wait() returns once every element is freed (a claimed chunk takes well under a
// millisecond); the array's own storage goes with the last owner. Freeing 100,000 small objects
// is 11-17 ms on one thread (performance.md, session 14), the serial tail of a big Map's
// execution.
class shared_release {
public:
    static constexpr std::size_t chunk = 1024;

    explicit shared_release(json::array_t items) noexcept : items_(std::move(items)) {}
    shared_release(const shared_release&) = delete;
    shared_release& operator=(const shared_release&) = delete;
    ~shared_release() { run(); }  // what no thread claimed (none came)

    std::size_t chunks() const noexcept { return (items_.size() + chunk - 1) / chunk; }
    void run() noexcept {
        const std::size_t size = items_.size();
        for (std::size_t first = next_.fetch_add(chunk, std::memory_order_relaxed); first < size;
             first = next_.fetch_add(chunk, std::memory_order_relaxed)) {
            const std::size_t last = (std::min)(first + chunk, size);
            for (std::size_t i = first; i < last; ++i) {
                release(items_[i]);
                items_[i] = nullptr;  // the emptied container itself
            }
            freed_.fetch_add(last - first, std::memory_order_release);
        }
    }
    void wait() const noexcept {
        while (freed_.load(std::memory_order_acquire) < items_.size()) std::this_thread::yield();
    }

private:
    json::array_t items_;
    std::atomic<std::size_t> next_{0};
    std::atomic<std::size_t> freed_{0};
};

} // namespace stepfn::detail

#endif
