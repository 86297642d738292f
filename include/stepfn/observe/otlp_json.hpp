#ifndef STEPFN_OBSERVE_OTLP_JSON_HPP
#define STEPFN_OBSERVE_OTLP_JSON_HPP

// Spans as an OTLP/HTTP JSON request body (ExportTraceServiceRequest in the protobuf JSON
// mapping, as OpenTelemetry's protocol specifies for JSON: trace and span ids in lower-case hex,
// 64-bit integers as decimal strings, enums as numbers). The exporter that sends it is
// stepfn/integrations/otlp_exporter.hpp; this part needs no HTTP.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/json.hpp>
#include <stepfn/observe/span_buffer.hpp>
#include <stepfn/observe/tracing.hpp>
#include <stepfn/version.hpp>

namespace stepfn {

namespace detail {

inline json otlp_value(const span_value& v) {
    switch (v.type) {
    case span_value::kind::string: return json{{"stringValue", std::string(v.text)}};
    case span_value::kind::boolean: return json{{"boolValue", v.boolean}};
    case span_value::kind::integer: return json{{"intValue", std::to_string(v.integer)}};
    case span_value::kind::floating: return json{{"doubleValue", v.floating}};
    }
    return json{{"stringValue", std::string(v.text)}};
}

template <class Attributes>
json otlp_attributes(const Attributes& attributes, std::size_t count) {
    json out = json::array();
    for (std::size_t i = 0; i < count; ++i)
        out.push_back(json{{"key", std::string(attributes[i].key)}, {"value", otlp_value(attributes[i].value)}});
    return out;
}

inline std::string unix_nanos(std::chrono::system_clock::time_point t) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    return std::to_string(ns < 0 ? 0 : ns);
}

} // namespace detail

struct otlp_resource {
    std::string service_name = "stepfn";
    std::vector<std::pair<std::string, std::string>> attributes;  // more, e.g. {"deployment.environment", "prod"}
};

namespace detail {

inline json otlp_span(const span_data& s) {
    json span = json::object();
    span["traceId"] = trace_id_hex(s.context);
    span["spanId"] = span_id_hex(s.context.span_id);
    if (s.parent_span_id) span["parentSpanId"] = span_id_hex(s.parent_span_id);
    span["flags"] = static_cast<std::uint32_t>(s.context.flags);  // W3C trace flags (bit 0: sampled)
    span["name"] = std::string(s.name);
    span["kind"] = static_cast<int>(s.kind);
    span["startTimeUnixNano"] = unix_nanos(s.start);
    span["endTimeUnixNano"] = unix_nanos(s.end);
    span["attributes"] = otlp_attributes(s.attributes, s.attribute_count);
    if (s.dropped_attributes) span["droppedAttributesCount"] = s.dropped_attributes;
    json status = json::object();
    status["code"] = static_cast<int>(s.status);
    if (!s.status_message.empty()) status["message"] = std::string(s.status_message);
    span["status"] = std::move(status);
    return span;
}

// The request around a list of spans: the resource (service.name, the SDK) and one scope.
inline json otlp_request(json spans, const otlp_resource& resource) {
    const std::string sdk_version = std::to_string(version.major) + "." + std::to_string(version.minor) + "." +
                                    std::to_string(version.patch);
    std::vector<span_attribute> attributes{{"service.name", resource.service_name},
                                           {"telemetry.sdk.name", "stepfn"},
                                           {"telemetry.sdk.language", "cpp"},
                                           {"telemetry.sdk.version", sdk_version}};
    for (const auto& a : resource.attributes) attributes.push_back({a.first, a.second});
    json scope = json{{"name", "stepfn"}, {"version", sdk_version}};
    json scope_spans = json{{"scope", std::move(scope)}, {"spans", std::move(spans)}};
    json resource_spans = json{{"resource", json{{"attributes", otlp_attributes(attributes, attributes.size())}}},
                               {"scopeSpans", json::array({std::move(scope_spans)})}};
    return json{{"resourceSpans", json::array({std::move(resource_spans)})}};
}

} // namespace detail

// The spans an exporter queued (what otlp_exporter sends from its own thread).
inline json to_otlp_json(const span_buffer& spans, const otlp_resource& resource = {}) {
    json list = json::array();
    for (std::size_t i = 0; i < spans.size(); ++i) list.push_back(detail::otlp_span(spans[i]));
    return detail::otlp_request(std::move(list), resource);
}

// Spans as views (each valid for this call).
inline json to_otlp_json(const std::vector<span_data>& spans, const otlp_resource& resource = {}) {
    json list = json::array();
    for (const auto& s : spans) list.push_back(detail::otlp_span(s));
    return detail::otlp_request(std::move(list), resource);
}

} // namespace stepfn

#endif
