// Parallel and Map in the engine, and variables across their scopes.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/tasks/callable_invoker.hpp>

namespace engine_fanout_test {

TEST_CASE("Parallel: branch outputs in branch order, branch failure propagates", "[engine][parallel]") {
    harness h;
    auto r = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"Slow","States":{"Slow":{"Type":"Wait","Seconds":10,"Next":"A"},"A":{"Type":"Pass","Result":"first","End":true}}},
        {"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$.v","End":true}}}]}}})",
                   {{"v", 2}});
    REQUIRE(r.value);
    CHECK(*r.value == json::array({"first", 2}));
    auto types = h.types(r.arn);
    CHECK(types[1] == "ParallelStateEntered");
    CHECK(types[2] == "ParallelStateStarted");
    CHECK(types[types.size() - 3] == "ParallelStateSucceeded");
    CHECK(types[types.size() - 2] == "ParallelStateExited");

    auto failed = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"Ok","States":{"Ok":{"Type":"Wait","Seconds":1,"End":true}}},
        {"StartAt":"Bad","States":{"Bad":{"Type":"Fail","Error":"PaymentDeclined","Cause":"card expired"}}}]}}})");
    CHECK(failed.value.error().name == "PaymentDeclined");
    CHECK(failed.value.error().cause == "card expired");

    auto caught = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Next":"Done","Branches":[
        {"StartAt":"Bad","States":{"Bad":{"Type":"Fail","Error":"E"}}}],"Catch":[{"ErrorEquals":["E"],"Next":"Done","ResultPath":"$.err"}]},
        "Done":{"Type":"Pass","End":true}}})",
                        {{"x", 1}});
    REQUIRE(caught.value);
    CHECK((*caught.value)["err"]["Error"] == "E");
}

TEST_CASE("Map: items in order, ItemSelector with the item context, MaxConcurrency, tolerated failures", "[engine][map]") {
    harness h;
    auto r = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
        "ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},
        "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.v","End":true}}},"End":true}}})",
                   json::parse(R"({"k":"x","items":[3,1,2]})"));
    REQUIRE(r.value);
    CHECK(*r.value == json::parse(R"([{"i":0,"v":3,"k":"x"},{"i":1,"v":1,"k":"x"},{"i":2,"v":2,"k":"x"}])"));
    auto types = h.types(r.arn);
    CHECK(std::count(types.begin(), types.end(), "MapIterationStarted") == 3);
    CHECK(std::count(types.begin(), types.end(), "MapIterationSucceeded") == 3);

    auto empty = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
                       json::array());
    CHECK(*empty.value == json::array());

    int in_flight = 0, peak = 0;
    std::vector<stepfn::task_completion> pending;
    h.engine.invokers().set_default(std::make_shared<lambda_invoker>([&](stepfn::task_request r2, stepfn::task_completion done) {
        ++in_flight;
        peak = (std::max)(peak, in_flight);
        // Complete on the next executor turn, so several iterations overlap.
        h.executor.post([&, input = r2.input, d = std::make_shared<stepfn::task_completion>(std::move(done))]() mutable {
            --in_flight;
            if (input == 2) d->fail("Bad", "two");
            else d->succeed(input);
        });
    }));
    auto bounded = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":3,"ToleratedFailureCount":1,
        "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}},"End":true}}})",
                         json::array({1, 2, 3, 4, 5, 6, 7}));
    REQUIRE(bounded.value);
    CHECK(peak == 3);
    CHECK((*bounded.value)[1]["Error"] == "Bad");
    CHECK((*bounded.value)[6] == 7);

    auto exceeded = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":0,
        "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}},"End":true}}})",
                          json::array({1, 2, 3}));
    CHECK(exceeded.value.error().name == "States.ExceedToleratedFailureThreshold");

    auto plain = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}},"End":true}}})",
                       json::array({1, 2, 3}));
    CHECK(plain.value.error().name == "Bad");
}

