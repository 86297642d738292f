// Tamper-evident histories: a durable engine on a real SQLite store file signs each execution's
// history (history_signer); verify_history finds it intact, and then finds every tampering done
// to copies of the file with SQLite itself: an event changed, removed, inserted or reordered, a
// digest's signature corrupted or the final digest removed, another signer's key.

#include "catch.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <sqlite3.h>

#include "auth/jwt_support.hpp"

#include <stepfn/integrations/history_chain.hpp>
#include <stepfn/integrations/history_signer.hpp>
#include <stepfn/integrations/sqlite_store.hpp>
#include <stepfn/stepfn.hpp>

namespace history_chain_openssl_test {

namespace fs = std::filesystem;
using stepfn::json;

namespace {

std::string pem_of(EVP_PKEY* key, bool private_key) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (private_key) PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    else PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return out;
}

struct host_key {
    std::shared_ptr<EVP_PKEY> key{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free};
    std::string private_pem() const { return pem_of(key.get(), true); }
    std::string public_pem() const { return pem_of(key.get(), false); }
};

// Runs a six-state machine to its end on a store at `path`, signing every 4 events.
std::string run_signed(const std::string& path, const host_key& key) {
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    auto signer = stepfn::history_signer::create(*store, *store, key.private_pem(), 4);
    REQUIRE(signer);
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.store = *store;
    options.history = *signer;
    stepfn::manual_engine engine(executor, clock, options);
    auto machine = stepfn::load_machine_json(json::parse(R"({"StartAt":"A","States":{
        "A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Result":{"x":1},"Next":"W"},
        "W":{"Type":"Wait","Seconds":5,"Next":"C"},"C":{"Type":"Pass","Next":"D"},
        "D":{"Type":"Pass","Next":"E"},"E":{"Type":"Succeed"}}})"));
    REQUIRE(machine);
    stepfn::start_options start;
    start.name = "audited";
    auto run = engine.start(*machine, json{{"order", 42}}, start);
    REQUIRE(run);
    // The store commits on its own thread: when nothing is runnable and no timer is due, wait a
    // little for its answers (bounded: 10 s).
    for (int i = 0; i < 10000 && run->status() == stepfn::execution_status::running; ++i)
        if (executor.run() == 0 && !clock.advance_to_next()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(run->status() == stepfn::execution_status::succeeded);
    REQUIRE((*store)->flush());
    CHECK((*signer)->failures() == 0);
    return run->arn();
}

stepfn::history_verification verify(const std::string& path, const std::string& arn, const std::string& pem = "") {
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    auto checked = stepfn::verify_history(**store, **store, arn, pem);
    REQUIRE(checked);
    return *checked;
}

void exec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) FAIL(std::string(message ? message : "?") + " in " + sql);
    sqlite3_close(db);
}

} // namespace

