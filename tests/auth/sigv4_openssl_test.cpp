// AWS Signature Version 4 verification: requests signed with stepfn's signer (the SDK's side is
// tests/sdk/auth_client_test.mjs, against a real stepfn serve) verified, and every way of getting
// it wrong refused with AWS's exception: another secret, a changed body or header, a stale or
// future date, a session token missing or not the key's, an expired key, another region.

#include "catch.hpp"

#include <chrono>
#include <string>

#include <stepfn/integrations/auth_handler.hpp>
#include <stepfn/integrations/sigv4_verifier.hpp>

namespace sigv4_openssl_test {

using namespace std::chrono_literals;

namespace {

const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1764936000));  // 2025-12-05T12:00:00Z

stepfn::access_key key(std::string id, std::string secret, std::string token = "") {
    stepfn::access_key k;
    k.access_key_id = std::move(id);
    k.secret_access_key = std::move(secret);
    k.session_token = std::move(token);
    k.who.id = "arn:aws:iam::123456789012:user/" + k.access_key_id;
    return k;
}

stepfn::api_caller signed_request(const std::string& body, const stepfn::access_key& k, std::chrono::system_clock::time_point at,
                                  const std::string& region = "us-east-1") {
    stepfn::api_caller c("127.0.0.1:4000");
    c.method = "POST";
    c.target = "/";
    c.headers = {{"host", "127.0.0.1:8083"},
                 {"content-type", "application/x-amz-json-1.0"},
                 {"x-amz-target", "AWSStepFunctions.ListStateMachines"}};
    stepfn::sigv4_sign(c, body, k, region, "states", at);
    return c;
}

std::string failure(const stepfn::result<stepfn::principal>& r) {
    REQUIRE_FALSE(r);
    return r.error().name;
}

} // namespace

TEST_CASE("a SigV4 request signed with a configured key is that key's principal", "[auth][sigv4]") {
    stepfn::sigv4_verifier verifier({key("AKIDCI", "secret-ci"), key("AKIDOPS", "secret-ops")});
    const std::string body = R"({"maxResults":10})";
    auto who = verifier.verify(signed_request(body, key("AKIDOPS", "secret-ops"), now), body, now);
    REQUIRE(who);
    CHECK(who->id == "arn:aws:iam::123456789012:user/AKIDOPS");
    CHECK(who->authenticated_by == "sigv4");
    // Signed 4 minutes ago or 4 minutes ahead: within AWS's 5.
    CHECK(verifier.verify(signed_request(body, key("AKIDCI", "secret-ci"), now - 4min), body, now));
    CHECK(verifier.verify(signed_request(body, key("AKIDCI", "secret-ci"), now + 4min), body, now));
    // Query strings and odd spacing in headers canonicalise as AWS's do.
    auto c = signed_request(body, key("AKIDCI", "secret-ci"), now);
    CHECK(verifier.verify(c, body, now));
}

