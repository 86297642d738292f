#ifndef STEPFN_ENGINE_DETAIL_DURABLE_STATE_HPP
#define STEPFN_ENGINE_DETAIL_DURABLE_STATE_HPP

// What a durable execution (an engine with a store) keeps besides its frames: the one strand
// all its frames run on, and what its next checkpoint will carry.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <stepfn/engine/detail/strand.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/job.hpp>
#include <stepfn/model/states.hpp>
#include <stepfn/store/stored_execution.hpp>

namespace stepfn::detail {

// Whether a scope (or any scope inside it) has a distributed Map, whose children are executions
// of their own: not durable yet.
inline bool has_distributed_map(const scope& sc) {
    for (const auto& s : sc.states) {
        if (const auto* m = std::get_if<map_state>(&s.body)) {
            if (m->mode == map_mode::distributed) return true;
            if (m->processor && has_distributed_map(*m->processor)) return true;
        } else if (const auto* p = std::get_if<parallel_state>(&s.body)) {
            for (const auto& b : p->branches)
                if (has_distributed_map(b)) return true;
        }
    }
    return false;
}

struct durable_state {
    // Every frame's jobs, one at a time: at the end of each job every frame is at rest, which
    // is when a checkpoint is made.
    strand lane;
    std::string input_text;               // as started: what an idempotent start compares

    // Touched only on the lane.
    std::optional<stored_execution> created;  // until the first checkpoint carries it
    std::optional<machine_version> machine;
    std::vector<history_event> events;    // since the last checkpoint
    std::vector<job> effects;             // to run once the next checkpoint is durable
    std::vector<token_change> tokens;
    std::optional<execution_change> ended;
    std::optional<execution_change> redriven;
    std::string final_snapshot;           // the frames as they stood when the execution ended
    bool touched = false;                 // something without an event changed (a heartbeat)
    std::uint64_t sequence = 0;

    // Shared with the store's commit callbacks.
    std::mutex mutex;
    bool committing = false;              // a checkpoint awaits its commit: the next one waits,
    bool pending = false;                 // and is made when it is done (coalescing)
    std::atomic<bool> detached{false};    // the engine went away, or the store failed: write nothing more
    std::atomic<bool> parked{false};      // detached by park(): it goes on elsewhere, it did not end

    bool has_news() const noexcept {
        return created || !events.empty() || !effects.empty() || !tokens.empty() || ended || redriven || touched;
    }
};

} // namespace stepfn::detail

#endif
