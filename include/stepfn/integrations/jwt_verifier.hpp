#ifndef STEPFN_INTEGRATIONS_JWT_VERIFIER_HPP
#define STEPFN_INTEGRATIONS_JWT_VERIFIER_HPP

// Verifies OIDC bearer tokens (`Authorization: Bearer <JWT>`) from one identity provider
// (target stepfn::auth, OpenSSL 3; docs/security.md):
//
//   stepfn::oidc_provider okta;
//   okta.issuer = "https://example.okta.com/oauth2/default";
//   okta.audience = "api://stepfn";
//   okta.jwks_uri = okta.issuer + "/v1/keys";
//   stepfn::jwt_verifier verifier(okta, fetch);   // fetch(uri) -> the JWKS text
//   auto who = verifier.verify(token, std::chrono::system_clock::now());
//
// RS256 and ES256 signatures with keys from the provider's JWKS (a file, or its jwks_uri,
// fetched once, cached, and fetched again when a token names a kid the cache lacks, at most
// once per min_refresh_interval); `alg` must be the key's own algorithm, so `none` and HS256
// (with the public key as an HMAC secret) are refused. iss, aud, exp and nbf are checked with
// a leeway for clock skew; the principal is the principal_claim (default sub), its groups the
// groups_claim, and its string claims the policy keys aws:PrincipalTag/<claim>.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/jwk_key.hpp>
#include <stepfn/json.hpp>
#include <stepfn/principal.hpp>

namespace stepfn {

struct oidc_provider {
    std::string issuer;                    // the token's iss, exactly
    std::string audience;                  // must be the token's aud, or one of them
    std::string jwks_file;                 // the JWKS in a file; or
    std::string jwks_uri;                  // fetched from there (the issuer's discovery document names it)
    std::string principal_claim = "sub";
    std::string groups_claim = "groups";   // absent from a token: no groups
    std::chrono::seconds leeway{60};       // clock skew allowed on exp and nbf
    std::chrono::seconds min_refresh_interval{30};  // between fetches caused by unknown kids
};

// Gets the JWKS text: from a file or over HTTP(S); an error when it cannot.
using jwks_fetcher = std::function<result<std::string>(const std::string& uri)>;

class jwt_verifier {
public:
    static constexpr std::size_t max_token_bytes = 16 * 1024;

    jwt_verifier(oidc_provider provider, jwks_fetcher fetch) : provider_(std::move(provider)), fetch_(std::move(fetch)) {}
    jwt_verifier(const jwt_verifier&) = delete;
    jwt_verifier& operator=(const jwt_verifier&) = delete;

    const oidc_provider& provider() const noexcept { return provider_; }

    // The token's issuer, unverified (to pick the verifier of that provider); empty if unreadable.
    static std::string peek_issuer(std::string_view token) {
        auto parts = split(token);
        if (!parts) return {};
        std::string text;
        if (!detail::base64url_decode(parts->payload, text)) return {};
        json payload = json::parse(text, nullptr, false);
        return payload.is_object() ? detail::jwk_text(payload, "iss") : std::string();
    }

    // Errors are named InvalidToken (malformed, a bad signature, an unknown key), ExpiredToken,
    // or InvalidClaims (issuer, audience, not yet valid, no principal claim).
    result<principal> verify(std::string_view token, std::chrono::system_clock::time_point now) const {
        if (token.size() > max_token_bytes) return invalid("InvalidToken", "the token is over " + std::to_string(max_token_bytes) + " bytes");
        auto parts = split(token);
        if (!parts) return invalid("InvalidToken", "the token is not a JWS in compact form (header.payload.signature)");
        std::string header_text, payload_text, signature;
        if (!detail::base64url_decode(parts->header, header_text) || !detail::base64url_decode(parts->payload, payload_text) ||
            !detail::base64url_decode(parts->signature, signature))
            return invalid("InvalidToken", "the token is not base64url");
        json header = json::parse(header_text, nullptr, false);
        json payload = json::parse(payload_text, nullptr, false);
        if (!header.is_object() || !payload.is_object()) return invalid("InvalidToken", "the token's header or payload is not a JSON object");
        const std::string alg = detail::jwk_text(header, "alg"), kid = detail::jwk_text(header, "kid");
        if (alg != "RS256" && alg != "ES256") return invalid("InvalidToken", "the algorithm '" + alg + "' is not accepted; RS256 and ES256 are");
        if (header.contains("crit")) return invalid("InvalidToken", "the token has critical header parameters stepfn does not know");
        auto key = find_key(kid, alg);
        if (!key) return tl::make_unexpected(std::move(key.error()));
        const std::string_view signed_part = token.substr(0, parts->header.size() + 1 + parts->payload.size());
        if (!detail::jws_verify(*key, signed_part, signature)) return invalid("InvalidToken", "the token's signature does not verify");

        // Only now, with the signature good, do the claims mean anything.
        if (detail::jwk_text(payload, "iss") != provider_.issuer) return invalid("InvalidClaims", "the token's issuer is not '" + provider_.issuer + "'");
        if (!has_audience(payload)) return invalid("InvalidClaims", "the token's audience is not '" + provider_.audience + "'");
        auto exp = seconds_claim(payload, "exp");
        if (!exp) return invalid("InvalidClaims", "the token has no numeric exp");
        const auto expires = std::chrono::system_clock::time_point(std::chrono::seconds(*exp));
        if (now >= expires + provider_.leeway) return invalid("ExpiredToken", "the token expired");
        if (auto nbf = seconds_claim(payload, "nbf"); nbf && now + provider_.leeway < std::chrono::system_clock::time_point(std::chrono::seconds(*nbf)))
            return invalid("InvalidClaims", "the token is not valid yet (nbf)");
        principal who;
        who.id = detail::jwk_text(payload, provider_.principal_claim.c_str());
        if (who.id.empty()) return invalid("InvalidClaims", "the token has no '" + provider_.principal_claim + "' claim");
        if (auto groups = payload.find(provider_.groups_claim); groups != payload.end()) {
            if (groups->is_string()) who.groups.push_back(groups->get<std::string>());
            else if (groups->is_array())
                for (const auto& g : *groups)
                    if (g.is_string()) who.groups.push_back(g.get<std::string>());
        }
        for (auto it = payload.begin(); it != payload.end(); ++it) {
            if (it->is_string()) who.claims[it.key()].push_back(it->get<std::string>());
            else if (it->is_array())
                for (const auto& v : *it)
                    if (v.is_string()) who.claims[it.key()].push_back(v.get<std::string>());
        }
        who.authenticated_by = "oidc";
        who.expires = expires;
        return who;
    }

