// execution::join() and wait() on a thread pool that lets the joining thread run queued jobs
// (thread_pool_executor with joiners_help, try_run_one, executor_traits.hpp).

#include "catch.hpp"
#include "engine_harness.hpp"
#include "held_task.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace thread_pool_join_test {

namespace {

using namespace std::chrono_literals;
using pool_engine = stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock>;

// A Parallel of `branches` Pass states, branch i giving i: its output is [0, 1, ...].
std::string parallel_of(int branches) {
    std::string text = R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[)";
    for (int i = 0; i < branches; ++i) {
        if (i != 0) text += ',';
        const std::string name = "B" + std::to_string(i);  // state names are unique in a machine
        text += R"({"StartAt":")" + name + R"(","States":{")" + name + R"(":{"Type":"Pass","Result":)" +
                std::to_string(i) + R"(,"End":true}}})";
    }
    return text + "]}}}";
}

json expected_output(int branches) {
    json out = json::array();
    for (int i = 0; i < branches; ++i) out.push_back(i);
    return out;
}

// Whether the execution succeeded with this output (waiting for it).
bool gives(const stepfn::execution& run, const json& expected) {
    auto output = run.wait();
    return output && *output == expected;
}

// Holds one of the pool's threads in a job until released (or until 10 s have passed, so that
// a join that never helps fails the test instead of hanging it).
struct held_thread {
    std::mutex mutex;
    std::condition_variable changed;
    bool started = false;
    bool released = false;
    bool timed_out = false;

    explicit held_thread(stepfn::thread_pool_executor& pool) {
        pool.post([this] {
            std::unique_lock<std::mutex> lock(mutex);
            started = true;
            changed.notify_all();
            timed_out = !changed.wait_for(lock, 10s, [this] { return released; });
        });
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [this] { return started; });
    }
    void release() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            released = true;
        }
        changed.notify_all();
    }
    bool held_throughout() {
        std::lock_guard<std::mutex> lock(mutex);
        return !timed_out;
    }
};

// Another execution's work, always queued: runs once, then posts itself again until stopped.
struct endless_job {
    stepfn::thread_pool_executor* pool;
    std::atomic<bool>* stop;
    std::atomic<int>* runs_here;
    std::thread::id here;
    void operator()() const {
        if (std::this_thread::get_id() == here) ++*runs_here;
        if (!stop->load()) pool->post(endless_job(*this));
    }
};

} // namespace

TEST_CASE("join on a pool runs the execution's jobs on the joining thread", "[executor][concurrency][parallel]") {
    stepfn::thread_pool_executor pool(1);  // joiners help by default
    stepfn::system_clock clock;
    pool_engine engine(pool, clock);
    auto machine = load(parallel_of(20));
    held_thread held(pool);  // the pool's only thread is busy: only the joiner can run the execution

    auto run = engine.start(machine);
    REQUIRE(run);
    CHECK(run->join() == stepfn::execution_status::succeeded);
    CHECK(held.held_throughout());
    held.release();
    REQUIRE(run->output());
    CHECK(*run->output() == expected_output(20));
    pool.shutdown();
    CHECK(held.held_throughout());
}

// A Map's runner on the joiner's thread hands itself back to the pool every 64 items; with the
// pool's only thread held, the joiner takes it again and the Map still ends.
TEST_CASE("join on a pool runs a long Map whose runner the joiner hands over", "[executor][concurrency][map]") {
    stepfn::thread_pool_executor pool(1);
    stepfn::system_clock clock;
    pool_engine engine(pool, clock);
    auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
        "ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}}}})");
    json items = json::array();
    for (int i = 0; i < 300; ++i) items.push_back(i);
    held_thread held(pool);

    auto run = engine.start(machine, items);
    REQUIRE(run);
    CHECK(gives(*run, items));
    CHECK(held.held_throughout());
    held.release();
    pool.shutdown();
}

