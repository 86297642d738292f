#ifndef STEPFN_OBSERVE_PROMETHEUS_HPP
#define STEPFN_OBSERVE_PROMETHEUS_HPP

// A metrics_registry in Prometheus's text exposition format (version 0.0.4), for a host's own
// GET /metrics; `stepfn serve` serves it. AWS's names become Prometheus's:
//
//   ExecutionsStarted{state_machine="m"}  ->  stepfn_executions_started_total{state_machine="m"}
//   ExecutionTime (seconds)               ->  stepfn_execution_time_seconds_bucket{...,le="0.5"}
//
// Each family once, with # HELP and # TYPE; series sorted; label values escaped.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <stepfn/observe/metric_names.hpp>
#include <stepfn/observe/metrics_registry.hpp>

namespace stepfn {

// The media type of the output, for a Content-Type header.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

struct prometheus_options {
    std::string prefix = "stepfn_";  // before every metric name
};

namespace detail {

// "ExecutionsTimedOut" -> "executions_timed_out"; characters Prometheus refuses become '_'.
inline std::string prometheus_snake(std::string_view name) {
    std::string out;
    out.reserve(name.size() + 8);
    auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    auto is_lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (is_upper(c)) {
            const bool after_word = i > 0 && is_lower_or_digit(name[i - 1]);
            const bool ends_acronym = i > 0 && is_upper(name[i - 1]) && i + 1 < name.size() && is_lower_or_digit(name[i + 1]) &&
                                      !(name[i + 1] >= '0' && name[i + 1] <= '9');
            if ((after_word || ends_acronym) && !out.empty() && out.back() != '_') out += '_';
            out += static_cast<char>(c - 'A' + 'a');
        } else if (is_lower_or_digit(c) || c == '_' || c == ':') {
            out += c;
        } else {
            out += '_';
        }
    }
    return out;
}

// A label name: [a-zA-Z_][a-zA-Z0-9_]*.
inline std::string prometheus_label_name(std::string_view name) {
    std::string out;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        out += ok ? c : '_';
    }
    if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
    return out;
}

inline void append_escaped(std::string& out, std::string_view value, bool quote_too) {
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (quote_too && c == '"') out += "\\\"";
        else out += c;
    }
}

// Shortest of %.15g / %.17g that reads back as the same double; Prometheus's spellings of the
// special values.
inline std::string prometheus_number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char text[40];
    std::snprintf(text, sizeof text, "%.15g", v);
    if (std::strtod(text, nullptr) != v) std::snprintf(text, sizeof text, "%.17g", v);
    return text;
}

inline void append_labels(std::string& out, const std::vector<std::pair<std::string, std::string>>& labels,
                          const char* le = nullptr) {
    if (labels.empty() && !le) return;
    out += '{';
    bool first = true;
    for (const auto& l : labels) {
        if (!first) out += ',';
        first = false;
        out += prometheus_label_name(l.first);
        out += "=\"";
        append_escaped(out, l.second, true);
        out += '"';
    }
    if (le) {
        if (!first) out += ',';
        out += "le=\"";
        out += le;
        out += '"';
    }
    out += '}';
}

} // namespace detail

inline std::string to_prometheus(const metrics_registry& registry, const prometheus_options& options = {}) {
    std::string out;
    const auto samples = registry.snapshot();
    std::string family;       // the metric name of the family being written
    metric_sample::kind family_kind = metric_sample::kind::counter;
    std::string base;
    for (const auto& s : samples) {
        if (s.name != family || family.empty()) {
            family = s.name;
            family_kind = s.type;
            const auto* d = describe_metric(s.name);
            base = options.prefix + detail::prometheus_snake(s.name);
            if (d && d->unit == metric_unit::seconds) base += "_seconds";
            if (s.type == metric_sample::kind::counter) base += "_total";
            out += "# HELP ";
            out += base;
            out += ' ';
            detail::append_escaped(out, registry.help_of(s.name), false);
            out += "\n# TYPE ";
            out += base;
            out += s.type == metric_sample::kind::counter ? " counter\n"
                   : s.type == metric_sample::kind::gauge ? " gauge\n"
                                                          : " histogram\n";
        }
        if (s.type != family_kind) continue;  // one name reported as two kinds: the first wins
        if (s.type != metric_sample::kind::histogram) {
            out += base;
            detail::append_labels(out, s.labels);
            out += ' ';
            out += detail::prometheus_number(s.value);
            out += '\n';
            continue;
        }
        for (std::size_t i = 0; i < s.bounds.size(); ++i) {
            out += base;
            out += "_bucket";
            detail::append_labels(out, s.labels, detail::prometheus_number(s.bounds[i]).c_str());
            out += ' ';
            out += std::to_string(s.buckets[i]);
            out += '\n';
        }
        out += base;
        out += "_bucket";
        detail::append_labels(out, s.labels, "+Inf");
        out += ' ';
        out += std::to_string(s.count);
        out += '\n';
        out += base;
        out += "_sum";
        detail::append_labels(out, s.labels);
        out += ' ';
        out += detail::prometheus_number(s.value);
        out += '\n';
        out += base;
        out += "_count";
        detail::append_labels(out, s.labels);
        out += ' ';
        out += std::to_string(s.count);
        out += '\n';
    }
    return out;
}

} // namespace stepfn

#endif
