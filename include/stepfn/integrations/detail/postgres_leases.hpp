#ifndef STEPFN_INTEGRATIONS_DETAIL_POSTGRES_LEASES_HPP
#define STEPFN_INTEGRATIONS_DETAIL_POSTGRES_LEASES_HPP

// Leases on executions, for workers sharing one PostgreSQL store. The database is the source of
// truth and its clock the only clock: an execution row says who owns it (owner), until when
// (lease_expires_ns), under which generation (the fencing token, bumped by every claim), and
// when it next needs a worker (wake_ns: its durable timer; NULL while it waits for a message).
// This class keeps what this worker holds (execution -> generation), which every checkpoint
// carries so that the database refuses it once another worker has claimed the execution.

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/postgres_connection.hpp>
#include <stepfn/integrations/detail/store_rows.hpp>
#include <stepfn/integrations/postgres_work.hpp>

namespace stepfn::detail {

class pg_lease_table {
public:
    pg_lease_table(std::string worker, std::chrono::milliseconds lease)
        : worker_(std::move(worker)), lease_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(lease).count()) {}

    // What a worker's checkpoint carries when it holds no lease on the execution (never had
    // one, or lost it): a generation no lease ever has, so the database refuses the write.
    static constexpr std::uint64_t no_lease = static_cast<std::uint64_t>(INT64_MAX);

