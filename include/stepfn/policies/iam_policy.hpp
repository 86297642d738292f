#ifndef STEPFN_POLICIES_IAM_POLICY_HPP
#define STEPFN_POLICIES_IAM_POLICY_HPP

// An IAM identity-based policy document, compiled once and evaluated per request:
//
//   {"Version": "2012-10-17", "Statement": [
//     {"Effect": "Allow", "Action": ["states:Start*", "states:Describe*"],
//      "Resource": "arn:aws:states:us-east-1:123456789012:stateMachine:orders-*",
//      "Condition": {"StringEquals": {"aws:ResourceTag/team": "payments"}}},
//     {"Effect": "Deny", "NotAction": "states:Describe*", "Resource": "*",
//      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}
//
// Effect Allow/Deny; Action or NotAction (case-insensitive, `*` and `?` wildcards); Resource or
// NotResource (case-sensitive wildcards); Condition with the string, ARN, Bool and Null
// operators, `IfExists` and `ForAnyValue:`/`ForAllValues:`. A statement with Principal is
// refused, as IAM refuses it in an identity policy; policy variables (`${aws:username}`) and the
// numeric, date and IP operators are not supported and refused when they appear as operators.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/policies/access_request.hpp>
#include <stepfn/policies/detail/iam_condition.hpp>
#include <stepfn/policies/detail/wildcard.hpp>

namespace stepfn {

// What one policy says about one request: nothing (no statement matches), allow, or deny.
enum class policy_effect { not_applicable, allow, deny };

class iam_policy {
public:
    // Bounds on a document, so that evaluating one stays cheap (AWS's own are smaller: 6,144
    // characters for a managed policy).
    static constexpr std::size_t max_statements = 256;
    static constexpr std::size_t max_entries = 1024;  // patterns in one Action/Resource list or values of one condition key
    static constexpr std::size_t max_pattern_bytes = 2048;

    // Errors are MalformedPolicyDocument, naming the statement and field.
    static result<iam_policy> parse(const json& document) {
        iam_policy out;
        if (!document.is_object()) return malformed("the policy document must be a JSON object");
        for (auto it = document.begin(); it != document.end(); ++it)
            if (it.key() != "Version" && it.key() != "Statement" && it.key() != "Id")
                return malformed("the policy document has an unknown field '" + it.key() + "'");
        if (auto v = document.find("Version"); v != document.end() && (!v->is_string() || (*v != "2012-10-17" && *v != "2008-10-17")))
            return malformed("Version must be \"2012-10-17\" or \"2008-10-17\"");
        auto statements = document.find("Statement");
        if (statements == document.end()) return malformed("the policy document has no Statement");
        if (statements->is_object()) {
            auto one = parse_statement(*statements, 0);
            if (!one) return tl::make_unexpected(std::move(one.error()));
            out.statements_.push_back(std::move(*one));
        } else if (statements->is_array()) {
            if (statements->size() > max_statements)
                return malformed("the policy has " + std::to_string(statements->size()) + " statements; at most " +
                                 std::to_string(max_statements) + " are allowed");
            std::size_t index = 0;
            for (const auto& s : *statements) {
                auto one = parse_statement(s, index++);
                if (!one) return tl::make_unexpected(std::move(one.error()));
                out.statements_.push_back(std::move(*one));
            }
        } else {
            return malformed("Statement must be an object or a list of objects");
        }
        return out;
    }

    static result<iam_policy> parse(std::string_view text) {
        json document = json::parse(text.begin(), text.end(), nullptr, false);
        if (document.is_discarded()) return malformed("the policy document is not valid JSON");
        return parse(document);
    }

    // Explicit deny wins: any matching Deny statement makes it deny; otherwise a matching Allow
    // allows; otherwise the policy does not apply.
    policy_effect evaluate(const access_request& request) const {
        bool allowed = false;
        for (const auto& s : statements_) {
            if (!applies(s, request)) continue;
            if (!s.allow) return policy_effect::deny;
            allowed = true;
        }
        return allowed ? policy_effect::allow : policy_effect::not_applicable;
    }

    std::size_t statement_count() const noexcept { return statements_.size(); }

private:
    struct statement {
        bool allow = true;
        bool not_action = false;
        bool not_resource = false;
        std::vector<std::string> actions;
        std::vector<std::string> resources;
        std::vector<detail::iam_condition> conditions;
    };

    static tl::unexpected<error> malformed(std::string message) {
        return tl::make_unexpected(error("MalformedPolicyDocument", std::move(message)));
    }

    static bool any_matches(const std::vector<std::string>& patterns, std::string_view text, bool ignore_case) {
        for (const auto& p : patterns)
            if (detail::wildcard_match(p, text, ignore_case)) return true;
        return false;
    }

