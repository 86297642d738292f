#ifndef STEPFN_POLICIES_DETAIL_IAM_CONDITION_HPP
#define STEPFN_POLICIES_DETAIL_IAM_CONDITION_HPP

// One compiled condition of an IAM policy statement (`"StringLike": {"aws:ResourceTag/team":
// ["a*"]}`) and its evaluation against a request's condition context, with IAM's rules for a
// missing key (false, except for negated operators, `...IfExists` and `Null`) and for
// multi-valued keys (`ForAnyValue:` / `ForAllValues:`).

#include <string>
#include <string_view>
#include <vector>

#include <stepfn/policies/access_request.hpp>
#include <stepfn/policies/detail/wildcard.hpp>

namespace stepfn::detail {

enum class condition_match { equals, equals_ignore_case, like, boolean, null };
enum class value_set { single, for_any_value, for_all_values };

struct iam_condition {
    condition_match match = condition_match::equals;
    bool negated = false;      // StringNotEquals, StringNotLike, ArnNotLike, ...
    bool if_exists = false;    // ...IfExists: a missing key satisfies it
    value_set set = value_set::single;
    std::string key;
    std::vector<std::string> values;
};

// The operator's name as written (`ForAnyValue:StringNotLikeIfExists`) into `out`; false when
// IAM has no such operator (or it is one stepfn does not evaluate: numeric, date, IP, binary).
inline bool parse_condition_operator(std::string_view name, iam_condition& out) {
    if (name.rfind("ForAnyValue:", 0) == 0) {
        out.set = value_set::for_any_value;
        name.remove_prefix(12);
    } else if (name.rfind("ForAllValues:", 0) == 0) {
        out.set = value_set::for_all_values;
        name.remove_prefix(13);
    }
    constexpr std::string_view suffix = "IfExists";
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
        out.if_exists = true;
        name.remove_suffix(suffix.size());
    }
    struct entry {
        std::string_view name;
        condition_match match;
        bool negated;
    };
    static constexpr entry table[] = {
        {"StringEquals", condition_match::equals, false},
        {"StringNotEquals", condition_match::equals, true},
        {"StringEqualsIgnoreCase", condition_match::equals_ignore_case, false},
        {"StringNotEqualsIgnoreCase", condition_match::equals_ignore_case, true},
        {"StringLike", condition_match::like, false},
        {"StringNotLike", condition_match::like, true},
        {"ArnEquals", condition_match::like, false},  // IAM: ArnEquals and ArnLike both take wildcards
        {"ArnLike", condition_match::like, false},
        {"ArnNotEquals", condition_match::like, true},
        {"ArnNotLike", condition_match::like, true},
        {"Bool", condition_match::boolean, false},
        {"Null", condition_match::null, false},
    };
    for (const auto& e : table) {
        if (e.name == name) {
            out.match = e.match;
            out.negated = e.negated;
            // Null takes neither IfExists nor a set qualifier.
            return e.match != condition_match::null || (!out.if_exists && out.set == value_set::single);
        }
    }
    return false;
}

// Whether one context value matches one of the condition's values (the operator's positive sense).
inline bool matches_any(const iam_condition& c, const std::string& value) {
    for (const auto& wanted : c.values) {
        switch (c.match) {
        case condition_match::equals:
            if (value == wanted) return true;
            break;
        case condition_match::equals_ignore_case:
        case condition_match::boolean:
            if (iequals(value, wanted)) return true;
            break;
        case condition_match::like:
            if (wildcard_match(wanted, value)) return true;
            break;
        case condition_match::null:
            break;
        }
    }
    return false;
}

inline bool condition_holds(const iam_condition& c, const condition_context& context) {
    auto found = context.find(c.key);
    const bool present = found != context.end() && !found->second.empty();
    if (c.match == condition_match::null) {
        // "true": the key must be absent; "false": present.
        for (const auto& v : c.values)
            if (iequals(v, "true") ? !present : iequals(v, "false") ? present : false) return true;
        return false;
    }
    if (!present) {
        if (c.if_exists || c.set == value_set::for_all_values) return true;
        if (c.set == value_set::for_any_value) return false;
        return c.negated;
    }
    const auto& values = found->second;
    // A context value "satisfies" the operator: matches for positive ones, matches none for negated.
    auto satisfies = [&](const std::string& v) { return matches_any(c, v) != c.negated; };
    switch (c.set) {
    case value_set::for_all_values:
        for (const auto& v : values)
            if (!satisfies(v)) return false;
        return true;
    case value_set::for_any_value:
        for (const auto& v : values)
            if (satisfies(v)) return true;
        return false;
    case value_set::single:
        break;
    }
    // Without a qualifier: a positive operator holds when any value matches; a negated one when
    // none does.
    if (!c.negated) {
        for (const auto& v : values)
            if (matches_any(c, v)) return true;
        return false;
    }
    for (const auto& v : values)
        if (matches_any(c, v)) return false;
    return true;
}

} // namespace stepfn::detail

#endif
