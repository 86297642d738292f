// The SQLite store's schema 3 (checkpoints that only append): a running execution keeps a few
// checkpoint rows whatever its length, an ended one none (its row holds its progress and last
// snapshot), a redrive starts new rows; and a store of schema 2 is migrated on open and its
// executions recovered by a new engine.
#include "catch.hpp"

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/tasks/callable_invoker.hpp>

#include "store/store_support.hpp"

namespace sqlite_schema_test {

using namespace store_test;
using stepfn::json;
using engine_type = stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock>;

namespace {

// Runs `sql` on the file (no store may have it open) and returns the first column of its first
// row as an integer (-1: no row).
std::int64_t raw_integer(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    const int prepared = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    INFO(sqlite3_errmsg(db));
    REQUIRE(prepared == SQLITE_OK);
    const int rc = sqlite3_step(stmt);
    const std::int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    REQUIRE((rc == SQLITE_ROW || rc == SQLITE_DONE));
    return value;
}

void raw_sql(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
    INFO((message ? message : ""));
    sqlite3_free(message);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

std::shared_ptr<stepfn::sqlite_store> open_store(const std::string& path) {
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    return *store;
}

std::string snapshot_of(stepfn::execution_store& store, const std::string& arn) {
    auto text = store.snapshot(arn);
    REQUIRE(text);
    return *text;
}

stepfn::stored_execution row_of(stepfn::execution_store& store, const std::string& arn) {
    auto row = store.find_execution(arn);
    REQUIRE(row);
    REQUIRE(row->has_value());
    return **row;
}

std::string rows_of(const std::string& arn) {
    return "SELECT count(*) FROM checkpoints WHERE execution = (SELECT created_order FROM executions WHERE arn = '" + arn + "')";
}

// Runs the manual executor (and time, when `advance`) until nothing is left, waiting for the
// store's answers, which post more work.
void settle(stepfn::manual_executor& executor, stepfn::virtual_clock& clock, stepfn::sqlite_store& store, bool advance) {
    for (int i = 0; i < 10000; ++i) {
        if (executor.run() > 0) continue;
        REQUIRE(store.flush());
        if (executor.run() > 0) continue;
        if (advance && clock.advance_to_next()) continue;
        break;
    }
}

} // namespace

TEST_CASE("sqlite store: a running execution keeps a few checkpoint rows, an ended one none", "[store][sqlite]") {
    scratch_dir dir;
    REQUIRE(dir.ok());
    const std::string path = dir.file("rows.db");
    const std::string arn = execution_arn("long");
    std::int64_t next_event = 2;
    {
        auto store = open_store(path);
        REQUIRE(commit_now(*store, created("long", 1)));
        for (std::uint64_t seq = 2; seq <= 40; ++seq) {
            REQUIRE(commit_now(*store, step(arn, seq, next_event, 2, "{\"at\":" + std::to_string(seq) + "}")));
            next_event += 2;
        }
        // Without a snapshot, the one before stays the latest.
        REQUIRE(commit_now(*store, step(arn, 41, next_event, 1)));
        next_event += 1;
        const auto row = row_of(*store, arn);
        CHECK(row.sequence == 41);
        CHECK(row.event_count == next_event - 1);
        CHECK(snapshot_of(*store, arn) == "{\"at\":40}");
    }
    // 41 checkpoints, a few rows: older ones go as it runs, so its length does not add rows.
    const std::int64_t running_rows = raw_integer(path, rows_of(arn));
    CHECK(running_rows >= 1);
    CHECK(running_rows <= 8);
    // Nothing is written to the execution's own row while it runs.
    CHECK(raw_integer(path, "SELECT seq FROM executions WHERE arn = '" + arn + "'") == 0);
    {
        auto store = open_store(path);
        auto end = step(arn, 42, next_event, 1, "{\"at\":\"end\"}");
        end.ended = stepfn::execution_change{stepfn::execution_status::failed, "", "Oops", "it broke", at_ms(9), 0};
        REQUIRE(commit_now(*store, end));
        next_event += 1;
        // Events after its end, without a snapshot: the last snapshot stays.
        REQUIRE(commit_now(*store, step(arn, 43, next_event, 1)));
        next_event += 1;
        const auto row = row_of(*store, arn);
        CHECK(row.status == stepfn::execution_status::failed);
        CHECK(row.sequence == 43);
        CHECK(row.event_count == next_event - 1);
        CHECK(snapshot_of(*store, arn) == "{\"at\":\"end\"}");
        // A checkpoint out of order is still refused from the execution's own row.
        CHECK_FALSE(commit_now(*store, step(arn, 43, next_event, 1)));
        auto history = store->history(arn, stepfn::history_request{});
        REQUIRE(history);
        REQUIRE(history->events.size() == static_cast<std::size_t>(next_event - 1));
        CHECK(history->events.back().id == next_event - 1);
    }
    CHECK(raw_integer(path, rows_of(arn)) == 0);
    {
        // A redrive: running again, with rows of its own from there.
        auto store = open_store(path);
        auto redrive = step(arn, 44, next_event, 1, "{\"at\":\"again\"}");
        redrive.redriven = stepfn::execution_change{stepfn::execution_status::running, "", "", "", at_ms(10), 1};
        REQUIRE(commit_now(*store, redrive));
        REQUIRE(commit_now(*store, step(arn, 45, next_event + 1, 1)));
        const auto row = row_of(*store, arn);
        CHECK(row.status == stepfn::execution_status::running);
        CHECK(row.redrive_count == 1);
        CHECK(row.sequence == 45);
        CHECK(row.event_count == next_event + 1);
        CHECK(snapshot_of(*store, arn) == "{\"at\":\"again\"}");
        auto unfinished = store->unfinished_executions();
        REQUIRE(unfinished);
        CHECK(*unfinished == std::vector<std::string>{arn});
    }
    CHECK(raw_integer(path, rows_of(arn)) == 2);
}

TEST_CASE("sqlite store: a schema-2 store is migrated on open and its executions recovered", "[store][sqlite]") {
    scratch_dir dir;
    REQUIRE(dir.ok());
    const std::string path = dir.file("schema2.db");
    auto machine = stepfn::load_machine(R"({"StartAt":"Pause","States":{
        "Pause":{"Type":"Wait","Seconds":3600,"Next":"Work"},
        "Work":{"Type":"Task","Resource":"svc","End":true}}})");
    REQUIRE(machine);
    auto quick = stepfn::load_machine(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":"quick","End":true}}})");
    REQUIRE(quick);
    const auto start = stepfn::virtual_clock::default_start();
    std::string waiting, ended;
    std::uint64_t sequence = 0;
    std::int64_t event_count = 0;
    std::string snapshot;
    {
        auto store = open_store(path);
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock(start);
        stepfn::engine_options options;
        options.store = store;
        engine_type engine(executor, clock, options);
        auto w = engine.start(*machine, json{{"n", 1}});
        REQUIRE(w);
        waiting = w->arn();
        auto q = engine.start(*quick);
        REQUIRE(q);
        ended = q->arn();
        settle(executor, clock, *store, false);  // `waiting` in Pause for an hour, `quick` done
        CHECK(q->status() == stepfn::execution_status::succeeded);
        const auto row = row_of(*store, waiting);
        sequence = row.sequence;
        event_count = row.event_count;
        snapshot = snapshot_of(*store, waiting);
        CHECK(row.status == stepfn::execution_status::running);
        CHECK(!snapshot.empty());
    }
    CHECK(raw_integer(path, "PRAGMA user_version") == 3);
    CHECK(raw_integer(path, rows_of(waiting)) >= 1);
    CHECK(raw_integer(path, rows_of(ended)) == 0);
    // The file as schema 2 left it: every execution's progress and latest snapshot in its own
    // row, no checkpoints table.
    raw_sql(path,
            "UPDATE executions SET"
            " seq = coalesce((SELECT max(c.seq) FROM checkpoints c WHERE c.execution = created_order), seq),"
            " event_count = coalesce((SELECT c.event_count FROM checkpoints c WHERE c.execution = created_order"
            "   ORDER BY c.seq DESC LIMIT 1), event_count),"
            " snapshot = coalesce((SELECT c.snapshot FROM checkpoints c WHERE c.execution = created_order"
            "   AND c.snapshot IS NOT NULL ORDER BY c.seq DESC LIMIT 1), snapshot);"
            "DROP TABLE checkpoints; PRAGMA user_version=2;");
    {
        auto store = open_store(path);
        const auto row = row_of(*store, waiting);
        CHECK(row.status == stepfn::execution_status::running);
        CHECK(row.sequence == sequence);
        CHECK(row.event_count == event_count);
        CHECK(snapshot_of(*store, waiting) == snapshot);
        CHECK(row_of(*store, ended).status == stepfn::execution_status::succeeded);

        stepfn::manual_executor executor;
        stepfn::virtual_clock clock(start + std::chrono::minutes(90));
        stepfn::engine_options options;
        options.store = store;
        engine_type engine(executor, clock, options);
        int calls = 0;
        engine.invokers().set_default(stepfn::make_invoker([&calls](const stepfn::task_request& r) -> stepfn::result<json> {
            ++calls;
            return json{{"got", r.input}};
        }));
        auto recovered = engine.recover();
        REQUIRE(recovered);
        REQUIRE(recovered->resumed.size() == 1);
        const auto& e = recovered->resumed[0];
        CHECK(e.arn() == waiting);
        settle(executor, clock, *store, true);
        REQUIRE(e.status() == stepfn::execution_status::succeeded);
        CHECK(calls == 1);
        const auto done = row_of(*store, waiting);
        CHECK(done.status == stepfn::execution_status::succeeded);
        CHECK(done.output == R"({"got":{"n":1}})");
        CHECK(done.sequence > sequence);
        // The history goes on from where schema 2 left it: every id once, in order.
        auto history = store->history(waiting, stepfn::history_request{});
        REQUIRE(history);
        REQUIRE(history->events.size() == static_cast<std::size_t>(done.event_count));
        for (std::size_t i = 0; i < history->events.size(); ++i) CHECK(history->events[i].id == static_cast<std::int64_t>(i + 1));
        CHECK(history->events.back().type == stepfn::event_type::execution_succeeded);
        auto unfinished = store->unfinished_executions();
        REQUIRE(unfinished);
        CHECK(unfinished->empty());
    }
    CHECK(raw_integer(path, "PRAGMA user_version") == 3);
    CHECK(raw_integer(path, "SELECT count(*) FROM checkpoints") == 0);
}

} // namespace sqlite_schema_test
