#include "catch.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <stepfn/clocks/clock_traits.hpp>
#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/clocks/virtual_clock.hpp>

namespace clock_test {

namespace {

using namespace std::chrono_literals;

static_assert(stepfn::is_clock_v<stepfn::virtual_clock>);
static_assert(stepfn::is_clock_v<stepfn::system_clock>);
static_assert(stepfn::is_virtual_clock_v<stepfn::virtual_clock>);
static_assert(!stepfn::is_virtual_clock_v<stepfn::system_clock>);
static_assert(!stepfn::is_clock_v<int>);
#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
static_assert(stepfn::timer_clock<stepfn::system_clock>);
static_assert(stepfn::steppable_clock<stepfn::virtual_clock>);
static_assert(!stepfn::steppable_clock<stepfn::system_clock>);
#endif

// 2024-01-01T00:00:00Z
const stepfn::time_point t0{std::chrono::seconds(1704067200)};

} // namespace

TEST_CASE("virtual_clock starts at a fixed instant and moves only when told", "[clock]") {
    stepfn::virtual_clock clock;
    CHECK(clock.now() == t0);
    CHECK(clock.now() == t0);
    CHECK_FALSE(clock.advance_to_next());
    CHECK(clock.now() == t0);
    CHECK_FALSE(clock.next_deadline().has_value());
    CHECK(clock.pending() == 0);

    clock.advance(90s);
    CHECK(clock.now() == t0 + 90s);
    clock.advance_to(t0 + 1h);
    CHECK(clock.now() == t0 + 1h);

    SECTION("never backwards") {
        clock.advance_to(t0);
        CHECK(clock.now() == t0 + 1h);
        clock.advance(-5s);
        CHECK(clock.now() == t0 + 1h);
    }

    SECTION("the longest advance fires everything without overflowing") {
        int fired = 0;
        clock.schedule_at(t0 + 24h * 365 * 100, [&] { ++fired; });
        clock.advance((std::chrono::nanoseconds::max)());
        CHECK(fired == 1);
        CHECK(clock.now() == (stepfn::time_point::max)());
    }

    stepfn::virtual_clock other(t0 + 24h);
    CHECK(other.now() == t0 + 24h);
}

TEST_CASE("virtual_clock::advance_to_next jumps to the earliest deadline and fires what is due there", "[clock]") {
    stepfn::virtual_clock clock;
    std::vector<std::string> fired;
    std::vector<stepfn::time_point> seen_at;
    auto record = [&](std::string name) {
        return [&, name] { fired.push_back(name); seen_at.push_back(clock.now()); };
    };
    clock.schedule_at(t0 + 10s, record("b1"));
    clock.schedule_at(t0 + 5s, record("a"));
    clock.schedule_at(t0 + 10s, record("b2"));
    clock.schedule_at(t0 + 20s, record("c"));
    CHECK(clock.pending() == 4);
    CHECK(clock.next_deadline() == t0 + 5s);

    CHECK(clock.advance_to_next());
    CHECK(fired == std::vector<std::string>{"a"});
    CHECK(clock.now() == t0 + 5s);

    CHECK(clock.advance_to_next());
    CHECK(fired == std::vector<std::string>{"a", "b1", "b2"});  // same instant: scheduling order
    CHECK(clock.now() == t0 + 10s);

    CHECK(clock.advance_to_next());
    CHECK(fired == std::vector<std::string>{"a", "b1", "b2", "c"});
    CHECK(seen_at == std::vector<stepfn::time_point>{t0 + 5s, t0 + 10s, t0 + 10s, t0 + 20s});
    CHECK_FALSE(clock.advance_to_next());
    CHECK(clock.pending() == 0);
}

TEST_CASE("virtual_clock fires a past deadline at the current time", "[clock]") {
    stepfn::virtual_clock clock(t0 + 1h);
    stepfn::time_point fired_at{};
    clock.schedule_at(t0, [&] { fired_at = clock.now(); });
    CHECK(clock.next_deadline() == t0);
    CHECK(clock.advance_to_next());
    CHECK(fired_at == t0 + 1h);
    CHECK(clock.now() == t0 + 1h);
}

TEST_CASE("virtual_clock::advance fires every due timer in order, including ones scheduled by callbacks", "[clock]") {
    stepfn::virtual_clock clock;
    std::vector<std::string> fired;
    clock.schedule_at(t0 + 1s, [&] {
        fired.push_back("1s");
        // Within the window: fires during this advance.
        clock.schedule_at(clock.now() + 2s, [&] { fired.push_back("3s (from 1s)"); });
        // Same instant as now: fires right after, before later deadlines.
        clock.schedule_at(clock.now(), [&] { fired.push_back("1s again"); });
        // Beyond the window: stays pending.
        clock.schedule_at(clock.now() + 1h, [&] { fired.push_back("late"); });
    });
    clock.schedule_at(t0 + 2s, [&] { fired.push_back("2s"); });
    clock.schedule_at(t0 + 5s, [&] { fired.push_back("5s"); });
    clock.schedule_at(t0 + 6s, [&] { fired.push_back("6s"); });

    clock.advance(5s);
    CHECK(fired == std::vector<std::string>{"1s", "1s again", "2s", "3s (from 1s)", "5s"});
    CHECK(clock.now() == t0 + 5s);
    CHECK(clock.pending() == 2);
    CHECK(clock.next_deadline() == t0 + 6s);

    clock.advance_to(t0 + 2h);
    CHECK(fired.size() == 7);
    CHECK(fired[5] == "6s");
    CHECK(fired[6] == "late");
    CHECK(clock.now() == t0 + 2h);
}

TEST_CASE("virtual_clock::cancel", "[clock]") {
    stepfn::virtual_clock clock;
    int fired = 0;
    const auto a = clock.schedule_at(t0 + 1s, [&] { fired += 1; });
    const auto b = clock.schedule_at(t0 + 1s, [&] { fired += 10; });
    CHECK(a != b);
    CHECK(clock.cancel(a));
    CHECK_FALSE(clock.cancel(a));
    CHECK(clock.pending() == 1);
    CHECK(clock.advance_to_next());
    CHECK(fired == 10);
    CHECK_FALSE(clock.cancel(b));  // already fired
    CHECK_FALSE(clock.cancel(12345));

    SECTION("a callback may cancel a timer due at the same instant") {
        stepfn::timer_id later = 0;
        clock.schedule_at(t0 + 2s, [&] { CHECK(clock.cancel(later)); });
        later = clock.schedule_at(t0 + 2s, [&] { fired += 100; });
        CHECK(clock.advance_to_next());
        CHECK(fired == 10);
        CHECK(clock.pending() == 0);
    }
    SECTION("cancelling the earliest timer moves next_deadline") {
        const auto first = clock.schedule_at(t0 + 3s, [] {});
        clock.schedule_at(t0 + 4s, [] {});
        CHECK(clock.cancel(first));
        CHECK(clock.next_deadline() == t0 + 4s);
    }
}

TEST_CASE("virtual_clock releases what a cancelled or fired callback owns", "[clock]") {
    stepfn::virtual_clock clock;
    auto owned = std::make_shared<int>(1);
    std::weak_ptr<int> watch = owned;
    const auto id = clock.schedule_at(t0 + 1s, [p = std::move(owned)] { (void)p; });
    CHECK_FALSE(watch.expired());
    CHECK(clock.cancel(id));
    CHECK(watch.expired());
}

TEST_CASE("virtual_clock can be advanced while other threads schedule", "[clock][concurrency]") {
    stepfn::virtual_clock clock;
    std::atomic<int> fired{0};
    constexpr int threads = 4;
    constexpr int per_thread = 200;
    std::vector<std::thread> schedulers;
    for (int t = 0; t < threads; ++t)
        schedulers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i)
                clock.schedule_at(t0 + std::chrono::seconds(t * per_thread + i), [&] { ++fired; });
        });
    for (int i = 0; i < 50; ++i) clock.advance_to_next();
    for (auto& s : schedulers) s.join();
    while (clock.advance_to_next()) {
    }
    CHECK(fired.load() == threads * per_thread);
    CHECK(clock.now() >= t0 + std::chrono::seconds(threads * per_thread - 1));
}

