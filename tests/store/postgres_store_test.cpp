// The PostgreSQL store's own behaviour (the contract it shares with the others is in
// contract_test.cpp): its schema and migrations, connection strings and errors that never show
// the password, and group commit through the pipeline. Needs STEPFN_TEST_POSTGRES; without it
// each test says so and fails, and ctest's store_postgres entry reports itself skipped first.
#include "catch.hpp"

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "store/store_support.hpp"

namespace postgres_store_test {

using namespace store_test;

namespace {

// Fails the test, saying why, when there is no PostgreSQL to test against.
bool have_postgres() {
    if (postgres_url()) return true;
    FAIL("STEPFN_TEST_POSTGRES is not set: start a PostgreSQL with eval \"$(tools/ci/postgres.sh start)\"");
    return false;
}

// The password in the test server's connection string (postgresql://user:PASSWORD@host...).
std::string test_password() {
    const std::string url = postgres_url();
    const auto colon = url.find(':', url.find("://") + 3);
    const auto at = url.find('@');
    return colon != std::string::npos && at != std::string::npos && colon < at ? url.substr(colon + 1, at - colon - 1) : std::string();
}

} // namespace

TEST_CASE("postgres store: a new schema is created at the current version, and reopening keeps everything", "[store][postgres]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    {
        auto store = schema.open();
        REQUIRE(store);
        REQUIRE(commit_now(**store, created("kept", 10)));
        REQUIRE(commit_now(**store, step(execution_arn("kept"), 2, 2, 2, "{\"at\":\"B\"}")));
    }
    CHECK(schema.value("SELECT version FROM schema_version") == std::to_string(stepfn::detail::postgres_schema_version));
    auto again = schema.open();
    REQUIRE(again);
    auto row = (*again)->find_execution(execution_arn("kept"));
    REQUIRE(row);
    REQUIRE(row->has_value());
    CHECK((*row)->event_count == 3);
    CHECK((*row)->sequence == 2);
    CHECK(*(*again)->snapshot(execution_arn("kept")) == "{\"at\":\"B\"}");
    // A second store on the same schema at once (another worker): no second migration.
    auto other = schema.open();
    REQUIRE(other);
    CHECK(schema.value("SELECT count(*) FROM schema_version") == "1");
}

TEST_CASE("postgres store: a schema-1 store is migrated forward on open", "[store][postgres]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    REQUIRE(schema.sql("DROP SCHEMA IF EXISTS " + schema.name() + " CASCADE; CREATE SCHEMA " + schema.name()) == "");
    REQUIRE(schema.sql(std::string(stepfn::detail::postgres_migrations[0]) +
                       "; CREATE TABLE schema_version(version integer NOT NULL); INSERT INTO schema_version VALUES (1);"
                       "INSERT INTO executions(arn, seq, name, machine_arn, definition_id, status, input, output, error, cause,"
                       " start_ns, redrive_count, event_count, snapshot) VALUES ('arn:old', 1, 'old', 'm', 'd', 'RUNNING', '{}', '',"
                       " '', '', 5, 0, 0, '{}')") == "");
    auto store = schema.open();
    REQUIRE(store);
    CHECK(schema.value("SELECT version FROM schema_version") == "2");
    auto old = (*store)->find_execution("arn:old");
    REQUIRE(old);
    REQUIRE(old->has_value());
    CHECK((*old)->name == "old");
    // The old row takes part in the new columns' defaults: no lease, no mail.
    CHECK(schema.value("SELECT lease_generation || ':' || has_mail FROM executions WHERE arn = 'arn:old'") == "0:false");
}

TEST_CASE("postgres store: schemas that are not stepfn stores, or newer ones, are refused", "[store][postgres]") {
    if (!have_postgres()) return;
    SECTION("another application's tables") {
        scratch_schema schema;
        REQUIRE(schema.sql("DROP SCHEMA IF EXISTS " + schema.name() + " CASCADE; CREATE SCHEMA " + schema.name() +
                           "; CREATE TABLE " + schema.name() + ".customers(id int)") == "");
        auto store = schema.open();
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreNotAStepfnStore");
        CHECK(store.error().cause.find(schema.name()) != std::string::npos);
    }
    SECTION("a newer schema version") {
        scratch_schema schema;
        REQUIRE(schema.open());
        REQUIRE(schema.sql("UPDATE schema_version SET version = 99") == "");
        auto store = schema.open();
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreVersionTooNew");
        CHECK(store.error().cause.find("99") != std::string::npos);
    }
    SECTION("a schema name that is not a plain identifier") {
        stepfn::postgres_store_options options;
        options.schema = "x; DROP TABLE y";
        auto store = stepfn::postgres_store::open(postgres_url(), options);
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "InvalidArgument");
    }
}

