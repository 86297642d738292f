#include "catch.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <stdexcept>
#include <mutex>
#include <set>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <stepfn/executors/executor_traits.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>

namespace executor_test {

namespace {

using namespace std::chrono_literals;

struct post_only {
    void post(stepfn::job) {}
};
struct not_an_executor {
    void run() {}
};
struct drivable_without_post {
    std::size_t run() { return 0; }
    bool wait_for_work(stepfn::time_point) { return false; }
};

static_assert(stepfn::is_executor_v<stepfn::manual_executor>);
static_assert(stepfn::is_drivable_executor_v<stepfn::manual_executor>);
static_assert(stepfn::is_executor_v<post_only>);
static_assert(!stepfn::is_drivable_executor_v<post_only>);
static_assert(!stepfn::is_executor_v<not_an_executor>);
static_assert(!stepfn::is_executor_v<int>);
static_assert(!stepfn::is_drivable_executor_v<drivable_without_post>);
static_assert(stepfn::is_executor_v<stepfn::thread_pool_executor>);
static_assert(!stepfn::is_drivable_executor_v<stepfn::thread_pool_executor>);
#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
static_assert(stepfn::executor<stepfn::manual_executor>);
static_assert(stepfn::drivable_executor<stepfn::manual_executor>);
static_assert(!stepfn::drivable_executor<post_only>);
#endif

stepfn::time_point in(std::chrono::milliseconds d) { return std::chrono::system_clock::now() + d; }

} // namespace

TEST_CASE("manual_executor runs nothing until driven, then in FIFO order", "[executor]") {
    stepfn::manual_executor ex;
    std::vector<int> order;
    for (int i = 0; i < 5; ++i) ex.post([&order, i] { order.push_back(i); });
    CHECK(order.empty());
    CHECK(ex.pending() == 5);
    CHECK(ex.run() == 5);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
    CHECK(ex.pending() == 0);
    CHECK(ex.run() == 0);
}

TEST_CASE("manual_executor::run also runs work posted by running work", "[executor]") {
    stepfn::manual_executor ex;
    std::vector<std::string> order;
    ex.post([&] {
        order.push_back("a");
        ex.post([&] {
            order.push_back("c");
            ex.post([&] { order.push_back("e"); });
        });
    });
    ex.post([&] { order.push_back("b"); ex.post([&] { order.push_back("d"); }); });
    CHECK(ex.run() == 5);
    CHECK(order == std::vector<std::string>{"a", "b", "c", "d", "e"});
}

TEST_CASE("manual_executor::run_one runs exactly one item", "[executor]") {
    stepfn::manual_executor ex;
    int ran = 0;
    CHECK_FALSE(ex.run_one());
    ex.post([&] { ++ran; ex.post([&] { ran += 10; }); });
    ex.post([&] { ran += 100; });
    CHECK(ex.run_one());
    CHECK(ran == 1);
    CHECK(ex.pending() == 2);
    CHECK(ex.run_one());
    CHECK(ran == 101);
    CHECK(ex.run_one());
    CHECK(ran == 111);
    CHECK_FALSE(ex.run_one());
}

TEST_CASE("manual_executor runs move-only work", "[executor]") {
    stepfn::manual_executor ex;
    auto owned = std::make_unique<int>(42);
    int seen = 0;
    ex.post([p = std::move(owned), &seen] { seen = *p; });
    CHECK(ex.run() == 1);
    CHECK(seen == 42);
}

TEST_CASE("manual_executor keeps its queue when work throws", "[executor]") {
    stepfn::manual_executor ex;
    int ran = 0;
    ex.post([] { throw std::runtime_error("boom"); });
    ex.post([&] { ++ran; });
    CHECK_THROWS_AS(ex.run(), std::runtime_error);
    CHECK(ex.pending() == 1);
    CHECK(ex.run() == 1);
    CHECK(ran == 1);
}

TEST_CASE("manual_executor::wait_for_work", "[executor]") {
    stepfn::manual_executor ex;

    SECTION("returns at once when work is queued") {
        ex.post([] {});
        CHECK(ex.wait_for_work(in(10s)));
        CHECK(ex.pending() == 1);
    }
    SECTION("times out when nothing comes") {
        const auto start = std::chrono::steady_clock::now();
        CHECK_FALSE(ex.wait_for_work(in(5ms)));
        CHECK(std::chrono::steady_clock::now() - start >= 4ms);
    }
    SECTION("a deadline in the past does not block") {
        CHECK_FALSE(ex.wait_for_work(std::chrono::system_clock::now() - 1h));
    }
    SECTION("a wake() before the wait is kept for it, once") {
        ex.wake();
        CHECK_FALSE(ex.wait_for_work((stepfn::time_point::max)()));
        CHECK_FALSE(ex.wait_for_work(in(1ms)));
    }
}

TEST_CASE("manual_executor::wait_for_work wakes for work and wake() from other threads", "[executor][concurrency]") {
    stepfn::manual_executor ex;

    SECTION("work posted from another thread") {
        std::thread poster([&] {
            std::this_thread::sleep_for(5ms);
            ex.post([] {});
        });
        CHECK(ex.wait_for_work((stepfn::time_point::max)()));
        poster.join();
        CHECK(ex.run() == 1);
    }
    SECTION("wake() from another thread") {
        std::thread waker([&] {
            std::this_thread::sleep_for(5ms);
            ex.wake();
        });
        CHECK_FALSE(ex.wait_for_work((stepfn::time_point::max)()));
        waker.join();
    }
}

TEST_CASE("manual_executor accepts posts from many threads while one drives it", "[executor][concurrency]") {
    stepfn::manual_executor ex;
    constexpr int threads = 4;
    constexpr int per_thread = 500;
    std::atomic<int> posted_by_all{0};
    long long sum = 0;  // touched only by the driving thread
    std::vector<std::thread> posters;
    for (int t = 0; t < threads; ++t)
        posters.emplace_back([&, t] {
            for (int i = 1; i <= per_thread; ++i) ex.post([&sum, v = t * per_thread + i] { sum += v; });
            ++posted_by_all;
        });
    std::size_t ran = 0;
    while (posted_by_all.load() < threads || ex.pending() > 0) {
        ran += ex.run();
        ex.wait_for_work(in(1ms));
    }
    for (auto& p : posters) p.join();
    ran += ex.run();
    constexpr long long n = threads * per_thread;
    CHECK(ran == static_cast<std::size_t>(n));
    CHECK(sum == n * (n + 1) / 2);
}

namespace {

// Lets a test wait, with a generous bound, for work running on the pool.
struct countdown {
    std::mutex mutex;
    std::condition_variable changed;
    int remaining;