TEST_CASE("virtual_clock::now, read without its lock, never goes back while another thread advances", "[clock][concurrency]") {
    stepfn::virtual_clock clock;
    constexpr int steps = 2000;
    for (int i = 1; i <= steps; ++i) clock.schedule_at(t0 + std::chrono::seconds(i), [] {});
    std::atomic<bool> done{false};
    std::thread advancer([&] {
        while (clock.advance_to_next()) {
        }
        done = true;
    });
    stepfn::time_point last = clock.now();
    bool monotonic = true;
    while (!done.load()) {
        const stepfn::time_point now = clock.now();
        if (now < last) monotonic = false;
        last = now;
    }
    advancer.join();
    CHECK(monotonic);
    CHECK(clock.now() == t0 + std::chrono::seconds(steps));
}

namespace {

// Collects what a system_clock's thread fires, for the test thread to wait on.
struct firing_log {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> names;

    std::function<void()> add(std::string name) {
        return [this, name] {
            std::lock_guard<std::mutex> lock(mutex);
            names.push_back(name);
            changed.notify_all();
        };
    }
    // Generous: only a broken clock makes this wait long.
    bool wait_for(std::size_t count) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, 5s, [&] { return names.size() >= count; });
    }
    std::vector<std::string> snapshot() {
        std::lock_guard<std::mutex> lock(mutex);
        return names;
    }
};

} // namespace

