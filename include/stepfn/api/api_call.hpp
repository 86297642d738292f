#ifndef STEPFN_API_API_CALL_HPP
#define STEPFN_API_API_CALL_HPP

// One call of the AWS Step Functions API (the AWS JSON 1.0 protocol) as a server hands it to a
// protocol handler, and the reply that goes back: no network types, so that a host can mount the
// API in its own HTTP server, and `stepfn serve` mounts it in the one it ships.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/json.hpp>
#include <stepfn/principal.hpp>
#include <stepfn/unique_function.hpp>

namespace stepfn {

// Who sent a call: its address, what an authenticator needs of the HTTP request (the SigV4
// signature covers the method, path, query and headers), and, once authenticated, its
// identity, which the API's authoriser (api_options::authorizer) decides with.
struct api_caller {
    api_caller() = default;
    api_caller(std::string from) : address(std::move(from)) {}  // NOLINT: implicit, as `api_caller{"127.0.0.1:1"}` reads

    std::string address;   // "127.0.0.1:53422", "[::1]:53422"; empty when not over a network
    std::string method;    // "POST"; empty when not over HTTP
    std::string target;    // the request target as sent: "/" or "/?x=1"
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case, in the order received
    std::optional<principal> identity;  // set by an authenticator; none: anonymous

    // The first header of that (lower-case) name, or null.
    const std::string* header(std::string_view name) const {
        for (const auto& h : headers)
            if (h.first == name) return &h.second;
        return nullptr;
    }
};

// What goes back: an HTTP status and a JSON body. AWS's errors are 400 (the caller's fault) or
// 500 (the service's) with a body {"__type": "<ExceptionName>", "message": "..."}.
struct api_reply {
    unsigned status = 200;
    std::string body;      // JSON text, sent as application/x-amz-json-1.0
    std::string content_type = {};  // empty: application/x-amz-json-1.0 (GET /metrics sends text)
};

// Called exactly once per call, on any thread, possibly long after the call returned (a
// GetActivityTask long poll answers when a task comes or after 60 s).
using api_reply_handler = unique_function<void(api_reply)>;

// What a server calls for each request: the action is the part of `X-Amz-Target:
// AWSStepFunctions.<Action>` after the dot; the body is the request's JSON text, unparsed (the
// handler parses it with its limits and answers SerializationException when it is not JSON).
using api_handler = std::function<void(std::string_view action, std::string body, api_caller caller, api_reply_handler reply)>;

// An AWS-shaped error reply.
inline api_reply api_error_reply(unsigned status, std::string_view type, std::string_view message) {
    json body = json::object();
    body["__type"] = std::string(type);
    body["message"] = std::string(message);
    return api_reply{status, body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

} // namespace stepfn

#endif
