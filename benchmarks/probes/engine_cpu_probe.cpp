// A before/after probe for changes to the engine's hot paths, in CPU time (so a busy machine
// skews it less than wall time): a 1,000-state Pass chain and the five-state workflow on the
// manual executor. Build it against two trees and run the binaries in turns, e.g.
//   g++ -std=c++17 -O2 -DNDEBUG -I<tree>/include engine_cpu_probe.cpp -lfmt -lpthread
// (-DOLD_API for trees from before loading became free functions).
#include <stepfn/stepfn.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#ifdef OLD_API
#define LOAD stepfn::state_machine::parse
#else
#define LOAD stepfn::load_machine
#endif
static double cpu() { timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char** argv) {
    const int states = 1000;
    std::string def = R"({"StartAt":"S0","States":{)";
    for (int i = 0; i < states; ++i) {
        def += "\"S" + std::to_string(i) + "\":{\"Type\":\"Pass\",";
        def += (i + 1 < states) ? "\"Next\":\"S" + std::to_string(i + 1) + "\"}," : std::string("\"End\":true}");
    }
    def += "}}";
    auto m = LOAD(def);
    if (!m) return 1;
    std::string five = R"js({"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"n.$":"$.n","v.$":"States.MathAdd($.n, 1)"},"Next":"T"},
      "T":{"Type":"Task","Resource":"svc","ResultPath":"$.r","Next":"C"},
      "C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericGreaterThan":0,"Next":"W"}],"Default":"F"},
      "W":{"Type":"Pass","Result":{"ok":true},"ResultPath":"$.w","Next":"D"},"D":{"Type":"Succeed"},"F":{"Type":"Fail"}}})js";
    auto m5 = LOAD(five);
    stepfn::manual_executor ex;
    stepfn::virtual_clock vclock;
    stepfn::manual_engine engine(ex, vclock);
    engine.invokers().set_default(stepfn::make_invoker([](const stepfn::json& in) { return stepfn::json(in.value("n", 0)); }));
    int rounds = argc > 1 ? std::atoi(argv[1]) : 2000;
    double t0 = cpu();
    for (int r = 0; r < rounds; ++r) { auto e = engine.start(*m, stepfn::json{{"x", 1}}); e->join(); }
    double t1 = cpu();
    for (int r = 0; r < rounds * 50; ++r) { auto e = engine.start(*m5, stepfn::json{{"n", r}}); e->join(); }
    double t2 = cpu();
    std::printf("pass-chain %.1f M transitions/s (cpu)   five-states %.0f k exec/s (cpu)\n",
                rounds * double(states) / (t1 - t0) / 1e6, rounds * 50 / (t2 - t1) / 1e3);
}
