// The workloads of issue 21 ("cost per state independent of payload size, fan-out that scales,
// history at memory speed"), each without and with an in-memory history sink (`history`):
//
//   large_*     a 200 KiB document through 100 states that each merge a small result into it
//               (Pass with Result, Pass with Parameters, Task), against hand-written loops that
//               do the same merges by moving JSON (baseline_large);
//   growing     100 to 800 Pass states each adding a copy of a 250 B or 1 KiB blob: the cost
//               per state must not grow with the number of states before it;
//   parallel_50 a Parallel of 50 branches, on the manual executor and on pools of 1 and 2
//               threads (process CPU time is measured next to wall time);
//               baseline_parallel_50 does the same JSON work by hand on the host and N threads;
//   map_10      a Map of 100,000 items with MaxConcurrency 10, on the same executors, against
//               the same shaping written by hand on pre-started threads (baseline_map_10);
//   callbacks   100,000 task tokens completed from another thread (a Map of .waitForTaskToken
//               tasks on a 2-thread pool);
//   parallel_50_work, map_work
//               fan-out that carries work: a Parallel of 50 Tasks of about 20 µs of CPU each, a
//               Map of 10,000 Tasks of about 5 µs each (MaxConcurrency 10), on the same executors,
//               against the CPU job alone on the host and N threads (baseline_fanout_work).
//
// Inputs are built outside the timed region and handed over by move. benchmarks/compare.py
// --cliffs runs this beside the peer engine and prints the targets.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sys/resource.h>
#include <time.h>
#endif

#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/tasks/callable_invoker.hpp>

#include "bench_support.hpp"
#include "fanout_floors.hpp"

namespace {

using stepfn::json;
using stepfn_bench::cpu_job;
using stepfn_bench::map_floor;
using stepfn_bench::parallel_floor;
using manual_engine = stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock>;
using pool_engine = stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock>;

constexpr int large_states = 100;
constexpr std::size_t large_bytes = 200 * 1024;
constexpr int map_items = 100'000;
constexpr int work_items = 10'000;
// As benchmarks/definitions/generate.py writes them into parallel_50_work.json and map_work_10.json.
constexpr std::int64_t parallel_work_rounds = 20;
constexpr std::int64_t map_work_rounds = 5;

std::shared_ptr<stepfn::memory_sink> sink_if(bool history) {
    return history ? std::make_shared<stepfn::memory_sink>() : nullptr;
}

// {"id": 7, "big": [...]}: order lines of strings, integers and floats, 200 KiB serialised.
json large_input() {
    json lines = json::array();
    std::size_t size = 0;
    for (int i = 0; size < large_bytes; ++i) {
        json line = {{"sku", "SKU-" + std::to_string(100000 + i)},
                     {"qty", i % 7 + 1},
                     {"price", 12.75 + i * 0.01},
                     {"note", "deliver to the side door, ring twice"}};
        size += line.dump().size() + 1;
        lines.push_back(std::move(line));
    }
    return json{{"id", 7}, {"big", std::move(lines)}};
}

json blob_input(std::size_t bytes) { return json{{"id", 7}, {"blob", std::string(bytes, 'x')}}; }

json items_input(int count) {
    json items = json::array();
    for (int i = 0; i < count; ++i) items.push_back(json{{"id", i}, {"name", "item-" + std::to_string(i)}});
    return json{{"items", std::move(items)}};
}

json untimed_copy(benchmark::State& state, const json& input) {
    state.PauseTiming();
    json copy = input;
    state.ResumeTiming();
    return copy;
}

json lookup_result() { return json{{"price", 12.5}, {"currency", "EUR"}, {"warehouse", "north"}, {"stock", 3}}; }

// The workloads' Lambda functions: `lookup` answers at once, `work` runs the CPU job its input
// asks for.
void add_lookup(stepfn::invoker_registry& invokers) {
    invokers.add("arn:aws:lambda:us-east-1:123456789012:function:lookup",
                 stepfn::make_invoker([](const json&) { return lookup_result(); }));
    invokers.add("arn:aws:lambda:us-east-1:123456789012:function:work", stepfn::make_invoker([](const json& in) {
                     return json{{"hash", cpu_job(in.at("rounds").get<std::int64_t>(), in.at("seed").get<std::int64_t>())}};
                 }));
}

// The calling thread's CPU time (ms), where the system says.
double thread_cpu_ms() {
#if defined(__linux__)
    timespec t{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0) return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
#endif
    return 0;
}

// What dropping the execution's handle cost the host (freeing the output when the host lets go
// of it last), summed over the executions: wall and the host thread's CPU time, in ms.
struct drop_cost {
    double wall_ms = 0;
    double cpu_ms = 0;
};

template <class Engine>
bool run_once(benchmark::State& state, Engine& engine, const stepfn::state_machine& machine, json input,
              drop_cost* drop = nullptr) {
    auto run = engine.start(machine, std::move(input));
    if (!run) {
        state.SkipWithError(run.error().cause.c_str());
        return false;
    }
    std::optional<stepfn::execution> held(std::move(*run));
    if (held->join() != stepfn::execution_status::succeeded) {
        const auto outcome = held->outcome();
        state.SkipWithError((outcome.error().name + ": " + outcome.error().cause).c_str());
        return false;
    }
    benchmark::DoNotOptimize(held->output());
    if (!drop) return true;
    const auto wall = std::chrono::steady_clock::now();
    const double cpu = thread_cpu_ms();
    held.reset();
    drop->wall_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall).count();
    drop->cpu_ms += thread_cpu_ms() - cpu;
    return true;
}

