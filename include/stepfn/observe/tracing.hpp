#ifndef STEPFN_OBSERVE_TRACING_HPP
#define STEPFN_OBSERVE_TRACING_HPP

// Traces: the engine makes a span for each execution, each state it enters, and each Task
// attempt (retries are separate spans, children of their state's span), and hands every span
// to engine_options::spans when it ends (the shape of OpenTelemetry's SpanProcessor.onEnd).
// The W3C trace context (https://www.w3.org/TR/trace-context/) of the start call
// (start_options::trace_parent) is the execution span's parent, and each Task attempt's own
// context reaches its invoker as task_request::traceparent (the HTTP invoker sends it).
// Without a span_sink the engine makes no spans and pays a null test. Ending a span allocates
// nothing on the engine's thread: span_data borrows its texts for the span_sink call.
//
// stepfn/integrations/otlp_exporter.hpp exports spans to an OpenTelemetry Collector (OTLP/HTTP
// JSON); docs/observability.md shows the set-up.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <stepfn/detail/hex.hpp>

namespace stepfn {

// A span's identity within its trace: what a `traceparent` header carries.
struct trace_context {
    std::uint64_t trace_id_high = 0, trace_id_low = 0;  // 128 bits; all zero is invalid
    std::uint64_t span_id = 0;                          // zero is invalid
    std::uint8_t flags = 1;                             // bit 0: sampled

    bool valid() const noexcept { return (trace_id_high | trace_id_low) != 0 && span_id != 0; }
};

// "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>".
inline std::string to_traceparent(const trace_context& c) {
    std::string out = "00-";
    detail::append_hex_digits(out, c.trace_id_high, 16);
    detail::append_hex_digits(out, c.trace_id_low, 16);
    out += '-';
    detail::append_hex_digits(out, c.span_id, 16);
    out += '-';
    detail::append_hex_digits(out, c.flags, 2);
    return out;
}

inline std::string trace_id_hex(const trace_context& c) {
    std::string out;
    detail::append_hex_digits(out, c.trace_id_high, 16);
    detail::append_hex_digits(out, c.trace_id_low, 16);
    return out;
}

inline std::string span_id_hex(std::uint64_t id) {
    std::string out;
    detail::append_hex_digits(out, id, 16);
    return out;
}

// A `traceparent` header value; nullopt when malformed or all-zero (the spec says: ignore it and
// start a new trace). Version 00 exactly; a later version's first four fields are read, as the
// spec asks of a version it does not know.
inline std::optional<trace_context> parse_traceparent(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.size() < 55 || text[2] != '-' || text[35] != '-' || text[52] != '-') return std::nullopt;
    std::uint64_t format_version = 0, flags = 0;
    trace_context c;
    if (!detail::read_hex(text.substr(0, 2), format_version) || format_version == 0xff) return std::nullopt;
    if (format_version == 0 && text.size() != 55) return std::nullopt;
    if (format_version != 0 && text.size() > 55 && text[55] != '-') return std::nullopt;
    if (!detail::read_hex(text.substr(3, 16), c.trace_id_high) || !detail::read_hex(text.substr(19, 16), c.trace_id_low) ||
        !detail::read_hex(text.substr(36, 16), c.span_id) || !detail::read_hex(text.substr(53, 2), flags))
        return std::nullopt;
    c.flags = static_cast<std::uint8_t>(flags);
    if (!c.valid()) return std::nullopt;
    return c;
}

enum class span_kind { internal = 1, server = 2, client = 3 };  // OTLP's numbers
enum class span_status { unset = 0, ok = 1, error = 2 };       // OTLP's numbers

// An attribute's value: a string, an integer, a double or a boolean (OTLP's AnyValue kinds).
// A string value is a view: span_data borrows every text it holds (see span_data).
struct span_value {
    enum class kind : std::uint8_t { string, integer, floating, boolean } type = kind::string;
    std::string_view text;  // kind::string
    union {                 // the member `type` names; 32 bytes in all, so that a span stays small
        std::int64_t integer = 0;
        double floating;
        bool boolean;
    };

    span_value() = default;
    span_value(std::string_view s) noexcept : text(s) {}  // NOLINT: implicit on purpose
    span_value(const std::string& s) noexcept : text(s) {}
    span_value(std::string&&) = delete;  // would dangle: a span_value never owns its text
    span_value(const char* s) noexcept : text(s) {}
    span_value(bool b) noexcept : type(kind::boolean), boolean(b) {}
    span_value(double d) noexcept : type(kind::floating), floating(d) {}
    template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
    span_value(I i) noexcept : type(kind::integer), integer(static_cast<std::int64_t>(i)) {}

