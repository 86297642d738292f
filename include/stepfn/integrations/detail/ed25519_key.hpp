#ifndef STEPFN_INTEGRATIONS_DETAIL_ED25519_KEY_HPP
#define STEPFN_INTEGRATIONS_DETAIL_ED25519_KEY_HPP

// Ed25519 keys from PEM files (as `openssl genpkey -algorithm ed25519` writes them), their raw
// public bytes, and one-shot signing and verification through OpenSSL 3.

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/pem.h>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/openssl_crypto.hpp>

namespace stepfn::detail {

struct bio_free {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};

// A private key (for signing) or a public one (for verifying), from PEM text.
inline result<std::shared_ptr<EVP_PKEY>> read_ed25519_pem(std::string_view pem, bool private_key) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* key = bio ? (private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                                       : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr))
                        : nullptr;
    if (!key) {
        clear_openssl_errors();
        return make_error("InvalidKey", private_key ? "not a PEM private key" : "not a PEM public key");
    }
    std::shared_ptr<EVP_PKEY> out(key, EVP_PKEY_free);
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) return make_error("InvalidKey", "the key is not an Ed25519 key");
    return out;
}

inline std::string ed25519_public_raw(EVP_PKEY* key) {
    unsigned char raw[32];
    std::size_t size = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &size) != 1) {
        clear_openssl_errors();
        return {};
    }
    return std::string(reinterpret_cast<const char*>(raw), size);
}

inline result<std::shared_ptr<EVP_PKEY>> ed25519_from_public_raw(std::string_view raw) {
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
    if (!key) {
        clear_openssl_errors();
        return make_error("InvalidKey", "not an Ed25519 public key");
    }
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

inline std::string ed25519_sign(EVP_PKEY* key, std::string_view message) {
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    unsigned char sig[64];
    std::size_t size = sizeof sig;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), sig, &size, reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
        clear_openssl_errors();
        return {};
    }
    return std::string(reinterpret_cast<const char*>(sig), size);
}

inline bool ed25519_verify(EVP_PKEY* key, std::string_view message, std::string_view signature) {
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) == 1 &&
                    EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
    if (!ok) clear_openssl_errors();
    return ok;
}

} // namespace stepfn::detail

#endif
