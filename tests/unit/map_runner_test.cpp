// A Map's runners and the executor: every 64 items a runner hands its thread back when another
// job waits for it, and goes on in the same job when none does; runners share MaxConcurrency;
// the runner that claims the last item frees the item array.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
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

} // namespace map_runner_test
