#ifndef STEPFN_INTEGRATIONS_POSTGRES_STORE_HPP
#define STEPFN_INTEGRATIONS_POSTGRES_STORE_HPP

// An execution store on PostgreSQL (target stepfn::postgres; docs/store-postgres.md): the same
// contract as the SQLite store, on a database that several processes share. Commits are grouped
// by a committer thread that sends each batch in libpq's pipeline mode, so a checkpoint never
// blocks the thread that made it and a batch costs one round trip and one commit.
//
// Opened with a `worker` name, the store also shares work between processes: executions are
// claimed under leases and every checkpoint carries its lease's fencing token (see leases()).
//
//   auto store = stepfn::postgres_store::open("postgresql://app@db.internal/app");
//   if (!store) { /* store.error().cause says why (never with the password) */ }

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/postgres_connection.hpp>
#include <stepfn/integrations/detail/postgres_leases.hpp>
#include <stepfn/integrations/postgres_work.hpp>
#include <stepfn/integrations/detail/postgres_reads.hpp>
#include <stepfn/integrations/detail/postgres_schema.hpp>
#include <stepfn/integrations/detail/postgres_writer.hpp>
#include <stepfn/store/execution_store.hpp>
#include <stepfn/store/resource_store.hpp>

namespace stepfn {

struct postgres_store_options {
    std::string schema = "stepfn";                  // the tables' schema (lower-case letters, digits, '_')
    // Group commit, as on SQLite: checkpoints that arrive while a batch commits go in the next
    // one; a window > 0 also waits that long after the first arrival.
    std::chrono::microseconds commit_window{0};
    std::size_t max_batch = 256;                    // checkpoints per transaction at most
    int connect_timeout_s = 10;                     // unless the connection string says otherwise
    std::chrono::milliseconds io_timeout{60000};    // the committer's wait for the server, at most
    // Non-empty: this process is a worker named so (unique among the workers on the database).
    // It owns the executions it creates, claims others with claim(), and fences its writes.
    std::string worker;
    std::chrono::milliseconds lease_duration{30000};  // how long a lease lasts unless renewed
};

class postgres_store final : public execution_store, public resource_store {
    struct private_tag {};

public:
    static result<std::shared_ptr<postgres_store>> open(const std::string& conninfo, postgres_store_options options = {}) {
        if (!detail::valid_pg_schema_name(options.schema))
            return make_error("InvalidArgument", "the schema name '" + options.schema.substr(0, 64) +
                                                     "' is not one the store takes (lower-case letters, digits and '_', at most 63)");
        auto target = detail::parse_pg_target(conninfo);
        if (!target) return tl::make_unexpected(std::move(target.error()));
        auto reads = detail::pg_connection::connect(conninfo, *target, options.connect_timeout_s);
        if (!reads) return tl::make_unexpected(std::move(reads.error()));
        if (auto schema = detail::open_postgres_schema(*reads, options.schema); !schema) return tl::make_unexpected(std::move(schema.error()));
        auto writes = detail::pg_connection::connect(conninfo, *target, options.connect_timeout_s);
        if (!writes) return tl::make_unexpected(std::move(writes.error()));
        const std::string path = "SET search_path TO " + options.schema;
        if (auto r = writes->exec(path.c_str(), "choosing the store's schema"); !r) return tl::make_unexpected(std::move(r.error()));
        writes->set_session_sql(path);
        auto store = std::make_shared<postgres_store>(private_tag{}, std::move(*reads), std::move(*writes), std::move(options));
        if (auto prepared = store->writer_.prepare(store->writes_, static_cast<int>(store->options_.io_timeout.count())); !prepared)
            return tl::make_unexpected(std::move(prepared.error()));
        store->conninfo_ = conninfo;
        store->committer_ = std::thread([s = store.get()] { s->run_committer(); });
        return store;
    }

    postgres_store(private_tag, detail::pg_connection reads, detail::pg_connection writes, postgres_store_options options)
        : reads_(std::move(reads)), writes_(std::move(writes)), options_(std::move(options)),
          leases_(options_.worker, options_.lease_duration) {
        if (options_.max_batch == 0) options_.max_batch = 1;
    }
    postgres_store(const postgres_store&) = delete;
    postgres_store& operator=(const postgres_store&) = delete;

    // Writes everything queued, stops the committer, closes the connections. Not from a `done`.
    ~postgres_store() override {
        {
            std::lock_guard<std::mutex> lock(queue_mutex_);
            stopping_ = true;
        }
        queue_ready_.notify_all();
        if (committer_.joinable()) committer_.join();
    }

