// Sharing executions between workers on one PostgreSQL store: two store objects (two
// connections each) act as two worker processes. Claims with SKIP LOCKED, leases that expire
// and are taken over, fencing tokens the database checks, durable timers, and messages that
// reach an execution wherever it runs. Leases expire on the database's clock: the tests wait
// for that in bounded loops, never for a fixed time.
#include "catch.hpp"

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/store_support.hpp"

namespace postgres_lease_test {

using namespace store_test;

namespace {

bool have_postgres() {
    if (postgres_url()) return true;
    FAIL("STEPFN_TEST_POSTGRES is not set: start a PostgreSQL with eval \"$(tools/ci/postgres.sh start)\"");
    return false;
}

stepfn::postgres_store_options worker(const std::string& name, std::chrono::milliseconds lease = std::chrono::milliseconds(30000)) {
    stepfn::postgres_store_options o;
    o.worker = name;
    o.lease_duration = lease;
    return o;
}

// Claims until `arn` is among the claims (at most ~20 s): for leases and timers to expire.
std::optional<stepfn::execution_claim> claim_eventually(stepfn::postgres_store& store, const std::string& arn) {
    for (int i = 0; i < 400; ++i) {
        auto claims = store.claim(10);
        if (claims)
            for (auto& c : *claims)
                if (c.arn == arn) return c;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
}

} // namespace

TEST_CASE("postgres leases: a `start` makes an execution runnable; one worker claims it, the other gets nothing", "[store][postgres][leases]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    auto starter = schema.open();  // no worker name: like `stepfn start`
    REQUIRE(starter);
    REQUIRE(commit_now(**starter, created("job", 1)));
    auto a = schema.open(worker("a"));
    auto b = schema.open(worker("b"));
    REQUIRE(a);
    REQUIRE(b);

    auto first = (*a)->claim(10);
    REQUIRE(first);
    REQUIRE(first->size() == 1);
    CHECK((*first)[0].arn == execution_arn("job"));
    CHECK((*first)[0].generation == 1);
    CHECK_FALSE((*first)[0].has_messages);
    auto second = (*b)->claim(10);
    REQUIRE(second);
    CHECK(second->empty());
    // Its owner writes under its lease.
    CHECK(commit_now(**a, step(execution_arn("job"), 2, 2, 1)));
    CHECK((*a)->held().at(execution_arn("job")) == 1);
    // A store without a worker name cannot claim.
    auto none = (*starter)->claim(1);
    REQUIRE_FALSE(none);
    CHECK(none.error().name == "InvalidCall");
}

TEST_CASE("postgres leases: claims at once from two workers never share an execution (SKIP LOCKED)", "[store][postgres][leases][concurrency]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    auto starter = schema.open();
    REQUIRE(starter);
    constexpr int executions = 60;
    for (int i = 0; i < executions; ++i) (*starter)->commit(created("e" + std::to_string(i), i), nullptr);
    REQUIRE((*starter)->flush());
    auto a = schema.open(worker("a"));
    auto b = schema.open(worker("b"));
    REQUIRE(a);
    REQUIRE(b);
    std::vector<stepfn::execution_claim> got_a, got_b;
    auto drain = [](stepfn::postgres_store& s, std::vector<stepfn::execution_claim>& out) {
        for (int round = 0; round < 100; ++round) {
            auto c = s.claim(3);
            if (!c || c->empty()) break;
            out.insert(out.end(), c->begin(), c->end());
        }
    };
    std::thread ta([&] { drain(**a, got_a); });
    std::thread tb([&] { drain(**b, got_b); });
    ta.join();
    tb.join();
    std::set<std::string> seen;
    for (auto& c : got_a) seen.insert(c.arn);
    for (auto& c : got_b) CHECK(seen.insert(c.arn).second);  // never claimed by both
    CHECK(seen.size() == executions);
    INFO("worker a claimed " << got_a.size() << ", worker b " << got_b.size());
    CHECK(got_a.size() + got_b.size() == executions);
}

TEST_CASE("postgres leases: an expired lease is taken over, and the old owner's writes are refused (fencing)", "[store][postgres][leases]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    // Worker a creates the execution, so owns it under generation 1, with a short lease.
    auto a = schema.open(worker("a", std::chrono::milliseconds(300)));
    auto b = schema.open(worker("b"));
    REQUIRE(a);
    REQUIRE(b);
    const std::string arn = execution_arn("paused");
    REQUIRE(commit_now(**a, created("paused", 1)));
    REQUIRE(commit_now(**a, step(arn, 2, 2, 2)));
    CHECK((*a)->held().at(arn) == 1);

    // While a's lease is live, b cannot have it; once it expires (a "paused"), b claims it.
    auto early = (*b)->claim(10);
    REQUIRE(early);
    if (!early->empty()) CHECK((*early)[0].generation == 2);  // only if a's 300 ms had already passed
    auto taken = early->empty() ? claim_eventually(**b, arn) : std::optional<stepfn::execution_claim>((*early)[0]);
    REQUIRE(taken);
    CHECK(taken->generation == 2);

    // a wakes up and writes as if nothing happened: refused, and counted.
    auto stale = commit_now(**a, step(arn, 3, 4, 1));
    REQUIRE_FALSE(stale);
    CHECK(stale.error().name == "StaleLease");
    CHECK(stale.error().cause.find("lease 1") != std::string::npos);
    CHECK(stale.error().cause.find("lease 2") != std::string::npos);
    CHECK((*a)->stale_writes_refused() == 1);
    CHECK((*a)->held().count(arn) == 0);  // a knows it lost the execution

    // The new owner goes on from where the store is; nothing of a's refused write is there.
    CHECK(commit_now(**b, step(arn, 3, 4, 1)));
    auto row = (*b)->find_execution(arn);
    REQUIRE(row);
    CHECK((*row)->event_count == 4);
    CHECK((*row)->sequence == 3);
    auto history = (*b)->history(arn, {});
    REQUIRE(history);
    CHECK(history->events.size() == 4);
    CHECK((*b)->stale_writes_refused() == 0);
}

TEST_CASE("postgres leases: renewing keeps a lease; a lease lost meanwhile is reported", "[store][postgres][leases]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    auto a = schema.open(worker("a"));
    auto b = schema.open(worker("b"));
    REQUIRE(a);
    REQUIRE(b);
    const std::string kept = execution_arn("kept"), lost = execution_arn("lost");
    REQUIRE(commit_now(**a, created("kept", 1)));
    REQUIRE(commit_now(**a, created("lost", 2)));
    auto renewed = (*a)->renew_leases();
    REQUIRE(renewed);
    CHECK(renewed->empty());
    // a stalls on "lost" only: its lease runs out (set here rather than waited for), b takes it.
    REQUIRE(schema.sql("UPDATE executions SET lease_expires_ns = 0 WHERE arn = '" + lost + "'") == "");
    auto claims = (*b)->claim(10);
    REQUIRE(claims);
    REQUIRE(claims->size() == 1);
    CHECK((*claims)[0].arn == lost);
    auto report = (*a)->renew_leases();
    REQUIRE(report);
    REQUIRE(report->size() == 1);
    CHECK((*report)[0] == lost);
    CHECK((*a)->held().count(kept) == 1);
    CHECK((*a)->held().count(lost) == 0);
    CHECK(commit_now(**a, step(kept, 2, 2, 1)));
}

TEST_CASE("postgres leases: a released execution is a durable timer, claimed by any worker once due", "[store][postgres][leases]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    auto a = schema.open(worker("a"));
    auto b = schema.open(worker("b"));
    REQUIRE(a);
    REQUIRE(b);
    const std::string arn = execution_arn("waits");
    REQUIRE(commit_now(**a, created("waits", 1)));
    // A Wait state: its owner hands it back until the wait is over (here 1.5 s from now).
    const auto due = std::chrono::system_clock::now() + std::chrono::milliseconds(1500);
    auto released = (*a)->release(arn, due);
    REQUIRE(released);
    CHECK(*released);
    CHECK((*a)->held().empty());
    CHECK(schema.value("SELECT wake_ns FROM executions") == std::to_string(stepfn::detail::to_store_ns(due)));
    // Not before it is due.
    auto early = (*b)->claim(10);
    REQUIRE(early);
    if (!early->empty()) CHECK(std::chrono::system_clock::now() >= due);
    auto taken = early->empty() ? claim_eventually(**b, arn) : std::optional<stepfn::execution_claim>((*early)[0]);
    REQUIRE(taken);
    CHECK(std::chrono::system_clock::now() >= due - std::chrono::milliseconds(100));  // the DB clock may lead a little
    CHECK(taken->generation == 2);
    CHECK(commit_now(**b, step(arn, 2, 2, 1)));
}

TEST_CASE("postgres leases: a message reaches an execution wherever it is, exactly once", "[store][postgres][leases]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    auto sender = schema.open();  // the API server, or any other process
    auto a = schema.open(worker("a"));
    auto b = schema.open(worker("b"));
    REQUIRE(sender);
    REQUIRE(a);
    REQUIRE(b);
    const std::string arn = execution_arn("callback");
    REQUIRE(commit_now(**a, created("callback", 1)));

    SECTION("to a held execution: its owner takes it; nobody else can") {
        REQUIRE((*sender)->send(arn, "task_success", "{\"token\":\"t1\",\"output\":\"{}\"}"));
        auto none = (*b)->claim(10);
        REQUIRE(none);
        CHECK(none->empty());  // still a's
        auto not_b = (*b)->take_messages(arn);
        REQUIRE_FALSE(not_b);
        CHECK(not_b.error().name == "StaleLease");
        auto messages = (*a)->take_messages(arn);
        REQUIRE(messages);
        REQUIRE(messages->size() == 1);
        CHECK((*messages)[0].kind == "task_success");
        CHECK((*messages)[0].body == "{\"token\":\"t1\",\"output\":\"{}\"}");
        auto again = (*a)->take_messages(arn);
        REQUIRE(again);
        CHECK(again->empty());
    }
    SECTION("to a released execution waiting for it: it becomes runnable, for any worker") {
        REQUIRE((*a)->release(arn, std::nullopt));
        auto idle = (*b)->claim(10);
        REQUIRE(idle);
        CHECK(idle->empty());  // waiting for a message, no timer
        REQUIRE((*sender)->send(arn, "task_failure", "{\"error\":\"E\"}"));
        REQUIRE((*sender)->send(arn, "stop", "{}"));
        auto claimed = (*b)->claim(10);
        REQUIRE(claimed);
        REQUIRE(claimed->size() == 1);
        CHECK((*claimed)[0].has_messages);
        auto messages = (*b)->take_messages(arn);
        REQUIRE(messages);
        REQUIRE(messages->size() == 2);
        CHECK((*messages)[0].kind == "task_failure");  // in the order sent
        CHECK((*messages)[1].kind == "stop");
    }
    SECTION("sent while its owner releases it: not left waiting") {
        REQUIRE((*sender)->send(arn, "task_success", "{}"));
        REQUIRE((*a)->release(arn, std::nullopt));  // the mail makes it runnable at once
        auto claimed = (*b)->claim(10);
        REQUIRE(claimed);
        REQUIRE(claimed->size() == 1);
        auto messages = (*b)->take_messages(arn);
        REQUIRE(messages);
        CHECK(messages->size() == 1);
    }
    SECTION("to nobody") {
        auto nobody = (*sender)->send(execution_arn("nobody"), "stop", "{}");
        REQUIRE_FALSE(nobody);
        CHECK(nobody.error().name == "ExecutionDoesNotExist");
    }
}

TEST_CASE("postgres leases: a clean stop hands every lease back, runnable at once", "[store][postgres][leases]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    auto a = schema.open(worker("a"));
    auto b = schema.open(worker("b"));
    REQUIRE(a);
    REQUIRE(b);
    for (int i = 0; i < 3; ++i) REQUIRE(commit_now(**a, created("h" + std::to_string(i), i)));
    auto none = (*b)->claim(10);
    REQUIRE(none);
    CHECK(none->empty());
    auto handed = (*a)->release_all();
    REQUIRE(handed);
    CHECK(*handed == 3);
    CHECK((*a)->held().empty());
    auto claimed = (*b)->claim(10);
    REQUIRE(claimed);
    CHECK(claimed->size() == 3);
    for (auto& c : *claimed) CHECK(c.generation == 2);
}

TEST_CASE("postgres leases: an ended execution is nobody's and never claimed", "[store][postgres][leases]") {
    if (!have_postgres()) return;
    scratch_schema schema;
    auto a = schema.open(worker("a", std::chrono::milliseconds(200)));
    auto b = schema.open(worker("b"));
    REQUIRE(a);
    REQUIRE(b);
    const std::string arn = execution_arn("done");
    REQUIRE(commit_now(**a, created("done", 1)));
    auto end = step(arn, 2, 2, 1);
    stepfn::execution_change change;
    change.status = stepfn::execution_status::succeeded;
    change.output = "{}";
    change.date = at_ms(9);
    end.ended = change;
    REQUIRE(commit_now(**a, end));
    CHECK(schema.value("SELECT coalesce(owner, 'nobody') FROM executions") == "nobody");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past a's lease, which no longer matters
    auto claims = (*b)->claim(10);
    REQUIRE(claims);
    CHECK(claims->empty());
    auto stop = (*b)->send(arn, "stop", "{}");
    REQUIRE_FALSE(stop);
}
} // namespace postgres_lease_test
