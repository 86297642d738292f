// The payload limit checked incrementally: serialized_size against dump(), what a ResultPath
// write replaced or added (json_path::exchange), and the engine's merged-output sizes at the
// limit's boundary, where the size comes from the input's and the parts a state touched.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/detail/json_size.hpp>
#include <stepfn/engine/detail/sized_merge.hpp>
#include <stepfn/expressions/json_path.hpp>
#include <stepfn/tasks/callable_invoker.hpp>

namespace payload_size_test {

json sample_documents() {
    return json::array({json::object(), json::array(), nullptr, true, false, 0, -1, 42, -9223372036854775807LL - 1,
                        18446744073709551615ULL, 0.1, -2.5e-300, 1e300, 12.75, 3.0, "", "plain", "quote \" and \\ slash",
                        "tab\tnew\nline\x01\x1f", "caf\xc3\xa9 \xe2\x82\xac",
                        json::parse(R"({"a":[1,2,{"b":null}],"c":{"d":"e","f":[]},"":{}})")});
}

TEST_CASE("serialized_size matches dump() and stops past its bound", "[limits][payload-size]") {
    const json docs = sample_documents();
    for (const auto& doc : docs) {
        INFO(doc.dump());
        CHECK(stepfn::detail::serialized_size(doc) == doc.dump().size());
    }
    CHECK(stepfn::detail::serialized_size(docs) == docs.dump().size());
    const std::size_t whole = docs.dump().size();
    CHECK(stepfn::detail::serialized_size(docs, 10) > 10);
    CHECK(stepfn::detail::serialized_size(docs, 10) < whole);
    CHECK(stepfn::detail::serialized_size(docs, whole) == whole);
    CHECK_FALSE(stepfn::detail::exceeds_size(docs, whole));
    CHECK(stepfn::detail::exceeds_size(docs, whole - 1));
    // More containers pending at once than the walk's fixed buffer holds (scalars never wait).
    json wide = json::array();
    for (int i = 0; i < 200; ++i) wide.push_back(json{{"k", i}, {"v", json::array({i, "x"})}});
    CHECK(stepfn::detail::serialized_size(wide) == wide.dump().size());
    CHECK(stepfn::detail::measure_payload(wide, wide.dump().size(), 3).size == wide.dump().size());
    CHECK_FALSE(stepfn::detail::measure_payload(wide, wide.dump().size(), 3).too_deep);
    CHECK(stepfn::detail::measure_payload(wide, wide.dump().size(), 2).too_deep);
}

TEST_CASE("Short strings and small integers are sized as dump() writes them", "[limits][payload-size]") {
    // Strings of up to 16 bytes are tested a word or two at a time: every length around those
    // words, with each byte that dump() escapes (and bytes next to them, and above ASCII) at
    // every position.
    const char specials[] = {'"', '\\', '\b', '\f', '\n', '\r', '\t', '\x01', '\x1f', '\0',
                             ' ', '!', '#', '[', ']', '\x7f', '\x80', '\xc3', '\xff'};
    for (std::size_t n = 0; n <= 20; ++n) {
        const std::string plain(n, 'k');
        CHECK(stepfn::detail::serialized_string_size(plain) == json(plain).dump().size());
        for (std::size_t at = 0; at < n; ++at) {
            for (const char c : specials) {
                std::string s = plain;
                s[at] = c;
                // dump() refuses invalid UTF-8; a lone byte above ASCII is sized as one byte
                // (the bytes as they are), as a valid sequence's bytes are.
                const auto byte = static_cast<unsigned char>(c);
                const std::size_t expected = byte >= 0x80 ? n + 2 : json(s).dump().size();
                INFO("length " << n << ", byte " << static_cast<int>(byte) << " at " << at);
                CHECK(stepfn::detail::serialized_string_size(s) == expected);
            }
        }
    }
    for (const std::int64_t n : {0LL, 9LL, 10LL, 99LL, 100LL, 999LL, 1000LL, 9999LL, 10000LL, 99999LL, 100000LL,
                                 9223372036854775807LL, -1LL, -9LL, -10LL, -9999LL, -10000LL}) {
        CHECK(stepfn::detail::scalar_size(json(n)) == json(n).dump().size());
    }
    for (const std::uint64_t n : {0ULL, 9ULL, 10ULL, 9999ULL, 10000ULL, 18446744073709551615ULL})
        CHECK(stepfn::detail::scalar_size(json(n)) == json(n).dump().size());
}

// `depth` arrays nested in one another, each also holding `wide` numbers, the innermost an
// object.
json nested(std::size_t depth, std::size_t wide) {
    json doc = json{{"leaf", "x"}};
    for (std::size_t i = 1; i < depth; ++i) {
        json level = json::array();
        for (std::size_t k = 0; k < wide; ++k) level.push_back(k);
        level.push_back(std::move(doc));
        doc = std::move(level);
    }
    return doc;
}

TEST_CASE("measure_payload sizes and depth-checks in one walk what serialized_size and exceeds_depth do",
          "[limits][payload-size]") {
    using stepfn::detail::exceeds_depth;
    using stepfn::detail::measure_payload;
    using stepfn::detail::serialized_size;
    json docs = sample_documents();
    for (const std::size_t depth : {1u, 2u, 5u, 6u, 7u, 300u})
        for (const std::size_t wide : {0u, 3u, 100u}) docs.push_back(nested(depth, wide));
    for (const auto& doc : docs) {
        const std::size_t size = serialized_size(doc);
        for (const std::size_t max_depth : {0u, 1u, 5u, 6u, 512u}) {
            INFO(doc.dump().substr(0, 80) << " max depth " << max_depth);
            const auto m = measure_payload(doc, size, max_depth);
            CHECK(m.size == size);
            CHECK(m.too_deep == exceeds_depth(doc, max_depth));
        }
        // Past its bound it stops as serialized_size does.
        if (size > 10) CHECK(measure_payload(doc, 10, 512).size == serialized_size(doc, 10));
    }
}

TEST_CASE("An execution input over the depth limit is refused at start, over the size limit first as such",
          "[engine][limits][payload-size]") {
    const std::string pass = R"J({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})J";
    const json deep = nested(7, 3);
    const std::size_t size = deep.dump().size();
    auto start_error = [&](std::size_t max_bytes, const json& input) {
        stepfn::limits bounds;
        bounds.max_payload_depth = 6;
        bounds.max_payload_bytes = max_bytes;
        harness h(bounds);
        auto started = h.engine.start(load(pass), input);
        return started ? std::string() : started.error().name;
    };
    CHECK(start_error(size, deep) == "InvalidExecutionInput");
    CHECK(start_error(size, nested(6, 3)).empty());
    CHECK(start_error(size - 1, deep) == "States.DataLimitExceeded");
}

stepfn::json_path reference(const char* text) {
    auto p = stepfn::json_path::parse_reference(text);
    REQUIRE(p);
    return *p;
}

TEST_CASE("json_path::exchange says what a ResultPath write replaced or added", "[jsonpath][payload-size]") {
    const json original = json::parse(R"({"a":{"b":1},"list":[1,2,3]})");
    SECTION("an existing member is replaced") {
        json doc = original;
        auto e = reference("$.a.b").exchange(doc, json("x"));
        REQUIRE(e);
        CHECK(e->added_to == nullptr);
        CHECK(e->replaced == 1);
        CHECK(*e->slot == "x");
        CHECK(doc["a"]["b"] == "x");
    }
    SECTION("an array slot is replaced") {
        json doc = original;
        auto e = reference("$.list[1]").exchange(doc, json{{"k", 1}});
        REQUIRE(e);
        CHECK(e->replaced == 2);
        CHECK(doc["list"][1] == json{{"k", 1}});
    }
    SECTION("a missing member is appended, with the objects on the way") {
        json doc = original;
        auto e = reference("$.n.m").exchange(doc, json(5));
        REQUIRE(e);
        CHECK(e->added_to == &doc);
        CHECK(*e->slot == json{{"m", 5}});
        CHECK(doc.dump() == R"({"a":{"b":1},"list":[1,2,3],"n":{"m":5}})");
    }
    SECTION("a failed write leaves the target as it was") {
        json doc = original;
        auto e = reference("$.a.b.c").exchange(doc, json(5));
        REQUIRE_FALSE(e);
        CHECK(e.error().name == "States.ResultPathMatchFailure");
        CHECK(doc == original);
        CHECK_FALSE(reference("$.list[7]").exchange(doc, json(5)));
        CHECK(doc == original);
    }
    SECTION("undo_merge puts back what the write displaced") {
        for (const char* path : {"$.a.b", "$.list[0]", "$.n", "$.n.m.o", "$"}) {
            INFO(path);
            json doc = original;
            auto e = reference(path).exchange(doc, json{{"new", true}});
            REQUIRE(e);
            stepfn::detail::undo_merge(*e);
            CHECK(doc.dump() == original.dump());
        }
    }
}

TEST_CASE("merge_sized works out the merged size from the parts the write touched", "[limits][payload-size]") {
    const json original = json::parse(R"({"a":{"b":[1,2.5,"three"]},"e":{},"list":[1,2,3]})");
    const std::size_t size = original.dump().size();
    struct write {
        const char* path;
        json value;
    };
    const std::vector<write> writes = {
        {"$.a.b", json("short")},        {"$.a.b", json::parse(R"({"much":"longer than before","n":[1,2,3]})")},
        {"$.list[2]", json(-17.25)},     {"$.new", json("v\"q")},
        {"$.e.first", json(nullptr)},    {"$.x.y.z", json::array()},
        {"$.a.c", json{{"k", "v"}}},
    };
    for (const auto& w : writes) {
        INFO(w.path << " <- " << w.value.dump());
        json doc = original;
        auto merged = stepfn::detail::merge_sized(reference(w.path), doc, size, json(w.value), 1 << 20);
        REQUIRE(merged);
        CHECK(merged->size == doc.dump().size());
        json unknown = original;
        auto unsized = stepfn::detail::merge_sized(reference(w.path), unknown, stepfn::detail::unknown_size, json(w.value), 1 << 20);
        REQUIRE(unsized);
        CHECK(unsized->size == stepfn::detail::unknown_size);
    }
}

// A Pass chain that merges a Result at each of `paths` in turn.
std::string merging_chain(const std::vector<std::pair<std::string, std::string>>& steps) {
    std::string states;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (i) states += ",";
        states += "\"S" + std::to_string(i) + "\":{\"Type\":\"Pass\",\"Result\":" + steps[i].second + ",\"ResultPath\":\"" +
                  steps[i].first + "\"," + (i + 1 == steps.size() ? "\"End\":true" : "\"Next\":\"S" + std::to_string(i + 1) + "\"") + "}";
    }
    return "{\"StartAt\":\"S0\",\"States\":{" + states + "}}";
}

