// Group commit: checkpoints queued from many threads share transactions, every `done` is
// answered once, a batch's bad checkpoint does not take the good ones down, and a store that
// goes away first writes what it was given.
#include "catch.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store_support.hpp"

namespace sqlite_commit_test {

using namespace store_test;

namespace {

// Each thread owns `executions` executions and commits `per_execution` checkpoints to each
// without waiting for any `done`: created, then steps of two events.
struct load_result {
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::mutex mutex;
    std::vector<std::string> errors;
};

void commit_load(stepfn::execution_store& store, int threads, int executions, int per_execution, load_result& out) {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int e = 0; e < executions; ++e) {
                const std::string name = "t" + std::to_string(t) + "-e" + std::to_string(e);
                for (int c = 1; c <= per_execution; ++c) {
                    auto cp = c == 1 ? created(name, t * 1000 + e) : step(execution_arn(name), static_cast<std::uint64_t>(c), 2 * c - 2, 2, "{\"c\":" + std::to_string(c) + "}");
                    store.commit(std::move(cp), [&out](stepfn::result<void> r) {
                        if (r) {
                            ++out.ok;
                        } else {
                            ++out.failed;
                            std::lock_guard<std::mutex> lock(out.mutex);
                            out.errors.push_back(r.error().cause);
                        }
                    });
                }
            }
        });
    }
    for (auto& th : pool) th.join();
}

} // namespace

TEST_CASE("sqlite store: 1,000 checkpoints from 8 threads share a few transactions", "[store][sqlite][concurrency]") {
    scratch_dir dir;
    stepfn::sqlite_store_options options;
    // A window far longer than it takes to queue everything: batches close on max_batch alone.
    options.commit_window = std::chrono::seconds(30);
    options.max_batch = 100;
    options.synchronous_full = false;
    auto store = stepfn::sqlite_store::open(dir.file("group.db"), options);
    REQUIRE(store);

    load_result result;
    // Readers at the same time: every read sees whole checkpoints.
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0};
    std::thread reader([&] {
        while (!stop) {
            auto page = (*store)->list_executions({});
            if (page) {
                for (const auto& e : page->executions) {
                    // event_count is always odd: 1 + 2 per later checkpoint.
                    if (e.event_count % 2 != 1) ++result.failed;
                }
            }
            ++reads;
            std::this_thread::yield();
        }
    });
    commit_load(**store, 8, 25, 5, result);  // 8 x 25 x 5 = 1,000 checkpoints
    REQUIRE((*store)->flush());
    stop = true;
    reader.join();

    CHECK(result.ok == 1000);
    CHECK(result.failed == 0);
    CHECK((*store)->transactions() == 10);
    stepfn::execution_filter everything;
    everything.max_results = 1000;
    auto all = (*store)->list_executions(everything);
    REQUIRE(all);
    REQUIRE(all->executions.size() == 200);
    for (const auto& e : all->executions) CHECK(e.event_count == 9);
    CHECK(reads > 0);
}

TEST_CASE("sqlite store: without a window every checkpoint is its own transaction", "[store][sqlite]") {
    scratch_dir dir;
    stepfn::sqlite_store_options options;
    options.commit_window = std::chrono::microseconds(0);
    options.max_batch = 1;
    options.synchronous_full = false;
    auto store = stepfn::sqlite_store::open(dir.file("single.db"), options);
    REQUIRE(store);
    load_result result;
    commit_load(**store, 2, 5, 4, result);
    REQUIRE((*store)->flush());
    CHECK(result.ok == 40);
    CHECK((*store)->transactions() == 40);
}

