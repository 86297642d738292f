#ifndef STEPFN_LOAD_DETAIL_FIELD_RULES_HPP
#define STEPFN_LOAD_DETAIL_FIELD_RULES_HPP

// Which fields each state type accepts in each query language (asl-reference.md §2).

#include <optional>
#include <string_view>

#include <stepfn/expressions/query_language.hpp>
#include <stepfn/model/states.hpp>

namespace stepfn::detail {

// The state type named by an ASL `Type` value (case-sensitive).
inline std::optional<state_type> state_type_from_name(std::string_view name) noexcept {
    if (name == "Task") return state_type::task;
    if (name == "Parallel") return state_type::parallel;
    if (name == "Map") return state_type::map;
    if (name == "Pass") return state_type::pass;
    if (name == "Wait") return state_type::wait;
    if (name == "Choice") return state_type::choice;
    if (name == "Succeed") return state_type::succeed;
    if (name == "Fail") return state_type::fail;
    return std::nullopt;
}

inline bool state_field_allowed(state_type t, query_language language, std::string_view f) noexcept {
    using st = state_type;
    const bool jsonpath = language == query_language::jsonpath;
    const bool recoverable = t == st::task || t == st::parallel || t == st::map;
    const bool flows = recoverable || t == st::pass || t == st::wait;

    if (f == "Type" || f == "Comment" || f == "QueryLanguage") return true;
    if (f == "InputPath" || f == "OutputPath") return jsonpath && t != st::fail;
    if (f == "Output") return !jsonpath && t != st::fail;
    if (f == "Next" || f == "End") return flows;
    if (f == "Parameters") return jsonpath && (recoverable || t == st::pass);
    if (f == "ResultSelector") return jsonpath && recoverable;
    if (f == "ResultPath") return jsonpath && (recoverable || t == st::pass);
    if (f == "Arguments") return !jsonpath && (t == st::task || t == st::parallel);
    if (f == "Assign") return t != st::succeed && t != st::fail;
    if (f == "Retry" || f == "Catch") return recoverable;
    switch (t) {
    case st::pass: return jsonpath && f == "Result";
    case st::task:
        if (f == "Resource" || f == "Credentials" || f == "TimeoutSeconds" || f == "HeartbeatSeconds") return true;
        return jsonpath && (f == "TimeoutSecondsPath" || f == "HeartbeatSecondsPath");
    case st::choice: return f == "Choices" || f == "Default";
    case st::wait:
        if (f == "Seconds" || f == "Timestamp") return true;
        return jsonpath && (f == "SecondsPath" || f == "TimestampPath");
    case st::fail:
        if (f == "Error" || f == "Cause") return true;
        return jsonpath && (f == "ErrorPath" || f == "CausePath");
    case st::parallel: return f == "Branches";
    case st::map:
        if (f == "ItemProcessor" || f == "Iterator" || f == "ItemSelector" || f == "MaxConcurrency" ||
            f == "ItemReader" || f == "ItemBatcher" || f == "ResultWriter" || f == "ToleratedFailureCount" ||
            f == "ToleratedFailurePercentage" || f == "Label")
            return true;
        if (f == "Items") return !jsonpath;
        return jsonpath && (f == "ItemsPath" || f == "MaxConcurrencyPath" || f == "ToleratedFailureCountPath" ||
                            f == "ToleratedFailurePercentagePath");
    case st::succeed: return false;
    }
    return false;
}

inline const char* query_language_name(query_language language) noexcept {
    return language == query_language::jsonpath ? "JSONPath" : "JSONata";
}

} // namespace stepfn::detail

#endif