TEST_CASE("Map iterations read the context object; only paths that can reach $$.Execution.Input get it", "[engine][map][context]") {
    // Each iteration's ItemSelector reads $$ members; the context is built without the execution's
    // input unless the path may reach it, and every form still reads what AWS gives.
    harness h;
    json items = json::array();
    for (int i = 0; i < 500; ++i) items.push_back(i);
    auto r = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
        "ItemSelector":{"value.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index","id.$":"$$.Execution.Id",
                        "tag.$":"$$.Execution.Input.tag","tagBracket.$":"$$['Execution']['Input']['tag']",
                        "state.$":"$$.State.Name"},
        "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})",
                   {{"items", items}, {"tag", "t-1"}});
    REQUIRE(r.value);
    REQUIRE(r.value->size() == 500);
    const json& last = (*r.value)[499];
    CHECK(last["value"] == 499);
    CHECK(last["index"] == 499);
    CHECK(last["id"] == r.arn);
    CHECK(last["tag"] == "t-1");
    CHECK(last["tagBracket"] == "t-1");
    CHECK(last["state"] == "M");

    // A path that may reach the input ($$, $$.Execution, $$..tag) sees all of it.
    auto whole = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true,
        "Parameters":{"all.$":"$$","exec.$":"$$.Execution","deep.$":"$$..tag","ctxTag.$":"$$.Execution.Input.tag"}}}})",
                       {{"tag", "t-2"}});
    REQUIRE(whole.value);
    CHECK((*whole.value)["all"]["Execution"]["Input"] == json{{"tag", "t-2"}});
    CHECK((*whole.value)["exec"]["Input"] == json{{"tag", "t-2"}});
    CHECK((*whole.value)["deep"] == json::array({"t-2"}));
    CHECK((*whole.value)["ctxTag"] == "t-2");
}

TEST_CASE("Variables: Assign, visible from the next state, read in branches", "[engine][variables]") {
    harness h;
    auto r = h.run(R"({"StartAt":"Set","States":{
        "Set":{"Type":"Pass","Assign":{"guess":"g","limit":5},"Next":"C"},
        "C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$guess","StringEquals":"g"},{"Variable":"$limit","NumericLessThan":10}],"Next":"P"}],"Default":"Wrong"},
        "P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Parameters":{"l.$":"$limit"},"End":true}}}],"End":true},
        "Wrong":{"Type":"Fail"}}})");
    REQUIRE(r.value);
    CHECK(*r.value == json::parse(R"([{"l":5}])"));
    auto events = h.sink->events(r.arn);
    CHECK(stepfn::to_json(events[2])["stateExitedEventDetails"]["assignedVariables"] == json::parse(R"({"guess":"\"g\"","limit":"5"})"));
}

TEST_CASE("Variables: Assign sees values as of state entry; catchers and Map scopes", "[engine][variables]") {
    harness h;
    SECTION("all assignments of one state see the old values (a swap)") {
        auto r = h.run(R"({"StartAt":"Init","States":{
            "Init":{"Type":"Pass","Assign":{"x":1,"y":2},"Next":"Swap"},
            "Swap":{"Type":"Pass","Assign":{"x.$":"$y","y.$":"$x"},"Next":"Show"},
            "Show":{"Type":"Pass","Parameters":{"x.$":"$x","y.$":"$y"},"End":true}}})");
        CHECK(*r.value == json::parse(R"({"x":2,"y":1})"));
    }
    SECTION("a catcher's Assign sees the error output") {
        h.engine.invokers().set_default(
            answer([](const stepfn::task_request&) -> stepfn::result<json> { return stepfn::make_error("Boom", "bad"); }));
        auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true,
            "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"why.$":"$.Cause"},"Next":"Show"}]},
            "Show":{"Type":"Pass","Parameters":{"why.$":"$why"},"End":true}}})");
        CHECK(*r.value == json{{"why", "bad"}});
    }
    SECTION("a Map iteration reads outer variables; its own vanish with it") {
        auto r = h.run(R"({"StartAt":"Set","States":{"Set":{"Type":"Pass","Assign":{"factor":10},"Next":"M"},
            "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
                "I":{"Type":"Pass","Assign":{"inner.$":"$"},"Next":"J"},
                "J":{"Type":"Pass","Parameters":{"v.$":"$inner","f.$":"$factor"},"End":true}}},"Next":"After"},
            "After":{"Type":"Pass","Parameters":{"inner.$":"$inner"},"End":true}}})",
                       json::array({1, 2}));
        // `$inner` does not exist outside the iteration.
        CHECK(r.status == stepfn::execution_status::failed);
        CHECK(r.value.error().name == "States.Runtime");
        auto events = h.sink->events(r.arn);
        bool saw_iteration_output = false;
        for (auto& ev : events)
            if (ev.type == stepfn::event_type::pass_state_exited && ev.details["name"] == "J")
                saw_iteration_output = saw_iteration_output || ev.details["output"] == R"({"v":1,"f":10})";
        CHECK(saw_iteration_output);
    }
    SECTION("one Assign over 256 KiB is refused") {
        const json input{{"blob", std::string(150000, 'x')}};
        auto one = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"a.$":"$.blob"},"End":true}}})", input);
        CHECK(one.status == stepfn::execution_status::succeeded);
        auto two = h.run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"a.$":"$.blob","b.$":"$.blob"},"End":true}}})",
                         input);
        CHECK(two.value.error().name == "States.DataLimitExceeded");
        CHECK_THAT(two.value.error().cause, Catch::Matchers::Contains("one Assign"));
    }
}

