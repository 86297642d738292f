#ifndef STEPFN_API_DETAIL_ACTIVITY_CORE_HPP
#define STEPFN_API_DETAIL_ACTIVITY_CORE_HPP

// What activity_hub holds: per activity a FIFO of tasks no worker has taken yet and a FIFO of
// polls waiting for one (at most one of the two is non-empty), the tasks by token, and a short
// memory of closed tokens (so a late SendTask* answers TaskTimedOut rather than
// TaskDoesNotExist). A waiting poll is a record and one clock timer: no thread.
//
// Locking: one mutex for the tables. Reply handlers and task completions are called after it is
// released; a poll's handler is moved out of the tables under the mutex by whichever of its
// timer or a task arriving gets there first, so exactly one of them answers it. A task's
// completion sits in a slot with a mutex of its own, taken only to call the completion, so a
// heartbeat and the final answer for one task never touch the handle at the same time.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <stepfn/api/api_call.hpp>
#include <stepfn/api/api_error.hpp>
#include <stepfn/api/detail/activity_catalog.hpp>
#include <stepfn/api/detail/activity_token.hpp>
#include <stepfn/api/detail/request_fields.hpp>
#include <stepfn/clocks/timer.hpp>
#include <stepfn/detail/json_size.hpp>
#include <stepfn/job.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/store/resource_store.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn::detail {

struct activity_settings {
    std::string region;
    std::string account;
    std::chrono::milliseconds poll_timeout;
    std::size_t max_waiting_polls;
};

// The host's clock behind a fixed type, so that the hub is not a template. The clock is held
// by reference: it must outlive the hub.
struct erased_clock {
    std::function<time_point()> now;
    std::function<timer_id(time_point, job)> schedule_at;
    std::function<bool(timer_id)> cancel;
};

template <class Clock>
erased_clock erase_clock(Clock& clock) {
    return erased_clock{[&clock] { return time_point(clock.now()); },
                        [&clock](time_point when, job fn) { return timer_id(clock.schedule_at(when, std::move(fn))); },
                        [&clock](timer_id id) { return static_cast<bool>(clock.cancel(id)); }};
}

class activity_core : public std::enable_shared_from_this<activity_core> {
public:
    // Closed tokens remembered for TaskTimedOut; older ones answer TaskDoesNotExist.
    static constexpr std::size_t closed_tokens_kept = 65536;

    activity_core(std::shared_ptr<resource_store> resources, erased_clock clock, activity_settings settings)
        : catalog_{std::move(resources), std::move(settings.region), std::move(settings.account)},
          clock_(std::move(clock)),
          poll_timeout_(settings.poll_timeout),
          max_waiting_(settings.max_waiting_polls) {}
    activity_core(const activity_core&) = delete;
    activity_core& operator=(const activity_core&) = delete;

    std::string activity_prefix() const { return catalog_.prefix(); }
    std::shared_ptr<task_invoker> invoker() { return std::make_shared<activity_invoker>(weak_from_this()); }

    api_outcome create_activity(const json& request) { return catalog_.create(request, clock_.now()); }
    api_outcome describe_activity(const json& request) { return catalog_.describe(request); }
    api_outcome list_activities(const json& request) { return catalog_.list(request); }
    api_outcome delete_activity(const json& request) { return catalog_.remove(request); }

    void get_activity_task(const json& request, api_reply_handler reply);
    std::optional<api_outcome> send_task_success(const json& request);
    std::optional<api_outcome> send_task_failure(const json& request);
    std::optional<api_outcome> send_task_heartbeat(const json& request);
    void shutdown();

    std::size_t waiting_polls() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return waiting_;
    }

    // A Task state's attempt on an activity (the invoker's invoke()).
    void enqueue(task_request request, task_completion done);

