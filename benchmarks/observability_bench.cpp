// What observation costs (docs/performance/observability.md): 1,000 sequential executions of
// the five-state machine (workload 3) with nothing attached (mode 0), with a metrics_registry
// (1), with metrics and tracing (2: spans queued as the OTLP exporter's engine side does, its
// sending thread's serialisation left out), with those and the JSON-lines transition log to /dev/null (3), and
// with tracing alone (4).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>
#include <memory>
#include <mutex>
#include <string>

#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/history/json_log_sink.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/observe/metrics_registry.hpp>
#include <stepfn/observe/span_buffer.hpp>
#include <stepfn/observe/tracing.hpp>
#include <stepfn/tasks/callable_invoker.hpp>

#include "bench_support.hpp"

namespace {

using stepfn::json;
using manual_engine = stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock>;

enum mode : int { off = 0, metrics = 1, metrics_and_traces = 2, metrics_traces_and_logs = 3, traces_only = 4 };

// What otlp_exporter::on_end does on the engine's thread: a locked copy into a bounded
// span_buffer. Its sending thread swaps a full batch out and clears it (no frees: the buffer
// holds plain records and one text block); here that swap is done inline at the same size.
struct queued_spans final : stepfn::span_sink {
    std::mutex mutex;
    stepfn::span_buffer queue, sending;
    std::size_t max_batch = 512;
    void on_end(const stepfn::span_data& span) override {
        std::lock_guard<std::mutex> lock(mutex);
        queue.push_back(span);
        if (queue.size() >= max_batch) {
            sending.swap(queue);
            sending.clear();
        }
    }
};

void five_states_observed(benchmark::State& state) {
    const auto machine = stepfn_bench::load("five_states.json");
    const auto m = static_cast<mode>(state.range(0));
    stepfn::engine_options options = stepfn_bench::engine_options(nullptr);
    std::FILE* devnull = nullptr;
    if (m >= metrics && m != traces_only) options.metrics = std::make_shared<stepfn::metrics_registry>();
    auto spans = std::make_shared<queued_spans>();
    if (m >= metrics_and_traces) options.spans = spans;
    if (m == metrics_traces_and_logs) {
        devnull = std::fopen("/dev/null", "wb");
        stepfn::json_log_options log_options;
        log_options.flush_each_line = false;
        options.history = std::make_shared<stepfn::json_log_sink>(devnull, log_options);
    }
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    {
        manual_engine engine(executor, clock, options);
        engine.invokers().add("arn:aws:lambda:us-east-1:123456789012:function:charge", stepfn::make_invoker([](const json& in) {
                                  return json{{"charged", in.value("amount", 0)}, {"status", "ok"}};
                              }));
        const json input = stepfn_bench::small_payload();
        for (auto _ : state) {
            for (int i = 0; i < 1000; ++i) {
                auto run = engine.start(machine, input);
                if (!run || run->join() != stepfn::execution_status::succeeded) {
                    state.SkipWithError("the execution did not succeed");
                    return;
                }
                benchmark::DoNotOptimize(run->output());
            }
        }
        state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
    }
    options.history.reset();
    if (devnull) std::fclose(devnull);
}
BENCHMARK(five_states_observed)->ArgName("mode")->Arg(off)->Arg(metrics)->Arg(metrics_and_traces)->Arg(metrics_traces_and_logs)->Arg(traces_only)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
