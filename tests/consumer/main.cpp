// Built against an installed stepfn: loads a two-state machine, runs it, checks the output.
#include <cstdio>

#include <stepfn/load/loader.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/virtual_clock.hpp>

int main() {
    constexpr const char* definition = R"({
      "StartAt": "Greet",
      "States": {
        "Greet": { "Type": "Pass", "Result": "hello", "ResultPath": "$.greeting", "Next": "Done" },
        "Done": { "Type": "Succeed" }
      }
    })";
    auto machine = stepfn::load_machine(definition);
    if (!machine) {
        std::fprintf(stderr, "the definition was rejected: %s\n", machine.error().cause.c_str());
        return 1;
    }

    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock);
    auto execution = engine.start(*machine, stepfn::json{{"who", "consumer"}});
    if (!execution) {
        std::fprintf(stderr, "start failed: %s\n", execution.error().cause.c_str());
        return 1;
    }
    auto output = execution->wait();
    const stepfn::json expected = {{"who", "consumer"}, {"greeting", "hello"}};
    if (!output || *output != expected) {
        std::fprintf(stderr, "unexpected outcome: %s\n",
                     output ? output->dump().c_str() : output.error().name.c_str());
        return 1;
    }
    std::printf("consumer: %s\n", output->dump().c_str());
    return 0;
}