private:
    class activity_invoker final : public task_invoker {
    public:
        explicit activity_invoker(std::weak_ptr<activity_core> core) : core_(std::move(core)) {}
        void invoke(task_request request, task_completion done) override {
            if (auto core = core_.lock()) return core->enqueue(std::move(request), std::move(done));
            done.fail("States.Runtime", "The activity hub serving '" + request.resource + "' has shut down.");
        }

    private:
        std::weak_ptr<activity_core> core_;
    };

    struct waiter {
        std::uint64_t id = 0;
        api_reply_handler reply;
        std::optional<timer_id> timer;
        std::string worker_name;  // GetActivityTask's workerName: ActivityStarted records it
    };
    struct activity_queue {
        std::list<std::string> tasks;  // tokens, oldest first
        std::list<waiter> waiters;     // oldest first
    };
    using queue_node = std::pair<const std::string, activity_queue>;  // stable while in queues_
    struct waiter_ref {
        queue_node* queue;
        std::list<waiter>::iterator it;
    };
    struct completion_slot {
        std::mutex mutex;
        task_completion done;
    };
    struct task_entry {
        std::string activity_arn;
        std::string input;  // JSON text; emptied once a worker has it
        std::shared_ptr<completion_slot> slot;
        std::optional<std::list<std::string>::iterator> queued;  // while no worker has it
    };
    enum class token_state { active, closed, unknown };

    static api_reply empty_task() { return api_reply{200, "{}"}; }
    static api_reply task_reply(const std::string& token, const std::string& input) {
        json body = json::object();
        body["taskToken"] = token;
        body["input"] = input;
        return api_reply{200, body.dump(-1, ' ', false, json::error_handler_t::replace)};
    }

    static api_reply error_reply(api_error e);
    // The request's taskToken: nullopt when it is not one of ours, else it or an error.
    static std::optional<field<std::string>> read_token(const json& request);
    // Removes an active task (from its queue too); else says whether its token was closed lately.
    std::shared_ptr<completion_slot> take_task(const std::string& token, token_state& state);
    void forget_locked(std::unordered_map<std::string, task_entry>::iterator it);
    void remember_closed_locked(const std::string& token);
    void drop_queue_if_idle_locked(queue_node* node);
    void poll_expired(std::uint64_t id);
    void task_cancelled(const std::string& token);
    static api_outcome token_error(token_state state);

    activity_catalog catalog_;
    erased_clock clock_;
    std::chrono::milliseconds poll_timeout_;
    std::size_t max_waiting_;
    activity_token_source tokens_;

    mutable std::mutex mutex_;
    std::unordered_map<std::string, activity_queue> queues_;  // by activity ARN
    std::unordered_map<std::uint64_t, waiter_ref> waiters_;
    std::unordered_map<std::string, task_entry> tasks_;       // by token
    std::unordered_set<std::string> closed_;
    std::deque<std::string> closed_order_;
    std::uint64_t last_waiter_ = 0;
    std::size_t waiting_ = 0;
    bool shut_down_ = false;
};

// ---- polls ----

inline api_reply activity_core::error_reply(api_error e) {
    return to_reply(api_outcome(tl::make_unexpected(std::move(e))));
}

inline void activity_core::get_activity_task(const json& request, api_reply_handler reply) {
    auto arn = catalog_.read_arn(request, "activityArn");
    if (!arn) return reply(error_reply(std::move(arn.error())));
    auto worker = optional_string(request, "workerName", 1, 80);
    if (!worker) return reply(error_reply(std::move(worker.error())));
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (shut_down_) {
            lock.unlock();
            return reply(empty_task());
        }
    }
    auto found = catalog_.exists(*arn);
    if (!found) return reply(error_reply(std::move(found.error())));
    if (!*found) return reply(error_reply(api_error{"ActivityDoesNotExist", "Activity Does Not Exist: '" + *arn + "'", 400}));

    std::optional<api_reply> answer;  // a task at once, an empty one, or an error
    std::shared_ptr<completion_slot> taken;  // the task this worker took at once
    std::uint64_t id = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto q = queues_.find(*arn);
        if (shut_down_) {
            answer = empty_task();
        } else if (q != queues_.end()) {
            while (!answer && !q->second.tasks.empty()) {
                std::string token = std::move(q->second.tasks.front());
                q->second.tasks.pop_front();
                auto t = tasks_.find(token);
                if (t == tasks_.end()) continue;
                t->second.queued.reset();
                {
                    // An attempt abandoned a moment ago: its cancel handler is about to forget it.
                    std::lock_guard<std::mutex> slot_lock(t->second.slot->mutex);
                    if (t->second.slot->done.cancelled()) continue;
                }
                answer = task_reply(token, t->second.input);
                t->second.input = std::string();
                taken = t->second.slot;
            }
        }
        if (!answer) {
            if (waiting_ >= max_waiting_) {
                answer = error_reply(api_error{"ActivityWorkerLimitExceeded",
                                               "The maximum number of workers concurrently polling for activity tasks (" +
                                                   std::to_string(max_waiting_) + ") has been reached.",
                                               400});
            } else {
                if (q == queues_.end()) q = queues_.emplace(*arn, activity_queue{}).first;
                id = ++last_waiter_;
                q->second.waiters.push_back(waiter{id, std::move(reply), std::nullopt, worker->value_or("")});
                waiters_.emplace(id, waiter_ref{&*q, std::prev(q->second.waiters.end())});
                ++waiting_;
                q = queues_.end();
            }
        }
        if (q != queues_.end()) drop_queue_if_idle_locked(&*q);
    }
    if (taken) {
        std::lock_guard<std::mutex> slot_lock(taken->mutex);
        taken->done.started(worker->value_or(""));
    }
    if (answer) return reply(std::move(*answer));

    // The poll waits: one timer, which answers it with no task unless a task gets there first.
    std::weak_ptr<activity_core> weak = weak_from_this();
    const timer_id timer = clock_.schedule_at(clock_.now() + poll_timeout_, [weak, id] {
        if (auto self = weak.lock()) self->poll_expired(id);
    });
    bool kept = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto w = waiters_.find(id);
        if (w != waiters_.end()) {
            w->second.it->timer = timer;
            kept = true;
        }
    }
    if (!kept) clock_.cancel(timer);  // answered meanwhile
}