    // Fetches the JWKS now (at start, to fail early on a bad file or URI).
    result<void> refresh() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return load_locked(std::chrono::steady_clock::now());
    }

    std::size_t fetch_count() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return fetches_;
    }

private:
    struct token_parts {
        std::string_view header, payload, signature;
    };

    static std::optional<token_parts> split(std::string_view token) {
        const std::size_t a = token.find('.');
        if (a == std::string_view::npos) return std::nullopt;
        const std::size_t b = token.find('.', a + 1);
        if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) return std::nullopt;
        token_parts p{token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
        if (p.header.empty() || p.payload.empty() || p.signature.empty()) return std::nullopt;
        return p;
    }

    static tl::unexpected<error> invalid(const char* name, std::string why) { return tl::make_unexpected(error(name, std::move(why))); }

    static std::optional<long long> seconds_claim(const json& payload, const char* name) {
        auto it = payload.find(name);
        if (it == payload.end() || !it->is_number()) return std::nullopt;
        const double v = it->get<double>();
        if (!(v > -1e12 && v < 1e12)) return std::nullopt;
        return static_cast<long long>(v);
    }

    bool has_audience(const json& payload) const {
        auto aud = payload.find("aud");
        if (aud == payload.end()) return false;
        if (aud->is_string()) return *aud == provider_.audience;
        if (aud->is_array())
            for (const auto& a : *aud)
                if (a.is_string() && a == provider_.audience) return true;
        return false;
    }

    result<detail::jwk_key> find_key(const std::string& kid, const std::string& alg) const {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        auto pick = [&]() -> const detail::jwk_key* {
            for (const auto& k : keys_)
                if (k.kid == kid) return &k;
            return nullptr;
        };
        const detail::jwk_key* key = pick();
        // An unknown kid: the provider may have rotated its keys; fetch again, but not more often
        // than min_refresh_interval, so that made-up kids cannot make us hammer the provider.
        if (!key && (fetches_ == 0 || now - last_fetch_ >= provider_.min_refresh_interval)) {
            auto loaded = load_locked(now);
            if (!loaded) return tl::make_unexpected(std::move(loaded.error()));
            key = pick();
        }
        if (!key) return make_error("InvalidToken", "no key of the issuer has the kid '" + kid + "'");
        if (key->alg != alg) return make_error("InvalidToken", "the key '" + kid + "' is for " + key->alg + ", not " + alg);
        return *key;
    }

    result<void> load_locked(std::chrono::steady_clock::time_point now) const {
        ++fetches_;
        last_fetch_ = now;
        const std::string& source = provider_.jwks_uri.empty() ? provider_.jwks_file : provider_.jwks_uri;
        if (!fetch_) return make_error("InvalidKeySet", "no way to fetch the JWKS of '" + provider_.issuer + "'");
        auto text = fetch_(source);
        if (!text) return make_error("InvalidKeySet", "the JWKS of '" + provider_.issuer + "' could not be fetched: " + text.error().cause);
        json set = json::parse(*text, nullptr, false);
        if (!set.is_object() || !set.contains("keys") || !set["keys"].is_array())
            return make_error("InvalidKeySet", "the JWKS of '" + provider_.issuer + "' is not {\"keys\": [...]}");
        std::vector<detail::jwk_key> keys;
        for (const auto& jwk : set["keys"]) {
            auto key = detail::parse_jwk(jwk);
            if (key) keys.push_back(std::move(*key));  // keys of other types (enc, HS) are skipped, as clients do
        }
        keys_ = std::move(keys);
        return {};
    }

    oidc_provider provider_;
    jwks_fetcher fetch_;
    mutable std::mutex mutex_;
    mutable std::vector<detail::jwk_key> keys_;
    mutable std::size_t fetches_ = 0;
    mutable std::chrono::steady_clock::time_point last_fetch_{};
};

} // namespace stepfn

#endif
