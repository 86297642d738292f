#ifndef STEPFN_HISTORY_CALLBACK_SINK_HPP
#define STEPFN_HISTORY_CALLBACK_SINK_HPP

#include <functional>
#include <string_view>
#include <utility>

#include <stepfn/history/event.hpp>
#include <stepfn/history/history_sink.hpp>

namespace stepfn {

// Forwards each event to a callable: the shortest way to plug history into a host's own
// metrics or tracing. The callable is invoked from whichever thread records the event, possibly
// several at once, so it synchronises itself.
class callback_sink final : public history_sink {
public:
    using callback = std::function<void(std::string_view execution_arn, const history_event& event)>;

    explicit callback_sink(callback fn) : fn_(std::move(fn)) {}

    void record(std::string_view execution_arn, const history_event& event) override {
        if (fn_) fn_(execution_arn, event);
    }

private:
    callback fn_;
};

} // namespace stepfn

#endif
