// thread_pool_executor's idle_spin: pool threads and helping joiners that watch the queue for a
// moment before they sleep, joiners that do not help and watch their execution only, and the
// wake-ups they save (no lost ones).

#include "catch.hpp"
#include "engine_harness.hpp"
#include "held_task.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace thread_pool_spin_test {

namespace {

using namespace std::chrono_literals;
using pool_engine = stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock>;

// Waits (up to 10 s, so that a hang fails instead of blocking the suite) until `ready()`.
template <class Ready>
bool eventually(Ready ready) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

// Counts jobs run, and lets a test wait for a number of them.
struct tally {
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t ran = 0;
    void add() {
        std::lock_guard<std::mutex> lock(mutex);
        ++ran;
        changed.notify_all();
    }
    bool reaches(std::size_t count) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, 10s, [&] { return ran >= count; });
    }
};

} // namespace

TEST_CASE("thread_pool_executor: an idle pool sleeps after idle_spin, and wakes for work", "[executor][concurrency]") {
    STATIC_REQUIRE(stepfn::has_await_job<stepfn::thread_pool_executor>::value);
    STATIC_REQUIRE_FALSE(stepfn::has_await_job<stepfn::manual_executor>::value);
    CHECK(stepfn::thread_pool_executor::default_idle_spin() > 0us);
    const auto spin = GENERATE(0us, 50us, 2000us);
    INFO("idle_spin " << spin.count() << " us");
    stepfn::thread_pool_options options;
    options.threads = 2;
    options.joiners_help = true;
    options.idle_spin = spin;
    stepfn::thread_pool_executor pool(options);
    tally jobs;
    for (int round = 0; round < 3; ++round) {
        // Every thread ends up asleep once the pool has nothing to do...
        REQUIRE(eventually([&] { return pool.sleeping() == 2; }));
        // ...and a post wakes one: nothing is left queued.
        for (int i = 0; i < 4; ++i) pool.post([&] { jobs.add(); });
        REQUIRE(jobs.reaches(static_cast<std::size_t>(4 * (round + 1))));
    }
    pool.shutdown();
    CHECK(pool.pending() == 0);
}

TEST_CASE("thread_pool_executor: shutdown ends a spin at once, and half the threads spin at most",
          "[executor][concurrency]") {
    // A spin far longer than the test: only shutdown() can end it.
    stepfn::thread_pool_options options;
    options.threads = 4;
    options.joiners_help = true;
    options.idle_spin = std::chrono::hours(1);
    stepfn::thread_pool_executor pool(options);
    tally jobs;
    for (int i = 0; i < 8; ++i) pool.post([&] { jobs.add(); });
    REQUIRE(jobs.reaches(8));
    // Two of the four watch the queue; the other two sleep.
    REQUIRE(eventually([&] { return pool.sleeping() == 2; }));
    pool.post([&] { jobs.add(); });  // a watching thread takes it, no sleeper is woken for it
    REQUIRE(jobs.reaches(9));
    pool.shutdown();
    CHECK(pool.sleeping() == 0);
}

TEST_CASE("thread_pool_executor: every job runs while threads spin, sleep and wake, posted from anywhere",
          "[executor][concurrency]") {
    const auto spin = GENERATE(0us, 20us, 1000us);
    const std::size_t threads = GENERATE(std::size_t{1}, std::size_t{3});
    INFO("idle_spin " << spin.count() << " us, " << threads << " threads");
    stepfn::thread_pool_options options;
    options.threads = threads;
    options.joiners_help = true;
    options.idle_spin = spin;
    stepfn::thread_pool_executor pool(options);
    constexpr int posters = 3, per_poster = 300;
    tally jobs;
    std::vector<std::thread> outside;
    for (int t = 0; t < posters; ++t) {
        outside.emplace_back([&, t] {
            for (int i = 0; i < per_poster; ++i) {
                if (i % 3 == 0) {
                    // A job that posts another (from a pool thread, or from a helping joiner).
                    pool.post([&] { pool.post([&] { jobs.add(); }); });
                } else if (i % 3 == 1) {
                    stepfn::job batch[2] = {stepfn::job([&] { jobs.add(); }), stepfn::job([&] { jobs.add(); })};
                    pool.post_bulk(batch, 2);
                } else {
                    pool.post([&] { jobs.add(); });
                    (void)pool.try_run_one();  // this thread helps now and then, as a joiner does
                }
                // Gaps now and then, so that threads go from spinning to sleeping between posts.
                if ((i + t) % 50 == 0) std::this_thread::sleep_for(2ms);
            }
        });
    }
    for (auto& poster : outside) poster.join();
    // 100 single posts, 100 batches of two and 100 posting jobs per poster.
    CHECK(jobs.reaches(static_cast<std::size_t>(posters * (per_poster / 3) * 4)));
    pool.shutdown();
    CHECK(pool.failures() == 0);
}

