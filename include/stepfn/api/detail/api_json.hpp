#ifndef STEPFN_API_DETAIL_API_JSON_HPP
#define STEPFN_API_DETAIL_API_JSON_HPP

// The JSON the API reads and writes: a request body parsed within limits (its size and nesting
// checked before the parser sees it, so a hostile body costs one linear scan), AWS's timestamps
// (epoch seconds as a JSON number, with milliseconds), and JSON text members (an execution's
// input, a task's output) that must themselves be JSON.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <stepfn/api/api_error.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail {

// The deepest nesting of arrays and objects in JSON text, counted outside strings; stops
// counting past `limit` (the caller refuses the text then).
inline std::size_t json_nesting(std::string_view text, std::size_t limit) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') {
            if (++depth > deepest) deepest = depth;
            if (deepest > limit) return deepest;
        } else if ((c == '}' || c == ']') && depth > 0) --depth;
    }
    return deepest;
}

// JSON text within limits, or nullopt (the caller words the error for its member).
inline std::optional<json> parse_json_text(std::string_view text, std::size_t max_depth) {
    if (json_nesting(text, max_depth) > max_depth) return std::nullopt;
    json value = json::parse(text.begin(), text.end(), nullptr, false);
    if (value.is_discarded()) return std::nullopt;
    return value;
}

// A request body: a JSON object. An empty body is read as `{}`, as the SDKs never send one.
inline api_outcome parse_request(std::string_view body, std::size_t max_bytes, std::size_t max_depth) {
    if (body.size() > max_bytes)
        return api_fail("RequestEntityTooLargeException",
                        "Request body of " + std::to_string(body.size()) + " bytes exceeds the limit of " + std::to_string(max_bytes) + " bytes",
                        413);
    std::size_t start = body.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return json::object();
    if (json_nesting(body, max_depth) > max_depth)
        return api_fail("SerializationException", "The request is nested more than " + std::to_string(max_depth) + " levels deep");
    json request = json::parse(body.begin(), body.end(), nullptr, false);
    if (request.is_discarded()) return api_fail("SerializationException", "Start of structure or map found where not expected, or the request is not valid JSON");
    if (!request.is_object()) return api_fail("SerializationException", "The request body must be a JSON object");
    return request;
}

// AWS's timestamps: seconds since the epoch, a JSON number with milliseconds (1.7e9 + .123).
inline json api_timestamp(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return static_cast<double>(ms) / 1000.0;
}

// Text that must be JSON (an execution's input, a task's output), within the nesting limit.
inline api_outcome json_member(const std::string& text, std::size_t max_depth, const char* exception, const char* what) {
    auto parsed = parse_json_text(text, max_depth);
    if (!parsed) return api_fail(exception, std::string("Invalid ") + what + ": the " + what + " must be valid JSON (nested at most " +
                                                  std::to_string(max_depth) + " levels)");
    return std::move(*parsed);
}

} // namespace stepfn::detail

#endif
