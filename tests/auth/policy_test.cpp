// IAM-style policy documents and the policy authoriser: allow, deny, wildcards, NotAction and
// NotResource, conditions on tags and on the principal's claims, explicit deny over allow,
// default deny, and malformed documents refused with where.

#include "catch.hpp"

#include <string>

#include <stepfn/policies/iam_policy.hpp>
#include <stepfn/policies/policy_authorizer.hpp>

namespace policy_test {

using stepfn::access_request;
using stepfn::iam_policy;
using stepfn::json;
using stepfn::policy_effect;

namespace {

const std::string machine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";

iam_policy policy(const char* text) {
    auto p = iam_policy::parse(std::string_view(text));
    if (!p) FAIL(p.error().cause);
    return *p;
}

access_request ask(std::string action, std::string resource) {
    access_request r;
    r.action = std::move(action);
    r.resource = std::move(resource);
    return r;
}

} // namespace

TEST_CASE("an Allow statement allows exactly its actions on its resources", "[auth][policy]") {
    auto p = policy(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:StartExecution",
        "Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:orders"}})");
    CHECK(p.evaluate(ask("states:StartExecution", machine)) == policy_effect::allow);
    CHECK(p.evaluate(ask("states:startexecution", machine)) == policy_effect::allow);  // actions ignore case
    CHECK(p.evaluate(ask("states:StopExecution", machine)) == policy_effect::not_applicable);
    CHECK(p.evaluate(ask("states:StartExecution", machine + "2")) == policy_effect::not_applicable);
    CHECK(p.evaluate(ask("states:StartExecution", "arn:aws:states:us-east-1:123456789012:stateMachine:Orders")) ==
          policy_effect::not_applicable);  // resources do not
}

TEST_CASE("* and ? match in actions and resources", "[auth][policy]") {
    auto p = policy(R"({"Statement":[{"Effect":"Allow","Action":["states:Describe*","states:List?xecutions"],
        "Resource":"arn:aws:states:*:123456789012:*:orders*"}]})");
    CHECK(p.evaluate(ask("states:DescribeExecution", "arn:aws:states:eu-west-1:123456789012:execution:orders:run-1")) == policy_effect::allow);
    CHECK(p.evaluate(ask("states:ListExecutions", machine)) == policy_effect::allow);
    CHECK(p.evaluate(ask("states:ListStateMachines", machine)) == policy_effect::not_applicable);
    CHECK(p.evaluate(ask("states:DescribeExecution", "arn:aws:states:eu-west-1:999999999999:execution:orders:run-1")) ==
          policy_effect::not_applicable);
    CHECK(stepfn::detail::wildcard_match("a*b*c", "aXXbYYc"));
    CHECK(stepfn::detail::wildcard_match("a?c", "abc"));
    CHECK_FALSE(stepfn::detail::wildcard_match("a?c", "ac"));
    CHECK(stepfn::detail::wildcard_match("**", ""));
    // Many stars against a long text that never matches: bounded work, an answer.
    CHECK_FALSE(stepfn::detail::wildcard_match(std::string(500, '*') + "b", std::string(2000, 'a')));
}

TEST_CASE("NotAction and NotResource apply to everything else", "[auth][policy]") {
    auto p = policy(R"({"Statement":[{"Effect":"Allow","NotAction":"states:Delete*","NotResource":"arn:aws:states:*:*:activity:*"}]})");
    CHECK(p.evaluate(ask("states:StartExecution", machine)) == policy_effect::allow);
    CHECK(p.evaluate(ask("states:DeleteStateMachine", machine)) == policy_effect::not_applicable);
    CHECK(p.evaluate(ask("states:StartExecution", "arn:aws:states:us-east-1:123456789012:activity:a")) == policy_effect::not_applicable);
}

TEST_CASE("an explicit Deny wins over any Allow", "[auth][policy]") {
    auto p = policy(R"({"Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"},
        {"Effect":"Deny","Action":"states:DeleteStateMachine","Resource":"*"}]})");
    CHECK(p.evaluate(ask("states:StartExecution", machine)) == policy_effect::allow);
    CHECK(p.evaluate(ask("states:DeleteStateMachine", machine)) == policy_effect::deny);
}

TEST_CASE("conditions on resource tags and principal claims", "[auth][policy]") {
    auto p = policy(R"({"Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*",
        "Condition":{"StringEquals":{"aws:ResourceTag/team":["payments","billing"]},
                     "StringLike":{"aws:PrincipalTag/email":"*@example.com"}}}]})");
    auto r = ask("states:StartExecution", machine);
    CHECK(p.evaluate(r) == policy_effect::not_applicable);  // a missing key: the condition is false
    r.context["aws:resourcetag/TEAM"] = {"payments"};       // key names ignore case
    CHECK(p.evaluate(r) == policy_effect::not_applicable);
    r.context["aws:PrincipalTag/email"] = {"ana@example.com"};
    CHECK(p.evaluate(r) == policy_effect::allow);
    r.context["aws:ResourceTag/team"] = {"Payments"};       // values do not
    CHECK(p.evaluate(r) == policy_effect::not_applicable);
}