TEST_CASE("postgres store: connection failures say where, and never show the password", "[store][postgres]") {
    if (!have_postgres()) return;
    const std::string password = test_password();
    REQUIRE_FALSE(password.empty());
    const std::string url = postgres_url();

    SECTION("a wrong password") {
        std::string wrong = url;
        wrong.replace(wrong.find(password), password.size(), password + "x");
        auto store = stepfn::postgres_store::open(wrong);
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreUnavailable");
        CHECK(store.error().cause.find("password authentication failed") != std::string::npos);
        CHECK(store.error().cause.find(password) == std::string::npos);
        CHECK(store.error().cause.find("postgresql://stepfn@127.0.0.1") != std::string::npos);
    }
    SECTION("a string libpq refuses, with the password in it") {
        auto store = stepfn::postgres_store::open("host=127.0.0.1 password=" + password + " nonsense");
        REQUIRE_FALSE(store);
        CHECK(store.error().cause.find("connection string") != std::string::npos);
        CHECK(store.error().cause.find(password) == std::string::npos);
        auto url_form = stepfn::postgres_store::open("postgresql://stepfn:" + password + "@127.0.0.1:1/x?bogus=" + password);
        REQUIRE_FALSE(url_form);
        CHECK(url_form.error().cause.find(password) == std::string::npos);
    }
    SECTION("nobody listening") {
        auto store = stepfn::postgres_store::open("postgresql://stepfn:" + password + "@127.0.0.1:1/stepfn");
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreUnavailable");
        CHECK(store.error().cause.find("127.0.0.1") != std::string::npos);
        CHECK(store.error().cause.find(password) == std::string::npos);
    }
    SECTION("the key=value form works as well as the URL") {
        // Built from the URL's parts: postgresql://user:password@host:port/dbname
        const auto rest = url.substr(url.find('@') + 1);
        const auto colon = rest.find(':');
        const auto slash = rest.find('/');
        const std::string kv = "host=" + rest.substr(0, colon) + " port=" + rest.substr(colon + 1, slash - colon - 1) +
                               " dbname=" + rest.substr(slash + 1) + " user=stepfn password='" + password + "'";
        scratch_schema schema;
        stepfn::postgres_store_options options;
        options.schema = schema.name();
        auto store = stepfn::postgres_store::open(kv, options);
        REQUIRE(store);
        CHECK((*store)->target().find(password) == std::string::npos);
        REQUIRE(commit_now(**store, created("kv", 1)));
    }
}

TEST_CASE("postgres store: checkpoints from 8 threads share transactions, in order per execution", "[store][postgres][concurrency]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    stepfn::postgres_store_options options;
    options.commit_window = std::chrono::milliseconds(2);
    auto opened = schema.open(options);
    REQUIRE(opened);
    stepfn::postgres_store& store = **opened;
    constexpr int threads = 8, per_thread = 5, steps = 5;
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int e = 0; e < per_thread; ++e) {
                const std::string name = "t" + std::to_string(t) + "e" + std::to_string(e);
                const std::string arn = execution_arn(name);
                // Not waiting between checkpoints of one execution: their order is the store's to keep.
                store.commit(created(name, t * 100 + e), [&](stepfn::result<void> r) { if (!r) ++failures; });
                for (int s = 0; s < steps; ++s)
                    store.commit(step(arn, static_cast<std::uint64_t>(s + 2), 2 + s * 2, 2), [&](stepfn::result<void> r) { if (!r) ++failures; });
            }
        });
    }
    for (auto& w : workers) w.join();
    REQUIRE(store.flush());
    CHECK(failures.load() == 0);
    const auto total = static_cast<std::size_t>(threads * per_thread * (steps + 1));
    INFO("transactions: " << store.transactions() << " for " << total << " checkpoints");
    CHECK(store.transactions() < total);
    auto row = store.find_execution(execution_arn("t3e4"));
    REQUIRE(row);
    REQUIRE(row->has_value());
    CHECK((*row)->event_count == 1 + steps * 2);
    CHECK(schema.value("SELECT count(*) FROM events") == std::to_string(total));
}

TEST_CASE("postgres store: a refused checkpoint in a batch leaves the others written", "[store][postgres]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    stepfn::postgres_store_options options;
    options.commit_window = std::chrono::milliseconds(50);
    auto opened = schema.open(options);
    REQUIRE(opened);
    stepfn::postgres_store& store = **opened;
    std::promise<stepfn::result<void>> a, b, c;
    store.commit(created("a", 1), [&](stepfn::result<void> r) { a.set_value(std::move(r)); });
    store.commit(step(execution_arn("nobody"), 2, 2, 1), [&](stepfn::result<void> r) { b.set_value(std::move(r)); });
    store.commit(created("c", 2), [&](stepfn::result<void> r) { c.set_value(std::move(r)); });
    REQUIRE(store.flush());
    CHECK(a.get_future().get());
    auto refused = b.get_future().get();
    REQUIRE_FALSE(refused);
    CHECK(refused.error().name == "ExecutionDoesNotExist");
    CHECK(c.get_future().get());
    CHECK(schema.value("SELECT count(*) FROM executions") == "2");
}

TEST_CASE("postgres store: the server going away fails the batch with a clear error, and the store goes on once it is back", "[store][postgres]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    auto opened = schema.open_named();
    REQUIRE(opened);
    stepfn::postgres_store& store = **opened;
    REQUIRE(commit_now(store, created("before", 1)));
    // Every session of this store ends (as when the server restarts); other tests' stay.
    CHECK(schema.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + schema.name() + "'") == "");
    auto during = commit_now(store, step(execution_arn("before"), 2, 2, 1));
    if (!during) {
        CHECK(during.error().name == "StoreUnavailable");
        CHECK(during.error().cause.find(test_password()) == std::string::npos);
    }
    // The next commit reconnects (the one above may or may not have been written).
    const std::uint64_t next = during ? 3 : 2;
    const std::int64_t first = during ? 3 : 2;
    CHECK(commit_now(store, step(execution_arn("before"), next, first, 1)));
    auto row = store.find_execution(execution_arn("before"));
    REQUIRE(row);
    REQUIRE(row->has_value());
    CHECK((*row)->sequence == next);
}
} // namespace postgres_store_test
