#ifndef STEPFN_INTEGRATIONS_DETAIL_SQLITE_CONNECTION_HPP
#define STEPFN_INTEGRATIONS_DETAIL_SQLITE_CONNECTION_HPP

// A thin layer over SQLite's C API: a connection and prepared statements that finalize
// themselves, and SQLite's result codes turned into stepfn errors that name the store's file.

#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/store_rows.hpp>

namespace stepfn {
namespace detail {

// `what` failed with SQLite's code `rc` on the store at `path`: an error whose name says what
// kind of trouble it is, and whose cause says where.
inline error sqlite_error(int rc, const std::string& path, std::string_view what, const char* message = nullptr) {
    const int primary = rc & 0xff;
    std::string detail = message && *message ? message : sqlite3_errstr(rc);
    switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return error{store_unavailable, "the store " + path + " is in use by another process (or another connection of this one)"};
    case SQLITE_NOTADB:
        return error{store_not_a_store, "'" + path + "' is not a stepfn store (not an SQLite database)"};
    case SQLITE_CORRUPT:
        return error{store_corrupted, "the store " + path + " is corrupted (" + std::string(what) + ": " + detail + ")"};
    case SQLITE_FULL:
        return error{store_full, "the store " + path + " is full (" + std::string(what) + ": " + detail + "); nothing of this commit was written"};
    default:
        return error{store_unavailable, "the store " + path + ": " + std::string(what) + " failed: " + detail};
    }
}

struct sqlite_closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct sqlite_finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using sqlite_db = std::unique_ptr<sqlite3, sqlite_closer>;

// One prepared statement, reset before each use so it can be kept and reused.
class sqlite_statement {
public:
    sqlite_statement() = default;
    explicit sqlite_statement(sqlite3_stmt* s) : stmt_(s) {}

    explicit operator bool() const noexcept { return stmt_ != nullptr; }
    sqlite3_stmt* get() const noexcept { return stmt_.get(); }

    // Clears the previous run's bindings and position.
    sqlite_statement& start() {
        sqlite3_reset(stmt_.get());
        sqlite3_clear_bindings(stmt_.get());
        return *this;
    }
    int bind(int index, std::string_view text) {
        // SQLITE_TRANSIENT: SQLite copies the text, so the caller's string may go away.
        if (text.size() > static_cast<std::size_t>((std::numeric_limits<int>::max)())) return SQLITE_TOOBIG;
        return sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    int bind(int index, std::int64_t value) { return sqlite3_bind_int64(stmt_.get(), index, value); }
    int bind_null(int index) { return sqlite3_bind_null(stmt_.get(), index); }
    int bind(int index, const std::optional<std::int64_t>& value) { return value ? bind(index, *value) : bind_null(index); }

    int step() { return sqlite3_step(stmt_.get()); }

    std::string text(int column) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
        const int n = sqlite3_column_bytes(stmt_.get(), column);
        return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
    bool is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }
    std::optional<std::int64_t> optional_integer(int column) const {
        if (is_null(column)) return std::nullopt;
        return integer(column);
    }

private:
    std::unique_ptr<sqlite3_stmt, sqlite_finalizer> stmt_;
};

// A connection and the file it is on; every failure comes back as an error naming the file.
class sqlite_connection {
public:
    sqlite_connection() = default;
    sqlite_connection(sqlite_db db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

    sqlite3* get() const noexcept { return db_.get(); }
    const std::string& path() const noexcept { return path_; }

    error fail(int rc, std::string_view what) const { return sqlite_error(rc, path_, what, db_ ? sqlite3_errmsg(db_.get()) : nullptr); }

    result<void> exec(const char* sql, std::string_view what) {
        char* message = nullptr;
        const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
        if (rc == SQLITE_OK) return {};
        error e = sqlite_error(rc, path_, what, message);
        sqlite3_free(message);
        return tl::make_unexpected(std::move(e));
    }

    result<sqlite_statement> prepare(std::string_view sql) {
        sqlite3_stmt* stmt = nullptr;
        const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(stmt);
            return tl::make_unexpected(fail(rc, "preparing a statement"));
        }
        return sqlite_statement(stmt);
    }

    // The single integer a query such as `PRAGMA user_version` answers.
    result<std::int64_t> query_integer(const char* sql, std::string_view what) {
        auto stmt = prepare(sql);
        if (!stmt) return tl::make_unexpected(std::move(stmt.error()));
        const int rc = stmt->step();
        if (rc == SQLITE_ROW) return stmt->integer(0);
        if (rc == SQLITE_DONE) return std::int64_t{0};
        return tl::make_unexpected(fail(rc, what));
    }

    bool in_transaction() const noexcept { return db_ && sqlite3_get_autocommit(db_.get()) == 0; }

private:
    sqlite_db db_;
    std::string path_;
};

} // namespace detail
} // namespace stepfn

#endif
