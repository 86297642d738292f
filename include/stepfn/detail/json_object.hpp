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

// Adds a member the object does not have yet, without copying the others.
inline json& add_member(json& object, std::string key, json value) {
    reserve_members(object, object.size() + 1);
    auto& members = object.get_ref<json::object_t&>();
    members.emplace_back(std::move(key), std::move(value));
    return members.back().second;
}

} // namespace stepfn::detail

#endif
