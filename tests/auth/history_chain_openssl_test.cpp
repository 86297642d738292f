// Tamper-evident histories: a durable engine on a real SQLite store file signs each execution's
// history (history_signer); verify_history finds it intact, and then finds every tampering done
// to copies of the file with SQLite itself: an event changed, removed, inserted or reordered, a
// digest's signature corrupted or the final digest removed, another signer's key.

#include "catch.hpp"

#include <atomic>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
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
    options.store = (*signer)->store();
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
    (*signer)->flush();
    CHECK((*signer)->failures() == 0);
    return run->arn();
}

// The store's commit callbacks held until the test releases them, one at a time: what has been
// released is what is committed (the engine and the signer hear of nothing else).
class gated_store final : public stepfn::execution_store {
public:
    explicit gated_store(std::shared_ptr<stepfn::sqlite_store> inner) : inner_(std::move(inner)) {}

    void commit(stepfn::execution_checkpoint cp, std::function<void(stepfn::result<void>)> done) override {
        const std::string arn = cp.execution_arn;
        const std::int64_t last = cp.events.empty() ? 0 : cp.events.back().id;
        inner_->commit(std::move(cp), [this, arn, last, done = std::move(done)](stepfn::result<void> r) mutable {
            std::lock_guard<std::mutex> lock(mutex_);
            held_.push_back([this, arn, last, r = std::move(r), done = std::move(done)]() mutable {
                {
                    std::lock_guard<std::mutex> inner_lock(mutex_);
                    if (r && last > committed_[arn]) committed_[arn] = last;
                }
                done(std::move(r));
            });
        });
    }
    // Releases the oldest held callback; false when none is held.
    bool release_one() {
        std::function<void()> next;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (held_.empty()) return false;
            next = std::move(held_.front());
            held_.pop_front();
        }
        next();
        return true;
    }
    std::int64_t committed(const std::string& arn) {
        std::lock_guard<std::mutex> lock(mutex_);
        return committed_[arn];
    }
    stepfn::result<void> flush() override { return inner_->flush(); }
    stepfn::result<std::optional<stepfn::stored_execution>> find_execution(std::string_view arn) override { return inner_->find_execution(arn); }
    stepfn::result<std::optional<stepfn::machine_version>> find_machine_version(std::string_view id) override {
        return inner_->find_machine_version(id);
    }
    stepfn::result<std::string> snapshot(std::string_view arn) override { return inner_->snapshot(arn); }
    stepfn::result<stepfn::execution_page> list_executions(const stepfn::execution_filter& f) override { return inner_->list_executions(f); }
    stepfn::result<stepfn::history_page> history(std::string_view arn, const stepfn::history_request& r) override {
        return inner_->history(arn, r);
    }
    stepfn::result<std::vector<std::string>> unfinished_executions() override { return inner_->unfinished_executions(); }
    stepfn::result<std::optional<std::string>> find_token(std::string_view token) override { return inner_->find_token(token); }

private:
    std::shared_ptr<stepfn::sqlite_store> inner_;
    std::mutex mutex_;
    std::deque<std::function<void()>> held_;
    std::map<std::string, std::int64_t> committed_;
};

// The digests' store: checks each digest against what was committed when it is written, and
// after `alive_for` digests stops storing any (the process that signs died).
class watched_digests final : public stepfn::resource_store {
public:
    watched_digests(std::shared_ptr<stepfn::sqlite_store> inner, gated_store& gate, std::size_t alive_for)
        : inner_(std::move(inner)), gate_(gate), alive_for_(alive_for) {}

    stepfn::result<bool> insert_resource(const stepfn::stored_resource& r) override {
        if (r.kind == stepfn::history_digest_kind) {
            auto d = stepfn::history_digest::from_json(json::parse(r.body));
            if (!d || d->last_event_id > gate_.committed(d->execution_arn)) ++uncommitted_signed;
            if (digests_stored == alive_for_) return stepfn::make_error("StoreUnavailable", "the signing process is gone");
            ++digests_stored;
        }
        return inner_->insert_resource(r);
    }
    stepfn::result<bool> update_resource(const stepfn::stored_resource& r) override { return inner_->update_resource(r); }
    stepfn::result<bool> delete_resource(std::string_view arn) override { return inner_->delete_resource(arn); }
    stepfn::result<std::optional<stepfn::stored_resource>> find_resource(std::string_view arn) override { return inner_->find_resource(arn); }
    stepfn::result<stepfn::resource_page> list_resources(std::string_view kind, std::string_view prefix, std::size_t max,
                                                          std::string_view token) override {
        return inner_->list_resources(kind, prefix, max, token);
    }

    std::atomic<int> uncommitted_signed{0};
    std::atomic<std::size_t> digests_stored{0};

private:
    std::shared_ptr<stepfn::sqlite_store> inner_;
    gated_store& gate_;
    std::size_t alive_for_;
};

// Runs the six-state machine on `path` with commits gated and digests watched.
struct gated_run {
    std::string arn;
    int uncommitted_signed = 0;
    std::size_t digests = 0;
    std::size_t failures = 0;
};