TEST_CASE("SigV4: every way of getting it wrong is refused with AWS's exception", "[auth][sigv4]") {
    auto temporary = key("ASIATEMP", "secret-temp", "session-token-1");
    temporary.expires = now + 1h;
    stepfn::sigv4_verifier verifier({key("AKIDCI", "secret-ci"), temporary});
    const std::string body = R"({})";

    auto wrong_secret = verifier.verify(signed_request(body, key("AKIDCI", "not-the-secret"), now), body, now);
    CHECK(failure(wrong_secret) == "InvalidSignatureException");
    CHECK(wrong_secret.error().cause.rfind("The request signature we calculated does not match the signature you provided.", 0) == 0);
    CHECK(wrong_secret.error().cause.find("secret-ci") == std::string::npos);

    CHECK(failure(verifier.verify(signed_request(body, key("AKIDCI", "secret-ci"), now), R"({"x":1})", now)) ==
          "InvalidSignatureException");  // the body changed after signing

    auto changed_header = signed_request(body, key("AKIDCI", "secret-ci"), now);
    for (auto& h : changed_header.headers)
        if (h.first == "x-amz-target") h.second = "AWSStepFunctions.DeleteStateMachine";
    CHECK(failure(verifier.verify(changed_header, body, now)) == "InvalidSignatureException");

    auto stale = verifier.verify(signed_request(body, key("AKIDCI", "secret-ci"), now - 6min), body, now);
    CHECK(failure(stale) == "InvalidSignatureException");
    CHECK(stale.error().cause == "Signature expired: 20251205T115400Z is now earlier than 20251205T115500Z (20251205T120000Z - 5 min.)");
    auto future = verifier.verify(signed_request(body, key("AKIDCI", "secret-ci"), now + 6min), body, now);
    CHECK(future.error().cause == "Signature not yet current: 20251205T120600Z is still later than 20251205T120500Z (20251205T120000Z + 5 min.)");

    auto unknown = verifier.verify(signed_request(body, key("AKIDNOBODY", "x"), now), body, now);
    CHECK(failure(unknown) == "UnrecognizedClientException");
    CHECK(unknown.error().cause == "The security token included in the request is invalid.");

    CHECK(failure(verifier.verify(signed_request(body, key("AKIDCI", "secret-ci"), now, "eu-west-1"), body, now)) ==
          "InvalidSignatureException");

    // Session credentials: valid with their token until they expire.
    auto good = verifier.verify(signed_request(body, temporary, now), body, now);
    REQUIRE(good);
    REQUIRE(good->expires);
    CHECK(*good->expires == now + 1h);
    CHECK(failure(verifier.verify(signed_request(body, key("ASIATEMP", "secret-temp"), now), body, now)) ==
          "UnrecognizedClientException");  // no token
    CHECK(failure(verifier.verify(signed_request(body, key("ASIATEMP", "secret-temp", "another-token"), now), body, now)) ==
          "UnrecognizedClientException");
    auto expired = verifier.verify(signed_request(body, temporary, now + 2h), body, now + 2h);
    CHECK(failure(expired) == "ExpiredTokenException");
    CHECK(expired.error().cause == "The security token included in the request is expired");

    stepfn::api_caller unsigned_call("127.0.0.1:1");
    CHECK(failure(verifier.verify(unsigned_call, body, now)) == "MissingAuthenticationTokenException");
    unsigned_call.headers = {{"authorization", "AWS4-HMAC-SHA256 Credential=garbage"}};
    CHECK(failure(verifier.verify(unsigned_call, body, now)) == "IncompleteSignatureException");
    auto no_host = signed_request(body, key("AKIDCI", "secret-ci"), now);
    no_host.headers.erase(no_host.headers.begin());  // host, which it signed
    CHECK(failure(verifier.verify(no_host, body, now)) == "InvalidSignatureException");
}

TEST_CASE("the authenticating handler answers failures itself and passes the principal on", "[auth][sigv4]") {
    auto verifier = std::make_shared<stepfn::sigv4_verifier>(std::vector<stepfn::access_key>{key("AKIDCI", "secret-ci")});
    std::string seen;
    stepfn::api_handler inner = [&](std::string_view, std::string, stepfn::api_caller caller, stepfn::api_reply_handler reply) {
        seen = caller.identity ? caller.identity->id : "none";
        reply(stepfn::api_reply{200, "{}"});
    };
    auto handler = stepfn::authenticating_handler(inner, [verifier](const stepfn::api_caller& c, std::string_view body) {
        return verifier->verify(c, body, now);
    });
    stepfn::api_reply got;
    handler("ListStateMachines", "{}", signed_request("{}", key("AKIDCI", "secret-ci"), now), [&](stepfn::api_reply r) { got = r; });
    CHECK(got.status == 200);
    CHECK(seen == "arn:aws:iam::123456789012:user/AKIDCI");
    seen.clear();
    // A caller cannot name itself: an identity it brings is dropped before authentication.
    auto forged = signed_request("{}", key("AKIDCI", "wrong"), now);
    forged.identity = stepfn::principal{"arn:aws:iam::123456789012:user/admin", {}, {}, "sigv4", {}};
    handler("ListStateMachines", "{}", forged, [&](stepfn::api_reply r) { got = r; });
    CHECK(got.status == 400);
    CHECK(stepfn::json::parse(got.body)["__type"] == "InvalidSignatureException");
    CHECK(seen.empty());

    auto local = stepfn::loopback_only_handler(inner);
    local("ListStateMachines", "{}", stepfn::api_caller("[::1]:5000"), [&](stepfn::api_reply r) { got = r; });
    CHECK(got.status == 200);
    local("ListStateMachines", "{}", stepfn::api_caller("10.0.0.7:5000"), [&](stepfn::api_reply r) { got = r; });
    CHECK(got.status == 400);
    CHECK(stepfn::json::parse(got.body)["__type"] == "UnrecognizedClientException");
}
} // namespace sigv4_openssl_test
