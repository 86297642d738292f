#ifndef STEPFN_HISTORY_HISTORY_SINK_HPP
#define STEPFN_HISTORY_HISTORY_SINK_HPP

#include <string_view>

#include <stepfn/history/event.hpp>
#include <stepfn/history/event_parts.hpp>

namespace stepfn {

// Receives every history event of every execution it is attached to, in order per execution.
// record() may be called from several threads at once (different executions, or branches of
// one); implementations synchronise themselves. An exception thrown here is caught by the
// engine and never breaks the execution.
class history_sink {
public:
    virtual ~history_sink() = default;
    virtual void record(std::string_view execution_arn, const history_event& event) = 0;
    // The engine's call when this sink is the only one to see the event: a sink that keeps
    // events can take it instead of copying it. By default it is recorded like any other.
    virtual void take(std::string_view execution_arn, history_event&& event) { record(execution_arn, event); }
    // True for a sink that accepts events deferred (history_event::is_deferred(): `details`
    // empty, the parts in history_event::deferred) and calls details_of() or materialise()
    // before anything reads them. Every other sink gets `details` built.
    virtual bool keeps_deferred() const noexcept { return false; }
    // True for a sink that takes the events the engine would defer through record_parts()
    // instead (whatever keeps_deferred() says): no history_event made per event, nothing copied
    // before the sink copies what it keeps. Every other event still comes through record() or
    // take(), with details built.
    virtual bool keeps_parts() const noexcept { return false; }
    // A deferred event, when keeps_parts(). By default it is recorded with its details built.
    virtual void record_parts(std::string_view execution_arn, const event_parts& event) {
        record(execution_arn, to_event(event));
    }
};

} // namespace stepfn

#endif
