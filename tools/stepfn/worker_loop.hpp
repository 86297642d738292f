#ifndef STEPFN_TOOLS_CLI_WORKER_LOOP_HPP
#define STEPFN_TOOLS_CLI_WORKER_LOOP_HPP

// The stepfn command: what a process sharing a PostgreSQL store does as a worker
// (docs/store-postgres.md): claims runnable executions under leases and renews them, applies the
// messages sent to what it holds, hands back executions that only wait (engine::park), and
// tells which ended. `stepfn worker` runs it until SIGTERM; `stepfn serve --store postgresql://`
// runs it beside its API, which hands it the executions it starts. Part of cli.hpp.

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include <unistd.h>

namespace stepfn::cli::detail {

#if defined(STEPFN_WITH_POSTGRES)

// A message from a sender (postgres_store::send) to an execution this engine runs: task
// outcomes, stops (redrives are handled when claiming).
template <class Engine>
void apply_message(Engine& engine, const std::string& arn, const execution_message& m, std::FILE* err) {
    json body = json::parse(m.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) body = json::object();
    const auto text = [&](const char* key) { return body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : std::string(); };
    result<void> r;
    if (m.kind == "task_success") r = engine.send_task_success(text("token"), body.contains("output") ? body["output"] : json::object());
    else if (m.kind == "task_failure") r = engine.send_task_failure(text("token"), text("error"), text("cause"));
    else if (m.kind == "task_heartbeat") r = engine.send_task_heartbeat(text("token"));
    else if (m.kind == "stop") r = engine.stop(arn, text("error"), text("cause"));
    else if (m.kind != "redrive") write_line(err, "stepfn worker: a message of the unknown kind " + in_quotes(m.kind) + " to " + arn + " was dropped");
    if (!r) write_line(err, "stepfn worker: " + m.kind + " for " + arn + ": " + r.error().name + ": " + r.error().cause);
}

// The engine's answers to the loop's park requests (engine::park), from the engine's threads.
struct park_answers {
    struct answer {
        std::string arn;
        bool parked = false;
        std::optional<store_time> wake;
    };
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<answer> answers;
};

template <class Engine>
class worker_loop {
public:
    struct settings {
        std::size_t concurrency = 64;
        std::chrono::milliseconds lease{30000};
        std::chrono::milliseconds park_after{1000};
    };

    // `out` (may be null) gets one line of JSON per execution this loop saw end; `err` problems.
    worker_loop(postgres_store& store, Engine& engine, settings options, std::FILE* out, std::FILE* err)
        : store_(store), engine_(engine), options_(options), out_(out), err_(err),
          claim_ahead_((std::min)(std::chrono::milliseconds(200), options.park_after / 2)) {}

    // An execution this process started or redrove itself (stepfn serve's API), owned by this
    // worker from its first checkpoint: run, parked and told of like a claimed one. Any thread.
    void adopt(const execution& e) {
        std::lock_guard<std::mutex> lock(adopted_mutex_);
        adopted_.push_back(e);
    }