// One execution of `file` per iteration on the manual executor, `items` items each.
void run_manual(benchmark::State& state, const char* file, const json& input, std::int64_t items, bool history) {
    const auto machine = stepfn_bench::load(file);
    auto sink = sink_if(history);
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    manual_engine engine(executor, clock, stepfn_bench::engine_options(sink));
    add_lookup(engine.invokers());
    for (auto _ : state) {
        if (!run_once(state, engine, machine, untimed_copy(state, input))) break;
        if (sink) sink->clear();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * items);
}

// A pool of `threads`; STEPFN_BENCH_JOINERS_HELP=0 or 1 overrides its default `joiners_help`,
// STEPFN_BENCH_IDLE_SPIN_US its default `idle_spin` (0: no thread spins) and
// STEPFN_BENCH_JOINERS_WATCH=1 its default `joiners_watch` (a joiner that does not help
// watches its execution before it blocks), to measure each.
std::unique_ptr<stepfn::thread_pool_executor> make_pool(int threads) {
    const char* help = std::getenv("STEPFN_BENCH_JOINERS_HELP");
    const char* spin = std::getenv("STEPFN_BENCH_IDLE_SPIN_US");
    const char* watch = std::getenv("STEPFN_BENCH_JOINERS_WATCH");
    stepfn::thread_pool_options options;
    options.threads = static_cast<std::size_t>(threads);
    if (help && *help) options.joiners_help = *help != '0';
    if (spin && *spin) options.idle_spin = std::chrono::microseconds(std::atol(spin));
    if (watch && *watch) options.joiners_watch = *watch == '1';
    return std::make_unique<stepfn::thread_pool_executor>(options);
}

// The calling thread's voluntary context switches so far (its sleeps: a join that blocked),
// where the system says.
long host_sleeps() {
#if defined(__linux__) && defined(RUSAGE_THREAD)
    rusage usage{};
    if (getrusage(RUSAGE_THREAD, &usage) == 0) return usage.ru_nvcsw;
#endif
    return 0;
}

// The same on a thread pool of `threads` (0: the manual executor).
void run_on(benchmark::State& state, const char* file, const json& input, std::int64_t items, int threads, bool history) {
    if (threads == 0) return run_manual(state, file, input, items, history);
    const auto machine = stepfn_bench::load(file);
    auto sink = sink_if(history);
    const auto pool = make_pool(threads);
    stepfn::system_clock clock;
    pool_engine engine(*pool, clock, stepfn_bench::engine_options(sink));
    add_lookup(engine.invokers());
    const long slept = host_sleeps();
    // The drop is timed only for a big output: a thread's CPU clock is a system call, about a
    // microsecond per read, which a Parallel of 50 (about 20 µs) would show.
    drop_cost drop;
    drop_cost* const timed_drop = items >= 10000 ? &drop : nullptr;
    for (auto _ : state) {
        if (!run_once(state, engine, machine, untimed_copy(state, input), timed_drop)) break;
        if (sink) sink->clear();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * items);
    // How often the host's thread slept per execution (in join(), mostly).
    state.counters["host_sleeps"] = benchmark::Counter(static_cast<double>(host_sleeps() - slept),
                                                       benchmark::Counter::kAvgIterations);
    if (!timed_drop) return;
    // The serial tail: the host's time dropping the handle, per execution.
    state.counters["drop_ms"] = benchmark::Counter(drop.wall_ms, benchmark::Counter::kAvgIterations);
    state.counters["drop_cpu_ms"] = benchmark::Counter(drop.cpu_ms, benchmark::Counter::kAvgIterations);
}