// The outputs the chain produces, merged by hand.
std::vector<std::size_t> output_sizes(json doc, const std::vector<std::pair<std::string, std::string>>& steps) {
    std::vector<std::size_t> sizes;
    for (const auto& step : steps) {
        REQUIRE(reference(step.first.c_str()).assign(doc, json::parse(step.second)));
        sizes.push_back(doc.dump().size());
    }
    return sizes;
}

TEST_CASE("ResultPath merges meet the payload limit to the byte", "[engine][limits][payload-size]") {
    const json input = json{{"id", 7}, {"big", std::string(300, 'x')}, {"list", json::array({1, 2, 3})}};
    // Grows, shrinks by replacing the big member, adds nested objects, replaces an array slot.
    const std::vector<std::pair<std::string, std::string>> steps = {
        {"$.s1", R"({"step":1,"ok":true})"},     {"$.s2", R"("two \"quoted\"")"},  {"$.big", R"("small")"},
        {"$.deep.er.still", R"([1.5,-2,null])"}, {"$.list[1]", R"({"k":"v"})"},    {"$.s1", R"(123456789012)"},
    };
    const auto sizes = output_sizes(input, steps);
    const std::size_t peak = *std::max_element(sizes.begin(), sizes.end());
    SECTION("a limit equal to the largest output passes, with the output as merged by hand") {
        stepfn::limits bounds;
        bounds.max_payload_bytes = peak;
        harness h(bounds);
        auto r = h.run(merging_chain(steps), input);
        REQUIRE(r.value);
        CHECK(r.value->dump().size() == sizes.back());
    }
    SECTION("one byte less fails the first state whose output passes it") {
        stepfn::limits bounds;
        bounds.max_payload_bytes = peak - 1;
        harness h(bounds);
        auto r = h.run(merging_chain(steps), input);
        REQUIRE_FALSE(r.value);
        CHECK(r.value.error().name == "States.DataLimitExceeded");
        const auto first = static_cast<std::size_t>(std::find(sizes.begin(), sizes.end(), peak) - sizes.begin());
        CHECK(r.value.error().cause.find("'S" + std::to_string(first) + "'") != std::string::npos);
    }
    SECTION("every limit between the sizes fails exactly where walking the output would") {
        // From the input's size (a smaller limit refuses the execution) past the largest output.
        for (std::size_t limit = input.dump().size(); limit <= peak + 1; limit += 7) {
            stepfn::limits bounds;
            bounds.max_payload_bytes = limit;
            harness h(bounds);
            auto r = h.run(merging_chain(steps), input);
            std::size_t failing = steps.size();
            for (std::size_t i = 0; i < sizes.size() && failing == steps.size(); ++i)
                if (sizes[i] > limit) failing = i;
            INFO("limit " << limit);
            if (failing == steps.size()) {
                CHECK(r.value);
            } else {
                REQUIRE_FALSE(r.value);
                CHECK(r.value.error().cause.find("'S" + std::to_string(failing) + "'") != std::string::npos);
            }
        }
    }
}

