#ifndef STEPFN_DETAIL_JSON_RELEASE_HPP
#define STEPFN_DETAIL_JSON_RELEASE_HPP

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

} // namespace stepfn::detail

#endif