TEST_CASE("sqlite store: a refused checkpoint in a batch leaves the others written", "[store][sqlite]") {
    scratch_dir dir;
    stepfn::sqlite_store_options options;
    options.commit_window = std::chrono::seconds(30);
    options.max_batch = 4;
    auto store = stepfn::sqlite_store::open(dir.file("mixed.db"), options);
    REQUIRE(store);
    std::vector<stepfn::result<void>> outcomes(4);
    std::atomic<int> answered{0};
    auto remember = [&](std::size_t i) {
        return [&, i](stepfn::result<void> r) {
            outcomes[i] = std::move(r);
            ++answered;
        };
    };
    // One batch of four: a create, a good step of it (sees the create, same transaction), a
    // step that skips a sequence, another create.
    (*store)->commit(created("a", 1), remember(0));
    (*store)->commit(step(execution_arn("a"), 2, 2, 2), remember(1));
    (*store)->commit(step(execution_arn("a"), 4, 4, 1), remember(2));
    (*store)->commit(created("b", 2), remember(3));
    REQUIRE((*store)->flush());
    REQUIRE(answered == 4);
    CHECK((*store)->transactions() == 1);
    CHECK(outcomes[0]);
    CHECK(outcomes[1]);
    REQUIRE_FALSE(outcomes[2]);
    CHECK(outcomes[2].error().name == "InvalidCheckpoint");
    CHECK(outcomes[3]);
    CHECK((*(*store)->find_execution(execution_arn("a")))->event_count == 3);
    CHECK((*store)->find_execution(execution_arn("b"))->has_value());
}

// A batch is written without a savepoint per checkpoint, since every check precedes every
// write. A write that fails after its checks passed (here a snapshot over a lowered length limit,
// which no check foresees) must still leave nothing of its checkpoint and keep the others: the
// writer rolls the transaction back and writes the batch again with savepoints.
TEST_CASE("sqlite store: a write that fails after its checks keeps the batch's other checkpoints", "[store][sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("fallback.db");
    {
        auto db = stepfn::detail::open_sqlite_store(path, stepfn::detail::sqlite_open_settings{});
        REQUIRE(db);
        sqlite3_limit(db->get(), SQLITE_LIMIT_LENGTH, 2000);
        stepfn::detail::sqlite_writer writer;
        REQUIRE(writer.prepare(*db));

        std::vector<stepfn::execution_checkpoint> cps;
        cps.push_back(created("a", 1));
        cps.push_back(created("b", 2));
        cps.push_back(step(execution_arn("b"), 2, 2, 2, std::string(5000, 'x')));  // its snapshot is too long
        cps.push_back(step(execution_arn("a"), 2, 2, 2, "{\"at\":\"B\"}"));
        cps.push_back(created("c", 3));
        std::vector<std::string> bodies(cps.size());
        std::vector<stepfn::detail::sqlite_writer::item> batch;
        for (std::size_t i = 0; i < cps.size(); ++i) batch.push_back(stepfn::detail::sqlite_writer::item{&cps[i], &bodies[i]});
        std::vector<stepfn::result<void>> outcome;
        REQUIRE(writer.write(batch, outcome));
        REQUIRE(outcome.size() == 5);
        CHECK(outcome[0]);
        CHECK(outcome[1]);
        REQUIRE_FALSE(outcome[2]);
        CHECK(outcome[2].error().cause.find("storing the snapshot") != std::string::npos);
        CHECK(outcome[3]);
        CHECK(outcome[4]);
        CHECK_FALSE(db->in_transaction());
    }  // the writer's statements, then the file, are closed

    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    auto a = (*store)->find_execution(execution_arn("a"));
    auto b = (*store)->find_execution(execution_arn("b"));
    auto c = (*store)->find_execution(execution_arn("c"));
    REQUIRE((a && *a && b && *b && c && *c));
    CHECK((*a)->event_count == 3);
    CHECK((*a)->sequence == 2);
    CHECK((*b)->event_count == 1);  // nothing of the failed checkpoint: no events, no progress
    CHECK((*b)->sequence == 1);
    CHECK((*(*store)->snapshot(execution_arn("b"))) == "{\"at\":\"A\"}");
    auto history = (*store)->history(execution_arn("b"), {});
    REQUIRE(history);
    CHECK(history->events.size() == 1);
    // The next checkpoint of b follows the last one that was written.
    CHECK(commit_now(**store, step(execution_arn("b"), 2, 2, 2)));
}

