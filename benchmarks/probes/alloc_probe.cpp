// Allocations and CPU time per five-state execution, as `stepfn_bench`'s five_states/history:0
// runs it (the same input, invoker, seed and limits), with every `operator new` counted; with a
// third argument, the call stack of each allocation of one more execution goes to stderr.
// Build it against a tree and run it, e.g.
//   g++ -std=c++17 -O2 -g -DNDEBUG -I<tree>/include alloc_probe.cpp -o alloc_probe -lfmt -lpthread -rdynamic
//   ./alloc_probe benchmarks/definitions/five_states.json 20000 [sites] 2> sites.txt
#include <stepfn/stepfn.hpp>
#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/executors/manual_executor.hpp>

#include <execinfo.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <new>
#include <sstream>

namespace {
std::atomic<long long> allocations{0};
bool listing = false;  // print each allocation's call stack
double cpu_seconds() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
} // namespace

void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (listing) {
        listing = false;  // backtrace_symbols_fd allocates nothing, but be safe
        void* frames[16];
        const int depth = backtrace(frames, 16);
        std::fprintf(stderr, "--- new(%zu)\n", size);
        backtrace_symbols_fd(frames, depth, 2);
        listing = true;
    }
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

int main(int argc, char** argv) {
    using stepfn::json;
    if (argc < 2) return 2;
    std::ifstream file(argv[1]);
    std::stringstream text;
    text << file.rdbuf();
    auto machine = stepfn::load_machine(text.str());
    if (!machine) return 1;
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.seed = 7;
    options.bounds.max_payload_bytes = std::size_t{64} << 20;
    options.bounds.max_history_events = 10'000'000;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, std::move(options));
    engine.invokers().add("arn:aws:lambda:us-east-1:123456789012:function:charge", stepfn::make_invoker([](const json& in) {
                              return json{{"charged", in.value("amount", 0)}, {"status", "ok"}};
                          }));
    const json input = json::parse(R"({"order":"A-1001","amount":250,"customer":{"id":17,"tier":"gold"},"tags":["x","y"]})");
    const auto once = [&] {
        auto run = engine.start(*machine, json(input));
        if (!run || run->join() != stepfn::execution_status::succeeded) std::abort();
    };
    for (int i = 0; i < 2000; ++i) once();  // warm: the registry's spare entry, the allocator's bins
    const int runs = argc > 2 ? std::atoi(argv[2]) : 20000;
    const long long before = allocations.load();
    const double start = cpu_seconds();
    for (int i = 0; i < runs; ++i) once();
    const double cpu = cpu_seconds() - start;
    std::printf("%.2f allocations per execution, %.3f us of CPU per execution\n",
                static_cast<double>(allocations.load() - before) / runs, cpu * 1e6 / runs);
    if (argc > 3) {
        listing = true;
        once();
        listing = false;
    }
}
