// History at memory speed (issue 21): payload text written without nlohmann's serializer, and
// events kept deferred by memory_sink (Entered/Exited, ExecutionStarted/Succeeded, a Lambda or
// activity task's events). Both must give exactly the text and the details the engine wrote
// before.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/detail/json_text.hpp>
#include <stepfn/history/callback_sink.hpp>
#include <stepfn/history/memory_sink.hpp>

namespace history_text_test {

namespace {

std::string dumped(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// A document of every kind of value, drawn from `rng`, `depth` levels deep at most.
json random_value(std::mt19937& rng, int depth) {
    static const char* const strings[] = {"", "plain", "quote\"d", "back\\slash", "tab\tnew\nline\r", "\x01\x1f\x7f",
                                          "caf\xc3\xa9", "\xf0\x9f\x98\x80 emoji", "bad \xff utf8", "\xc3", "/slash"};
    const auto pick = std::uniform_int_distribution<int>(0, depth > 0 ? 9 : 6)(rng);
    switch (pick) {
    case 0: return nullptr;
    case 1: return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 2: return std::uniform_int_distribution<std::int64_t>((std::numeric_limits<std::int64_t>::min)(),
                                                               (std::numeric_limits<std::int64_t>::max)())(rng);
    case 3: return std::uniform_int_distribution<std::uint64_t>(0, (std::numeric_limits<std::uint64_t>::max)())(rng);
    case 4: return std::uniform_real_distribution<double>(-1e6, 1e6)(rng) * std::pow(10.0, std::uniform_int_distribution<int>(-300, 300)(rng));
    case 5:
    case 6: return strings[std::uniform_int_distribution<std::size_t>(0, std::size(strings) - 1)(rng)];
    case 7:
    case 8: {
        json object = json::object();
        const int n = std::uniform_int_distribution<int>(0, 5)(rng);
        for (int i = 0; i < n; ++i)
            object[strings[std::uniform_int_distribution<std::size_t>(0, std::size(strings) - 1)(rng)] + std::to_string(i)] =
                random_value(rng, depth - 1);
        return object;
    }
    default: {
        json array = json::array();
        const int n = std::uniform_int_distribution<int>(0, 5)(rng);
        for (int i = 0; i < n; ++i) array.push_back(random_value(rng, depth - 1));
        return array;
    }
    }
}

// Every event a sink was given, as it was given (a sink that does not keep deferred events).
struct collecting_sink final : stepfn::history_sink {
    std::mutex mutex;
    std::vector<stepfn::history_event> events;
    void record(std::string_view, const stepfn::history_event& event) override {
        std::lock_guard<std::mutex> lock(mutex);
        events.push_back(event);
    }
};

// Keeps events as the engine defers them for a sink written before keeps_parts() (a
// history_event with `deferred` parts), and builds their details when read.
struct deferring_sink final : stepfn::history_sink {
    std::mutex mutex;
    std::vector<stepfn::history_event> events;
    bool keeps_deferred() const noexcept override { return true; }
    void record(std::string_view, const stepfn::history_event& event) override {
        std::lock_guard<std::mutex> lock(mutex);
        events.push_back(event);
    }
    std::vector<stepfn::history_event> built() {
        std::lock_guard<std::mutex> lock(mutex);
        auto out = events;
        for (auto& event : out) stepfn::materialise(event);
        return out;
    }
};

// Says keeps_parts() but leaves record_parts() to the default, which records the event built.
struct default_parts_sink final : stepfn::history_sink {
    std::mutex mutex;
    std::vector<stepfn::history_event> events;
    std::vector<std::pair<std::string, std::uint64_t>> executions;  // each deferred event's ARN and number
    bool keeps_parts() const noexcept override { return true; }
    void record(std::string_view, const stepfn::history_event& event) override {
        std::lock_guard<std::mutex> lock(mutex);
        CHECK_FALSE(event.is_deferred());
        events.push_back(event);
    }
    void record_parts(std::string_view execution_arn, const stepfn::event_parts& event) override {
        {
            std::lock_guard<std::mutex> lock(mutex);
            executions.emplace_back(std::string(execution_arn), event.execution);
        }
        history_sink::record_parts(execution_arn, event);
    }
};

// Runs `definition` on engines whose sinks take parts (memory_sink, and one that leaves
// record_parts to the default), keep deferred events, or get every event built, and checks
// that they all read the same history; and with two sinks at once (the execution's and the
// engine's).
void same_history(const std::string& definition, json input, std::optional<std::string> input_text = std::nullopt,
                  std::string role_arn = std::string()) {
    const auto machine = load(definition);
    auto run = [&](std::shared_ptr<stepfn::history_sink> sink, std::shared_ptr<stepfn::history_sink> own = nullptr) {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        stepfn::engine_options options;
        options.history = std::move(sink);
        options.seed = 7;
        stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, options);
        // The same answer from a Lambda function, a service integration and an activity.
        for (const char* resource : {"arn:aws:lambda:us-east-1:123456789012:function:echo", "arn:aws:states:::lambda:invoke",
                                     "arn:aws:states:us-east-1:123456789012:activity:echo"})
            engine.invokers().add(resource, answer([](const stepfn::task_request& r) -> stepfn::result<json> {
                                      if (r.input_view().contains("fail")) return tl::make_unexpected(stepfn::error{"Boom", "asked to"});
                                      return json{{"echoed", r.input_view()}, {"tab", "a\tb"}};
                                  }));
        stepfn::start_options start;
        start.name = "same";
        start.input_text = input_text;
        start.role_arn = role_arn;
        start.history = std::move(own);
        auto e = engine.start(machine, input, start);
        REQUIRE(e);
        (void)e->wait();
    };
    auto memory = std::make_shared<stepfn::memory_sink>();
    auto built = std::make_shared<collecting_sink>();
    auto deferring = std::make_shared<deferring_sink>();
    auto by_default = std::make_shared<default_parts_sink>();
    auto both_shared = std::make_shared<stepfn::memory_sink>();
    auto both_own = std::make_shared<stepfn::memory_sink>();
    auto mixed_own = std::make_shared<collecting_sink>();
    run(memory);
    run(built);
    run(deferring);
    run(by_default);
    run(both_shared, both_own);  // two sinks that take parts
    run(memory, mixed_own);      // one that takes parts, one that does not: both get events built
    const auto arns = memory->executions();
    REQUIRE(arns.size() == 1);
    const auto kept = memory->events(arns[0]);
    REQUIRE(kept.size() == 2 * built->events.size());  // two runs of the same execution name
    REQUIRE(memory->all().size() == kept.size());
    const json as_json = memory->to_json(arns[0]);
    const auto same = [&](const std::vector<stepfn::history_event>& events, std::size_t from) {
        REQUIRE(events.size() >= from + built->events.size());
        for (std::size_t i = 0; i < built->events.size(); ++i) {
            INFO("event " << i + 1 << " " << stepfn::to_string(built->events[i].type));
            const auto& event = events[from + i];
            CHECK_FALSE(event.is_deferred());
            CHECK(event.type == built->events[i].type);
            CHECK(event.id == built->events[i].id);
            CHECK(event.previous_event_id == built->events[i].previous_event_id);
            CHECK(event.timestamp == built->events[i].timestamp);
            CHECK(dumped(event.details) == dumped(built->events[i].details));
        }
    };
    same(kept, 0);
    same(kept, built->events.size());
    same(memory->all(), 0);
    same(deferring->built(), 0);
    same(by_default->events, 0);
    same(both_shared->all(), 0);
    same(both_own->all(), 0);
    same(mixed_own->events, 0);
    REQUIRE(by_default->executions.size() <= built->events.size());
    for (const auto& [arn, number] : by_default->executions) {
        CHECK(arn == arns[0]);
        CHECK(number != 0);
        CHECK(number == by_default->executions[0].second);
    }
    for (std::size_t i = 0; i < built->events.size(); ++i) {
        INFO("event " << i + 1 << " " << stepfn::to_string(built->events[i].type));
        CHECK(dumped(as_json[i]) == dumped(stepfn::to_json(built->events[i])));
    }
}

} // namespace

TEST_CASE("json_text writes exactly what dump() writes", "[history][json]") {
    const std::vector<json> fixed = {
        nullptr, true, false, 0, -1, 42, (std::numeric_limits<std::int64_t>::min)(), (std::numeric_limits<std::int64_t>::max)(),
        (std::numeric_limits<std::uint64_t>::max)(), 0.1, -0.0, 1.0, 1e300, 5e-324, 123456789.125,
        std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(), "", "a\"b\\c\b\f\n\r\t",
        std::string("nul\0byte", 8), "\x01\x02\x1f", "caf\xc3\xa9", "bad \xff\xfe", json::object(), json::array(),
        json::parse(R"({"order":"A-1001","amount":250,"customer":{"id":17,"tier":"gold"},"tags":["x","y"]})"),
        json::binary({1, 2, 3}),
    };
    for (const auto& value : fixed) {
        INFO(dumped(value));
        CHECK(stepfn::detail::json_text(value) == dumped(value));
        // A size hint too small or too large changes nothing but the allocations.
        CHECK(stepfn::detail::json_text(value, 1) == dumped(value));
        CHECK(stepfn::detail::json_text(value, 4096) == dumped(value));
    }

    std::mt19937 rng(2112);
    for (int i = 0; i < 500; ++i) {
        const json value = random_value(rng, 4);
        INFO(dumped(value));
        CHECK(stepfn::detail::json_text(value) == dumped(value));
        CHECK(stepfn::detail::json_text(value, stepfn::detail::serialized_size(value)) == dumped(value));
    }

    // Short strings, read a word at a time: each byte that needs dump()'s handling or an escape,
    // at each place in strings of every length up to and past the 16 bytes read so.
    for (const int odd : {0x00, 0x01, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0xc3, 0xff, 0x20, 0x21, 0x5b, 0x5d}) {
        for (std::size_t size = 1; size <= 18; ++size) {
            for (std::size_t at = 0; at < size; ++at) {
                std::string text(size, 'k');
                text[at] = static_cast<char>(static_cast<unsigned char>(odd));
                const json value = json{{text, text}};
                INFO(dumped(value));
                CHECK(stepfn::detail::json_text(value) == dumped(value));
            }
        }
    }

    // Deeper than the writer recurses itself: the rest is left to dump().
    json deep = "leaf";
    for (int i = 0; i < 300; ++i) deep = json{{"k", json::array({deep, i})}};
    CHECK(stepfn::detail::json_text(deep) == dumped(deep));
}

TEST_CASE("memory_sink builds a deferred event's details when it is read", "[history]") {
    stepfn::memory_sink sink;
    CHECK(sink.keeps_deferred());
    stepfn::history_event entered;
    entered.id = 2;
    entered.type = stepfn::event_type::pass_state_entered;
    entered.deferred = {"Step", std::make_shared<const std::string>(R"({"a":1})")};
    CHECK(entered.is_deferred());
    stepfn::history_event exited = entered;
    exited.id = 3;
    exited.type = stepfn::event_type::pass_state_exited;  // shares the entered event's text
    sink.record("arn:x", entered);
    sink.take("arn:x", std::move(exited));

    const auto events = sink.events("arn:x");
    REQUIRE(events.size() == 2);
    CHECK(dumped(events[0].details) == R"({"name":"Step","input":"{\"a\":1}","inputDetails":{"truncated":false}})");
    CHECK(dumped(events[1].details) == R"({"name":"Step","output":"{\"a\":1}","outputDetails":{"truncated":false}})");
    CHECK_FALSE(events[0].is_deferred());
    CHECK(events[0].details["input"] == R"({"a":1})");
    CHECK(dumped(sink.to_json("arn:x")[1]["stateExitedEventDetails"]) == dumped(events[1].details));

    // details_of() leaves a built event as it is; materialise() is done once.
    stepfn::history_event built = events[0];
    CHECK(stepfn::details_of(built) == built.details);
    stepfn::materialise(built);
    CHECK(dumped(built.details) == dumped(events[0].details));
    CHECK(dumped(stepfn::details_of(entered)) == dumped(events[0].details));
    stepfn::materialise(entered);
    CHECK_FALSE(entered.is_deferred());
    CHECK(dumped(entered.details) == dumped(events[0].details));
}

TEST_CASE("memory_sink keeps each execution's events apart, interleaved, and after clear()", "[history]") {
    stepfn::memory_sink sink;
    auto event = [](std::int64_t id) {
        stepfn::history_event e;
        e.id = id;
        e.type = stepfn::event_type::pass_state_entered;
        e.deferred = {"S" + std::to_string(id), std::make_shared<const std::string>(std::to_string(id))};
        return e;
    };
    for (int round = 0; round < 2; ++round) {
        // More executions than the table's first size, their events interleaved.
        const int executions = 100 + round * 50;
        for (std::int64_t id = 1; id <= 3; ++id)
            for (int x = 0; x < executions; ++x) {
                const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:m:e" + std::to_string(x);
                if (x % 2 == 0) sink.take(arn, event(id));
                else sink.record(arn, event(id));
            }
        CHECK(sink.size() == static_cast<std::size_t>(3 * executions));
        const auto arns = sink.executions();
        REQUIRE(arns.size() == static_cast<std::size_t>(executions));
        for (int x = 0; x < executions; ++x) {
            CHECK(arns[static_cast<std::size_t>(x)] == "arn:aws:states:us-east-1:123456789012:execution:m:e" + std::to_string(x));
            const auto events = sink.events(arns[static_cast<std::size_t>(x)]);
            REQUIRE(events.size() == 3);
            for (std::size_t i = 0; i < 3; ++i) {
                CHECK(events[i].id == static_cast<std::int64_t>(i + 1));
                CHECK(events[i].details["input"] == std::to_string(i + 1));
            }
        }
        CHECK(sink.all().size() == static_cast<std::size_t>(3 * executions));
        CHECK(sink.events("arn:unknown").empty());
        sink.clear();
        CHECK(sink.size() == 0);
        CHECK(sink.executions().empty());
        CHECK(sink.events(arns[0]).empty());
    }
}

TEST_CASE("memory_sink takes events in parts: found by the execution's number, or by its ARN", "[history]") {
    stepfn::memory_sink sink;
    CHECK(sink.keeps_parts());
    const auto arn = [](int x) { return "arn:aws:states:us-east-1:123456789012:execution:m:p" + std::to_string(x); };
    auto entered = [](std::int64_t id, std::uint64_t execution) {
        stepfn::event_parts e;
        e.id = id;
        e.previous_event_id = id - 1;
        e.execution = execution;
        e.timestamp = stepfn::virtual_clock::default_start() + std::chrono::seconds(id);
        e.type = stepfn::event_type::pass_state_entered;
        e.name = "S";
        e.text = std::make_shared<const std::string>("{\"n\":" + std::to_string(id) + "}");
        return e;
    };
    // Three executions interleaved, then p0 again under a new number (a new record for the same
    // ARN), an event with no number between two of p1's, and a Scheduled event with and without
    // credentials.
    for (std::int64_t id = 1; id <= 2; ++id)
        for (int x = 0; x < 3; ++x) sink.record_parts(arn(x), entered(id, static_cast<std::uint64_t>(x + 1)));
    sink.record_parts(arn(0), entered(3, 9));
    sink.record_parts(arn(1), entered(3, 2));
    sink.record(arn(2), stepfn::to_event(entered(3, 0)));
    sink.record_parts(arn(1), entered(4, 2));
    stepfn::event_parts scheduled = entered(4, 3);
    scheduled.type = stepfn::event_type::lambda_function_scheduled;
    scheduled.name = {};
    scheduled.arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
    scheduled.timeout = 30;
    sink.record_parts(arn(2), scheduled);
    scheduled.id = 5;
    scheduled.credentials = json{{"roleArn", "arn:aws:iam::123456789012:role/r"}};
    sink.record_parts(arn(2), scheduled);

    REQUIRE(sink.executions().size() == 3);
    const auto p0 = sink.events(arn(0));
    const auto p1 = sink.events(arn(1));
    const auto p2 = sink.events(arn(2));
    REQUIRE(p0.size() == 3);
    REQUIRE(p1.size() == 4);
    REQUIRE(p2.size() == 5);
    for (const auto* events : {&p0, &p1, &p2})
        for (std::size_t i = 0; i < 3; ++i) {
            const auto& e = (*events)[i];
            CHECK(e.id == static_cast<std::int64_t>(i + 1));
            CHECK(e.previous_event_id == static_cast<std::int64_t>(i));
            CHECK(e.timestamp == stepfn::virtual_clock::default_start() + std::chrono::seconds(e.id));
            CHECK(dumped(e.details) == dumped(stepfn::details_of(entered(e.id, 0))));
            CHECK(dumped(e.details) == R"({"name":"S","input":"{\"n\":)" + std::to_string(e.id) +
                                           R"(}","inputDetails":{"truncated":false}})");
        }
    CHECK(p1[3].id == 4);
    CHECK(p2[3].type == stepfn::event_type::lambda_function_scheduled);
    CHECK(dumped(p2[3].details) == R"({"resource":"arn:aws:lambda:us-east-1:123456789012:function:f","input":"{\"n\":4}",)"
                                   R"("inputDetails":{"truncated":false},"timeoutInSeconds":30})");
    CHECK(dumped(p2[4].details) == dumped(stepfn::details_of(scheduled)));
    CHECK(p2[4].details.contains("taskCredentials"));
}

TEST_CASE("memory_sink writes a payload handed as a value, once per text id", "[history]") {
    stepfn::memory_sink sink;
    const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:m:v";
    const json output = json{{"s", "tab\tquote\"caf\xc3\xa9"}, {"n", -3}, {"f", 1.5}, {"a", json::array({nullptr, true})}};
    const json other = json{{"x", 1}};
    auto event = [&](std::int64_t id, stepfn::event_type type, const json& value, std::uint64_t text_id) {
        stepfn::event_parts e;
        e.id = id;
        e.previous_event_id = id - 1;
        e.execution = 77;
        e.type = type;
        e.name = "S";
        e.payload = &value;
        e.payload_size = id == 1 ? 0 : dumped(value).size();  // a size known, or not
        e.text_id = text_id;
        return e;
    };
    std::string appended = "before:";
    stepfn::append_text(appended, event(1, stepfn::event_type::pass_state_exited, output, 5));
    CHECK(appended == "before:" + dumped(output));
    // Exited and the next Entered share an id; an event between them with another text, then
    // the id again (written again: the sink compares with the last text only); a text with no id.
    sink.record_parts(arn, event(1, stepfn::event_type::pass_state_exited, output, 5));
    sink.record_parts(arn, event(2, stepfn::event_type::pass_state_entered, output, 5));
    sink.record_parts(arn, event(3, stepfn::event_type::lambda_function_succeeded, other, 0));
    sink.record_parts(arn, event(4, stepfn::event_type::pass_state_exited, output, 5));
    sink.record_parts(arn, event(5, stepfn::event_type::execution_succeeded, other, 0));
    const auto events = sink.events(arn);
    REQUIRE(events.size() == 5);
    for (std::size_t i = 0; i < events.size(); ++i) {
        const json& value = i == 2 || i == 4 ? other : output;
        const char* key = events[i].type == stepfn::event_type::pass_state_entered ? "input" : "output";
        CHECK(events[i].details[key] == dumped(value));
        CHECK(dumped(events[i].details) ==
              dumped(stepfn::details_of(event(events[i].id, events[i].type, value, 0))));
    }
}

TEST_CASE("the engine numbers each execution's events for a sink that takes parts", "[history][engine]") {
    const auto machine = load(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Wait","Seconds":1,"End":true}}})");
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    auto sink = std::make_shared<default_parts_sink>();
    options.history = sink;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, options);
    std::vector<stepfn::execution> runs;
    for (int i = 0; i < 3; ++i) {  // started together: their events interleave at the Wait
        auto e = engine.start(machine, json::object());
        REQUIRE(e);
        runs.push_back(*e);
    }
    for (auto& e : runs) (void)e.wait();
    std::map<std::string, std::set<std::uint64_t>> numbers;
    std::set<std::uint64_t> all;
    for (const auto& [arn, number] : sink->executions) {
        numbers[arn].insert(number);
        all.insert(number);
    }
    REQUIRE(numbers.size() == 3);
    for (const auto& [arn, seen] : numbers) CHECK(seen.size() == 1);
    CHECK(all.size() == 3);
    CHECK(all.count(0) == 0);
}

