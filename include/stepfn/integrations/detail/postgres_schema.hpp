#ifndef STEPFN_INTEGRATIONS_DETAIL_POSTGRES_SCHEMA_HPP
#define STEPFN_INTEGRATIONS_DETAIL_POSTGRES_SCHEMA_HPP

// The PostgreSQL store's tables, in a schema of their own (default "stepfn"), created and
// migrated forward on first use. Every process that opens the store runs this; an advisory lock
// held for the migration's transaction makes the others wait, so a schema is migrated once.

#include <cstdint>
#include <string>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/postgres_connection.hpp>

namespace stepfn {
namespace detail {

// The migrations, in order: applying the first N gives schema version N (the one row of
// schema_version). Only ever append; a released step is never edited.
inline const char* const postgres_migrations[] = {
    // 1: executions, their history and tokens, and the API's resources, as in the SQLite store
    // (docs/store-sqlite.md): times as integer nanoseconds since the Unix epoch, payloads and
    // event details as JSON text, a checkpoint's events in one row.
    "CREATE TABLE machine_versions(id text PRIMARY KEY, machine_arn text NOT NULL, definition text NOT NULL);"
    "CREATE TABLE executions("
    "  created_order bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, arn text NOT NULL UNIQUE, seq bigint NOT NULL,"
    "  name text NOT NULL, machine_arn text NOT NULL, definition_id text NOT NULL, status text NOT NULL,"
    "  input text NOT NULL, output text NOT NULL, error text NOT NULL, cause text NOT NULL, start_ns bigint NOT NULL,"
    "  stop_ns bigint, redrive_count bigint NOT NULL, redrive_ns bigint, event_count bigint NOT NULL, snapshot text NOT NULL);"
    "CREATE INDEX executions_by_start ON executions(start_ns, created_order);"
    "CREATE INDEX executions_by_machine ON executions(machine_arn, start_ns, created_order);"
    "CREATE INDEX executions_by_status ON executions(status, start_ns, created_order);"
    "CREATE TABLE events(execution bigint NOT NULL, first_id bigint NOT NULL, last_id bigint NOT NULL, body text NOT NULL,"
    "  PRIMARY KEY(execution, first_id));"
    "CREATE TABLE tokens(token text PRIMARY KEY, execution_arn text NOT NULL);"
    "CREATE TABLE resources(created_order bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, arn text NOT NULL UNIQUE,"
    "  kind text NOT NULL, body text NOT NULL, revision bigint NOT NULL);"
    "CREATE INDEX resources_by_kind ON resources(kind, created_order);",

    // 2: sharing executions between workers. An execution is owned under a lease (owner, expiry
    // on the database's clock) whose generation is the fencing token every checkpoint carries;
    // wake_ns is its durable timer (NULL: it waits for a message); the inbox holds what was sent
    // to it (a token's outcome, a stop, a redrive) until its owner takes it, and has_mail says
    // so on the row itself, where a release reads it under the row's lock.
    "ALTER TABLE executions ADD COLUMN owner text, ADD COLUMN lease_generation bigint NOT NULL DEFAULT 0,"
    "  ADD COLUMN lease_expires_ns bigint, ADD COLUMN wake_ns bigint, ADD COLUMN has_mail boolean NOT NULL DEFAULT false;"
    "CREATE INDEX executions_runnable ON executions(wake_ns) WHERE wake_ns IS NOT NULL;"
    "CREATE TABLE inbox(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, execution_arn text NOT NULL,"
    "  kind text NOT NULL, body text NOT NULL, sent_ns bigint NOT NULL);"
    "CREATE INDEX inbox_by_execution ON inbox(execution_arn, id);"
    // The database's clock, so that workers whose clocks disagree still agree on leases.
    "CREATE FUNCTION now_ns() RETURNS bigint LANGUAGE sql VOLATILE AS"
    "  $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint $$;"
    // One checkpoint, checked and written; '' when written, otherwise why not (the caller turns
    // that into an error). Checks come before the first write, so a refusal leaves nothing.
    "CREATE FUNCTION write_checkpoint(p_arn text, p_seq bigint, p_fence bigint, p_owner text, p_lease_ns bigint,"
    "  p_create boolean, p_name text, p_machine_arn text, p_definition_id text, p_status text, p_input text,"
    "  p_output text, p_error text, p_cause text, p_start_ns bigint, p_stop_ns bigint, p_redrive_count bigint,"
    "  p_redrive_ns bigint, p_version_id text, p_version_machine text, p_definition text, p_first bigint,"
    "  p_last bigint, p_events text, p_snapshot text, p_end_status text, p_end_output text, p_end_error text,"
    "  p_end_cause text, p_end_ns bigint, p_redriven_count bigint, p_redriven_ns bigint, p_open text[],"
    "  p_closed text[]) RETURNS text LANGUAGE plpgsql AS $$\n"
    "DECLARE v_order bigint; v_seq bigint; v_events bigint; v_generation bigint; v_found boolean;\n"
    "BEGIN\n"
    "  SELECT created_order, seq, event_count, lease_generation INTO v_order, v_seq, v_events, v_generation\n"
    "    FROM executions WHERE arn = p_arn FOR UPDATE;\n"
    "  v_found := FOUND;\n"
    "  IF p_create AND v_found THEN RETURN 'exists'; END IF;\n"
    "  IF NOT p_create AND NOT v_found THEN RETURN 'missing'; END IF;\n"
    "  IF NOT p_create AND p_fence > 0 AND v_generation <> p_fence THEN RETURN 'stale ' || v_generation; END IF;\n"
    "  IF p_seq <> coalesce(v_seq, 0) + 1 THEN RETURN 'sequence ' || coalesce(v_seq, 0); END IF;\n"
    "  IF p_first IS NOT NULL AND p_first <> coalesce(v_events, 0) + 1 THEN RETURN 'event ' || coalesce(v_events, 0); END IF;\n"
    "  IF p_create THEN\n"
    // Created by a worker: it owns the execution (generation 1). Created by anyone else (a
    // `stepfn start`): runnable now, for whichever worker claims it first.
    "    INSERT INTO executions(arn, seq, name, machine_arn, definition_id, status, input, output, error, cause,\n"
    "        start_ns, stop_ns, redrive_count, redrive_ns, event_count, snapshot, owner, lease_generation,\n"
    "        lease_expires_ns, wake_ns)\n"
    "      VALUES(p_arn, 0, p_name, p_machine_arn, p_definition_id, p_status, p_input, p_output, p_error, p_cause,\n"
    "        p_start_ns, p_stop_ns, p_redrive_count, p_redrive_ns, 0, '', p_owner,\n"
    "        CASE WHEN p_owner IS NULL THEN 0 ELSE 1 END,\n"
    "        CASE WHEN p_owner IS NULL THEN NULL ELSE now_ns() + p_lease_ns END, now_ns())\n"
    "      ON CONFLICT (arn) DO NOTHING RETURNING created_order INTO v_order;\n"
    "    IF NOT FOUND THEN RETURN 'exists'; END IF;\n"
    "    IF p_owner IS NULL THEN PERFORM pg_notify('stepfn_work', p_arn); END IF;\n"
    "  END IF;\n"
    "  IF p_version_id IS NOT NULL THEN\n"
    "    INSERT INTO machine_versions(id, machine_arn, definition) VALUES(p_version_id, p_version_machine, p_definition)\n"
    "      ON CONFLICT (id) DO NOTHING;\n"
    "  END IF;\n"
    "  IF p_first IS NOT NULL THEN\n"
    "    INSERT INTO events(execution, first_id, last_id, body) VALUES(v_order, p_first, p_last, p_events);\n"
    "  END IF;\n"
    "  UPDATE executions SET seq = p_seq, event_count = coalesce(p_last, event_count),\n"
    "      snapshot = coalesce(p_snapshot, snapshot) WHERE created_order = v_order;\n"
    "  IF p_redriven_count IS NOT NULL THEN\n"
    "    UPDATE executions SET status = 'RUNNING', redrive_count = p_redriven_count, redrive_ns = p_redriven_ns,\n"
    "        stop_ns = NULL, output = '', error = '', cause = '' WHERE created_order = v_order;\n"
    "  END IF;\n"
    "  IF p_end_status IS NOT NULL THEN\n"
    "    UPDATE executions SET status = p_end_status, output = p_end_output, error = p_end_error, cause = p_end_cause,\n"
    "        stop_ns = p_end_ns, owner = NULL, lease_expires_ns = NULL, wake_ns = NULL WHERE created_order = v_order;\n"
    "    DELETE FROM inbox WHERE execution_arn = p_arn;\n"
    "  END IF;\n"
    "  IF cardinality(p_open) > 0 THEN\n"
    "    INSERT INTO tokens(token, execution_arn) SELECT t, p_arn FROM unnest(p_open) AS t\n"
    "      ON CONFLICT (token) DO UPDATE SET execution_arn = excluded.execution_arn;\n"
    "  END IF;\n"
    "  IF cardinality(p_closed) > 0 THEN DELETE FROM tokens WHERE token = ANY(p_closed); END IF;\n"
    "  RETURN '';\n"
    "END $$;",
};
inline constexpr std::int64_t postgres_schema_version =
    static_cast<std::int64_t>(sizeof(postgres_migrations) / sizeof(postgres_migrations[0]));

// A schema name this store will put in SQL unquoted: lower-case letters, digits and '_'.
inline bool valid_pg_schema_name(const std::string& name) {
    if (name.empty() || name.size() > 63 || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

// Creates or migrates the schema `schema`, then leaves the session's search path on it.
inline result<void> open_postgres_schema(pg_connection& db, const std::string& schema) {
    const std::string where = "the PostgreSQL store " + db.target().shown + " (schema " + schema + ")";
    if (auto r = db.exec("BEGIN", "beginning the schema's migration"); !r) return tl::make_unexpected(std::move(r.error()));
    auto fail = [&](error e) -> result<void> {
        (void)db.exec("ROLLBACK", "rolling back");
        return tl::make_unexpected(std::move(e));
    };
    // One migrator at a time, across every process on this database: "stepfn" as a key.
    if (auto r = db.exec("SELECT pg_advisory_xact_lock(126943755265646)", "locking the schema for its migration"); !r) return fail(r.error());
    pg_params p;
    p.text(schema);
    auto tables = db.query("SELECT count(*), count(*) FILTER (WHERE table_name = 'schema_version') FROM information_schema.tables"
                           " WHERE table_schema = $1", p, "reading the store's schema");
    if (!tables) return fail(tables.error());
    const std::int64_t table_count = pg_integer(tables->get(), 0, 0);
    const bool has_version = pg_integer(tables->get(), 0, 1) > 0;
    if (table_count > 0 && !has_version)
        return fail(error{store_not_a_store, where + " holds tables of another application (no schema_version table)"});
    const std::string create = "CREATE SCHEMA IF NOT EXISTS " + schema;
    if (auto r = db.exec(create.c_str(), "creating the store's schema"); !r) return fail(r.error());
    const std::string path = "SET LOCAL search_path TO " + schema;
    if (auto r = db.exec(path.c_str(), "choosing the store's schema"); !r) return fail(r.error());
    std::int64_t version = 0;
    if (!has_version) {
        if (auto r = db.exec("CREATE TABLE schema_version(version integer NOT NULL); INSERT INTO schema_version VALUES (0)",
                             "creating the schema version table");
            !r)
            return fail(r.error());
    } else {
        auto v = db.exec("SELECT max(version) FROM schema_version", "reading the store's schema version");
        if (!v) return fail(v.error());
        version = pg_integer(v->get(), 0, 0);
    }
    if (version > postgres_schema_version)
        return fail(error{store_too_new, where + " has schema version " + std::to_string(version) + ", newer than the version this stepfn knows (" +
                                             std::to_string(postgres_schema_version) + "); open it with a newer stepfn"});
    for (std::int64_t v = version; v < postgres_schema_version; ++v)
        if (auto r = db.exec(postgres_migrations[v], "migrating the store's schema to version " + std::to_string(v + 1)); !r) return fail(r.error());
    if (version < postgres_schema_version) {
        const std::string stamp = "UPDATE schema_version SET version = " + std::to_string(postgres_schema_version);
        if (auto r = db.exec(stamp.c_str(), "stamping the store's schema version"); !r) return fail(r.error());
    }
    if (auto r = db.exec("COMMIT", "committing the store's schema"); !r) return fail(r.error());
    const std::string session = "SET search_path TO " + schema;
    if (auto r = db.exec(session.c_str(), "choosing the store's schema"); !r) return tl::make_unexpected(std::move(r.error()));
    db.set_session_sql(session);
    return {};
}

} // namespace detail
} // namespace stepfn

#endif
