#ifndef STEPFN_INTEGRATIONS_DETAIL_SQLITE_WRITER_HPP
#define STEPFN_INTEGRATIONS_DETAIL_SQLITE_WRITER_HPP

// Writing a batch of checkpoints in one transaction (group commit). Each checkpoint is checked
// against the file as the transaction has left it (so against the earlier ones of its batch
// too); one that is refused or fails leaves nothing behind and does not take the others down,
// unless the transaction itself fails (a full disk, an I/O error), in which case every
// checkpoint in it fails and nothing is written.
//
// Every check precedes every write, so a refused checkpoint has written nothing: the batch is
// first written with no savepoint per checkpoint (three statements and an undo image each
// fewer). Only when a write fails after its checks passed (rare: a constraint the checks do not
// foresee) is the transaction rolled back and the batch written again with a savepoint around
// each checkpoint, which keeps the others.
//
// The writer is the file's only writer, so it remembers what it has committed: each running
// execution's key, last checkpoint and last event id (a later checkpoint of it is checked and
// written without reading its row back by ARN), and the machine versions already stored (not
// inserted again per execution). A transaction that does not commit takes back what it added.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/sqlite_connection.hpp>
#include <stepfn/integrations/detail/sqlite_rows.hpp>
#include <stepfn/store/stored_execution.hpp>

namespace stepfn {
namespace detail {

// The first failure of several sqlite3_bind_* calls (evaluated left to right), or SQLITE_OK.
inline int first_error(std::initializer_list<int> codes) noexcept {
    for (int c : codes)
        if (c != SQLITE_OK) return c;
    return SQLITE_OK;
}

class sqlite_writer {
public:
    // One checkpoint and its events' details as text (made on the caller's thread).
    struct item {
        execution_checkpoint* checkpoint;
        const std::string* events;  // the events as one row's body (events_body)
    };

    // Prepares the statements a commit uses, once; `last_order` is the newest created_order.
    result<void> prepare(sqlite_connection& db) {
        db_ = &db;
        struct statement_sql {
            sqlite_statement* stmt;
            const char* sql;
        };
        const statement_sql items[] = {
            {&begin_, "BEGIN IMMEDIATE"},
            {&commit_, "COMMIT"},
            {&rollback_, "ROLLBACK"},
            {&savepoint_, "SAVEPOINT checkpoint"},
            {&release_, "RELEASE checkpoint"},
            {&rollback_to_, "ROLLBACK TO checkpoint"},
            {&find_, "SELECT seq, event_count, created_order FROM executions WHERE arn = ?1"},
            {&insert_version_, "INSERT OR IGNORE INTO machine_versions(id, machine_arn, definition) VALUES(?1, ?2, ?3)"},
            {&insert_execution_,
             "INSERT INTO executions(arn, seq, name, machine_arn, definition_id, status, input, output, error, cause, start_ns,"
             " stop_ns, redrive_count, redrive_ns, event_count, snapshot, created_order)"
             " VALUES(?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, '', ?14)"},
            {&insert_event_, "INSERT INTO events(execution, first_id, last_id, body) VALUES(?1, ?2, ?3, ?4)"},
            {&progress_, "UPDATE executions SET seq = ?2, event_count = ?3 WHERE created_order = ?1"},
            {&snapshot_, "UPDATE executions SET seq = ?2, event_count = ?3, snapshot = ?4 WHERE created_order = ?1"},
            {&redrive_,
             "UPDATE executions SET status = 'RUNNING', redrive_count = ?2, redrive_ns = ?3, stop_ns = NULL, output = '',"
             " error = '', cause = '' WHERE created_order = ?1"},
            {&end_, "UPDATE executions SET status = ?2, output = ?3, error = ?4, cause = ?5, stop_ns = ?6 WHERE created_order = ?1"},
            {&open_token_, "INSERT OR REPLACE INTO tokens(token, execution_arn) VALUES(?1, ?2)"},
            {&close_token_, "DELETE FROM tokens WHERE token = ?1"},
        };
        for (const statement_sql& i : items) {
            auto stmt = db.prepare(i.sql);
            if (!stmt) return tl::make_unexpected(std::move(stmt.error()));
            *i.stmt = std::move(*stmt);
        }
        auto order = db.query_integer("SELECT coalesce(max(created_order), 0) FROM executions", "reading the newest execution");
        if (!order) return tl::make_unexpected(std::move(order.error()));
        next_order_ = *order + 1;
        return {};
    }

    // Writes `batch` in one transaction; outcome[i] is checkpoint i's. Returns whether a
    // transaction was committed.
    bool write(std::vector<item>& batch, std::vector<result<void>>& outcome) {
        bool retry = false;
        const bool committed = write_once(batch, outcome, false, retry);
        if (!retry) return committed;
        return write_once(batch, outcome, true, retry);
    }

private:
    struct known_row {
        std::int64_t sequence;     // the last checkpoint written
        std::int64_t event_count;  // the last event id written
        std::int64_t order;        // created_order, the row's key
    };

