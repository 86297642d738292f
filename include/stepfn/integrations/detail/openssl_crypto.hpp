#ifndef STEPFN_INTEGRATIONS_DETAIL_OPENSSL_CRYPTO_HPP
#define STEPFN_INTEGRATIONS_DETAIL_OPENSSL_CRYPTO_HPP

// The few OpenSSL 3 calls stepfn::auth makes, wrapped so that the rest reads as plain C++:
// SHA-256, HMAC-SHA-256, constant-time comparison, hex and base64url, and owning handles.
// Nothing cryptographic is written here by hand.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stepfn/detail/base64.hpp>
#include <stepfn/detail/hex.hpp>

namespace stepfn::detail {

struct evp_pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_free>;
struct evp_md_ctx_free {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, evp_md_ctx_free>;

// OpenSSL keeps errors in a per-thread queue: drained after a failure, so that a later call on
// this thread does not read a stale one.
inline void clear_openssl_errors() noexcept { ERR_clear_error(); }

// Raw 32-byte digest; empty if OpenSSL failed (allocation).
inline std::string sha256_raw(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), out, &size, EVP_sha256(), nullptr) != 1) {
        clear_openssl_errors();
        return {};
    }
    return std::string(reinterpret_cast<const char*>(out), size);
}

inline std::string hmac_sha256_raw(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
              out, &size)) {
        clear_openssl_errors();
        return {};
    }
    return std::string(reinterpret_cast<const char*>(out), size);
}

inline std::string sha256_hex(std::string_view data) { return hex_of_bytes(sha256_raw(data)); }

// Equal contents, in time that depends on the length only (signatures, tokens).
inline bool constant_time_equals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// RFC 4648 section 5 (JWTs and JWKs): '-' '_' for '+' '/', padding optional.
inline bool base64url_decode(std::string_view text, std::string& out) {
    std::string standard;
    standard.reserve(text.size() + 3);
    for (char c : text) {
        if (c == '+' || c == '/' || c == '=') return false;  // the other alphabet, or padding inside
        standard += c == '-' ? '+' : c == '_' ? '/' : c;
    }
    if (standard.size() % 4 == 1) return false;
    while (standard.size() % 4 != 0) standard += '=';
    return base64_decode(standard, out);
}

inline std::string base64url_encode(std::string_view bytes) {
    std::string s = base64_encode(bytes);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return s;
}

} // namespace stepfn::detail

#endif
