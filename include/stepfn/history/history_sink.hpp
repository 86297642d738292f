#ifndef STEPFN_HISTORY_HISTORY_SINK_HPP
#define STEPFN_HISTORY_HISTORY_SINK_HPP

#include <cstddef>
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
    // take(), with details built. Asked once per execution (as keeps_batches()): the answer
    // must not change.
    virtual bool keeps_parts() const noexcept { return false; }
    // A deferred event, when keeps_parts(). By default it is recorded with its details built.
    virtual void record_parts(std::string_view execution_arn, const event_parts& event) {
        record(execution_arn, to_event(event));
    }
    // True for a sink that takes events the engine emits back to back in one step of one
    // execution (a state's Exited event and the next state's Entered event; a Task's
    // *Scheduled and *Started; the last Exited event and ExecutionSucceeded) through
    // record_batch(), in one call. Only for a sink that
    // keeps_parts(); every other sink gets them one by one, in the same order, with the same
    // ids and times. The engine hands a batch over as soon as its last event is made.
    virtual bool keeps_batches() const noexcept { return false; }
    // `count` events of one execution, in id order, when keeps_batches(). By default each is
    // given to record_parts() in turn.
    virtual void record_batch(std::string_view execution_arn, const event_parts* events, std::size_t count) {
        for (std::size_t i = 0; i < count; ++i) record_parts(execution_arn, events[i]);
    }
};

} // namespace stepfn

#endif
