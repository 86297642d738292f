#ifndef STEPFN_INTEGRATIONS_AUTH_CONFIG_HPP
#define STEPFN_INTEGRATIONS_AUTH_CONFIG_HPP

// The security configuration of `stepfn serve --auth FILE` (target stepfn::auth; docs/security.md)
// and what it builds: an authenticator (SigV4 access keys, OIDC providers) and an authoriser
// (policies attached to principals and groups). The file:
//
//   {"access_keys": [{"access_key_id": "AKIA...", "secret_access_key": "...", "session_token": "...",
//                     "expires": "2026-12-05T12:00:00Z", "principal": "arn:aws:iam::123456789012:user/ci"}],
//    "oidc": [{"issuer": "https://example.okta.com/oauth2/default", "audience": "api://stepfn",
//              "jwks_uri": "https://example.okta.com/oauth2/default/v1/keys",
//              "principal_claim": "sub", "groups_claim": "groups"}],
//    "policies": [{"principals": ["arn:aws:iam::123456789012:user/ci"], "document": {<IAM policy>}},
//                 {"groups": ["operators"], "document": {<IAM policy>}}],
//    "roles": {"arn:aws:iam::123456789012:role/orders": {<IAM policy>}}}

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/timestamp_impl.hpp>
#include <stepfn/integrations/auth_handler.hpp>
#include <stepfn/integrations/jwt_verifier.hpp>
#include <stepfn/integrations/sigv4_verifier.hpp>
#include <stepfn/json.hpp>
#include <stepfn/policies/iam_policy.hpp>
#include <stepfn/policies/policy_authorizer.hpp>

namespace stepfn {

struct auth_config {
    std::vector<access_key> access_keys;
    std::vector<oidc_provider> oidc;
    std::shared_ptr<policy_authorizer> policies;
    std::map<std::string, iam_policy> roles;  // execution roles by ARN
};

namespace detail {

inline result<std::string> config_string(const json& o, const char* key, const std::string& where, bool required) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
        if (required) return make_error("InvalidAuthConfig", where + " has no \"" + key + "\"");
        return std::string();
    }
    if (!it->is_string() || (required && it->get_ref<const std::string&>().empty()))
        return make_error("InvalidAuthConfig", where + "." + key + " must be a non-empty string");
    return it->get<std::string>();
}

} // namespace detail

// Reads the configuration. Errors name the entry and field, never a secret's value.
inline result<auth_config> parse_auth_config(const json& file) {
    if (!file.is_object()) return make_error("InvalidAuthConfig", "the auth configuration must be a JSON object");
    for (auto it = file.begin(); it != file.end(); ++it)
        if (it.key() != "access_keys" && it.key() != "oidc" && it.key() != "policies" && it.key() != "roles")
            return make_error("InvalidAuthConfig", "the auth configuration has an unknown field '" + it.key() + "'");
    auth_config out;
    if (auto keys = file.find("access_keys"); keys != file.end()) {
        if (!keys->is_array()) return make_error("InvalidAuthConfig", "access_keys must be a list");
        std::size_t index = 0;
        for (const auto& k : *keys) {
            const std::string where = "access_keys[" + std::to_string(index++) + "]";
            if (!k.is_object()) return make_error("InvalidAuthConfig", where + " must be an object");
            access_key key;
            auto id = detail::config_string(k, "access_key_id", where, true);
            auto secret = detail::config_string(k, "secret_access_key", where, true);
            auto token = detail::config_string(k, "session_token", where, false);
            auto who = detail::config_string(k, "principal", where, true);
            auto expires = detail::config_string(k, "expires", where, false);
            for (auto* r : {&id, &secret, &token, &who, &expires})
                if (!*r) return tl::make_unexpected(std::move(r->error()));
            key.access_key_id = std::move(*id);
            key.secret_access_key = std::move(*secret);
            key.session_token = std::move(*token);
            key.who.id = std::move(*who);
            if (!expires->empty()) {
                auto at = detail::parse_rfc3339(*expires);
                if (!at) return make_error("InvalidAuthConfig", where + ".expires must be an RFC 3339 timestamp");
                key.expires = detail::to_time_point(*at);
            }
            if (auto groups = k.find("groups"); groups != k.end() && groups->is_array())
                for (const auto& g : *groups)
                    if (g.is_string()) key.who.groups.push_back(g.get<std::string>());
            out.access_keys.push_back(std::move(key));
        }
    }
    if (auto providers = file.find("oidc"); providers != file.end()) {
        if (!providers->is_array()) return make_error("InvalidAuthConfig", "oidc must be a list");
        std::size_t index = 0;
        for (const auto& p : *providers) {
            const std::string where = "oidc[" + std::to_string(index++) + "]";
            if (!p.is_object()) return make_error("InvalidAuthConfig", where + " must be an object");
            oidc_provider provider;
            auto issuer = detail::config_string(p, "issuer", where, true);
            auto audience = detail::config_string(p, "audience", where, true);
            auto file_name = detail::config_string(p, "jwks_file", where, false);
            auto uri = detail::config_string(p, "jwks_uri", where, false);
            auto principal_claim = detail::config_string(p, "principal_claim", where, false);
            auto groups_claim = detail::config_string(p, "groups_claim", where, false);
            for (auto* r : {&issuer, &audience, &file_name, &uri, &principal_claim, &groups_claim})
                if (!*r) return tl::make_unexpected(std::move(r->error()));
            if (file_name->empty() == uri->empty())
                return make_error("InvalidAuthConfig", where + " must have exactly one of \"jwks_file\" and \"jwks_uri\"");
            provider.issuer = std::move(*issuer);
            provider.audience = std::move(*audience);
            provider.jwks_file = std::move(*file_name);
            provider.jwks_uri = std::move(*uri);
            if (!principal_claim->empty()) provider.principal_claim = std::move(*principal_claim);
            if (!groups_claim->empty()) provider.groups_claim = std::move(*groups_claim);
            out.oidc.push_back(std::move(provider));
        }
    }
    auto policies = policy_authorizer::from_json(file.value("policies", json::array()));
    if (!policies) return make_error("InvalidAuthConfig", policies.error().cause);
    out.policies = std::make_shared<policy_authorizer>(std::move(*policies));
    if (auto roles = file.find("roles"); roles != file.end()) {
        if (!roles->is_object()) return make_error("InvalidAuthConfig", "roles must be an object of role ARN to IAM policy");
        for (auto it = roles->begin(); it != roles->end(); ++it) {
            auto policy = iam_policy::parse(it.value());
            if (!policy) return make_error("InvalidAuthConfig", "roles[\"" + it.key() + "\"]: " + policy.error().cause);
            out.roles.emplace(it.key(), std::move(*policy));
        }
    }
    return out;
}

