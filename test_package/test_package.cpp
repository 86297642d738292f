// The smallest use of a packaged stepfn: load a definition, run it, print the output.
#include <cstdio>

#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/version.hpp>

int main() {
    auto machine = stepfn::load_machine(
        R"({"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": "packaged", "End": true}}})");
    if (!machine) {
        std::fprintf(stderr, "%s\n", machine.error().cause.c_str());
        return 1;
    }
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock);
    auto execution = engine.start(*machine);
    if (!execution) return 1;
    auto output = execution->wait();
    if (!output || *output != "packaged") return 1;
    std::printf("stepfn %d.%d.%d: %s\n", STEPFN_VERSION_MAJOR, STEPFN_VERSION_MINOR, STEPFN_VERSION_PATCH,
                output->dump().c_str());
    return 0;
}
