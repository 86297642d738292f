#ifndef STEPFN_LOAD_DETAIL_LOADER_STATES_HPP
#define STEPFN_LOAD_DETAIL_LOADER_STATES_HPP

// definition_loader's members:
// one function per state type: Pass, Task (and its Credentials), Choice, Wait, Fail, Parallel.

#include <stepfn/load/detail/definition_loader.hpp>

namespace stepfn::detail {

inline std::optional<payload_template> definition_loader::template_field(const json& body,
                                                                         const std::string& pointer,
                                                                         std::string_view field) {
    const json* value = get(body, field);
    if (!value) return std::nullopt;
    return compile_template(*value, pointer_child(pointer, field));
}

// What Task and Parallel read around their work: Parameters, ResultSelector and ResultPath
// (JSONPath), or Arguments (JSONata).
template <class State>
void definition_loader::read_work_fields(const json& body, const std::string& pointer, query_language language,
                                         State& out) {
    if (language == query_language::jsonpath) {
        out.parameters = template_field(body, pointer, "Parameters");
        out.result_selector = template_field(body, pointer, "ResultSelector");
        out.result_path = result_path(body, pointer);
    } else {
        out.result_path = root_path_;
        if (const json* arguments = get(body, "Arguments"))
            out.jsonata_arguments =
                jsonata_field(*arguments, pointer_child(pointer, "Arguments"), "Arguments", states_everywhere);
    }
}

inline pass_state definition_loader::load_pass(const json& body, const std::string& pointer,
                                               query_language language) {
    pass_state out;
    out.result_path = root_path_;
    if (language != query_language::jsonpath) return out;
    if (const json* result = get(body, "Result")) out.result = *result;
    out.parameters = template_field(body, pointer, "Parameters");
    out.result_path = result_path(body, pointer);
    return out;
}

inline task_state definition_loader::load_task(const json& body, const std::string& pointer, query_language language,
                                               const scope_names& names) {
    task_state out;
    static constexpr std::string_view required[] = {"Resource"};
    require_fields(body, pointer, required);
    if (const json* resource = get(body, "Resource"))
        if (auto text = read_string(*resource, pointer_child(pointer, "Resource"), "Resource"))
            out.resource = std::move(*text);
    out.traits = detail::traits_of(out.resource);
    read_work_fields(body, pointer, language, out);
    out.timeout_seconds = int_or_path_field(body, pointer, language, "TimeoutSeconds", "TimeoutSecondsPath", 1,
                                            max_asl_seconds);
    out.heartbeat_seconds = int_or_path_field(body, pointer, language, "HeartbeatSeconds",
                                              "HeartbeatSecondsPath", 1, max_asl_seconds);
    if (out.heartbeat_seconds.value && out.timeout_seconds.value &&
        *out.heartbeat_seconds.value >= *out.timeout_seconds.value)
        report(pointer_child(pointer, "HeartbeatSeconds"),
               "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'");
    if (const json* credentials = get(body, "Credentials")) load_credentials(*credentials, pointer, language, out);
    out.recover = load_recovery(body, pointer, language, names);
    return out;
}

inline void definition_loader::load_credentials(const json& value, const std::string& state_pointer,
                                                query_language language, task_state& out) {
    std::string pointer = pointer_child(state_pointer, "Credentials");
    if (!expect_object(value, pointer, "Credentials")) return;
    out.credentials = value;
    if (language == query_language::jsonata) {
        static constexpr std::string_view allowed[] = {"RoleArn"};
        static constexpr std::string_view required[] = {"RoleArn"};
        check_fields(value, pointer, allowed);
        require_fields(value, pointer, required);
        if (const json* arn = get(value, "RoleArn")) read_string(*arn, pointer_child(pointer, "RoleArn"), "RoleArn");
        out.jsonata_credentials = jsonata_field(value, pointer, "Credentials", states_everywhere);
        return;
    }
    static constexpr std::string_view allowed[] = {"RoleArn", "RoleArn.$", "RoleArnPath"};
    check_fields(value, pointer, allowed);
    const json* arn = get(value, "RoleArn");
    const json* dynamic = get(value, "RoleArn.$");
    const json* path = get(value, "RoleArnPath");
    int given = (arn ? 1 : 0) + (dynamic ? 1 : 0) + (path ? 1 : 0);
    if (given == 0) {
        report(pointer, "'Credentials' requires 'RoleArn' or 'RoleArnPath'");
        return;
    }
    if (given > 1) {
        report(pointer, "only one of 'RoleArn', 'RoleArn.$' and 'RoleArnPath' may be set");
        return;
    }
    if (arn) {
        if (read_string(*arn, pointer_child(pointer, "RoleArn"), "RoleArn"))
            out.credentials_template = compile_template(value, pointer);
    } else if (dynamic) {
        if (read_string(*dynamic, pointer_child(pointer, "RoleArn.$"), "RoleArn.$"))
            out.credentials_template = compile_template(value, pointer);
    } else if (compile_expression(*path, pointer_child(pointer, "RoleArnPath"), "RoleArnPath")) {
        // One shape for the engine: {"RoleArn": <value>} whichever form was written.
        json rewritten = json::object();
        rewritten["RoleArn.$"] = *path;
        out.credentials_template = compile_template(rewritten, pointer);
    }
}

inline choice_state definition_loader::load_choice(const json& body, const std::string& pointer,
                                                   query_language language, const scope_names& names) {
    choice_state out;
    if (const json* choices = required_list(body, pointer, "Choices", "choice rules")) {
        const std::string at = pointer_child(pointer, "Choices");
        out.choices.reserve(choices->size());
        for (std::size_t i = 0; i < choices->size(); ++i)
            load_choice_rule((*choices)[i], pointer_child(at, i), language, names, out);
    }
    if (const json* fallback = get(body, "Default"))
        out.default_ = resolve(*fallback, pointer_child(pointer, "Default"), "Default", names);
    return out;
}

inline void definition_loader::load_choice_rule(const json& rule, const std::string& pointer,
                                                query_language language, const scope_names& names,
                                                choice_state& out) {
    choice_branch branch;
    auto compiled = choice_rule::compile(rule, pointer, true, language, bounds_);
    if (compiled) branch.rule = std::move(*compiled);
    else merge(compiled.error(), pointer);
    if (!rule.is_object()) {
        if (compiled) report(pointer, "a choice rule must be an object");
        return;
    }
    if (language == query_language::jsonata)
        if (const json* condition = get(rule, "Condition"))
            check_states_members(*condition, pointer_child(pointer, "Condition"), states_everywhere, 0);
    if (const json* next = get(rule, "Next")) branch.next = resolve(*next, pointer_child(pointer, "Next"), "Next", names);
    else report(pointer, "These fields are required: [Next]");
    if (const json* assign = get(rule, "Assign"))
        branch.assign = read_assign(*assign, pointer_child(pointer, "Assign"), language, states_everywhere);
    if (language == query_language::jsonata)
        if (const json* output = get(rule, "Output"))
            branch.jsonata_output = jsonata_field(*output, pointer_child(pointer, "Output"), "Output", states_everywhere);
    out.choices.push_back(std::move(branch));
}

inline wait_state definition_loader::load_wait(const json& body, const std::string& pointer,
                                               query_language language) {
    wait_state out;
    const bool jsonata = language == query_language::jsonata;
    int given = 0;
    for (std::string_view field : {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"})
        if (get(body, field)) ++given;
    if (given == 0) {
        report(pointer, jsonata ? "the Wait state needs 'Seconds' or 'Timestamp'"
                                : "the Wait state needs one of 'Seconds', 'SecondsPath', 'Timestamp' or "
                                  "'TimestampPath'");
    } else if (given > 1) {
        report(pointer, "only one of 'Seconds', 'SecondsPath', 'Timestamp' and 'TimestampPath' may be set");
    }
    if (const json* seconds = get(body, "Seconds")) {
        if (jsonata && is_jsonata_expression(*seconds))
            out.jsonata_seconds = jsonata_expression_field(*seconds, pointer_child(pointer, "Seconds"), "Seconds");
        else out.seconds = read_int(*seconds, pointer_child(pointer, "Seconds"), "Seconds", 0, max_asl_seconds);
    }
    if (const json* timestamp = get(body, "Timestamp")) {
        std::string at = pointer_child(pointer, "Timestamp");
        if (jsonata && is_jsonata_expression(*timestamp)) {
            out.jsonata_timestamp = jsonata_expression_field(*timestamp, at, "Timestamp");
        } else if (auto text = read_string(*timestamp, at, "Timestamp")) {
            if (parse_rfc3339(*text)) out.timestamp = std::move(*text);
            else report(at, "String does not match RFC3339 timestamp");
        }
    }
    out.seconds_path = reference_field(body, pointer, "SecondsPath");
    out.timestamp_path = reference_field(body, pointer, "TimestampPath");
    return out;
}

// In a JSONata state, Error and Cause may be "{% %}" expressions.
inline fail_state definition_loader::load_fail(const json& body, const std::string& pointer, query_language language) {
    fail_state out;
    exclusive(body, pointer, "Error", "ErrorPath");
    exclusive(body, pointer, "Cause", "CausePath");
    const bool jsonata = language == query_language::jsonata;
    if (const json* v = get(body, "Error")) {
        if (jsonata && is_jsonata_expression(*v))
            out.jsonata_error = jsonata_expression_field(*v, pointer_child(pointer, "Error"), "Error");
        else
            out.error = read_string(*v, pointer_child(pointer, "Error"), "Error");
    }
    if (const json* v = get(body, "Cause")) {
        if (jsonata && is_jsonata_expression(*v))
            out.jsonata_cause = jsonata_expression_field(*v, pointer_child(pointer, "Cause"), "Cause");
        else
            out.cause = read_string(*v, pointer_child(pointer, "Cause"), "Cause");
    }
    if (const json* v = get(body, "ErrorPath"))
        out.error_path = compile_expression(*v, pointer_child(pointer, "ErrorPath"), "ErrorPath");
    if (const json* v = get(body, "CausePath"))
        out.cause_path = compile_expression(*v, pointer_child(pointer, "CausePath"), "CausePath");
    return out;
}

inline parallel_state definition_loader::load_parallel(const json& body, const std::string& pointer,
                                                       query_language language, const scope_names& names) {
    parallel_state out;
    if (const json* branches = required_list(body, pointer, "Branches", "state machines")) {
        const std::string at = pointer_child(pointer, "Branches");
        out.branches.resize(branches->size());
        for (std::size_t i = 0; i < branches->size(); ++i) {
            std::string branch_pointer = pointer_child(at, i);
            if (expect_object((*branches)[i], branch_pointer, "Branches[" + std::to_string(i) + "]"))
                load_scope((*branches)[i], branch_pointer, scope_kind::branch, out.branches[i]);
        }
    }
    read_work_fields(body, pointer, language, out);
    out.recover = load_recovery(body, pointer, language, names);
    return out;
}

} // namespace stepfn::detail

#endif
