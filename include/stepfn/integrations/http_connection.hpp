#ifndef STEPFN_INTEGRATIONS_HTTP_CONNECTION_HPP
#define STEPFN_INTEGRATIONS_HTTP_CONNECTION_HPP

// stepfn::http_connection: what an HTTP Task's `Authentication.ConnectionArn` refers to, as an
// EventBridge connection holds it on AWS: basic credentials, an API key, or OAuth client
// credentials, plus parameters added to every call. The host configures connections; the
// definition names them only by ARN, so no secret is ever in a definition, an input, a result,
// an error or the history.
//
// parse_http_connection reads the JSON of EventBridge's CreateConnection (AuthorizationType,
// AuthParameters); any secret there may be given as {"Env": "VARIABLE"} to read it from the
// environment instead of the file.
//
// Part of the stepfn::http target; not in <stepfn/stepfn.hpp>.

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

struct http_parameter {
    std::string key;
    std::string value;
};

struct http_connection {
    enum class authorization { none, basic, api_key, oauth_client_credentials };
    authorization type = authorization::none;
    std::string username, password;          // basic
    std::string api_key_name, api_key_value; // API key: a header name and its value
    // OAuth client credentials: the token comes from `oauth_endpoint` (client id and secret as
    // Basic authentication, grant_type=client_credentials) and is cached until it expires.
    std::string oauth_endpoint;
    std::string oauth_method = "POST";
    std::string client_id, client_secret;
    std::vector<http_parameter> oauth_headers, oauth_query, oauth_body;
    // Added to every call through the connection (InvocationHttpParameters).
    std::vector<http_parameter> invocation_headers, invocation_query, invocation_body;
};

namespace detail {

// A string, or {"Env": "NAME"} read from the environment; `where` names it in errors.
inline result<std::string> secret_text(const json& value, const std::string& where) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_object() && value.size() == 1 && value.contains("Env") && value["Env"].is_string()) {
        const std::string name = value["Env"].get<std::string>();
        const char* found = std::getenv(name.c_str());
        if (!found) return make_error(errors::runtime, where + ": the environment variable " + name + " is not set");
        return std::string(found);
    }
    return make_error(errors::runtime, where + " must be a string or {\"Env\": \"NAME\"}");
}

inline result<std::vector<http_parameter>> parameter_list(const json& parent, const char* field, const std::string& where) {
    std::vector<http_parameter> out;
    auto found = parent.find(field);
    if (found == parent.end()) return out;
    const std::string at = where + "." + field;
    if (!found->is_array()) return make_error(errors::runtime, at + " must be an array of {\"Key\", \"Value\"}");
    for (std::size_t i = 0; i < found->size(); ++i) {
        const json& item = (*found)[i];
        const std::string item_at = at + "[" + std::to_string(i) + "]";
        if (!item.is_object() || !item.contains("Key") || !item["Key"].is_string() || !item.contains("Value"))
            return make_error(errors::runtime, item_at + " must be {\"Key\": ..., \"Value\": ...}");
        const json& v = item["Value"];
        std::string text;
        if (v.is_string() || v.is_object()) {
            auto s = secret_text(v, item_at + ".Value");
            if (!s) return tl::make_unexpected(std::move(s.error()));
            text = std::move(*s);
        } else if (v.is_number() || v.is_boolean()) {
            text = v.dump();
        } else {
            return make_error(errors::runtime, item_at + ".Value must be a string, number or boolean");
        }
        out.push_back(http_parameter{item["Key"].get<std::string>(), std::move(text)});
    }
    return out;
}

inline result<void> read_parameters(const json& parent, const std::string& where, std::vector<http_parameter>& headers,
                                    std::vector<http_parameter>& query, std::vector<http_parameter>& body) {
    for (auto [field, target] : {std::pair<const char*, std::vector<http_parameter>*>{"HeaderParameters", &headers},
                                 {"QueryStringParameters", &query},
                                 {"BodyParameters", &body}}) {
        auto list = parameter_list(parent, field, where);
        if (!list) return tl::make_unexpected(std::move(list.error()));
        *target = std::move(*list);
    }
    return {};
}

