// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_PARK_HPP
#define STEPFN_ENGINE_DETAIL_PARK_HPP

// Parking: a durable execution that only waits leaves this engine with nothing written, so that
// a worker sharing a store (postgres_store) holds no lease and no memory for it; the store keeps
// it RUNNING at its last checkpoint, and whichever engine resumes it later re-arms its timers
// and accepts its task tokens again (restore.hpp). "Only waits" is decided on the execution's
// strand, from the same frames the snapshot records: every frame done, or parked on a Wait or
// retry timer, on a `.waitForTaskToken` attempt whose request went out (TaskSubmitted), or on
// a Parallel/Map run whose branches all only wait; its last checkpoint answered; no job queued.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/engine/detail/scheduling.hpp>

namespace stepfn::detail {

inline void earliest(std::optional<time_point>& wake, time_point at) {
    if (!wake || at < *wake) wake = at;
}

// Whether the frame (and what it runs) only waits; `wake` gathers the earliest timer. On the
// execution's strand, where the frames are touched.
STEPFN_INLINE bool engine_core::only_waits(const frame& f, std::optional<time_point>& wake, int depth) const {
    if (f.done) return true;
    if (!f.waiting || depth > 64) return false;
    if (f.attempt) {
        // A callback task whose request went out: only its token's outcome moves it (or its
        // TimeoutSeconds/HeartbeatSeconds timers). Any other attempt is work in flight here.
        if (f.attempt->token.empty() || !f.attempt->was_submitted) return false;
        if (f.timer) earliest(wake, f.timer_at);
        if (f.heartbeat_timer) earliest(wake, f.heartbeat_at);
        return true;
    }
    if (f.group) {
        fanout_group& g = *f.group;
        std::vector<std::shared_ptr<frame>> children;
        {
            std::lock_guard<std::mutex> lock(g.mutex);
            if (g.finished || g.run || g.runners != 0) return false;
            // A Map with items left that could start now is not at rest.
            if (g.is_map && g.next < g.total && g.running < g.max_running) return false;
            for (const auto& entry : g.children) children.push_back(entry.second);
        }
        for (const auto& c : children)
            if (!only_waits(*c, wake, depth + 1)) return false;
        return true;
    }
    if (!f.timer) return false;
    earliest(wake, f.timer_at);
    return true;
}

// A parked execution's Wait and retry timers, cancelled so that the clock keeps nothing of it
// (its attempts' timers go with the attempts when it ends).
STEPFN_INLINE void engine_core::cancel_wait_timers(frame& f, int depth) {
    if (depth > 64) return;
    if (f.timer && !f.attempt) {
        cancel_timer(*f.timer);
        f.timer.reset();
    }
    if (!f.group) return;
    std::vector<std::shared_ptr<frame>> children;
    {
        std::lock_guard<std::mutex> lock(f.group->mutex);
        for (const auto& entry : f.group->children) children.push_back(entry.second);
    }
    for (const auto& c : children) cancel_wait_timers(*c, depth + 1);
}

STEPFN_INLINE void engine_core::park(std::string_view arn, time_point not_before, std::function<void(result<park_outcome>)> done) {
    const auto answer = [&done](result<park_outcome> r) {
        if (done) (void)guarded_call([&] { done(std::move(r)); }, "an engine::park callback");
    };
    if (!options_.store) return answer(make_error("StoreNotConfigured", "park() needs an engine with a store (engine_options::store)"));
    std::shared_ptr<execution_record> rec;
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = executions_.find(arn);
        if (it != executions_.end()) rec = it->second.lock();
    }
    if (!rec || !rec->durable)
        return answer(make_error("ExecutionDoesNotExist", "no execution with the ARN '" + std::string(arn) + "' runs in this engine"));
    auto self = shared_from_this();
    post_to_execution(rec, [self, rec, not_before, done = std::move(done)]() mutable {
        park_outcome out;
        durable_state& d = *rec->durable;
        std::shared_ptr<frame> root;
        {
            std::lock_guard<std::mutex> lock(rec->mutex);
            root = rec->root;
        }
        std::optional<time_point> wake;
        bool rests = root && !rec->ended.load() && !d.detached.load() && !d.has_news() && self->only_waits(*root, wake, 0);
        if (rests) {
            // Its TimeoutSeconds is a timer too (armed again by whoever resumes it).
            if (const auto& timeout = rec->machine.definition().timeout_seconds)
                earliest(wake, (rec->redrive_count > 0 ? rec->redrive_time : rec->start_time) + std::chrono::seconds(*timeout));
            rests = !wake || *wake >= not_before;
        }
        if (rests) {
            std::lock_guard<std::mutex> lane_lock(d.lane.mutex);
            rests = d.lane.jobs.empty();  // a job queued (a token's outcome, a stop) would move it
        }
        if (rests) {
            // Everything it did is stored: nothing in flight, nothing waiting to be made.
            std::lock_guard<std::mutex> lock(d.mutex);
            rests = !d.committing && !d.pending;
            if (rests) {
                d.parked = true;
                d.detached = true;
            }
        }
        if (rests) {
            // Ends here only, as at shutdown: its timers cancelled, its tokens forgotten.
            out.parked = true;
            out.wake = wake;
            self->cancel_wait_timers(*root, 0);
            self->end_execution(rec, execution_status::aborted, json(), error{"", "the execution was parked"});
        }
        if (done) (void)guarded_call([&] { done(std::move(out)); }, "an engine::park callback");
    });
}

} // namespace stepfn::detail

#endif
