#ifndef STEPFN_INTEGRATIONS_SQLITE_STORE_HPP
#define STEPFN_INTEGRATIONS_SQLITE_STORE_HPP

// An execution store in one SQLite file (target stepfn::sqlite; docs/store-sqlite.md): the
// embedded default for durable executions, and the home of the API's resources (state
// machines, activities). One process holds the file at a time; commits are
// grouped, so that many executions checkpointing at once share one transaction (and one fsync).
//
//   auto store = stepfn::sqlite_store::open("executions.db");
//   if (!store) { /* store.error().cause says why: in use, not a store, corrupted, too new */ }

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
#include <stepfn/integrations/detail/sqlite_connection.hpp>
#include <stepfn/integrations/detail/sqlite_resources.hpp>
#include <stepfn/integrations/detail/sqlite_rows.hpp>
#include <stepfn/integrations/detail/sqlite_schema.hpp>
#include <stepfn/integrations/detail/sqlite_writer.hpp>
#include <stepfn/store/execution_store.hpp>
#include <stepfn/store/resource_store.hpp>

namespace stepfn {

struct sqlite_store_options {
    // Group commit: checkpoints that arrive while a transaction commits all go in the next one,
    // so many executions share each fsync without waiting for it. A window > 0 also makes the
    // committer wait that long after the first arrival (more per transaction, more latency).
    std::chrono::microseconds commit_window{0};
    std::size_t max_batch = 1024;                  // checkpoints per transaction at most
    bool synchronous_full = true;                  // PRAGMA synchronous=FULL (false: NORMAL, may lose the last commits on power loss, never corrupts)
    std::size_t max_file_bytes = 0;                // 0 = unlimited; otherwise PRAGMA max_page_count so a full disk can be tested
    bool check_on_open = true;                     // PRAGMA quick_check on open: reads the whole file once (off: faster opens of big files)
};

class sqlite_store final : public execution_store, public resource_store {
    struct private_tag {};

public:
    static result<std::shared_ptr<sqlite_store>> open(const std::string& path, sqlite_store_options options = {}) {
        detail::sqlite_open_settings settings;
        settings.synchronous_full = options.synchronous_full;
        settings.max_file_bytes = options.max_file_bytes;
        settings.check_on_open = options.check_on_open;
        auto db = detail::open_sqlite_store(path, settings);
        if (!db) return tl::make_unexpected(std::move(db.error()));
        auto store = std::make_shared<sqlite_store>(private_tag{}, std::move(*db), options);
        if (auto prepared = store->writer_.prepare(store->db_); !prepared) return tl::make_unexpected(std::move(prepared.error()));
        store->completer_ = std::thread([s = store.get()] { s->run_completer(); });
        store->committer_ = std::thread([s = store.get()] { s->run_committer(); });
        return store;
    }

    sqlite_store(private_tag, detail::sqlite_connection db, sqlite_store_options options)
        : db_(std::move(db)), options_(options) {
        if (options_.max_batch == 0) options_.max_batch = 1;
    }
    sqlite_store(const sqlite_store&) = delete;
    sqlite_store& operator=(const sqlite_store&) = delete;

    // Flushes, stops the committer and the completer, closes the file (which folds the WAL back
    // into it). Not from a `done` (the completer cannot wait for itself): keep the last
    // reference elsewhere.
    ~sqlite_store() override {
        {
            std::lock_guard<std::mutex> lock(queue_mutex_);
            stopping_ = true;
        }
        queue_ready_.notify_all();
        if (committer_.joinable()) committer_.join();
        {
            std::lock_guard<std::mutex> lock(answers_mutex_);
            answers_closing_ = true;
        }
        answers_ready_.notify_all();
        if (completer_.joinable()) completer_.join();
    }

