#ifndef STEPFN_INTEGRATIONS_SIGV4_VERIFIER_HPP
#define STEPFN_INTEGRATIONS_SIGV4_VERIFIER_HPP

// Verifies AWS Signature Version 4 on a request (target stepfn::auth, OpenSSL 3; docs/security.md),
// as the AWS SDKs and the AWS CLI sign every call by default, against configured access keys:
//
//   stepfn::sigv4_verifier verifier({{"AKIDEXAMPLE", "secret", "", std::nullopt,
//                                     {"arn:aws:iam::123456789012:user/ci"}}});
//   auto who = verifier.verify(caller, body, std::chrono::system_clock::now());
//   if (!who) reply(api_error_reply(400, who.error().name, who.error().cause));
//
// The canonical request, string to sign and HMAC-SHA-256 key chain of AWS's documentation; the
// x-amz-date within 5 minutes of now (AWS's allowance); the credential scope's date, region and
// service; `host` and x-amz-date signed; a key with a session token accepts only requests that
// carry it, and none after it expires. Errors carry AWS's exception names and messages and never
// a secret. Derived signing keys are cached per key, day, region and service, as AWS's own
// verifiers do, so a request costs two SHA-256 and one HMAC.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/api/api_call.hpp>
#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/openssl_crypto.hpp>
#include <stepfn/integrations/detail/sigv4_canonical.hpp>
#include <stepfn/principal.hpp>

namespace stepfn {

struct access_key {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty: a long-term key; set: requests must carry it (x-amz-security-token)
    std::optional<std::chrono::system_clock::time_point> expires;  // refused from then on
    principal who;              // who a request signed with it is
};

struct sigv4_options {
    std::string region = "us-east-1";  // the credential scope's region must be this one
    std::string service = "states";
    std::chrono::seconds max_skew{300};  // AWS: 5 minutes either way
};

class sigv4_verifier {
public:
    explicit sigv4_verifier(std::vector<access_key> keys, sigv4_options options = {}) : options_(std::move(options)) {
        for (auto& k : keys) keys_.emplace(k.access_key_id, std::move(k));
    }
    sigv4_verifier(const sigv4_verifier&) = delete;
    sigv4_verifier& operator=(const sigv4_verifier&) = delete;