inline void activity_core::poll_expired(std::uint64_t id) {
    api_reply_handler reply;  // destroyed after the unlock
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto w = waiters_.find(id);
        if (w == waiters_.end()) return;  // a task got there first
        queue_node* node = w->second.queue;
        reply = std::move(w->second.it->reply);
        node->second.waiters.erase(w->second.it);
        waiters_.erase(w);
        --waiting_;
        drop_queue_if_idle_locked(node);
    }
    reply(empty_task());
}

inline void activity_core::shutdown() {
    std::vector<waiter> answered;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        shut_down_ = true;
        answered.reserve(waiting_);
        for (auto q = queues_.begin(); q != queues_.end();) {
            for (waiter& w : q->second.waiters) answered.push_back(std::move(w));
            q->second.waiters.clear();
            q = q->second.tasks.empty() ? queues_.erase(q) : std::next(q);
        }
        waiters_.clear();
        waiting_ = 0;
    }
    for (waiter& w : answered) {
        if (w.timer) clock_.cancel(*w.timer);
        w.reply(empty_task());
    }
}

// ---- tasks ----

inline void activity_core::enqueue(task_request request, task_completion done) {
    const std::string& arn = request.resource;
    auto parsed = parse_arn(arn);
    bool exists = false;
    if (parsed && parsed->type == activity_kind && parsed->qualifier.empty()) {
        auto found = catalog_.exists(arn);
        if (!found) return done.fail("States.TaskFailed", "The activity " + arn + " could not be read: " + found.error().message);
        exists = *found;
    }
    // As AWS: the execution fails with States.Runtime (which no Retry or Catch handles).
    if (!exists)
        return done.fail("States.Runtime", "An error occurred while executing the state '" + request.state_name + "'. The activity " +
                                               arn + " does not exist.");

    auto slot = std::make_shared<completion_slot>();
    slot->done = std::move(done);
    std::string token = tokens_.next();
    std::string input = request.input.dump(-1, ' ', false, json::error_handler_t::replace);
    std::weak_ptr<activity_core> weak = weak_from_this();
    // Registered before the task is visible; runs at once if the attempt is already abandoned.
    slot->done.on_cancel([weak, token] {
        if (auto self = weak.lock()) self->task_cancelled(token);
    });

    api_reply_handler reply;
    std::optional<timer_id> timer;
    std::string worker_name;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (slot->done.cancelled()) {
            remember_closed_locked(token);
            return;
        }
        auto q = queues_.find(arn);
        if (q == queues_.end()) q = queues_.emplace(arn, activity_queue{}).first;
        task_entry& entry = tasks_[token];
        entry.activity_arn = arn;
        entry.slot = slot;
        if (!q->second.waiters.empty()) {
            waiter& w = q->second.waiters.front();
            reply = std::move(w.reply);
            timer = w.timer;
            worker_name = std::move(w.worker_name);
            waiters_.erase(w.id);
            q->second.waiters.pop_front();
            --waiting_;
            drop_queue_if_idle_locked(&*q);
        } else {
            q->second.tasks.push_back(token);
            entry.queued = std::prev(q->second.tasks.end());
            entry.input = std::move(input);
        }
    }
    if (!reply) return;
    if (timer) clock_.cancel(*timer);
    {
        std::lock_guard<std::mutex> slot_lock(slot->mutex);
        slot->done.started(std::move(worker_name));
    }
    reply(task_reply(token, input));
}

inline void activity_core::task_cancelled(const std::string& token) {
    std::shared_ptr<completion_slot> slot;  // released after the unlock
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tasks_.find(token);
    if (it == tasks_.end()) return;
    slot = std::move(it->second.slot);
    forget_locked(it);
    remember_closed_locked(token);
}

inline std::shared_ptr<activity_core::completion_slot> activity_core::take_task(const std::string& token, token_state& state) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tasks_.find(token);
    if (it == tasks_.end()) {
        state = closed_.count(token) ? token_state::closed : token_state::unknown;
        return nullptr;
    }
    state = token_state::active;
    auto slot = std::move(it->second.slot);
    forget_locked(it);
    remember_closed_locked(token);
    return slot;
}

