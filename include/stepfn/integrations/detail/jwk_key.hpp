#ifndef STEPFN_INTEGRATIONS_DETAIL_JWK_KEY_HPP
#define STEPFN_INTEGRATIONS_DETAIL_JWK_KEY_HPP

// JSON Web Keys (RFC 7517) to OpenSSL 3 public keys, and JWS signature checks (RFC 7515/7518)
// for the two algorithms OIDC providers sign ID and access tokens with: RS256 (RSA PKCS#1 v1.5
// with SHA-256) and ES256 (ECDSA P-256 with SHA-256, the signature as raw r || s).

#include <memory>
#include <string>
#include <string_view>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/openssl_crypto.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail {

struct jwk_key {
    std::string kid;
    std::string alg;   // the algorithm this key is for: RS256 or ES256
    std::shared_ptr<EVP_PKEY> key;
};

struct bn_free {
    void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
struct param_bld_free {
    void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct param_free {
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct pkey_ctx_free {
    void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};

inline std::string jwk_text(const json& jwk, const char* key) {
    auto it = jwk.find(key);
    return it != jwk.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline result<std::shared_ptr<EVP_PKEY>> key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
    std::unique_ptr<OSSL_PARAM, param_free> params(OSSL_PARAM_BLD_to_param(bld));
    std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        clear_openssl_errors();
        return make_error("InvalidKey", std::string("OpenSSL refused the ") + type + " key");
    }
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// One JWK (an RSA or a P-256 EC public key) to a key; other types and curves are errors.
inline result<jwk_key> parse_jwk(const json& jwk) {
    if (!jwk.is_object()) return make_error("InvalidKey", "a JWK must be an object");
    jwk_key out;
    out.kid = jwk_text(jwk, "kid");
    const std::string kty = jwk_text(jwk, "kty"), alg = jwk_text(jwk, "alg"), use = jwk_text(jwk, "use");
    if (!use.empty() && use != "sig") return make_error("InvalidKey", "the key '" + out.kid + "' is not for signatures");
    std::unique_ptr<OSSL_PARAM_BLD, param_bld_free> bld(OSSL_PARAM_BLD_new());
    if (!bld) return make_error("InvalidKey", "out of memory");
    if (kty == "RSA") {
        if (!alg.empty() && alg != "RS256") return make_error("InvalidKey", "the RSA key '" + out.kid + "' is for " + alg + ", not RS256");
        std::string n, e;
        if (!base64url_decode(jwk_text(jwk, "n"), n) || !base64url_decode(jwk_text(jwk, "e"), e) || n.size() < 256 || n.size() > 1024 ||
            e.empty() || e.size() > 8)
            return make_error("InvalidKey", "the RSA key '" + out.kid + "' has no valid n and e (2048 to 8192 bits)");
        std::unique_ptr<BIGNUM, bn_free> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr));
        std::unique_ptr<BIGNUM, bn_free> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr));
        if (!bn_n || !bn_e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
            return make_error("InvalidKey", "out of memory");
        auto key = key_from_params("RSA", bld.get());
        if (!key) return tl::make_unexpected(std::move(key.error()));
        out.alg = "RS256";
        out.key = std::move(*key);
        return out;
    }
    if (kty == "EC") {
        if (jwk_text(jwk, "crv") != "P-256" || (!alg.empty() && alg != "ES256"))
            return make_error("InvalidKey", "the EC key '" + out.kid + "' is not a P-256 key for ES256");
        std::string x, y;
        if (!base64url_decode(jwk_text(jwk, "x"), x) || !base64url_decode(jwk_text(jwk, "y"), y) || x.size() != 32 || y.size() != 32)
            return make_error("InvalidKey", "the EC key '" + out.kid + "' has no valid x and y");
        const std::string point = std::string(1, '\x04') + x + y;  // uncompressed SEC1 point
        static char group[] = "prime256v1";
        if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
            return make_error("InvalidKey", "out of memory");
        auto key = key_from_params("EC", bld.get());
        if (!key) return tl::make_unexpected(std::move(key.error()));
        out.alg = "ES256";
        out.key = std::move(*key);
        return out;
    }
    return make_error("InvalidKey", "the key '" + out.kid + "' has the type '" + kty + "'; RSA and EC keys are supported");
}

// Whether `signature` (raw, as in the JWS) signs `signed_part` with `key` under `alg`.
inline bool jws_verify(const jwk_key& key, std::string_view signed_part, std::string_view signature) {
    std::string der;
    if (key.alg == "ES256") {
        // JWS carries r || s (32 bytes each); OpenSSL verifies DER.
        if (signature.size() != 64) return false;
        ECDSA_SIG* sig = ECDSA_SIG_new();
        BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), 32, nullptr);
        BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()) + 32, 32, nullptr);
        if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
            BN_free(r);
            BN_free(s);
            ECDSA_SIG_free(sig);
            clear_openssl_errors();
            return false;
        }
        unsigned char* out = nullptr;
        const int size = i2d_ECDSA_SIG(sig, &out);
        ECDSA_SIG_free(sig);
        if (size <= 0) {
            clear_openssl_errors();
            return false;
        }
        der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
        OPENSSL_free(out);
        signature = der;
    } else if (key.alg != "RS256") {
        return false;
    }
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) == 1 &&
                    EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                     reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
    if (!ok) clear_openssl_errors();
    return ok;
}

} // namespace stepfn::detail

#endif
