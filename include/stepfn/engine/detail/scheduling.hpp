// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_SCHEDULING_HPP
#define STEPFN_ENGINE_DETAIL_SCHEDULING_HPP

// Each frame's strand: its jobs run one at a time, in order, on the host's executor, without a
// lock held while they run; different frames run in parallel on a thread pool.

#include <memory>
#include <mutex>
#include <utility>

namespace stepfn::detail {

STEPFN_INLINE void engine_core::post_to(const std::shared_ptr<frame>& f, job work) {
    if (f->exec->durable) return post_to_execution(f->exec, std::move(work));
    bool schedule = false;
    {
        std::lock_guard<std::mutex> lock(f->lane.mutex);
        f->lane.jobs.push(std::move(work));
        if (!f->lane.scheduled) schedule = f->lane.scheduled = true;
    }
    if (schedule) schedule_drain(f, nullptr);
}

// A durable execution's strand (every frame of it).
STEPFN_INLINE void engine_core::post_to_execution(const std::shared_ptr<execution_record>& rec, job work) {
    strand& lane = rec->durable->lane;
    bool schedule = false;
    {
        std::lock_guard<std::mutex> lock(lane.mutex);
        lane.jobs.push(std::move(work));
        if (!lane.scheduled) schedule = lane.scheduled = true;
    }
    if (schedule) schedule_drain(nullptr, rec);
}

// The executor's job for one strand. Jobs queued on a strand capture its frame, so if the
// executor drops this job unrun (it was destroyed, or never driven again) the queue is cleared
// here; otherwise frame → job → frame would never be freed.
struct engine_core::drain_job {
    // Two pointers, so that the job fits a job's inline storage (no allocation per drain); the
    // engine is reached through the execution, which holds it.
    std::shared_ptr<frame> owner;              // a frame's own strand
    std::shared_ptr<execution_record> record;  // or a durable execution's
    drain_job(std::shared_ptr<frame> f, std::shared_ptr<execution_record> r) : owner(std::move(f)), record(std::move(r)) {}
    drain_job(drain_job&&) noexcept = default;
    drain_job& operator=(drain_job&&) noexcept = default;
    drain_job(const drain_job&) = delete;
    drain_job& operator=(const drain_job&) = delete;
    void operator()() {
        auto f = std::move(owner);
        auto r = std::move(record);
        // The engine is held by the execution, which the frame (or `r`) holds until the drain
        // returns: no reference of its own needed.
        if (f) f->exec->core->drain(f);
        else r->core->drain_execution(r);
    }
    ~drain_job() {
        strand* lane = owner ? &owner->lane : record ? &record->durable->lane : nullptr;
        if (!lane) return;
        job_queue dropped;  // destroyed after the lock is released
        {
            std::lock_guard<std::mutex> lock(lane->mutex);
            std::swap(dropped, lane->jobs);
            lane->scheduled = false;
        }
    }
};

STEPFN_INLINE void engine_core::schedule_drain(const std::shared_ptr<frame>& f, const std::shared_ptr<execution_record>& rec) {
    static_assert(sizeof(drain_job) <= 4 * sizeof(void*), "a drain job must fit a job's inline storage");
    busy_.fetch_add(1);
    executor_->post(drain_job(f, rec));
}

STEPFN_INLINE void engine_core::drain(const std::shared_ptr<frame>& f) {
    {
        tally_scope events(*f->exec);
        drain_jobs(f);
    }
    work_done();
}

STEPFN_INLINE void engine_core::drain_jobs(const std::shared_ptr<frame>& f) {
    constexpr int batch = 64;
    for (int ran = 0;; ++ran) {
        job work;
        {
            std::lock_guard<std::mutex> lock(f->lane.mutex);
            if (f->lane.jobs.empty()) {
                f->lane.scheduled = false;
                return;
            }
            if (ran == batch) break;
            work = f->lane.jobs.pop();
        }
        work();
    }
    schedule_drain(f, nullptr);
}

// A durable execution's jobs: after each one, whatever it changed goes to the store.
STEPFN_INLINE void engine_core::drain_execution(const std::shared_ptr<execution_record>& rec) {
    {
        tally_scope events(*rec);
        strand& lane = rec->durable->lane;
        constexpr int batch = 64;
        bool more = false;
        for (int ran = 0;; ++ran) {
            job work;
            {
                std::lock_guard<std::mutex> lock(lane.mutex);
                if (lane.jobs.empty()) {
                    lane.scheduled = false;
                    break;
                }
                if (ran == batch) {
                    more = true;
                    break;
                }
                work = lane.jobs.pop();
            }
            work();
            checkpoint(rec);
        }
        if (more) schedule_drain(nullptr, rec);
    }
    work_done();
}

// On an executor nobody drives (a thread pool), a virtual clock jumps to its next timer as
// soon as nothing is runnable.
STEPFN_INLINE void engine_core::work_done() {
    if (busy_.fetch_sub(1) == 1 && clock_->is_virtual() && !driver) clock_->advance_to_next();
}

// Timers hold their frame weakly, so a frame that ended is freed without waiting for them.
template <class OnFire>
timer_id engine_core::arm_timer(const std::shared_ptr<frame>& f, time_point when, std::uint64_t generation,
                                OnFire on_fire) {
    auto self = shared_from_this();
    std::weak_ptr<frame> weak = f;
    if (metrics_) count_timers(1);
    return clock_->schedule_at(when, [self, weak, generation, on_fire = std::move(on_fire)]() mutable {
        if (self->metrics_) self->count_timers(-1);
        auto fr = weak.lock();
        if (!fr) return;
        self->post_to(fr, [self, fr, generation, on_fire = std::move(on_fire)]() mutable {
            if (fr->generation != generation || fr->exec->ended.load()) return;
            on_fire(*self, fr);
        });
    });
}

} // namespace stepfn::detail

#endif