TEST_CASE("A size carried through a Choice still meets the limit to the byte", "[engine][limits][payload-size]") {
    const std::string definition = R"({"StartAt":"A","States":{
        "A":{"Type":"Pass","Result":{"n":1},"ResultPath":"$.a","Next":"C"},
        "C":{"Type":"Choice","Choices":[{"Variable":"$.a.n","NumericEquals":1,"Next":"B"}],"Default":"B"},
        "B":{"Type":"Pass","Result":"0123456789","ResultPath":"$.b","End":true}}})";
    const json input = json{{"blob", std::string(50, 'z')}};
    const std::size_t size = json{{"blob", std::string(50, 'z')}, {"a", {{"n", 1}}}, {"b", "0123456789"}}.dump().size();
    for (const std::size_t limit : {size, size - 1}) {
        stepfn::limits bounds;
        bounds.max_payload_bytes = limit;
        harness h(bounds);
        auto r = h.run(definition, input);
        INFO("limit " << limit << ", output " << size);
        CHECK(static_cast<bool>(r.value) == (limit == size));
        if (!r.value) CHECK(r.value.error().cause.find("'B'") != std::string::npos);
    }
}

TEST_CASE("Pass Parameters read the input in place and the merged size is exact", "[engine][limits][payload-size]") {
    const std::string definition = R"({"StartAt":"P","States":{
        "P":{"Type":"Pass","InputPath":"$.order","Parameters":{"copy.$":"$.blob","n":1},"ResultPath":"$.shaped","Next":"Q"},
        "Q":{"Type":"Pass","Parameters":{"again.$":"$.shaped.copy"},"ResultPath":"$.more","End":true}}})";
    const json input = json{{"order", {{"blob", std::string(100, 'b')}}}};
    json expected = input;
    expected["shaped"] = json{{"copy", std::string(100, 'b')}, {"n", 1}};
    expected["more"] = json{{"again", std::string(100, 'b')}};
    const std::size_t size = expected.dump().size();
    {
        stepfn::limits bounds;
        bounds.max_payload_bytes = size;
        harness h(bounds);
        auto r = h.run(definition, input);
        REQUIRE(r.value);
        CHECK(*r.value == expected);
    }
    {
        stepfn::limits bounds;
        bounds.max_payload_bytes = size - 1;
        harness h(bounds);
        auto r = h.run(definition, input);
        REQUIRE_FALSE(r.value);
        CHECK(r.value.error().cause.find("'Q'") != std::string::npos);
    }
    harness h;
    auto missing = h.run(definition, json{{"other", 1}});
    REQUIRE_FALSE(missing.value);
    CHECK(missing.value.error().name == "States.Runtime");
}