    explicit countdown(int n) : remaining(n) {}
    void done() {
        std::lock_guard<std::mutex> lock(mutex);
        if (--remaining == 0) changed.notify_all();
    }
    bool wait() {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, 10s, [&] { return remaining <= 0; });
    }
};

} // namespace

TEST_CASE("thread_pool_executor sizes", "[executor][concurrency]") {
    CHECK(stepfn::thread_pool_executor::default_size() >= 1);
    stepfn::thread_pool_executor three(3);
    CHECK(three.size() == 3);
    stepfn::thread_pool_executor at_least_one(0);
    CHECK(at_least_one.size() == 1);
    stepfn::thread_pool_executor defaulted;
    CHECK(defaulted.size() == stepfn::thread_pool_executor::default_size());
}

TEST_CASE("thread_pool_executor takes its options by name, with the defaults it had", "[executor][concurrency]") {
    const stepfn::thread_pool_options defaults;
    CHECK(defaults.threads == stepfn::thread_pool_executor::default_size());
    CHECK(defaults.joiners_help);
    CHECK(defaults.idle_spin == stepfn::thread_pool_executor::default_idle_spin());
    CHECK_FALSE(defaults.joiners_watch);
    stepfn::thread_pool_options options;
    options.threads = 3;
    stepfn::thread_pool_executor three(options);
    CHECK(three.size() == 3);
    options.threads = 0;
    stepfn::thread_pool_executor at_least_one(options);
    CHECK(at_least_one.size() == 1);
}

