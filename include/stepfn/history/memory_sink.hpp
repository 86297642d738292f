#ifndef STEPFN_HISTORY_MEMORY_SINK_HPP
#define STEPFN_HISTORY_MEMORY_SINK_HPP

#include <algorithm>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/history/history_sink.hpp>

namespace stepfn {

// Keeps every event in memory: the sink for tests and for hosts that show a run's history
// themselves. Thread-safe; readers get copies, so they never race the engine. It keeps the
// engine's deferred events as they come (a state's name and a shared payload text) and builds
// their details when they are read: the copies it returns always have `details`.
//
// Storage is one vector of events, each linked to the next event of its execution, and one
// entry per execution found through an open-addressed table: recording allocates nothing once
// the vectors have grown, and clear() keeps them (and the ARNs' buffers) for the next run
// instead of freeing a block per execution.
class memory_sink final : public history_sink {
public:
    bool keeps_deferred() const noexcept override { return true; }

    void record(std::string_view execution_arn, const history_event& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        log_.emplace_back(event);
        link(execution_arn);
    }
    void take(std::string_view execution_arn, history_event&& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        log_.emplace_back(std::move(event));
        link(execution_arn);
    }

    // One execution's events, in the order they were recorded; empty for an unknown ARN.
    std::vector<history_event> events(std::string_view execution_arn) const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<history_event> out;
        const std::size_t at = find(execution_arn);
        if (at == npos) return out;
        out.reserve(executions_[at].count);
        for (std::size_t i = executions_[at].first; i != npos; i = log_[i].next) out.push_back(materialised(log_[i].event));
        return out;
    }

    // Every event of every execution, in arrival order.
    std::vector<history_event> all() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<history_event> out;
        out.reserve(log_.size());
        for (const auto& kept : log_) out.push_back(materialised(kept.event));
        return out;
    }

    // The ARNs seen, in the order of their first event.
    std::vector<std::string> executions() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::string> out;
        out.reserve(used_);
        for (std::size_t at = 0; at < used_; ++at) out.push_back(executions_[at].arn);
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
        used_ = 0;
        last_ = npos;
        std::fill(slots_.begin(), slots_.end(), std::size_t{0});
    }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    struct kept_event {
        explicit kept_event(const history_event& e) : event(e) {}
        explicit kept_event(history_event&& e) : event(std::move(e)) {}
        history_event event;
        std::size_t next = npos;  // the next event of the same execution
    };
    // One execution's ARN and the first and last of its events.
    struct execution_entry {
        std::string arn;
        std::size_t first = npos;
        std::size_t last = npos;
        std::size_t count = 0;
    };

    static history_event materialised(const history_event& event) {
        history_event copy = event;
        materialise(copy);
        return copy;
    }
    static std::size_t hash_of(std::string_view arn) noexcept { return std::hash<std::string_view>{}(arn); }

    // Appends the event just stored to its execution's chain (and forgets it if that fails).
    void link(std::string_view execution_arn) {
        const std::size_t index = log_.size() - 1;
#if STEPFN_HAS_EXCEPTIONS
        std::size_t at = npos;
        try {
            at = entry_for(execution_arn);
        } catch (...) {
            log_.pop_back();
            throw;
        }
#else
        const std::size_t at = entry_for(execution_arn);  // without exceptions, running out of memory ends the process
#endif
        execution_entry& execution = executions_[at];
        if (execution.count++ == 0) execution.first = index;
        else log_[execution.last].next = index;
        execution.last = index;
    }

    // Events come in runs from the same execution, so the last one is tried first.
    std::size_t entry_for(std::string_view execution_arn) {
        if (last_ != npos && executions_[last_].arn == execution_arn) return last_;
        std::size_t at = find(execution_arn);
        if (at == npos) at = add(execution_arn);
        last_ = at;
        return at;
    }

    std::size_t find(std::string_view execution_arn) const {
        if (slots_.empty()) return npos;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash_of(execution_arn) & mask;; i = (i + 1) & mask) {
            if (slots_[i] == 0) return npos;
            if (executions_[slots_[i] - 1].arn == execution_arn) return slots_[i] - 1;
        }
    }

    std::size_t add(std::string_view execution_arn) {
        if ((used_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 64 : slots_.size() * 2);
        if (used_ == executions_.size()) executions_.emplace_back();
        execution_entry& execution = executions_[used_];
        execution.arn.assign(execution_arn.data(), execution_arn.size());  // reuses a cleared entry's buffer
        execution.first = execution.last = npos;
        execution.count = 0;
        place(used_);
        return used_++;
    }

    void place(std::size_t at) noexcept {
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = hash_of(executions_[at].arn) & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = at + 1;
    }

    void rehash(std::size_t size) {
        slots_.assign(size, 0);
        for (std::size_t at = 0; at < used_; ++at) place(at);
    }

    mutable std::mutex mutex_;
    std::vector<kept_event> log_;                // arrival order
    std::vector<execution_entry> executions_;    // in order of their first event; the first used_ are live
    std::size_t used_ = 0;
    std::size_t last_ = npos;                    // the execution of the last event recorded
    std::vector<std::size_t> slots_;             // open addressing: 1 + an index into executions_, 0 empty
};

} // namespace stepfn

#endif
