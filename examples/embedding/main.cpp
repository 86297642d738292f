// The program of docs/embedding.md: load once, an engine, an invoker, start and wait.
// (docs/embedding.md shows this file; keep them the same.)
#include <cstdio>

#include <stepfn/load/loader.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/system_clock.hpp>

int main() {
    // 1. Load once: validation and compilation of every path, template and rule happen here.
    auto machine = stepfn::load_machine(R"({
      "StartAt": "Quote",
      "States": {
        "Quote":  {"Type": "Task", "Resource": "quote", "ResultPath": "$.price", "Next": "Cheap?"},
        "Cheap?": {"Type": "Choice",
                   "Choices": [{"Variable": "$.price", "NumericLessThan": 100, "Next": "Buy"}],
                   "Default": "Skip"},
        "Buy":    {"Type": "Pass", "Result": "bought", "End": true},
        "Skip":   {"Type": "Succeed"}
      }})");
    if (!machine) {
        for (const auto& p : machine.error().problems) std::fprintf(stderr, "%s: %s\n", p.pointer.c_str(), p.message.c_str());
        return 2;
    }

    // 2. An engine on an executor and a clock (here: the caller's thread and real time).
    stepfn::manual_executor executor;
    stepfn::system_clock clock;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::system_clock> engine(executor, clock);

    // 3. Invokers: what a Task's Resource means in this process.
    engine.invokers().add("quote", stepfn::make_invoker([](const stepfn::json& in) {
        return stepfn::json(in.value("qty", 1) * 42);
    }));

    // 4. Start and wait.
    auto run = engine.start(*machine, stepfn::json{{"qty", 2}});
    if (!run) return 2;
    auto output = run->wait();
    std::printf("%s %s\n", stepfn::to_string(run->status()),
                output ? output->dump().c_str() : output.error().name.c_str());
}
