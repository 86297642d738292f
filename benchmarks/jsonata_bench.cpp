// Expressions per second (CPU time) of stepfn's JSONata evaluator on the differential corpus, measured the
// way tests/jsonata/bench.js measures the reference: each expression compiled once, then
// evaluated over and over, per class of expression (the case id without its number). The cases
// timed are those the reference gives a value for (expected.jsonl from oracle.js), minus the
// non-deterministic and AWS-excluded functions, so both sides time the same set.
//
// Usage: stepfn_jsonata_bench CORPUS_DIR DOCUMENTS_DIR EXPECTED.jsonl [--min-time SECONDS] [--json]
//                              [--classes REGEX]   (only the classes REGEX matches, for profiling)
//                              [--no-fold]         (constant expressions evaluated every time, as the
//                                                   reference does, instead of once at compile time)
#include <algorithm>
#include <ctime>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <stepfn/expressions/jsonata.hpp>
#include <stepfn/json.hpp>
#if __has_include(<stepfn/expressions/eval_env.hpp>)
#include <stepfn/expressions/eval_env.hpp>
#else
#include <stepfn/expressions/eval_env.hpp>
#endif

namespace {

namespace fs = std::filesystem;
using stepfn::json;

class bindings_env final : public stepfn::eval_env {
public:
    explicit bindings_env(json bindings) : bindings_(std::move(bindings)) {}
    const json* context() const override { return nullptr; }
    const json* variable(std::string_view name) const override {
        const auto it = bindings_.find(std::string(name));
        return it == bindings_.end() ? nullptr : &*it;
    }
    std::uint64_t random() const override { return state_ += 0x9E3779B97F4A7C15ULL; }

private:
    json bindings_;
    mutable std::uint64_t state_ = 0;
};

struct timed_case {
    stepfn::jsonata_expression expr;
    const json* input;
    bindings_env env;
};

volatile std::size_t observed = 0;

std::vector<json> read_jsonl(const fs::path& file) {
    std::vector<json> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        json v = json::parse(line, nullptr, false);
        if (!v.is_discarded()) out.push_back(std::move(v));
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: " << argv[0] << " CORPUS_DIR DOCUMENTS_DIR EXPECTED.jsonl [--min-time SECONDS] [--json]\n";
        return 2;
    }
    double min_time = 0.5;
    bool as_json = false;
    stepfn::jsonata_options options;
    std::regex only(".*");
    for (int i = 4; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--min-time" && i + 1 < argc) min_time = std::stod(argv[++i]);
        else if (a == "--json") as_json = true;
        else if (a == "--classes" && i + 1 < argc) only = std::regex(argv[++i]);
        else if (a == "--no-fold") options.fold_constants = false;
    }
    std::map<std::string, json> documents;
    for (const auto& entry : fs::directory_iterator(argv[2])) {
        if (entry.path().extension() != ".json") continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        documents[entry.path().stem().string()] = json::parse(text.str(), nullptr, false);
    }
    std::map<std::string, bool> has_value;
    for (const auto& e : read_jsonl(argv[3])) has_value[e.value("id", "")] = e.contains("result");

    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(argv[1])) {
        if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    const std::regex excluded(R"(\$(now|millis|random|shuffle|eval)\b)");
    std::map<std::string, std::vector<timed_case>> classes;
    for (const auto& file : files) {
        for (const auto& c : read_jsonl(file)) {
            const std::string id = c.value("id", ""), text = c.value("expr", "");
            if (!has_value[id] || std::regex_search(text, excluded)) continue;
            if (!std::regex_match(id.substr(0, id.rfind('-')), only)) continue;
            auto compiled = stepfn::jsonata_expression::compile(text, options);
            if (!compiled) continue;
            const json* input = nullptr;
            if (c.contains("doc") && c["doc"].is_string()) input = &documents[c["doc"].get<std::string>()];
            timed_case t{std::move(*compiled), input, bindings_env(c.value("bindings", json::object()))};
            if (!t.expr.evaluate(t.input, t.env)) continue;  // stepfn fails it: nothing to time
            classes[id.substr(0, id.rfind('-'))].push_back(std::move(t));
        }
    }

    json results = json::object();
    std::uint64_t total_evals = 0, total_cases = 0;
    double total_seconds = 0;
    for (auto& [group, cases] : classes) {
        std::uint64_t evals = 0;
        // CPU time of the process, as tests/jsonata/bench.js counts the reference's: the machine may
        // be shared, and wall-clock time would count the other programs' turns.
        const std::clock_t start = std::clock();
        double elapsed = 0;
        std::size_t sink = 0;
        // Passes between readings of the clock double up to a fiftieth of the time asked for.
        for (std::uint64_t passes = 1; elapsed < min_time;) {
            for (std::uint64_t p = 0; p < passes; ++p) {
                for (auto& t : cases) {
                    auto v = t.expr.evaluate(t.input, t.env);
                    sink += v && *v ? 1 : 0;
                }
            }
            evals += cases.size() * passes;
            const double now = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
            if (now - elapsed < min_time / 50) passes *= 2;
            elapsed = now;
        }
        observed = sink;  // keeps the optimiser from dropping the evaluations
        results[group] = {{"cases", cases.size()}, {"evaluations", evals}, {"seconds", elapsed},
                          {"per_second", static_cast<double>(evals) / elapsed}};
        total_evals += evals;
        total_cases += cases.size();
        total_seconds += elapsed;
    }
    results["all"] = {{"cases", total_cases}, {"evaluations", total_evals}, {"seconds", total_seconds},
                      {"per_second", total_seconds > 0 ? static_cast<double>(total_evals) / total_seconds : 0.0}};
    if (as_json) {
        std::cout << results.dump() << "\n";
        return 0;
    }
    std::cout << std::left << std::setw(18) << "class" << std::right << std::setw(7) << "cases" << std::setw(16) << "evaluations/s\n";
    for (const auto& [group, r] : results.items()) {
        std::cout << std::left << std::setw(18) << group << std::right << std::setw(7) << r["cases"].get<std::uint64_t>() << std::setw(16)
                  << static_cast<std::uint64_t>(r["per_second"].get<double>()) << "\n";
    }
    return 0;
}
