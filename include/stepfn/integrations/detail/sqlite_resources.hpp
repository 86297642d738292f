#ifndef STEPFN_INTEGRATIONS_DETAIL_SQLITE_RESOURCES_HPP
#define STEPFN_INTEGRATIONS_DETAIL_SQLITE_RESOURCES_HPP

// The API's resources (state machines, versions, activities) in the store's `resources` table:
// one row per ARN, listed in creation order. Each call is its own small transaction; the caller
// holds the connection's lock.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/sqlite_connection.hpp>
#include <stepfn/integrations/detail/sqlite_rows.hpp>
#include <stepfn/store/resource_store.hpp>

namespace stepfn {
namespace detail {

class sqlite_resource_table {
public:
    result<bool> insert(sqlite_connection& db, const stored_resource& r) {
        auto s = statement(db, insert_, "INSERT INTO resources(arn, kind, body, revision) VALUES (?1, ?2, ?3, 1) ON CONFLICT(arn) DO NOTHING");
        if (!s) return tl::make_unexpected(std::move(s.error()));
        (*s)->bind(1, r.arn);
        (*s)->bind(2, r.kind);
        (*s)->bind(3, r.body);
        return changed(db, **s, "storing a resource");
    }
    result<bool> update(sqlite_connection& db, const stored_resource& r) {
        auto s = statement(db, update_, "UPDATE resources SET kind = ?2, body = ?3, revision = revision + 1 WHERE arn = ?1 AND revision = ?4");
        if (!s) return tl::make_unexpected(std::move(s.error()));
        (*s)->bind(1, r.arn);
        (*s)->bind(2, r.kind);
        (*s)->bind(3, r.body);
        (*s)->bind(4, static_cast<std::int64_t>(r.revision));
        return changed(db, **s, "updating a resource");
    }
    result<bool> remove(sqlite_connection& db, std::string_view arn) {
        auto s = statement(db, delete_, "DELETE FROM resources WHERE arn = ?1");
        if (!s) return tl::make_unexpected(std::move(s.error()));
        (*s)->bind(1, arn);
        return changed(db, **s, "deleting a resource");
    }
    result<std::optional<stored_resource>> find(sqlite_connection& db, std::string_view arn) {
        auto s = statement(db, find_, "SELECT arn, kind, body, revision FROM resources WHERE arn = ?1");
        if (!s) return tl::make_unexpected(std::move(s.error()));
        (*s)->bind(1, arn);
        const int rc = (*s)->step();
        if (rc == SQLITE_DONE) return std::optional<stored_resource>();
        if (rc != SQLITE_ROW) return tl::make_unexpected(db.fail(rc, "reading a resource"));
        auto row = std::optional<stored_resource>(read(**s));
        sqlite3_reset((*s)->get());
        return row;
    }
    // The token holds the creation order the page ended at, checked against the listing's kind
    // and prefix: a page costs the same however deep the list goes.
    result<resource_page> list(sqlite_connection& db, std::string_view kind, std::string_view prefix, std::size_t max_results,
                               std::string_view next_token) {
        const std::string scope = resources_scope(kind, prefix);
        std::int64_t after = 0;
        if (!next_token.empty()) {
            auto position = parse_page_token('R', scope, next_token);
            if (!position) return tl::make_unexpected(std::move(position.error()));
            after = static_cast<std::int64_t>(position->first);
        }
        const std::size_t limit = max_results ? max_results : 100;
        // substr(arn, 1, length(prefix)) = prefix: a prefix match with no LIKE escaping to get wrong.
        auto s = statement(db, list_, "SELECT arn, kind, body, revision, created_order FROM resources WHERE kind = ?1 AND created_order > ?2"
                                      " AND substr(arn, 1, length(?3)) = ?3 ORDER BY created_order LIMIT ?4");
        if (!s) return tl::make_unexpected(std::move(s.error()));
        (*s)->bind(1, kind);
        (*s)->bind(2, after);
        (*s)->bind(3, prefix);
        (*s)->bind(4, static_cast<std::int64_t>(limit < 100000 ? limit + 1 : limit));
        resource_page page;
        std::int64_t last = 0;
        for (;;) {
            const int rc = (*s)->step();
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return tl::make_unexpected(db.fail(rc, "listing resources"));
            if (page.resources.size() == limit) {
                page.next_token = make_page_token('R', scope, static_cast<std::uint64_t>(last), 0);
                break;
            }
            page.resources.push_back(read(**s));
            last = (*s)->integer(4);
        }
        sqlite3_reset((*s)->get());
        return page;
    }

private:
    static stored_resource read(const sqlite_statement& s) {
        return stored_resource{s.text(0), s.text(1), s.text(2), static_cast<std::uint64_t>(s.integer(3))};
    }
    static result<bool> changed(sqlite_connection& db, sqlite_statement& s, std::string_view what) {
        const int rc = s.step();
        sqlite3_reset(s.get());
        if (rc != SQLITE_DONE) return tl::make_unexpected(db.fail(rc, what));
        return sqlite3_changes(db.get()) > 0;
    }
    static result<sqlite_statement*> statement(sqlite_connection& db, sqlite_statement& slot, const char* sql) {
        if (!slot) {
            auto prepared = db.prepare(sql);
            if (!prepared) return tl::make_unexpected(std::move(prepared.error()));
            slot = std::move(*prepared);
        }
        slot.start();
        return &slot;
    }

    sqlite_statement insert_, update_, delete_, find_, list_;
};

} // namespace detail
} // namespace stepfn

#endif
