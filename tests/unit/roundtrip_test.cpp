// Print → load → compare, for every definition the project ships: the examples, the CLI test
// data and the conformance cases (the valid ones). The printed JSON of both loads must match,
// and so must the models the loader built (states, types, transitions, rules, recovery).
#include "catch.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/print/to_json.hpp>
#if defined(STEPFN_WITH_YAML) && __has_include(<yaml-cpp/yaml.h>)
#include <stepfn/load/yaml.hpp>
#endif

namespace roundtrip_test {

using stepfn::json;

namespace {

namespace fs = std::filesystem;

struct named_definition {
    std::string where;
    json definition;
};

json read_json(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str(), nullptr, false);
}

std::vector<named_definition> shipped_definitions() {
    std::vector<named_definition> out;
    for (const fs::path& root : {fs::path(STEPFN_EXAMPLES_DIR), fs::path(STEPFN_TEST_DATA_DIR).parent_path() / "cli" / "data"}) {
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
            const std::string name = entry.path().filename().string();
            if (name.size() > 9 && name.substr(name.size() - 9) == ".asl.json")
                out.push_back({entry.path().string(), read_json(entry.path())});
        }
    }
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(STEPFN_TEST_DATA_DIR) / "conformance")) {
        if (entry.path().extension() != ".json") continue;
        json c = read_json(entry.path());
        if (c.is_discarded() || !c.contains("definition")) continue;
        if (c.contains("expect") && c["expect"].value("status", "") == "INVALID") continue;
        out.push_back({entry.path().string(), std::move(c["definition"])});
    }
    return out;
}

json transition_summary(const stepfn::transition& t) { return json{t.name, t.index}; }

json recovery_summary(const stepfn::recovery& r) {
    json out = json::object();
    for (const auto& retry : r.retry)
        out["retry"].push_back(json{retry.error_equals, retry.interval_seconds, retry.max_attempts, retry.backoff_rate,
                                    retry.max_delay_seconds.value_or(-1), retry.jitter == stepfn::jitter_strategy::full});
    for (const auto& c : r.catch_)
        out["catch"].push_back(json{c.error_equals, transition_summary(c.next), c.result_path.has_value()});
    return out;
}

json scope_summary(const stepfn::scope& s);

// What the loader built, as a value that can be compared: everything structural, plus the
// source text of what is compiled (paths, templates), which the model does not print.
json state_summary(const stepfn::state& st) {
    json out = json::object();
    out["name"] = st.name;
    out["pointer"] = st.pointer;
    out["type"] = stepfn::to_string(st.type());
    out["language"] = st.language == stepfn::query_language::jsonata;
    out["end"] = st.end;
    out["input_path"] = st.input_path.has_value();
    out["output_path"] = st.output_path.has_value();
    if (st.next) out["next"] = transition_summary(*st.next);
    std::visit(
        [&](const auto& body) {
            using body_type = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<body_type, stepfn::task_state>) {
                out["resource"] = body.resource;
                out["timeout"] = body.timeout_seconds.value.value_or(-1);
                out["heartbeat"] = body.heartbeat_seconds.value.value_or(-1);
                out["recover"] = recovery_summary(body.recover);
            } else if constexpr (std::is_same_v<body_type, stepfn::choice_state>) {
                for (const auto& c : body.choices) out["choices"].push_back(transition_summary(c.next));
                if (body.default_) out["default"] = transition_summary(*body.default_);
            } else if constexpr (std::is_same_v<body_type, stepfn::parallel_state>) {
                for (const auto& b : body.branches) out["branches"].push_back(scope_summary(b));
                out["recover"] = recovery_summary(body.recover);
            } else if constexpr (std::is_same_v<body_type, stepfn::map_state>) {
                if (body.processor) out["processor"] = scope_summary(*body.processor);
                out["mode"] = body.mode == stepfn::map_mode::distributed;
                out["max_concurrency"] = body.max_concurrency.value.value_or(-1);
                out["recover"] = recovery_summary(body.recover);
            } else if constexpr (std::is_same_v<body_type, stepfn::wait_state>) {
                out["seconds"] = body.seconds.value_or(-1);
                out["timestamp"] = body.timestamp.value_or("");
            } else if constexpr (std::is_same_v<body_type, stepfn::fail_state>) {
                out["error"] = body.error.value_or("");
                out["cause"] = body.cause.value_or("");
            } else if constexpr (std::is_same_v<body_type, stepfn::pass_state>) {
                out["result"] = body.result.value_or(json("<none>"));
            }
        },
        st.body);
    return out;
}

json scope_summary(const stepfn::scope& s) {
    json out = json::object();
    out["start"] = s.start;
    out["pointer"] = s.pointer;
    for (const auto& st : s.states) out["states"].push_back(state_summary(st));
    return out;
}

json machine_summary(const stepfn::state_machine& m) {
    const auto& d = m.definition();
    return json{{"top", scope_summary(m.top())},
                {"comment", d.comment},
                {"version", d.version},
                {"timeout", d.timeout_seconds.value_or(-1)},
                {"language", d.language == stepfn::query_language::jsonata}};
}

} // namespace

TEST_CASE("round trip: every shipped definition prints and loads back the same", "[roundtrip]") {
    const auto definitions = shipped_definitions();
    std::size_t loaded = 0;
    for (const auto& d : definitions) {
        INFO(d.where);
        REQUIRE_FALSE(d.definition.is_discarded());
        auto first = stepfn::load_machine_json(d.definition);
        if (!first) continue;  // the CLI's deliberately broken files
        ++loaded;
        for (const int indent : {-1, 2}) {
            const std::string printed = stepfn::to_asl(*first, indent);
            auto again = stepfn::load_machine(printed);
            REQUIRE(again);
            CHECK(stepfn::to_asl(*again, indent) == printed);
            CHECK(stepfn::to_asl_json(*again) == stepfn::to_asl_json(*first));  // ordered: same key order
            CHECK(machine_summary(*again) == machine_summary(*first));
        }
#if defined(STEPFN_WITH_YAML) && __has_include(<yaml-cpp/yaml.h>)
        // JSON is YAML: the printed text loads through the YAML front end to the same machine.
        auto through_yaml = stepfn::load_yaml(stepfn::to_asl(*first));
        REQUIRE(through_yaml);
        CHECK(stepfn::to_asl_json(*through_yaml) == stepfn::to_asl_json(*first));
        CHECK(machine_summary(*through_yaml) == machine_summary(*first));
#endif
    }
    // The examples, the CLI data and the conformance cases were all found.
    CHECK(loaded >= 20);
    CHECK(loaded + 1 >= definitions.size());  // only bad-next.asl.json is invalid
}
} // namespace roundtrip_test