    friend bool operator==(const span_value& v, std::string_view s) { return v.type == kind::string && v.text == s; }
    friend bool operator==(const span_value& v, std::int64_t i) { return v.type == kind::integer && v.integer == i; }
    friend bool operator==(const span_value& v, int i) { return v == static_cast<std::int64_t>(i); }
    friend bool operator==(const span_value& v, const char* s) { return v == std::string_view(s); }
};

// A key (static text: a string literal) and its value.
struct span_attribute {
    std::string_view key;
    span_value value;
};

// One finished span, as the engine hands it to span_sink::on_end: a view. Its texts (name,
// status message, string attributes) borrow the engine's own strings and are valid only
// during that call, so that ending a span copies and allocates nothing; a sink that keeps
// spans copies them, into a span_buffer (observe/span_buffer.hpp, what otlp_exporter does:
// no allocation once its buffers have grown) or into recorded_span (an owning copy, for tests
// and simple sinks). At most max_attributes attributes; more are dropped and counted.
struct span_data {
    static constexpr std::size_t max_attributes = 6;

    trace_context context;             // its trace and its own span id
    std::uint64_t parent_span_id = 0;  // 0: a root span
    std::string_view name;
    span_kind kind = span_kind::internal;
    std::chrono::system_clock::time_point start, end;
    span_status status = span_status::unset;
    std::string_view status_message;
    std::array<span_attribute, max_attributes> attributes{};
    std::size_t attribute_count = 0;
    std::size_t dropped_attributes = 0;

    void add(std::string_view key, span_value value) noexcept {
        if (attribute_count == max_attributes) {
            ++dropped_attributes;
            return;
        }
        attributes[attribute_count].key = key;
        attributes[attribute_count].value = value;
        ++attribute_count;
    }
    const span_value* attribute(std::string_view key) const noexcept {
        for (std::size_t i = 0; i < attribute_count; ++i)
            if (attributes[i].key == key) return &attributes[i].value;
        return nullptr;
    }
};

// Receives every span the engine ends, from any thread (synchronise yourself); must be quick
// and must copy what it keeps (span_data's texts are borrowed for the call): an exporter
// queues into a span_buffer and sends elsewhere. An exception thrown here is caught by the
// engine.
class span_sink {
public:
    virtual ~span_sink() = default;
    virtual void on_end(const span_data& span) = 0;
};

// An owning copy of a span (its texts in std::strings): what a test or a simple sink keeps.
struct recorded_span {
    struct value {
        span_value::kind type = span_value::kind::string;
        std::string text;
        std::int64_t integer = 0;
        double floating = 0;
        bool boolean = false;

        friend bool operator==(const value& v, std::string_view s) { return v.type == span_value::kind::string && v.text == s; }
        friend bool operator==(const value& v, std::int64_t i) { return v.type == span_value::kind::integer && v.integer == i; }
        friend bool operator==(const value& v, int i) { return v == static_cast<std::int64_t>(i); }
        friend bool operator==(const value& v, const char* s) { return v == std::string_view(s); }
    };

    trace_context context;
    std::uint64_t parent_span_id = 0;
    std::string name;
    span_kind kind = span_kind::internal;
    std::chrono::system_clock::time_point start, end;
    span_status status = span_status::unset;
    std::string status_message;
    std::vector<std::pair<std::string, value>> attributes;
    std::size_t dropped_attributes = 0;

    recorded_span() = default;
    explicit recorded_span(const span_data& s)
        : context(s.context), parent_span_id(s.parent_span_id), name(s.name), kind(s.kind), start(s.start), end(s.end),
          status(s.status), status_message(s.status_message), dropped_attributes(s.dropped_attributes) {
        attributes.reserve(s.attribute_count);
        for (std::size_t i = 0; i < s.attribute_count; ++i) {
            const span_value& v = s.attributes[i].value;
            value copy;
            copy.type = v.type;
            switch (v.type) {
            case span_value::kind::string: copy.text = std::string(v.text); break;
            case span_value::kind::integer: copy.integer = v.integer; break;
            case span_value::kind::floating: copy.floating = v.floating; break;
            case span_value::kind::boolean: copy.boolean = v.boolean; break;
            }
            attributes.emplace_back(std::string(s.attributes[i].key), std::move(copy));
        }
    }
    const value* attribute(std::string_view key) const noexcept {
        for (const auto& a : attributes)
            if (a.first == key) return &a.second;
        return nullptr;
    }
};

} // namespace stepfn

#endif
