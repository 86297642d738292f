#ifndef STEPFN_HISTORY_MEMORY_SINK_HPP
#define STEPFN_HISTORY_MEMORY_SINK_HPP

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/history/event.hpp>
#include <stepfn/history/history_sink.hpp>

namespace stepfn {

// Keeps every event in memory: the sink for tests and for hosts that show a run's history
// themselves. Thread-safe; readers get copies, so they never race the engine. It keeps the
// engine's deferred events as they come (a state's name and a shared payload text) and builds
// their details when they are read: the copies it returns always have `details`.
class memory_sink final : public history_sink {
public:
    bool keeps_deferred() const noexcept override { return true; }

    void record(std::string_view execution_arn, const history_event& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        index_of(execution_arn).push_back(log_.size());
        log_.push_back(event);
    }
    void take(std::string_view execution_arn, history_event&& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        index_of(execution_arn).push_back(log_.size());
        log_.push_back(std::move(event));
    }

    // One execution's events, in the order they were recorded; empty for an unknown ARN.
    std::vector<history_event> events(std::string_view execution_arn) const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<history_event> out;
        const auto execution = by_arn_.find(execution_arn);
        if (execution == by_arn_.end()) return out;
        out.reserve(execution->second.size());
        for (const std::size_t index : execution->second) out.push_back(materialised(log_[index]));
        return out;
    }

    // Every event of every execution, in arrival order.
    std::vector<history_event> all() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<history_event> out;
        out.reserve(log_.size());
        for (const auto& event : log_) out.push_back(materialised(event));
        return out;
    }

    // The ARNs seen, in the order of their first event.
    std::vector<std::string> executions() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::string> out;
        out.reserve(arns_.size());
        for (const std::string* arn : arns_) out.push_back(*arn);
        return out;
    }

    // One execution's history as AWS's GetExecutionHistory prints its `events` array.
    json to_json(std::string_view execution_arn) const {
        json out = json::array();
        for (const auto& event : events(execution_arn)) out.push_back(stepfn::to_json(event));
        return out;
    }

    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return log_.size();
    }

    void clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        log_.clear();
        by_arn_.clear();
        last_ = by_arn_.end();
        arns_.clear();
    }

private:
    static history_event materialised(const history_event& event) {
        history_event copy = event;
        materialise(copy);
        return copy;
    }

    // The indices of one execution's events. Events come in runs from the same execution, so
    // the last one looked up is tried first.
    std::vector<std::size_t>& index_of(std::string_view execution_arn) {
        if (last_ != by_arn_.end() && last_->first == execution_arn) return last_->second;
        auto execution = by_arn_.find(execution_arn);
        if (execution == by_arn_.end()) {
            std::vector<std::size_t> indices;
            indices.reserve(16);
            execution = by_arn_.emplace(std::string(execution_arn), std::move(indices)).first;
            arns_.push_back(&execution->first);
        }
        last_ = execution;
        return execution->second;
    }

    mutable std::mutex mutex_;
    std::vector<history_event> log_;  // arrival order
    std::map<std::string, std::vector<std::size_t>, std::less<>> by_arn_;  // indices into log_
    std::map<std::string, std::vector<std::size_t>, std::less<>>::iterator last_ = by_arn_.end();
    std::vector<const std::string*> arns_;  // by_arn_'s keys (a map's nodes stay put)
};

} // namespace stepfn

#endif
