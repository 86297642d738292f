#ifndef STEPFN_API_DETAIL_MACHINE_RECORDS_HPP
#define STEPFN_API_DETAIL_MACHINE_RECORDS_HPP

// State machines and their versions as records of the resource store, and what the actions
// share about them: finding one by ARN (a version ARN included), its compiled machine, its
// revision id, the definition's problems in AWS's diagnostic shape, and tags.
//
// A state machine's record (kind "stateMachine") holds: name, type, definition, roleArn,
// creationDate, updateDate, revisionId, loggingConfiguration, tracingConfiguration,
// encryptionConfiguration, description, tags, lastVersion (the latest version number) and
// lastVersionRevision. A version's record (kind "stateMachineVersion", ARN `<machine>:<n>`)
// holds the machine's fields as published, with its description.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/api/detail/api_json.hpp>
#include <stepfn/api/detail/api_state.hpp>
#include <stepfn/api/detail/request_fields.hpp>
#include <stepfn/detail/hash.hpp>

namespace stepfn::detail {

inline constexpr const char* machine_kind = "stateMachine";
inline constexpr const char* version_kind = "stateMachineVersion";

struct machine_ref {
    stored_resource stored;
    json body;
    std::string machine_arn;   // the unqualified ARN
    std::string version_arn;   // set when the ARN named a version
};

inline tl::unexpected<api_error> machine_missing(std::string_view arn) {
    return api_fail("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + std::string(arn) + "'");
}


// Finds a state machine or one of its versions. `allow_version` false: a version ARN is invalid.
inline tl::expected<machine_ref, api_error> find_machine(api_state& s, const std::string& arn, bool allow_version = true) {
    auto parsed = parse_arn(arn);
    if (!parsed || parsed->type != "stateMachine") return invalid_arn(arn);
    if (!parsed->qualifier.empty()) {
        const bool numeric = parsed->qualifier.find_first_not_of("0123456789") == std::string::npos;
        if (!allow_version || !numeric) return invalid_arn(arn, "Resource type not valid in this context");
    }
    if (parsed->region != s.options.region || parsed->account != s.options.account) return machine_missing(arn);
    auto found = s.resources->find_resource(arn);
    if (!found) return tl::make_unexpected(store_error(found.error()));
    const char* kind = parsed->qualifier.empty() ? machine_kind : version_kind;
    if (!*found || (*found)->kind != kind) return machine_missing(arn);
    json body = json::parse((*found)->body, nullptr, false);
    if (!body.is_object()) return api_fail("InternalFailure", "the stored state machine '" + arn + "' does not read back", 500);
    machine_ref ref{std::move(**found), std::move(body), s.machine_arn(parsed->name), {}};
    if (!parsed->qualifier.empty()) ref.version_arn = arn;
    return ref;
}

inline std::string text_of(const json& body, const char* key) {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The compiled machine of a record, loaded once per (ARN, revision).
inline tl::expected<state_machine, api_error> compiled_machine(api_state& s, const machine_ref& ref) {
    const std::string& arn = ref.version_arn.empty() ? ref.machine_arn : ref.version_arn;
    auto machine = s.machines.get(arn, text_of(ref.body, "revisionId"), [&] {
        load_options options;
        options.bounds = s.standard->options().bounds;
        options.name = text_of(ref.body, "name");
        auto definition = ref.body.find("definition");
        return load_machine(definition != ref.body.end() && definition->is_string() ? definition->get_ref<const std::string&>()
                                                                                      : std::string_view(),
                            options);
    });
    if (!machine) return api_fail("InternalFailure", "the stored definition of '" + arn + "' no longer loads: " + machine.error().cause, 500);
    return std::move(*machine);
}

// A revision id: a UUID-shaped digest of what a revision is, so that publishing an unchanged
// revision again finds the version already published.
inline std::string revision_id(const json& body) {
    std::string material = text_of(body, "definition") + '\n' + text_of(body, "roleArn") + '\n' + text_of(body, "type");
    for (const char* key : {"loggingConfiguration", "tracingConfiguration", "encryptionConfiguration"})
        if (auto it = body.find(key); it != body.end()) material += '\n' + it->dump();
    const std::string digest = hash_impl::sha256(material);
    return digest.substr(0, 8) + '-' + digest.substr(8, 4) + '-' + digest.substr(12, 4) + '-' + digest.substr(16, 4) + '-' +
           digest.substr(20, 12);
}

// AWS's diagnostic code for one of the loader's problems.
inline const char* diagnostic_code(const diagnostic& d) {
    auto has = [&](std::string_view text) { return d.message.find(text) != std::string::npos; };
    auto ends = [&](std::string_view tail) {
        return d.pointer.size() >= tail.size() && d.pointer.compare(d.pointer.size() - tail.size(), tail.size(), tail) == 0;
    };
    if (has("not valid JSON")) return "INVALID_JSON_DESCRIPTION";
    if (has("no terminal state")) return "MISSING_END_STATE";
    if (has("no state named")) return "MISSING_TRANSITION_TARGET";
    if (has("duplicate")) return "DUPLICATE_STATE_NAME";
    if (has("Express state machine does not support")) return "SCHEMA_VALIDATION_FAILED";
    if (ends("/Resource")) return "INVALID_RESOURCE";
    return "SCHEMA_VALIDATION_FAILED";
}

// A definition's problems, each as AWS's {severity, code, message, location}.
inline std::vector<json> definition_diagnostics(const error& e) {
    std::vector<json> out;
    std::vector<diagnostic> problems = e.problems;
    if (problems.empty()) problems.push_back({"", e.cause});
    for (const auto& p : problems) {
        json d = json::object();
        d["severity"] = "ERROR";
        d["code"] = diagnostic_code(p);
        d["message"] = p.message;
        d["location"] = p.pointer.empty() ? std::string("/") : p.pointer;
        out.push_back(std::move(d));
    }
    return out;
}

// InvalidDefinition as AWS words it: every problem, with its code and where.
inline tl::unexpected<api_error> invalid_definition(const error& e) {
    std::string listed;
    for (const auto& d : definition_diagnostics(e)) {
        if (!listed.empty()) listed += ", ";
        listed += d["code"].get<std::string>() + ": " + d["message"].get<std::string>() + " at " + d["location"].get<std::string>();
    }
    return api_fail("InvalidDefinition", "Invalid State Machine Definition: '" + listed + "'");
}

inline result<state_machine> load_definition(api_state& s, const std::string& definition, const std::string& name) {
    load_options options;
    options.bounds = s.standard->options().bounds;
    options.name = name.empty() ? std::string("StateMachine") : name;
    return load_machine(definition, options);
}

// AWS's tags: [{key, value}], at most 50, keys 1-128 and values 0-256 characters.
inline tl::expected<json, api_error> read_tags(const json& request, const char* member) {
    auto it = request.find(member);
    if (it == request.end() || it->is_null()) return json::array();
    if (!it->is_array()) return wrong_type(member, "a list");
    json out = json::array();
    for (const auto& tag : *it) {
        if (!tag.is_object()) return wrong_type(member, "a list of tags");
        auto key = required_string(tag, "key", 1, 128);
        if (!key) return tl::make_unexpected(std::move(key.error()));
        auto value = optional_string(tag, "value", 0, 256);
        if (!value) return tl::make_unexpected(std::move(value.error()));
        json t = json::object();
        t["key"] = *key;
        t["value"] = value->value_or("");
        out.push_back(std::move(t));
    }
    return out;
}

// Tags merged by key (a later value replaces an earlier one).
inline void merge_tags(json& into, const json& tags) {
    if (!into.is_array()) into = json::array();
    for (const auto& tag : tags) {
        bool replaced = false;
        for (auto& existing : into)
            if (existing.is_object() && existing.value("key", "") == tag["key"]) {
                existing["value"] = tag["value"];
                replaced = true;
            }
        if (!replaced) into.push_back(tag);
    }
}

inline tl::unexpected<api_error> too_many_tags(std::string_view arn) {
    return api_fail("TooManyTags", "Too many tags: the resource '" + std::string(arn) + "' may have at most 50 tags");
}

// An optional object member echoed back in Describe (loggingConfiguration, ...).
inline tl::expected<std::optional<json>, api_error> optional_object(const json& request, const char* member) {
    auto it = request.find(member);
    if (it == request.end() || it->is_null()) return std::optional<json>();
    if (!it->is_object()) return wrong_type(member, "a structure");
    return std::optional<json>(*it);
}

} // namespace stepfn::detail

#endif