inline void activity_core::forget_locked(std::unordered_map<std::string, task_entry>::iterator it) {
    if (it->second.queued) {
        auto q = queues_.find(it->second.activity_arn);
        if (q != queues_.end()) {
            q->second.tasks.erase(*it->second.queued);
            drop_queue_if_idle_locked(&*q);
        }
    }
    tasks_.erase(it);
}

inline void activity_core::remember_closed_locked(const std::string& token) {
    if (!closed_.insert(token).second) return;
    closed_order_.push_back(token);
    if (closed_order_.size() > closed_tokens_kept) {
        closed_.erase(closed_order_.front());
        closed_order_.pop_front();
    }
}

inline void activity_core::drop_queue_if_idle_locked(queue_node* node) {
    if (!node->second.tasks.empty() || !node->second.waiters.empty()) return;
    const std::string key = node->first;  // a copy: erase() must not read the key it destroys
    queues_.erase(key);
}

// ---- SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat ----

inline std::optional<field<std::string>> activity_core::read_token(const json& request) {
    auto token = required_string(request, "taskToken", 1, 2048);
    if (!token) return field<std::string>(tl::make_unexpected(std::move(token.error())));
    if (!has_activity_token_prefix(*token)) return std::nullopt;
    if (!well_formed_activity_token(*token)) return field<std::string>(api_fail("InvalidToken", "Invalid Token: 'Invalid token'"));
    return field<std::string>(std::move(*token));
}

inline api_outcome activity_core::token_error(token_state state) {
    // The token itself is left out of the message: it is a credential for the task.
    if (state == token_state::closed)
        return api_fail("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
    return api_fail("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'");
}

inline std::optional<api_outcome> activity_core::send_task_success(const json& request) {
    auto token = read_token(request);
    if (!token) return std::nullopt;
    if (!*token) return api_outcome(tl::make_unexpected(std::move(token->error())));
    auto it = request.find("output");
    if (it == request.end() || it->is_null()) return api_outcome(validation_error("output", "null", "not be null"));
    if (!it->is_string()) return api_outcome(wrong_type("output", "a string"));
    const std::string& text = it->get_ref<const std::string&>();
    const limits bounds;
    if (text.size() > bounds.max_payload_bytes)
        return api_outcome(api_fail("InvalidOutput", "Invalid Output: the output is " + std::to_string(text.size()) +
                                                         " bytes, over the maximum of " + std::to_string(bounds.max_payload_bytes)));
    json output = json::parse(text, nullptr, false);
    if (output.is_discarded()) return api_outcome(api_fail("InvalidOutput", "Invalid Output: the output is not JSON text"));
    if (exceeds_depth(output, bounds.max_payload_depth))
        return api_outcome(api_fail("InvalidOutput", "Invalid Output: the output is nested more than " +
                                                         std::to_string(bounds.max_payload_depth) + " levels deep"));
    token_state state = token_state::unknown;
    auto slot = take_task(**token, state);
    if (!slot) return token_error(state);
    {
        std::lock_guard<std::mutex> lock(slot->mutex);
        slot->done.succeed(std::move(output));
    }
    return api_outcome(json::object());
}

inline std::optional<api_outcome> activity_core::send_task_failure(const json& request) {
    auto token = read_token(request);
    if (!token) return std::nullopt;
    if (!*token) return api_outcome(tl::make_unexpected(std::move(token->error())));
    auto error_name = optional_string(request, "error", 0, 256);
    if (!error_name) return api_outcome(tl::make_unexpected(std::move(error_name.error())));
    auto cause = optional_string(request, "cause", 0, 32768);
    if (!cause) return api_outcome(tl::make_unexpected(std::move(cause.error())));
    token_state state = token_state::unknown;
    auto slot = take_task(**token, state);
    if (!slot) return token_error(state);
    {
        std::lock_guard<std::mutex> lock(slot->mutex);
        slot->done.fail(error_name->value_or(std::string()), cause->value_or(std::string()));
    }
    return api_outcome(json::object());
}

inline std::optional<api_outcome> activity_core::send_task_heartbeat(const json& request) {
    auto token = read_token(request);
    if (!token) return std::nullopt;
    if (!*token) return api_outcome(tl::make_unexpected(std::move(token->error())));
    std::shared_ptr<completion_slot> slot;
    token_state state = token_state::unknown;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = tasks_.find(**token);
        if (it != tasks_.end()) slot = it->second.slot;
        else state = closed_.count(**token) ? token_state::closed : token_state::unknown;
    }
    if (!slot) return token_error(state);
    {
        // After a success or failure took the handle, this is a no-op on an empty one.
        std::lock_guard<std::mutex> lock(slot->mutex);
        slot->done.heartbeat();
    }
    return api_outcome(json::object());
}

} // namespace stepfn::detail

#endif
