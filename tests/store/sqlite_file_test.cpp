// The SQLite store's file: what survives a reopen, and every file it must refuse clearly (not
// a store, truncated, garbage, a newer schema, held by another opener) or fill up.
#include "catch.hpp"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/store_support.hpp"

namespace sqlite_file_test {

using stepfn::execution_status;
using namespace store_test;

namespace {

// Writes executions e0..e(n-1), each with `events` events and a snapshot, then closes the store.
void fill(const std::string& path, int n, int events) {
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    for (int i = 0; i < n; ++i) {
        const std::string name = "e" + std::to_string(i);
        REQUIRE(commit_now(**store, created(name, i)));
        if (events > 1) REQUIRE(commit_now(**store, step(execution_arn(name), 2, 2, events - 1, std::string(300, 'x'))));
    }
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

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

} // namespace

TEST_CASE("sqlite store: a new store on the same file finds everything", "[store][sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("reopen.db");
    const std::string arn = execution_arn("kept");
    {
        auto store = stepfn::sqlite_store::open(path);
        REQUIRE(store);
        auto cp = created("kept", 42);
        cp.tokens.push_back({"tok", true});
        REQUIRE(commit_now(**store, cp));
        auto end = step(arn, 2, 2, 3, "{\"at\":\"End\"}");
        end.ended = stepfn::execution_change{execution_status::succeeded, "{\"done\":1}", "", "", at_ms(99), 0};
        REQUIRE(commit_now(**store, end));
        REQUIRE(commit_now(**store, created("other", 43)));
    }
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));  // folded back into the file on close
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    auto row = (*store)->find_execution(arn);
    REQUIRE(row);
    REQUIRE(row->has_value());
    CHECK((*row)->status == execution_status::succeeded);
    CHECK((*row)->output == "{\"done\":1}");
    CHECK((*row)->stop_date == at_ms(99));
    CHECK((*row)->event_count == 4);
    CHECK(*(*store)->snapshot(arn) == "{\"at\":\"End\"}");
    CHECK(**(*store)->find_token("tok") == arn);
    CHECK((*store)->history(arn, {})->events.size() == 4);
    CHECK((*(*store)->find_machine_version("def-orders"))->definition.find("StartAt") != std::string::npos);
    CHECK(*(*store)->unfinished_executions() == std::vector<std::string>{execution_arn("other")});
    // New executions after a reopen still sort after the old ones created at the same start.
    REQUIRE(commit_now(**store, created("newer", 43)));
    auto list = (*store)->list_executions({});
    REQUIRE(list);
    REQUIRE(list->executions.size() == 3);
    CHECK(list->executions[0].name == "newer");
    CHECK(list->executions[1].name == "other");
    // And a checkpoint continues where the old process left off.
    REQUIRE(commit_now(**store, step(execution_arn("other"), 2, 2, 1)));
}

TEST_CASE("sqlite store: files that are not stepfn stores are refused", "[store][sqlite]") {
    scratch_dir dir;
    SECTION("another application's SQLite database") {
        const std::string path = dir.file("other.db");
        raw_sql(path, "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES(1, 'x');");
        auto store = stepfn::sqlite_store::open(path);
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreNotAStepfnStore");
        CHECK_THAT(store.error().cause, Catch::Matchers::Contains("'" + path + "' is not a stepfn store"));
        // Untouched: still the other application's.
        raw_sql(path, "SELECT name FROM customers");
    }
    SECTION("a text file") {
        const std::string path = dir.file("notes.txt");
        std::string text;
        for (int i = 0; i < 200; ++i) text += "these are somebody's notes, not a database\n";
        write_file(path, text);
        auto store = stepfn::sqlite_store::open(path);
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreNotAStepfnStore");
        CHECK_THAT(store.error().cause, Catch::Matchers::Contains("'" + path + "' is not a stepfn store"));
    }
    SECTION("garbage bytes") {
        const std::string path = dir.file("garbage.db");
        std::string bytes(64 * 1024, '\0');
        std::uint32_t x = 12345;
        for (auto& b : bytes) {
            x = x * 1103515245u + 12345u;
            b = static_cast<char>(x >> 24);
        }
        write_file(path, bytes);
        auto store = stepfn::sqlite_store::open(path);
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreNotAStepfnStore");
    }
    SECTION("a directory") {
        auto store = stepfn::sqlite_store::open(dir.file(""));
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreUnavailable");
        CHECK_THAT(store.error().cause, Catch::Matchers::Contains("cannot open the store"));
    }
}