TEST_CASE("a signed history verifies, and every tampering with the store file is named", "[auth][history]") {
    const fs::path dir = fs::temp_directory_path() / ("stepfn-chain-" + std::to_string(::getpid()));
    fs::remove_all(dir);  // Catch runs the case once per section: each run signs afresh
    fs::create_directories(dir);
    const std::string original = (dir / "signed.sqlite").string();
    host_key key;
    const std::string arn = run_signed(original, key);

    auto intact = verify(original, arn, key.public_pem());
    CHECK(intact.intact);
    CHECK(intact.problem.empty());
    CHECK(intact.events >= 12);
    CHECK(intact.signed_events == intact.events);
    CHECK(intact.digests == static_cast<std::size_t>((intact.events + 3) / 4));
    CHECK(verify(original, arn).intact);  // unpinned: the recorded key

    int copies = 0;
    auto tampered = [&](const std::string& sql) {
        const std::string copy = (dir / ("t" + std::to_string(++copies) + ".sqlite")).string();
        fs::copy_file(original, copy, fs::copy_options::overwrite_existing);
        exec(copy, sql);
        return copy;
    };
    // The events rows hold [[id, previous, type, ns, details], ...] per checkpoint.
    const std::string row_of_3 = "(SELECT rowid FROM events WHERE first_id <= 3 AND last_id >= 3)";

    SECTION("an event's details changed") {
        auto copy = tampered("UPDATE events SET body = replace(body, '\"order\\\":42', '\"order\\\":43') WHERE first_id = 1");
        auto v = verify(copy, arn, key.public_pem());
        CHECK_FALSE(v.intact);
        REQUIRE(v.first_bad_event);
        CHECK(*v.first_bad_event == 1);
        CHECK(v.problem == "event 1 (ExecutionStarted) was changed: it does not match the signed history");
    }
    SECTION("an event removed") {
        auto copy = tampered("UPDATE events SET body = json_remove(body, '$[' || (3 - first_id) || ']') WHERE rowid = " + row_of_3);
        auto v = verify(copy, arn, key.public_pem());
        CHECK_FALSE(v.intact);
        CHECK(v.problem == "event 3 is missing");
    }
    SECTION("an event inserted") {
        // A copy of event 3 added to the checkpoint row that holds it.
        auto copy = tampered("UPDATE events SET body = json_insert(body, '$[#]', json_extract(body, '$[' || (3 - first_id) || ']')) WHERE rowid = " +
                             row_of_3);
        auto v = verify(copy, arn, key.public_pem());
        CHECK_FALSE(v.intact);
        REQUIRE(v.first_bad_event);
        CHECK(v.problem.find("an event with id 3 was inserted or moved there") != std::string::npos);
    }
    SECTION("two events reordered, ids and all") {
        auto copy = tampered(
            "UPDATE events SET body = json_set(json_set(body, '$[0]', json_extract(body, '$[1]')), '$[1]', json_extract(body, '$[0]')) "
            "WHERE rowid = (SELECT rowid FROM events WHERE last_id - first_id >= 1 ORDER BY first_id LIMIT 1)");
        auto v = verify(copy, arn, key.public_pem());
        CHECK_FALSE(v.intact);
        CHECK(v.problem.find("is missing") != std::string::npos);
    }
    SECTION("a digest's signature corrupted") {
        auto copy = tampered("UPDATE resources SET body = json_set(body, '$.signature', 'AAAA' || substr(json_extract(body, '$.signature'), 5)) "
                             "WHERE kind = 'historyDigest' AND arn LIKE '%/digest/000000000008'");
        auto v = verify(copy, arn, key.public_pem());
        CHECK_FALSE(v.intact);
        CHECK(v.problem == "the digest of events 5-8 has a signature that does not verify");
    }
    SECTION("an event changed and its digest's hashes recomputed without the key") {
        // Whoever rewrites the hashes cannot re-sign: the signature no longer verifies.
        auto copy = tampered("UPDATE resources SET body = json_set(body, '$.eventHashes[0]', '00') WHERE kind = 'historyDigest' "
                             "AND arn LIKE '%/digest/000000000004'");
        auto v = verify(copy, arn, key.public_pem());
        CHECK_FALSE(v.intact);
        CHECK(v.problem == "the digest of events 1-4 has a signature that does not verify");
    }
    SECTION("the final digest removed") {
        auto copy = tampered("DELETE FROM resources WHERE kind = 'historyDigest' AND json_extract(body, '$.final')");
        auto v = verify(copy, arn, key.public_pem());
        CHECK_FALSE(v.intact);
        CHECK(v.problem.find("the execution ended but its history has no final signature") == 0);
    }
    SECTION("signed by another key than the host's") {
        host_key other;
        auto v = verify(original, arn, other.public_pem());
        CHECK_FALSE(v.intact);
        CHECK(v.problem == "the digest of events 1-4 was signed with another key");
    }
    fs::remove_all(dir);
}
} // namespace history_chain_openssl_test