TEST_CASE("memory_sink copies the texts it keeps, once for consecutive events that share one", "[history]") {
    stepfn::memory_sink sink;
    auto shared = std::make_shared<const std::string>(R"({"b":[1,2]})");
    auto event = [](std::int64_t id, stepfn::event_type type, stepfn::deferred_details parts) {
        stepfn::history_event e;
        e.id = id;
        e.previous_event_id = id - 1;
        e.timestamp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1000 + id));
        e.type = type;
        e.deferred = std::move(parts);
        return e;
    };
    {
        const stepfn::deferred_details scheduled{"", shared, "arn:aws:lambda:us-east-1:123456789012:function:f", 30,
                                                 std::nullopt};
        const stepfn::deferred_details with_role{"", shared, "arn:aws:iam::123456789012:role/r", std::nullopt, std::nullopt,
                                                 json{{"roleArn", "arn:aws:iam::123456789012:role/t"}}};
        stepfn::deferred_details bare;
        bare.bare = true;
        stepfn::history_event built;
        built.id = 6;
        built.type = stepfn::event_type::task_failed;
        built.details = json{{"error", "E"}, {"cause", "c"}};
        sink.take("arn:x", event(1, stepfn::event_type::task_state_entered, {"T", shared}));
        sink.take("arn:x", event(2, stepfn::event_type::lambda_function_scheduled, scheduled));
        sink.take("arn:x", event(3, stepfn::event_type::activity_scheduled, with_role));
        sink.take("arn:x", event(4, stepfn::event_type::lambda_function_started, bare));
        sink.record("arn:x", event(5, stepfn::event_type::task_state_exited, {"T", std::make_shared<const std::string>("7")}));
        sink.take("arn:x", std::move(built));
    }
    CHECK(shared.use_count() == 2);  // the event kept whole holds it; the copied ones do not

    const auto events = sink.events("arn:x");
    REQUIRE(events.size() == 6);
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(events[i].id == static_cast<std::int64_t>(i + 1));
        CHECK(events[i].previous_event_id == static_cast<std::int64_t>(i));
        CHECK(events[i].timestamp == std::chrono::system_clock::time_point(std::chrono::milliseconds(1001 + static_cast<std::int64_t>(i))));
        CHECK_FALSE(events[i].is_deferred());
    }
    CHECK(dumped(events[0].details) == R"({"name":"T","input":"{\"b\":[1,2]}","inputDetails":{"truncated":false}})");
    CHECK(dumped(events[1].details) == R"({"resource":"arn:aws:lambda:us-east-1:123456789012:function:f",)"
                                       R"("input":"{\"b\":[1,2]}","inputDetails":{"truncated":false},"timeoutInSeconds":30})");
    CHECK(dumped(events[2].details) == R"({"resource":"arn:aws:iam::123456789012:role/r","input":"{\"b\":[1,2]}",)"
                                       R"("inputDetails":{"truncated":false},"taskCredentials":{"roleArn":"arn:aws:iam::123456789012:role/t"}})");
    CHECK(dumped(events[3].details) == "{}");
    CHECK(dumped(events[4].details) == R"({"name":"T","output":"7","outputDetails":{"truncated":false}})");
    CHECK(dumped(events[5].details) == R"({"error":"E","cause":"c"})");
    CHECK(events[5].id == 6);
    sink.clear();
    CHECK(shared.use_count() == 1);
    CHECK(sink.all().empty());
}

