// OIDC bearer tokens: JWTs made here with keys OpenSSL generates for the test, verified against
// a JWKS; every forgery and stale token refused; the JWKS served on loopback and rotated.

#include "catch.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "auth/jwt_support.hpp"

#include <stepfn/integrations/auth_config.hpp>
#include <stepfn/integrations/jwt_verifier.hpp>
#if defined(STEPFN_WITH_HTTP)
#include <stepfn/integrations/http_client_credentials.hpp>
#include <stepfn/integrations/http_fetch.hpp>
#endif
#if defined(STEPFN_WITH_HTTP) && defined(STEPFN_PYTHON)
#include "servers/test_server.hpp"
#endif

namespace jwt_openssl_test {

using namespace std::chrono_literals;
using stepfn::json;

namespace {

const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1764936000));
const long long t = 1764936000;
const std::string issuer = "https://idp.example.test/oauth2/default";

stepfn::oidc_provider provider() {
    stepfn::oidc_provider p;
    p.issuer = issuer;
    p.audience = "api://stepfn";
    p.jwks_file = "keys.json";
    p.min_refresh_interval = 0s;
    return p;
}

json claims() {
    return {{"iss", issuer}, {"aud", "api://stepfn"}, {"sub", "00u1ana"}, {"exp", t + 3600}, {"iat", t}, {"nbf", t - 10},
            {"groups", {"operators", "everyone"}}, {"email", "ana@example.test"}};
}

std::string reason(const stepfn::result<stepfn::principal>& r) {
    REQUIRE_FALSE(r);
    return r.error().name + ": " + r.error().cause;
}

} // namespace

TEST_CASE("JWT: RS256 and ES256 tokens verify and map to a principal", "[auth][jwt]") {
    auto rsa = jwt_test::test_key::make("rsa-1", "RS256");
    auto ec = jwt_test::test_key::make("ec-1", "ES256");
    const std::string keys = jwt_test::jwks({&rsa, &ec}).dump();
    int fetches = 0;
    stepfn::jwt_verifier verifier(provider(), [&](const std::string&) -> stepfn::result<std::string> {
        ++fetches;
        return keys;
    });
    for (const auto* key : {&rsa, &ec}) {
        auto who = verifier.verify(jwt_test::token(*key, claims()), now);
        REQUIRE(who);
        CHECK(who->id == "00u1ana");
        CHECK(who->groups == std::vector<std::string>{"operators", "everyone"});
        CHECK(who->claims.at("email") == std::vector<std::string>{"ana@example.test"});
        CHECK(who->authenticated_by == "oidc");
        CHECK(*who->expires == now + 1h);
    }
    CHECK(fetches == 1);  // the keys are cached
    // aud may be a list; expiry and nbf within the leeway pass.
    auto c = claims();
    c["aud"] = {"other", "api://stepfn"};
    c["exp"] = t - 30;
    c["nbf"] = t + 30;
    CHECK(verifier.verify(jwt_test::token(rsa, c), now));
}

