#ifndef STEPFN_API_DETAIL_TASK_ACTIONS_HPP
#define STEPFN_API_DETAIL_TASK_ACTIONS_HPP

// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat (the activity hub first: a token it
// does not know is a `.waitForTaskToken` token of the standard engine, else of the express one),
// and TestState over testing/test_state.hpp.

#include <string>

#include <stepfn/api/detail/api_json.hpp>
#include <stepfn/api/detail/api_state.hpp>
#include <stepfn/api/detail/machine_records.hpp>
#include <stepfn/api/detail/request_fields.hpp>
#include <stepfn/testing/test_state.hpp>

namespace stepfn::detail {

// The engines' tokens are two UUIDs; anything else was never issued (AWS: InvalidToken).
inline bool engine_token_shape(const std::string& token) {
    if (token.size() != 72) return false;
    for (std::size_t i = 0; i < token.size(); ++i) {
        const std::size_t j = i % 36;
        const char c = token[i];
        const bool dash = j == 8 || j == 13 || j == 18 || j == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

// Tries the standard engine, then the express one; the express engine's answer counts only
// when the standard engine does not know the token.
template <class Call>
inline api_outcome with_token(api_state& s, const std::string& token, Call call) {
    // A task token is a credential: errors never echo it.
    if (!engine_token_shape(token)) return api_fail("InvalidToken", "Invalid Token: 'the task token is not one stepfn issues'");
    auto done = call(*s.standard);
    if (!done && done.error().name == "TaskDoesNotExist") done = call(*s.express);
    if (!done) {
        if (done.error().name == "TaskDoesNotExist")
            return api_fail("TaskDoesNotExist", "Task Does Not Exist: no task waits for this token (it ended, timed out or was never issued)");
        return api_fail_from(done.error());
    }
    return json::object();
}

inline api_outcome send_task_success(api_state& s, const json& request) {
    auto token = required_string(request, "taskToken", 1, 2048);
    if (!token) return tl::make_unexpected(token.error());
    auto output = required_string(request, "output", 0, 262144);
    if (!output) return tl::make_unexpected(output.error());
    if (auto answered = s.hub->send_task_success(request)) return std::move(*answered);
    auto value = parse_json_text(*output, s.options.max_request_depth);
    if (!value) return api_fail("InvalidOutput", "Invalid Output: 'the output is not valid JSON'");
    return with_token(s, *token, [&](api_engine& e) { return e.send_task_success(*token, *value); });
}

inline api_outcome send_task_failure(api_state& s, const json& request) {
    auto token = required_string(request, "taskToken", 1, 2048);
    if (!token) return tl::make_unexpected(token.error());
    auto error_name = optional_string(request, "error", 0, 256);
    if (!error_name) return tl::make_unexpected(error_name.error());
    auto cause = optional_string(request, "cause", 0, 32768);
    if (!cause) return tl::make_unexpected(cause.error());
    if (auto answered = s.hub->send_task_failure(request)) return std::move(*answered);
    return with_token(s, *token, [&](api_engine& e) { return e.send_task_failure(*token, error_name->value_or(""), cause->value_or("")); });
}

inline api_outcome send_task_heartbeat(api_state& s, const json& request) {
    auto token = required_string(request, "taskToken", 1, 2048);
    if (!token) return tl::make_unexpected(token.error());
    if (auto answered = s.hub->send_task_heartbeat(request)) return std::move(*answered);
    return with_token(s, *token, [&](api_engine& e) { return e.send_task_heartbeat(*token); });
}

// TestState: `definition` is one state's JSON, or, with `stateName`, a whole machine's.
inline api_outcome test_state(api_state& s, const json& request) {
    auto definition = required_string(request, "definition", 1, 1048576);
    if (!definition) return tl::make_unexpected(definition.error());
    auto role = optional_string(request, "roleArn", 1, 256);
    if (!role) return tl::make_unexpected(role.error());
    auto input = optional_string(request, "input", 0, 262144);
    if (!input) return tl::make_unexpected(input.error());
    auto level = optional_string(request, "inspectionLevel", 1, 16);
    if (!level) return tl::make_unexpected(level.error());
    auto reveal = optional_bool(request, "revealSecrets");
    if (!reveal) return tl::make_unexpected(reveal.error());
    auto variables = optional_string(request, "variables", 0, 262144);
    if (!variables) return tl::make_unexpected(variables.error());
    auto state_name = optional_string(request, "stateName", 1, 80);
    if (!state_name) return tl::make_unexpected(state_name.error());
    const std::string inspection = level->value_or("INFO");
    if (inspection != "INFO" && inspection != "DEBUG" && inspection != "TRACE")
        return validation_error("inspectionLevel", "'" + inspection + "'", "satisfy enum value set: [INFO, DEBUG, TRACE]");

    testing::test_state_options options;
    if (*input) {
        auto value = parse_json_text(**input, s.options.max_request_depth);
        if (!value) return api_fail("InvalidExecutionInput", "Invalid Input: 'the input is not valid JSON'");
        options.input = std::move(*value);
    }
    if (*variables) {
        auto value = parse_json_text(**variables, s.options.max_request_depth);
        if (!value || !value->is_object()) return api_fail("ValidationException", "Invalid variables: 'they must be a JSON object'");
        options.variables = std::move(*value);
    }
    if (auto mock = request.find("mock"); mock != request.end() && !mock->is_null()) {
        if (!mock->is_object()) return wrong_type("mock", "a structure");
        auto result = optional_string(*mock, "result", 0, 262144);
        if (!result) return tl::make_unexpected(result.error());
        if (*result) {
            auto value = parse_json_text(**result, s.options.max_request_depth);
            if (!value) return api_fail("ValidationException", "Invalid mock result: 'it is not valid JSON'");
            options.result = std::move(*value);
        }
        if (auto failure = mock->find("errorOutput"); failure != mock->end() && !failure->is_null()) {
            if (!failure->is_object()) return wrong_type("mock.errorOutput", "a structure");
            auto name = optional_string(*failure, "error", 0, 256);
            if (!name) return tl::make_unexpected(name.error());
            auto cause = optional_string(*failure, "cause", 0, 32768);
            if (!cause) return tl::make_unexpected(cause.error());
            options.error_output = error{name->value_or(""), cause->value_or("")};
        }
    }
    if (auto config = request.find("stateConfiguration"); config != request.end() && config->is_object()) {
        auto count = optional_integer(*config, "retrierRetryCount", 0, 100);
        if (!count) return tl::make_unexpected(count.error());
        options.retrier_retry_count = count->value_or(0);
    }
    auto parsed = parse_json_text(*definition, s.options.max_request_depth);
    if (!parsed || !parsed->is_object()) return api_fail("InvalidDefinition", "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: the definition is not a JSON object'");

    result<testing::test_state_result> ran = make_error("ValidationException", "");
    if (*state_name) {
        auto machine = load_definition(s, *definition, "TestState");
        if (!machine) return invalid_definition(machine.error());
        ran = testing::test_state(*machine, **state_name, std::move(options));
    } else {
        ran = testing::test_state(*parsed, std::move(options));
    }
    if (!ran) {
        if (ran.error().name == errors::invalid_definition) return invalid_definition(ran.error());
        if (ran.error().name == "ValidationException") return api_fail("ValidationException", ran.error().cause);
        return api_fail_from(ran.error());
    }
    json out = ran->to_json();
    // AWS's payloads are JSON text: the output and each stage of the inspection data.
    if (auto it = out.find("output"); it != out.end()) *it = it->dump();
    if (auto data = out.find("inspectionData"); data != out.end() && data->is_object()) {
        for (auto stage = data->begin(); stage != data->end(); ++stage)
            if (stage.key() != "errorDetails") *stage = stage->dump();
    }
    // AWS: inspection data comes with DEBUG and TRACE only.
    if (inspection == "INFO") out.erase("inspectionData");
    return out;
}

} // namespace stepfn::detail

#endif