    void commit(execution_checkpoint checkpoint, std::function<void(result<void>)> done) override {
        // The events become text here, on the caller's thread: the committer only sends.
        std::string details = checkpoint.events.empty() ? std::string() : detail::events_body(checkpoint.events);
        for (auto& event : checkpoint.events) event.details = json();
        // A worker owns what it creates (generation 1) from this checkpoint on.
        if (checkpoint.created && !options_.worker.empty()) leases_.adopt_created(checkpoint.execution_arn);
        const std::uint64_t fence = leases_.fence(checkpoint.execution_arn);
        {
            std::lock_guard<std::mutex> lock(queue_mutex_);
            queue_.push_back(pending{std::move(checkpoint), std::move(details), fence, std::move(done), std::chrono::steady_clock::now()});
            ++enqueued_;
        }
        queue_ready_.notify_one();
    }

    result<void> flush() override {
        if (std::this_thread::get_id() == committer_.get_id())
            return make_error("InvalidCall", "flush() was called from a commit's `done`, which the committer itself runs");
        std::unique_lock<std::mutex> lock(queue_mutex_);
        const std::uint64_t target = enqueued_;
        ++flushing_;
        queue_ready_.notify_one();
        finished_.wait(lock, [&] { return completed_ >= target; });
        --flushing_;
        return {};
    }

    // How many transactions the committer has committed (tests and benchmarks: group commit).
    std::size_t transactions() const noexcept { return transactions_.load(); }
    // How many checkpoints the database refused for a stale fencing token.
    std::size_t stale_writes_refused() const noexcept { return stale_refused_.load(); }
    // The database as errors show it: postgresql://user@host:port/dbname, never the password.
    const std::string& target() const noexcept { return reads_.target().shown; }
    const postgres_store_options& options() const noexcept { return options_; }

    result<std::optional<stored_execution>> find_execution(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_find_execution(reads_, arn);
    }
    result<std::optional<machine_version>> find_machine_version(std::string_view id) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_find_machine_version(reads_, id);
    }
    result<std::string> snapshot(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_snapshot(reads_, arn);
    }
    result<execution_page> list_executions(const execution_filter& filter) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_list_executions(reads_, filter);
    }
    result<history_page> history(std::string_view arn, const history_request& request) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_history(reads_, arn, request);
    }
    result<std::vector<std::string>> unfinished_executions() override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_unfinished_executions(reads_);
    }
    result<std::optional<std::string>> find_token(std::string_view token) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_find_token(reads_, token);
    }

    result<bool> insert_resource(const stored_resource& resource) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_insert_resource(reads_, resource);
    }
    result<bool> update_resource(const stored_resource& resource) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_update_resource(reads_, resource);
    }
    result<bool> delete_resource(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_delete_resource(reads_, arn);
    }
    result<std::optional<stored_resource>> find_resource(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_find_resource(reads_, arn);
    }
    result<resource_page> list_resources(std::string_view kind, std::string_view arn_prefix, std::size_t max_results,
                                         std::string_view next_token) override {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return detail::pg_list_resources(reads_, kind, arn_prefix, max_results, next_token);
    }

    // ---- sharing executions between workers (docs/store-postgres.md, "Leases and fencing")

    // Claims up to `max` runnable executions nobody holds a live lease on (new ones, due
    // timers, ones with messages, ones whose owner's lease expired), FOR UPDATE SKIP LOCKED so
    // that workers claiming at once never wait for or get the same one. Needs `worker`.
    // `ahead` > 0 also takes executions whose timer is due within it: resumed early, they re-arm
    // the timer for its deadline, so that resuming many at once does not make them late.
    result<std::vector<execution_claim>> claim(std::size_t max, std::chrono::milliseconds ahead = std::chrono::milliseconds(0)) {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return leases_.claim(reads_, max, ahead);
    }
    // Claims one ended execution nobody holds, to redrive it in this worker (engine::redrive
    // then writes under the new lease); false when it runs or is held elsewhere.
    result<bool> claim_to_redrive(std::string_view arn) {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return leases_.claim_ended(reads_, arn);
    }
    // Extends every lease this worker holds; the executions whose lease it has lost (another
    // worker took them over) are returned and forgotten: their writes will be refused.
    result<std::vector<std::string>> renew_leases() {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return leases_.renew(reads_);
    }
    // Hands an execution back: it is runnable again at `wake` (its next timer), or when a
    // message arrives (nullopt). Call once its last checkpoint is durable (flush()).
    result<bool> release(std::string_view arn, std::optional<store_time> wake) {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return leases_.release(reads_, arn, wake);
    }
    // Hands every lease back, runnable at once (a clean stop: another worker goes on with them).
    result<std::size_t> release_all() {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return leases_.release_all(reads_);
    }
    // Sends an execution a message (a task token's outcome, a stop, a redrive): durable at once,
    // taken by whichever worker owns or next claims the execution. Any process may send.
    result<void> send(std::string_view arn, std::string_view kind, std::string_view body) {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return leases_.send(reads_, arn, kind, body);
    }
    // The messages waiting for an execution this worker holds, oldest first, removed as they are
    // taken (fenced: nothing is taken under a lost lease).
    result<std::vector<execution_message>> take_messages(std::string_view arn) {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return leases_.take(reads_, arn);
    }
    // The executions this worker holds that were sent messages (take them with take_messages()).
    result<std::vector<std::string>> held_with_mail() {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return leases_.with_mail(reads_);
    }
    // How long until the next execution handed back to a timer is due (database clock); nullopt
    // when none is. A worker waits at most that long for work.
    result<std::optional<std::chrono::milliseconds>> next_due() {
        std::lock_guard<std::mutex> lock(reads_mutex_);
        return leases_.next_due(reads_);
    }
    // Waits up to `timeout` for a NOTIFY that there is work (a new execution, a message, leases
    // handed back): only a hint to look again sooner; claim() is what finds work. True when
    // one came. The first call opens a connection that LISTENs.
    bool wait_for_work(std::chrono::milliseconds timeout) {
        std::lock_guard<std::mutex> lock(listen_mutex_);
        if (!listener_.ok() && !listen()) {
            std::this_thread::sleep_for(timeout);
            return false;
        }
        return detail::wait_for_notify(listener_, timeout);
    }
    // Forgets this worker's lease on an execution whose end is stored (the end released it in
    // the database already): no round trip, unlike release().
    void forget_ended(std::string_view arn) { leases_.forget(std::string(arn)); }
    // The executions this worker holds and their lease generations.
    std::map<std::string, std::uint64_t> held() const { return leases_.held(); }