TEST_CASE("thread_pool_executor runs every task posted from many threads", "[executor][concurrency]") {
    stepfn::thread_pool_executor pool(4);
    constexpr int posters = 4;
    constexpr int per_poster = 2000;
    std::atomic<long long> sum{0};
    countdown all(posters * per_poster);
    std::vector<std::thread> threads;
    for (int t = 0; t < posters; ++t)
        threads.emplace_back([&, t] {
            for (int i = 1; i <= per_poster; ++i)
                pool.post([&, v = t * per_poster + i] {
                    sum += v;
                    all.done();
                });
        });
    for (auto& t : threads) t.join();
    REQUIRE(all.wait());
    constexpr long long n = posters * per_poster;
    CHECK(sum.load() == n * (n + 1) / 2);
    CHECK(pool.failures() == 0);
    pool.shutdown();  // before the state its work uses goes away
}

TEST_CASE("thread_pool_executor spreads work over its threads", "[executor][concurrency]") {
    stepfn::thread_pool_executor pool(2);
    std::mutex mutex;
    std::condition_variable both_in;
    int inside = 0;
    std::set<std::thread::id> seen;
    countdown all(2);
    // Each task waits for the other to start: only two threads running at once get both done.
    for (int i = 0; i < 2; ++i)
        pool.post([&] {
            {
                std::unique_lock<std::mutex> lock(mutex);
                ++inside;
                seen.insert(std::this_thread::get_id());
                both_in.notify_all();
                both_in.wait_for(lock, 10s, [&] { return inside == 2; });
            }
            all.done();
        });
    REQUIRE(all.wait());
    pool.shutdown();  // before the state its work uses goes away
    CHECK(seen.size() == 2);
    CHECK(seen.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("thread_pool_executor::shutdown finishes queued work, then drops new work", "[executor][concurrency]") {
    stepfn::thread_pool_executor pool(1);
    std::atomic<int> ran{0};
    std::atomic<int> ran_after{0};
    std::atomic<bool> gate_open{false};
    // The first task blocks the only thread so that the rest are surely still queued.
    pool.post([&] {
        while (!gate_open.load()) std::this_thread::sleep_for(1ms);
        ++ran;
    });
    for (int i = 0; i < 100; ++i)
        pool.post([&] {
            ++ran;
            pool.post([&] { ++ran_after; });  // posted while shutting down: dropped
        });
    std::thread releaser([&] {
        std::this_thread::sleep_for(5ms);
        gate_open = true;
    });
    pool.shutdown();
    releaser.join();
    CHECK(ran.load() == 101);
    CHECK(ran_after.load() == 0);

    auto owned = std::make_shared<int>(1);
    std::weak_ptr<int> watch = owned;
    pool.post([p = std::move(owned), &ran_after] { ++ran_after; });
    CHECK(watch.expired());  // dropped and released at once
    CHECK(ran_after.load() == 0);
    pool.shutdown();  // a second call is harmless
}

TEST_CASE("thread_pool_executor's destructor finishes queued work", "[executor][concurrency]") {
    std::atomic<int> ran{0};
    {
        stepfn::thread_pool_executor pool(2);
        for (int i = 0; i < 500; ++i) pool.post([&] { ++ran; });
    }
    CHECK(ran.load() == 500);
}

TEST_CASE("thread_pool_executor survives throwing work and counts it", "[executor][concurrency]") {
    stepfn::thread_pool_executor pool(1);
    countdown all(1);
    pool.post([] { throw std::runtime_error("boom"); });
    pool.post([&] { all.done(); });
    REQUIRE(all.wait());
    pool.shutdown();
    CHECK(pool.failures() == 1);
}

TEST_CASE("thread_pool_executor runs work that reposts itself", "[executor][concurrency]") {
    stepfn::thread_pool_executor pool(3);
    countdown all(1);
    std::atomic<int> hops{0};
    std::function<void()> hop = [&] {
        if (++hops == 1000)
            all.done();
        else
            pool.post([&] { hop(); });
    };
    pool.post([&] { hop(); });
    REQUIRE(all.wait());
    pool.shutdown();
    CHECK(hops.load() == 1000);
}

TEST_CASE("unique_function runs, moves and destroys small and large callables once", "[executor]") {
    using stepfn::unique_function;
    struct counted {
        int* destroyed;
        int* calls;
        std::shared_ptr<int> payload;
        counted(int* d, int* c) : destroyed(d), calls(c), payload(std::make_shared<int>(7)) {}
        counted(counted&& other) noexcept : destroyed(other.destroyed), calls(other.calls), payload(std::move(other.payload)) {}
        ~counted() {
            if (payload) ++*destroyed;  // only the live copy counts
        }
        int operator()() { return ++*calls + *payload; }
    };
    int destroyed = 0, calls = 0;
    {
        unique_function<int()> small(counted(&destroyed, &calls));  // fits inline
        unique_function<int()> moved(std::move(small));
        CHECK_FALSE(small);
        REQUIRE(moved);
        CHECK(moved() == 8);
        unique_function<int()> assigned;
        assigned = std::move(moved);
        CHECK(assigned() == 9);
        CHECK(destroyed == 0);
    }
    CHECK(destroyed == 1);
    CHECK(calls == 2);

    // Too big to store inline: on the heap, same behaviour.
    std::array<char, 256> big{};
    big[0] = 'x';
    destroyed = calls = 0;
    {
        unique_function<int()> large([c = counted(&destroyed, &calls), big]() mutable { return c() + big[0]; });
        unique_function<int()> moved(std::move(large));
        CHECK(moved() == 8 + 'x');
        moved = nullptr;
        CHECK_FALSE(moved);
        CHECK(destroyed == 1);
    }
    CHECK(destroyed == 1);

    // Arguments and results pass through.
    unique_function<std::string(std::string, int)> join = [](std::string s, int n) { return s + std::to_string(n); };
    CHECK(join("a", 1) == "a1");
}

TEST_CASE("executor_concurrency: a pool's threads, one for a drivable executor", "[executor]") {
    stepfn::thread_pool_executor pool(3);
    CHECK(stepfn::executor_concurrency(pool) == 3);
    stepfn::manual_executor manual;
    CHECK(stepfn::executor_concurrency(manual) == 1);
}
TEST_CASE("post_bulk: a pool takes a batch in order, other executors get one post per job", "[executor][concurrency]") {
    STATIC_REQUIRE(stepfn::has_post_bulk<stepfn::thread_pool_executor>::value);
    STATIC_REQUIRE_FALSE(stepfn::has_post_bulk<stepfn::manual_executor>::value);

    // Without post_bulk: posted one by one, in order.
    stepfn::manual_executor manual;
    std::vector<int> order;
    std::vector<stepfn::job> jobs;
    for (int i = 0; i < 5; ++i) jobs.emplace_back([&order, i] { order.push_back(i); });
    stepfn::post_bulk(manual, jobs.data(), jobs.size());
    CHECK(manual.run() == 5);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4});

    // One thread: the batch runs in order.
    {
        stepfn::thread_pool_executor one(1);
        std::mutex m;
        std::vector<int> seen;
        jobs.clear();
        for (int i = 0; i < 50; ++i)
            jobs.emplace_back([&, i] {
                std::lock_guard<std::mutex> lock(m);
                seen.push_back(i);
            });
        stepfn::post_bulk(one, jobs.data(), jobs.size());
        one.shutdown();
        std::vector<int> expected;
        for (int i = 0; i < 50; ++i) expected.push_back(i);
        CHECK(seen == expected);
    }

    // Several threads, batches posted from several threads and from the pool's own work: every
    // job runs once, and a sleeping thread is woken for a batch.
    stepfn::thread_pool_executor pool(2);
    std::atomic<int> ran{0};
    std::vector<std::thread> posters;
    for (int t = 0; t < 3; ++t)
        posters.emplace_back([&] {
            for (int round = 0; round < 100; ++round) {
                std::vector<stepfn::job> batch;
                for (int i = 0; i < 4; ++i) batch.emplace_back([&] { ++ran; });
                batch.emplace_back([&] {
                    std::array<stepfn::job, 2> inner{stepfn::job([&] { ++ran; }), stepfn::job([&] { ++ran; })};
                    pool.post_bulk(inner.data(), inner.size());
                });
                pool.post_bulk(batch.data(), batch.size());
            }
        });
    for (auto& t : posters) t.join();
    std::this_thread::sleep_for(20ms);  // both threads fall asleep: the next batch must wake them
    std::array<stepfn::job, 2> last{stepfn::job([&] { ++ran; }), stepfn::job([&] { ++ran; })};
    pool.post_bulk(last.data(), last.size());
    pool.shutdown();
    CHECK(ran.load() == 3 * 100 * 6 + 2);

    // After shutdown a batch is dropped: nothing runs.
    std::array<stepfn::job, 1> dropped{stepfn::job([&] { ++ran; })};
    pool.post_bulk(dropped.data(), dropped.size());
    CHECK(ran.load() == 3 * 100 * 6 + 2);
}