TEST_CASE("negated operators, IfExists, Null, Bool and the set qualifiers", "[auth][policy]") {
    auto deny_unless = policy(R"({"Statement":[{"Effect":"Deny","Action":"*","Resource":"*",
        "Condition":{"StringNotEquals":{"aws:ResourceTag/env":"dev"}}}]})");
    auto r = ask("states:StartExecution", machine);
    CHECK(deny_unless.evaluate(r) == policy_effect::deny);  // missing key: a negated operator holds
    r.context["aws:ResourceTag/env"] = {"dev"};
    CHECK(deny_unless.evaluate(r) == policy_effect::not_applicable);

    auto if_exists = policy(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*",
        "Condition":{"StringEqualsIfExists":{"aws:ResourceTag/env":"dev"}}}})");
    CHECK(if_exists.evaluate(ask("states:X", "*")) == policy_effect::allow);
    auto prod = ask("states:X", "*");
    prod.context["aws:ResourceTag/env"] = {"prod"};
    CHECK(if_exists.evaluate(prod) == policy_effect::not_applicable);

    auto untagged = policy(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:ResourceTag/env":"true"}}}})");
    CHECK(untagged.evaluate(ask("states:X", "*")) == policy_effect::allow);
    CHECK(untagged.evaluate(prod) == policy_effect::not_applicable);

    auto mfa = policy(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}}})");
    auto secure = ask("states:X", "*");
    secure.context["aws:SecureTransport"] = {"TRUE"};
    CHECK(mfa.evaluate(secure) == policy_effect::allow);

    auto only_allowed_keys = policy(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*",
        "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}}})");
    auto tagging = ask("states:TagResource", machine);
    tagging.context["aws:TagKeys"] = {"team", "env"};
    CHECK(only_allowed_keys.evaluate(tagging) == policy_effect::allow);
    tagging.context["aws:TagKeys"].push_back("owner");
    CHECK(only_allowed_keys.evaluate(tagging) == policy_effect::not_applicable);

    auto any_admin = policy(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*",
        "Condition":{"ForAnyValue:StringLike":{"aws:PrincipalTag/roles":"admin*"}}}})");
    auto roles = ask("states:X", "*");
    CHECK(any_admin.evaluate(roles) == policy_effect::not_applicable);
    roles.context["aws:PrincipalTag/roles"] = {"reader", "admin-eu"};
    CHECK(any_admin.evaluate(roles) == policy_effect::allow);
}

TEST_CASE("malformed documents are refused, saying where", "[auth][policy]") {
    auto bad = [](const char* text) {
        auto p = iam_policy::parse(std::string_view(text));
        REQUIRE_FALSE(p);
        CHECK(p.error().name == "MalformedPolicyDocument");
        return p.error().cause;
    };
    CHECK(bad("[]") == "the policy document must be a JSON object");
    CHECK(bad(R"({"Statement":[{"Effect":"Permit","Action":"*","Resource":"*"}]})") == "Statement[0].Effect must be \"Allow\" or \"Deny\"");
    CHECK(bad(R"({"Statement":[{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}]})") ==
          "Statement[0] must have exactly one of Action and NotAction");
    CHECK(bad(R"({"Statement":[{"Effect":"Allow","Action":"*"}]})") == "Statement[0] must have exactly one of Resource and NotResource");
    CHECK(bad(R"({"Statement":[{"Effect":"Allow","Action":"StartExecution","Resource":"*"}]})") ==
          "Statement[0].Action: 'StartExecution' is not '*' or '<service>:<action>'");
    CHECK(bad(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}})") ==
          "Statement[0]: an identity-based policy must not name a Principal");
    CHECK(bad(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"k":"1"}}}})") ==
          "Statement[0].Condition: the operator 'NumericLessThan' is not supported");
    CHECK(bad(R"({"Version":"2020-01-01","Statement":[]})") == "Version must be \"2012-10-17\" or \"2008-10-17\"");
    CHECK(bad("{not json") == "the policy document is not valid JSON");
}

TEST_CASE("the policy authoriser: attachments by principal and group, default deny, AWS's message", "[auth][policy]") {
    auto authz = stepfn::policy_authorizer::from_json(json::parse(R"([
        {"principals":["arn:aws:iam::123456789012:user/ci-*"],
         "document":{"Statement":{"Effect":"Allow","Action":["states:StartExecution","states:Describe*"],"Resource":"*"}}},
        {"groups":["operators"],
         "document":{"Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"},
                                  {"Effect":"Deny","Action":"states:DeleteStateMachine","Resource":"*",
                                   "Condition":{"StringNotEquals":{"aws:PrincipalTag/level":"senior"}}}]}}])"));
    REQUIRE(authz);
    stepfn::principal ci{"arn:aws:iam::123456789012:user/ci-build", {}, {}, "sigv4", {}};
    CHECK(authz->authorize(ci, "states:StartExecution", machine));
    auto denied = authz->authorize(ci, "states:StopExecution", machine + ":run");
    REQUIRE_FALSE(denied);
    CHECK(denied.error().name == "AccessDeniedException");
    CHECK(denied.error().cause == "User: arn:aws:iam::123456789012:user/ci-build is not authorized to perform: states:StopExecution on "
                                  "resource: arn:aws:states:us-east-1:123456789012:stateMachine:orders:run because no "
                                  "identity-based policy allows the states:StopExecution action");

    stepfn::principal ops{"alice", {"operators"}, {{"level", {"junior"}}}, "oidc", {}};
    CHECK(authz->authorize(ops, "states:StopExecution", machine));
    auto deleting = authz->authorize(ops, "states:DeleteStateMachine", machine);
    REQUIRE_FALSE(deleting);
    CHECK(deleting.error().cause == "User: alice is not authorized to perform: states:DeleteStateMachine on resource: " + machine +
                                        " with an explicit deny in an identity-based policy");
    ops.claims["level"] = {"senior"};
    CHECK(authz->authorize(ops, "states:DeleteStateMachine", machine));

    stepfn::principal nobody{};
    CHECK_FALSE(authz->authorize(nobody, "states:ListStateMachines", "*"));

    auto wrong = stepfn::policy_authorizer::from_json(json::parse(R"([{"groups":["g"],"document":{"Statement":{"Effect":"Allow"}}}])"));
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().cause == "policies[0].document: Statement[0] must have exactly one of Action and NotAction");
}
} // namespace policy_test
