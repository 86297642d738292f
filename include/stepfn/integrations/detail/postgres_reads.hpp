#ifndef STEPFN_INTEGRATIONS_DETAIL_POSTGRES_READS_HPP
#define STEPFN_INTEGRATIONS_DETAIL_POSTGRES_READS_HPP

// The PostgreSQL store's reads and the API's resources: plain statements on the store's read
// connection (its caller holds the lock), answering exactly as the SQLite store does, page
// tokens included (store_rows.hpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/postgres_connection.hpp>
#include <stepfn/integrations/detail/store_rows.hpp>
#include <stepfn/store/execution_store.hpp>
#include <stepfn/store/resource_store.hpp>

namespace stepfn {
namespace detail {

inline constexpr const char* pg_execution_columns =
    "arn, name, machine_arn, definition_id, status, input, output, error, cause, start_ns, stop_ns, redrive_count, "
    "redrive_ns, event_count, seq";

inline result<stored_execution> pg_read_execution(const PGresult* r, int row, const std::string& where) {
    stored_execution e;
    e.arn = pg_text(r, row, 0);
    e.name = pg_text(r, row, 1);
    e.machine_arn = pg_text(r, row, 2);
    e.definition_id = pg_text(r, row, 3);
    const std::string status = pg_text(r, row, 4);
    if (!parse_execution_status(status, e.status))
        return tl::make_unexpected(corrupted_row(where, "the execution '" + e.arn + "' has the status '" + status + "'"));
    e.input = pg_text(r, row, 5);
    e.output = pg_text(r, row, 6);
    e.error = pg_text(r, row, 7);
    e.cause = pg_text(r, row, 8);
    e.start_date = from_store_ns(pg_integer(r, row, 9));
    if (auto stop = pg_optional_integer(r, row, 10)) e.stop_date = from_store_ns(*stop);
    e.redrive_count = pg_integer(r, row, 11);
    if (auto redrive = pg_optional_integer(r, row, 12)) e.redrive_date = from_store_ns(*redrive);
    e.event_count = pg_integer(r, row, 13);
    e.sequence = static_cast<std::uint64_t>(pg_integer(r, row, 14));
    return e;
}

inline std::int64_t page_limit(std::size_t limit) {
    return static_cast<std::int64_t>(limit < 1000000 ? limit + 1 : limit);  // one more: is there a next page
}

inline result<std::optional<stored_execution>> pg_find_execution(pg_connection& db, std::string_view arn) {
    pg_params p;
    p.text(arn);
    const std::string sql = std::string("SELECT ") + pg_execution_columns + " FROM executions WHERE arn = $1";
    auto r = db.query(sql.c_str(), p, "reading an execution");
    if (!r) return tl::make_unexpected(std::move(r.error()));
    if (PQntuples(r->get()) == 0) return std::optional<stored_execution>();
    auto row = pg_read_execution(r->get(), 0, db.target().shown);
    if (!row) return tl::make_unexpected(std::move(row.error()));
    return std::optional<stored_execution>(std::move(*row));
}

inline result<std::optional<machine_version>> pg_find_machine_version(pg_connection& db, std::string_view id) {
    pg_params p;
    p.text(id);
    auto r = db.query("SELECT id, machine_arn, definition FROM machine_versions WHERE id = $1", p, "reading a machine version");
    if (!r) return tl::make_unexpected(std::move(r.error()));
    if (PQntuples(r->get()) == 0) return std::optional<machine_version>();
    return std::optional<machine_version>(machine_version{pg_text(r->get(), 0, 0), pg_text(r->get(), 0, 1), pg_text(r->get(), 0, 2)});
}

inline result<std::string> pg_snapshot(pg_connection& db, std::string_view arn) {
    pg_params p;
    p.text(arn);
    auto r = db.query("SELECT snapshot FROM executions WHERE arn = $1", p, "reading a snapshot");
    if (!r) return tl::make_unexpected(std::move(r.error()));
    if (PQntuples(r->get()) == 0) return make_error("ExecutionDoesNotExist", "no stored execution has the ARN '" + std::string(arn) + "'");
    return pg_text(r->get(), 0, 0);
}

// Newest first (by start date, then creation order); the token holds where the page ended.
inline result<execution_page> pg_list_executions(pg_connection& db, const execution_filter& filter) {
    const std::string scope = listing_scope(filter);
    std::int64_t after_start = 0, after_order = 0;
    const bool continued = !filter.next_token.empty();
    if (continued) {
        auto position = parse_page_token('L', scope, filter.next_token);
        if (!position) return tl::make_unexpected(std::move(position.error()));
        after_start = static_cast<std::int64_t>(position->first);
        after_order = static_cast<std::int64_t>(position->second);
    }
    const std::size_t limit = filter.max_results ? filter.max_results : 100;
    pg_params p;
    p.text(filter.machine_arn).text(filter.status ? std::string_view(to_string(*filter.status)) : std::string_view());
    p.text(continued ? "true" : "false").integer(after_start).integer(after_order).integer(page_limit(limit));
    const std::string sql = std::string("SELECT ") + pg_execution_columns +
                            ", created_order FROM executions WHERE ($1 = '' OR machine_arn = $1) AND ($2 = '' OR status = $2)"
                            " AND (NOT $3::boolean OR start_ns < $4 OR (start_ns = $4 AND created_order < $5))"
                            " ORDER BY start_ns DESC, created_order DESC LIMIT $6";
    auto r = db.query(sql.c_str(), p, "listing executions");
    if (!r) return tl::make_unexpected(std::move(r.error()));
    execution_page page;
    const int rows = PQntuples(r->get());
    for (int i = 0; i < rows; ++i) {
        if (page.executions.size() == limit) {
            page.next_token = make_page_token('L', scope, static_cast<std::uint64_t>(pg_integer(r->get(), i - 1, 9)),
                                              static_cast<std::uint64_t>(pg_integer(r->get(), i - 1, 15)));
            break;
        }
        auto row = pg_read_execution(r->get(), i, db.target().shown);
        if (!row) return tl::make_unexpected(std::move(row.error()));
        page.executions.push_back(std::move(*row));
    }
    return page;
}

// Events in id order (or reversed); ids run 1..event_count, so the token holds the last id given.
inline result<history_page> pg_history(pg_connection& db, std::string_view arn, const history_request& request) {
    const std::string scope = history_scope(arn, request.reverse_order);
    std::int64_t after = 0;
    const bool continued = !request.next_token.empty();
    if (continued) {
        auto position = parse_page_token('H', scope, request.next_token);
        if (!position) return tl::make_unexpected(std::move(position.error()));
        after = static_cast<std::int64_t>(position->first);
    }
    const std::size_t limit = request.max_results ? request.max_results : 1000;
    pg_params p;
    p.text(arn);
    auto count = db.query("SELECT event_count, created_order FROM executions WHERE arn = $1", p, "reading an execution");
    if (!count) return tl::make_unexpected(std::move(count.error()));
    if (PQntuples(count->get()) == 0) return make_error("ExecutionDoesNotExist", "no stored execution has the ARN '" + std::string(arn) + "'");
    const std::int64_t event_count = pg_integer(count->get(), 0, 0);
    const std::int64_t bound = continued ? after : (request.reverse_order ? INT64_MAX : std::int64_t{0});
    pg_params q;
    q.integer(pg_integer(count->get(), 0, 1)).integer(bound).integer(static_cast<std::int64_t>(limit < 1000000 ? limit : 1000000));
    // Rows hold a checkpoint's events each: at most `limit` rows hold the page.
    auto r = db.query(request.reverse_order ? "SELECT body FROM events WHERE execution = $1 AND first_id < $2 ORDER BY first_id DESC LIMIT $3"
                                            : "SELECT body FROM events WHERE execution = $1 AND last_id > $2 ORDER BY first_id LIMIT $3",
                      q, "reading the history");
    if (!r) return tl::make_unexpected(std::move(r.error()));
    history_page page;
    const int rows = PQntuples(r->get());
    for (int i = 0; i < rows && page.events.size() < limit; ++i) {
        auto events = read_events(pg_text(r->get(), i, 0), db.target().shown, arn);
        if (!events) return tl::make_unexpected(std::move(events.error()));
        if (request.reverse_order) {
            for (auto it = events->rbegin(); it != events->rend() && page.events.size() < limit; ++it)
                if (it->id < bound) page.events.push_back(std::move(*it));
        } else {
            for (auto& e : *events)
                if (e.id > bound && page.events.size() < limit) page.events.push_back(std::move(e));
        }
    }
    if (!page.events.empty()) {
        const std::int64_t last = page.events.back().id;
        const bool more = request.reverse_order ? last > 1 : last < event_count;
        if (more && page.events.size() == limit) page.next_token = make_page_token('H', scope, static_cast<std::uint64_t>(last), 0);
    }
    return page;
}

inline result<std::vector<std::string>> pg_unfinished_executions(pg_connection& db) {
    auto r = db.exec("SELECT arn FROM executions WHERE status = 'RUNNING' ORDER BY created_order", "listing unfinished executions");
    if (!r) return tl::make_unexpected(std::move(r.error()));
    std::vector<std::string> arns;
    for (int i = 0; i < PQntuples(r->get()); ++i) arns.push_back(pg_text(r->get(), i, 0));
    return arns;
}

inline result<std::optional<std::string>> pg_find_token(pg_connection& db, std::string_view token) {
    pg_params p;
    p.text(token);
    auto r = db.query("SELECT execution_arn FROM tokens WHERE token = $1", p, "reading a task token");
    if (!r) return tl::make_unexpected(std::move(r.error()));
    if (PQntuples(r->get()) == 0) return std::optional<std::string>();
    return std::optional<std::string>(pg_text(r->get(), 0, 0));
}

// ---- the API's resources: one row per ARN, in creation order per kind.

inline result<bool> pg_changed(result<pg_result> r) {
    if (!r) return tl::make_unexpected(std::move(r.error()));
    const char* rows = PQcmdTuples(r->get());
    return rows && *rows && std::string_view(rows) != "0";
}

inline result<bool> pg_insert_resource(pg_connection& db, const stored_resource& res) {
    pg_params p;
    p.text(res.arn).text(res.kind).text(res.body);
    return pg_changed(db.query("INSERT INTO resources(arn, kind, body, revision) VALUES ($1, $2, $3, 1) ON CONFLICT (arn) DO NOTHING", p,
                               "storing a resource"));
}
inline result<bool> pg_update_resource(pg_connection& db, const stored_resource& res) {
    pg_params p;
    p.text(res.arn).text(res.kind).text(res.body).integer(static_cast<std::int64_t>(res.revision));
    return pg_changed(db.query("UPDATE resources SET kind = $2, body = $3, revision = revision + 1 WHERE arn = $1 AND revision = $4", p,
                               "updating a resource"));
}
inline result<bool> pg_delete_resource(pg_connection& db, std::string_view arn) {
    pg_params p;
    p.text(arn);
    return pg_changed(db.query("DELETE FROM resources WHERE arn = $1", p, "deleting a resource"));
}
inline result<std::optional<stored_resource>> pg_find_resource(pg_connection& db, std::string_view arn) {
    pg_params p;
    p.text(arn);
    auto r = db.query("SELECT arn, kind, body, revision FROM resources WHERE arn = $1", p, "reading a resource");
    if (!r) return tl::make_unexpected(std::move(r.error()));
    if (PQntuples(r->get()) == 0) return std::optional<stored_resource>();
    return std::optional<stored_resource>(stored_resource{pg_text(r->get(), 0, 0), pg_text(r->get(), 0, 1), pg_text(r->get(), 0, 2),
                                                          static_cast<std::uint64_t>(pg_integer(r->get(), 0, 3))});
}
inline result<resource_page> pg_list_resources(pg_connection& db, std::string_view kind, std::string_view prefix, std::size_t max_results,
                                               std::string_view next_token) {
    const std::string scope = resources_scope(kind, prefix);
    std::int64_t after = 0;
    if (!next_token.empty()) {
        auto position = parse_page_token('R', scope, next_token);
        if (!position) return tl::make_unexpected(std::move(position.error()));
        after = static_cast<std::int64_t>(position->first);
    }
    const std::size_t limit = max_results ? max_results : 100;
    pg_params p;
    p.text(kind).integer(after).text(prefix).integer(page_limit(limit));
    // left(arn, length(prefix)) = prefix: a prefix match with no LIKE escaping to get wrong.
    auto r = db.query("SELECT arn, kind, body, revision, created_order FROM resources WHERE kind = $1 AND created_order > $2"
                      " AND left(arn, length($3)) = $3 ORDER BY created_order LIMIT $4",
                      p, "listing resources");
    if (!r) return tl::make_unexpected(std::move(r.error()));
    resource_page page;
    for (int i = 0; i < PQntuples(r->get()); ++i) {
        if (page.resources.size() == limit) {
            page.next_token = make_page_token('R', scope, static_cast<std::uint64_t>(pg_integer(r->get(), i - 1, 4)), 0);
            break;
        }
        page.resources.push_back(stored_resource{pg_text(r->get(), i, 0), pg_text(r->get(), i, 1), pg_text(r->get(), i, 2),
                                                 static_cast<std::uint64_t>(pg_integer(r->get(), i, 3))});
    }
    return page;
}

} // namespace detail
} // namespace stepfn

#endif
