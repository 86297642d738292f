// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_SPANS_HPP
#define STEPFN_ENGINE_DETAIL_SPANS_HPP

// What the engine hands to engine_options::spans (observe/tracing.hpp): an execution's span,
// a span per state entered (child of the execution's, or of the Parallel/Map state a branch or
// iteration runs in) and a span per Task attempt (child of its state's). Every call site checks
// `spans_` first. A span_data borrows its texts (the machine's names, the execution's ARN, the
// error) for the span_sink call: ending a span copies and allocates nothing here.

#include <optional>
#include <string>
#include <utility>

#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/telemetry.hpp>
#include <stepfn/observe/tracing.hpp>

namespace stepfn::detail {

// Span ids need to be unique, not secret: a per-thread xorshift seeded from the engine's
// random source, so that a span takes no lock.
STEPFN_INLINE std::uint64_t engine_core::new_span_id() {
    static thread_local std::uint64_t state = 0;
    if (state == 0) state = random_u64() | 1;
    std::uint64_t id = 0;
    while (id == 0) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        id = state * 0x2545F4914F6CDD1DULL;
    }
    return id;
}

STEPFN_INLINE void engine_core::send_span(const span_data& span) {
    deliver_quietly([&] { spans_->on_end(span); });
}

STEPFN_INLINE void engine_core::trace_execution_started(execution_record& rec, const std::optional<trace_context>& parent,
                                                        std::uint64_t parent_span) {
    if (parent && parent->valid()) {
        rec.trace = *parent;
        rec.trace_parent_span = parent_span ? parent_span : parent->span_id;
    } else {
        rec.trace.trace_id_high = random_u64();
        rec.trace.trace_id_low = random_u64() | 1;  // never all zero
        rec.trace.flags = 1;
        rec.trace_parent_span = 0;
    }
    rec.trace.span_id = new_span_id();
    rec.trace_start = clock_->now();
}

STEPFN_INLINE void engine_core::trace_execution_ended(execution_record& rec, execution_status status, const error& e) {
    span_data span;
    span.context = rec.trace;
    span.parent_span_id = rec.trace_parent_span;
    span.name = machine_label(rec);
    span.kind = rec.trace_parent_span ? span_kind::internal : span_kind::server;
    span.start = rec.trace_start;
    span.end = clock_->now();
    span.add("stepfn.execution.arn", rec.arn);
    span.add("stepfn.execution.status", to_string(status));
    if (status == execution_status::succeeded) {
        span.status = span_status::ok;
    } else {
        span.status = span_status::error;
        span.status_message = e.cause;
        span.add("error.type", e.name.empty() ? std::string_view(to_string(status)) : std::string_view(e.name));
    }
    send_span(span);
}

// The span a state of this frame is a child of.
inline std::uint64_t enclosing_span(const frame& f) {
    if (f.member_of && f.member_of->parent) return f.member_of->parent->state_span;
    return f.exec->trace.span_id;
}

STEPFN_INLINE void engine_core::trace_state_started(frame& f, const state& s) {
    if (f.state_span) trace_state_ended(f, s, nullptr);  // never left: closed before the next
    f.state_span = new_span_id();
    f.state_span_start = clock_->now();
}

STEPFN_INLINE void engine_core::trace_state_ended(frame& f, const state& s, const error* failure) {
    if (!f.state_span) return;
    span_data span;
    span.context = f.exec->trace;
    span.context.span_id = std::exchange(f.state_span, 0);
    span.parent_span_id = enclosing_span(f);
    span.name = s.name;
    span.start = f.state_span_start;
    span.end = clock_->now();
    span.add("stepfn.state.type", to_string(s.type()));
    if (f.map_index >= 0) span.add("stepfn.map.index", f.map_index);
    if (f.retry_count > 0) span.add("stepfn.state.retries", f.retry_count);
    if (failure) {
        span.status = span_status::error;
        span.status_message = failure->cause;
        span.add("error.type", failure->name);
    }
    send_span(span);
}

STEPFN_INLINE void engine_core::trace_attempt_started(frame& f) {
    f.attempt_span = new_span_id();
    f.attempt_span_start = clock_->now();
}

STEPFN_INLINE void engine_core::trace_attempt_ended(frame& f, const task_state& t, const error* failure) {
    if (!f.attempt_span) return;
    span_data span;
    span.context = f.exec->trace;
    span.context.span_id = std::exchange(f.attempt_span, 0);
    span.parent_span_id = f.state_span;
    span.name = t.resource;
    span.kind = span_kind::client;
    span.start = f.attempt_span_start;
    span.end = clock_->now();
    span.add("stepfn.task.resource", t.resource);
    span.add("stepfn.task.attempt", f.retry_count);
    if (failure) {
        span.status = span_status::error;
        span.status_message = failure->cause;
        span.add("error.type", failure->name);
    }
    send_span(span);
}


} // namespace stepfn::detail

#endif
