#ifndef STEPFN_API_DETAIL_CALL_TRACE_HPP
#define STEPFN_API_DETAIL_CALL_TRACE_HPP

// The trace context of the API call being dispatched on this thread (the caller's
// `traceparent`), for StartExecution and StartSyncExecution to pass to the engine. A
// thread-local set around the synchronous dispatch keeps the action table's signatures as they
// are; it is read only while that call runs on this thread.

#include <optional>

#include <stepfn/observe/tracing.hpp>

namespace stepfn::detail {

inline std::optional<trace_context>& current_call_trace() noexcept {
    static thread_local std::optional<trace_context> trace;
    return trace;
}

// Sets the call's trace for the scope of one dispatch.
class call_trace_scope {
public:
    explicit call_trace_scope(std::optional<trace_context> trace) : saved_(current_call_trace()) {
        current_call_trace() = trace;
    }
    ~call_trace_scope() { current_call_trace() = saved_; }
    call_trace_scope(const call_trace_scope&) = delete;
    call_trace_scope& operator=(const call_trace_scope&) = delete;

private:
    std::optional<trace_context> saved_;
};

} // namespace stepfn::detail

#endif