TEST_CASE("A Task whose merge passes the limit is caught with its raw input unchanged", "[engine][limits][payload-size]") {
    const json input = json{{"id", 7}, {"note", std::string(20, 'n')}};
    const std::string definition = R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","ResultPath":"$.r",
        "Retry":[{"ErrorEquals":["States.DataLimitExceeded"],"MaxAttempts":1,"IntervalSeconds":1}],
        "Catch":[{"ErrorEquals":["States.DataLimitExceeded"],"ResultPath":"$.error","Next":"S"}],"End":true},
        "S":{"Type":"Succeed"}}})";
    stepfn::limits bounds;
    bounds.max_payload_bytes = 300;  // room for the caught error, not for the result
    harness h(bounds);
    std::vector<json> seen;
    h.engine.invokers().set_default(answer([&](const stepfn::task_request& r) {
        seen.push_back(r.input);
        return stepfn::result<json>(std::string(280, 'y'));
    }));
    auto r = h.run(definition, input);
    REQUIRE(r.value);
    REQUIRE(seen.size() == 2);  // the retry saw the input as it was
    CHECK(seen[0] == input);
    CHECK(seen[1] == input);
    CHECK_FALSE(r.value->contains("r"));
    CHECK((*r.value)["id"] == 7);
    CHECK((*r.value)["note"] == input["note"]);
    CHECK((*r.value)["error"]["Error"] == "States.DataLimitExceeded");
}

