#ifndef STEPFN_DETAIL_JSON_OBJECT_HPP
#define STEPFN_DETAIL_JSON_OBJECT_HPP

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

#include <stepfn/json.hpp>

namespace stepfn::detail {

// ordered_json keeps an object's members in a std::vector<std::pair<const std::string, json>>.
// The const key makes the pair's move constructor not noexcept, so when that vector grows it
// copies every member, values and all: adding one field to a copied payload deep-copies the
// whole object. Growing it by hand moves the values and copies only the keys.
inline void reserve_members(json& object, std::size_t count) {
    auto& members = object.get_ref<json::object_t&>();
    if (members.capacity() >= count) return;
    json::object_t grown;
    grown.reserve((std::max)(count, members.capacity() * 2));
    for (auto& member : members) grown.emplace_back(std::move(member));
    members.swap(grown);
}

// The value of the member of `object` named `key`, or nullptr. ordered_json keeps members in a
// vector and compares keys one by one (a call to memcmp each); comparing the length, then the
// bytes from the end, keeps that scan cheap when many keys share a prefix (`s001`, `s002`, ...:
// states that each add a field).
inline json* find_member(json& object, const std::string& key) {
    auto& members = object.get_ref<json::object_t&>();
    const std::size_t size = key.size();
    const char* const wanted = key.data();
    for (auto& member : members) {
        const std::string& name = member.first;
        if (name.size() != size) continue;
        const char* const have = name.data();
        std::size_t i = size;
        while (i != 0 && have[i - 1] == wanted[i - 1]) --i;
        if (i == 0) return &member.second;
    }
    return nullptr;
}

// Adds a member the object does not have yet, without copying the others.
inline json& add_member(json& object, std::string key, json value) {
    reserve_members(object, object.size() + 1);
    auto& members = object.get_ref<json::object_t&>();
    members.emplace_back(std::move(key), std::move(value));
    return members.back().second;
}

} // namespace stepfn::detail

#endif