    // The fencing token for a checkpoint of `arn`: the lease generation this worker holds;
    // no_lease when it holds none; 0 (not fenced) when this store is not a worker.
    std::uint64_t fence(const std::string& arn) const {
        if (worker_.empty()) return 0;
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = held_.find(arn);
        return it == held_.end() ? no_lease : it->second;
    }
    // A worker owns what it creates, under generation 1 (write_checkpoint).
    void adopt_created(const std::string& arn) {
        std::lock_guard<std::mutex> lock(mutex_);
        held_.emplace(arn, 1);
    }
    void forget(const std::string& arn) {
        std::lock_guard<std::mutex> lock(mutex_);
        held_.erase(arn);
    }
    void forget(const std::string& arn, std::uint64_t generation) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = held_.find(arn);
        if (it != held_.end() && it->second == generation) held_.erase(it);
    }
    std::map<std::string, std::uint64_t> held() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return held_;
    }

    result<std::vector<execution_claim>> claim(pg_connection& db, std::size_t max, std::chrono::milliseconds ahead) {
        if (auto r = need_worker("claim executions"); !r) return tl::make_unexpected(std::move(r.error()));
        pg_params p;
        p.text(worker_).integer(static_cast<std::int64_t>(max)).integer(lease_ns_);
        p.integer(std::chrono::duration_cast<std::chrono::nanoseconds>(ahead).count());
        // Runnable: running (or sent a redrive), due, and nobody's live lease. SKIP LOCKED: a row
        // another worker is claiming right now is passed over, never waited for.
        auto r = db.query("WITH c AS (SELECT created_order FROM executions"
                          "  WHERE wake_ns IS NOT NULL AND wake_ns <= now_ns() + $4 AND (status = 'RUNNING' OR has_mail)"
                          "    AND (owner IS NULL OR lease_expires_ns < now_ns())"
                          "  ORDER BY wake_ns LIMIT $2 FOR UPDATE SKIP LOCKED)"
                          " UPDATE executions e SET owner = $1, lease_generation = e.lease_generation + 1,"
                          "  lease_expires_ns = now_ns() + $3, wake_ns = now_ns()"
                          " FROM c WHERE e.created_order = c.created_order RETURNING e.arn, e.lease_generation, e.has_mail",
                          p, "claiming executions");
        if (!r) return tl::make_unexpected(std::move(r.error()));
        std::vector<execution_claim> claims;
        std::lock_guard<std::mutex> lock(mutex_);
        for (int i = 0; i < PQntuples(r->get()); ++i) {
            execution_claim c{pg_text(r->get(), i, 0), static_cast<std::uint64_t>(pg_integer(r->get(), i, 1)),
                              pg_text(r->get(), i, 2) == "t"};
            held_[c.arn] = c.generation;
            claims.push_back(std::move(c));
        }
        return claims;
    }

    // An ended execution nobody holds, claimed to redrive it here (an API's RedriveExecution):
    // false when it is running or another worker holds it.
    result<bool> claim_ended(pg_connection& db, std::string_view arn) {
        if (auto r = need_worker("claim executions"); !r) return tl::make_unexpected(std::move(r.error()));
        pg_params p;
        p.text(arn).text(worker_).integer(lease_ns_);
        auto r = db.query("UPDATE executions SET owner = $2, lease_generation = lease_generation + 1,"
                          " lease_expires_ns = now_ns() + $3, wake_ns = now_ns()"
                          " WHERE arn = $1 AND status <> 'RUNNING' AND (owner IS NULL OR lease_expires_ns < now_ns())"
                          " RETURNING lease_generation",
                          p, "claiming an execution to redrive");
        if (!r) return tl::make_unexpected(std::move(r.error()));
        if (PQntuples(r->get()) == 0) return false;
        std::lock_guard<std::mutex> lock(mutex_);
        held_[std::string(arn)] = static_cast<std::uint64_t>(pg_integer(r->get(), 0, 0));
        return true;
    }

    result<std::vector<std::string>> renew(pg_connection& db) {
        if (auto r = need_worker("renew leases"); !r) return tl::make_unexpected(std::move(r.error()));
        std::vector<std::string> arns, generations;
        for (const auto& h : held()) {
            arns.push_back(h.first);
            generations.push_back(std::to_string(h.second));
        }
        if (arns.empty()) return std::vector<std::string>();
        pg_params p;
        p.text(worker_).integer(lease_ns_).text_array(arns).text_array(generations);
        // Rows a checkpoint is writing right now are skipped, not waited for (no deadlock with
        // a committer locking them in another order): their leases are renewed next time. Lost
        // are the ones no longer this worker's under the generation it holds.
        auto r = db.query("WITH h AS (SELECT * FROM unnest($3::text[], $4::bigint[]) AS h(arn, generation)),"
                          " r AS (SELECT e.created_order FROM executions e JOIN h ON e.arn = h.arn"
                          "   AND e.lease_generation = h.generation AND e.owner = $1 FOR UPDATE OF e SKIP LOCKED),"
                          " u AS (UPDATE executions e SET lease_expires_ns = now_ns() + $2 FROM r"
                          "   WHERE e.created_order = r.created_order RETURNING e.arn)"
                          " SELECT h.arn FROM h WHERE NOT EXISTS (SELECT 1 FROM executions e WHERE e.arn = h.arn"
                          "   AND e.lease_generation = h.generation AND e.owner = $1)",
                          p, "renewing leases");
        if (!r) return tl::make_unexpected(std::move(r.error()));
        std::vector<std::string> lost;
        std::lock_guard<std::mutex> lock(mutex_);
        for (int i = 0; i < PQntuples(r->get()); ++i) {
            std::string arn = pg_text(r->get(), i, 0);
            for (std::size_t k = 0; k < arns.size(); ++k) {
                if (arns[k] != arn) continue;
                auto it = held_.find(arn);
                if (it != held_.end() && std::to_string(it->second) == generations[k]) held_.erase(it);
            }
            lost.push_back(std::move(arn));
        }
        return lost;
    }

    result<bool> release(pg_connection& db, std::string_view arn, std::optional<store_time> wake) {
        if (auto r = need_worker("release executions"); !r) return tl::make_unexpected(std::move(r.error()));
        const std::string key(arn);
        const std::uint64_t generation = fence(key);
        if (generation == 0 || generation == no_lease) return false;
        pg_params p;
        p.text(arn).text(worker_).integer(static_cast<std::int64_t>(generation));
        p.optional_integer(wake ? std::optional<std::int64_t>(to_store_ns(*wake)) : std::nullopt);
        // A message that arrived meanwhile (has_mail, read from the row as it is when the lock is
        // had) makes it runnable at once, so no message is left waiting for a timer.
        auto r = db.query("UPDATE executions SET owner = NULL, lease_expires_ns = NULL,"
                          " wake_ns = CASE WHEN has_mail THEN now_ns() WHEN status <> 'RUNNING' THEN NULL ELSE $4::bigint END"
                          " WHERE arn = $1 AND owner = $2 AND lease_generation = $3",
                          p, "releasing an execution");
        if (!r) return tl::make_unexpected(std::move(r.error()));
        forget(key, generation);
        const char* rows = PQcmdTuples(r->get());
        return rows && std::string_view(rows) == "1";
    }

    result<std::size_t> release_all(pg_connection& db) {
        if (auto r = need_worker("release executions"); !r) return tl::make_unexpected(std::move(r.error()));
        pg_params p;
        p.text(worker_);
        auto r = db.query("UPDATE executions SET owner = NULL, lease_expires_ns = NULL,"
                          " wake_ns = CASE WHEN status = 'RUNNING' OR has_mail THEN now_ns() ELSE NULL END WHERE owner = $1",
                          p, "releasing every execution");
        if (!r) return tl::make_unexpected(std::move(r.error()));
        (void)db.exec("SELECT pg_notify('stepfn_work', '')", "waking other workers");
        std::lock_guard<std::mutex> lock(mutex_);
        held_.clear();
        return static_cast<std::size_t>(std::strtoull(PQcmdTuples(r->get()), nullptr, 10));
    }

    // Any process: the message is stored with the flag its owner's release() reads, in one
    // statement that holds the execution's row lock, then a NOTIFY (a hint only).
    result<void> send(pg_connection& db, std::string_view arn, std::string_view kind, std::string_view body) {
        pg_params p;
        p.text(arn).text(kind).text(body);
        auto r = db.query("WITH e AS (UPDATE executions SET has_mail = true, wake_ns = now_ns()"
                          "   WHERE arn = $1 AND (status = 'RUNNING' OR $2 = 'redrive') RETURNING arn),"
                          " m AS (INSERT INTO inbox(execution_arn, kind, body, sent_ns) SELECT arn, $2, $3, now_ns() FROM e RETURNING id)"
                          " SELECT id, pg_notify('stepfn_work', $1) FROM m",
                          p, "sending a message to an execution");
        if (!r) return tl::make_unexpected(std::move(r.error()));
        if (PQntuples(r->get()) == 0)
            return make_error("ExecutionDoesNotExist", "no running execution has the ARN '" + std::string(arn) + "' (a message to it was not stored)");
        return {};
    }

    // The row lock first, then the messages in a statement of their own, so that a message sent
    // while the lock was awaited is seen (READ COMMITTED: a new snapshot per statement).
    result<std::vector<execution_message>> take(pg_connection& db, std::string_view arn) {
        if (auto r = need_worker("take messages"); !r) return tl::make_unexpected(std::move(r.error()));
        const std::uint64_t generation = fence(std::string(arn));
        if (auto r = db.exec("BEGIN", "taking messages"); !r) return tl::make_unexpected(std::move(r.error()));
        auto fail = [&](error e) -> result<std::vector<execution_message>> {
            (void)db.exec("ROLLBACK", "rolling back");
            return tl::make_unexpected(std::move(e));
        };
        pg_params p;
        p.text(arn).text(worker_).integer(static_cast<std::int64_t>(generation));
        auto locked = db.query("SELECT lease_generation FROM executions WHERE arn = $1 AND owner = $2 AND lease_generation = $3 FOR UPDATE", p,
                               "locking an execution");
        if (!locked) return fail(locked.error());
        if (PQntuples(locked->get()) == 0)
            return fail(error{"StaleLease", "this worker holds no lease on '" + std::string(arn) + "' (generation " + std::to_string(generation) +
                                                "): its messages are left for the worker that does"});
        pg_params q;
        q.text(arn);
        auto taken = db.query("DELETE FROM inbox WHERE execution_arn = $1 RETURNING id, kind, body", q, "taking messages");
        if (!taken) return fail(taken.error());
        auto cleared = db.query("UPDATE executions SET has_mail = false WHERE arn = $1", q, "taking messages");
        if (!cleared) return fail(cleared.error());
        if (auto r = db.exec("COMMIT", "taking messages"); !r) return fail(r.error());
        std::vector<execution_message> messages;
        for (int i = 0; i < PQntuples(taken->get()); ++i)
            messages.push_back(execution_message{pg_integer(taken->get(), i, 0), pg_text(taken->get(), i, 1), pg_text(taken->get(), i, 2)});
        std::sort(messages.begin(), messages.end(), [](const execution_message& a, const execution_message& b) { return a.id < b.id; });
        return messages;
    }

    // How long until the next handed-back execution is due (its timer), on the database's clock;
    // nullopt when none waits for a time. Lets a worker sleep until then instead of polling.
    result<std::optional<std::chrono::milliseconds>> next_due(pg_connection& db) {
        pg_params none;
        auto r = db.query("SELECT (min(wake_ns) - now_ns()) / 1000000 FROM executions WHERE wake_ns > now_ns()", none,
                          "finding the next timer");
        if (!r) return tl::make_unexpected(std::move(r.error()));
        if (PQntuples(r->get()) == 0 || PQgetisnull(r->get(), 0, 0)) return std::optional<std::chrono::milliseconds>();
        return std::optional<std::chrono::milliseconds>(std::chrono::milliseconds(pg_integer(r->get(), 0, 0)));
    }

    result<std::vector<std::string>> with_mail(pg_connection& db) {
        if (auto r = need_worker("read its mail"); !r) return tl::make_unexpected(std::move(r.error()));
        pg_params p;
        p.text(worker_);
        auto r = db.query("SELECT arn FROM executions WHERE owner = $1 AND has_mail", p, "finding messages");
        if (!r) return tl::make_unexpected(std::move(r.error()));
        std::vector<std::string> arns;
        for (int i = 0; i < PQntuples(r->get()); ++i) arns.push_back(pg_text(r->get(), i, 0));
        return arns;
    }

private:
    result<void> need_worker(const char* what) const {
        if (worker_.empty()) return make_error("InvalidCall", std::string("only a store opened with a worker name can ") + what);
        return {};
    }

    std::string worker_;
    std::int64_t lease_ns_;
    mutable std::mutex mutex_;
    std::map<std::string, std::uint64_t> held_;
};

// Waits up to `timeout` on a LISTENing connection; true when a notification came (all of them
// are consumed: one is as good as many, they only say "look again").
inline bool wait_for_notify(pg_connection& listener, std::chrono::milliseconds timeout) {
    PGconn* c = listener.get();
    bool notified = false;
    const auto drain = [&] {
        while (PGnotify* n = PQnotifies(c)) {
            notified = true;
            PQfreemem(n);
        }
    };
    if (!PQconsumeInput(c)) return false;
    drain();
    if (notified) return true;
    pollfd p{PQsocket(c), POLLIN, 0};
    if (p.fd < 0) return false;
    if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0 && PQconsumeInput(c)) drain();
    return notified;
}

} // namespace stepfn::detail

#endif