TEST_CASE("Map: MaxConcurrencyPath still reads the input when the items are the whole input", "[engine][map]") {
    harness h;
    auto r = h.run(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrencyPath":"$[0]",
        "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
                   json::array({1, 2, 3}));
    REQUIRE(r.value);
    CHECK(*r.value == json::array({1, 2, 3}));
}

TEST_CASE("An inspector sees a Map's items and a Parallel's input", "[engine][inspect]") {
    struct recorder final : stepfn::state_inspector {
        std::vector<std::pair<std::string, json>> stages;
        void stage(std::string_view state, std::string_view name, const json& v) override {
            if (state == "M" || state == "P") stages.emplace_back(std::string(name), v);
        }
        void decision(std::string_view, const stepfn::error&, const stepfn::error_decision&) override {}
    };
    harness h;
    auto rec = std::make_shared<recorder>();
    stepfn::start_options options;
    options.inspector = rec;
    auto e = h.engine.start(load(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","Next":"P",
        "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}},
        "P":{"Type":"Parallel","Parameters":{"n.$":"States.ArrayLength($)"},"End":true,
        "Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]}}})J"),
                            json{{"xs", {1, 2}}}, options);
    REQUIRE(e);
    CHECK(*e->wait() == json::parse(R"([{"n":2}])"));
    std::vector<std::string> names;
    for (auto& st : rec->stages) names.push_back(st.first);
    CHECK(names == std::vector<std::string>{"input", "afterInputPath", "afterItemsPath", "result", "afterResultSelector",
                                            "afterResultPath", "output", "input", "afterInputPath", "afterParameters",
                                            "result", "afterResultSelector", "afterResultPath", "output"});
    CHECK(rec->stages[2].second == json::array({1, 2}));
    CHECK(rec->stages[9].second == json{{"n", 2}});
}

TEST_CASE("An inline Map on a thread pool: sync and async iterations, results in order, every event once",
          "[engine][map][concurrency]") {
    pool_harness h(2, true);
    auto& engine = h.engine;
    auto& sink = h.sink;
    // Odd items go through a Task answered from a thread of its own, so iterations wait and
    // finish in their strands while runners start others.
    engine.invokers().set_default(std::make_shared<lambda_invoker>([](stepfn::task_request r, stepfn::task_completion done) {
        std::thread([input = std::move(r.input), d = std::move(done)]() mutable { d.succeed(json{{"t", input}}); }).detach();
    }));
    auto machine = load(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":7,
        "ItemProcessor":{"StartAt":"C","States":{
          "C":{"Type":"Choice","Choices":[{"Variable":"$.odd","BooleanEquals":true,"Next":"T"}],"Default":"P"},
          "T":{"Type":"Task","Resource":"svc","Parameters":{"i.$":"$.i"},"End":true},
          "P":{"Type":"Pass","Parameters":{"p.$":"$.i"},"End":true}}},"End":true}}})");
    json items = json::array();
    for (int i = 0; i < 300; ++i) items.push_back({{"i", i}, {"odd", i % 2 == 1}});
    auto run = engine.start(machine, items);
    REQUIRE(run);
    REQUIRE(run->join() == stepfn::execution_status::succeeded);
    const json* out = run->output();
    REQUIRE(out);
    REQUIRE(out->size() == 300);
    for (int i = 0; i < 300; ++i) {
        const json& r = (*out)[static_cast<std::size_t>(i)];
        if (i % 2) CHECK(r == json{{"t", {{"i", i}}}});
        else CHECK(r == json{{"p", i}});
    }
    const auto events = sink->events(run->arn());
    std::size_t started = 0, succeeded = 0;
    for (std::size_t k = 0; k < events.size(); ++k) {
        CHECK(events[k].id == static_cast<std::int64_t>(k + 1));  // ids dense and in order
        started += events[k].type == stepfn::event_type::map_iteration_started;
        succeeded += events[k].type == stepfn::event_type::map_iteration_succeeded;
    }
    CHECK(started == 300);
    CHECK(succeeded == 300);
}

