#ifndef STEPFN_LOAD_DETAIL_LOADER_RECOVERY_HPP
#define STEPFN_LOAD_DETAIL_LOADER_RECOVERY_HPP

// definition_loader's members: Retry and Catch.

#include <stepfn/load/detail/definition_loader.hpp>

namespace stepfn::detail {

// Returns the names and whether States.ALL is among them.
inline std::pair<std::vector<std::string>, bool> definition_loader::read_error_equals(const json& object,
                                                                                      const std::string& pointer) {
    std::pair<std::vector<std::string>, bool> out{{}, false};
    const json* value = get(object, "ErrorEquals");
    if (!value) return out;  // reported by require_fields
    std::string at = pointer_child(pointer, "ErrorEquals");
    if (!value->is_array() || value->empty()) {
        report(at, "'ErrorEquals' must be a non-empty array of error names");
        return out;
    }
    for (std::size_t i = 0; i < value->size(); ++i) {
        const json& item = (*value)[i];
        std::string item_pointer = pointer_child(at, i);
        if (!item.is_string()) {
            report(item_pointer, "an error name must be a string");
            continue;
        }
        const auto& name = item.get_ref<const std::string&>();
        // Any name matches, custom `States.`-prefixed ones too: a Fail state may raise
        // `States.QuorumMet` and a catcher outside catch it (AWS accepts both).
        if (name == errors::all) out.second = true;
        out.first.push_back(name);
    }
    if (out.second && value->size() > 1) report(at, "'States.ALL' must appear alone in 'ErrorEquals'");
    return out;
}

inline std::vector<retrier> definition_loader::load_retry(const json& value, const std::string& pointer) {
    std::vector<retrier> out;
    if (!expect_array(value, pointer, "Retry")) return out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        const json& item = value[i];
        std::string at = pointer_child(pointer, i);
        if (!item.is_object()) {
            report(at, "a retrier must be an object");
            continue;
        }
        static constexpr std::string_view allowed[] = {"ErrorEquals",     "IntervalSeconds", "MaxAttempts",
                                                       "BackoffRate",     "MaxDelaySeconds", "JitterStrategy",
                                                       "Comment"};
        static constexpr std::string_view required[] = {"ErrorEquals"};
        check_fields(item, at, allowed);
        require_fields(item, at, required);
        retrier r;
        auto [names, has_all] = read_error_equals(item, at);
        r.error_equals = std::move(names);
        if (has_all && i + 1 != value.size())
            report(pointer_child(at, "ErrorEquals"), "a retrier with 'States.ALL' must be the last retrier");
        if (const json* v = get(item, "IntervalSeconds"))
            if (auto n = read_int(*v, pointer_child(at, "IntervalSeconds"), "IntervalSeconds", 1, max_asl_seconds))
                r.interval_seconds = *n;
        if (const json* v = get(item, "MaxAttempts"))
            if (auto n = read_int(*v, pointer_child(at, "MaxAttempts"), "MaxAttempts", 0, max_asl_seconds))
                r.max_attempts = *n;
        if (const json* v = get(item, "BackoffRate")) {
            if (v->is_number() && v->get<double>() >= 1.0) r.backoff_rate = v->get<double>();
            else report(pointer_child(at, "BackoffRate"), "'BackoffRate' must be a number of at least 1.0");
        }
        if (const json* v = get(item, "MaxDelaySeconds"))
            r.max_delay_seconds = read_int(*v, pointer_child(at, "MaxDelaySeconds"), "MaxDelaySeconds", 1,
                                           max_delay_seconds_limit);
        if (const json* v = get(item, "JitterStrategy")) {
            if (*v == "FULL") r.jitter = jitter_strategy::full;
            else if (*v == "NONE") r.jitter = jitter_strategy::none;
            else report(pointer_child(at, "JitterStrategy"), "'JitterStrategy' must be \"FULL\" or \"NONE\"");
        }
        if (const json* v = get(item, "Comment")) read_string(*v, pointer_child(at, "Comment"), "Comment");
        out.push_back(std::move(r));
    }
    return out;
}

inline std::vector<catcher> definition_loader::load_catch(const json& value, const std::string& pointer,
                                                          query_language language, const scope_names& names) {
    std::vector<catcher> out;
    if (!expect_array(value, pointer, "Catch")) return out;
    out.reserve(value.size());
    const bool jsonpath = language == query_language::jsonpath;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const json& item = value[i];
        std::string at = pointer_child(pointer, i);
        if (!item.is_object()) {
            report(at, "a catcher must be an object");
            continue;
        }
        if (jsonpath) {
            static constexpr std::string_view allowed[] = {"ErrorEquals", "Next", "ResultPath", "Assign",
                                                           "Comment"};
            check_fields(item, at, allowed);
        } else {
            static constexpr std::string_view allowed[] = {"ErrorEquals", "Next", "Output", "Assign", "Comment"};
            check_fields(item, at, allowed);
        }
        static constexpr std::string_view required[] = {"ErrorEquals", "Next"};
        require_fields(item, at, required);
        catcher c;
        auto [error_names, has_all] = read_error_equals(item, at);
        c.error_equals = std::move(error_names);
        if (has_all && i + 1 != value.size())
            report(pointer_child(at, "ErrorEquals"), "a catcher with 'States.ALL' must be the last catcher");
        if (const json* next = get(item, "Next")) c.next = resolve(*next, pointer_child(at, "Next"), "Next", names);
        if (jsonpath) {
            c.result_path = result_path(item, at);
        } else {
            c.result_path = root_path_;
            if (const json* output = get(item, "Output"))
                c.jsonata_output = jsonata_field(*output, pointer_child(at, "Output"), "Output", states_with_error);
        }
        if (const json* assign = get(item, "Assign"))
            c.assign = read_assign(*assign, pointer_child(at, "Assign"), language, states_with_error);
        if (const json* v = get(item, "Comment")) read_string(*v, pointer_child(at, "Comment"), "Comment");
        out.push_back(std::move(c));
    }
    return out;
}

inline recovery definition_loader::load_recovery(const json& body, const std::string& pointer,
                                                 query_language language, const scope_names& names) {
    recovery out;
    if (const json* retry = get(body, "Retry")) out.retry = load_retry(*retry, pointer_child(pointer, "Retry"));
    if (const json* c = get(body, "Catch")) out.catch_ = load_catch(*c, pointer_child(pointer, "Catch"), language, names);
    return out;
}

} // namespace stepfn::detail

#endif
