#ifndef STEPFN_HISTORY_FANOUT_SINK_HPP
#define STEPFN_HISTORY_FANOUT_SINK_HPP

#include <atomic>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/history/history_sink.hpp>

namespace stepfn {

// Forwards each event to several sinks, in the order given. A sink that throws does not keep
// the event from the others: the exception is swallowed and counted in failures(). The list
// is fixed at construction, so record() needs no lock of its own.
class fanout_sink final : public history_sink {
public:
    fanout_sink() = default;
    explicit fanout_sink(std::vector<std::shared_ptr<history_sink>> sinks) : sinks_(std::move(sinks)) { drop_nulls(); }
    fanout_sink(std::initializer_list<std::shared_ptr<history_sink>> sinks) : sinks_(sinks) { drop_nulls(); }

    void record(std::string_view execution_arn, const history_event& event) override {
        for (const auto& sink : sinks_) {
            if (!detail::guarded_call([&] { sink->record(execution_arn, event); }, "a history sink"))
                failures_.fetch_add(1, std::memory_order_relaxed);
        }
    }

    const std::vector<std::shared_ptr<history_sink>>& sinks() const noexcept { return sinks_; }

    // How many times a sink threw.
    std::size_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }

private:
    void drop_nulls() {
        std::vector<std::shared_ptr<history_sink>> kept;
        kept.reserve(sinks_.size());
        for (auto& s : sinks_)
            if (s) kept.push_back(std::move(s));
        sinks_ = std::move(kept);
    }

    std::vector<std::shared_ptr<history_sink>> sinks_;
    std::atomic<std::size_t> failures_{0};
};

} // namespace stepfn

#endif