TEST_CASE("An inline Map on a thread pool fails fast and keeps iteration variables apart", "[engine][map][concurrency]") {
    pool_harness h(2);  // no history: the runners tally events per job
    auto& engine = h.engine;
    // Each iteration assigns its own `seen`; a reused frame must not leak it into the next.
    auto machine = load(R"({"StartAt":"Init","States":{
        "Init":{"Type":"Pass","Assign":{"outer":"o"},"Next":"M"},
        "M":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{
          "A":{"Type":"Pass","Assign":{"seen.$":"$"},"Next":"B"},
          "B":{"Type":"Choice","Choices":[{"Variable":"$seen","NumericEquals":777,"Next":"Boom"}],"Default":"Done"},
          "Boom":{"Type":"Fail","Error":"Boom","Cause":"777"},
          "Done":{"Type":"Pass","Parameters":{"seen.$":"$seen","outer.$":"$outer"},"End":true}}},"End":true}}})");
    json items = json::array();
    for (int i = 0; i < 500; ++i) items.push_back(i);
    auto ok = engine.start(machine, items);
    REQUIRE(ok);
    auto out = ok->wait();
    REQUIRE(out);
    for (int i = 0; i < 500; ++i) CHECK((*out)[static_cast<std::size_t>(i)] == json{{"seen", i}, {"outer", "o"}});

    items.push_back(777);
    for (int i = 0; i < 500; ++i) items.push_back(i);
    auto failing = engine.start(machine, items);
    REQUIRE(failing);
    auto failed = failing->wait();
    REQUIRE_FALSE(failed);
    CHECK(failed.error().name == "Boom");
    CHECK(failing->output() == nullptr);
}

// A Parallel on a pool runs its branches in runners (a few jobs claiming branches): branches
// that end at once, branches that wait for a task answered on another thread, nested Parallels.
std::string parallel_of(int branches, bool with_failure) {
    std::string text = R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[)";
    for (int i = 0; i < branches; ++i) {
        const std::string n = std::to_string(i);  // state names are unique in the whole machine
        if (i) text += ",";
        if (with_failure && i == branches / 2)
            text += R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"branch )" + n + R"("}}})";
        else if (i % 3 == 1)
            text += R"({"StartAt":"T)" + n + R"(","States":{"T)" + n +
                    R"(":{"Type":"Task","Resource":"svc","Parameters":{"b":)" + n + R"(},"End":true}}})";
        else if (i % 3 == 2)
            text += R"({"StartAt":"N)" + n + R"(","States":{"N)" + n + R"(":{"Type":"Parallel","End":true,"Branches":[
                {"StartAt":"A)" + n + R"(","States":{"A)" + n + R"(":{"Type":"Pass","Result":)" + n + R"(,"End":true}}},
                {"StartAt":"B)" + n + R"(","States":{"B)" + n + R"(":{"Type":"Pass","InputPath":"$.v","End":true}}}]}}})";
        else
            text += R"({"StartAt":"S)" + n + R"(","States":{"S)" + n + R"(":{"Type":"Pass","Parameters":{"b":)" + n +
                    R"(,"v.$":"$.v"},"End":true}}})";
    }
    return text + "]}}}";
}