// Records whether the engine lent it the input, and what it read.
struct borrowing_invoker final : stepfn::task_invoker {
    bool borrows = true;
    std::vector<bool> lent;
    std::vector<json> read;
    void invoke(stepfn::task_request request, stepfn::task_completion done) override {
        lent.push_back(request.lent_input != nullptr);
        read.push_back(request.input_view());
        done.complete(json{{"ok", true}});
    }
    bool borrows_input() const noexcept override { return borrows; }
};

TEST_CASE("A Task without Parameters lends its input to an invoker that only reads it", "[engine][task][payload-size]") {
    const std::string definition = R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","ResultPath":"$.r","End":true}}})";
    const json input = json{{"id", 7}, {"items", json::array({1, 2, 3})}};
    json expected = input;
    expected["r"] = json{{"ok", true}};
    for (const bool borrows : {true, false}) {
        INFO("borrows_input " << borrows);
        harness h;
        auto invoker = std::make_shared<borrowing_invoker>();
        invoker->borrows = borrows;
        h.engine.invokers().set_default(invoker);
        auto r = h.run(definition, input);
        REQUIRE(r.value);
        CHECK(*r.value == expected);
        REQUIRE(invoker->read.size() == 1);
        CHECK(invoker->read[0] == input);
        // A durable engine sends the request after a checkpoint and keeps it: never lent there.
        CHECK(invoker->lent[0] == (borrows && !durable_test::enabled()));
    }
    SECTION("make_invoker's callables: const json& and typed arguments borrow, by-value ones do not") {
        auto reads = stepfn::make_invoker([](const json& in) { return json{{"seen", in["id"]}}; });
        auto takes = stepfn::make_invoker([](json in) { return json{{"seen", in["id"]}}; });
        auto typed = stepfn::make_invoker([](const std::map<std::string, json>& in) { return json{{"keys", in.size()}}; });
        CHECK(reads->borrows_input());
        CHECK_FALSE(takes->borrows_input());
        CHECK(typed->borrows_input());
        harness h;
        h.engine.invokers().set_default(reads);
        auto r = h.run(definition, input);
        REQUIRE(r.value);
        CHECK((*r.value)["r"] == json{{"seen", 7}});
        CHECK((*r.value)["items"] == input["items"]);
    }
}

TEST_CASE("A Map's and a Parallel's outputs, sized by their runners, meet the limit to the byte",
          "[engine][limits][payload-size]") {
    // Iterations that end in a Pass with Parameters (its size as its payload check measured it)
    // and in a Pass that moves its input through (carried); the Map's output is checked from
    // their sizes.
    const std::string map = R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","End":true,
        "ItemProcessor":{"StartAt":"C","States":{
          "C":{"Type":"Choice","Choices":[{"Variable":"$.odd","BooleanEquals":true,"Next":"Keep"}],"Default":"Shape"},
          "Keep":{"Type":"Pass","End":true},
          "Shape":{"Type":"Pass","Parameters":{"v.$":"$.v","s":"\u00e9\"x and some padding"},"End":true}}}}}})J";
    const std::string parallel = R"J({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.xs[0]","End":true}}},
        {"StartAt":"B","States":{"B":{"Type":"Pass","Parameters":{"n.$":"States.ArrayLength($.xs)"},"End":true}}},
        {"StartAt":"D","States":{"D":{"Type":"Pass","End":true}}}]}}})J";
    json xs = json::array();
    for (int i = 0; i < 12; ++i) xs.push_back(json{{"v", std::string(static_cast<std::size_t>(i * 3), 'q')}, {"odd", i % 2 == 1}});
    const json input = json{{"xs", xs}};
    for (const auto* definition : {&map, &parallel}) {
        harness probe;
        auto full = probe.run(*definition, input);
        REQUIRE(full.value);
        const std::size_t size = full.value->dump().size();
        for (const std::size_t limit : {size, size - 1}) {
            stepfn::limits bounds;
            bounds.max_payload_bytes = limit;
            harness h(bounds);
            auto r = h.run(*definition, input);
            INFO("limit " << limit << ", output " << size);
            CHECK(static_cast<bool>(r.value) == (limit == size));
            if (!r.value) CHECK(r.value.error().name == "States.DataLimitExceeded");
        }
    }
}

} // namespace payload_size_test
