// Workload 5: memory held by executions parked in a Wait. 100,000 executions each start and
// run up to a one-hour Wait on a virtual clock that never advances; the bytes still allocated
// (counted by the replaced global operator new/delete below) divided by the count is the cost
// of one parked execution: its record, frame, timer and state input.
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/virtual_clock.hpp>

#include "bench_support.hpp"

#include "heap_counter.hpp"

namespace {

using engine_type = stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock>;

void parked_executions(benchmark::State& state) {
    constexpr std::size_t count = 100'000;
    const auto machine = stepfn_bench::load("wait_parked.json");
    const stepfn::json input = stepfn_bench::small_payload();
    for (auto _ : state) {
        auto history = state.range(0) != 0 ? std::make_shared<stepfn::memory_sink>() : nullptr;
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        std::vector<stepfn::execution> runs;
        runs.reserve(count);
        long long before = 0;
        long long after = 0;
        {
            engine_type engine(executor, clock, stepfn_bench::engine_options(history));
            before = stepfn_bench::live_bytes.load();
            for (std::size_t i = 0; i < count; ++i) {
                auto run = engine.start(machine, input);
                if (!run) {
                    state.SkipWithError(run.error().cause.c_str());
                    return;
                }
                runs.push_back(std::move(*run));
            }
            executor.run();  // every execution reaches its Wait; the clock never moves
            after = stepfn_bench::live_bytes.load();
            for (const auto& run : runs)
                if (run.done()) {
                    state.SkipWithError("an execution ended instead of waiting");
                    return;
                }
            runs.clear();
        }  // the engine aborts what still waits
        state.counters["bytes_per_execution"] = static_cast<double>(after - before) / static_cast<double>(count);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
}
BENCHMARK(parked_executions)->ArgName("history")->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