TEST_CASE("A Parallel on a thread pool: branches that end at once, wait or nest; results in order, every event once",
          "[engine][parallel][concurrency]") {
    pool_harness h(2, true);
    h.engine.invokers().set_default(std::make_shared<lambda_invoker>([](stepfn::task_request r, stepfn::task_completion done) {
        std::thread([input = std::move(r.input), d = std::move(done)]() mutable { d.succeed(json{{"t", input}}); }).detach();
    }));
    const int branches = 60;
    auto machine = load(parallel_of(branches, false));
    for (int round = 0; round < 5; ++round) {
        auto run = h.engine.start(machine, json{{"v", round}});
        REQUIRE(run);
        REQUIRE(run->join() == stepfn::execution_status::succeeded);
        const json* out = run->output();
        REQUIRE(out);
        REQUIRE(out->size() == static_cast<std::size_t>(branches));
        for (int i = 0; i < branches; ++i) {
            const json& r = (*out)[static_cast<std::size_t>(i)];
            if (i % 3 == 1) CHECK(r == json{{"t", {{"b", i}}}});
            else if (i % 3 == 2) CHECK(r == json::array({i, round}));
            else CHECK(r == json{{"b", i}, {"v", round}});
        }
        const auto events = h.sink->events(run->arn());
        std::size_t started = 0, succeeded = 0, tasks = 0;
        for (std::size_t k = 0; k < events.size(); ++k) {
            CHECK(events[k].id == static_cast<std::int64_t>(k + 1));  // ids dense and in order
            CHECK(events[k].previous_event_id < events[k].id);
            started += events[k].type == stepfn::event_type::parallel_state_started;
            succeeded += events[k].type == stepfn::event_type::parallel_state_succeeded;
            tasks += events[k].type == stepfn::event_type::task_succeeded;
        }
        CHECK(started == 1 + branches / 3);  // the outer one and each nested one
        CHECK(succeeded == 1 + branches / 3);
        CHECK(tasks == branches / 3);
    }
}

TEST_CASE("A Parallel on a thread pool fails when a branch fails, stopping the branches that wait",
          "[engine][parallel][concurrency]") {
    pool_harness h(2, true);
    // Tasks never answer (their completions are kept): only the failure can end the run.
    never_answered tasks(h.engine);
    auto machine = load(parallel_of(30, true));
    for (int round = 0; round < 5; ++round) {
        auto run = h.engine.start(machine, json{{"v", round}});
        REQUIRE(run);
        auto out = run->wait();
        REQUIRE_FALSE(out);
        CHECK(out.error().name == "Boom");
        CHECK(out.error().cause == "branch 15");
        std::vector<std::string> types;
        for (auto& ev : h.sink->events(run->arn())) types.push_back(stepfn::to_string(ev.type));
        CHECK(std::count(types.begin(), types.end(), "ParallelStateFailed") == 1);
        // (A branch running on the other thread at that moment may still record its task's
        // start after ExecutionFailed, as it could before runners.)
        CHECK(std::count(types.begin(), types.end(), "ExecutionFailed") == 1);
    }
    // A branch on the other thread may still start its task after the execution ended: let the
    // pool finish before the completions go.
    h.pool.shutdown();
}

// The thread that starts a fan-out runs it: on the manual executor a Parallel or a Map of Pass
// states costs no job beyond the one that runs a lone Pass (a Map's runner, past 64 items too).
TEST_CASE("A fan-out runs on the thread that starts it, with no job of its own", "[engine][parallel][map][executor]") {
    harness h;
    json items = json::array();
    for (int i = 0; i < 200; ++i) items.push_back(i);
    auto jobs = [&](const std::string& definition) {
        auto run = h.engine.start(load(definition), json{{"items", items}});
        REQUIRE(run);
        const std::size_t ran = h.executor.run();
        CHECK(run->status() == stepfn::execution_status::succeeded);
        return ran;
    };
    const std::size_t pass = jobs(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})");
    CHECK(jobs(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]}}})") == pass);
    CHECK(jobs(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"End":true,
        "ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}}}})") == pass);
}