TEST_CASE("system_clock reads the wall clock", "[clock]") {
    stepfn::system_clock clock;
    const auto before = std::chrono::system_clock::now();
    const auto now = clock.now();
    CHECK(now >= before);
    CHECK(now <= std::chrono::system_clock::now());
    CHECK(clock.pending() == 0);
}

TEST_CASE("system_clock fires timers in deadline order, not scheduling order", "[clock][concurrency]") {
    firing_log log;  // outlives the clock, whose thread uses it
    stepfn::system_clock clock;
    const auto start = clock.now();
    clock.schedule_at(start + 40ms, log.add("40ms"));
    clock.schedule_at(start + 10ms, log.add("10ms"));
    clock.schedule_at(start + 25ms, log.add("25ms"));
    REQUIRE(log.wait_for(3));
    CHECK(log.snapshot() == std::vector<std::string>{"10ms", "25ms", "40ms"});
    CHECK(clock.now() >= start + 40ms);
    CHECK(clock.pending() == 0);
}

TEST_CASE("system_clock fires timers due at the same instant in scheduling order", "[clock][concurrency]") {
    firing_log log;  // outlives the clock, whose thread uses it
    stepfn::system_clock clock;
    const auto when = clock.now() + 10ms;
    for (int i = 0; i < 5; ++i) clock.schedule_at(when, log.add(std::to_string(i)));
    clock.schedule_at(clock.now() - 1s, log.add("past"));
    REQUIRE(log.wait_for(6));
    CHECK(log.snapshot() == std::vector<std::string>{"past", "0", "1", "2", "3", "4"});
}

TEST_CASE("system_clock does not fire before the deadline", "[clock][concurrency]") {
    firing_log log;  // outlives the clock, whose thread uses it
    stepfn::system_clock clock;
    const auto start = std::chrono::system_clock::now();
    std::atomic<std::int64_t> fired_after_ns{0};
    clock.schedule_at(start + 20ms, [&] {
        fired_after_ns = (std::chrono::system_clock::now() - start).count();
        log.add("x")();
    });
    REQUIRE(log.wait_for(1));
    CHECK(std::chrono::system_clock::duration(fired_after_ns.load()) >= 20ms);
}

TEST_CASE("system_clock::cancel", "[clock][concurrency]") {
    firing_log log;  // outlives the clock, whose thread uses it
    stepfn::system_clock clock;
    const auto start = clock.now();
    const auto cancelled = clock.schedule_at(start + 10ms, log.add("cancelled"));
    const auto kept = clock.schedule_at(start + 30ms, log.add("kept"));
    CHECK(clock.cancel(cancelled));
    CHECK_FALSE(clock.cancel(cancelled));
    REQUIRE(log.wait_for(1));
    CHECK(log.snapshot() == std::vector<std::string>{"kept"});
    CHECK_FALSE(clock.cancel(kept));  // it fired
}

