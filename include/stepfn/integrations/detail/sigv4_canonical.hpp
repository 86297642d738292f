#ifndef STEPFN_INTEGRATIONS_DETAIL_SIGV4_CANONICAL_HPP
#define STEPFN_INTEGRATIONS_DETAIL_SIGV4_CANONICAL_HPP

// The pieces of AWS Signature Version 4 that are text, not cryptography: the Authorization
// header's parts, the x-amz-date timestamp, and the canonical request (method, URI, query,
// the signed headers and the payload hash) exactly as AWS's signing documentation builds it.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/api/api_call.hpp>
#include <stepfn/detail/hex.hpp>
#include <stepfn/detail/timestamp_impl.hpp>

namespace stepfn::detail {

struct sigv4_authorization {
    std::string access_key_id;
    std::string date;      // YYYYMMDD of the credential scope
    std::string region;
    std::string service;
    std::vector<std::string> signed_headers;  // as listed, lower-case, ';'-separated on the wire
    std::string signed_headers_text;
    std::string signature;  // hex
};

// Spaces and tabs only, as SigV4 trims header values (not the JSONata lexer's wider set).
inline std::string_view trim_header_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/states/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<hex>"; nullopt when it is not that shape.
inline std::optional<sigv4_authorization> parse_sigv4_authorization(std::string_view header) {
    constexpr std::string_view scheme = "AWS4-HMAC-SHA256 ";
    if (header.size() > 4096 || header.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
    header.remove_prefix(scheme.size());
    sigv4_authorization out;
    std::string credential;
    bool has_headers = false;
    while (!header.empty()) {
        const std::size_t comma = header.find(',');
        std::string_view part = trim_header_blanks(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        const std::size_t eq = part.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
        if (key == "Credential") credential = std::string(value);
        else if (key == "SignedHeaders") {
            has_headers = true;
            out.signed_headers_text = std::string(value);
        } else if (key == "Signature") out.signature = std::string(value);
        else return std::nullopt;
    }
    // Credential: AKID/date/region/service/aws4_request (the key id has no '/').
    std::vector<std::string> scope;
    std::size_t start = 0;
    while (scope.size() < 6) {
        const std::size_t slash = credential.find('/', start);
        scope.push_back(credential.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    if (scope.size() != 5 || scope[4] != "aws4_request" || scope[0].empty() || scope[1].size() != 8) return std::nullopt;
    if (!has_headers || out.signature.size() != 64) return std::nullopt;
    out.access_key_id = scope[0];
    out.date = scope[1];
    out.region = scope[2];
    out.service = scope[3];
    std::string_view names(out.signed_headers_text);
    while (!names.empty()) {
        const std::size_t semi = names.find(';');
        std::string_view name = names.substr(0, semi);
        if (name.empty()) return std::nullopt;
        out.signed_headers.emplace_back(name);
        names = semi == std::string_view::npos ? std::string_view() : names.substr(semi + 1);
    }
    if (out.signed_headers.empty()) return std::nullopt;
    return out;
}

// x-amz-date: YYYYMMDD'T'HHMMSS'Z'.
inline std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view text) {
    if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
    std::size_t pos = 0;
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, pos, 4, year) || !read_digits(text, pos, 2, month) || !read_digits(text, pos, 2, day)) return std::nullopt;
    ++pos;
    if (!read_digits(text, pos, 2, hour) || !read_digits(text, pos, 2, minute) || !read_digits(text, pos, 2, second)) return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    const std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

inline std::string format_amz_date(std::chrono::system_clock::time_point t) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    std::int64_t days = seconds / 86400, rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    const civil_date d = civil_from_days(days);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04lld%02u%02uT%02lld%02lld%02lldZ", static_cast<long long>(d.year), d.month, d.day,
                  static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
    return buffer;
}

inline std::string uri_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const int high = s[i] == '%' && i + 2 < s.size() ? hex_digit_value(s[i + 1]) : -1;
        const int low = high >= 0 ? hex_digit_value(s[i + 2]) : -1;
        if (low >= 0) {
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// The canonical request; nullopt when a signed header is missing from the request.
inline std::optional<std::string> sigv4_canonical_request(const api_caller& request, const sigv4_authorization& auth,
                                                          std::string_view payload_hash) {
    std::string_view target(request.target);
    const std::size_t question = target.find('?');
    const std::string_view path = target.substr(0, question);
    const std::string_view query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

    std::string out;
    out.reserve(512);
    out.append(request.method).append(1, '\n');
    // Services other than S3 sign the path as sent, encoded once more.
    out.append(path.empty() ? std::string("/") : percent_encode(path, true)).append(1, '\n');
    std::vector<std::pair<std::string, std::string>> params;
    std::string_view rest = query;
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        params.emplace_back(percent_encode(uri_decode(pair.substr(0, eq)), false),
                            eq == std::string_view::npos ? std::string() : percent_encode(uri_decode(pair.substr(eq + 1)), false));
    }
    std::sort(params.begin(), params.end());
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i) out += '&';
        out.append(params[i].first).append(1, '=').append(params[i].second);
    }
    out += '\n';
    for (const auto& name : auth.signed_headers) {
        // Every value of that name, trimmed, inner runs of spaces made one, joined by ','.
        bool found = false;
        out.append(name).append(1, ':');
        for (const auto& h : request.headers) {
            if (h.first != name) continue;
            if (found) out += ',';
            found = true;
            bool space = false;
            for (char c : trim_header_blanks(h.second)) {
                if (c == ' ' || c == '\t') {
                    space = true;
                    continue;
                }
                if (space) out += ' ';
                space = false;
                out += c;
            }
        }
        if (!found) return std::nullopt;
        out += '\n';
    }
    out += '\n';
    out.append(auth.signed_headers_text).append(1, '\n').append(payload_hash);
    return out;
}

} // namespace stepfn::detail

#endif