TEST_CASE("execution::join and output read the result in place", "[engine]") {
    harness h;
    auto machine = load(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"big":[1,2,3]},"End":true}}})");
    auto e = h.engine.start(machine);
    REQUIRE(e);
    CHECK(e->output() == nullptr);  // not yet run
    CHECK(e->join() == stepfn::execution_status::succeeded);
    const json* out = e->output();
    REQUIRE(out);
    CHECK(*out == json{{"big", {1, 2, 3}}});
    CHECK(e->output() == out);  // the same stored value, not a copy

    auto failing = h.engine.start(load(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}})"));
    REQUIRE(failing);
    CHECK(failing->join() == stepfn::execution_status::failed);
    CHECK(failing->output() == nullptr);
}

TEST_CASE("An output that grows past the payload limit fails, wherever it grows", "[engine][limits]") {
    stepfn::limits bounds;
    bounds.max_payload_bytes = 150;
    harness h(bounds);
    const std::string long_text(100, 'x');
    const json input = {{"x", {{"a", long_text}}}};  // 112 bytes: under the limit
    SECTION("an indefinite OutputPath repeats nodes (Succeed, Choice)") {
        for (const char* definition :
             {R"({"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":"$..*"}}})",
              R"({"StartAt":"C","States":{"C":{"Type":"Choice","OutputPath":"$..*","Choices":[{"Variable":"$.x.a","IsPresent":false,"Next":"S"}],"Default":"S"},
                  "S":{"Type":"Succeed"}}})"}) {
            auto r = h.run(definition, input);
            REQUIRE_FALSE(r.value);
            CHECK(r.value.error().name == "States.DataLimitExceeded");
        }
    }
    SECTION("a definite OutputPath only selects and passes") {
        auto r = h.run(R"({"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":"$.x"}}})", input);
        REQUIRE(r.value);
        CHECK(*r.value == input["x"]);
    }
    SECTION("a Catch merging the error into the raw input") {
        h.engine.invokers().set_default(answer([&](const stepfn::task_request&) -> stepfn::result<json> {
            return stepfn::make_error("Boom", long_text);
        }));
        auto r = h.run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true,
            "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"S"}]},"S":{"Type":"Succeed"}}})", input);
        REQUIRE_FALSE(r.value);
        CHECK(r.value.error().name == "States.DataLimitExceeded");
    }
}

// A distributed Map's events in its parent's history, as AWS writes them: MapStateStarted (its
// length), MapRunStarted, MapRunSucceeded/Failed, MapStateSucceeded/Failed, with their links;
// the child executions' events only in their own histories.
namespace distributed_history {
using stepfn::json;

namespace {

struct run_result {
    stepfn::result<json> value;
    std::string arn;
    std::vector<stepfn::history_event> events;
    std::vector<std::string> children;  // child executions' ARNs, in the order they started
};

// Runs `definition` on a manual executor and virtual clock; every Task fails for the item "bad".
run_result run(const std::string& definition, json input, std::shared_ptr<stepfn::memory_sink> sink = nullptr) {
    if (!sink) sink = std::make_shared<stepfn::memory_sink>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.seed = 3;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, options);
    engine.invokers().set_default(stepfn::make_invoker([](const json& item) -> stepfn::result<json> {
        if (item == "bad") return stepfn::make_error("Bad", "bad item");
        return item;
    }));
    auto machine = stepfn::load_machine(definition);
    REQUIRE(machine);
    stepfn::start_options start;
    start.history = sink;
    auto e = engine.start(*machine, std::move(input), std::move(start));
    REQUIRE(e);
    run_result out;
    out.value = e->wait();
    out.arn = e->arn();
    out.events = sink->events(out.arn);
    for (const auto& arn : sink->executions())
        if (arn != out.arn) out.children.push_back(arn);
    return out;
}

std::vector<std::string> types(const std::vector<stepfn::history_event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(stepfn::to_string(e.type));
    return out;
}

std::string map_machine(const std::string& fields, const std::string& after = R"("End": true)") {
    return R"({"StartAt": "M", "States": {"M": {"Type": "Map", )" + fields +
           R"(, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
               "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "work", "End": true}}}, )" + after + "}" +
           (after.find("Handled") != std::string::npos ? R"(, "Handled": {"Type": "Pass", "End": true})" : "") + "}}";
}

} // namespace