TEST_CASE("JWT: stale, misdirected and forged tokens are refused", "[auth][jwt]") {
    auto rsa = jwt_test::test_key::make("rsa-1", "RS256");
    auto ec = jwt_test::test_key::make("ec-1", "ES256");
    auto stranger = jwt_test::test_key::make("rsa-1", "RS256");  // same kid, another key
    const std::string keys = jwt_test::jwks({&rsa, &ec}).dump();
    stepfn::jwt_verifier verifier(provider(), [&](const std::string&) -> stepfn::result<std::string> { return keys; });

    auto c = claims();
    c["exp"] = t - 120;
    CHECK(reason(verifier.verify(jwt_test::token(rsa, c), now)) == "ExpiredToken: the token expired");
    c = claims();
    c["nbf"] = t + 600;
    CHECK(reason(verifier.verify(jwt_test::token(ec, c), now)) == "InvalidClaims: the token is not valid yet (nbf)");
    c = claims();
    c["iss"] = "https://evil.example.test";
    CHECK(reason(verifier.verify(jwt_test::token(rsa, c), now)) == "InvalidClaims: the token's issuer is not '" + issuer + "'");
    c = claims();
    c["aud"] = "api://other";
    CHECK(reason(verifier.verify(jwt_test::token(rsa, c), now)) == "InvalidClaims: the token's audience is not 'api://stepfn'");
    c = claims();
    c.erase("exp");
    CHECK(reason(verifier.verify(jwt_test::token(rsa, c), now)) == "InvalidClaims: the token has no numeric exp");

    auto unknown = jwt_test::test_key::make("rsa-9", "RS256");
    CHECK(reason(verifier.verify(jwt_test::token(unknown, claims()), now)) == "InvalidToken: no key of the issuer has the kid 'rsa-9'");
    CHECK(reason(verifier.verify(jwt_test::token(stranger, claims()), now)) == "InvalidToken: the token's signature does not verify");

    // alg none: no signature at all.
    const std::string none = jwt_test::b64({{"alg", "none"}, {"kid", "rsa-1"}}) + "." + jwt_test::b64(claims()) + ".";
    CHECK(reason(verifier.verify(none, now)) == "InvalidToken: the token is not a JWS in compact form (header.payload.signature)");
    const std::string none_sig = jwt_test::b64({{"alg", "none"}, {"kid", "rsa-1"}}) + "." + jwt_test::b64(claims()) + ".AAAA";
    CHECK(reason(verifier.verify(none_sig, now)) == "InvalidToken: the algorithm 'none' is not accepted; RS256 and ES256 are");

    // HS256 with the public key (its JWK text) as the HMAC secret: the classic confusion.
    const std::string hs_part = jwt_test::b64({{"alg", "HS256"}, {"kid", "rsa-1"}}) + "." + jwt_test::b64(claims());
    const std::string hs = hs_part + "." + stepfn::detail::base64url_encode(stepfn::detail::hmac_sha256_raw(rsa.jwk().dump(), hs_part));
    CHECK(reason(verifier.verify(hs, now)) == "InvalidToken: the algorithm 'HS256' is not accepted; RS256 and ES256 are");
    // ES256 named on an RSA key's kid.
    CHECK(reason(verifier.verify(jwt_test::token(ec, claims(), {{"alg", "ES256"}, {"kid", "rsa-1"}}), now)) ==
          "InvalidToken: the key 'rsa-1' is for RS256, not ES256");

    // A payload changed after signing (a longer expiry, another subject).
    const std::string good = jwt_test::token(rsa, claims());
    auto forged_claims = claims();
    forged_claims["sub"] = "00uadmin";
    const std::size_t a = good.find('.'), b = good.rfind('.');
    const std::string tampered = good.substr(0, a + 1) + jwt_test::b64(forged_claims) + good.substr(b);
    CHECK(reason(verifier.verify(tampered, now)) == "InvalidToken: the token's signature does not verify");
    CHECK(reason(verifier.verify("not-a-token", now)).rfind("InvalidToken:", 0) == 0);
    CHECK(reason(verifier.verify(std::string(20000, 'a'), now)).rfind("InvalidToken: the token is over", 0) == 0);
}

#if defined(STEPFN_WITH_HTTP)
TEST_CASE("JWT: a JWKS served on loopback, rotated, fetched again on an unknown kid", "[auth][jwt]") {
    auto first = jwt_test::test_key::make("2026-11", "RS256");
    auto second = jwt_test::test_key::make("2026-12", "ES256");
    jwt_test::jwks_server server;
    server.set(jwt_test::jwks({&first}).dump());
    stepfn::http_client http;
    auto p = provider();
    p.jwks_file.clear();
    p.jwks_uri = server.url();
    stepfn::jwt_verifier verifier(p, [&](const std::string& uri) { return stepfn::http_fetch(http, uri); });

    REQUIRE(verifier.verify(jwt_test::token(first, claims()), now));
    CHECK(server.requests() == 1);
    CHECK(verifier.verify(jwt_test::token(first, claims()), now));
    CHECK(server.requests() == 1);  // cached

    // The provider rotates: the new key signs, the old one is gone.
    server.set(jwt_test::jwks({&second}).dump());
    REQUIRE(verifier.verify(jwt_test::token(second, claims()), now));
    CHECK(server.requests() == 2);
    CHECK(reason(verifier.verify(jwt_test::token(first, claims()), now)) == "InvalidToken: no key of the issuer has the kid '2026-11'");

    // With a refresh interval, made-up kids do not make it fetch again and again.
    auto q = p;
    q.min_refresh_interval = 3600s;
    stepfn::jwt_verifier careful(q, [&](const std::string& uri) { return stepfn::http_fetch(http, uri); });
    const int before = server.requests();
    for (int i = 0; i < 5; ++i) CHECK_FALSE(careful.verify(jwt_test::token(first, claims()), now));
    CHECK(server.requests() == before + 1);
}
#endif