TEST_CASE("thread_pool_executor: a joiner that does not help watches stop() and runs nothing, unless told not to watch",
          "[executor][concurrency]") {
    const bool watch = GENERATE(true, false);
    INFO("joiners_watch " << watch);
    // A watch far longer than the test: only stop() can end it.
    stepfn::thread_pool_options options;
    options.threads = 1;
    options.joiners_help = false;
    options.idle_spin = std::chrono::hours(1);
    options.joiners_watch = watch;
    stepfn::thread_pool_executor pool(options);
    std::mutex gate_mutex;
    std::condition_variable gate_opened;
    bool gate = false;
    tally jobs;
    // The pool's one thread is held, so the next job stays queued while the joiner watches.
    pool.post([&] {
        std::unique_lock<std::mutex> lock(gate_mutex);
        gate_opened.wait(lock, [&] { return gate; });
        jobs.add();
    });
    std::thread::id ran_on;
    pool.post([&] {
        ran_on = std::this_thread::get_id();
        jobs.add();
    });
    REQUIRE(eventually([&] { return pool.pending() == 1; }));
    int looks = 0;
    CHECK_FALSE(pool.try_run_one());
    CHECK_FALSE(pool.await_job([&] { return ++looks >= 1000; }));
    // Watching, it looked until stop() said so; not watching, it did not look at all.
    CHECK(looks == (watch ? 1000 : 0));
    CHECK(pool.pending() == 1);  // the queued job was left to the pool
    {
        std::lock_guard<std::mutex> lock(gate_mutex);
        gate = true;
    }
    gate_opened.notify_all();
    REQUIRE(jobs.reaches(2));
    CHECK(ran_on != std::this_thread::get_id());
    pool.shutdown();
}

TEST_CASE("join on a pool: a joiner that watched the queue still wakes when a task completes late",
          "[executor][concurrency][parallel]") {
    // 0: block at once; 50 us: the completion comes long after the watch; 10 s: it comes while
    // the joiner still watches, so join returns without sleeping.
    const auto spin = GENERATE(0us, 50us, std::chrono::microseconds(10s));
    const std::size_t threads = GENERATE(std::size_t{1}, std::size_t{2});
    // A joiner that does not help (and is told to watch) watches its execution only, as long,
    // then blocks the same way.
    const bool help = GENERATE(true, false);
    INFO("idle_spin " << spin.count() << " us, " << threads << " threads, joiners_help " << help);
    stepfn::thread_pool_options options;
    options.threads = threads;
    options.joiners_help = help;
    options.idle_spin = spin;
    options.joiners_watch = !help;
    stepfn::thread_pool_executor pool(options);
    stepfn::system_clock clock;
    pool_engine engine(pool, clock);
    held_task_support::held_task late(engine, "late");
    // A Parallel whose second branch waits for the late task: its first ends at once.
    auto machine = load(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},
        {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"late","End":true}}}]}}})");
    for (int round = 0; round < 3; ++round) {
        auto run = engine.start(machine);
        REQUIRE(run);
        std::thread answerer = late.answer_later(json{{"late", round}}, 20ms);
        CHECK(run->join() == stepfn::execution_status::succeeded);
        answerer.join();
        REQUIRE(run->output());
        CHECK(*run->output() == json::array({1, json{{"late", round}}}));
    }
    pool.shutdown();
}

} // namespace thread_pool_spin_test