    // One attempt. Without savepoints, a write that fails after its checks passed sets `retry`
    // and rolls the whole transaction back (nothing of the batch is kept, nothing answered).
    bool write_once(std::vector<item>& batch, std::vector<result<void>>& outcome, bool savepoints, bool& retry) {
        retry = false;
        outcome.assign(batch.size(), result<void>());
        const int began = run(begin_);
        if (began != SQLITE_DONE) {
            fail_all(outcome, db_->fail(began, "beginning a transaction"));
            return false;
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (savepoints && run(savepoint_) != SQLITE_DONE) {
                fail_all(outcome, db_->fail(sqlite3_errcode(db_->get()), "opening a savepoint"));
                return finish_failed();
            }
            int rc = SQLITE_DONE;
            bool wrote = false;
            outcome[i] = apply(*batch[i].checkpoint, *batch[i].events, rc, wrote);
            if (outcome[i]) {
                if (savepoints) run(release_);
                continue;
            }
            if (!db_->in_transaction() || is_fatal(rc)) {
                // The transaction is gone (SQLite rolled it back) or the file cannot take more:
                // nothing of the batch is kept.
                fail_all(outcome, outcome[i].error());
                return finish_failed();
            }
            if (savepoints) {
                run(rollback_to_);
                run(release_);
            } else if (wrote) {
                // Part of this checkpoint is in the transaction: start again, with savepoints.
                finish_failed();
                retry = true;
                return false;
            }
        }
        const int committed = run(commit_);
        if (committed != SQLITE_DONE) {
            fail_all(outcome, db_->fail(committed, "committing"));
            return finish_failed();
        }
        undo_.clear();
        new_versions_.clear();
        return true;
    }

    static bool is_fatal(int rc) noexcept {
        const int primary = rc & 0xff;
        return primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CORRUPT || primary == SQLITE_NOMEM ||
               primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN;
    }
    static void fail_all(std::vector<result<void>>& outcome, const error& e) {
        for (auto& o : outcome) o = tl::make_unexpected(e);
    }
    bool finish_failed() {
        if (db_->in_transaction()) run(rollback_);
        forget_transaction();
        return false;
    }
    // What the rolled-back transaction added to the writer's memory goes with it.
    void forget_transaction() {
        for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
            if (it->second) running_[it->first] = *it->second;
            else running_.erase(it->first);
        }
        undo_.clear();
        for (const auto& id : new_versions_) versions_.erase(id);
        new_versions_.clear();
    }
    // Records `arn`'s state after a checkpoint that wrote everything (or, ended, forgets it).
    void remember(const std::string& arn, const std::optional<known_row>& now) {
        auto it = running_.find(arn);
        undo_.emplace_back(arn, it == running_.end() ? std::nullopt : std::optional<known_row>(it->second));
        if (now) running_[arn] = *now;
        else if (it != running_.end()) running_.erase(it);
    }
    static int run(sqlite_statement& stmt) {
        stmt.start();
        const int rc = stmt.step();
        sqlite3_reset(stmt.get());
        return rc;
    }
    // A statement whose binds were made: SQLITE_DONE, or the error with what it was doing.
    result<void> done(sqlite_statement& stmt, int bound, const char* what, int& rc) {
        rc = bound == SQLITE_OK ? stmt.step() : bound;
        sqlite3_reset(stmt.get());
        if (rc == SQLITE_DONE) return {};
        return tl::make_unexpected(db_->fail(rc, what));
    }

