#ifndef STEPFN_INTEGRATIONS_DETAIL_SQLITE_SCHEMA_HPP
#define STEPFN_INTEGRATIONS_DETAIL_SQLITE_SCHEMA_HPP

// Opening a store's file: who else has it (one process per file), whether it is a stepfn store
// at all, whether it is whole, and which schema it has (migrated forward in one transaction).

#include <cstdint>
#include <string>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/sqlite_connection.hpp>

namespace stepfn {
namespace detail {

// PRAGMA application_id of every stepfn store: "SFN1" read as a big-endian integer. It tells a
// stepfn store from any other SQLite file.
inline constexpr std::int64_t sqlite_application_id = 0x53464E31;

// The migrations, in order: applying the first N gives schema version N (PRAGMA user_version).
// Only ever append; a released step is never edited.
inline const char* const sqlite_migrations[] = {
    // 1: the first schema. Times are integer nanoseconds since the Unix epoch (UTC), statuses
    // and event types as AWS spells them, payloads and event details as JSON text. Rows are
    // keyed by the order executions were created in, not by their ARNs (which end in random
    // names): a checkpoint then writes to the few pages of recent executions, which stay in the
    // cache, instead of a random page of each table per execution.
    "CREATE TABLE machine_versions("
    "  id TEXT PRIMARY KEY, machine_arn TEXT NOT NULL, definition TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE executions("
    "  created_order INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL, name TEXT NOT NULL,"
    "  machine_arn TEXT NOT NULL, definition_id TEXT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL,"
    "  output TEXT NOT NULL, error TEXT NOT NULL, cause TEXT NOT NULL, start_ns INTEGER NOT NULL, stop_ns INTEGER,"
    "  redrive_count INTEGER NOT NULL, redrive_ns INTEGER, event_count INTEGER NOT NULL, snapshot TEXT NOT NULL);"
    // ListExecutions, newest first: all, by machine, by status.
    "CREATE INDEX executions_by_start ON executions(start_ns, created_order);"
    "CREATE INDEX executions_by_machine ON executions(machine_arn, start_ns, created_order);"
    "CREATE INDEX executions_by_status ON executions(status, start_ns, created_order);"
    // A checkpoint's events in one row, as a JSON array of [id, previous id, type, timestamp,
    // details]: one insert per checkpoint, whatever the number of events. A rowid table, so a
    // body of up to ~4 KB stays in its page (an index-organised row spills past ~1 KB).
    "CREATE TABLE events("
    "  execution INTEGER NOT NULL, first_id INTEGER NOT NULL, last_id INTEGER NOT NULL, body TEXT NOT NULL);"
    "CREATE UNIQUE INDEX events_by_execution ON events(execution, first_id);"
    "CREATE TABLE tokens(token TEXT PRIMARY KEY, execution_arn TEXT NOT NULL) WITHOUT ROWID;",
    // 2: the API's resources (state machines, versions, activities), one row per ARN with the
    // API's JSON body, listed in creation order per kind.
    "CREATE TABLE resources("
    "  created_order INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, body TEXT NOT NULL,"
    "  revision INTEGER NOT NULL);"
    "CREATE INDEX resources_by_kind ON resources(kind, created_order);",
};
inline constexpr std::int64_t sqlite_schema_version = static_cast<std::int64_t>(sizeof(sqlite_migrations) / sizeof(sqlite_migrations[0]));

struct sqlite_open_settings {
    bool synchronous_full = true;
    std::size_t max_file_bytes = 0;
    bool check_on_open = true;
};

// Opens (creating when absent) the store at `path` and leaves the connection holding the file's
// exclusive lock until it closes, in WAL mode, on the current schema.
inline result<sqlite_connection> open_sqlite_store(const std::string& path, const sqlite_open_settings& settings) {
    sqlite3* raw = nullptr;
    const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    sqlite_connection db(sqlite_db(raw), path);
    if (opened != SQLITE_OK) {
        if (!raw) return make_error(store_unavailable, "cannot open the store " + path + ": out of memory");
        return make_error(store_unavailable, "cannot open the store " + path + ": " + sqlite3_errmsg(raw));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    // Defensive: even SQL that this code never runs could not corrupt the file on purpose.
    sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    // Another holder of the file is reported at once, never waited for.
    sqlite3_busy_timeout(db.get(), 0);

    // Before the first access: the lock, once taken, is kept until the connection closes, and
    // WAL then keeps its index in this process's memory (no -shm file another process could
    // share). A second opener, in this process or another, gets SQLITE_BUSY.
    if (auto r = db.exec("PRAGMA locking_mode=EXCLUSIVE", "setting the locking mode"); !r) return tl::make_unexpected(std::move(r.error()));

    // The first read of the file: a file that is not SQLite's fails here (SQLITE_NOTADB).
    auto application_id = db.query_integer("PRAGMA application_id", "reading the store's header");
    if (!application_id) return tl::make_unexpected(std::move(application_id.error()));
    auto version = db.query_integer("PRAGMA user_version", "reading the store's schema version");
    if (!version) return tl::make_unexpected(std::move(version.error()));
    auto objects = db.query_integer("SELECT count(*) FROM sqlite_schema", "reading the store's schema");
    if (!objects) return tl::make_unexpected(std::move(objects.error()));

    const bool empty = *application_id == 0 && *version == 0 && *objects == 0;
    if (!empty && *application_id != sqlite_application_id)
        return make_error(store_not_a_store, "'" + path + "' is not a stepfn store (an SQLite database of another application)");
    if (*version > sqlite_schema_version)
        return make_error(store_too_new, "the store " + path + " has schema version " + std::to_string(*version) +
                                             ", newer than the version this stepfn knows (" + std::to_string(sqlite_schema_version) +
                                             "); open it with a newer stepfn");

    if (!empty && settings.check_on_open) {
        // quick_check reads every page once (no index cross-checks): a truncated or overwritten
        // file is refused here, not met halfway through a commit. (1): report one problem.
        auto check = db.prepare("PRAGMA quick_check(1)");
        if (!check) return tl::make_unexpected(std::move(check.error()));
        const int rc = check->step();
        if (rc != SQLITE_ROW) return tl::make_unexpected(db.fail(rc, "checking the store's integrity"));
        const std::string verdict = check->text(0);
        if (verdict != "ok") return make_error(store_corrupted, "the store " + path + " is corrupted: " + verdict);
    }

    {
        auto mode = db.prepare("PRAGMA journal_mode=WAL");
        if (!mode) return tl::make_unexpected(std::move(mode.error()));
        const int rc = mode->step();
        if (rc != SQLITE_ROW) return tl::make_unexpected(db.fail(rc, "switching to WAL mode"));
        if (mode->text(0) != "wal") return make_error(store_unavailable, "the store " + path + " cannot use WAL mode (journal mode " + mode->text(0) + ")");
    }
    if (auto r = db.exec(settings.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "setting synchronous"); !r)
        return tl::make_unexpected(std::move(r.error()));
    // The pages of recent executions stay in memory between commits (32 MiB), and the WAL is
    // written back into the file every 16 MiB rather than every 4 MiB: fewer rewrites of the
    // same hot pages under group commit.
    if (auto r = db.exec("PRAGMA cache_size=-32768", "sizing the page cache"); !r) return tl::make_unexpected(std::move(r.error()));
    // Each checkpoint of a batch is written under a savepoint, whose undo images SQLite keeps in
    // a temporary file by default: in memory they cost no write(2) (they are a few pages, and
    // gone at the next checkpoint), which took the bytes written per transition from ~22 KB to ~5 KB.
    if (auto r = db.exec("PRAGMA temp_store=MEMORY", "keeping temporary data in memory"); !r) return tl::make_unexpected(std::move(r.error()));
    if (auto r = db.exec("PRAGMA wal_autocheckpoint=4096", "setting the WAL write-back interval"); !r)
        return tl::make_unexpected(std::move(r.error()));
    if (settings.max_file_bytes > 0) {
        auto page_size = db.query_integer("PRAGMA page_size", "reading the page size");
        if (!page_size) return tl::make_unexpected(std::move(page_size.error()));
        const std::size_t size = *page_size > 0 ? static_cast<std::size_t>(*page_size) : 4096;
        const std::size_t pages = settings.max_file_bytes / size > 0 ? settings.max_file_bytes / size : 1;
        const std::string sql = "PRAGMA max_page_count=" + std::to_string(pages);
        if (auto r = db.exec(sql.c_str(), "limiting the store's size"); !r) return tl::make_unexpected(std::move(r.error()));
    }

    // The migrations in one transaction; run even when there are none, so that the exclusive
    // write lock is taken now and held for as long as the store is open.
    if (auto r = db.exec("BEGIN IMMEDIATE", "locking the store"); !r) return tl::make_unexpected(std::move(r.error()));
    for (std::int64_t v = *version; v < sqlite_schema_version; ++v) {
        if (auto r = db.exec(sqlite_migrations[v], "migrating the store's schema"); !r) {
            (void)db.exec("ROLLBACK", "rolling back");
            return tl::make_unexpected(std::move(r.error()));
        }
    }
    if (*version < sqlite_schema_version) {
        const std::string stamp = "PRAGMA application_id=" + std::to_string(sqlite_application_id) +
                                  ";PRAGMA user_version=" + std::to_string(sqlite_schema_version);
        if (auto r = db.exec(stamp.c_str(), "stamping the store's schema version"); !r) {
            (void)db.exec("ROLLBACK", "rolling back");
            return tl::make_unexpected(std::move(r.error()));
        }
    }
    if (auto r = db.exec("COMMIT", "committing the store's schema"); !r) {
        (void)db.exec("ROLLBACK", "rolling back");
        return tl::make_unexpected(std::move(r.error()));
    }
    return db;
}

} // namespace detail
} // namespace stepfn

#endif