#if defined(STEPFN_WITH_HTTP) && defined(STEPFN_PYTHON)
TEST_CASE("OAuth client credentials from a token endpoint on loopback, as a role's bearer token", "[auth][credentials]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    stepfn::http_client http;
    std::map<std::string, stepfn::oauth_client> clients;
    clients["arn:aws:iam::123456789012:role/orders"] = {server.url("/oauth/token"), "client", "secret", ""};
    clients["arn:aws:iam::123456789012:role/wrong"] = {server.url("/oauth/token"), "client", "not-the-secret", ""};
    stepfn::client_credentials_provider provider(http, clients, [] { return now; });
    auto token = provider.fetch("arn:aws:iam::123456789012:role/orders");
    REQUIRE(token);
    CHECK(token->bearer_token.rfind("tok-", 0) == 0);
    REQUIRE(token->expires);
    CHECK(*token->expires == now + 3600s);
    auto refused = provider.fetch("arn:aws:iam::123456789012:role/wrong");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().cause == "the token endpoint " + server.url("/oauth/token") + " answered 401");
    CHECK(refused.error().cause.find("not-the-secret") == std::string::npos);
    CHECK_FALSE(provider.fetch("arn:aws:iam::123456789012:role/none"));
}
#endif

TEST_CASE("bearer tokens through the authenticator and the policies of an auth configuration", "[auth][jwt]") {
    auto key = jwt_test::test_key::make("k1", "ES256");
    const std::string dir = "/tmp/stepfn-auth-test-" + std::to_string(::getpid());
    REQUIRE(std::system(("mkdir -p " + dir).c_str()) == 0);
    {
        std::ofstream(dir + "/keys.json") << jwt_test::jwks({&key}).dump();
    }
    auto config = stepfn::parse_auth_config(json::parse(R"({
        "oidc": [{"issuer": ")" + issuer + R"(", "audience": "api://stepfn", "jwks_file": ")" + dir + R"(/keys.json"}],
        "policies": [{"groups": ["operators"], "document": {"Statement": {"Effect": "Allow", "Action": "states:List*", "Resource": "*"}}}]})"));
    REQUIRE(config);
    stepfn::caller_authenticator authenticate(*config, {}, nullptr, [] { return now; });
    REQUIRE(authenticate.preload());
    stepfn::api_caller caller("10.1.2.3:4000");
    caller.headers = {{"authorization", "Bearer " + jwt_test::token(key, claims())}};
    auto who = authenticate(caller, "{}");
    REQUIRE(who);
    CHECK(who->id == "00u1ana");
    CHECK(config->policies->authorize(*who, "states:ListStateMachines", "*"));
    CHECK_FALSE(config->policies->authorize(*who, "states:DeleteStateMachine", "*"));

    auto c = claims();
    c["iss"] = "https://elsewhere.test";
    caller.headers = {{"authorization", "Bearer " + jwt_test::token(key, c)}};
    auto other = authenticate(caller, "{}");
    REQUIRE_FALSE(other);
    CHECK(other.error().name == "UnrecognizedClientException");
    CHECK(other.error().cause == "The bearer token is not valid: its issuer is not configured");
    std::system(("rm -rf " + dir).c_str());

    auto bad = stepfn::parse_auth_config(json::parse(R"({"access_keys": [{"access_key_id": "A", "secret_access_key": "very-secret"}]})"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().cause == "access_keys[0] has no \"principal\"");
}
} // namespace jwt_openssl_test
