#ifndef STEPFN_API_DETAIL_ACTIVITY_CATALOG_HPP
#define STEPFN_API_DETAIL_ACTIVITY_CATALOG_HPP

// CreateActivity, DescribeActivity, ListActivities and DeleteActivity over a resource_store:
// an activity is a record of kind "activity" under its ARN whose body is
// {"name": ..., "creationDate": <epoch seconds>, "tags": [{"key": ..., "value": ...}]}
// (TagResource, UntagResource and ListTagsForResource read and write the same "tags").

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/api/api_error.hpp>
#include <stepfn/api/detail/request_fields.hpp>
#include <stepfn/clocks/timer.hpp>
#include <stepfn/json.hpp>
#include <stepfn/store/resource_store.hpp>

namespace stepfn::detail {

inline constexpr std::string_view activity_kind = "activity";

// AWS's JSON protocol writes timestamps as epoch seconds, with milliseconds as the fraction.
inline json epoch_seconds(time_point when) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
    if (ms % 1000 == 0) return json(ms / 1000);
    return json(static_cast<double>(ms) / 1000.0);
}

inline api_error store_failure(const error& e) {
    // The store's own words may name files or hosts: the caller gets the error's name only.
    return api_error{"ServiceException", "the activity store failed (" + e.name + ")", 500};
}