TEST_CASE("thread_pool_executor::try_run_one runs a queued job on the caller, never nested in a pool's job",
          "[executor][concurrency]") {
    STATIC_REQUIRE(stepfn::has_try_run_one<stepfn::thread_pool_executor>::value);
    STATIC_REQUIRE_FALSE(stepfn::has_try_run_one<stepfn::manual_executor>::value);
    const bool joiners_help = GENERATE(true, false);
    INFO((joiners_help ? "joiners help" : "helping off"));
    stepfn::thread_pool_options options;
    options.threads = 1;
    options.joiners_help = joiners_help;
    stepfn::thread_pool_executor pool(options);
    // Hold the pool's only thread, so that what is posted next stays queued.
    std::mutex mutex;
    std::condition_variable changed;
    bool started = false;
    bool released = false;
    bool nested_ran = true;
    pool.post([&] {
        std::unique_lock<std::mutex> lock(mutex);
        started = true;
        nested_ran = pool.try_run_one();  // a pool thread never helps
        changed.notify_all();
        changed.wait_for(lock, 10s, [&] { return released; });
    });
    {
        std::unique_lock<std::mutex> lock(mutex);
        REQUIRE(changed.wait_for(lock, 10s, [&] { return started; }));
    }
    std::vector<std::thread::id> ran_on;
    bool inner_ran = true;
    pool.post([&] {
        ran_on.push_back(std::this_thread::get_id());
        inner_ran = pool.try_run_one();  // nor does a job that a helper runs
    });
    pool.post([&] { ran_on.push_back(std::this_thread::get_id()); });
    CHECK(pool.pending() == 2);  // queued behind the held job, not started
    CHECK(stepfn::executor_has_pending(pool));
    if (joiners_help) {
        CHECK(pool.try_run_one());
        CHECK_FALSE(inner_ran);
        CHECK(pool.pending() == 1);
        CHECK(pool.try_run_one());
        CHECK(pool.pending() == 0);
        CHECK_FALSE(stepfn::executor_has_pending(pool));
        CHECK_FALSE(pool.try_run_one());  // the queue is empty
        CHECK(ran_on == std::vector<std::thread::id>(2, std::this_thread::get_id()));
    } else {
        CHECK_FALSE(pool.try_run_one());
        CHECK(ran_on.empty());
    }
    {
        std::lock_guard<std::mutex> lock(mutex);
        released = true;
    }
    changed.notify_all();
    pool.shutdown();
    CHECK_FALSE(nested_ran);
    CHECK(ran_on.size() == 2);
    CHECK(pool.pending() == 0);
    CHECK(pool.failures() == 0);
}

TEST_CASE("executor_has_pending: an executor's pending(), else always true", "[executor]") {
    STATIC_REQUIRE(stepfn::has_pending<stepfn::thread_pool_executor>::value);
    STATIC_REQUIRE(stepfn::has_pending<stepfn::manual_executor>::value);
    STATIC_REQUIRE_FALSE(stepfn::has_pending<post_only>::value);
    const post_only unknown{};
    CHECK(stepfn::executor_has_pending(unknown));  // it cannot tell: assume a job waits
    stepfn::manual_executor manual;
    CHECK_FALSE(stepfn::executor_has_pending(manual));
    manual.post([] {});
    CHECK(stepfn::executor_has_pending(manual));
    CHECK(manual.run() == 1);
    CHECK_FALSE(stepfn::executor_has_pending(manual));
}

} // namespace executor_test
