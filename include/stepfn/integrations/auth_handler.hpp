#ifndef STEPFN_INTEGRATIONS_AUTH_HANDLER_HPP
#define STEPFN_INTEGRATIONS_AUTH_HANDLER_HPP

// Puts authentication in front of any api_handler (target stepfn::auth; docs/security.md): each
// call is authenticated first (SigV4, a bearer token, whatever `authenticate` does) and reaches
// the handler with api_caller::identity set, where the API's authoriser decides; a call that
// fails authentication is answered with the authenticator's AWS exception and never reaches it.
//
//   api_server server(stepfn::authenticating_handler(api.handler(), authenticate), options);

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/api/api_call.hpp>
#include <stepfn/error.hpp>
#include <stepfn/policies/authorizer.hpp>
#include <stepfn/principal.hpp>

namespace stepfn {

// The identity of a caller, or an error whose name is the AWS exception to answer
// (UnrecognizedClientException, InvalidSignatureException, ...) and whose cause is its message.
using api_authenticator = std::function<result<principal>(const api_caller& caller, std::string_view body)>;

// Whether an address (as api_caller::address spells it, "127.0.0.1:5000" or "[::1]:5000") is
// this machine's loopback.
inline bool is_loopback_address(std::string_view address) {
    return address.rfind("127.", 0) == 0 || address.rfind("[::1]", 0) == 0 || address.rfind("[::ffff:127.", 0) == 0;
}

inline api_handler authenticating_handler(api_handler inner, api_authenticator authenticate) {
    return [inner = std::move(inner), authenticate = std::move(authenticate)](std::string_view action, std::string body, api_caller caller,
                                                                              api_reply_handler reply) {
        caller.identity.reset();  // only the authenticator says who a caller is
        auto who = authenticate(caller, body);
        if (!who) {
            // AWS answers authentication failures of the JSON protocol with 400, or 403 for a
            // missing token; the SDKs read the exception name from __type.
            const unsigned status = who.error().name == "MissingAuthenticationTokenException" ? 403 : 400;
            reply(api_error_reply(status, who.error().name, who.error().cause));
            return;
        }
        caller.identity = std::move(*who);
        inner(action, std::move(body), std::move(caller), std::move(reply));
    };
}

// Without authentication configured: calls from loopback only, as the anonymous principal.
inline api_handler loopback_only_handler(api_handler inner) {
    return authenticating_handler(std::move(inner), [](const api_caller& caller, std::string_view) -> result<principal> {
        if (!is_loopback_address(caller.address))
            return make_error("UnrecognizedClientException",
                              "This server has no authentication configured (stepfn serve --auth) and accepts calls from loopback only");
        principal local;
        local.authenticated_by = "loopback";
        return local;
    });
}

// The IAM-style action a caller needs to read GET /metrics when the server authenticates.
inline constexpr const char* get_metrics_action = "stepfn:GetMetrics";

namespace detail {
// Equal texts, in a time that does not depend on where they differ (a secret is compared).
inline bool same_secret(std::string_view a, std::string_view b) noexcept {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b.empty() ? 0 : b[i % b.size()])));
    return diff == 0;
}
} // namespace detail

// stepfn serve's rule for GET /metrics (api_server_options::metrics_access), the API's own:
// without an authenticator, callers from loopback only; with one, callers it authenticates
// (the request is a GET: SigV4 signs an empty body; a bearer token in Authorization) whom
// `policies` allow stepfn:GetMetrics on "*" (no policies: every authenticated caller). A
// non-empty `scraper_token` also lets in, from anywhere, a caller that sends
// `Authorization: Bearer <scraper_token>` (a Prometheus job's credentials_file).
inline std::function<result<void>(const api_caller&)> metrics_access_rule(api_authenticator authenticate,
                                                                          std::shared_ptr<const authorizer> policies,
                                                                          std::string scraper_token = {}) {
    return [authenticate = std::move(authenticate), policies = std::move(policies),
            scraper_token = std::move(scraper_token)](const api_caller& caller) -> result<void> {
        if (!scraper_token.empty()) {
            const std::string* header = caller.header("authorization");
            constexpr std::string_view bearer = "Bearer ";
            if (header && header->size() > bearer.size() && header->compare(0, bearer.size(), bearer) == 0 &&
                detail::same_secret(std::string_view(*header).substr(bearer.size()), scraper_token))
                return {};
        }
        if (!authenticate) {
            if (is_loopback_address(caller.address)) return {};
            return make_error("AccessDeniedException",
                              "This server has no authentication configured (stepfn serve --auth): GET /metrics is answered to loopback only");
        }
        auto who = authenticate(caller, std::string_view());
        if (!who) return tl::make_unexpected(std::move(who.error()));
        if (!policies) return {};
        return policies->authorize(*who, get_metrics_action, "*");
    };
}

} // namespace stepfn

#endif