// The activity's record body, or nullopt when the record is not an activity's.
inline std::optional<json> activity_body(const stored_resource& record) {
    if (record.kind != activity_kind) return std::nullopt;
    json body = json::parse(record.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return std::nullopt;
    return body;
}

// `tags` of CreateActivity: at most 50, keys of 1 to 128 characters, values up to 256.
inline field<json> read_tags(const json& request) {
    auto it = request.find("tags");
    json tags = json::array();
    if (it == request.end() || it->is_null()) return tags;
    if (!it->is_array()) return wrong_type("tags", "a list of tags");
    if (it->size() > 50)
        return api_fail("TooManyTags", "Too many tags: the maximum is 50 per resource, the request has " + std::to_string(it->size()));
    for (const json& tag : *it) {
        if (!tag.is_object()) return wrong_type("tags", "a list of {key, value} objects");
        auto key = required_string(tag, "key", 1, 128);
        if (!key) return tl::make_unexpected(std::move(key.error()));
        auto value = optional_string(tag, "value", 0, 256);
        if (!value) return tl::make_unexpected(std::move(value.error()));
        tags.push_back(json{{"key", std::move(*key)}, {"value", value->value_or(std::string())}});
    }
    return tags;
}

struct activity_catalog {
    std::shared_ptr<resource_store> store;
    std::string region;
    std::string account;

    std::string prefix() const { return "arn:aws:states:" + region + ":" + account + ":activity:"; }

    // The ARN in `member` if it names an activity of this region and account.
    field<std::string> read_arn(const json& request, const char* member) const {
        auto arn = required_string(request, member, 1, 256);
        if (!arn) return tl::make_unexpected(std::move(arn.error()));
        auto parsed = parse_arn(*arn);
        if (!parsed || parsed->type != activity_kind || !parsed->qualifier.empty() || !valid_resource_name(parsed->name))
            return invalid_arn(*arn);
        return std::move(*arn);
    }

    // The activity's record body; ActivityDoesNotExist when there is none.
    field<json> find(const std::string& arn) const {
        auto record = store->find_resource(arn);
        if (!record) return tl::make_unexpected(store_failure(record.error()));
        std::optional<json> body = *record ? activity_body(**record) : std::nullopt;
        if (!body) return api_fail("ActivityDoesNotExist", "Activity Does Not Exist: '" + arn + "'");
        return std::move(*body);
    }

    // Whether the activity exists (GetActivityTask, a Task's attempt), without reading its body.
    field<bool> exists(const std::string& arn) const {
        auto record = store->find_resource(arn);
        if (!record) return tl::make_unexpected(store_failure(record.error()));
        return *record && (*record)->kind == activity_kind;
    }

    api_outcome create(const json& request, time_point now) const {
        auto name = required_string(request, "name", 1, 80);
        if (!name) return tl::make_unexpected(std::move(name.error()));
        if (!valid_resource_name(*name)) return api_fail("InvalidName", "Invalid Name: '" + *name + "'");
        auto tags = read_tags(request);
        if (!tags) return tl::make_unexpected(std::move(tags.error()));
        if (auto enc = request.find("encryptionConfiguration"); enc != request.end() && !enc->is_null()) {
            if (!enc->is_object()) return wrong_type("encryptionConfiguration", "an object");
            auto type = enc->find("type");
            if (type == enc->end() || !type->is_string() || *type != "AWS_OWNED_KEY")
                return api_fail("InvalidEncryptionConfiguration",
                                "stepfn keeps no KMS keys: encryptionConfiguration.type must be AWS_OWNED_KEY");
        }
        stored_resource record;
        record.arn = prefix() + *name;
        record.kind = std::string(activity_kind);
        json body = json::object();
        body["name"] = *name;
        body["creationDate"] = epoch_seconds(now);
        body["tags"] = std::move(*tags);
        record.body = body.dump();
        auto inserted = store->insert_resource(record);
        if (!inserted) return tl::make_unexpected(store_failure(inserted.error()));
        if (!*inserted) {
            // Idempotent, as AWS's: the activity that exists is the answer, its tags unchanged.
            auto existing = find(record.arn);
            if (!existing) return tl::make_unexpected(std::move(existing.error()));
            body = std::move(*existing);
        }
        return json{{"activityArn", record.arn}, {"creationDate", body.value("creationDate", json(0))}};
    }

    api_outcome describe(const json& request) const {
        auto arn = read_arn(request, "activityArn");
        if (!arn) return tl::make_unexpected(std::move(arn.error()));
        auto body = find(*arn);
        if (!body) return tl::make_unexpected(std::move(body.error()));
        return json{{"activityArn", *arn},
                    {"name", body->value("name", std::string())},
                    {"creationDate", body->value("creationDate", json(0))},
                    {"encryptionConfiguration", {{"type", "AWS_OWNED_KEY"}}}};
    }

    api_outcome list(const json& request) const {
        auto max = optional_integer(request, "maxResults", 0, 1000);
        if (!max) return tl::make_unexpected(std::move(max.error()));
        auto token = optional_string(request, "nextToken", 1, 1024);
        if (!token) return tl::make_unexpected(std::move(token.error()));
        const std::size_t page_size = max->value_or(0) > 0 ? static_cast<std::size_t>(**max) : 100;
        auto page = store->list_resources(activity_kind, prefix(), page_size, token->value_or(std::string()));
        if (!page) {
            if (page.error().name == "InvalidToken") return api_fail("InvalidToken", "Invalid Token: '" + token->value_or("") + "'");
            return tl::make_unexpected(store_failure(page.error()));
        }
        json activities = json::array();
        for (const stored_resource& record : page->resources) {
            auto body = activity_body(record);
            if (!body) continue;
            activities.push_back(json{{"activityArn", record.arn},
                                      {"name", body->value("name", std::string())},
                                      {"creationDate", body->value("creationDate", json(0))}});
        }
        json response = json{{"activities", std::move(activities)}};
        if (!page->next_token.empty()) response["nextToken"] = page->next_token;
        return response;
    }

    // Deleting an activity that does not exist succeeds, as on AWS.
    api_outcome remove(const json& request) const {
        auto arn = read_arn(request, "activityArn");
        if (!arn) return tl::make_unexpected(std::move(arn.error()));
        auto record = store->find_resource(*arn);
        if (!record) return tl::make_unexpected(store_failure(record.error()));
        if (*record && (*record)->kind == activity_kind) {
            auto deleted = store->delete_resource(*arn);
            if (!deleted) return tl::make_unexpected(store_failure(deleted.error()));
        }
        return json::object();
    }
};

} // namespace stepfn::detail

#endif
