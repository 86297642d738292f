#ifndef STEPFN_OBSERVE_SPAN_BUFFER_HPP
#define STEPFN_OBSERVE_SPAN_BUFFER_HPP

// stepfn::span_buffer: finished spans copied out of the engine's span_sink call into two
// growing buffers, one of fixed-size records and one of their texts, so that keeping a span
// costs two appends and, once the buffers have grown to a batch's size, no allocation (clear()
// keeps the capacity; a sender swaps a full buffer with an empty one). What otlp_exporter
// queues; its sending thread reads the spans back as span_data views to serialise them.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/observe/tracing.hpp>

namespace stepfn {

class span_buffer {
public:
    // Each text is cut to this many bytes when copied (an error's cause can be long).
    static constexpr std::size_t max_text_bytes = 4096;

    void reserve(std::size_t spans, std::size_t text_bytes) {
        records_.reserve(spans);
        text_.reserve(text_bytes);
    }
    std::size_t size() const noexcept { return records_.size(); }
    bool empty() const noexcept { return records_.empty(); }
    std::size_t text_bytes() const noexcept { return text_.size(); }
    void clear() noexcept {
        records_.clear();
        text_.clear();
    }
    void swap(span_buffer& other) noexcept {
        records_.swap(other.records_);
        text_.swap(other.text_);
    }

    // Copies the span (its attribute keys are static text and are not copied).
    void push_back(const span_data& s) {
        record& r = records_.emplace_back();
        r.context = s.context;
        r.parent_span_id = s.parent_span_id;
        r.name = keep(s.name);
        r.kind = s.kind;
        r.start = s.start;
        r.end = s.end;
        r.status = s.status;
        r.status_message = keep(s.status_message);
        r.attribute_count = static_cast<std::uint8_t>(s.attribute_count);
        r.dropped_attributes = static_cast<std::uint32_t>(s.dropped_attributes);
        for (std::size_t i = 0; i < s.attribute_count; ++i) {
            const span_value& v = s.attributes[i].value;
            stored_attribute& a = r.attributes[i];
            a.key = s.attributes[i].key;
            a.type = v.type;
            switch (v.type) {
            case span_value::kind::string: a.text = keep(v.text); break;
            case span_value::kind::integer: a.integer = v.integer; break;
            case span_value::kind::floating: a.floating = v.floating; break;
            case span_value::kind::boolean: a.integer = v.boolean ? 1 : 0; break;
            }
        }
    }

    // The i-th span as a view into this buffer: valid until the next push_back, clear or swap.
    span_data operator[](std::size_t i) const noexcept {
        const record& r = records_[i];
        span_data s;
        s.context = r.context;
        s.parent_span_id = r.parent_span_id;
        s.name = view(r.name);
        s.kind = r.kind;
        s.start = r.start;
        s.end = r.end;
        s.status = r.status;
        s.status_message = view(r.status_message);
        s.attribute_count = r.attribute_count;
        s.dropped_attributes = r.dropped_attributes;
        for (std::size_t k = 0; k < r.attribute_count; ++k) {
            const stored_attribute& a = r.attributes[k];
            span_value v;
            v.type = a.type;
            switch (a.type) {
            case span_value::kind::string: v.text = view(a.text); break;
            case span_value::kind::integer: v.integer = a.integer; break;
            case span_value::kind::floating: v.floating = a.floating; break;
            case span_value::kind::boolean: v.boolean = a.integer != 0; break;
            }
            s.attributes[k] = span_attribute{a.key, v};
        }
        return s;
    }

private:
    // A text as its place in text_ (offsets, not pointers: text_ may move as it grows).
    struct text_ref {
        std::uint32_t offset = 0, size = 0;
    };
    struct stored_attribute {
        std::string_view key;
        span_value::kind type = span_value::kind::string;
        union {
            text_ref text;
            std::int64_t integer;
            double floating;
        };
        stored_attribute() noexcept : text() {}
    };
    struct record {
        trace_context context;
        std::uint64_t parent_span_id = 0;
        std::chrono::system_clock::time_point start, end;
        text_ref name, status_message;
        span_kind kind = span_kind::internal;
        span_status status = span_status::unset;
        std::uint8_t attribute_count = 0;
        std::uint32_t dropped_attributes = 0;
        std::array<stored_attribute, span_data::max_attributes> attributes;
    };

    text_ref keep(std::string_view text) {
        if (text.empty()) return {};
        if (text.size() > max_text_bytes) {
            std::size_t cut = max_text_bytes;  // not inside a UTF-8 sequence
            while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
            text = text.substr(0, cut);
        }
        text_ref ref{static_cast<std::uint32_t>(text_.size()), static_cast<std::uint32_t>(text.size())};
        text_.append(text.data(), text.size());
        return ref;
    }
    std::string_view view(text_ref ref) const noexcept { return std::string_view(text_.data() + ref.offset, ref.size); }

    std::vector<record> records_;
    std::string text_;
};

} // namespace stepfn

#endif