TEST_CASE("a distributed Map's MapStateStarted counts the input's items, before batching", "[distributed_map][history]") {
    auto out = run(map_machine(R"("ItemsPath": "$.xs", "ItemBatcher": {"MaxItemsPerBatch": 2})"),
                   json{{"xs", {1, 2, 3}}});
    REQUIRE(out.value);
    REQUIRE(out.events.size() == 8);
    CHECK(types(out.events)[2] == "MapStateStarted");
    CHECK(out.events[2].details == json{{"length", 3}});
    CHECK(out.events[2].previous_event_id == out.events[1].id);
    CHECK(out.children.size() == 2);  // two batches, two child executions
}

TEST_CASE("a distributed Map writes MapStateFailed after MapRunFailed, except for an attempt it retries",
          "[distributed_map][history]") {
    SECTION("uncaught") {
        auto out = run(map_machine(R"("ToleratedFailureCount": 0)"), json{"a", "bad"});
        REQUIRE_FALSE(out.value);
        CHECK(out.value.error().name == "States.ExceedToleratedFailureThreshold");
        CHECK(types(out.events) == std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "MapStateStarted",
                                                            "MapRunStarted", "MapRunFailed", "MapStateFailed",
                                                            "ExecutionFailed"});
        CHECK(out.events[5].previous_event_id == out.events[4].id);
        CHECK(out.events[6].previous_event_id == out.events[5].id);
        CHECK(out.events[5].details == json::object());
    }
    SECTION("retried once, then caught") {
        auto out = run(map_machine(R"("ItemsPath": "$.xs", "ToleratedFailureCount": 0,
            "Retry": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}])",
                                   R"("Next": "Handled")"),
                       json{{"xs", json::array({"bad"})}});
        REQUIRE(out.value);
        CHECK(types(out.events) == std::vector<std::string>{
                                       "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
                                       "MapRunFailed", "MapStateStarted", "MapRunStarted", "MapRunFailed",
                                       "MapStateFailed", "MapStateExited", "PassStateEntered", "PassStateExited",
                                       "ExecutionSucceeded"});
        CHECK(out.events[9].previous_event_id == out.events[8].id);  // MapStateExited after MapStateFailed
        CHECK(out.children.size() == 2);  // one child execution per attempt
    }
}

TEST_CASE("an ItemsPath that selects no array fails the Map before MapStateStarted", "[distributed_map][history]") {
    auto out = run(map_machine(R"("ItemsPath": "$.xs")"), json{{"xs", 5}});
    REQUIRE_FALSE(out.value);
    CHECK(out.value.error().name == "States.Runtime");
    CHECK(types(out.events) == std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "ExecutionFailed"});
    CHECK(out.children.empty());
}

TEST_CASE("a distributed Map's children write to the same sinks under their own ARNs", "[distributed_map][history]") {
    auto sink = std::make_shared<stepfn::memory_sink>();
    auto out = run(map_machine(R"("Label": "Batch")"), json{"a", "b"}, sink);
    REQUIRE(out.value);
    REQUIRE(out.children.size() == 2);
    for (const auto& e : out.events) CHECK(e.type != stepfn::event_type::task_scheduled);  // none of the children's
    const std::string map_run = out.events[3].details["mapRunArn"].get<std::string>();
    CHECK(map_run.rfind("arn:aws:states:us-east-1:123456789012:mapRun:StateMachine/Batch:", 0) == 0);
    for (const auto& child : out.children) {
        CHECK(child.rfind("arn:aws:states:us-east-1:123456789012:execution:StateMachine/Batch:", 0) == 0);
        auto events = sink->events(child);
        CHECK(types(events) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled",
                                                        "TaskStarted", "TaskSucceeded", "TaskStateExited",
                                                        "ExecutionSucceeded"});
        CHECK(events.front().id == 1);
    }
}
} // namespace distributed_history

} // namespace engine_fanout_test
