#ifndef STEPFN_INTEGRATIONS_DETAIL_POSTGRES_WRITER_HPP
#define STEPFN_INTEGRATIONS_DETAIL_POSTGRES_WRITER_HPP

// Writing a batch of checkpoints in one transaction (group commit) with libpq's pipeline mode:
// one call of write_checkpoint (postgres_schema.hpp) per checkpoint, all sent before any answer
// is read, then one sync point, so a batch costs one round trip and one commit however many
// checkpoints it holds. Between sync points the statements form one implicit transaction: a
// checkpoint the function refuses changes nothing and leaves the others be; a statement that
// fails (the server's error, a lost connection) rolls the whole batch back.
//
// The connection is non-blocking: sending waits for the socket to take more while reading what
// the server has answered meanwhile, so that a big batch cannot deadlock both sides on full
// buffers. Only the committer thread waits, never a caller of commit().

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/postgres_connection.hpp>
#include <stepfn/integrations/detail/store_rows.hpp>
#include <stepfn/store/stored_execution.hpp>

namespace stepfn {
namespace detail {

class postgres_writer {
public:
    struct item {
        execution_checkpoint* checkpoint;
        const std::string* events;  // the events as one row's body (events_body)
        std::uint64_t fence;        // the lease generation this worker holds; 0: none
    };
    struct answer {
        result<void> outcome;
        bool stale = false;  // refused for a stale fencing token
    };

    result<void> prepare(pg_connection& db, int timeout_ms) {
        db_ = &db;
        timeout_ms_ = timeout_ms;
        return start_session();
    }

    // Writes `batch` (`owner` set: this process is a worker, and owns what it creates); one
    // answer per item. Returns whether a transaction was committed.
    bool write(std::vector<item>& batch, const std::string* owner, std::int64_t lease_ns, std::vector<answer>& answers) {
        answers.assign(batch.size(), answer{});
        if (broken_ || !db_->ok()) {
            // A lost connection or one left mid-batch: a new session, in pipeline mode again.
            if (!db_->reset()) return fail_all(answers, db_->fail("reconnecting"));
            if (auto r = start_session(); !r) return fail_all(answers, r.error());
            broken_ = false;
        }
        std::vector<std::size_t> sent;  // the items sent, in order (a broken one is answered at once)
        std::vector<pg_params> params(batch.size());
        // Sent in the order of their executions' ARNs (one execution's checkpoints keep theirs):
        // every batch then locks rows in one order, so two batches (two workers, one of them
        // fenced out) never deadlock on two executions.
        std::vector<std::size_t> order(batch.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return batch[a].checkpoint->execution_arn < batch[b].checkpoint->execution_arn;
        });
        for (std::size_t i : order) {
            auto checked = check_events(*batch[i].checkpoint);
            if (!checked) {
                answers[i].outcome = tl::make_unexpected(std::move(checked.error()));
                continue;
            }
            bind(params[i], batch[i], owner, lease_ns);
            if (!PQsendQueryPrepared(db_->get(), "stepfn_write_checkpoint", params[i].size(), params[i].pointers(), nullptr, nullptr, 0))
                return abandon(answers, "sending a checkpoint");
            sent.push_back(i);
        }
        if (sent.empty()) return false;
        if (!PQpipelineSync(db_->get()) || !flush()) return abandon(answers, "sending a batch of checkpoints");