    void commit(execution_checkpoint checkpoint, std::function<void(result<void>)> done) override {
        // The events' details become text here, on the caller's thread: the one committer
        // thread only writes.
        std::string details = checkpoint.events.empty() ? std::string() : detail::events_body(checkpoint.events);
        // What the committer needs of the events now is their ids: their details are freed
        // here too, not on the committer thread.
        for (auto& event : checkpoint.events) event.details = json();
        {
            std::lock_guard<std::mutex> lock(queue_mutex_);
            queue_.push_back(pending{std::move(checkpoint), std::move(details), std::move(done), std::chrono::steady_clock::now()});
            ++enqueued_;
        }
        queue_ready_.notify_one();
    }

    result<void> flush() override {
        if (std::this_thread::get_id() == completer_.get_id())
            return make_error("InvalidCall", "flush() was called from a commit's `done`, which the store's completer thread runs");
        std::unique_lock<std::mutex> lock(queue_mutex_);
        const std::uint64_t target = enqueued_;
        ++flushing_;  // cuts the commit window short
        queue_ready_.notify_one();
        finished_.wait(lock, [&] { return completed_ >= target; });
        --flushing_;
        return {};
    }

    // How many transactions the committer has committed (tests and benchmarks: group commit).
    std::size_t transactions() const noexcept { return transactions_.load(); }
    const std::string& path() const noexcept { return db_.path(); }

    result<std::optional<stored_execution>> find_execution(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        auto stmt = statement(find_execution_, std::string("SELECT ") + detail::execution_columns + " FROM executions WHERE arn = ?1");
        if (!stmt) return tl::make_unexpected(std::move(stmt.error()));
        (*stmt)->bind(1, arn);
        const int rc = (*stmt)->step();
        if (rc == SQLITE_DONE) return std::optional<stored_execution>();
        if (rc != SQLITE_ROW) return tl::make_unexpected(db_.fail(rc, "reading an execution"));
        auto row = detail::read_execution(**stmt, db_.path());
        if (!row) return tl::make_unexpected(std::move(row.error()));
        return std::optional<stored_execution>(std::move(*row));
    }

    result<std::optional<machine_version>> find_machine_version(std::string_view id) override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        auto stmt = statement(find_version_, "SELECT id, machine_arn, definition FROM machine_versions WHERE id = ?1");
        if (!stmt) return tl::make_unexpected(std::move(stmt.error()));
        (*stmt)->bind(1, id);
        const int rc = (*stmt)->step();
        if (rc == SQLITE_DONE) return std::optional<machine_version>();
        if (rc != SQLITE_ROW) return tl::make_unexpected(db_.fail(rc, "reading a machine version"));
        machine_version m;
        m.id = (*stmt)->text(0);
        m.machine_arn = (*stmt)->text(1);
        m.definition = (*stmt)->text(2);
        return std::optional<machine_version>(std::move(m));
    }

    result<std::string> snapshot(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        auto stmt = statement(find_snapshot_, "SELECT snapshot FROM executions WHERE arn = ?1");
        if (!stmt) return tl::make_unexpected(std::move(stmt.error()));
        (*stmt)->bind(1, arn);
        const int rc = (*stmt)->step();
        if (rc == SQLITE_DONE) return make_error("ExecutionDoesNotExist", "no stored execution has the ARN '" + std::string(arn) + "'");
        if (rc != SQLITE_ROW) return tl::make_unexpected(db_.fail(rc, "reading a snapshot"));
        return (*stmt)->text(0);
    }