TEST_CASE("sqlite store: `done` may commit the next checkpoint and read; flush from it is refused", "[store][sqlite]") {
    scratch_dir dir;
    auto store = stepfn::sqlite_store::open(dir.file("chain.db"));
    REQUIRE(store);
    stepfn::sqlite_store& s = **store;
    const std::string arn = execution_arn("chain");
    std::promise<int> finished;
    std::atomic<bool> flush_refused{false};
    std::function<void(std::uint64_t, stepfn::result<void>)> next = [&](std::uint64_t seq, stepfn::result<void> r) {
        if (!r) {
            finished.set_value(-1);
            return;
        }
        auto row = s.find_execution(arn);  // reading from inside `done`
        if (!row || !row->has_value() || (*row)->event_count != static_cast<std::int64_t>(seq)) {
            finished.set_value(-2);
            return;
        }
        if (seq == 50) {
            flush_refused = !s.flush();
            finished.set_value(static_cast<int>(seq));
            return;
        }
        s.commit(step(arn, seq + 1, static_cast<std::int64_t>(seq) + 1, 1), [&, seq](stepfn::result<void> rr) { next(seq + 1, std::move(rr)); });
    };
    s.commit(created("chain", 1), [&](stepfn::result<void> r) { next(1, std::move(r)); });
    auto done = finished.get_future();
    REQUIRE(done.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    CHECK(done.get() == 50);
    CHECK(flush_refused);
}

TEST_CASE("sqlite store: closing writes everything queued and answers every `done`", "[store][sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("close.db");
    load_result result;
    {
        stepfn::sqlite_store_options options;
        options.commit_window = std::chrono::milliseconds(200);
        auto store = stepfn::sqlite_store::open(path, options);
        REQUIRE(store);
        commit_load(**store, 4, 10, 3, result);
    }  // no flush: the destructor's
    CHECK(result.ok == 120);
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    auto all = (*store)->list_executions({});
    REQUIRE(all);
    CHECK(all->executions.size() == 40);
    for (const auto& e : all->executions) CHECK(e.event_count == 5);
}

// The callbacks run on the completer thread while the committer writes: a `done` that commits
// the next checkpoint while the store closes must still find it written and answered.
TEST_CASE("sqlite store: closing also writes what the last callbacks commit", "[store][sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("close-chain.db");
    const std::string arn = execution_arn("chain");
    std::atomic<int> answered{0};
    // Declared before the store, so that it outlives the store's closing, which calls it.
    std::function<void(std::uint64_t, stepfn::result<void>)> next;
    {
        auto store = stepfn::sqlite_store::open(path);
        REQUIRE(store);
        stepfn::sqlite_store* s = store->get();
        next = [&, s](std::uint64_t seq, stepfn::result<void> r) {
            if (!r) return;
            ++answered;
            if (seq == 20) return;
            s->commit(step(arn, seq + 1, static_cast<std::int64_t>(seq) + 1, 1), [&, seq](stepfn::result<void> rr) { next(seq + 1, std::move(rr)); });
        };
        s->commit(created("chain", 1), [&](stepfn::result<void> r) { next(1, std::move(r)); });
    }  // closes at once: the chain goes on while it closes
    CHECK(answered == 20);
    auto store = stepfn::sqlite_store::open(path);
    REQUIRE(store);
    auto row = (*store)->find_execution(arn);
    REQUIRE((row && *row));
    CHECK((*row)->sequence == 20);
    CHECK((*row)->event_count == 20);
}

TEST_CASE("sqlite store: details that are not UTF-8 are stored with replacement characters", "[store][sqlite]") {
    scratch_dir dir;
    auto store = stepfn::sqlite_store::open(dir.file("utf8.db"));
    REQUIRE(store);
    auto cp = created("bytes", 1);
    cp.events[0].details["input"] = std::string("\xff\xfe oops");
    REQUIRE(commit_now(**store, cp));
    auto history = (*store)->history(execution_arn("bytes"), {});
    REQUIRE(history);
    REQUIRE(history->events.size() == 1);
    CHECK(history->events[0].details.at("input").get<std::string>().find("oops") != std::string::npos);
}
TEST_CASE("a checkpoint's events row is spelled as nlohmann's dump spells each event", "[store][sqlite]") {
    auto cp = created("spelling", 1);
    cp.events[0].details = stepfn::json::parse(
        R"({"input":"{\"a\":\"tab\there\",\"n\":-1.5e300}","names":["é","\u0001","q\"uote\\"],"n":[0,-7,18446744073709551615,0.1,true,null],"o":{}})");
    stepfn::history_event second = cp.events[0];
    second.id = 2;
    second.previous_event_id = 1;
    second.details["input"] = std::string("\xff\xfe oops");
    cp.events.push_back(second);
    std::string expected = "[";
    for (const auto& e : cp.events) {
        if (expected.size() > 1) expected += ',';
        expected += "[" + std::to_string(e.id) + "," + std::to_string(e.previous_event_id) + ",\"" + stepfn::to_string(e.type) + "\"," +
                    std::to_string(stepfn::detail::to_store_ns(e.timestamp)) + "," +
                    e.details.dump(-1, ' ', false, stepfn::json::error_handler_t::replace) + "]";
    }
    expected += "]";
    CHECK(stepfn::detail::events_body(cp.events) == expected);
}
TEST_CASE("sqlite store: after a transaction that fails whole the writer goes on from what the file holds", "[store][sqlite]") {
    scratch_dir dir;
    stepfn::detail::sqlite_open_settings settings;
    settings.max_file_bytes = 96 * 1024;
    auto db = stepfn::detail::open_sqlite_store(dir.file("whole.db"), settings);
    REQUIRE(db);
    stepfn::detail::sqlite_writer writer;
    REQUIRE(writer.prepare(*db));
    auto write = [&](std::vector<stepfn::execution_checkpoint> cps) {
        std::vector<std::string> bodies(cps.size());
        std::vector<stepfn::detail::sqlite_writer::item> batch;
        for (std::size_t i = 0; i < cps.size(); ++i) batch.push_back(stepfn::detail::sqlite_writer::item{&cps[i], &bodies[i]});
        std::vector<stepfn::result<void>> outcome;
        writer.write(batch, outcome);
        return outcome;
    };
    REQUIRE(write({created("x", 1)})[0]);

    // x's next checkpoint and a new execution of another machine, too big for the file: the
    // transaction fails whole (StoreFull).
    auto y = created("y", 2, "refunds");
    y.snapshot = std::string(256 * 1024, 'y');
    auto failed = write({step(execution_arn("x"), 2, 2, 2), y});
    REQUIRE(failed.size() == 2);
    CHECK_FALSE(failed[0]);
    REQUIRE_FALSE(failed[1]);
    CHECK(failed[1].error().name == "StoreFull");

    // x is still at its first checkpoint, y and its machine version were never written.
    auto again = write({step(execution_arn("x"), 2, 2, 2), created("y", 2, "refunds")});
    CHECK(again[0]);
    CHECK(again[1]);
    CHECK(*db->query_integer("SELECT count(*) FROM machine_versions", "counting versions") == 2);
    CHECK(*db->query_integer("SELECT event_count FROM executions WHERE name = 'x'", "reading x") == 3);
    // The writer's memory and the file agree on x: checkpoint 3 follows, 2 again is refused.
    CHECK_FALSE(write({step(execution_arn("x"), 2, 4, 1)})[0]);
    CHECK(write({step(execution_arn("x"), 3, 4, 1)})[0]);
}
} // namespace sqlite_commit_test