TEST_CASE("a sink that keeps deferred events reads the history every other sink gets", "[history][engine]") {
    SECTION("Pass states: Result, Parameters, ResultPath, OutputPath") {
        same_history(R"({"StartAt":"A","States":{
            "A":{"Type":"Pass","Result":{"x":1.5,"s":"t\"q"},"ResultPath":"$.r","Next":"B"},
            "B":{"Type":"Pass","Parameters":{"all.$":"$","n":3},"Next":"C"},
            "C":{"Type":"Pass","OutputPath":"$.all.r","Next":"D"},
            "D":{"Type":"Pass","End":true}}})",
                     json{{"order", "A-1"}, {"uni", "caf\xc3\xa9"}, {"bad", "\xff"}});
    }
    SECTION("an input given as text shows as the caller spelled it while it is unchanged") {
        same_history(R"({"StartAt":"A","States":{
            "A":{"Type":"Pass","Next":"B"},
            "B":{"Type":"Pass","Result":1,"ResultPath":"$.b","Next":"C"},
            "C":{"Type":"Succeed"}}})",
                     json{{"a", 1.0}}, std::string(R"({ "a" : 1.0 })"));
    }
    SECTION("Choice, Task, Catch, Fail") {
        same_history(R"({"StartAt":"Route","States":{
            "Route":{"Type":"Choice","Choices":[{"Variable":"$.go","StringEquals":"task","Next":"Call"}],"Default":"Stop"},
            "Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","ResultPath":"$.out","Next":"Bad"},
            "Bad":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo",
                   "Parameters":{"fail":true},"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Stop"}],"End":true},
            "Stop":{"Type":"Fail","Error":"Stopped","Cause":"by Choice"}}})",
                     json{{"go", "task"}});
    }
    SECTION("Lambda, service and activity tasks: timeouts, heartbeats, credentials") {
        same_history(R"({"StartAt":"L","States":{
            "L":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","TimeoutSeconds":30,
                 "HeartbeatSeconds":10,"Credentials":{"RoleArn":"arn:aws:iam::123456789012:role/caller"},"ResultPath":"$.l","Next":"S"},
            "S":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"in.$":"$.l"},"TimeoutSeconds":20,
                 "HeartbeatSeconds":5,"ResultPath":"$.s","Next":"A"},
            "A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:echo","HeartbeatSeconds":7,
                 "Credentials":{"RoleArn":"arn:aws:iam::123456789012:role/ignored"},"ResultPath":"$.a","Next":"P"},
            "P":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","Parameters":{"x":1},"End":true}}})",
                     json{{"order", "A-1"}});
    }
    SECTION("an execution started with its own role, its input given as text, ending in a Task") {
        same_history(R"({"StartAt":"T","States":{
            "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","End":true}}})",
                     json{{"a", 1.0}}, std::string(R"({ "a" : 1.0 })"), "arn:aws:iam::123456789012:role/starter");
    }
    SECTION("an execution that ends in a Pass with Result, a Choice, a Succeed") {
        for (const char* last : {R"({"Type":"Pass","Result":{"r":[1,2]},"End":true})", R"({"Type":"Succeed"})"})
            same_history(std::string(R"({"StartAt":"C","States":{
                "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"E"}],"Default":"E"},
                "E":)") + last + "}}",
                         json{{"n", 1}});
    }
    SECTION("Map and Parallel") {
        same_history(R"({"StartAt":"M","States":{
            "M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"I","States":{
                "I":{"Type":"Pass","Parameters":{"v.$":"$"},"End":true}}},"ResultPath":"$.mapped","Next":"P"},
            "P":{"Type":"Parallel","Branches":[
                {"StartAt":"L","States":{"L":{"Type":"Pass","End":true}}},
                {"StartAt":"R","States":{"R":{"Type":"Wait","Seconds":1,"Next":"R2"},"R2":{"Type":"Succeed"}}}],"End":true}}})",
                     json{{"items", {1, "two", json{{"three", 3}}}}});
        // An iteration that fails (MapIterationFailed), the others aborted, the Map caught.
        same_history(R"({"StartAt":"M","States":{
            "M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ItemProcessor":{"StartAt":"C","States":{
                "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"W"},
                "W":{"Type":"Wait","Seconds":1,"Next":"D"},
                "D":{"Type":"Succeed"},
                "F":{"Type":"Fail","Error":"Two","Cause":"the second item"}}},
                "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Done"}],"Next":"Done"},
            "Done":{"Type":"Succeed"}}})",
                     json{{"items", {1, 2, 3, 4}}});
    }
    SECTION("JSONata states that assign variables") {
        same_history(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
            "A":{"Type":"Pass","Assign":{"seen":"{% $states.input.n %}","list":[1,2]},"Output":"{% {'n': $states.input.n + 1} %}","Next":"B"},
            "B":{"Type":"Pass","Output":"{% {'total': $seen + $states.input.n} %}","End":true}}})",
                     json{{"n", 1}});
    }
}

} // namespace history_text_test