TEST_CASE("join returns when its execution ends while other executions' jobs keep the queue full",
          "[executor][concurrency][parallel]") {
    const std::size_t threads = GENERATE(std::size_t{1}, std::size_t{2});
    INFO(threads << " threads");
    stepfn::thread_pool_options options;
    options.threads = threads;
    options.joiners_help = true;
    stepfn::thread_pool_executor pool(options);
    stepfn::system_clock clock;
    pool_engine engine(pool, clock);
    auto machine = load(parallel_of(8));
    held_thread held(pool);  // with one thread, only the joiner runs anything
    std::atomic<bool> stop{false};
    std::atomic<int> runs_here{0};
    pool.post(endless_job{&pool, &stop, &runs_here, std::this_thread::get_id()});

    for (int i = 0; i < 20; ++i) {
        auto run = engine.start(machine);
        REQUIRE(run);
        CHECK(gives(*run, expected_output(8)));
    }
    stop = true;
    held.release();
    pool.shutdown();
    CHECK(held.held_throughout());
    // With one thread the joiner found the other work queued ahead of its first execution's.
    if (threads == 1) CHECK(runs_here.load() > 0);
}

TEST_CASE("join blocks while its execution waits, and returns at once after the end", "[executor][concurrency]") {
    stepfn::thread_pool_options options;
    options.threads = 2;
    options.joiners_help = true;
    stepfn::thread_pool_executor pool(options);
    stepfn::system_clock clock;
    pool_engine engine(pool, clock);
    held_task_support::held_task held(engine, "held");
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"held","End":true}}})");
    auto run = engine.start(machine);
    REQUIRE(run);
    std::thread answerer = held.answer_later(json{{"answered", true}}, 20ms);  // the joiner has found the queue empty and blocks
    CHECK(run->join() == stepfn::execution_status::succeeded);
    answerer.join();
    REQUIRE(run->output());
    CHECK(*run->output() == json{{"answered", true}});

    // After the end: at once, as often as asked, for a failure too.
    CHECK(run->join() == stepfn::execution_status::succeeded);
    CHECK(gives(*run, json{{"answered", true}}));
    auto failed = engine.start(load(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}})"));
    REQUIRE(failed);
    CHECK(failed->join() == stepfn::execution_status::failed);
    CHECK(failed->join() == stepfn::execution_status::failed);
    CHECK(failed->wait().error().name == "Boom");
    pool.shutdown();
}

TEST_CASE("join from many threads at once: each its own executions, and several on one",
          "[executor][concurrency][parallel]") {
    stepfn::thread_pool_options options;
    options.threads = 2;
    options.joiners_help = true;
    stepfn::thread_pool_executor pool(options);
    stepfn::system_clock clock;
    pool_engine engine(pool, clock);
    auto machine = load(parallel_of(10));
    std::atomic<int> succeeded{0};
    std::vector<std::thread> joiners;
    constexpr int hosts = 4;
    constexpr int per_host = 50;
    for (int t = 0; t < hosts; ++t)
        joiners.emplace_back([&] {
            for (int i = 0; i < per_host; ++i) {
                auto run = engine.start(machine);
                if (run && gives(*run, expected_output(10))) ++succeeded;
            }
        });
    // One execution joined by several threads, started while the others run.
    auto shared = engine.start(machine);
    REQUIRE(shared);
    std::atomic<int> shared_seen{0};
    for (int t = 0; t < hosts; ++t)
        joiners.emplace_back([&] {
            if (shared->join() == stepfn::execution_status::succeeded) ++shared_seen;
        });
    for (auto& t : joiners) t.join();
    CHECK(succeeded.load() == hosts * per_host);
    CHECK(shared_seen.load() == hosts);
    CHECK(pool.failures() == 0);
    pool.shutdown();
}

TEST_CASE("join from inside a pool's job blocks instead of helping, and a pool can turn helping off",
          "[executor][concurrency][parallel]") {
    const bool joiners_help = GENERATE(true, false);
    INFO((joiners_help ? "joiners help" : "joiners only block"));
    stepfn::thread_pool_options options;
    options.threads = 2;
    options.joiners_help = joiners_help;
    stepfn::thread_pool_executor pool(options);
    stepfn::system_clock clock;
    pool_engine engine(pool, clock);
    auto machine = load(parallel_of(10));

    // A job that joins: the pool's other thread runs the execution.
    std::promise<stepfn::execution_status> inner;
    auto joined = inner.get_future();
    pool.post([&] {
        auto run = engine.start(machine);
        inner.set_value(run ? run->join() : stepfn::execution_status::failed);
    });
    REQUIRE(joined.wait_for(10s) == std::future_status::ready);
    CHECK(joined.get() == stepfn::execution_status::succeeded);

    // From the host, with or without helping.
    auto run = engine.start(machine);
    REQUIRE(run);
    CHECK(gives(*run, expected_output(10)));
    pool.shutdown();
}

} // namespace thread_pool_join_test
