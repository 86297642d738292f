// The cost of identity per request: one policy decision (allowed, denied by default, denied
// explicitly, with conditions), one SigV4 verification (signing key cached, as on every request
// after a key's first of the day, and not), one JWT verification (RS256, ES256; keys cached).
// A plain program printing figures; it asserts nothing.
//
//   stepfn_bench_auth [iterations]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <stepfn/integrations/history_chain.hpp>
#include <stepfn/integrations/jwt_verifier.hpp>
#include <stepfn/integrations/sigv4_verifier.hpp>
#include <stepfn/policies/policy_authorizer.hpp>

using stepfn::json;

namespace {

template <class F>
double ns_per(long n, F&& f) {
    const auto start = std::chrono::steady_clock::now();
    long ok = 0;
    for (long i = 0; i < n; ++i) ok += f(i) ? 1 : 0;
    const auto took = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    if (ok < 0) std::puts("");  // keeps the work observable
    return took / static_cast<double>(n);
}

void print(const char* what, double ns) { std::printf("%-58s %12.0f ns  %12.0f per second\n", what, ns, 1e9 / ns); }

std::string b64(const json& j) { return stepfn::detail::base64url_encode(j.dump()); }

// A JWT signed with `key` (RS256 or ES256) and the JWKS holding its public half.
std::pair<std::string, std::string> token_and_jwks(const char* alg, long long now) {
    const bool rsa = std::string(alg) == "RS256";
    EVP_PKEY* key = rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)) : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    json jwk = {{"kid", "k"}, {"alg", alg}, {"use", "sig"}};
    if (rsa) {
        jwk["kty"] = "RSA";
        for (const char* name : {"n", "e"}) {
            BIGNUM* bn = nullptr;
            EVP_PKEY_get_bn_param(key, name, &bn);
            std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
            BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
            BN_free(bn);
            jwk[name] = stepfn::detail::base64url_encode(bytes);
        }
    } else {
        unsigned char point[65];
        std::size_t size = 0;
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &size);
        jwk["kty"] = "EC";
        jwk["crv"] = "P-256";
        jwk["x"] = stepfn::detail::base64url_encode(std::string(reinterpret_cast<char*>(point) + 1, 32));
        jwk["y"] = stepfn::detail::base64url_encode(std::string(reinterpret_cast<char*>(point) + 33, 32));
    }
    const json claims = {{"iss", "https://idp.bench"}, {"aud", "api://stepfn"}, {"sub", "user-1"}, {"exp", now + 3600}, {"groups", {"ops"}}};
    const std::string part = b64({{"alg", alg}, {"kid", "k"}}) + "." + b64(claims);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t size = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(part.data()), part.size());
    std::string sig(size, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size, reinterpret_cast<const unsigned char*>(part.data()), part.size());
    sig.resize(size);
    EVP_MD_CTX_free(ctx);
    if (!rsa) {
        const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
        ECDSA_SIG* e = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
        std::string raw(64, '\0');
        BN_bn2binpad(ECDSA_SIG_get0_r(e), reinterpret_cast<unsigned char*>(raw.data()), 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(e), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
        ECDSA_SIG_free(e);
        sig = raw;
    }
    EVP_PKEY_free(key);
    return {part + "." + stepfn::detail::base64url_encode(sig), json{{"keys", {jwk}}}.dump()};
}

} // namespace

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 200000;
    const std::string machine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders-eu";

    // ---- policy decisions: four attachments, nine statements, like a team's setup ----
    auto authz = stepfn::policy_authorizer::from_json(json::parse(R"([
      {"groups":["everyone"],"document":{"Statement":[{"Effect":"Allow","Action":["states:Describe*","states:List*","states:GetExecutionHistory"],"Resource":"*"}]}},
      {"groups":["operators"],"document":{"Statement":[
         {"Effect":"Allow","Action":["states:StartExecution","states:StopExecution","states:RedriveExecution"],"Resource":["arn:aws:states:*:123456789012:stateMachine:orders-*","arn:aws:states:*:123456789012:execution:orders-*:*"]},
         {"Effect":"Allow","Action":"states:SendTask*","Resource":"*"},
         {"Effect":"Deny","Action":"states:Delete*","Resource":"*"}]}},
      {"principals":["arn:aws:iam::123456789012:user/ci-*"],"document":{"Statement":[
         {"Effect":"Allow","Action":"states:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":["dev","staging"]}}},
         {"Effect":"Deny","NotAction":["states:Describe*","states:List*"],"Resource":"*","Condition":{"StringNotLike":{"aws:PrincipalTag/team":"pay*"}}}]}},
      {"principals":["arn:aws:iam::123456789012:user/admin"],"document":{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}}])"));
    if (!authz) {
        std::printf("bad policies: %s\n", authz.error().cause.c_str());
        return 1;
    }
    stepfn::principal op{"alice", {"everyone", "operators"}, {{"team", {"payments"}}}, "oidc", {}};
    stepfn::principal ci{"arn:aws:iam::123456789012:user/ci-build", {"everyone"}, {{"team", {"payments"}}}, "sigv4", {}};
    stepfn::access_request start{"states:StartExecution", machine, {}};
    stepfn::access_request remove{"states:DeleteStateMachine", machine, {}};
    stepfn::access_request tagged{"states:StartExecution", machine, {}};
    tagged.context["aws:ResourceTag/env"] = {"staging"};
    stepfn::access_request untouched{"states:CreateActivity", "arn:aws:states:us-east-1:123456789012:activity:x", {}};
    std::printf("policy decisions (policy_authorizer: 4 attachments, 9 statements)\n");
    print("  allowed (StartExecution by an operator)", ns_per(n, [&](long) { return bool(authz->authorize(op, start)); }));
    print("  explicit deny (DeleteStateMachine by an operator)", ns_per(n, [&](long) { return bool(authz->authorize(op, remove)); }));
    print("  allowed by a tag condition (CI on a staging machine)", ns_per(n, [&](long) { return bool(authz->authorize(ci, tagged)); }));
    print("  default deny (CreateActivity by an operator)", ns_per(n, [&](long) { return bool(authz->authorize(op, untouched)); }));

    // ---- SigV4 ----
    const auto now = std::chrono::system_clock::now();
    stepfn::access_key key;
    key.access_key_id = "AKIDBENCH";
    key.secret_access_key = "bench-secret";
    key.who.id = "arn:aws:iam::123456789012:user/bench";
    const std::string body = R"({"stateMachineArn":")" + machine + R"(","input":"{\"order\":42}"})";
    stepfn::api_caller request("127.0.0.1:1");
    request.method = "POST";
    request.target = "/";
    request.headers = {{"host", "127.0.0.1:8083"}, {"content-type", "application/x-amz-json-1.0"}, {"x-amz-target", "AWSStepFunctions.StartExecution"}};
    stepfn::sigv4_sign(request, body, key, "us-east-1", "states", now);
    stepfn::sigv4_verifier verifier({key});
    std::printf("SigV4 verification (a StartExecution request, %zu-byte body)\n", body.size());
    print("  signing key cached (every request after the day's first)", ns_per(n / 4, [&](long) { return bool(verifier.verify(request, body, now)); }));
    print("  signing key derived (a new verifier per request)", ns_per(n / 20, [&](long) {
              stepfn::sigv4_verifier fresh({key});
              return bool(fresh.verify(request, body, now));
          }));

    // ---- JWT ----
    const long long seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    for (const char* alg : {"RS256", "ES256"}) {
        const auto made = token_and_jwks(alg, seconds);
        const std::string token = made.first, jwks = made.second;
        stepfn::oidc_provider p;
        p.issuer = "https://idp.bench";
        p.audience = "api://stepfn";
        p.jwks_file = "-";
        stepfn::jwt_verifier jwt(p, [jwks](const std::string&) -> stepfn::result<std::string> { return jwks; });
        const std::string label = std::string("JWT ") + alg + " verification (keys cached)";
        print(label.c_str(), ns_per(n / 20, [&](long) { return bool(jwt.verify(token, now)); }));
    }

    // ---- history chain ----
    stepfn::history_event event;
    event.id = 7;
    event.previous_event_id = 6;
    event.type = stepfn::event_type::task_succeeded;
    event.timestamp = now;
    event.details = json{{"resource", "invoke"}, {"resourceType", "lambda"}, {"output", R"({"order":42,"charged":true,"receipt":"r-1"})"}};
    std::string head = stepfn::detail::chain_start("arn:aws:states:us-east-1:123456789012:execution:orders:run");
    print("history chain: one event hashed into the chain", ns_per(n / 4, [&](long) {
              head = stepfn::detail::chain_next(head, event);
              return !head.empty();
          }));
    return 0;
}