    // Rounds until `stop()` is true (checked between rounds, each at most ~200 ms).
    void run(const std::function<bool()>& stop) {
        auto last_renewal = std::chrono::steady_clock::now();
        auto last_parking = last_renewal;
        while (!stop()) {
            take_adopted();
            // Parked ones first (their local end is not one), then ends: a slot freed is
            // claimed again in the same round.
            collect_parked();
            settle();
            const auto now = std::chrono::steady_clock::now();
            if (now - last_renewal >= options_.lease / 3) {
                last_renewal = now;
                auto lost = store_.renew_leases();
                if (!lost) write_line(err_, "stepfn worker: renewing leases: " + lost.error().cause);
            }
            if (now - last_parking >= std::chrono::milliseconds(100)) {
                last_parking = now;
                ask_to_park();
            }
            // Messages to executions this worker holds (not to one whose park is unanswered: a
            // message applied to an execution being dropped would be lost; it waits for the next
            // round, or for the worker that claims the execution once it is handed back).
            if (auto mail = store_.held_with_mail(); mail) {
                for (const auto& arn : *mail) {
                    if (asking_.count(arn)) continue;
                    auto messages = store_.take_messages(arn);
                    if (messages)
                        for (const auto& m : *messages) apply_message(engine_, arn, m, err_);
                }
            }
            const std::size_t claimed = claim();
            // NOTIFY only shortens the wait; the loop polls the tables regardless, and sooner
            // when an execution handed back is due sooner.
            if (claimed == 0) {
                auto wait = std::chrono::milliseconds(running_.empty() ? 200 : 100);
                if (auto due = store_.next_due(); due && *due && **due - claim_ahead_ < wait)
                    wait = (std::max)(**due - claim_ahead_, std::chrono::milliseconds(1));
                store_.wait_for_work(wait);
            }
        }
        // The parks still unanswered, and the ends stored while the last round ran: their
        // checkpoints answered (flush), then a moment for the pool to tell the executions.
        {
            std::unique_lock<std::mutex> lock(parking_->mutex);
            parking_->arrived.wait_for(lock, std::chrono::seconds(2), [&] { return parking_->answers.size() >= asking_.size(); });
        }
        (void)store_.flush();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        take_adopted();
        collect_parked();
        settle();
    }

    std::size_t running() const noexcept { return running_.size(); }
    std::size_t fenced_out() const noexcept { return fenced_out_; }
    std::size_t parked() const noexcept { return parked_count_; }
    // Forgets the executions (after the engine is gone: their handles keep records alive).
    void clear() { running_.clear(); }

private:
    void watch(const std::string& arn, const execution& e) {
        running_.insert_or_assign(arn, e);
        e.on_end([ended = ended_, arn] {
            std::lock_guard<std::mutex> lock(ended->mutex);
            ended->arns.push_back(arn);
        });
    }

    void take_adopted() {
        std::vector<execution> taken;
        {
            std::lock_guard<std::mutex> lock(adopted_mutex_);
            taken.swap(adopted_);
        }
        for (const auto& e : taken) watch(e.arn(), e);
    }

    bool adopt_claimed(const std::string& arn) {
        auto resumed = engine_.resume(arn);
        if (!resumed) {
            write_line(err_, "stepfn worker: cannot resume " + arn + ": " + resumed.error().cause);
            (void)store_.release(arn, std::nullopt);
            return false;
        }
        watch(arn, *resumed);
        return true;
    }

    std::size_t claim() {
        if (running_.size() >= options_.concurrency) return 0;
        auto claims = store_.claim(options_.concurrency - running_.size(), claim_ahead_);
        if (!claims) {
            write_line(err_, "stepfn worker: claiming: " + claims.error().cause);
            return 0;
        }
        for (const auto& c : *claims) {
            result<std::vector<execution_message>> messages = std::vector<execution_message>();
            if (c.has_messages) messages = store_.take_messages(c.arn);
            bool redrive = false;
            if (messages)
                for (const auto& m : *messages) redrive = redrive || m.kind == "redrive";
            if (redrive) {
                auto redriven = engine_.redrive(c.arn);
                if (!redriven) {
                    write_line(err_, "stepfn worker: redrive of " + c.arn + ": " + redriven.error().cause);
                    (void)store_.release(c.arn, std::nullopt);
                    continue;
                }
                watch(c.arn, *redriven);
            } else if (!adopt_claimed(c.arn)) {
                continue;
            }
            if (messages)
                for (const auto& m : *messages) apply_message(engine_, c.arn, m, err_);
        }
        return claims->size();
    }