    // Newest first (by start date, then by the order they were created), a page at a time; the
    // token holds where the page ended, so a page costs the same however deep the list goes.
    result<execution_page> list_executions(const execution_filter& filter) override {
        const std::string scope = detail::listing_scope(filter);
        std::int64_t after_start = 0, after_order = 0;
        const bool continued = !filter.next_token.empty();
        if (continued) {
            auto position = detail::parse_page_token('L', scope, filter.next_token);
            if (!position) return tl::make_unexpected(std::move(position.error()));
            after_start = static_cast<std::int64_t>(position->first);
            after_order = static_cast<std::int64_t>(position->second);
        }
        const std::size_t limit = filter.max_results ? filter.max_results : 100;

        std::lock_guard<std::mutex> lock(db_mutex_);
        const int variant = (filter.machine_arn.empty() ? 0 : 1) | (filter.status ? 2 : 0) | (continued ? 4 : 0);
        std::string sql = std::string("SELECT ") + detail::execution_columns + ", created_order FROM executions WHERE 1";
        if (variant & 1) sql += " AND machine_arn = ?1";
        if (variant & 2) sql += " AND status = ?2";
        if (variant & 4) sql += " AND (start_ns < ?3 OR (start_ns = ?3 AND created_order < ?4))";
        sql += " ORDER BY start_ns DESC, created_order DESC LIMIT ?5";
        auto stmt = statement(list_[variant], sql);
        if (!stmt) return tl::make_unexpected(std::move(stmt.error()));
        detail::sqlite_statement& s = **stmt;
        if (variant & 1) s.bind(1, filter.machine_arn);
        if (variant & 2) s.bind(2, std::string_view(to_string(*filter.status)));
        if (variant & 4) {
            s.bind(3, after_start);
            s.bind(4, after_order);
        }
        // One row more than the page: whether there is a next page.
        s.bind(5, static_cast<std::int64_t>(limit < static_cast<std::size_t>(INT64_MAX) ? limit + 1 : limit));
        execution_page page;
        std::int64_t last_start = 0, last_order = 0;
        for (;;) {
            const int rc = s.step();
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return tl::make_unexpected(db_.fail(rc, "listing executions"));
            if (page.executions.size() == limit) {
                page.next_token = detail::make_page_token('L', scope, static_cast<std::uint64_t>(last_start), static_cast<std::uint64_t>(last_order));
                break;
            }
            auto row = detail::read_execution(s, db_.path());
            if (!row) return tl::make_unexpected(std::move(row.error()));
            last_start = s.integer(9);
            last_order = s.integer(15);
            page.executions.push_back(std::move(*row));
        }
        return page;
    }

    // Events in id order (or reversed). Ids run 1..event_count without gaps, so the token holds
    // the last id given and the next page starts right after it.
    result<history_page> history(std::string_view arn, const history_request& request) override {
        const std::string scope = detail::history_scope(arn, request.reverse_order);
        std::int64_t after = 0;
        const bool continued = !request.next_token.empty();
        if (continued) {
            auto position = detail::parse_page_token('H', scope, request.next_token);
            if (!position) return tl::make_unexpected(std::move(position.error()));
            after = static_cast<std::int64_t>(position->first);
        }
        const std::size_t limit = request.max_results ? request.max_results : 1000;

        std::lock_guard<std::mutex> lock(db_mutex_);
        auto count = statement(find_event_count_, "SELECT event_count FROM executions WHERE arn = ?1");
        if (!count) return tl::make_unexpected(std::move(count.error()));
        (*count)->bind(1, arn);
        const int found = (*count)->step();
        if (found == SQLITE_DONE) return make_error("ExecutionDoesNotExist", "no stored execution has the ARN '" + std::string(arn) + "'");
        if (found != SQLITE_ROW) return tl::make_unexpected(db_.fail(found, "reading an execution"));
        const std::int64_t event_count = (*count)->integer(0);
        sqlite3_reset((*count)->get());

        // Rows hold a checkpoint's events each: at most `limit` rows hold the page.
        const char* sql = request.reverse_order
                              ? "SELECT body FROM events WHERE execution = (SELECT created_order FROM executions WHERE arn = ?1)"
                                " AND first_id < ?2 ORDER BY first_id DESC LIMIT ?3"
                              : "SELECT body FROM events WHERE execution = (SELECT created_order FROM executions WHERE arn = ?1)"
                                " AND last_id > ?2 ORDER BY first_id LIMIT ?3";
        auto stmt = statement(request.reverse_order ? history_reverse_ : history_forward_, sql);
        if (!stmt) return tl::make_unexpected(std::move(stmt.error()));
        detail::sqlite_statement& s = **stmt;
        const std::int64_t bound = continued ? after : (request.reverse_order ? INT64_MAX : std::int64_t{0});
        s.bind(1, arn);
        s.bind(2, bound);
        s.bind(3, static_cast<std::int64_t>(limit < static_cast<std::size_t>(INT64_MAX) ? limit : INT64_MAX));
        history_page page;
        while (page.events.size() < limit) {
            const int rc = s.step();
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return tl::make_unexpected(db_.fail(rc, "reading the history"));
            auto events = detail::read_events(s.text(0), db_.path(), arn);
            if (!events) return tl::make_unexpected(std::move(events.error()));
            if (request.reverse_order) {
                for (auto it = events->rbegin(); it != events->rend() && page.events.size() < limit; ++it)
                    if (it->id < bound) page.events.push_back(std::move(*it));
            } else {
                for (auto& e : *events)
                    if (e.id > bound && page.events.size() < limit) page.events.push_back(std::move(e));
            }
        }
        sqlite3_reset(s.get());
        if (!page.events.empty()) {
            const std::int64_t last = page.events.back().id;
            const bool more = request.reverse_order ? last > 1 : last < event_count;
            if (more && page.events.size() == limit)
                page.next_token = detail::make_page_token('H', scope, static_cast<std::uint64_t>(last), 0);
        }
        return page;
    }

