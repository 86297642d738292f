// Workloads 1-4 and 6 of the benchmark suite (docs/performance.md), and the hand-written
// baselines for workloads 1 and 2. Every engine workload runs without and with an in-memory
// history sink (the `history` argument) so that the sink's cost is visible.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/clocks/virtual_clock.hpp>

#include "bench_support.hpp"

namespace {

using stepfn::json;
using manual_engine = stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock>;
using pool_engine = stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock>;

std::shared_ptr<stepfn::memory_sink> sink_for(const benchmark::State& state) {
    return state.range(0) != 0 ? std::make_shared<stepfn::memory_sink>() : nullptr;
}

template <class Engine>
void run_once(benchmark::State& state, Engine& engine, const stepfn::state_machine& machine, json input) {
    auto run = engine.start(machine, std::move(input));
    if (!run) {
        state.SkipWithError(run.error().cause.c_str());
        return;
    }
    // Read the output in place, as a host with a large output would (wait() returns a copy).
    if (run->join() != stepfn::execution_status::succeeded) {
        const auto outcome = run->outcome();
        state.SkipWithError((outcome.error().name + ": " + outcome.error().cause).c_str());
        return;
    }
    benchmark::DoNotOptimize(run->output());
}

// The Map workloads' 10,000-item input is copied outside the timed region and handed over by
// move, as a host that builds an input once would: the figure is the engine's (or the
// baseline's) work on the items, not the harness making a copy of them.
json untimed_copy(benchmark::State& state, const json& input) {
    state.PauseTiming();
    json copy = input;
    state.ResumeTiming();
    return copy;
}

// Lambda-style answers, at once and in process.
void add_invokers(stepfn::invoker_registry& invokers) {
    const std::string prefix = "arn:aws:lambda:us-east-1:123456789012:function:";
    invokers.add(prefix + "charge", stepfn::make_invoker([](const json& in) {
                     return json{{"charged", in.value("amount", 0)}, {"status", "ok"}};
                 }));
    invokers.add(prefix + "lookup", stepfn::make_invoker([](const json&) {
                     return json{{"price", 12.5}, {"currency", "EUR"}, {"warehouse", "north"}, {"stock", 3}};
                 }));
}

// A workload on the manual executor and a virtual clock: each benchmark iteration runs
// `executions` executions of `file`, each counted as `items_per_execution` items.
struct manual_workload {
    const char* file;
    json input;
    std::int64_t items_per_execution;
    int executions = 1;
    bool untimed_input_copy = false;  // the Map's large input: see untimed_copy
};

void run_manual(benchmark::State& state, const manual_workload& w) {
    const auto machine = stepfn_bench::load(w.file);
    auto history = sink_for(state);
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    manual_engine engine(executor, clock, stepfn_bench::engine_options(history));
    add_invokers(engine.invokers());
    for (auto _ : state) {
        for (int i = 0; i < w.executions; ++i)
            run_once(state, engine, machine, w.untimed_input_copy ? untimed_copy(state, w.input) : w.input);
        if (history) history->clear();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * w.items_per_execution * w.executions);
}

// ---- 1. A chain of 1,000 Pass states ------------------------------------------------------

void pass_chain(benchmark::State& state) {
    run_manual(state, {"pass_chain_1000.json", stepfn_bench::small_payload(), 1000});
}
BENCHMARK(pass_chain)->ArgName("history")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same JSON work without an engine: each Pass state's output is a new document made from
// its input (ASL keeps the raw input for ResultPath and Catch), and the next state is found by
// name, as a definition names it.
void baseline_pass_chain(benchmark::State& state) {
    const json definition = json::parse(stepfn_bench::read_definition("pass_chain_1000.json"));
    std::unordered_map<std::string, std::string> next;
    for (const auto& [name, body] : definition["States"].items())
        next[name] = body.contains("Next") ? body["Next"].get<std::string>() : std::string();
    const std::string start = definition["StartAt"].get<std::string>();
    const json input = stepfn_bench::small_payload();
    for (auto _ : state) {
        json current = input;
        for (const std::string* name = &start; !name->empty(); name = &next[*name]) {
            json output = current;
            current = std::move(output);
        }
        benchmark::DoNotOptimize(current);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(baseline_pass_chain)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- 2. A Map over 10,000 items -----------------------------------------------------------

constexpr std::size_t map_items = 10'000;

void map_manual(benchmark::State& state) {
    run_manual(state, {"map_10000.json", stepfn_bench::map_input(map_items), static_cast<std::int64_t>(map_items), 1, true});
}
BENCHMARK(map_manual)->ArgName("history")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// range(1): pool threads; 0 = one per core.
void map_pool(benchmark::State& state) {
    const auto machine = stepfn_bench::load("map_10000.json");
    const json input = stepfn_bench::map_input(map_items);
    auto history = sink_for(state);
    const auto threads = state.range(1) > 0 ? static_cast<std::size_t>(state.range(1))
                                            : stepfn::thread_pool_executor::default_size();
    stepfn::thread_pool_executor executor(threads);
    stepfn::system_clock clock;
    {
        pool_engine engine(executor, clock, stepfn_bench::engine_options(history));
        for (auto _ : state) {
            run_once(state, engine, machine, untimed_copy(state, input));
            if (history) history->clear();
        }
    }
    state.counters["pool_threads"] = static_cast<double>(threads);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(map_items));
}
BENCHMARK(map_pool)
    ->ArgNames({"history", "threads"})
    ->Args({0, 1})
    ->Args({0, 0})
    ->Args({1, 1})
    ->Args({1, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The same JSON work without an engine: each item through the iteration's Parameters
// ({"id.$": "$.id", "name.$": "$.name", "kind": "item"}), the results collected in order, and
// both documents freed.
void baseline_map(benchmark::State& state) {
    const json input = stepfn_bench::map_input(map_items);
    for (auto _ : state) {
        json execution_input = untimed_copy(state, input);
        json results = json::array();
        for (const json& item : execution_input["items"]) {
            json shaped = json::object();
            shaped["id"] = item["id"];
            shaped["name"] = item["name"];
            shaped["kind"] = "item";
            results.push_back(std::move(shaped));
        }
        benchmark::DoNotOptimize(results);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(map_items));
}
BENCHMARK(baseline_map)->Unit(benchmark::kMillisecond)->UseRealTime();

// A JSONata Map whose ItemSelector reads `$states.context.Map.Item`: the time per item stays
// flat as the items grow, since `$states.context` no longer holds a copy of the execution input
// (which holds every item) unless an expression may read `Execution.Input`.
void map_context_jsonata(benchmark::State& state) {
    const auto items = static_cast<std::size_t>(state.range(1));
    run_manual(state, {"map_context_jsonata.json", stepfn_bench::map_input(items), static_cast<std::int64_t>(items), 1, true});
}
BENCHMARK(map_context_jsonata)
    ->ArgNames({"history", "items"})
    ->Args({0, 1000})
    ->Args({0, 4000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// ---- 3. 1,000 sequential executions of a five-state machine -------------------------------

void five_states(benchmark::State& state) {
    run_manual(state, {"five_states.json", stepfn_bench::small_payload(), 1, 1000});
}
BENCHMARK(five_states)->ArgName("history")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same JSON work without an engine, the floor that nlohmann::ordered_json sets for this
// workflow: the input taken by value, Prepare's Result merged at $.meta, Route's two rules,
// Large's Parameters, the same `charge` function's result merged at $.receipt, the output
// read and freed. No names, ids, history or scheduling.
void baseline_five_states(benchmark::State& state) {
    const json input = stepfn_bench::small_payload();
    const json tier = json{{"tier", "gold"}};
    const auto charge = [](const json& in) { return json{{"charged", in.value("amount", 0)}, {"status", "ok"}}; };
    for (auto _ : state) {
        for (int i = 0; i < 1000; ++i) {
            json data = input;
            data["meta"] = tier;
            const bool large = (data["amount"].is_number() && data["amount"].get<double>() > 1000) ||
                               data["meta"]["tier"] == "gold";
            json effective = json::object();
            effective["order"] = data["order"];
            effective["amount"] = data["amount"];
            data = std::move(effective);
            json receipt = charge(data);
            data["receipt"] = std::move(receipt);
            benchmark::DoNotOptimize(large);
            benchmark::DoNotOptimize(data);
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(baseline_five_states)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same workflow written in JSONata (Output, Condition, $states), side by side with the one
// above: what evaluating JSONata costs against compiled paths (docs/performance/jsonata.md).
void five_states_jsonata(benchmark::State& state) {
    run_manual(state, {"five_states_jsonata.json", stepfn_bench::small_payload(), 1, 1000});
}
BENCHMARK(five_states_jsonata)->ArgName("history")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- 4. Per-state cost: a Task with ResultSelector/ResultPath; a Choice with ten rules ------

void task_selector(benchmark::State& state) {
    run_manual(state, {"task_selector_100.json", stepfn_bench::small_payload(), 100});
}
BENCHMARK(task_selector)->ArgName("history")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

void choice_ten_rules(benchmark::State& state) {
    json input = stepfn_bench::small_payload();
    input["value"] = 42;
    run_manual(state, {"choice_ten_rules_100.json", std::move(input), 101});  // 100 Choice states and the Succeed
}
BENCHMARK(choice_ten_rules)->ArgName("history")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

// ---- 6. Loading and validating a 500-state definition ----------------------------------------

void load_500_states(benchmark::State& state) {
    const std::string text = stepfn_bench::read_definition("mixed_500.json");
    for (auto _ : state) {
        auto machine = stepfn::load_machine(text);
        if (!machine) state.SkipWithError(machine.error().cause.c_str());
        benchmark::DoNotOptimize(machine);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(load_500_states)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
