#ifndef STEPFN_ENGINE_DETAIL_EXECUTION_IMPL_HPP
#define STEPFN_ENGINE_DETAIL_EXECUTION_IMPL_HPP

// The members of stepfn::execution, reachable from engine/execution.hpp itself.

#include <mutex>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/execution_record.hpp>
#include <stepfn/engine/execution.hpp>

namespace stepfn {

STEPFN_INLINE const std::string& execution::arn() const noexcept { return record_->arn; }
STEPFN_INLINE const std::string& execution::name() const noexcept { return record_->name; }
// The status is published after the outcome it describes (execution_record::status): no lock.
STEPFN_INLINE execution_status execution::status() const { return record_->status.load(std::memory_order_acquire); }
STEPFN_INLINE bool execution::done() const { return status() != execution_status::running; }

STEPFN_INLINE result<json> execution::outcome() const {
    const execution_status now = status();
    if (now == execution_status::succeeded) return record_->output;
    if (now == execution_status::running) return make_error("ExecutionRunning", "the execution is still running");
    return tl::make_unexpected(record_->failure);
}

STEPFN_INLINE const json* execution::output() const {
    return status() == execution_status::succeeded ? &record_->output : nullptr;
}

STEPFN_INLINE void execution::on_end(std::function<void()> fn) const {
    if (!fn) return;
    {
        std::lock_guard<std::mutex> lock(record_->mutex);
        if (record_->status == execution_status::running) {
            record_->end_watchers.push_back(std::move(fn));
            return;
        }
    }
    fn();
}

STEPFN_INLINE std::future<result<json>> execution::future() const {
    auto promise = std::make_shared<std::promise<result<json>>>();
    auto ended = promise->get_future();
    // Weak: the record keeps its watchers, and a watcher holding the record would keep both.
    std::weak_ptr<detail::execution_record> weak = record_;
    on_end([promise, weak] {
        if (auto record = weak.lock()) promise->set_value(execution(std::move(record)).outcome());
    });
    return ended;
}

STEPFN_INLINE void execution::on_stored(std::function<void(result<void>)> fn) const {
    if (!fn) return;
    {
        std::lock_guard<std::mutex> lock(record_->mutex);
        if (!record_->stored) {
            record_->stored_watchers.push_back(std::move(fn));
            return;
        }
    }
    fn(result<void>());
}

STEPFN_INLINE execution_status execution::join() const {
    if (record_->driver && *record_->driver) {
        (*record_->driver)([this] { return done(); });
    } else {
        // An executor that lets a waiter run queued jobs (executor_traits.hpp, try_run_one):
        // help while there are some, one job between looks at this execution. Once the queue
        // stays empty, block: the end still notifies `finished`, and what is posted later the
        // pool's threads take.
        if (record_->helper && *record_->helper) (*record_->helper)([this] { return done(); });
        std::unique_lock<std::mutex> lock(record_->mutex);
        record_->finished.wait(lock, [this] { return record_->status != execution_status::running; });
    }
    return status();
}

STEPFN_INLINE result<json> execution::wait() const {
    join();
    return outcome();
}

} // namespace stepfn

#endif
