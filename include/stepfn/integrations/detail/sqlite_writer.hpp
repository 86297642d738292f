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
// A checkpoint only appends (schema 3): a row of `checkpoints` with its progress and snapshot,
// a row of `events`; the `executions` row is written when the execution starts, is redriven and
// ends (when its checkpoint rows are deleted: the table holds executions in flight). What the checks need of an execution in flight (its created_order, its last sequence
// and event id) is kept in memory from one checkpoint to the next, so that a checkpoint reads
// nothing either; the file is read only for an execution this writer has not seen running.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_map>
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
            // The execution and its latest checkpoint (none: it has none yet).
            {&find_,
             "SELECT coalesce(c.seq, e.seq), coalesce(c.event_count, e.event_count), e.created_order, e.status = 'RUNNING' FROM executions e"
             " LEFT JOIN checkpoints c ON c.execution = e.created_order WHERE e.arn = ?1 ORDER BY c.seq DESC LIMIT 1"},
            {&insert_version_, "INSERT OR IGNORE INTO machine_versions(id, machine_arn, definition) VALUES(?1, ?2, ?3)"},
            {&insert_execution_,
             "INSERT INTO executions(arn, seq, name, machine_arn, definition_id, status, input, output, error, cause, start_ns,"
             " stop_ns, redrive_count, redrive_ns, event_count, snapshot, created_order)"
             " VALUES(?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, '', ?14)"},
            {&insert_event_, "INSERT INTO events(execution, first_id, last_id, body) VALUES(?1, ?2, ?3, ?4)"},
            {&insert_checkpoint_, "INSERT INTO checkpoints(execution, seq, event_count, snapshot) VALUES(?1, ?2, ?3, ?4)"},
            {&prune_, "DELETE FROM checkpoints WHERE execution = ?1 AND seq < ?2"},
            // An execution that is not running: its progress and snapshot (NULL: the latest one
            // stays) in its own row, and its checkpoint rows gone.
            {&settle_,
             "UPDATE executions SET seq = ?2, event_count = ?3, snapshot = coalesce(?4, (SELECT c.snapshot FROM checkpoints c"
             " WHERE c.execution = ?1 AND c.snapshot IS NOT NULL ORDER BY c.seq DESC LIMIT 1), snapshot) WHERE created_order = ?1"},
            // The same at its end, with how it ended.
            {&end_,
             "UPDATE executions SET seq = ?2, event_count = ?3, snapshot = coalesce(?4, (SELECT c.snapshot FROM checkpoints c"
             " WHERE c.execution = ?1 AND c.snapshot IS NOT NULL ORDER BY c.seq DESC LIMIT 1), snapshot),"
             " status = ?5, output = ?6, error = ?7, cause = ?8, stop_ns = ?9 WHERE created_order = ?1"},
            {&drop_checkpoints_, "DELETE FROM checkpoints WHERE execution = ?1"},
            {&redrive_,
             "UPDATE executions SET status = 'RUNNING', redrive_count = ?2, redrive_ns = ?3, stop_ns = NULL, output = '',"
             " error = '', cause = '' WHERE created_order = ?1"},
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
        // What this transaction had noted may not be in the file: read it again from there.
        known_.clear();
        return false;
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
        bool exists = false, running = false;
        std::int64_t last = 0, expected = 0, order = next_order_;
        const auto seen = known_.find(arn);
        if (seen != known_.end()) {
            exists = running = true;
            order = seen->second.order;
            last = seen->second.sequence;
            expected = seen->second.event_count;
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
            if (exists) {
                last = find_.integer(0);
                expected = find_.integer(1);
                order = find_.integer(2);
                running = find_.integer(3) != 0;
            }
            sqlite3_reset(find_.get());
        }

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
        if (cp.machine) {
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
        if (cp.redriven) {
            redrive_.start();
            int b = first_error({redrive_.bind(1, order), redrive_.bind(2, cp.redriven->redrive_count), redrive_.bind(3, to_store_ns(cp.redriven->date))});
            if (auto r = done(redrive_, b, "storing the redrive", rc); !r) return r;
        }
        const bool runs = !cp.ended && (running || cp.created || cp.redriven);
        if (runs) {
            sqlite_statement& s = insert_checkpoint_;
            s.start();
            // NULL: no snapshot in this checkpoint, the one before stays the latest.
            int b = first_error({s.bind(1, order), s.bind(2, static_cast<std::int64_t>(cp.sequence)), s.bind(3, expected),
                    cp.snapshot.empty() ? s.bind_null(4) : s.bind(4, cp.snapshot)});
            if (auto r = done(s, b, "storing the checkpoint", rc); !r) return r;
            if (!cp.snapshot.empty() && cp.sequence % prune_interval == 0) {
                // The rows before one with a snapshot are history: deleted every few
                // checkpoints, so a long execution holds at most prune_interval rows.
                prune_.start();
                b = first_error({prune_.bind(1, order), prune_.bind(2, static_cast<std::int64_t>(cp.sequence))});
                if (auto r = done(prune_, b, "deleting older checkpoints", rc); !r) return r;
            }
        } else {
            // It ended here, or had ended before (events after its end): its own row holds
            // what it is now, and it needs no checkpoint row.
            sqlite_statement& s = cp.ended ? end_ : settle_;
            s.start();
            int b = first_error({s.bind(1, order), s.bind(2, static_cast<std::int64_t>(cp.sequence)), s.bind(3, expected),
                    cp.snapshot.empty() ? s.bind_null(4) : s.bind(4, cp.snapshot)});
            if (cp.ended) {
                const execution_change& c = *cp.ended;
                b = first_error({b, s.bind(5, std::string_view(to_string(c.status))), s.bind(6, c.output), s.bind(7, c.error),
                        s.bind(8, c.cause), s.bind(9, to_store_ns(c.date))});
            }
            if (auto r = done(s, b, cp.ended ? "storing how the execution ended" : "storing the execution's last checkpoint", rc); !r)
                return r;
            drop_checkpoints_.start();
            b = first_error({drop_checkpoints_.bind(1, order)});
            if (auto r = done(drop_checkpoints_, b, "deleting the execution's checkpoints", rc); !r) return r;
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
        // Everything is written: what the next checkpoint of a running execution checks against.
        if (!runs) {
            known_.erase(arn);
        } else {
            progress& p = known_[arn];
            p.order = order;
            p.sequence = static_cast<std::int64_t>(cp.sequence);
            p.event_count = expected;
        }
        return {};
    }

    // An execution in flight, as its latest checkpoint left it.
    struct progress {
        std::int64_t order = 0;
        std::int64_t sequence = 0;
        std::int64_t event_count = 0;
    };
    // Every prune_interval-th checkpoint (with a snapshot) deletes the rows before it.
    static constexpr std::uint64_t prune_interval = 8;

    sqlite_connection* db_ = nullptr;
    std::int64_t next_order_ = 1;
    sqlite_statement begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
    sqlite_statement find_, insert_version_, insert_execution_, insert_event_, insert_checkpoint_, prune_, settle_, drop_checkpoints_;
    sqlite_statement redrive_, end_;
    sqlite_statement open_token_, close_token_;
    // Executions running, by ARN (dropped when they end): bounded by the executions in flight.
    std::unordered_map<std::string, progress> known_;
};

} // namespace detail
} // namespace stepfn

#endif
