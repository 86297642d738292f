// The resource store contract (include/stepfn/store/resource_store.hpp), run against memory_store
// and sqlite_store: they must answer alike. And the SQLite store keeps resources across opens,
// and gives a schema-1 file (before resources) the table on open.
#include "catch.hpp"

#include <sqlite3.h>

#include <set>
#include <string>
#include <vector>

#include "store/store_support.hpp"

namespace resource_contract_test {

using namespace store_test;

namespace {

void for_each_resource_store(const std::function<void(stepfn::resource_store&, const std::string& kind)>& body) {
    {
        stepfn::memory_store memory;
        body(memory, "memory");
    }
    {
        scratch_dir dir;
        REQUIRE(dir.ok());
        auto sqlite = stepfn::sqlite_store::open(dir.file("resources.db"));
        REQUIRE(sqlite);
        body(**sqlite, "sqlite");
    }
#ifdef STEPFN_WITH_POSTGRES
    if (postgres_url()) {
        scratch_schema schema;
        auto postgres = schema.open();
        REQUIRE(postgres);
        body(**postgres, "postgres");
    }
#endif
}

std::string activity_arn(const std::string& name) { return "arn:aws:states:us-east-1:123456789012:activity:" + name; }

stepfn::stored_resource machine(const std::string& name, const std::string& body = "{\"definition\":\"{}\"}") {
    return stepfn::stored_resource{machine_arn(name), "stateMachine", body, 0};
}

} // namespace

TEST_CASE("resource store: a record inserts once, reads back, updates by revision, deletes", "[store][resources]") {
    for_each_resource_store([](stepfn::resource_store& store, const std::string& kind) {
        INFO(kind);
        auto inserted = store.insert_resource(machine("orders", "{\"v\":1}"));
        REQUIRE(inserted);
        CHECK(*inserted);
        // The ARN is taken: nothing changes.
        auto again = store.insert_resource(machine("orders", "{\"v\":99}"));
        REQUIRE(again);
        CHECK_FALSE(*again);

        auto found = store.find_resource(machine_arn("orders"));
        REQUIRE(found);
        REQUIRE(found->has_value());
        CHECK((*found)->kind == "stateMachine");
        CHECK((*found)->body == "{\"v\":1}");
        CHECK((*found)->revision == 1);

        // Compare-and-set: an update made from revision 1 wins once; a second from 1 loses.
        stepfn::stored_resource changed = **found;
        changed.body = "{\"v\":2}";
        auto updated = store.update_resource(changed);
        REQUIRE(updated);
        CHECK(*updated);
        changed.body = "{\"v\":3}";
        auto stale = store.update_resource(changed);
        REQUIRE(stale);
        CHECK_FALSE(*stale);
        found = store.find_resource(machine_arn("orders"));
        REQUIRE(found);
        CHECK((*found)->body == "{\"v\":2}");
        CHECK((*found)->revision == 2);

        auto missing = store.update_resource(machine("nobody"));
        REQUIRE(missing);
        CHECK_FALSE(*missing);

        auto deleted = store.delete_resource(machine_arn("orders"));
        REQUIRE(deleted);
        CHECK(*deleted);
        auto deleted_again = store.delete_resource(machine_arn("orders"));
        REQUIRE(deleted_again);
        CHECK_FALSE(*deleted_again);
        found = store.find_resource(machine_arn("orders"));
        REQUIRE(found);
        CHECK_FALSE(found->has_value());
    });
}

TEST_CASE("resource store: listing is by kind and prefix, in creation order, a page at a time", "[store][resources]") {
    for_each_resource_store([](stepfn::resource_store& store, const std::string& kind) {
        INFO(kind);
        std::vector<std::string> names;
        for (int i = 0; i < 7; ++i) {
            // Names out of alphabetical order: the order is creation's, not the ARN's.
            names.push_back("m" + std::to_string((i * 5) % 7));
            REQUIRE(*store.insert_resource(machine(names.back())));
            REQUIRE(*store.insert_resource(stepfn::stored_resource{activity_arn("a" + std::to_string(i)), "activity", "{}", 0}));
        }
        std::vector<std::string> seen;
        std::string token;
        int pages = 0;
        do {
            auto page = store.list_resources("stateMachine", "", 3, token);
            REQUIRE(page);
            CHECK(page->resources.size() <= 3);
            for (const auto& r : page->resources) {
                CHECK(r.kind == "stateMachine");
                seen.push_back(r.arn.substr(r.arn.rfind(':') + 1));
            }
            token = page->next_token;
            REQUIRE(++pages <= 5);
        } while (!token.empty());
        CHECK(seen == names);
        CHECK(pages == 3);

        auto prefixed = store.list_resources("activity", activity_arn("a1"), 100, "");
        REQUIRE(prefixed);
        REQUIRE(prefixed->resources.size() == 1);
        CHECK(prefixed->resources[0].arn == activity_arn("a1"));
        CHECK(prefixed->next_token.empty());

        auto none = store.list_resources("stateMachineVersion", "", 10, "");
        REQUIRE(none);
        CHECK(none->resources.empty());

        auto forged = store.list_resources("stateMachine", "", 3, "not-a-token");
        REQUIRE_FALSE(forged);
        CHECK(forged.error().name == "InvalidToken");
    });
}

TEST_CASE("sqlite store: resources survive reopening, and a schema-1 store gets their table", "[store][resources][sqlite]") {
    scratch_dir dir;
    REQUIRE(dir.ok());
    const std::string path = dir.file("upgrade.db");
    {
        auto store = stepfn::sqlite_store::open(path);
        REQUIRE(store);
        REQUIRE(*(*store)->insert_resource(machine("kept", "{\"kept\":true}")));
    }
    {
        auto store = stepfn::sqlite_store::open(path);
        REQUIRE(store);
        auto found = (*store)->find_resource(machine_arn("kept"));
        REQUIRE(found);
        REQUIRE(found->has_value());
        CHECK((*found)->body == "{\"kept\":true}");
    }
    // Turn the file back into schema 1, as a store written before resources existed.
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        const int rc = sqlite3_exec(db, "DROP TABLE resources; PRAGMA user_version=1", nullptr, nullptr, nullptr);
        sqlite3_close(db);
        REQUIRE(rc == SQLITE_OK);
    }
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    REQUIRE(*(*store)->insert_resource(machine("after-upgrade")));
    auto page = (*store)->list_resources("stateMachine", "", 10, "");
    REQUIRE(page);
    REQUIRE(page->resources.size() == 1);
    CHECK(page->resources[0].arn == machine_arn("after-upgrade"));
}
} // namespace resource_contract_test