gated_run run_gated(const std::string& path, const host_key& key, std::size_t alive_for) {
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    auto gate = std::make_shared<gated_store>(*store);
    auto digests = std::make_shared<watched_digests>(*store, *gate, alive_for);
    auto signer = stepfn::history_signer::create(gate, digests, key.private_pem(), 2);
    REQUIRE(signer);
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.store = (*signer)->store();
    gated_run out;
    {
        stepfn::manual_engine engine(executor, clock, options);
        auto machine = stepfn::load_machine_json(json::parse(R"({"StartAt":"A","States":{
            "A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Result":{"x":1},"Next":"W"},
            "W":{"Type":"Wait","Seconds":5,"Next":"C"},"C":{"Type":"Pass","Next":"D"},
            "D":{"Type":"Pass","Next":"E"},"E":{"Type":"Succeed"}}})"));
        REQUIRE(machine);
        stepfn::start_options start;
        start.name = "gated";
        auto run = engine.start(*machine, json{{"order", 42}}, start);
        REQUIRE(run);
        // Each commit is released only after the signer has had every chance to sign ahead of it.
        for (int i = 0; i < 10000 && run->status() == stepfn::execution_status::running; ++i) {
            if (executor.run() > 0) continue;
            (*signer)->flush();  // no flush of the gate's held callbacks: flush() waits for the inner store only
            if (gate->release_one()) continue;
            if (!clock.advance_to_next()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        REQUIRE(run->status() == stepfn::execution_status::succeeded);
        while (gate->release_one()) {
        }
        out.arn = run->arn();
    }
    while (gate->release_one()) {
    }
    (*signer)->flush();
    out.uncommitted_signed = digests->uncommitted_signed.load();
    out.digests = digests->digests_stored.load();
    out.failures = (*signer)->failures();
    return out;
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
    SECTION("the final digest removed: an unsigned tail, as a stop before the last digest leaves") {
        auto copy = tampered("DELETE FROM resources WHERE kind = 'historyDigest' AND json_extract(body, '$.final')");
        auto v = verify(copy, arn, key.public_pem());
        CHECK(v.intact);
        CHECK_FALSE(v.complete);
        CHECK(v.unsigned_events > 0);
        CHECK(v.signed_events + v.unsigned_events == v.events);
        CHECK(intact.complete);
        CHECK(intact.unsigned_events == 0);
    }
    SECTION("an event added after the final digest") {
        auto copy = tampered("UPDATE executions SET event_count = event_count + 1; "
                             "UPDATE events SET body = json_insert(body, '$[#]', json_array(last_id + 1, last_id, 'PassStateEntered', "
                             "json_extract(body, '$[0][3]'), json('{}'))), last_id = last_id + 1 WHERE last_id = (SELECT max(last_id) FROM events)");
        auto v = verify(copy, arn, key.public_pem());
        CHECK_FALSE(v.intact);
        CHECK(v.problem.find("was added after the history was signed as complete") != std::string::npos);
    }
    SECTION("signed by another key than the host's") {
        host_key other;
        auto v = verify(original, arn, other.public_pem());
        CHECK_FALSE(v.intact);
        CHECK(v.problem == "the digest of events 1-4 was signed with another key");
    }
    fs::remove_all(dir);
}
TEST_CASE("only committed events are signed; a signer stopped before its digest leaves an unsigned tail that verifies", "[auth][history]") {
    const fs::path dir = fs::temp_directory_path() / ("stepfn-chain-gated-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    host_key key;

    // Every digest is written after the events it covers were committed, never before.
    const std::string whole = (dir / "whole.sqlite").string();
    auto complete = run_gated(whole, key, 1000);
    CHECK(complete.uncommitted_signed == 0);
    CHECK(complete.failures == 0);
    CHECK(complete.digests >= 6);
    auto v = verify(whole, complete.arn, key.public_pem());
    CHECK(v.intact);
    CHECK(v.complete);
    CHECK(v.unsigned_events == 0);

    // The signing process dies after two digests: the events after them are committed but not
    // signed; verify accepts the history and says how much of it is signed.
    const std::string cut = (dir / "cut.sqlite").string();
    auto stopped = run_gated(cut, key, 2);
    CHECK(stopped.uncommitted_signed == 0);
    CHECK(stopped.failures > 0);
    auto tail = verify(cut, stopped.arn, key.public_pem());
    CHECK(tail.intact);
    CHECK(tail.problem.empty());
    CHECK(tail.signed_events == 4);
    CHECK(tail.unsigned_events == tail.events - 4);
    CHECK_FALSE(tail.complete);
    CHECK(tail.digests == 2);

    // The signed part is still guarded: an edit there is named.
    exec(cut, "UPDATE events SET body = replace(body, '\"order\\\":42', '\"order\\\":43') WHERE first_id = 1");
    auto edited = verify(cut, stopped.arn, key.public_pem());
    CHECK_FALSE(edited.intact);
    CHECK(edited.problem == "event 1 (ExecutionStarted) was changed: it does not match the signed history");
    fs::remove_all(dir);
}
} // namespace history_chain_openssl_test