        // One result and a NULL per statement, then the sync point's result.
        std::vector<std::string> verdicts(sent.size());
        const PGresult* failed = nullptr;
        pg_result first_failure;
        for (std::size_t k = 0; k < sent.size(); ++k) {
            pg_result r(next_result());
            if (!r) return abandon(answers, "reading a checkpoint's answer");
            const auto status = PQresultStatus(r.get());
            if (status == PGRES_TUPLES_OK && PQntuples(r.get()) == 1) verdicts[k] = pg_text(r.get(), 0, 0);
            else if (!failed && status != PGRES_PIPELINE_ABORTED) {
                first_failure = std::move(r);
                failed = first_failure.get();
            }
            while (pg_result extra{next_result()}) {  // the NULL that ends this statement's results
                (void)extra;
            }
            if (!db_->ok()) return abandon(answers, "reading a checkpoint's answer");
        }
        pg_result sync(next_result());
        if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) return abandon(answers, "committing a batch of checkpoints");
        if (failed || PQtransactionStatus(db_->get()) != PQTRANS_IDLE) {
            // Nothing of the batch was kept.
            error e = failed ? db_->fail("writing a batch of checkpoints", failed) : db_->fail("committing a batch of checkpoints");
            for (std::size_t i : sent) answers[i].outcome = tl::make_unexpected(e);
            return false;
        }
        for (std::size_t k = 0; k < sent.size(); ++k) {
            answer& a = answers[sent[k]];
            a.outcome = verdict(*batch[sent[k]].checkpoint, batch[sent[k]].fence, verdicts[k]);
            a.stale = verdicts[k].rfind("stale ", 0) == 0;
        }
        return true;
    }

private:
    result<void> start_session() {
        // Prepared once per session, before pipeline mode (where a prepare would need its own sync).
        std::string sql = "SELECT write_checkpoint(";
        for (int i = 1; i <= 34; ++i) sql += (i > 1 ? ",$" : "$") + std::to_string(i);
        sql += ")";
        pg_result prepared(PQprepare(db_->get(), "stepfn_write_checkpoint", sql.c_str(), 0, nullptr));
        if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK)
            return tl::make_unexpected(db_->fail("preparing the checkpoint statement", prepared.get()));
        if (!PQenterPipelineMode(db_->get()) || PQsetnonblocking(db_->get(), 1) != 0)
            return tl::make_unexpected(db_->fail("entering pipeline mode"));
        return {};
    }

    // Waits (bounded) for the socket; false on a timeout or error.
    bool wait(short events) {
        pollfd p{PQsocket(db_->get()), events, 0};
        if (p.fd < 0) return false;
        for (;;) {
            const int n = ::poll(&p, 1, timeout_ms_);
            if (n > 0) return true;
            if (n == 0 || errno != EINTR) return false;
        }
    }
    bool flush() {
        for (;;) {
            const int f = PQflush(db_->get());
            if (f == 0) return true;
            if (f < 0 || !wait(POLLIN | POLLOUT)) return false;
            if (!PQconsumeInput(db_->get())) return false;  // the server's answers so far: room for it to go on
        }
    }
    PGresult* next_result() {
        while (PQisBusy(db_->get())) {
            if (PQflush(db_->get()) < 0 || !wait(POLLIN) || !PQconsumeInput(db_->get())) return nullptr;
        }
        return PQgetResult(db_->get());
    }

    // The connection is in an unknown state: dropped, so that the next batch starts afresh. The
    // batch may or may not have been committed; its callers are told it failed.
    bool abandon(std::vector<answer>& answers, std::string_view what) {
        error e = db_->fail(what);
        if (e.cause.find("failed: no message") != std::string::npos) e.cause += " (timed out or the connection was lost)";
        broken_ = true;  // the next write starts a new session
        return fail_all(answers, std::move(e));
    }
    static bool fail_all(std::vector<answer>& answers, const error& e) {
        for (auto& a : answers) a.outcome = tl::make_unexpected(e);
        return false;
    }

    static result<void> check_events(const execution_checkpoint& cp) {
        for (std::size_t i = 1; i < cp.events.size(); ++i)
            if (cp.events[i].id != cp.events[i - 1].id + 1)
                return make_error("InvalidCheckpoint", "history event " + std::to_string(cp.events[i].id) + " of '" + cp.execution_arn +
                                                           "' does not follow event " + std::to_string(cp.events[i - 1].id));
        return {};
    }

    static void bind(pg_params& p, const item& it, const std::string* owner, std::int64_t lease_ns) {
        const execution_checkpoint& cp = *it.checkpoint;
        p.text(cp.execution_arn).integer(static_cast<std::int64_t>(cp.sequence)).integer(static_cast<std::int64_t>(it.fence));
        if (owner) p.text(*owner);
        else p.null();
        p.integer(lease_ns);
        if (cp.created) {
            const stored_execution& row = *cp.created;
            p.text("true").text(row.name).text(row.machine_arn).text(row.definition_id).text(to_string(row.status)).text(row.input);
            p.text(row.output).text(row.error).text(row.cause).integer(to_store_ns(row.start_date));
            p.optional_integer(row.stop_date ? std::optional<std::int64_t>(to_store_ns(*row.stop_date)) : std::nullopt);
            p.integer(row.redrive_count);
            p.optional_integer(row.redrive_date ? std::optional<std::int64_t>(to_store_ns(*row.redrive_date)) : std::nullopt);
        } else {
            p.text("false");
            for (int i = 0; i < 12; ++i) p.null();
        }
        if (cp.machine) p.text(cp.machine->id).text(cp.machine->machine_arn).text(cp.machine->definition);
        else p.null().null().null();
        if (!cp.events.empty()) {
            p.integer(cp.events.front().id).integer(cp.events.back().id);
            if (it.events && !it.events->empty()) p.text(*it.events);
            else p.text(events_body(cp.events));
        } else {
            p.null().null().null();
        }
        if (cp.snapshot.empty()) p.null();
        else p.text(cp.snapshot);
        if (cp.ended) {
            const execution_change& c = *cp.ended;
            p.text(to_string(c.status)).text(c.output).text(c.error).text(c.cause).integer(to_store_ns(c.date));
        } else {
            p.null().null().null().null().null();
        }
        if (cp.redriven) p.integer(cp.redriven->redrive_count).integer(to_store_ns(cp.redriven->date));
        else p.null().null();
        std::vector<std::string> opened, closed;
        for (const auto& t : cp.tokens) (t.open ? opened : closed).push_back(t.token);
        p.text_array(opened).text_array(closed);
    }

    static result<void> verdict(const execution_checkpoint& cp, std::uint64_t fence, const std::string& v) {
        const std::string& arn = cp.execution_arn;
        if (v.empty()) return {};
        const auto space = v.find(' ');
        const std::string number = space == std::string::npos ? std::string() : v.substr(space + 1);
        if (v == "exists") return make_error("ExecutionAlreadyExists", "the store already holds the execution '" + arn + "'");
        if (v == "missing") return make_error("ExecutionDoesNotExist", "a checkpoint for the execution '" + arn + "', which the store does not hold");
        if (v.rfind("stale ", 0) == 0 && fence == static_cast<std::uint64_t>(INT64_MAX))
            return make_error("StaleLease", "checkpoint " + std::to_string(cp.sequence) + " of '" + arn +
                                                "' was refused: this worker holds no lease on the execution (it lost it, or never claimed it)");
        if (v.rfind("stale ", 0) == 0)
            return make_error("StaleLease", "checkpoint " + std::to_string(cp.sequence) + " of '" + arn + "' was refused: it was written under lease " +
                                                std::to_string(fence) + ", but the execution has moved on to lease " + number +
                                                " (another worker took it over after this one's lease expired)");
        if (v.rfind("sequence ", 0) == 0)
            return make_error("InvalidCheckpoint", "checkpoint " + std::to_string(cp.sequence) + " of '" + arn + "' does not follow checkpoint " + number);
        if (v.rfind("event ", 0) == 0)
            return make_error("InvalidCheckpoint", "history event " + std::to_string(cp.events.empty() ? 0 : cp.events.front().id) + " of '" + arn +
                                                       "' does not follow event " + number);
        return make_error(store_corrupted, "the store answered a checkpoint of '" + arn + "' with '" + v.substr(0, 80) + "'");
    }

    pg_connection* db_ = nullptr;
    int timeout_ms_ = 60000;
    bool broken_ = false;
};

} // namespace detail
} // namespace stepfn

#endif