    // Prints the ends stored since the last call and drops their executions.
    void settle() {
        std::vector<std::string> settled;
        {
            std::lock_guard<std::mutex> lock(ended_->mutex);
            settled.swap(ended_->arns);
        }
        std::vector<std::string> later;
        for (const auto& arn : settled) {
            // Its park is unanswered: the end may be the park's (not an end), told by the answer.
            if (asking_.count(arn)) {
                later.push_back(arn);
                continue;
            }
            auto it = running_.find(arn);
            if (it == running_.end()) continue;
            const execution_status status = it->second.status();
            // An earlier run of it here ended (fenced out, parked); it was claimed again and runs anew.
            if (status == execution_status::running) continue;
            result<json> outcome = it->second.outcome();
            // Ended here only: its end (or an earlier checkpoint) was not stored, because the
            // lease moved to another worker (fencing) or the store failed.
            const bool fenced = !outcome && outcome.error().name == "Stepfn.StoreFailed";
            if (fenced) {
                ++fenced_out_;
            } else if (out_) {
                json line = json::object();
                line["name"] = it->second.name();
                json result = result_line(status, std::move(outcome));
                for (auto& item : result.items()) line[item.key()] = std::move(item.value());
                write_line(out_, dump(line));
                std::fflush(out_);
            }
            // Ended here but not in the store (a refused or failed write): handed back, so that
            // whoever holds it now, or the next claimer, goes on from the store. A stored end
            // released it in the database already.
            if (fenced) (void)store_.release(arn, std::optional<store_time>(std::chrono::system_clock::now()));
            else store_.forget_ended(arn);
            running_.erase(it);
        }
        if (!later.empty()) {
            std::lock_guard<std::mutex> lock(ended_->mutex);
            ended_->arns.insert(ended_->arns.end(), later.begin(), later.end());
        }
    }

    // Executions whose every branch waits are handed back (docs/store-postgres.md, "Parked
    // executions"): the engine lets go of them on their strands (asked here, answered without
    // this thread waiting), then collect_parked() hands their leases back with their next timer
    // as the row's wake time.
    void ask_to_park() {
        const auto not_before = std::chrono::system_clock::now() + options_.park_after;
        for (const auto& entry : running_) {
            if (asking_.count(entry.first) || entry.second.status() != execution_status::running) continue;
            asking_.insert(entry.first);
            engine_.park(entry.first, not_before, [parking = parking_, arn = entry.first](result<park_outcome> r) {
                park_answers::answer a;
                a.arn = arn;
                if (r && r->parked) {
                    a.parked = true;
                    a.wake = r->wake;
                }
                std::lock_guard<std::mutex> lock(parking->mutex);
                parking->answers.push_back(std::move(a));
                parking->arrived.notify_all();
            });
        }
    }

    void collect_parked() {
        std::vector<park_answers::answer> answers;
        {
            std::lock_guard<std::mutex> lock(parking_->mutex);
            answers.swap(parking_->answers);
        }
        for (const auto& a : answers) {
            asking_.erase(a.arn);
            if (!a.parked) continue;
            running_.erase(a.arn);
            // Its last checkpoint is stored (park checks): the row's wake is its next timer.
            auto released = store_.release(a.arn, a.wake);
            if (!released) write_line(err_, "stepfn worker: handing back " + a.arn + ": " + released.error().cause);
            ++parked_count_;
        }
    }

    struct ended_list {
        std::mutex mutex;
        std::vector<std::string> arns;
    };

    postgres_store& store_;
    Engine& engine_;
    settings options_;
    std::FILE* out_;
    std::FILE* err_;
    std::map<std::string, execution> running_;  // the loop's thread only
    std::shared_ptr<ended_list> ended_ = std::make_shared<ended_list>();
    std::shared_ptr<park_answers> parking_ = std::make_shared<park_answers>();
    std::set<std::string> asking_;  // executions whose park is unanswered (the loop's thread only)
    std::mutex adopted_mutex_;
    std::vector<execution> adopted_;
    // Executions handed back to a timer are claimed this long before it is due: resumed early
    // (a few queries each, one after the other), they re-arm the timer for its deadline, so that
    // many due at once are not late by the time it takes to resume them all. Half of
    // --park-after-ms at most, so that one claimed early is not parked again.
    std::chrono::milliseconds claim_ahead_;
    std::size_t fenced_out_ = 0;
    std::size_t parked_count_ = 0;
};

inline std::string default_worker_name() {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    std::random_device random;
    return std::string(host[0] ? host : "host") + ":" + std::to_string(getpid()) + ":" + std::to_string(random() % 100000);
}

#endif

} // namespace stepfn::cli::detail

#endif