inline result<std::string> required_secret(const json& parent, const char* field, const std::string& where) {
    if (!parent.is_object() || !parent.contains(field)) return make_error(errors::runtime, where + "." + field + " is required");
    return secret_text(parent[field], where + "." + field);
}

} // namespace detail

// An EventBridge connection's JSON (CreateConnection's AuthorizationType and AuthParameters).
// Errors name the field, never a secret's value.
inline result<http_connection> parse_http_connection(const json& config) {
    using detail::required_secret;
    http_connection c;
    if (!config.is_object()) return make_error(errors::runtime, "a connection must be an object");
    const std::string type = config.value("AuthorizationType", std::string());
    const json empty = json::object();
    auto params_at = config.find("AuthParameters");
    const json& params = (params_at != config.end() && params_at->is_object()) ? *params_at : empty;
    auto section = [&](const char* name) -> const json& {
        auto it = params.find(name);
        return (it != params.end() && it->is_object()) ? *it : empty;
    };
    if (type == "BASIC") {
        c.type = http_connection::authorization::basic;
        const json& basic = section("BasicAuthParameters");
        auto user = required_secret(basic, "Username", "AuthParameters.BasicAuthParameters");
        if (!user) return tl::make_unexpected(std::move(user.error()));
        auto pass = required_secret(basic, "Password", "AuthParameters.BasicAuthParameters");
        if (!pass) return tl::make_unexpected(std::move(pass.error()));
        c.username = std::move(*user);
        c.password = std::move(*pass);
    } else if (type == "API_KEY") {
        c.type = http_connection::authorization::api_key;
        const json& key = section("ApiKeyAuthParameters");
        auto name = required_secret(key, "ApiKeyName", "AuthParameters.ApiKeyAuthParameters");
        if (!name) return tl::make_unexpected(std::move(name.error()));
        auto value = required_secret(key, "ApiKeyValue", "AuthParameters.ApiKeyAuthParameters");
        if (!value) return tl::make_unexpected(std::move(value.error()));
        c.api_key_name = std::move(*name);
        c.api_key_value = std::move(*value);
    } else if (type == "OAUTH_CLIENT_CREDENTIALS") {
        c.type = http_connection::authorization::oauth_client_credentials;
        const json& oauth = section("OAuthParameters");
        const std::string at = "AuthParameters.OAuthParameters";
        auto endpoint = required_secret(oauth, "AuthorizationEndpoint", at);
        if (!endpoint) return tl::make_unexpected(std::move(endpoint.error()));
        c.oauth_endpoint = std::move(*endpoint);
        c.oauth_method = oauth.value("HttpMethod", std::string("POST"));
        const json client = oauth.contains("ClientParameters") ? oauth["ClientParameters"] : empty;
        auto id = required_secret(client, "ClientID", at + ".ClientParameters");
        if (!id) return tl::make_unexpected(std::move(id.error()));
        auto secret = required_secret(client, "ClientSecret", at + ".ClientParameters");
        if (!secret) return tl::make_unexpected(std::move(secret.error()));
        c.client_id = std::move(*id);
        c.client_secret = std::move(*secret);
        if (oauth.contains("OAuthHttpParameters") && oauth["OAuthHttpParameters"].is_object()) {
            auto read = detail::read_parameters(oauth["OAuthHttpParameters"], at + ".OAuthHttpParameters", c.oauth_headers,
                                                c.oauth_query, c.oauth_body);
            if (!read) return tl::make_unexpected(std::move(read.error()));
        }
    } else if (!type.empty()) {
        return make_error(errors::runtime, "AuthorizationType must be BASIC, API_KEY or OAUTH_CLIENT_CREDENTIALS");
    }
    const json& invocation = section("InvocationHttpParameters");
    auto read = detail::read_parameters(invocation, "AuthParameters.InvocationHttpParameters", c.invocation_headers,
                                        c.invocation_query, c.invocation_body);
    if (!read) return tl::make_unexpected(std::move(read.error()));
    return c;
}

} // namespace stepfn

#endif
