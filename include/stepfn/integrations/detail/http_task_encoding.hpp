#ifndef STEPFN_INTEGRATIONS_DETAIL_HTTP_TASK_ENCODING_HPP
#define STEPFN_INTEGRATIONS_DETAIL_HTTP_TASK_ENCODING_HPP

// The HTTP Task's request pieces: which headers a definition may not set, URL encoding of
// query parameters and of a URL_ENCODED body with its ArrayFormat, the Basic credential, and
// the result object AWS returns.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/base64.hpp>
#include <stepfn/detail/hex.hpp>
#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/bounded_json.hpp>
#include <stepfn/integrations/http_message.hpp>
#include <stepfn/json.hpp>

namespace stepfn {
namespace detail {

inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Headers an HTTP Task may not set (AWS's list): the transport's own, and the AWS prefixes.
inline bool forbidden_http_task_header(std::string_view name) {
    const std::string n = ascii_lower(name);
    for (std::string_view prefix : {"x-forwarded-", "x-amz-", "x-amzn-"})
        if (n.compare(0, prefix.size(), prefix) == 0) return true;
    static constexpr std::string_view names[] = {
        "a-im", "accept-charset", "accept-datetime", "accept-encoding", "authorization", "cache-control", "connection",
        "content-encoding", "content-length", "content-md5", "date", "expect", "forwarded", "from", "host",
        "http2-settings", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
        "max-forwards", "origin", "pragma", "proxy-authorization", "referer", "server", "te", "trailer",
        "transfer-encoding", "upgrade", "via", "warning"};
    return std::find(std::begin(names), std::end(names), n) != std::end(names);
}

// A scalar as the text it is sent as; nullopt-like empty error for objects and arrays.
inline result<std::string> scalar_text(const json& v, const std::string& where) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return std::string();
    if (v.is_boolean() || v.is_number()) return v.dump();
    return make_error(errors::runtime, where + " must be a string, number or boolean");
}

enum class array_format { indices, repeat, commas, brackets };

inline result<array_format> parse_array_format(const json& transform) {
    if (!transform.is_object()) return array_format::indices;
    auto options = transform.find("RequestEncodingOptions");
    if (options == transform.end()) return array_format::indices;
    if (!options->is_object()) return make_error(errors::runtime, "Transform.RequestEncodingOptions must be an object");
    auto f = options->find("ArrayFormat");
    if (f == options->end()) return array_format::indices;
    const std::string name = f->is_string() ? f->get<std::string>() : std::string();
    if (name == "INDICES") return array_format::indices;
    if (name == "REPEAT") return array_format::repeat;
    if (name == "COMMAS") return array_format::commas;
    if (name == "BRACKETS") return array_format::brackets;
    return make_error(errors::runtime, "Transform.RequestEncodingOptions.ArrayFormat must be INDICES, REPEAT, COMMAS or BRACKETS");
}

// key=value pairs of an object: arrays by `format`, nested objects as key[sub], at most
// `depth` levels deep.
inline result<void> flatten_pairs(const json& value, const std::string& key, array_format format, std::size_t depth,
                                  std::vector<std::pair<std::string, std::string>>& out, const std::string& where) {
    if (depth > 32) return make_error(errors::runtime, where + " nests too deeply to be URL-encoded");
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::string sub = key.empty() ? it.key() : key + "[" + it.key() + "]";
            auto r = flatten_pairs(it.value(), sub, format, depth + 1, out, where);
            if (!r) return r;
        }
        return {};
    }
    if (value.is_array()) {
        if (format == array_format::commas) {
            std::string joined;
            for (std::size_t i = 0; i < value.size(); ++i) {
                auto t = scalar_text(value[i], where + " item");
                if (!t) return tl::make_unexpected(std::move(t.error()));
                joined += (i ? "," : "") + *t;
            }
            out.emplace_back(key, std::move(joined));
            return {};
        }
        for (std::size_t i = 0; i < value.size(); ++i) {
            std::string sub = key;
            if (format == array_format::indices) sub += "[" + std::to_string(i) + "]";
            else if (format == array_format::brackets) sub += "[]";
            auto r = flatten_pairs(value[i], sub, format, depth + 1, out, where);
            if (!r) return r;
        }
        return {};
    }
    auto t = scalar_text(value, where);
    if (!t) return tl::make_unexpected(std::move(t.error()));
    out.emplace_back(key, std::move(*t));
    return {};
}

inline std::string join_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string out;
    for (const auto& p : pairs) {
        if (!out.empty()) out += '&';
        out += percent_encode(p.first) + "=" + percent_encode(p.second);
    }
    return out;
}

// scheme://host[:port] of a URL, lower-cased, for "same origin" checks.
inline std::string url_origin(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    const auto rest = url.find_first_of("/?#", scheme_end + 3);
    return ascii_lower(url.substr(0, rest));
}

// AWS's result: StatusCode, StatusText, Headers (each name → its values), ResponseBody (parsed
// when the content type is JSON, else the text).
inline json http_task_result(const http_response& r) {
    json headers = json::object();
    for (const auto& h : r.headers) {
        auto existing = headers.end();
        for (auto it = headers.begin(); it != headers.end(); ++it)
            if (ascii_lower(it.key()) == ascii_lower(h.first)) existing = it;
        if (existing == headers.end()) headers[h.first] = json::array({h.second});
        else existing->push_back(h.second);
    }
    json body = r.body;
    if (const std::string* type = r.header("Content-Type")) {
        std::string media = ascii_lower(type->substr(0, type->find(';')));
        while (!media.empty() && media.back() == ' ') media.pop_back();
        const bool is_json = media == "application/json" || (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
        if (is_json && !r.body.empty()) {
            auto parsed = parse_reply(r.body, "the response body");
            if (parsed) body = std::move(*parsed);
        }
    }
    json out = json::object();
    out["StatusCode"] = r.status;
    out["StatusText"] = r.reason;
    out["Headers"] = std::move(headers);
    out["ResponseBody"] = std::move(body);
    return out;
}

inline std::string basic_credentials(const std::string& user, const std::string& password) {
    return "Basic " + base64_encode(user + ":" + password);
}

} // namespace detail
} // namespace stepfn

#endif