    static bool applies(const statement& s, const access_request& request) {
        if (any_matches(s.actions, request.action, true) == s.not_action) return false;
        if (any_matches(s.resources, request.resource, false) == s.not_resource) return false;
        for (const auto& c : s.conditions)
            if (!detail::condition_holds(c, request.context)) return false;
        return true;
    }

    // A string or a list of strings (condition values may also be booleans or numbers).
    static result<std::vector<std::string>> strings(const json& value, const std::string& where, bool scalars) {
        std::vector<std::string> out;
        auto one = [&](const json& v) -> result<void> {
            if (v.is_string()) out.push_back(v.get<std::string>());
            else if (scalars && v.is_boolean()) out.push_back(v.get<bool>() ? "true" : "false");
            else if (scalars && v.is_number()) out.push_back(v.dump());
            else return malformed(where + " must be a string or a list of strings");
            if (out.back().size() > max_pattern_bytes) return malformed(where + " has an entry over " + std::to_string(max_pattern_bytes) + " bytes");
            return {};
        };
        if (value.is_array()) {
            if (value.size() > max_entries) return malformed(where + " has more than " + std::to_string(max_entries) + " entries");
            if (value.empty()) return malformed(where + " must not be empty");
            for (const auto& v : value)
                if (auto ok = one(v); !ok) return tl::make_unexpected(std::move(ok.error()));
        } else if (auto ok = one(value); !ok) {
            return tl::make_unexpected(std::move(ok.error()));
        }
        return out;
    }

    static result<statement> parse_statement(const json& s, std::size_t index) {
        const std::string where = "Statement[" + std::to_string(index) + "]";
        if (!s.is_object()) return malformed(where + " must be an object");
        statement out;
        for (auto it = s.begin(); it != s.end(); ++it) {
            const std::string& k = it.key();
            if (k == "Principal" || k == "NotPrincipal")
                return malformed(where + ": an identity-based policy must not name a " + k);
            if (k != "Sid" && k != "Effect" && k != "Action" && k != "NotAction" && k != "Resource" && k != "NotResource" &&
                k != "Condition")
                return malformed(where + " has an unknown field '" + k + "'");
        }
        auto effect = s.find("Effect");
        if (effect == s.end() || !effect->is_string() || (*effect != "Allow" && *effect != "Deny"))
            return malformed(where + ".Effect must be \"Allow\" or \"Deny\"");
        out.allow = *effect == "Allow";
        if (s.contains("Action") == s.contains("NotAction")) return malformed(where + " must have exactly one of Action and NotAction");
        if (s.contains("Resource") == s.contains("NotResource"))
            return malformed(where + " must have exactly one of Resource and NotResource");
        out.not_action = s.contains("NotAction");
        out.not_resource = s.contains("NotResource");
        const char* action_key = out.not_action ? "NotAction" : "Action";
        auto actions = strings(s[action_key], where + "." + action_key, false);
        if (!actions) return tl::make_unexpected(std::move(actions.error()));
        for (const auto& a : *actions)
            if (a != "*" && a.find(':') == std::string::npos)
                return malformed(where + "." + action_key + ": '" + a + "' is not '*' or '<service>:<action>'");
        out.actions = std::move(*actions);
        const char* resource_key = out.not_resource ? "NotResource" : "Resource";
        auto resources = strings(s[resource_key], where + "." + resource_key, false);
        if (!resources) return tl::make_unexpected(std::move(resources.error()));
        // ARNs, "*", or (stepfn's addition) a Task resource name of the host's own, which a role
        // allows with stepfn:InvokeTask.
        for (const auto& r : *resources)
            if (r.empty()) return malformed(where + "." + resource_key + " must not be an empty string");
        out.resources = std::move(*resources);
        if (auto c = s.find("Condition"); c != s.end()) {
            if (!c->is_object()) return malformed(where + ".Condition must be an object");
            for (auto op = c->begin(); op != c->end(); ++op) {
                detail::iam_condition base;
                if (!detail::parse_condition_operator(op.key(), base))
                    return malformed(where + ".Condition: the operator '" + op.key() + "' is not supported");
                if (!op.value().is_object() || op.value().empty())
                    return malformed(where + ".Condition." + op.key() + " must be an object of condition keys");
                for (auto key = op.value().begin(); key != op.value().end(); ++key) {
                    detail::iam_condition one = base;
                    one.key = key.key();
                    auto values = strings(key.value(), where + ".Condition." + op.key() + "." + key.key(), true);
                    if (!values) return tl::make_unexpected(std::move(values.error()));
                    one.values = std::move(*values);
                    if (out.conditions.size() >= max_entries) return malformed(where + ".Condition has too many keys");
                    out.conditions.push_back(std::move(one));
                }
            }
        }
        return out;
    }

    std::vector<statement> statements_;
};

} // namespace stepfn

#endif