    result<std::vector<std::string>> unfinished_executions() override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        auto stmt = statement(unfinished_, "SELECT arn FROM executions WHERE status = 'RUNNING' ORDER BY created_order");
        if (!stmt) return tl::make_unexpected(std::move(stmt.error()));
        std::vector<std::string> arns;
        for (;;) {
            const int rc = (*stmt)->step();
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return tl::make_unexpected(db_.fail(rc, "listing unfinished executions"));
            arns.push_back((*stmt)->text(0));
        }
        return arns;
    }

    result<std::optional<std::string>> find_token(std::string_view token) override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        auto stmt = statement(find_token_, "SELECT execution_arn FROM tokens WHERE token = ?1");
        if (!stmt) return tl::make_unexpected(std::move(stmt.error()));
        (*stmt)->bind(1, token);
        const int rc = (*stmt)->step();
        if (rc == SQLITE_DONE) return std::optional<std::string>();
        if (rc != SQLITE_ROW) return tl::make_unexpected(db_.fail(rc, "reading a task token"));
        return std::optional<std::string>((*stmt)->text(0));
    }

    result<bool> insert_resource(const stored_resource& resource) override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        return resources_.insert(db_, resource);
    }
    result<bool> update_resource(const stored_resource& resource) override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        return resources_.update(db_, resource);
    }
    result<bool> delete_resource(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        return resources_.remove(db_, arn);
    }
    result<std::optional<stored_resource>> find_resource(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        return resources_.find(db_, arn);
    }
    result<resource_page> list_resources(std::string_view kind, std::string_view arn_prefix, std::size_t max_results,
                                         std::string_view next_token) override {
        std::lock_guard<std::mutex> lock(db_mutex_);
        return resources_.list(db_, kind, arn_prefix, max_results, next_token);
    }

