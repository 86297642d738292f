#ifndef STEPFN_API_DETAIL_MACHINE_ACTIONS_HPP
#define STEPFN_API_DETAIL_MACHINE_ACTIONS_HPP

// CreateStateMachine, DescribeStateMachine, ListStateMachines, UpdateStateMachine,
// DeleteStateMachine and ValidateStateMachineDefinition, with AWS's shapes.

#include <cstddef>
#include <string>

#include <stepfn/api/detail/machine_records.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/model/express_support.hpp>
#include <stepfn/policies/role_check.hpp>

namespace stepfn::detail {

inline constexpr std::size_t max_definition_length = 1048576;

inline json logging_default() {
    json out = json::object();
    out["level"] = "OFF";
    out["includeExecutionData"] = false;
    return out;
}

inline json tracing_default() {
    json out = json::object();
    out["enabled"] = false;
    return out;
}

// Publishes the machine's current revision as a version, unless that revision is the latest
// version already (AWS then returns that version). Updates `body` (the caller writes it back).
inline tl::expected<std::string, api_error> publish_version(api_state& s, const std::string& machine_arn, json& body,
                                                            const std::optional<std::string>& description, const json& now) {
    const std::int64_t last = body.value("lastVersion", std::int64_t(0));
    if (last > 0 && body.value("lastVersionRevision", "") == text_of(body, "revisionId"))
        return machine_arn + ":" + std::to_string(last);
    const std::int64_t number = last + 1;
    json version = json::object();
    for (const char* key : {"name", "type", "definition", "roleArn", "revisionId", "loggingConfiguration", "tracingConfiguration",
                            "encryptionConfiguration"})
        if (auto it = body.find(key); it != body.end()) version[key] = *it;
    version["creationDate"] = now;
    if (description) version["description"] = *description;
    const std::string arn = machine_arn + ":" + std::to_string(number);
    auto inserted = s.resources->insert_resource(stored_resource{arn, version_kind, version.dump(), 0});
    if (!inserted) return tl::make_unexpected(store_error(inserted.error()));
    body["lastVersion"] = number;
    body["lastVersionRevision"] = text_of(body, "revisionId");
    return arn;
}

// The Task states the machine's role cannot call, to the host's role_warnings (never in the
// reply: AWS's CreateStateMachine and UpdateStateMachine replies have no member for it).
inline void warn_about_role(api_state& s, const std::string& machine_arn, const json& body) {
    if (!s.options.roles || !s.options.role_warnings) return;
    const std::string role = text_of(body, "roleArn");
    json definition = json::parse(text_of(body, "definition"), nullptr, false);
    auto findings = role_findings(definition, *s.options.roles, role, s.options.region, s.options.account, machine_arn);
    if (!findings.empty()) (void)guarded_call([&] { s.options.role_warnings(machine_arn, role, findings); });
}

inline api_outcome create_state_machine(api_state& s, const json& request) {
    auto name = required_string(request, "name", 1, 80);
    if (!name) return tl::make_unexpected(name.error());
    auto definition = required_string(request, "definition", 1, max_definition_length);
    if (!definition) return tl::make_unexpected(definition.error());
    auto role = required_string(request, "roleArn", 1, 256);
    if (!role) return tl::make_unexpected(role.error());
    auto type = optional_string(request, "type", 1, 16);
    if (!type) return tl::make_unexpected(type.error());
    auto publish = optional_bool(request, "publish");
    if (!publish) return tl::make_unexpected(publish.error());
    auto description = optional_string(request, "versionDescription", 0, 256);
    if (!description) return tl::make_unexpected(description.error());
    auto tags = read_tags(request, "tags");
    if (!tags) return tl::make_unexpected(tags.error());

    const std::string machine_type = type->value_or("STANDARD");
    if (machine_type != "STANDARD" && machine_type != "EXPRESS")
        return validation_error("type", "'" + machine_type + "'", "satisfy enum value set: [STANDARD, EXPRESS]");
    if (!valid_resource_name(*name)) return api_fail("InvalidName", "Invalid Name: '" + *name + "'");
    if (role->rfind("arn:", 0) != 0) return invalid_arn(*role, "Invalid role ARN");
    if (*description && !publish->value_or(false))
        return api_fail("ValidationException", "Version description can only be set when publish is true");
    if (tags->size() > 50) return too_many_tags(s.machine_arn(*name));

    json body = json::object();
    body["name"] = *name;
    body["type"] = machine_type;
    body["definition"] = *definition;
    body["roleArn"] = *role;
    for (const char* key : {"loggingConfiguration", "tracingConfiguration", "encryptionConfiguration"}) {
        auto value = optional_object(request, key);
        if (!value) return tl::make_unexpected(value.error());
        if (*value) body[key] = **value;
    }
    auto loaded = load_definition(s, *definition, *name);
    if (!loaded) return invalid_definition(loaded.error());
    if (machine_type == "EXPRESS")
        if (auto supported = check_express(*loaded); !supported) return invalid_definition(supported.error());
    body["revisionId"] = revision_id(body);

    const std::string arn = s.machine_arn(*name);
    auto existing = s.resources->find_resource(arn);
    if (!existing) return tl::make_unexpected(store_error(existing.error()));
    if (*existing) {
        // Creating again what exists is idempotent, as in AWS; anything different is a conflict.
        json old = json::parse((*existing)->body, nullptr, false);
        if (old.is_object() && text_of(old, "definition") == *definition && text_of(old, "type") == machine_type &&
            text_of(old, "roleArn") == *role) {
            json out = json::object();
            out["stateMachineArn"] = arn;
            out["creationDate"] = old.value("creationDate", json(0));
            if (publish->value_or(false) && old.value("lastVersion", 0) > 0)
                out["stateMachineVersionArn"] = arn + ":" + std::to_string(old.value("lastVersion", 0));
            return out;
        }
        return api_fail("StateMachineAlreadyExists", "State Machine Already Exists: '" + arn + "'");
    }
    const json now = api_timestamp(s.standard->now());
    body["creationDate"] = now;
    body["tags"] = *tags;
    std::string version_arn;
    if (publish->value_or(false)) {
        auto published = publish_version(s, arn, body, *description, now);
        if (!published) return tl::make_unexpected(published.error());
        version_arn = *published;
    }
    auto inserted = s.resources->insert_resource(stored_resource{arn, machine_kind, body.dump(), 0});
    if (!inserted) return tl::make_unexpected(store_error(inserted.error()));
    if (!*inserted) return api_fail("StateMachineAlreadyExists", "State Machine Already Exists: '" + arn + "'");
    warn_about_role(s, arn, body);
    json out = json::object();
    out["stateMachineArn"] = arn;
    out["creationDate"] = now;
    if (!version_arn.empty()) out["stateMachineVersionArn"] = version_arn;
    return out;
}

inline api_outcome describe_state_machine(api_state& s, const json& request) {
    auto arn = required_string(request, "stateMachineArn", 1, 256);
    if (!arn) return tl::make_unexpected(arn.error());
    auto ref = find_machine(s, *arn);
    if (!ref) return tl::make_unexpected(ref.error());
    const json& b = ref->body;
    json out = json::object();
    out["stateMachineArn"] = *arn;
    out["name"] = text_of(b, "name");
    out["status"] = "ACTIVE";
    out["definition"] = text_of(b, "definition");
    out["roleArn"] = text_of(b, "roleArn");
    out["type"] = text_of(b, "type");
    out["creationDate"] = b.value("creationDate", json(0));
    out["loggingConfiguration"] = b.value("loggingConfiguration", logging_default());
    out["tracingConfiguration"] = b.value("tracingConfiguration", tracing_default());
    if (auto it = b.find("encryptionConfiguration"); it != b.end()) out["encryptionConfiguration"] = *it;
    out["revisionId"] = text_of(b, "revisionId");
    if (auto it = b.find("description"); it != b.end()) out["description"] = *it;
    return out;
}

inline api_outcome list_state_machines(api_state& s, const json& request) {
    auto max = optional_integer(request, "maxResults", 0, 1000);
    if (!max) return tl::make_unexpected(max.error());
    auto token = optional_string(request, "nextToken", 1, 1024);
    if (!token) return tl::make_unexpected(token.error());
    const std::size_t page_size = max->value_or(0) == 0 ? 100 : static_cast<std::size_t>(**max);
    auto page = s.resources->list_resources(machine_kind, s.arn_prefix + "stateMachine:", page_size, token->value_or(""));
    if (!page) {
        if (page.error().name == "InvalidToken") return api_fail("InvalidToken", "Invalid Token: '" + token->value_or("") + "'");
        return tl::make_unexpected(store_error(page.error()));
    }
    json machines = json::array();
    for (const auto& r : page->resources) {
        json b = json::parse(r.body, nullptr, false);
        if (!b.is_object()) continue;
        json item = json::object();
        item["stateMachineArn"] = r.arn;
        item["name"] = text_of(b, "name");
        item["type"] = text_of(b, "type");
        item["creationDate"] = b.value("creationDate", json(0));
        machines.push_back(std::move(item));
    }
    json out = json::object();
    out["stateMachines"] = std::move(machines);
    if (!page->next_token.empty()) out["nextToken"] = page->next_token;
    return out;
}

inline api_outcome update_state_machine(api_state& s, const json& request) {
    auto arn = required_string(request, "stateMachineArn", 1, 256);
    if (!arn) return tl::make_unexpected(arn.error());
    auto definition = optional_string(request, "definition", 1, max_definition_length);
    if (!definition) return tl::make_unexpected(definition.error());
    auto role = optional_string(request, "roleArn", 1, 256);
    if (!role) return tl::make_unexpected(role.error());
    auto publish = optional_bool(request, "publish");
    if (!publish) return tl::make_unexpected(publish.error());
    auto description = optional_string(request, "versionDescription", 0, 256);
    if (!description) return tl::make_unexpected(description.error());
    std::optional<json> configs[3];
    const char* config_keys[3] = {"loggingConfiguration", "tracingConfiguration", "encryptionConfiguration"};
    for (int i = 0; i < 3; ++i) {
        auto value = optional_object(request, config_keys[i]);
        if (!value) return tl::make_unexpected(value.error());
        configs[i] = std::move(*value);
    }
    if (!*definition && !*role && !configs[0] && !configs[1] && !configs[2])
        return api_fail("MissingRequiredParameter", "Either the definition, the roleArn, the loggingConfiguration, the "
                                                    "tracingConfiguration or the encryptionConfiguration must be specified");
    if (*role && (*role)->rfind("arn:", 0) != 0) return invalid_arn(**role, "Invalid role ARN");
    if (*description && !publish->value_or(false))
        return api_fail("ValidationException", "Version description can only be set when publish is true");

    // A compare-and-set loop: two servers updating one machine never lose an update.
    for (int attempt = 0; attempt < 8; ++attempt) {
        auto ref = find_machine(s, *arn, false);
        if (!ref) return tl::make_unexpected(ref.error());
        json body = ref->body;
        if (*definition) {
            auto loaded = load_definition(s, **definition, text_of(body, "name"));
            if (!loaded) return invalid_definition(loaded.error());
            if (text_of(body, "type") == "EXPRESS")
                if (auto supported = check_express(*loaded); !supported) return invalid_definition(supported.error());
            body["definition"] = **definition;
        }
        if (*role) body["roleArn"] = **role;
        for (int i = 0; i < 3; ++i)
            if (configs[i]) body[config_keys[i]] = *configs[i];
        body["revisionId"] = revision_id(body);
        const json now = api_timestamp(s.standard->now());
        body["updateDate"] = now;
        std::string version_arn;
        if (publish->value_or(false)) {
            auto published = publish_version(s, ref->machine_arn, body, *description, now);
            if (!published) return tl::make_unexpected(published.error());
            version_arn = *published;
        }
        ref->stored.body = body.dump();
        auto updated = s.resources->update_resource(ref->stored);
        if (!updated) return tl::make_unexpected(store_error(updated.error()));
        if (!*updated) continue;
        if (*definition || *role) warn_about_role(s, ref->machine_arn, body);
        json out = json::object();
        out["updateDate"] = now;
        out["revisionId"] = body["revisionId"];
        if (!version_arn.empty()) out["stateMachineVersionArn"] = version_arn;
        return out;
    }
    return api_fail("ConflictException", "The state machine '" + *arn + "' changed while it was being updated; try again");
}

// Deletes at once, with its versions: executions already running keep running (each engine
// holds its compiled machine), and the name can be used again.
inline api_outcome delete_state_machine(api_state& s, const json& request) {
    auto arn = required_string(request, "stateMachineArn", 1, 256);
    if (!arn) return tl::make_unexpected(arn.error());
    auto ref = find_machine(s, *arn, false);
    if (!ref) {
        if (ref.error().type == "StateMachineDoesNotExist") return json::object();  // deleting twice is not an error
        return tl::make_unexpected(ref.error());
    }
    for (int guard = 0; guard < 1000; ++guard) {
        auto versions = s.resources->list_resources(version_kind, ref->machine_arn + ":", 100, "");
        if (!versions) return tl::make_unexpected(store_error(versions.error()));
        if (versions->resources.empty()) break;
        for (const auto& v : versions->resources) (void)s.resources->delete_resource(v.arn);
    }
    auto deleted = s.resources->delete_resource(ref->machine_arn);
    if (!deleted) return tl::make_unexpected(store_error(deleted.error()));
    return json::object();
}

inline api_outcome validate_state_machine_definition(api_state& s, const json& request) {
    auto definition = required_string(request, "definition", 1, max_definition_length);
    if (!definition) return tl::make_unexpected(definition.error());
    auto type = optional_string(request, "type", 1, 16);
    if (!type) return tl::make_unexpected(type.error());
    if (*type && **type != "STANDARD" && **type != "EXPRESS")
        return validation_error("type", "'" + **type + "'", "satisfy enum value set: [STANDARD, EXPRESS]");
    auto severity = optional_string(request, "severity", 1, 16);
    if (!severity) return tl::make_unexpected(severity.error());
    if (*severity && **severity != "ERROR" && **severity != "WARNING")
        return validation_error("severity", "'" + **severity + "'", "satisfy enum value set: [ERROR, WARNING]");
    auto max = optional_integer(request, "maxResults", 0, 100);
    if (!max) return tl::make_unexpected(max.error());
    const std::size_t limit = max->value_or(0) == 0 ? 100 : static_cast<std::size_t>(**max);

    json out = json::object();
    json diagnostics = json::array();
    bool truncated = false;
    result<void> loaded = load_definition(s, *definition, "StateMachine").and_then([&](const state_machine& m) {
        return *type && **type == "EXPRESS" ? check_express(m) : result<void>();
    });
    if (!loaded) {
        for (auto& d : definition_diagnostics(loaded.error())) {
            if (diagnostics.size() == limit) {
                truncated = true;
                break;
            }
            diagnostics.push_back(std::move(d));
        }
    }
    out["result"] = loaded ? "OK" : "FAIL";
    out["diagnostics"] = std::move(diagnostics);
    out["truncated"] = truncated;
    return out;
}

} // namespace stepfn::detail

#endif