// ---- A 200 KiB document through 100 states ------------------------------------------------

const char* large_file(std::int64_t variant) {
    static const char* files[] = {"large_pass_result_100.json", "large_pass_parameters_100.json", "large_task_100.json"};
    return files[variant];
}

void large(benchmark::State& state) {
    static const json input = large_input();
    run_manual(state, large_file(state.range(0)), input, large_states, state.range(1) != 0);
}
BENCHMARK(large)->ArgNames({"variant", "history"})->ArgsProduct({{0, 1, 2}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime();

// What each of the 100 states does, written by hand with moves: the result merged into the
// document at $.last, and for the Task, the lookup called on the document.
void baseline_large(benchmark::State& state) {
    static const json input = large_input();
    const auto variant = state.range(0);
    for (auto _ : state) {
        json doc = untimed_copy(state, input);
        for (int i = 0; i < large_states; ++i) {
            if (variant == 0) {
                doc["last"] = json{{"step", i}, {"ok", true}};
            } else if (variant == 1) {
                json shaped = {{"id", doc["id"]}, {"step", i}};
                doc["last"] = std::move(shaped);
            } else {
                const json& effective = doc;
                benchmark::DoNotOptimize(&effective);
                doc["last"] = lookup_result();
            }
        }
        benchmark::DoNotOptimize(doc);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * large_states);
}
BENCHMARK(baseline_large)->ArgName("variant")->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- A state that grows as it runs ---------------------------------------------------------

void growing(benchmark::State& state) {
    const auto states = state.range(0);
    const json input = blob_input(static_cast<std::size_t>(state.range(1)));
    const std::string file = "growing_" + std::to_string(states) + ".json";
    run_manual(state, file.c_str(), input, states, state.range(2) != 0);
}
BENCHMARK(growing)
    ->ArgNames({"states", "blob", "history"})
    ->ArgsProduct({{100, 200, 400, 800}, {250, 1024}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// What each growing state does, written by hand with moves: a copy of the blob added under a
// new key. An ordered_json object finds a key by comparing it with each member's, so this loop
// grows with the number of members too.
void baseline_growing(benchmark::State& state) {
    const auto states = static_cast<int>(state.range(0));
    const json input = blob_input(static_cast<std::size_t>(state.range(1)));
    std::vector<std::string> keys;
    for (int i = 0; i < states; ++i) keys.push_back("s" + std::string(i < 10 ? "00" : i < 100 ? "0" : "") + std::to_string(i));
    for (auto _ : state) {
        json doc = untimed_copy(state, input);
        for (int i = 0; i < states; ++i) {
            json shaped = {{"b", doc["blob"]}};
            doc[keys[static_cast<std::size_t>(i)]] = std::move(shaped);
        }
        benchmark::DoNotOptimize(doc);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * states);
}
BENCHMARK(baseline_growing)
    ->ArgNames({"states", "blob"})
    ->ArgsProduct({{100, 200, 400, 800}, {250, 1024}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// ---- Fan-out: a Parallel of 50 branches, a Map of 100,000 items with MaxConcurrency 10 ------

void parallel_50(benchmark::State& state) {
    static const json input = json{{"id", 7}};
    run_on(state, "parallel_50.json", input, 50, static_cast<int>(state.range(0)), state.range(1) != 0);
}
BENCHMARK(parallel_50)
    ->ArgNames({"threads", "history"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();


void baseline_parallel_50(benchmark::State& state) {
    static const json input = json{{"id", 7}};
    const bool host_works = state.range(2) != 0;
    parallel_floor floor(static_cast<int>(state.range(0)), static_cast<std::size_t>(state.range(1)), host_works);
    for (auto _ : state) benchmark::DoNotOptimize(floor.run(untimed_copy(state, input)));
}
BENCHMARK(baseline_parallel_50)
    ->ArgNames({"threads", "chunk", "host"})
    ->ArgsProduct({{0, 1, 2}, {1, 5, 25}, {1}})
    ->Args({1, 50, 0})  // one thread runs them all while the host waits
    ->Args({2, 5, 0})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

void map_10(benchmark::State& state) {
    static const json input = items_input(map_items);
    run_on(state, "map_concurrency_10.json", input, map_items, static_cast<int>(state.range(0)), state.range(1) != 0);
}
BENCHMARK(map_10)
    ->ArgNames({"threads", "history"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();


void baseline_map_10(benchmark::State& state) {
    static const json input = items_input(map_items);
    map_floor floor(static_cast<int>(state.range(0)));
    double free_cpu_ms = 0;
    for (auto _ : state) {
        json doc = untimed_copy(state, input);
        json output = floor.shape(doc["items"].get_ref<json::array_t&>(), state.range(1) != 0);
        benchmark::DoNotOptimize(output);
        const double cpu = thread_cpu_ms();
        floor.free(output, state.range(2) != 0);
        free_cpu_ms += thread_cpu_ms() - cpu;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * map_items);
    // The serial tail: the host's CPU time freeing the output, per execution.
    state.counters["free_cpu_ms"] = benchmark::Counter(free_cpu_ms, benchmark::Counter::kAvgIterations);
}
BENCHMARK(baseline_map_10)
    ->ArgNames({"threads", "host", "shared_free"})
    ->Args({0, 1, 0})
    ->Args({1, 0, 0})
    ->Args({2, 0, 0})
    ->Args({1, 1, 0})
    ->Args({2, 1, 0})
    ->Args({1, 0, 1})
    ->Args({2, 0, 1})
    ->Args({1, 1, 1})
    ->Args({2, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// ---- Fan-out that carries work: 50 Tasks of ~20 µs, 10,000 Tasks of ~5 µs --------------------

void parallel_50_work(benchmark::State& state) {
    static const json input = json{{"id", 7}};
    run_on(state, "parallel_50_work.json", input, 50, static_cast<int>(state.range(0)), state.range(1) != 0);
}
BENCHMARK(parallel_50_work)
    ->ArgNames({"threads", "history"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

void map_work(benchmark::State& state) {
    static const json input = items_input(work_items);
    run_on(state, "map_work_10.json", input, work_items, static_cast<int>(state.range(0)), state.range(1) != 0);
}
BENCHMARK(map_work)
    ->ArgNames({"threads", "history"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// Their floor: the CPU job alone, `items` times (50 of 20 rounds, or 10,000 of 5, seeded as the
// workloads seed them), on the host alone (threads 0) or shared with N spinning threads, one item
// per claim for the Parallel's, five for the Map's (MaxConcurrency 10 split between two runners).
void baseline_fanout_work(benchmark::State& state) {
    const bool map = state.range(0) != 0;
    const std::size_t items = map ? work_items : 50;
    const std::int64_t rounds = map ? map_work_rounds : parallel_work_rounds;
    std::vector<std::uint64_t> hashes(items);
    const std::function<void(std::size_t)> job = [&](std::size_t i) {
        hashes[i] = cpu_job(rounds, static_cast<std::int64_t>(i));
    };
    stepfn_bench::spin_crew crew(static_cast<int>(state.range(1)), map ? 5 : 1, true);
    for (auto _ : state) {
        crew.run(items, job);
        benchmark::DoNotOptimize(hashes.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(items));
}
BENCHMARK(baseline_fanout_work)
    ->ArgNames({"map", "threads"})
    ->ArgsProduct({{0, 1}, {0, 1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// ---- 100,000 task tokens completed from another thread -------------------------------------

// Hands each token to the completing thread, which answers it with send_task_success.
class token_queue {
public:
    void push(std::string token) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            tokens_.push_back(std::move(token));
        }
        ready_.notify_one();
    }
    // Empty once closed and drained.
    std::string pop() {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return !tokens_.empty() || closed_; });
        if (tokens_.empty()) return {};
        std::string token = std::move(tokens_.front());
        tokens_.pop_front();
        return token;
    }
    void close() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::string> tokens_;
    bool closed_ = false;
};

void callbacks(benchmark::State& state) {
    const auto items = static_cast<int>(state.range(0));
    const json input = items_input(items);
    const auto machine = stepfn_bench::load("map_callbacks.json");
    auto sink = sink_if(state.range(1) != 0);
    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    pool_engine engine(pool, clock, stepfn_bench::engine_options(sink));
    token_queue queue;
    engine.invokers().add("arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                          stepfn::make_invoker([&queue](stepfn::task_request request, stepfn::task_completion) {
                              queue.push(std::move(request.task_token));  // the message is "sent"
                          }));
    std::thread completer([&] {
        const json answer = json{{"ok", true}};
        for (std::string token = queue.pop(); !token.empty(); token = queue.pop())
            (void)engine.send_task_success(token, answer);
    });
    for (auto _ : state) {
        if (!run_once(state, engine, machine, untimed_copy(state, input))) break;
        if (sink) sink->clear();
    }
    queue.close();
    completer.join();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * items);
}
BENCHMARK(callbacks)
    ->ArgNames({"tokens", "history"})
    ->ArgsProduct({{1'000, 10'000, map_items}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

} // namespace

BENCHMARK_MAIN();
