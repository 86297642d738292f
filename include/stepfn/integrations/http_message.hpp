#ifndef STEPFN_INTEGRATIONS_HTTP_MESSAGE_HPP
#define STEPFN_INTEGRATIONS_HTTP_MESSAGE_HPP

// One HTTP exchange as stepfn::http_client sends it: the request, the response, and the error
// names a failed exchange carries. Part of the stepfn::http target (libcurl).

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace stepfn {

// Error names of a request that got no usable response.
namespace http_errors {
// No connection, a reset or a closed connection, a TLS failure (AWS's HTTP Task name).
inline constexpr const char* socket = "States.Http.Socket";
// The request's timeout elapsed (the Task's deadline, or the client's cap).
inline constexpr const char* timeout = "States.Timeout";
// The response body was larger than the request allowed.
inline constexpr const char* too_large = "States.DataLimitExceeded";
// The request was cancelled (the attempt timed out or the execution stopped).
inline constexpr const char* cancelled = "stepfn.Http.Cancelled";
// The client was destroyed with the request outstanding.
inline constexpr const char* shutdown = "stepfn.Http.Shutdown";
} // namespace http_errors

// TLS settings of a request. Empty paths mean the system's defaults (its CA store, no client
// certificate).
struct http_tls {
    std::string ca_file;             // PEM bundle of the CAs to trust instead of the system store
    std::string client_certificate;  // PEM client certificate (mutual TLS)
    std::string client_key;          // PEM private key of the client certificate
    std::string key_password;        // the key's passphrase, when it has one
};

struct http_request {
    std::string method = "GET";
    std::string url;                 // http:// or https:// only
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds timeout{60000};  // the whole exchange, connection included
    bool follow_redirects = false;   // up to max_redirects hops, http(s) only
    long max_redirects = 10;
    std::size_t max_response_bytes = std::size_t{1} << 20;
    http_tls tls;
};

struct http_response {
    long status = 0;
    std::string reason;              // the status line's reason phrase ("OK"), may be empty
    std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
    std::string body;
    std::string redirect_url;        // a 3xx's absolute Location when redirects are not followed

    // The first header with this name (case-insensitive), or nullptr.
    const std::string* header(const std::string& name) const {
        for (const auto& h : headers) {
            if (h.first.size() != name.size()) continue;
            bool same = true;
            for (std::size_t i = 0; i < name.size() && same; ++i)
                same = to_lower(h.first[i]) == to_lower(name[i]);
            if (same) return &h.second;
        }
        return nullptr;
    }

private:
    static char to_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
};

} // namespace stepfn

#endif
