#ifndef STEPFN_ENGINE_DETAIL_STRAND_HPP
#define STEPFN_ENGINE_DETAIL_STRAND_HPP

// Jobs that run one at a time, in order, on the host's executor: a frame's own, or, with a
// store, one for the whole execution (durable_state), so that a checkpoint sees every frame at
// rest.

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include <stepfn/job.hpp>

namespace stepfn::detail {

// A strand's FIFO of jobs. Most of the time a frame has one job queued (its next step, or a
// task's answer), which waits in `next_` without touching the heap; `later_` holds the rest,
// oldest first. (std::deque would allocate a 512-byte block even when empty.)
class job_queue {
public:
    bool empty() const noexcept { return !next_ && head_ == later_.size(); }
    void push(job work) {
        if (!next_ && head_ == later_.size()) next_ = std::move(work);  // nothing older is waiting
        else later_.push_back(std::move(work));
    }
    job pop() {
        if (next_) return std::move(next_);
        job work = std::move(later_[head_++]);
        if (head_ == later_.size()) {
            later_.clear();
            head_ = 0;
        }
        return work;
    }

private:
    job next_;
    std::vector<job> later_;
    std::size_t head_ = 0;
};

struct strand {
    std::mutex mutex;
    job_queue jobs;
    bool scheduled = false;
};

} // namespace stepfn::detail

#endif
