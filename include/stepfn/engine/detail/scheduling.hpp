#ifndef STEPFN_ENGINE_DETAIL_SCHEDULING_HPP
#define STEPFN_ENGINE_DETAIL_SCHEDULING_HPP

// Each frame's strand: its jobs run one at a time, in order, on the host's executor, without a
// lock held while they run; different frames run in parallel on a thread pool.

#include <memory>
#include <mutex>
#include <utility>

#include <stepfn/engine/detail/engine_core.hpp>

namespace stepfn::detail {

STEPFN_INLINE void engine_core::post_to(const std::shared_ptr<frame>& f, job work) {
    bool schedule = false;
    {
        std::lock_guard<std::mutex> lock(f->strand_mutex);
        f->jobs.push(std::move(work));
        if (!f->scheduled) schedule = f->scheduled = true;
    }
    if (schedule) schedule_drain(f);
}

// The executor's job for one frame. Jobs queued on a frame capture the frame, so if the
// executor drops this job unrun (it was destroyed, or never driven again) the frame's queue
// is cleared here; otherwise frame → job → frame would never be freed.
struct engine_core::drain_job {
    std::shared_ptr<engine_core> core;
    std::shared_ptr<frame> owner;
    drain_job(std::shared_ptr<engine_core> c, std::shared_ptr<frame> f) : core(std::move(c)), owner(std::move(f)) {}
    drain_job(drain_job&&) noexcept = default;
    drain_job& operator=(drain_job&&) noexcept = default;
    drain_job(const drain_job&) = delete;
    drain_job& operator=(const drain_job&) = delete;
    void operator()() {
        auto c = std::move(core);
        auto f = std::move(owner);
        c->drain(f);
    }
    ~drain_job() {
        if (!owner) return;
        job_queue dropped;  // destroyed after the lock is released
        {
            std::lock_guard<std::mutex> lock(owner->strand_mutex);
            std::swap(dropped, owner->jobs);
            owner->scheduled = false;
        }
    }
};

STEPFN_INLINE void engine_core::schedule_drain(const std::shared_ptr<frame>& f) {
    busy_.fetch_add(1);
    executor_->post(drain_job(shared_from_this(), f));
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
            std::lock_guard<std::mutex> lock(f->strand_mutex);
            if (f->jobs.empty()) {
                f->scheduled = false;
                return;
            }
            if (ran == batch) break;
            work = f->jobs.pop();
        }
        work();
    }
    schedule_drain(f);
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
    return clock_->schedule_at(when, [self, weak, generation, on_fire = std::move(on_fire)]() mutable {
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