// Reads a JWKS (or any) file: the fetcher for oidc_provider::jwks_file.
inline result<std::string> read_key_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("FileNotReadable", "cannot read '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The authenticator of a configuration: `Authorization: AWS4-HMAC-SHA256 ...` through the access
// keys, `Authorization: Bearer <JWT>` through the OIDC provider whose issuer the token names.
// `fetch_uri` fetches a jwks_uri (null: a provider with one fails its tokens); `now` is the
// clock (system_clock by default).
class caller_authenticator {
public:
    caller_authenticator(const auth_config& config, sigv4_options sigv4, jwks_fetcher fetch_uri,
                         std::function<std::chrono::system_clock::time_point()> now = {})
        : sigv4_(config.access_keys, std::move(sigv4)), now_(now ? std::move(now) : [] { return std::chrono::system_clock::now(); }) {
        for (const auto& p : config.oidc) {
            jwks_fetcher fetch = p.jwks_uri.empty() ? jwks_fetcher(read_key_file) : fetch_uri;
            jwts_.push_back(std::make_unique<jwt_verifier>(p, std::move(fetch)));
        }
    }

    result<principal> operator()(const api_caller& caller, std::string_view body) const {
        const std::string* header = caller.header("authorization");
        if (!header) return make_error("MissingAuthenticationTokenException", "Missing Authentication Token");
        if (header->rfind("Bearer ", 0) == 0) {
            const std::string_view token = std::string_view(*header).substr(7);
            const std::string issuer = jwt_verifier::peek_issuer(token);
            for (const auto& v : jwts_) {
                if (v->provider().issuer != issuer) continue;
                auto who = v->verify(token, now_());
                if (who) return who;
                // The reason is safe to tell (no key material), and saves an operator an hour.
                return make_error("UnrecognizedClientException", "The bearer token is not valid: " + who.error().cause);
            }
            return make_error("UnrecognizedClientException", "The bearer token is not valid: its issuer is not configured");
        }
        return sigv4_.verify(caller, body, now_());
    }

    // Fetches every provider's keys now: a bad file or URI is reported at start.
    result<void> preload() const {
        for (const auto& v : jwts_)
            if (auto ok = v->refresh(); !ok) return ok;
        return {};
    }

private:
    sigv4_verifier sigv4_;
    std::vector<std::unique_ptr<jwt_verifier>> jwts_;
    std::function<std::chrono::system_clock::time_point()> now_;
};

} // namespace stepfn

#endif
