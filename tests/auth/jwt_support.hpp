#pragma once

// Keys made by OpenSSL for one test, their JWKs, JWTs signed with them, and a JWKS served on
// 127.0.0.1 by a small thread that a test can rotate.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <stepfn/integrations/detail/openssl_crypto.hpp>
#include <stepfn/json.hpp>

namespace jwt_test {

struct test_key {
    std::string kid;
    std::string alg;  // RS256 or ES256
    std::shared_ptr<EVP_PKEY> key;

    static test_key make(std::string kid, std::string alg) {
        EVP_PKEY* k = alg == "RS256" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        return test_key{std::move(kid), std::move(alg), std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free)};
    }

    stepfn::json jwk() const {
        stepfn::json out = {{"kid", kid}, {"use", "sig"}, {"alg", alg}};
        if (alg == "RS256") {
            out["kty"] = "RSA";
            for (const char* name : {"n", "e"}) {
                BIGNUM* bn = nullptr;
                EVP_PKEY_get_bn_param(key.get(), name, &bn);
                std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
                BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
                BN_free(bn);
                out[name] = stepfn::detail::base64url_encode(bytes);
            }
        } else {
            unsigned char point[65];
            std::size_t size = 0;
            EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &size);
            out["kty"] = "EC";
            out["crv"] = "P-256";
            out["x"] = stepfn::detail::base64url_encode(std::string(reinterpret_cast<char*>(point) + 1, 32));
            out["y"] = stepfn::detail::base64url_encode(std::string(reinterpret_cast<char*>(point) + 33, 32));
        }
        return out;
    }

    // The raw JWS signature of `data`.
    std::string sign(const std::string& data) const {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        std::size_t size = 0;
        EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.get());
        EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()), data.size());
        std::string sig(size, '\0');
        EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size, reinterpret_cast<const unsigned char*>(data.data()),
                       data.size());
        sig.resize(size);
        EVP_MD_CTX_free(ctx);
        if (alg == "RS256") return sig;
        // DER to r || s.
        const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
        ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
        std::string raw(64, '\0');
        BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()), 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
        ECDSA_SIG_free(ecdsa);
        return raw;
    }
};

inline std::string b64(const stepfn::json& j) { return stepfn::detail::base64url_encode(j.dump()); }

// header.payload.signature, signed by `key` (the header names its kid and alg unless given).
inline std::string token(const test_key& key, const stepfn::json& payload, stepfn::json header = nullptr) {
    if (header.is_null()) header = {{"alg", key.alg}, {"typ", "JWT"}, {"kid", key.kid}};
    const std::string signed_part = b64(header) + "." + b64(payload);
    return signed_part + "." + stepfn::detail::base64url_encode(key.sign(signed_part));
}

inline stepfn::json jwks(std::initializer_list<const test_key*> keys) {
    stepfn::json set = {{"keys", stepfn::json::array()}};
    for (const auto* k : keys) set["keys"].push_back(k->jwk());
    return set;
}

// Serves one document (which set() replaces) to any GET on 127.0.0.1:<port>.
class jwks_server {
public:
    jwks_server() {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        listen(fd_, 16);
        socklen_t len = sizeof a;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~jwks_server() {
        stop_ = true;
        thread_.join();
        close(fd_);
    }
    void set(std::string body) {
        std::lock_guard<std::mutex> lock(mutex_);
        body_ = std::move(body);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/keys"; }
    int requests() const { return requests_.load(); }

private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            std::string request;
            char buf[2048];
            for (int i = 0; i < 100 && request.find("\r\n\r\n") == std::string::npos; ++i) {
                pollfd q{c, POLLIN, 0};
                if (poll(&q, 1, 100) <= 0) continue;
                const ssize_t n = read(c, buf, sizeof buf);
                if (n <= 0) break;
                request.append(buf, static_cast<std::size_t>(n));
            }
            std::string body;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                body = body_;
            }
            ++requests_;
            const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                                      "\r\nConnection: close\r\n\r\n" + body;
            std::size_t sent = 0;
            while (sent < reply.size()) {
                const ssize_t n = write(c, reply.data() + sent, reply.size() - sent);
                if (n <= 0) break;
                sent += static_cast<std::size_t>(n);
            }
            close(c);
        }
    }

    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> requests_{0};
    std::mutex mutex_;
    std::string body_ = "{\"keys\":[]}";
    std::thread thread_;
};

} // namespace jwt_test