    // The principal of the key that signed the request. Errors, named as AWS names them:
    // IncompleteSignatureException (no or a malformed Authorization, no x-amz-date),
    // UnrecognizedClientException (an unknown key, or a session token that is not the key's),
    // ExpiredTokenException (a key past its expiry), InvalidSignatureException (a signature that
    // does not match, a date outside the skew, a scope of another region or service).
    result<principal> verify(const api_caller& request, std::string_view body, std::chrono::system_clock::time_point now) const {
        const std::string* header = request.header("authorization");
        if (!header) return fail("MissingAuthenticationTokenException", "Missing Authentication Token");
        auto auth = detail::parse_sigv4_authorization(*header);
        if (!auth)
            return fail("IncompleteSignatureException",
                        "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters of AWS4-HMAC-SHA256");
        auto key = keys_.find(auth->access_key_id);
        if (key == keys_.end()) return fail("UnrecognizedClientException", "The security token included in the request is invalid.");
        const std::string* token = request.header("x-amz-security-token");
        if (key->second.session_token.empty() ? token != nullptr
                                              : (!token || !detail::constant_time_equals(*token, key->second.session_token)))
            return fail("UnrecognizedClientException", "The security token included in the request is invalid.");
        if (key->second.expires && now >= *key->second.expires)
            return fail("ExpiredTokenException", "The security token included in the request is expired");

        const std::string* date_header = request.header("x-amz-date");
        if (!date_header)
            return fail("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        auto signed_at = detail::parse_amz_date(*date_header);
        if (!signed_at) return fail("IncompleteSignatureException", "X-Amz-Date must be in the ISO8601 Long Format (yyyyMMdd'T'HHmmss'Z')");
        if (*signed_at < now - options_.max_skew)
            return fail("InvalidSignatureException", "Signature expired: " + *date_header + " is now earlier than " +
                                                         detail::format_amz_date(now - options_.max_skew) + " (" +
                                                         detail::format_amz_date(now) + " - 5 min.)");
        if (*signed_at > now + options_.max_skew)
            return fail("InvalidSignatureException", "Signature not yet current: " + *date_header + " is still later than " +
                                                         detail::format_amz_date(now + options_.max_skew) + " (" +
                                                         detail::format_amz_date(now) + " + 5 min.)");
        if (date_header->compare(0, 8, auth->date) != 0)
            return fail("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                                                         auth->date + "' != '" + date_header->substr(0, 8) + "'");
        if (auth->region != options_.region)
            return fail("InvalidSignatureException", "Credential should be scoped to a valid region. ");
        if (auth->service != options_.service)
            return fail("InvalidSignatureException", "Credential should be scoped to correct service: '" + options_.service + "'. ");
        bool host_signed = false, date_signed = false;
        for (const auto& h : auth->signed_headers) {
            host_signed = host_signed || h == "host";
            date_signed = date_signed || h == "x-amz-date";
        }
        if (!host_signed) return fail("InvalidSignatureException", "'Host' must be a 'SignedHeader' in the AWS Authorization.");
        if (!date_signed) return fail("InvalidSignatureException", "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
        if (token) {
            bool token_signed = false;
            for (const auto& h : auth->signed_headers) token_signed = token_signed || h == "x-amz-security-token";
            if (!token_signed)
                return fail("InvalidSignatureException", "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.");
        }

        auto canonical = detail::sigv4_canonical_request(request, *auth, detail::sha256_hex(body));
        if (!canonical) return signature_mismatch();
        const std::string scope = auth->date + '/' + auth->region + '/' + auth->service + "/aws4_request";
        std::string to_sign;
        to_sign.reserve(64 + scope.size() + 64);
        to_sign.append("AWS4-HMAC-SHA256\n").append(*date_header).append(1, '\n').append(scope).append(1, '\n').append(
            detail::sha256_hex(*canonical));
        const std::string expected = detail::hex_of_bytes(detail::hmac_sha256_raw(signing_key(key->second, *auth), to_sign));
        if (expected.size() != 64 || !detail::constant_time_equals(expected, auth->signature)) return signature_mismatch();
        principal who = key->second.who;
        who.authenticated_by = "sigv4";
        if (key->second.expires && (!who.expires || *key->second.expires < *who.expires)) who.expires = key->second.expires;
        return who;
    }

    std::size_t key_count() const noexcept { return keys_.size(); }

private:
    static tl::unexpected<error> fail(const char* name, std::string message) { return tl::make_unexpected(error(name, std::move(message))); }
    static tl::unexpected<error> signature_mismatch() {
        return fail("InvalidSignatureException",
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
                    "and signing method. Consult the service documentation for details.");
    }

    // kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
    // cached: it changes once a day per key.
    std::string signing_key(const access_key& key, const detail::sigv4_authorization& auth) const {
        std::string cache_key;
        cache_key.reserve(key.access_key_id.size() + 32);
        cache_key.append(key.access_key_id).append(1, '/').append(auth.date).append(1, '/').append(auth.region).append(1, '/').append(auth.service);
        {
            std::lock_guard<std::mutex> lock(cache_mutex_);
            auto found = signing_keys_.find(cache_key);
            if (found != signing_keys_.end()) return found->second;
        }
        std::string k = detail::hmac_sha256_raw("AWS4" + key.secret_access_key, auth.date);
        k = detail::hmac_sha256_raw(k, auth.region);
        k = detail::hmac_sha256_raw(k, auth.service);
        k = detail::hmac_sha256_raw(k, "aws4_request");
        std::lock_guard<std::mutex> lock(cache_mutex_);
        if (signing_keys_.size() >= 4096) signing_keys_.clear();
        signing_keys_.emplace(std::move(cache_key), k);
        return k;
    }

    sigv4_options options_;
    std::map<std::string, access_key> keys_;
    mutable std::mutex cache_mutex_;
    mutable std::map<std::string, std::string> signing_keys_;
};

// Signs a request as an AWS SDK would (the other half of verify(), for tests, benchmarks and
// hosts that call a stepfn serve themselves): adds x-amz-date, host if absent,
// x-amz-security-token when the key has one, and Authorization.
inline void sigv4_sign(api_caller& request, std::string_view body, const access_key& key, std::string_view region,
                       std::string_view service, std::chrono::system_clock::time_point now) {
    const std::string date = detail::format_amz_date(now);
    request.headers.emplace_back("x-amz-date", date);
    if (!key.session_token.empty()) request.headers.emplace_back("x-amz-security-token", key.session_token);
    detail::sigv4_authorization auth;
    auth.access_key_id = key.access_key_id;
    auth.date = date.substr(0, 8);
    auth.region = std::string(region);
    auth.service = std::string(service);
    for (const auto& h : request.headers) auth.signed_headers.push_back(h.first);
    std::sort(auth.signed_headers.begin(), auth.signed_headers.end());
    auth.signed_headers.erase(std::unique(auth.signed_headers.begin(), auth.signed_headers.end()), auth.signed_headers.end());
    for (const auto& h : auth.signed_headers) auth.signed_headers_text += (auth.signed_headers_text.empty() ? "" : ";") + h;
    const std::string canonical = detail::sigv4_canonical_request(request, auth, detail::sha256_hex(body)).value_or(std::string());
    const std::string scope = auth.date + '/' + auth.region + '/' + auth.service + "/aws4_request";
    const std::string to_sign = "AWS4-HMAC-SHA256\n" + date + '\n' + scope + '\n' + detail::sha256_hex(canonical);
    std::string k = detail::hmac_sha256_raw("AWS4" + key.secret_access_key, auth.date);
    k = detail::hmac_sha256_raw(k, auth.region);
    k = detail::hmac_sha256_raw(k, auth.service);
    k = detail::hmac_sha256_raw(k, "aws4_request");
    request.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=" + key.access_key_id + '/' + scope +
                                                      ", SignedHeaders=" + auth.signed_headers_text +
                                                      ", Signature=" + detail::hex_of_bytes(detail::hmac_sha256_raw(k, to_sign)));
}

} // namespace stepfn

#endif