    // Checks `cp` as memory_store does, then writes it. `rc` is SQLite's code when a write
    // failed; `wrote` says whether the checks had all passed (so something may be written).
    result<void> apply(execution_checkpoint& cp, const std::string& events_body_text, int& rc, bool& wrote) {
        const std::string& arn = cp.execution_arn;
        bool exists = false;
        known_row now{0, 0, next_order_};  // as the file has it before this checkpoint
        if (auto known = running_.find(arn); known != running_.end()) {
            exists = true;
            now = known->second;
        } else {
            find_.start();
            find_.bind(1, arn);
            const int found = find_.step();
            if (found != SQLITE_ROW && found != SQLITE_DONE) {
                rc = found;
                auto e = db_->fail(found, "reading the execution");
                sqlite3_reset(find_.get());
                return tl::make_unexpected(std::move(e));
            }
            exists = found == SQLITE_ROW;
            if (exists) now = known_row{find_.integer(0), find_.integer(1), find_.integer(2)};
            sqlite3_reset(find_.get());
        }
        const std::int64_t last = now.sequence;
        std::int64_t expected = now.event_count;
        const std::int64_t order = now.order;

        if (cp.created) {
            if (exists) return make_error("ExecutionAlreadyExists", "the store already holds the execution '" + arn + "'");
        } else if (!exists) {
            return make_error("ExecutionDoesNotExist", "a checkpoint for the execution '" + arn + "', which the store does not hold");
        }
        if (cp.sequence != static_cast<std::uint64_t>(last) + 1)
            return make_error("InvalidCheckpoint", "checkpoint " + std::to_string(cp.sequence) + " of '" + arn +
                                                       "' does not follow checkpoint " + std::to_string(last));
        for (const auto& event : cp.events)
            if (event.id != ++expected)
                return make_error("InvalidCheckpoint", "history event " + std::to_string(event.id) + " of '" + arn +
                                                           "' does not follow event " + std::to_string(expected - 1));

        wrote = true;  // every check passed: only writes from here on
        const bool new_version = cp.machine && versions_.count(cp.machine->id) == 0;
        if (new_version) {
            const machine_version& m = *cp.machine;
            insert_version_.start();
            int b = first_error({insert_version_.bind(1, m.id), insert_version_.bind(2, m.machine_arn), insert_version_.bind(3, m.definition)});
            if (auto r = done(insert_version_, b, "storing the machine version", rc); !r) return r;
        }
        if (cp.created) {
            const stored_execution& row = *cp.created;
            sqlite_statement& s = insert_execution_;
            s.start();
            int b = first_error({s.bind(1, arn), s.bind(2, row.name), s.bind(3, row.machine_arn), s.bind(4, row.definition_id),
                    s.bind(5, std::string_view(to_string(row.status))), s.bind(6, row.input), s.bind(7, row.output),
                    s.bind(8, row.error), s.bind(9, row.cause), s.bind(10, to_store_ns(row.start_date)),
                    s.bind(11, row.stop_date ? std::optional<std::int64_t>(to_store_ns(*row.stop_date)) : std::nullopt),
                    s.bind(12, row.redrive_count),
                    s.bind(13, row.redrive_date ? std::optional<std::int64_t>(to_store_ns(*row.redrive_date)) : std::nullopt),
                    s.bind(14, order)});
            if (auto r = done(s, b, "storing the execution", rc); !r) return r;
            ++next_order_;
        }
        if (!cp.events.empty()) {
            sqlite_statement& s = insert_event_;
            s.start();
            const std::string body = events_body_text.empty() ? events_body(cp.events) : std::string();
            int b = first_error({s.bind(1, order), s.bind(2, static_cast<std::int64_t>(cp.events.front().id)),
                    s.bind(3, static_cast<std::int64_t>(cp.events.back().id)),
                    s.bind(4, events_body_text.empty() ? std::string_view(body) : std::string_view(events_body_text))});
            if (auto r = done(s, b, "storing history events", rc); !r) return r;
        }
        if (cp.snapshot.empty()) {
            progress_.start();
            int b = first_error({progress_.bind(1, order), progress_.bind(2, static_cast<std::int64_t>(cp.sequence)), progress_.bind(3, expected)});
            if (auto r = done(progress_, b, "storing the execution's progress", rc); !r) return r;
        } else {
            snapshot_.start();
            int b = first_error({snapshot_.bind(1, order), snapshot_.bind(2, static_cast<std::int64_t>(cp.sequence)), snapshot_.bind(3, expected),
                    snapshot_.bind(4, cp.snapshot)});
            if (auto r = done(snapshot_, b, "storing the snapshot", rc); !r) return r;
        }
        if (cp.redriven) {
            redrive_.start();
            int b = first_error({redrive_.bind(1, order), redrive_.bind(2, cp.redriven->redrive_count), redrive_.bind(3, to_store_ns(cp.redriven->date))});
            if (auto r = done(redrive_, b, "storing the redrive", rc); !r) return r;
        }
        if (cp.ended) {
            const execution_change& c = *cp.ended;
            end_.start();
            int b = first_error({end_.bind(1, order), end_.bind(2, std::string_view(to_string(c.status))), end_.bind(3, c.output),
                    end_.bind(4, c.error), end_.bind(5, c.cause), end_.bind(6, to_store_ns(c.date))});
            if (auto r = done(end_, b, "storing how the execution ended", rc); !r) return r;
        }
        for (const auto& t : cp.tokens) {
            if (t.open) {
                open_token_.start();
                int b = first_error({open_token_.bind(1, t.token), open_token_.bind(2, arn)});
                if (auto r = done(open_token_, b, "storing a task token", rc); !r) return r;
            } else {
                close_token_.start();
                int b = first_error({close_token_.bind(1, t.token)});
                if (auto r = done(close_token_, b, "closing a task token", rc); !r) return r;
            }
        }
        if (new_version) {
            versions_.insert(cp.machine->id);
            new_versions_.push_back(cp.machine->id);
        }
        // An ended execution is read back by ARN if it is ever redriven.
        remember(arn, cp.ended ? std::nullopt : std::optional<known_row>(known_row{static_cast<std::int64_t>(cp.sequence), expected, order}));
        return {};
    }

    sqlite_connection* db_ = nullptr;
    std::int64_t next_order_ = 1;
    std::unordered_map<std::string, known_row> running_;  // executions written and not ended, by ARN
    std::vector<std::pair<std::string, std::optional<known_row>>> undo_;  // this transaction's changes to running_, what was before
    std::unordered_set<std::string> versions_;  // machine version ids in the file
    std::vector<std::string> new_versions_;    // those this transaction added
    sqlite_statement begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
    sqlite_statement find_, insert_version_, insert_execution_, insert_event_, progress_, snapshot_, redrive_, end_;
    sqlite_statement open_token_, close_token_;
};

} // namespace detail
} // namespace stepfn

#endif
