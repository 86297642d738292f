// A Map's runners and the executor: every 64 items a runner hands its thread back when another
// job waits for it, and goes on in the same job when none does; runners share MaxConcurrency;
// the runner that claims the last item frees the item array; a large output is freed with the
// executor's threads when its execution is dropped.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace map_runner_test {

// Every 64 items a Map's runner hands its thread back to the executor when another job waits:
// another execution's work is not held up by a long Map.
TEST_CASE("A Map's runner gives its thread up to a queued job every 64 items", "[engine][map][executor]") {
    harness h;
    json items = json::array();
    for (int i = 0; i < 200; ++i) items.push_back(i);
    auto map = h.engine.start(load(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
        "ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}}}})"),
                              json{{"items", items}});
    auto pass = h.engine.start(load(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})"));
    REQUIRE(map);
    REQUIRE(pass);
    REQUIRE(h.executor.run_one());  // the Map's first job: 64 items, then it queues behind the Pass
    CHECK(map->status() == stepfn::execution_status::running);
    for (int jobs = 0; pass->status() == stepfn::execution_status::running && jobs < 10; ++jobs)
        REQUIRE(h.executor.run_one());
    CHECK(pass->status() == stepfn::execution_status::succeeded);
    CHECK(map->status() == stepfn::execution_status::running);
    h.executor.run();
    auto output = map->wait();
    REQUIRE(output);
    CHECK(*output == items);
}

// The runner that claims a Map's last item frees the item array while iterations still run:
// each iteration has its own item by then, and the ItemSelector reads it and its index.
TEST_CASE("A Map's iterations keep their items once the item array is freed", "[engine][map][concurrency]") {
    const auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":4,
        "ItemSelector":{"v.$":"$$.Map.Item.Value.v","i.$":"$$.Map.Item.Index","tag.$":"$.tag"},
        "ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$.v","i.$":"$.i","t.$":"$.tag"},
        "End":true}}},"End":true}}})");
    json items = json::array(), expected = json::array();
    for (int i = 0; i < 300; ++i) {
        items.push_back(json{{"v", "item-" + std::to_string(i)}});
        expected.push_back(json{{"v", "item-" + std::to_string(i)}, {"i", i}, {"t", "x"}});
    }
    const json input{{"items", items}, {"tag", "x"}};
    SECTION("on the manual executor") {
        harness h;
        auto out = h.engine.start(machine, input)->wait();
        REQUIRE(out);
        CHECK(*out == expected);
    }
    SECTION("on two threads") {
        pool_harness h(2);
        for (int round = 0; round < 5; ++round) {
            auto out = h.engine.start(machine, input)->wait();
            REQUIRE(out);
            CHECK(*out == expected);
        }
    }
}

// Runners share MaxConcurrency between them; iterations that wait still count against it.
TEST_CASE("An inline Map on a thread pool never has more than MaxConcurrency iterations in flight",
          "[engine][map][concurrency]") {
    pool_harness h(2);
    std::atomic<int> in_flight{0}, most{0};
    // Joined before the pool is destroyed: a completing thread may still be inside the pool's
    // post() (its wake-up comes after the unlock) when the execution it ended is seen to end.
    std::mutex threads_mutex;
    std::vector<std::thread> threads;
    h.engine.invokers().set_default(std::make_shared<lambda_invoker>([&](stepfn::task_request r, stepfn::task_completion done) {
        const int now = ++in_flight;
        for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {}
        std::lock_guard<std::mutex> lock(threads_mutex);
        threads.emplace_back([&in_flight, input = std::move(r.input), d = std::move(done)]() mutable {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            --in_flight;
            d.succeed(input);
        });
    }));
    auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":3,"End":true,
        "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}}}}})");
    json items = json::array();
    for (int i = 0; i < 60; ++i) items.push_back(i);
    auto out = h.engine.start(machine, items)->wait();
    CHECK((out && *out == items));
    CHECK(most.load() <= 3);
    std::lock_guard<std::mutex> lock(threads_mutex);
    for (auto& t : threads) t.join();
}

// A thread pool that counts what is posted to it.
struct counting_pool {
    explicit counting_pool(std::size_t threads) : pool(threads) {}
    template <class F>
    void post(F&& fn) {
        ++posts;
        pool.post(std::forward<F>(fn));
    }
    std::size_t concurrency() const { return pool.concurrency(); }
    std::atomic<int> posts{0};
    stepfn::thread_pool_executor pool;
};

// Dropping an ended execution whose output is an array of 4,096 values or more posts jobs that
// free it beside the dropping thread (engine_options::parallel_frees), only while the engine
// lives: the host destroys the executor after the engine.
TEST_CASE("A large Map output is freed with the executor's threads when its execution is dropped",
          "[engine][map][concurrency]") {
    const auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":10,
        "ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"i.$":"$.i","kind":"item"},
        "End":true}}},"End":true}}})");
    json items = json::array();
    for (int i = 0; i < 5000; ++i) items.push_back(json{{"i", i}, {"name", "item-" + std::to_string(i)}});
    const bool parallel = GENERATE(true, false);
    const bool engine_first = GENERATE(false, true);
    counting_pool pool(2);
    stepfn::system_clock clock;
    stepfn::engine_options options;
    options.parallel_frees = parallel;
    auto engine = std::make_unique<stepfn::basic_engine<counting_pool, stepfn::system_clock>>(pool, clock, options);
    std::optional<stepfn::execution> run(*engine->start(machine, json{{"items", items}}));
    auto out = run->wait();
    REQUIRE(out);
    REQUIRE(out->size() == 5000);
    CHECK((*out)[4999] == json({{"i", 4999}, {"kind", "item"}}));
    out = json();
    // The execution's own jobs are over: the record is this handle's alone.
    for (int i = 0; i < 500 && run->status() == stepfn::execution_status::running; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (engine_first) engine.reset();
    const int before = pool.posts.load();
    run.reset();
    CHECK(pool.posts.load() - before == (parallel && !engine_first ? 2 : 0));
}

} // namespace map_runner_test
