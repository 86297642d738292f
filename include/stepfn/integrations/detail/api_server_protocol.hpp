#ifndef STEPFN_INTEGRATIONS_DETAIL_API_SERVER_PROTOCOL_HPP
#define STEPFN_INTEGRATIONS_DETAIL_API_SERVER_PROTOCOL_HPP

// The AWS JSON 1.0 framing of the API server (no sockets here): which requests reach the
// protocol handler, what every other request is answered, and the reply's headers.

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

#include <stepfn/api/api_call.hpp>
#include <stepfn/integrations/api_server_options.hpp>
#include <stepfn/integrations/auth_handler.hpp>

namespace stepfn::detail {

namespace server_http = boost::beast::http;

inline constexpr std::string_view api_target_prefix = "AWSStepFunctions.";
inline constexpr const char* api_content_type = "application/x-amz-json-1.0";

// Where a parsed request goes.
struct api_route {
    enum class kind { call, health, metrics, error } what = kind::error;
    std::string action;       // kind::call: the part of X-Amz-Target after the dot
    api_reply reply;          // kind::health and kind::error: the answer (kind::metrics: metrics_reply's)
};

inline bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

inline std::string_view trim_http_space(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// application/x-amz-json-1.0 as AWS's SDKs send it, or application/json (curl, hand-written
// clients); parameters such as "; charset=utf-8" are allowed.
inline bool accepted_content_type(std::string_view value) noexcept {
    auto semicolon = value.find(';');
    std::string_view media = trim_http_space(value.substr(0, semicolon));
    return ascii_iequals(media, api_content_type) || ascii_iequals(media, "application/json");
}

// The printable ASCII in a header value, at most 100 characters: error messages quote what the
// client sent without echoing control bytes or a long header back.
inline std::string quoted_for_message(std::string_view value) {
    std::string out;
    for (char c : value.substr(0, 100)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (value.size() > 100) out += "...";
    return out;
}

// GET /metrics, /healthz and /readyz (docs/observability.md): operations' endpoints beside the API.
inline bool route_operations(std::string_view path, server_http::verb method, const api_server_options* options,
                             api_route& route) {
    if (path != "/metrics" && path != "/healthz" && path != "/readyz") return false;
    if (method != server_http::verb::get && method != server_http::verb::head) {
        route.reply = api_error_reply(405, "UnknownOperationException", "only GET and HEAD are allowed on " + std::string(path));
        return true;
    }
    route.what = api_route::kind::health;
    if (path == "/healthz") {
        route.reply = api_reply{200, R"({"status":"ok"})"};
    } else if (path == "/readyz") {
        const bool ready = !options || !options->ready || options->ready();
        route.reply = ready ? api_reply{200, R"({"status":"ready"})"} : api_reply{503, R"({"status":"not ready"})"};
    } else if (options && options->metrics) {
        route.what = api_route::kind::metrics;  // answered by metrics_reply, which needs the caller
    } else {
        route.what = api_route::kind::error;
        route.reply = api_error_reply(404, "UnknownOperationException", "this server has no metrics");
    }
    return true;
}

// GET /metrics once the caller is known: the text, or the refusal metrics_access (or, unset,
// the loopback rule) gives.
inline api_reply metrics_reply(const api_server_options& options, const api_caller& caller) {
    result<void> allowed;
    if (options.metrics_access) {
        allowed = options.metrics_access(caller);
    } else if (!is_loopback_address(caller.address)) {
        allowed = make_error("AccessDeniedException", "GET /metrics is answered to callers from loopback only");
    }
    if (!allowed) {
        const unsigned status = allowed.error().name == "AccessDeniedException" ? 403 : 401;
        return api_error_reply(status, allowed.error().name, allowed.error().cause);
    }
    return api_reply{200, options.metrics ? options.metrics() : std::string(), "text/plain; version=0.0.4; charset=utf-8"};
}

// Answers GET / (a health check: load balancers and `curl http://host:port/`) and the
// operations' endpoints, refuses other paths and methods, and hands a well-formed POST / on to
// the protocol handler.
inline api_route route_api_request(const server_http::request<server_http::string_body>& request,
                                   const api_server_options* options = nullptr) {
    api_route route;
    std::string_view target(request.target().data(), request.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    auto method = request.method();
    if (route_operations(path, method, options, route)) return route;
    if (path != "/") {
        route.reply = api_error_reply(404, "UnknownOperationException",
                                      "no such resource '" + quoted_for_message(path) +
                                          "': the AWS Step Functions API is served at POST /");
        return route;
    }
    if (method == server_http::verb::get || method == server_http::verb::head) {
        route.what = api_route::kind::health;
        route.reply = api_reply{200, R"({"status":"ok","service":"AWSStepFunctions"})"};
        return route;
    }
    if (method != server_http::verb::post) {
        route.reply = api_error_reply(405, "UnknownOperationException",
                                      "method " + quoted_for_message(std::string_view(request.method_string().data(), request.method_string().size())) +
                                          " is not allowed: the API takes POST / (GET / answers a health check)");
        return route;
    }
    auto target_header = request.find("X-Amz-Target");
    if (target_header == request.end()) {
        route.reply = api_error_reply(400, "UnknownOperationException",
                                      "the request has no X-Amz-Target header (expected AWSStepFunctions.<Action>)");
        return route;
    }
    std::string_view amz_target = trim_http_space(std::string_view(target_header->value().data(), target_header->value().size()));
    if (amz_target.size() <= api_target_prefix.size() || amz_target.substr(0, api_target_prefix.size()) != api_target_prefix) {
        route.reply = api_error_reply(400, "UnknownOperationException",
                                      "unknown operation '" + quoted_for_message(amz_target) +
                                          "': X-Amz-Target must be AWSStepFunctions.<Action>");
        return route;
    }
    auto content_type = request.find(server_http::field::content_type);
    std::string_view type = content_type == request.end() ? std::string_view()
                                                           : std::string_view(content_type->value().data(), content_type->value().size());
    if (!accepted_content_type(type)) {
        route.reply = api_error_reply(400, "SerializationException",
                                      type.empty() ? std::string("the request has no Content-Type (expected application/x-amz-json-1.0)")
                                                   : "Content-Type '" + quoted_for_message(type) +
                                                         "' is not accepted (expected application/x-amz-json-1.0 or application/json)");
        return route;
    }
    route.what = api_route::kind::call;
    route.action = std::string(amz_target.substr(api_target_prefix.size()));
    return route;
}

// x-amzn-RequestId: a random (version 4) UUID per request, as AWS sends.
class request_id_source {
public:
    request_id_source() : engine_(std::random_device{}()) {}

    std::string next() {
        std::uint64_t hi, lo;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            hi = engine_();
            lo = engine_();
        }
        hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
        lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
        char text[37];
        std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                      static_cast<unsigned>((hi >> 16) & 0xffffU), static_cast<unsigned>(hi & 0xffffU),
                      static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
        return std::string(text, 36);
    }

private:
    std::mutex mutex_;
    std::mt19937_64 engine_;
};

// A reply as HTTP: AWS's headers, keep-alive as decided by the connection.
inline server_http::response<server_http::string_body> make_api_response(api_reply reply, unsigned http_version, bool keep_alive,
                                                                         std::string request_id, bool head_only) {
    server_http::response<server_http::string_body> response;
    response.version(http_version);
    response.result(reply.status);
    response.set(server_http::field::server, "stepfn");
    response.set(server_http::field::content_type, reply.content_type.empty() ? std::string(api_content_type) : reply.content_type);
    response.set("x-amzn-RequestId", request_id);
    if (reply.status == 405) response.set(server_http::field::allow, "GET, HEAD, POST");
    response.keep_alive(keep_alive);
    response.body() = std::move(reply.body);
    response.prepare_payload();
    if (head_only) response.body().clear();  // HEAD: the length of what GET would send, no body
    return response;
}

} // namespace stepfn::detail

#endif
