#ifndef STEPFN_API_API_ERROR_HPP
#define STEPFN_API_API_ERROR_HPP

// An action's outcome: its response, or one of AWS's exceptions (the name the SDKs throw, its
// message, and the HTTP status AWS answers it with).

#include <string>
#include <utility>

#include <tl/expected.hpp>

#include <stepfn/api/api_call.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

struct api_error {
    std::string type;      // "ExecutionDoesNotExist", "ValidationException", ...
    std::string message;
    unsigned status = 400; // 400: the caller's fault; 500: the service's
};

using api_outcome = tl::expected<json, api_error>;

inline tl::unexpected<api_error> api_fail(std::string type, std::string message, unsigned status = 400) {
    return tl::make_unexpected(api_error{std::move(type), std::move(message), status});
}

inline api_reply to_reply(const api_outcome& outcome) {
    // Replacing invalid UTF-8 rather than throwing: a reply is always sent.
    if (outcome) return api_reply{200, outcome->dump(-1, ' ', false, json::error_handler_t::replace)};
    return api_error_reply(outcome.error().status, outcome.error().type, outcome.error().message);
}

} // namespace stepfn

#endif
