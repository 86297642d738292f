#ifndef STEPFN_POLICIES_POLICY_AUTHORIZER_HPP
#define STEPFN_POLICIES_POLICY_AUTHORIZER_HPP

// An authoriser over IAM-style policy documents attached to principals and groups, as IAM
// attaches identity policies to users and groups:
//
//   auto authz = stepfn::policy_authorizer::from_json(json::parse(R"([
//     {"principals": ["arn:aws:iam::123456789012:user/ci"], "document": {...}},
//     {"groups": ["operators"], "document": {...}}])"));
//
// A request is decided over every policy attached to the principal's id or one of its groups:
// an explicit Deny anywhere wins, else an Allow anywhere allows, else it is denied (default
// deny). The principal's claims are the condition keys aws:PrincipalTag/<claim>; its id is
// aws:PrincipalArn and aws:userid. A denial is AccessDeniedException with AWS's message.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/json.hpp>
#include <stepfn/policies/authorizer.hpp>
#include <stepfn/policies/iam_policy.hpp>

namespace stepfn {

struct policy_attachment {
    std::vector<std::string> principals;  // principal ids (wildcards allowed: "arn:aws:iam::123456789012:user/*")
    std::vector<std::string> groups;      // group names, exactly
    iam_policy document;
};

class policy_authorizer final : public authorizer {
public:
    using authorizer::authorize;

    explicit policy_authorizer(std::vector<policy_attachment> attachments) : attachments_(std::move(attachments)) {}

    // The "policies" list of `stepfn serve --auth FILE`: [{"principals": [...] | "groups": [...],
    // "document": <IAM policy>}]. Errors name the entry.
    static result<policy_authorizer> from_json(const json& list) {
        if (!list.is_array()) return make_error("InvalidPolicies", "\"policies\" must be a list");
        std::vector<policy_attachment> out;
        std::size_t index = 0;
        for (const auto& entry : list) {
            const std::string where = "policies[" + std::to_string(index++) + "]";
            if (!entry.is_object()) return make_error("InvalidPolicies", where + " must be an object");
            policy_attachment a{{}, {}, {}};
            for (const char* key : {"principals", "groups"}) {
                auto it = entry.find(key);
                if (it == entry.end()) continue;
                if (!it->is_array()) return make_error("InvalidPolicies", where + "." + key + " must be a list of strings");
                for (const auto& v : *it) {
                    if (!v.is_string() || v.get_ref<const std::string&>().empty())
                        return make_error("InvalidPolicies", where + "." + key + " must be a list of non-empty strings");
                    (std::string(key) == "principals" ? a.principals : a.groups).push_back(v.get<std::string>());
                }
            }
            if (a.principals.empty() && a.groups.empty())
                return make_error("InvalidPolicies", where + " must name \"principals\" or \"groups\"");
            auto document = entry.find("document");
            if (document == entry.end()) return make_error("InvalidPolicies", where + " has no \"document\"");
            auto parsed = iam_policy::parse(*document);
            if (!parsed) return make_error("InvalidPolicies", where + ".document: " + parsed.error().cause);
            a.document = std::move(*parsed);
            out.push_back(std::move(a));
        }
        return policy_authorizer(std::move(out));
    }

    result<void> authorize(const principal& who, const access_request& request) const override {
        const access_request* asked = &request;
        access_request with_principal;
        if (!who.id.empty() || !who.claims.empty()) {
            // The principal's keys join the request's own (which win: a caller cannot set them).
            with_principal = request;
            with_principal.context.emplace("aws:PrincipalArn", std::vector<std::string>{who.id});
            with_principal.context.emplace("aws:userid", std::vector<std::string>{who.id});
            for (const auto& claim : who.claims) with_principal.context.emplace("aws:PrincipalTag/" + claim.first, claim.second);
            asked = &with_principal;
        }
        bool allowed = false;
        for (const auto& a : attachments_) {
            if (!attached_to(a, who)) continue;
            const policy_effect e = a.document.evaluate(*asked);
            if (e == policy_effect::deny) return denied(who, request, "with an explicit deny in an identity-based policy");
            if (e == policy_effect::allow) allowed = true;
        }
        if (allowed) return {};
        return denied(who, request, "because no identity-based policy allows the " + request.action + " action");
    }

    std::size_t size() const noexcept { return attachments_.size(); }

private:
    static bool attached_to(const policy_attachment& a, const principal& who) {
        for (const auto& p : a.principals)
            if (!who.id.empty() && detail::wildcard_match(p, who.id)) return true;
        for (const auto& g : a.groups)
            for (const auto& mine : who.groups)
                if (g == mine) return true;
        return false;
    }

    // AWS's shape: "User: <arn> is not authorized to perform: <action> on resource: <arn> <why>".
    static result<void> denied(const principal& who, const access_request& request, const std::string& why) {
        return make_error(access_denied, "User: " + (who.id.empty() ? std::string("anonymous") : who.id) +
                                             " is not authorized to perform: " + request.action + " on resource: " +
                                             request.resource + " " + why);
    }

    std::vector<policy_attachment> attachments_;
};

} // namespace stepfn

#endif
