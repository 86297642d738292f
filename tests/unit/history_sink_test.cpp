#include "catch.hpp"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <stepfn/history/callback_sink.hpp>
#include <stepfn/history/fanout_sink.hpp>
#include <stepfn/history/jsonl_sink.hpp>
#include <stepfn/history/log_sink.hpp>
#include <stepfn/history/memory_sink.hpp>

namespace history_sink_test {

namespace {

const std::chrono::system_clock::time_point t0{std::chrono::seconds(1704067200)};

stepfn::history_event make_event(std::int64_t id, stepfn::event_type type, stepfn::json details = stepfn::json::object()) {
    stepfn::history_event e;
    e.id = id;
    e.previous_event_id = id - 1;
    e.timestamp = t0 + std::chrono::milliseconds(id);
    e.type = type;
    e.details = std::move(details);
    return e;
}

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("stepfn_" + name + "_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))).string();
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Reads what a sink wrote to a FILE* it does not own.
std::string read_all(std::FILE* file) {
    std::fflush(file);
    std::rewind(file);
    std::string text;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
    return text;
}

struct throwing_sink final : stepfn::history_sink {
    void record(std::string_view, const stepfn::history_event&) override { throw std::runtime_error("sink down"); }
};

std::vector<std::int64_t> ids(const std::vector<stepfn::history_event>& events) {
    std::vector<std::int64_t> out;
    for (const auto& e : events) out.push_back(e.id);
    return out;
}

} // namespace

TEST_CASE("memory_sink keeps events per execution and in arrival order", "[history]") {
    stepfn::memory_sink sink;
    CHECK(sink.size() == 0);
    CHECK(sink.events("arn:a").empty());

    sink.record("arn:a", make_event(1, stepfn::event_type::execution_started, {{"input", "{}"}}));
    sink.record("arn:b", make_event(1, stepfn::event_type::execution_started));
    sink.record("arn:a", make_event(2, stepfn::event_type::pass_state_entered, {{"name", "P"}}));
    sink.record("arn:b", make_event(2, stepfn::event_type::execution_succeeded));
    sink.record("arn:a", make_event(3, stepfn::event_type::pass_state_exited));

    CHECK(sink.size() == 5);
    CHECK(sink.executions() == std::vector<std::string>{"arn:a", "arn:b"});
    const auto a = sink.events("arn:a");
    CHECK(ids(a) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(a[1].type == stepfn::event_type::pass_state_entered);
    CHECK(a[1].details["name"] == "P");
    CHECK(a[0].details["input"] == "{}");
    CHECK(ids(sink.events("arn:b")) == std::vector<std::int64_t>{1, 2});
    CHECK(ids(sink.all()) == std::vector<std::int64_t>{1, 1, 2, 2, 3});
    CHECK(sink.events("arn:unknown").empty());

    const auto as_json = sink.to_json("arn:b");
    REQUIRE(as_json.is_array());
    REQUIRE(as_json.size() == 2);
    CHECK(as_json[1]["type"] == "ExecutionSucceeded");
    CHECK(as_json[1]["id"] == 2);
    CHECK(as_json[1]["previousEventId"] == 1);

    sink.clear();
    CHECK(sink.size() == 0);
    CHECK(sink.executions().empty());
    CHECK(sink.events("arn:a").empty());
    sink.record("arn:c", make_event(1, stepfn::event_type::execution_started));
    CHECK(sink.executions() == std::vector<std::string>{"arn:c"});
    CHECK(ids(sink.all()) == std::vector<std::int64_t>{1});
}

TEST_CASE("memory_sink records from several threads without losing or reordering events", "[history][concurrency]") {
    stepfn::memory_sink sink;
    constexpr int threads = 4;
    constexpr int per_thread = 300;
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t)
        writers.emplace_back([&sink, t] {
            const std::string arn = "arn:exec:" + std::to_string(t);
            for (int i = 1; i <= per_thread; ++i) {
                sink.record(arn, make_event(i, stepfn::event_type::task_scheduled, {{"n", i}}));
                if (i % 50 == 0) (void)sink.events(arn);  // readers interleave with writers
            }
        });
    for (auto& w : writers) w.join();
    CHECK(sink.size() == threads * per_thread);
    CHECK(sink.executions().size() == threads);
    for (int t = 0; t < threads; ++t) {
        const auto events = sink.events("arn:exec:" + std::to_string(t));
        REQUIRE(events.size() == per_thread);
        std::vector<std::int64_t> expected;
        for (std::int64_t i = 1; i <= per_thread; ++i) expected.push_back(i);
        CHECK(ids(events) == expected);
    }
}

TEST_CASE("jsonl_sink writes one AWS-shaped event per line", "[history]") {
    const std::string path = temp_path("jsonl");
    {
        auto opened = stepfn::jsonl_sink::open(path);
        REQUIRE(opened.has_value());
        auto sink = *opened;
        sink->record("arn:a", make_event(1, stepfn::event_type::execution_started,
                                         {{"input", "{\"b\":1,\"a\":2}"}, {"inputDetails", {{"truncated", false}}}}));
        sink->record("arn:a", make_event(2, stepfn::event_type::task_state_entered, {{"name", "Charge"}}));
        sink->record("arn:a", make_event(3, stepfn::event_type::task_state_aborted));
        // Lines are flushed as they are written.
        CHECK(read_lines(path).size() == 3);
        CHECK(sink->write_failures() == 0);
    }
    const auto lines = read_lines(path);
    REQUIRE(lines.size() == 3);
    std::vector<stepfn::json> parsed;
    for (const auto& line : lines) {
        auto j = stepfn::json::parse(line, nullptr, false);
        REQUIRE_FALSE(j.is_discarded());
        CHECK(line.find('\n') == std::string::npos);
        CHECK(line == j.dump());  // compact
        parsed.push_back(std::move(j));
    }
    CHECK(parsed[0]["type"] == "ExecutionStarted");
    CHECK(parsed[0]["id"] == 1);
    CHECK(parsed[0]["previousEventId"] == 0);
    CHECK(parsed[0]["executionStartedEventDetails"]["input"] == "{\"b\":1,\"a\":2}");
    CHECK(parsed[0].contains("timestamp"));
    CHECK(parsed[1]["stateEnteredEventDetails"]["name"] == "Charge");
    CHECK(parsed[2]["type"] == "TaskStateAborted");
    CHECK_FALSE(parsed[2].contains("executionArn"));
    // AWS's key order
    std::vector<std::string> keys;
    for (const auto& item : parsed[1].items()) keys.push_back(item.key());
    CHECK(keys == std::vector<std::string>{"timestamp", "type", "id", "previousEventId", "stateEnteredEventDetails"});

    SECTION("open appends by default, truncates on request") {
        {
            auto again = stepfn::jsonl_sink::open(path);
            REQUIRE(again.has_value());
            (*again)->record("arn:a", make_event(4, stepfn::event_type::execution_succeeded));
        }
        CHECK(read_lines(path).size() == 4);
        {
            stepfn::jsonl_sink_options options;
            options.append = false;
            options.with_execution_arn = true;
            auto fresh = stepfn::jsonl_sink::open(path, options);
            REQUIRE(fresh.has_value());
            (*fresh)->record("arn:b", make_event(1, stepfn::event_type::execution_started));
        }
        const auto after = read_lines(path);
        REQUIRE(after.size() == 1);
        const auto j = stepfn::json::parse(after[0], nullptr, false);
        CHECK(j["executionArn"] == "arn:b");
    }
    std::filesystem::remove(path);
}

TEST_CASE("jsonl_sink::open reports the path and the reason when it cannot open", "[history]") {
    const std::string path = temp_path("no_such_dir") + "/history.jsonl";
    auto opened = stepfn::jsonl_sink::open(path);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().name == "IOError");
    CHECK_THAT(opened.error().cause, Catch::Matchers::Contains(path));
    CHECK_THAT(opened.error().cause, Catch::Matchers::Contains(std::generic_category().message(ENOENT)));
}

TEST_CASE("jsonl_sink replaces invalid UTF-8 rather than failing", "[history]") {
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    {
        stepfn::jsonl_sink sink(file);
        sink.record("arn:a", make_event(1, stepfn::event_type::pass_state_entered,
                                        {{"name", "bad\xff" "byte"}, {"input", "{}"}}));
    }
    const std::string text = read_all(file);
    std::fclose(file);
    CHECK(text.back() == '\n');
    const auto j = stepfn::json::parse(text, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    CHECK(j["stateEnteredEventDetails"]["name"] == "bad\xEF\xBF\xBD" "byte");
}

TEST_CASE("jsonl_sink keeps lines whole when written from many threads", "[history][concurrency]") {
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    constexpr int threads = 4;
    constexpr int per_thread = 200;
    {
        stepfn::jsonl_sink_options options;
        options.flush_each_event = false;
        options.with_execution_arn = true;
        stepfn::jsonl_sink sink(file, options);
        std::vector<std::thread> writers;
        for (int t = 0; t < threads; ++t)
            writers.emplace_back([&sink, t] {
                const std::string arn = "arn:" + std::to_string(t);
                const std::string payload(300, static_cast<char>('a' + t));
                for (int i = 1; i <= per_thread; ++i)
                    sink.record(arn, make_event(i, stepfn::event_type::task_succeeded, {{"output", payload}}));
            });
        for (auto& w : writers) w.join();
    }
    const std::string text = read_all(file);
    std::fclose(file);
    std::vector<std::int64_t> next(threads, 1);
    std::size_t count = 0;
    std::size_t start = 0;
    bool all_in_order = true;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
        const auto j = stepfn::json::parse(text.substr(start, end - start), nullptr, false);
        REQUIRE_FALSE(j.is_discarded());
        const auto t = static_cast<std::size_t>(std::stoi(j["executionArn"].get<std::string>().substr(4)));
        all_in_order = all_in_order && j["id"] == next[t]++;
        ++count;
    }
    CHECK(count == threads * per_thread);
    CHECK(all_in_order);
}

TEST_CASE("log_sink formats one greppable line per event", "[history]") {
    stepfn::history_event entered = make_event(4, stepfn::event_type::task_state_entered,
                                               {{"name", "Charge"},
                                                {"input", "{\"amount\":10}"},
                                                {"inputDetails", {{"truncated", false}}}});
    entered.previous_event_id = 3;
    const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:Payments:exec-1";
    const std::string line = stepfn::log_sink::format(arn, entered);
    const std::string timestamp = stepfn::detail::format_iso8601(entered.timestamp);
    CHECK(line == timestamp + " exec-1 #4 \xE2\x86\x90" "3 TaskStateEntered \"Charge\" input={\"amount\":10}\n");

    SECTION("full ARN on request") {
        stepfn::log_sink_options options;
        options.full_arn = true;
        CHECK_THAT(stepfn::log_sink::format(arn, entered, options), Catch::Matchers::Contains(" " + arn + " #4 "));
    }
    SECTION("other details as key=value, strings quoted") {
        const auto failed = make_event(9, stepfn::event_type::task_failed,
                                       {{"resourceType", "lambda"}, {"resource", "invoke"},
                                        {"error", "States.Timeout"}, {"cause", "line one\nline two"}});
        CHECK(stepfn::log_sink::format("exec-2", failed) ==
              stepfn::detail::format_iso8601(failed.timestamp) +
                  " exec-2 #9 \xE2\x86\x90" "8 TaskFailed resourceType=\"lambda\" resource=\"invoke\" "
                  "error=\"States.Timeout\" cause=\"line one\\nline two\"\n");
    }
    SECTION("events without details") {
        const auto aborted = make_event(2, stepfn::event_type::task_state_aborted);
        CHECK(stepfn::log_sink::format("x", aborted) ==
              stepfn::detail::format_iso8601(aborted.timestamp) + " x #2 \xE2\x86\x90" "1 TaskStateAborted\n");
    }
    SECTION("long values are cut, never inside a UTF-8 sequence") {
        stepfn::log_sink_options options;
        options.max_value_width = 12;
        // 10 ASCII bytes then "é" (2 bytes) then more: a cut at 12 falls after "é", at 11 inside it.
        const auto event = make_event(5, stepfn::event_type::pass_state_exited,
                                      {{"name", "P"}, {"output", "0123456789\xC3\xA9tail"}});
        CHECK_THAT(stepfn::log_sink::format("x", event, options),
                   Catch::Matchers::Contains("output=0123456789\xC3\xA9\xE2\x80\xA6\n"));
        options.max_value_width = 11;
        CHECK_THAT(stepfn::log_sink::format("x", event, options),
                   Catch::Matchers::Contains("output=0123456789\xE2\x80\xA6\n"));
        options.max_value_width = 0;
        CHECK_THAT(stepfn::log_sink::format("x", event, options),
                   Catch::Matchers::Contains("output=0123456789\xC3\xA9tail\n"));
    }
}

TEST_CASE("log_sink writes its lines to the given file", "[history]") {
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    stepfn::log_sink sink(file);
    const auto a = make_event(1, stepfn::event_type::execution_started, {{"input", "{}"}});
    const auto b = make_event(2, stepfn::event_type::execution_succeeded, {{"output", "42"}});
    sink.record("arn:x:run", a);
    sink.record("arn:x:run", b);
    const std::string text = read_all(file);
    std::fclose(file);
    CHECK(text == stepfn::log_sink::format("arn:x:run", a) + stepfn::log_sink::format("arn:x:run", b));
    CHECK_THAT(text, Catch::Matchers::Contains(" run #2 \xE2\x86\x90" "1 ExecutionSucceeded output=42\n"));
}

TEST_CASE("fanout_sink forwards to every sink, even when one throws", "[history]") {
    auto first = std::make_shared<stepfn::memory_sink>();
    auto second = std::make_shared<stepfn::memory_sink>();
    stepfn::fanout_sink fanout{first, std::make_shared<throwing_sink>(), nullptr, second};
    CHECK(fanout.sinks().size() == 3);  // the null one is dropped
    fanout.record("arn:a", make_event(1, stepfn::event_type::execution_started));
    fanout.record("arn:a", make_event(2, stepfn::event_type::execution_succeeded));
    CHECK(ids(first->events("arn:a")) == std::vector<std::int64_t>{1, 2});
    CHECK(ids(second->events("arn:a")) == std::vector<std::int64_t>{1, 2});
    CHECK(fanout.failures() == 2);

    stepfn::fanout_sink empty;
    empty.record("arn:a", make_event(1, stepfn::event_type::execution_started));
    CHECK(empty.failures() == 0);
}

TEST_CASE("callback_sink calls its function with the ARN and the event", "[history]") {
    std::vector<std::string> seen;
    stepfn::callback_sink sink([&](std::string_view arn, const stepfn::history_event& e) {
        seen.push_back(std::string(arn) + " " + stepfn::to_string(e.type));
    });
    sink.record("arn:a", make_event(1, stepfn::event_type::execution_started));
    sink.record("arn:b", make_event(1, stepfn::event_type::map_run_started));
    CHECK(seen == std::vector<std::string>{"arn:a ExecutionStarted", "arn:b MapRunStarted"});
    stepfn::callback_sink none(nullptr);
    none.record("arn:a", make_event(1, stepfn::event_type::execution_started));  // no-op
}

TEST_CASE("sinks plug into the history_sink interface", "[history]") {
    std::vector<std::shared_ptr<stepfn::history_sink>> sinks{
        std::make_shared<stepfn::memory_sink>(), std::make_shared<stepfn::log_sink>(nullptr),
        std::make_shared<stepfn::jsonl_sink>(nullptr), std::make_shared<stepfn::fanout_sink>(),
        std::make_shared<stepfn::callback_sink>(nullptr)};
    for (const auto& sink : sinks) sink->record("arn:a", make_event(1, stepfn::event_type::execution_started));
    CHECK(static_cast<stepfn::memory_sink&>(*sinks[0]).size() == 1);
}

TEST_CASE("memory_sink writes texts in place as its buffer grows, the rare numbers beside them", "[history]") {
    stepfn::memory_sink sink;
    const auto dumped = [](const stepfn::json& value) { return value.dump(-1, ' ', false, stepfn::json::error_handler_t::replace); };
    const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:m:grow";
    const std::string resource = "arn:aws:lambda:us-east-1:123456789012:function:f";
    stepfn::json large = stepfn::json::object();
    for (int i = 0; i < 3000; ++i) large["key" + std::to_string(i)] = stepfn::json::array({i, "v\"" + std::to_string(i), 0.25 * i});
    const stepfn::json small = stepfn::json{{"x", 1}};
    // Sizes unknown (0), exact and too small: the buffer (4,096 characters at first) must grow
    // in the middle of a text, and what comes after it must still be read back.
    const std::size_t sizes[] = {0, dumped(large).size(), 10};
    for (int round = 0; round < 2; ++round) {  // the second after clear(), which keeps the room
        std::int64_t id = 0;
        std::uint64_t text_id = 100;
        for (const std::size_t size : sizes) {
            stepfn::event_parts entered;
            entered.id = ++id;
            entered.previous_event_id = id - 1;
            entered.type = stepfn::event_type::task_state_entered;
            entered.name = "Work";
            entered.payload = &large;
            entered.payload_size = size;
            entered.text_id = ++text_id;
            sink.record_parts(arn, entered);
            stepfn::event_parts scheduled = entered;
            scheduled.id = ++id;
            scheduled.previous_event_id = id - 1;
            scheduled.type = stepfn::event_type::lambda_function_scheduled;
            scheduled.name = {};
            scheduled.arn = resource;
            scheduled.timeout = 30 + id;
            scheduled.heartbeat = 5;
            sink.record_parts(arn, scheduled);  // the same text id: not written again
            stepfn::event_parts iteration;
            iteration.id = ++id;
            iteration.previous_event_id = id - 1;
            iteration.type = stepfn::event_type::map_iteration_started;
            iteration.name = "Each";
            iteration.index = 1000000007ULL * static_cast<std::uint64_t>(id);
            sink.record_parts(arn, iteration);
            stepfn::event_parts exited = entered;
            exited.id = ++id;
            exited.type = stepfn::event_type::task_state_exited;
            exited.payload = &small;
            exited.payload_size = 0;
            exited.text_id = ++text_id;
            sink.record_parts(arn, exited);
        }
        const auto events = sink.events(arn);
        REQUIRE(events.size() == 12);
        for (std::size_t i = 0; i < events.size(); ++i) {
            const auto& e = events[i];
            switch (i % 4) {
            case 0: CHECK(e.details["input"] == dumped(large)); break;
            case 1:
                CHECK(e.details["input"] == dumped(large));
                CHECK(e.details["resource"] == resource);
                CHECK(e.details["timeoutInSeconds"] == 30 + e.id);
                CHECK(e.details["heartbeatInSeconds"] == 5);
                break;
            case 2: CHECK(e.details == stepfn::json{{"name", "Each"}, {"index", 1000000007ULL * static_cast<std::uint64_t>(e.id)}}); break;
            default: CHECK(e.details["output"] == dumped(small)); break;
            }
        }
        sink.clear();
        CHECK(sink.size() == 0);
    }
}
} // namespace history_sink_test
