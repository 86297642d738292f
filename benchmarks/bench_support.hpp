// Shared by the benchmark programs: the definitions on disk, the inputs, and engines set up the
// same way for every workload. Not part of the library.
#ifndef STEPFN_BENCH_SUPPORT_HPP
#define STEPFN_BENCH_SUPPORT_HPP

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <stepfn/load/loader.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>

#ifndef STEPFN_BENCH_DEFINITIONS
#define STEPFN_BENCH_DEFINITIONS "benchmarks/definitions"
#endif

namespace stepfn_bench {

inline std::string read_definition(const std::string& file) {
    const std::string path = std::string(STEPFN_BENCH_DEFINITIONS) + "/" + file;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(2);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Big enough for the Map workload's 10,000 items and their history; the peer has no such limits.
inline stepfn::limits generous_limits() {
    stepfn::limits bounds;
    bounds.max_payload_bytes = std::size_t{64} << 20;
    bounds.max_history_events = 10'000'000;
    return bounds;
}

inline stepfn::state_machine load(const std::string& file) {
    stepfn::load_options options;
    options.bounds = generous_limits();
    auto machine = stepfn::load_machine(read_definition(file), options);
    if (!machine) {
        std::fprintf(stderr, "%s does not load: %s\n", file.c_str(), machine.error().cause.c_str());
        for (const auto& p : machine.error().problems) std::fprintf(stderr, "  %s: %s\n", p.pointer.c_str(), p.message.c_str());
        std::exit(2);
    }
    return std::move(*machine);
}

inline stepfn::engine_options engine_options(const std::shared_ptr<stepfn::memory_sink>& history) {
    stepfn::engine_options options;
    options.bounds = generous_limits();
    options.history = history;
    options.seed = 7;
    return options;
}

// The workload inputs; the peer driver builds the same values (compare.py checks the outputs).
inline stepfn::json small_payload() {
    return stepfn::json::parse(R"({"order":"A-1001","amount":250,"customer":{"id":17,"tier":"gold"},"tags":["x","y"]})");
}

inline stepfn::json map_input(std::size_t count) {
    stepfn::json items = stepfn::json::array();
    for (std::size_t i = 0; i < count; ++i) items.push_back({{"id", i}, {"name", "item-" + std::to_string(i)}});
    return stepfn::json{{"items", std::move(items)}};
}

} // namespace stepfn_bench

#endif