private:
    struct pending {
        execution_checkpoint checkpoint;
        std::string details;  // the events as one row's body (detail::events_body)
        std::function<void(result<void>)> done;
        std::chrono::steady_clock::time_point arrived;
    };
    // A written batch and each checkpoint's outcome, for the completer.
    struct answered {
        std::vector<pending> batch;
        std::vector<result<void>> outcome;
    };

    // A read statement, prepared on first use and kept (under db_mutex_), ready for new binds.
    result<detail::sqlite_statement*> statement(detail::sqlite_statement& slot, const std::string& sql) {
        if (!slot) {
            auto prepared = db_.prepare(sql);
            if (!prepared) return tl::make_unexpected(std::move(prepared.error()));
            slot = std::move(*prepared);
        }
        slot.start();
        return &slot;
    }

    // The committer: takes what is queued (waiting up to commit_window after the oldest arrived,
    // at most max_batch), writes it in one transaction, and hands the batch with its outcomes to
    // the completer, so that the next transaction is written while the last one's `done`
    // callbacks run (and its checkpoints' memory is freed) on another thread.
    void run_committer() {
        std::vector<detail::sqlite_writer::item> checkpoints;
        for (;;) {
            std::unique_lock<std::mutex> lock(queue_mutex_);
            // When closing, the batches still being answered may commit more (a `done` that
            // commits the next checkpoint): only when they are answered is nothing left to write.
            queue_ready_.wait(lock, [&] { return !queue_.empty() || (stopping_ && answering_ == 0); });
            if (queue_.empty()) break;  // stopping, and everything is written and answered
            if (options_.commit_window.count() > 0 && !stopping_ && flushing_ == 0) {
                const auto deadline = queue_.front().arrived + options_.commit_window;
                queue_ready_.wait_until(lock, deadline, [&] { return stopping_ || flushing_ > 0 || queue_.size() >= options_.max_batch; });
            }
            const std::size_t n = queue_.size() < options_.max_batch ? queue_.size() : options_.max_batch;
            answered a;
            a.batch.reserve(n);
            for (std::size_t i = 0; i < n; ++i) {
                a.batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            ++answering_;
            lock.unlock();

            checkpoints.clear();
            for (auto& p : a.batch) checkpoints.push_back(detail::sqlite_writer::item{&p.checkpoint, &p.details});
            {
                std::lock_guard<std::mutex> db_lock(db_mutex_);
                if (writer_.write(checkpoints, a.outcome)) ++transactions_;
            }
            {
                std::lock_guard<std::mutex> answers_lock(answers_mutex_);
                answers_.push_back(std::move(a));
            }
            answers_ready_.notify_one();
        }
    }

    // The completer: answers every `done` of each written batch, in the order the batches were
    // written (so an execution's checkpoints are answered in order), with no lock held, so a
    // callback may commit again or read.
    void run_completer() {
        for (;;) {
            std::unique_lock<std::mutex> lock(answers_mutex_);
            answers_ready_.wait(lock, [&] { return answers_closing_ || !answers_.empty(); });
            if (answers_.empty()) break;  // closing, and everything is answered
            answered a = std::move(answers_.front());
            answers_.pop_front();
            lock.unlock();

            const std::size_t n = a.batch.size();
            for (std::size_t i = 0; i < n; ++i) call_done(a.batch[i].done, std::move(a.outcome[i]));
            a.batch.clear();  // the checkpoints' memory goes before the next wait

            {
                std::lock_guard<std::mutex> queue_lock(queue_mutex_);
                completed_ += n;
                --answering_;
            }
            finished_.notify_all();
            queue_ready_.notify_one();  // a closing committer waits for the last answers
        }
    }

    static void call_done(std::function<void(result<void>)>& done, result<void> outcome) {
        if (!done) return;
#if STEPFN_HAS_EXCEPTIONS
        // The checkpoint's outcome is settled; a callback's exception has nowhere to go but
        // std::terminate, which would stop every other execution's commits with it.
        try {
            done(std::move(outcome));
        } catch (...) {
        }
#else
        done(std::move(outcome));
#endif
    }

    detail::sqlite_connection db_;
    sqlite_store_options options_;
    detail::sqlite_writer writer_;

    std::mutex db_mutex_;  // the connection: the committer's transactions and the reads
    detail::sqlite_statement find_execution_, find_version_, find_snapshot_, find_event_count_, history_forward_, history_reverse_;
    detail::sqlite_statement unfinished_, find_token_;
    detail::sqlite_statement list_[8];
    detail::sqlite_resource_table resources_;

    std::mutex queue_mutex_;
    std::condition_variable queue_ready_;
    std::condition_variable finished_;
    std::deque<pending> queue_;
    std::uint64_t enqueued_ = 0;
    std::uint64_t completed_ = 0;
    int flushing_ = 0;
    std::size_t answering_ = 0;  // batches written and handed to the completer, not yet answered
    bool stopping_ = false;
    std::thread committer_;
    std::atomic<std::size_t> transactions_{0};

    std::mutex answers_mutex_;
    std::condition_variable answers_ready_;
    std::deque<answered> answers_;
    bool answers_closing_ = false;
    std::thread completer_;
};

} // namespace stepfn

#endif