TEST_CASE("sqlite store: a truncated or damaged store is refused, never half read", "[store][sqlite]") {
    scratch_dir dir;
    const std::string good = dir.file("good.db");
    fill(good, 60, 12);
    const auto size = std::filesystem::file_size(good);
    REQUIRE(size > 64 * 1024);

    SECTION("truncated to half") {
        const std::string cut = dir.file("cut.db");
        std::filesystem::copy_file(good, cut);
        std::filesystem::resize_file(cut, size / 2);
        auto store = stepfn::sqlite_store::open(cut);
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreCorrupted");
        CHECK_THAT(store.error().cause, Catch::Matchers::Contains(cut));
    }
    SECTION("pages overwritten in the middle") {
        const std::string damaged = dir.file("damaged.db");
        std::filesystem::copy_file(good, damaged);
        {
            std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(static_cast<std::streamoff>(size / 2));
            const std::string junk(8192, '\x5a');
            f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
        }
        auto store = stepfn::sqlite_store::open(damaged);
        REQUIRE_FALSE(store);
        CHECK(store.error().name == "StoreCorrupted");
    }
    SECTION("the original still opens") {
        auto store = stepfn::sqlite_store::open(good);
        REQUIRE(store);
        CHECK((*store)->list_executions({})->executions.size() == 60);
    }
}

TEST_CASE("sqlite store: a store from a newer stepfn is refused, naming both versions", "[store][sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("future.db");
    fill(path, 1, 1);
    raw_sql(path, "PRAGMA user_version=7");
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE_FALSE(store);
    CHECK(store.error().name == "StoreVersionTooNew");
    CHECK_THAT(store.error().cause, Catch::Matchers::Contains("schema version 7"));
    CHECK_THAT(store.error().cause, Catch::Matchers::Contains("(" + std::to_string(stepfn::detail::sqlite_schema_version) + ")"));
}

TEST_CASE("sqlite store: one opener per file", "[store][sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("busy.db");

    SECTION("a second open in the same process") {
        auto first = stepfn::sqlite_store::open(path);
        REQUIRE(first);
        REQUIRE(commit_now(**first, created("held", 1)));
        auto second = stepfn::sqlite_store::open(path);
        REQUIRE_FALSE(second);
        CHECK(second.error().name == "StoreUnavailable");
        CHECK_THAT(second.error().cause, Catch::Matchers::Contains("the store " + path + " is in use by another process"));
        // The first is unharmed, and once it closes the file opens again.
        REQUIRE(commit_now(**first, step(execution_arn("held"), 2, 2, 1)));
        first->reset();
        auto third = stepfn::sqlite_store::open(path);
        REQUIRE(third);
        CHECK((*(*third)->find_execution(execution_arn("held")))->event_count == 2);
    }
    SECTION("another process") {
        // Forked before this process opens the store (so before its committer thread starts);
        // the child waits for the word, tries, and says how it went in its exit status.
        int to_child[2];
        REQUIRE(::pipe(to_child) == 0);
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            ::close(to_child[1]);
            char go = 0;
            if (::read(to_child[0], &go, 1) != 1) ::_exit(3);
            auto store = stepfn::sqlite_store::open(path);
            if (store) ::_exit(1);
            const bool clear = store.error().name == "StoreUnavailable" && store.error().cause.find("in use by another process") != std::string::npos;
            ::_exit(clear ? 0 : 2);
        }
        ::close(to_child[0]);
        auto first = stepfn::sqlite_store::open(path);
        REQUIRE(first);
        REQUIRE(commit_now(**first, created("mine", 1)));
        REQUIRE(::write(to_child[1], "g", 1) == 1);
        ::close(to_child[1]);
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        CHECK((*first)->find_execution(execution_arn("mine"))->has_value());
    }
}

TEST_CASE("sqlite store: a full file fails the commit whole and stays readable", "[store][sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("small.db");
    stepfn::sqlite_store_options options;
    options.max_file_bytes = 192 * 1024;
    auto store = stepfn::sqlite_store::open(path, options);
    REQUIRE(store);

    int written = 0;
    stepfn::result<void> last;
    for (int i = 0; i < 200; ++i) {
        auto cp = created("big" + std::to_string(i), i);
        cp.snapshot = std::string(16 * 1024, static_cast<char>('a' + i % 26));
        cp.tokens.push_back({"token-big" + std::to_string(i), true});
        last = commit_now(**store, cp);
        if (!last) break;
        ++written;
    }
    REQUIRE_FALSE(last);
    CHECK(written > 0);
    CHECK(last.error().name == "StoreFull");
    CHECK_THAT(last.error().cause, Catch::Matchers::Contains(path));
    // Nothing of the failed commit, everything before it.
    const std::string failed = "big" + std::to_string(written);
    CHECK_FALSE((*store)->find_execution(execution_arn(failed))->has_value());
    CHECK_FALSE((*store)->find_token("token-" + failed)->has_value());
    CHECK((*store)->list_executions({})->executions.size() == static_cast<std::size_t>(written));
    CHECK(*(*store)->snapshot(execution_arn("big0")) == std::string(16 * 1024, 'a'));
    // The file is whole: reopened with room to grow, it takes the next checkpoints.
    store->reset();
    auto again = stepfn::sqlite_store::open(path);
    REQUIRE(again);
    REQUIRE(commit_now(**again, step(execution_arn("big0"), 2, 2, 1)));
    CHECK((*again)->list_executions({})->executions.size() == static_cast<std::size_t>(written));
    CHECK((*(*again)->find_execution(execution_arn("big0")))->event_count == 2);
}
} // namespace sqlite_file_test
