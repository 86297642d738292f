#ifndef STEPFN_API_DETAIL_TAG_ACTIONS_HPP
#define STEPFN_API_DETAIL_TAG_ACTIONS_HPP

// TagResource, UntagResource and ListTagsForResource. Tags live in each resource's record, under
// "tags": [{key, value}] (state machines here, activities in the activity hub's records), and
// change with the record's compare-and-set. Only state machines and activities take tags, as in
// AWS; executions and versions do not.

#include <string>

#include <stepfn/api/detail/machine_records.hpp>

namespace stepfn::detail {

inline tl::unexpected<api_error> resource_missing(std::string_view arn) {
    return api_fail("ResourceNotFound", "Resource not found: '" + std::string(arn) + "'");
}

// Reads the taggable record, applies `change` to its tags and writes it back (retrying a
// concurrent update); `change` may refuse.
template <class Change>
inline api_outcome change_tags(api_state& s, const std::string& arn, Change change) {
    auto parsed = parse_arn(arn);
    if (!parsed) return invalid_arn(arn);
    if ((parsed->type != "stateMachine" && parsed->type != "activity") || !parsed->qualifier.empty())
        return invalid_arn(arn, "Resource type not valid in this context");
    for (int attempt = 0; attempt < 8; ++attempt) {
        auto found = s.resources->find_resource(arn);
        if (!found) return tl::make_unexpected(store_error(found.error()));
        if (!*found || ((*found)->kind != "stateMachine" && (*found)->kind != "activity")) return resource_missing(arn);
        json body = json::parse((*found)->body, nullptr, false);
        if (!body.is_object()) return api_fail("InternalFailure", "the stored resource '" + arn + "' does not read back", 500);
        json tags = body.value("tags", json::array());
        if (!tags.is_array()) tags = json::array();
        auto changed = change(tags);
        if (!changed) return tl::make_unexpected(changed.error());
        if (!*changed) {
            json out = json::object();
            out["tags"] = tags;
            return out;
        }
        body["tags"] = std::move(tags);
        stored_resource next = std::move(**found);
        next.body = body.dump();
        auto updated = s.resources->update_resource(next);
        if (!updated) return tl::make_unexpected(store_error(updated.error()));
        if (*updated) return json::object();
    }
    return api_fail("ConflictException", "The resource '" + arn + "' changed while its tags were being changed; try again");
}

inline api_outcome tag_resource(api_state& s, const json& request) {
    auto arn = required_string(request, "resourceArn", 1, 256);
    if (!arn) return tl::make_unexpected(arn.error());
    if (!request.contains("tags")) return validation_error("tags", "null", "not be null");
    auto tags = read_tags(request, "tags");
    if (!tags) return tl::make_unexpected(tags.error());
    const std::string resource = *arn;
    return change_tags(s, resource, [&](json& current) -> tl::expected<bool, api_error> {
        merge_tags(current, *tags);
        if (current.size() > 50) return too_many_tags(resource);
        return true;
    });
}

inline api_outcome untag_resource(api_state& s, const json& request) {
    auto arn = required_string(request, "resourceArn", 1, 256);
    if (!arn) return tl::make_unexpected(arn.error());
    auto keys = request.find("tagKeys");
    if (keys == request.end() || keys->is_null()) return validation_error("tagKeys", "null", "not be null");
    if (!keys->is_array()) return wrong_type("tagKeys", "a list");
    for (const auto& key : *keys)
        if (!key.is_string()) return wrong_type("tagKeys", "a list of strings");
    return change_tags(s, *arn, [&](json& current) -> tl::expected<bool, api_error> {
        json kept = json::array();
        for (auto& tag : current) {
            bool removed = false;
            for (const auto& key : *keys)
                if (tag.is_object() && tag.value("key", "") == key.get<std::string>()) removed = true;
            if (!removed) kept.push_back(std::move(tag));
        }
        current = std::move(kept);
        return true;
    });
}

inline api_outcome list_tags_for_resource(api_state& s, const json& request) {
    auto arn = required_string(request, "resourceArn", 1, 256);
    if (!arn) return tl::make_unexpected(arn.error());
    return change_tags(s, *arn, [](json&) -> tl::expected<bool, api_error> { return false; });
}

} // namespace stepfn::detail

#endif
