// The compile-cost probe: a translation unit that includes the umbrella header and runs one
// execution, as a host's source file would. benchmarks/compile_cost/measure.sh times it.
#include <stepfn/stepfn.hpp>

#include <cstdio>

int main() {
    auto machine = stepfn::load_machine(R"({"StartAt":"Hello","States":{"Hello":{"Type":"Pass","End":true}}})");
    if (!machine) return 1;
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::manual_engine engine(executor, clock);
    auto run = engine.start(*machine, stepfn::json::object());
    if (!run) return 1;
    auto out = run->wait();
    std::printf("%s\n", out ? out->dump().c_str() : out.error().name.c_str());
    return out ? 0 : 1;
}
