#ifndef STEPFN_INTEGRATIONS_HTTP_CLIENT_CREDENTIALS_HPP
#define STEPFN_INTEGRATIONS_HTTP_CLIENT_CREDENTIALS_HPP

// A credentials provider for OIDC/OAuth 2.0 client credentials (RFC 6749 section 4.4; target
// stepfn::http): POSTs grant_type=client_credentials to the token endpoint with the client's id
// and secret (HTTP Basic), and gives the access token as a bearer token that expires after
// expires_in. One client per role (by ARN), or one for every role under "".

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <stepfn/detail/base64.hpp>
#include <stepfn/integrations/http_fetch.hpp>
#include <stepfn/json.hpp>
#include <stepfn/policies/credentials_provider.hpp>

namespace stepfn {

struct oauth_client {
    std::string token_endpoint;
    std::string client_id;
    std::string client_secret;
    std::string scope;  // optional
};

class client_credentials_provider final : public credentials_provider {
public:
    client_credentials_provider(http_client& http, std::map<std::string, oauth_client> by_role,
                                std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); })
        : http_(http), by_role_(std::move(by_role)), now_(std::move(now)) {}

    result<credentials> fetch(const std::string& role_arn) override {
        auto found = by_role_.find(role_arn);
        if (found == by_role_.end()) found = by_role_.find("");
        if (found == by_role_.end()) return make_error("CredentialsUnavailable", "no OAuth client is configured for the role " + role_arn);
        const oauth_client& c = found->second;
        http_request request;
        request.method = "POST";
        request.url = c.token_endpoint;
        request.timeout = std::chrono::milliseconds(10000);
        request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        request.headers.emplace_back("Accept", "application/json");
        request.headers.emplace_back("Authorization", "Basic " + detail::base64_encode(c.client_id + ":" + c.client_secret));
        request.body = "grant_type=client_credentials";
        if (!c.scope.empty()) request.body += "&scope=" + c.scope;
        auto answer = std::make_shared<std::promise<result<http_response>>>();
        auto got = answer->get_future();
        http_.send(std::move(request), [answer](result<http_response> r) { answer->set_value(std::move(r)); });
        result<http_response> r = got.get();
        if (!r) return make_error("CredentialsUnavailable", "the token endpoint " + c.token_endpoint + " could not be reached");
        if (r->status != 200) return make_error("CredentialsUnavailable", "the token endpoint " + c.token_endpoint + " answered " + std::to_string(r->status));
        json body = json::parse(r->body, nullptr, false);
        if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string())
            return make_error("CredentialsUnavailable", "the token endpoint " + c.token_endpoint + " answered without an access_token");
        credentials out;
        out.bearer_token = body["access_token"].get<std::string>();
        if (auto in = body.find("expires_in"); in != body.end() && in->is_number_integer() && in->get<long long>() > 0)
            out.expires = now_() + std::chrono::seconds(in->get<long long>());
        return out;
    }

private:
    http_client& http_;
    std::map<std::string, oauth_client> by_role_;
    std::function<std::chrono::system_clock::time_point()> now_;
};

} // namespace stepfn

#endif