TEST_CASE("system_clock wakes early for a timer earlier than the one it sleeps on", "[clock][concurrency]") {
    firing_log log;  // outlives the clock, whose thread uses it
    stepfn::system_clock clock;
    const auto start = clock.now();
    clock.schedule_at(start + 1h, log.add("hour"));
    std::this_thread::sleep_for(5ms);  // let the thread fall asleep on the hour
    clock.schedule_at(start + 10ms, log.add("soon"));
    REQUIRE(log.wait_for(1));
    CHECK(log.snapshot() == std::vector<std::string>{"soon"});
    CHECK(clock.pending() == 1);
}

TEST_CASE("system_clock callbacks may schedule and cancel on the same clock", "[clock][concurrency]") {
    firing_log log;  // outlives the clock, whose thread uses it
    stepfn::system_clock clock;
    stepfn::timer_id doomed = clock.schedule_at(clock.now() + 1h, log.add("doomed"));
    clock.schedule_at(clock.now() + 5ms, [&] {
        clock.cancel(doomed);
        clock.schedule_at(clock.now() + 5ms, log.add("chained"));
    });
    REQUIRE(log.wait_for(1));
    CHECK(log.snapshot() == std::vector<std::string>{"chained"});
    CHECK(clock.pending() == 0);
}

TEST_CASE("system_clock survives a throwing callback", "[clock][concurrency]") {
    firing_log log;  // outlives the clock, whose thread uses it
    stepfn::system_clock clock;
    clock.schedule_at(clock.now() + 1ms, [] { throw std::runtime_error("boom"); });
    clock.schedule_at(clock.now() + 5ms, log.add("after"));
    REQUIRE(log.wait_for(1));
    CHECK(log.snapshot() == std::vector<std::string>{"after"});
}

TEST_CASE("system_clock's destructor drops unfired timers and releases them", "[clock][concurrency]") {
    auto owned = std::make_shared<int>(7);
    std::weak_ptr<int> watch = owned;
    std::atomic<bool> fired{false};
    {
        stepfn::system_clock clock;
        clock.schedule_at(clock.now() + 1h, [p = std::move(owned), &fired] { fired = true; });
        std::this_thread::sleep_for(2ms);
    }
    CHECK(watch.expired());
    CHECK_FALSE(fired.load());

    stepfn::system_clock never_used;  // no thread to join
    (void)never_used;
}

TEST_CASE("system_clock accepts timers from many threads", "[clock][concurrency]") {
    std::atomic<int> fired{0};
    std::mutex mutex;
    std::condition_variable done;
    stepfn::system_clock clock;  // destroyed first: its thread uses the above
    constexpr int threads = 4;
    constexpr int per_thread = 50;
    std::vector<std::thread> schedulers;
    for (int t = 0; t < threads; ++t)
        schedulers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i)
                clock.schedule_at(clock.now() + std::chrono::milliseconds((t + i) % 7), [&] {
                    if (++fired == threads * per_thread) {
                        std::lock_guard<std::mutex> lock(mutex);
                        done.notify_all();
                    }
                });
        });
    for (auto& s : schedulers) s.join();
    std::unique_lock<std::mutex> lock(mutex);
    CHECK(done.wait_for(lock, 5s, [&] { return fired.load() == threads * per_thread; }));
}

TEST_CASE("virtual_clock keeps its other timers when a callback throws", "[clock]") {
    stepfn::virtual_clock clock;
    int fired = 0;
    clock.schedule_at(t0 + 1s, [] { throw std::runtime_error("boom"); });
    clock.schedule_at(t0 + 1s, [&] { ++fired; });
    CHECK_THROWS_AS(clock.advance_to_next(), std::runtime_error);
    CHECK(clock.pending() == 1);
    CHECK(clock.now() == t0 + 1s);
    CHECK(clock.advance_to_next());
    CHECK(fired == 1);
}
} // namespace clock_test
