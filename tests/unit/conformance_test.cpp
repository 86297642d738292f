// Data-driven ASL cases (tests/data/conformance/<area>/<case>.json, the format of
// shared/conformance): definition, input, per-state mock answers and the expected outcome,
// run in-process on the manual executor and the virtual clock with the mock invoker. Beyond the
// shared format: "history" (every event as AWS writes it, timestamps left out, compared in full
// in the uninterrupted run), "childHistories" (a distributed Map's child executions' histories,
// in start order), "inputText" (the input as the caller wrote it) and "type" ("EXPRESS"). The cases under history/ were recorded with `stepfn run --history` and checked
// by hand against AWS's event shapes (docs/history.md, "As AWS writes it").
#include "catch.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/testing/mock_config.hpp>
#include <stepfn/testing/mock_invoker.hpp>
#include <stepfn/history/memory_sink.hpp>

#include "../durable_harness.hpp"

namespace conformance_test {

using stepfn::json;

namespace {

// Values compared as AWS's tests do: object key order aside, 1 == 1.0.
bool same(const json& a, const json& b) { return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump()); }

// The case's mocks as a Step Functions Local file: answers counted per state; the last repeats.
json mock_file(const json& mocks) {
    json responses = json::object(), test_case = json::object();
    for (auto& [state, entries] : mocks.items()) {
        json table = json::object();
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const std::string key = i + 1 < entries.size() ? std::to_string(i) : std::to_string(i) + "-99999";
            table[key] = entries[i];
        }
        responses[state + "::mock"] = table;
        test_case[state] = state + "::mock";
    }
    return json{{"StateMachines", {{"Case", {{"TestCases", {{"T", test_case}}}}}}}, {"MockedResponses", responses}};
}

// A case's "history": every event as AWS writes it (the timestamp aside), in order; compared
// member by member, object key order aside.
std::string compare_history(const std::vector<stepfn::history_event>& events, const json& expected) {
    for (std::size_t i = 0; i < events.size() || i < expected.size(); ++i) {
        if (i >= events.size()) return "history ends after " + std::to_string(events.size()) + " events, expected " + expected[i].dump();
        json actual = stepfn::to_json(events[i]);
        actual.erase("timestamp");
        if (i >= expected.size()) return "history has more events than expected, next " + actual.dump();
        if (!same(actual, expected[i])) return "history event " + std::to_string(i + 1) + " " + actual.dump() + ", expected " + expected[i].dump();
    }
    return "";
}

std::string run_case(const json& c) {
    const json& expect = c["expect"];
    stepfn::load_options load;
    load.name = "Case";
    auto machine = stepfn::load_machine_json(c["definition"], load);
    if (expect["status"] == "INVALID") return machine ? "definition accepted, expected INVALID" : "";
    if (!machine) return "definition rejected: " + machine.error().cause;

    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.seed = 1;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, options);
    if (c.contains("mocks") && !c["mocks"].is_null()) {
        auto config = stepfn::testing::mock_config::parse(mock_file(c["mocks"]));
        if (!config) return "mock file rejected: " + config.error().cause;
        auto invoker = stepfn::testing::mock_invoker::create(*config, "Case", "T");
        if (!invoker) return "mock invoker: " + invoker.error().cause;
        engine.invokers().set_default(*invoker);
    }
    // "inputText": the input as the caller wrote it (the history keeps that spelling).
    json input = c.contains("inputText") ? json::parse(c["inputText"].get<std::string>()) : c.value("input", json::object());
    stepfn::execution_status run_status;
    stepfn::result<json> outcome;
    // EXPRESS cases run as they are (an EXPRESS execution is not durable here: docs/express.md).
    if (durable_test::enabled() && !stepfn::detail::has_distributed_map(machine->top()) &&
        c.value("type", "STANDARD") != "EXPRESS") {
        // A fresh engine after every checkpoint (distributed Maps are not durable yet: they run
        // as in the normal mode, and the durable tests say so).
        auto r = durable_test::run_crashing(*machine, input, options,
                                            [&](auto& fresh) { fresh.invokers().add_all(engine.invokers()); }, executor,
                                            clock);
        run_status = r.status;
        outcome = std::move(r.value);
    } else {
        stepfn::start_options start;
        auto events = std::make_shared<stepfn::memory_sink>();
        start.history = events;
        if (c.contains("inputText")) start.input_text = c["inputText"].get<std::string>();
        if (c.value("type", "STANDARD") == "EXPRESS") start.type = stepfn::execution_type::express;
        auto run = engine.start(*machine, std::move(input), std::move(start));
        if (!run) return "start failed: " + run.error().cause;
        outcome = run->wait();
        run_status = run->status();
        // Durable runs (above) rebuild frames from checkpoints; the expected history is the
        // uninterrupted run's.
        if (c.contains("history"))
            if (auto diff = compare_history(events->events(run->arn()), c["history"]); !diff.empty()) return diff;
        // "childHistories": a distributed Map's child executions' own histories, in the order
        // they started (never in the parent's history).
        if (c.contains("childHistories")) {
            std::vector<std::string> children;
            for (const auto& arn : events->executions())
                if (arn != run->arn()) children.push_back(arn);
            if (children.size() != c["childHistories"].size())
                return std::to_string(children.size()) + " child executions, expected " +
                       std::to_string(c["childHistories"].size());
            for (std::size_t i = 0; i < children.size(); ++i)
                if (auto diff = compare_history(events->events(children[i]), c["childHistories"][i]); !diff.empty())
                    return "child execution " + std::to_string(i + 1) + ": " + diff;
        }
    }
    const std::string status = stepfn::to_string(run_status);
    if (status != expect["status"])
        return "status " + status + " (" + (outcome ? outcome->dump() : outcome.error().name + ": " + outcome.error().cause) +
               "), expected " + expect["status"].get<std::string>();
    if (status == "SUCCEEDED" && !same(*outcome, expect["output"]))
        return "output " + outcome->dump() + ", expected " + expect["output"].dump();
    if (status == "FAILED") {
        if (expect.contains("error") && outcome.error().name != expect["error"])
            return "error " + outcome.error().name + ", expected " + expect["error"].get<std::string>();
        if (expect.contains("cause") && outcome.error().cause != expect["cause"])
            return "cause " + outcome.error().cause + ", expected " + expect["cause"].get<std::string>();
    }
    return "";
}

} // namespace

TEST_CASE("Data-driven ASL cases", "[conformance]") {
    const std::filesystem::path root = std::filesystem::path(STEPFN_TEST_DATA_DIR) / "conformance";
    std::vector<std::filesystem::path> files;
    for (auto& entry : std::filesystem::recursive_directory_iterator(root))
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 30);
    for (const auto& file : files) {
        std::ifstream in(file);
        json c = json::parse(in, nullptr, false);
        REQUIRE_FALSE(c.is_discarded());
        INFO(file.parent_path().filename().string() + "/" + file.filename().string() + ": " + c.value("about", ""));
        CHECK(run_case(c) == "");
    }
}
} // namespace conformance_test