private:
    bool listen() {
        auto c = detail::pg_connection::connect(conninfo_, reads_.target(), options_.connect_timeout_s);
        if (!c) return false;
        if (!c->exec("LISTEN stepfn_work", "listening for work")) return false;
        listener_ = std::move(*c);
        return true;
    }

    struct pending {
        execution_checkpoint checkpoint;
        std::string details;
        std::uint64_t fence;
        std::function<void(result<void>)> done;
        std::chrono::steady_clock::time_point arrived;
    };

    void run_committer() {
        std::vector<pending> batch;
        std::vector<detail::postgres_writer::item> items;
        std::vector<detail::postgres_writer::answer> answers;
        const std::int64_t lease_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.lease_duration).count();
        for (;;) {
            std::unique_lock<std::mutex> lock(queue_mutex_);
            queue_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) break;
            if (options_.commit_window.count() > 0 && !stopping_ && flushing_ == 0) {
                const auto deadline = queue_.front().arrived + options_.commit_window;
                queue_ready_.wait_until(lock, deadline, [&] { return stopping_ || flushing_ > 0 || queue_.size() >= options_.max_batch; });
            }
            const std::size_t n = queue_.size() < options_.max_batch ? queue_.size() : options_.max_batch;
            batch.clear();
            for (std::size_t i = 0; i < n; ++i) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            lock.unlock();

            items.clear();
            for (auto& p : batch) items.push_back(detail::postgres_writer::item{&p.checkpoint, &p.details, p.fence});
            if (writer_.write(items, options_.worker.empty() ? nullptr : &options_.worker, lease_ns, answers)) ++transactions_;
            for (std::size_t i = 0; i < batch.size(); ++i) {
                if (answers[i].stale) {
                    ++stale_refused_;
                    leases_.forget(batch[i].checkpoint.execution_arn, batch[i].fence);
                } else if (!answers[i].outcome && batch[i].checkpoint.created && !options_.worker.empty()) {
                    leases_.forget(batch[i].checkpoint.execution_arn, 1);  // it was not ours to create
                }
                call_done(batch[i].done, std::move(answers[i].outcome));
            }
            batch.clear();

            lock.lock();
            completed_ += n;
            lock.unlock();
            finished_.notify_all();
        }
    }

    static void call_done(std::function<void(result<void>)>& done, result<void> outcome) {
        if (!done) return;
#if STEPFN_HAS_EXCEPTIONS
        try {
            done(std::move(outcome));
        } catch (...) {
        }
#else
        done(std::move(outcome));
#endif
    }

    detail::pg_connection reads_;   // reads, resources and leases (under reads_mutex_)
    detail::pg_connection writes_;  // the committer's, in pipeline mode
    postgres_store_options options_;
    detail::postgres_writer writer_;
    detail::pg_lease_table leases_;
    std::mutex reads_mutex_;
    std::string conninfo_;           // for the listening connection, opened when first needed
    std::mutex listen_mutex_;
    detail::pg_connection listener_;

    std::mutex queue_mutex_;
    std::condition_variable queue_ready_;
    std::condition_variable finished_;
    std::deque<pending> queue_;
    std::uint64_t enqueued_ = 0;
    std::uint64_t completed_ = 0;
    int flushing_ = 0;
    bool stopping_ = false;
    std::thread committer_;
    std::atomic<std::size_t> transactions_{0};
    std::atomic<std::size_t> stale_refused_{0};
};

} // namespace stepfn

#endif
