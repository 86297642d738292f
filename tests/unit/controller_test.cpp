// The engine's controller seen from outside: the transition hook receives every outcome it
// applies, in order, and the retry policy it asks is the host's when one is given.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace controller_test {

namespace {

struct seen {
    std::string state;
    stepfn::transition_kind kind;
    std::string next;
    std::optional<json> data;
    std::string error;
    bool top_level;
};

// Records what the hook is told, copying what is only valid during the call.
struct recording_hook final : stepfn::transition_hook {
    std::mutex mutex;
    std::vector<seen> changes;
    void on_transition(const stepfn::transition_info& c) override {
        std::lock_guard<std::mutex> lock(mutex);
        changes.push_back({std::string(c.state_name), c.kind, std::string(c.next_state),
                           c.data ? std::optional<json>(*c.data) : std::nullopt, c.failure ? c.failure->name : "",
                           c.top_level});
        CHECK(c.execution_arn.find(":execution:") != std::string_view::npos);
        CHECK(c.last_event_id > 0);
    }
};

struct hooked {
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    std::shared_ptr<recording_hook> hook = std::make_shared<recording_hook>();
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine;
    explicit hooked(std::shared_ptr<const stepfn::retry_policy> retry = nullptr)
        : engine(executor, clock, options(hook, std::move(retry))) {}
    static stepfn::engine_options options(std::shared_ptr<recording_hook> h, std::shared_ptr<const stepfn::retry_policy> r) {
        stepfn::engine_options o;
        o.transitions = std::move(h);
        o.retry = std::move(r);
        o.seed = 7;
        return o;
    }
    stepfn::result<json> run(const std::string& definition, json input = json::object()) {
        auto e = engine.start(load(definition), std::move(input));
        REQUIRE(e);
        return e->wait();
    }
};

using kind = stepfn::transition_kind;

} // namespace

TEST_CASE("The transition hook sees every outcome the controller applies, in order", "[controller][transitions]") {
    hooked h;
    int calls = 0;
    h.engine.invokers().set_default(answer([&](const stepfn::task_request&) -> stepfn::result<json> {
        if (++calls == 1) return stepfn::make_error("Temp", "once");
        return json{{"paid", true}};
    }));
    auto out = h.run(R"({"StartAt":"P","States":{
        "P":{"Type":"Pass","Result":{"n":1},"Next":"T"},
        "T":{"Type":"Task","Resource":"svc","ResultPath":"$.task","Retry":[{"ErrorEquals":["Temp"]}],"Next":"W"},
        "W":{"Type":"Wait","Seconds":60,"Next":"C"},
        "C":{"Type":"Choice","Choices":[{"Variable":"$.task.paid","BooleanEquals":true,"Next":"Done"}]},
        "Done":{"Type":"Succeed"}}})");
    REQUIRE(out);
    const auto& c = h.hook->changes;
    REQUIRE(c.size() == 9);
    CHECK((c[0].state == "P" && c[0].kind == kind::advanced && c[0].next == "T"));
    CHECK(*c[0].data == json{{"n", 1}});  // the next state's input
    CHECK((c[1].state == "T" && c[1].kind == kind::parked));
    CHECK((c[2].state == "T" && c[2].kind == kind::retrying && c[2].error == "Temp"));
    CHECK((c[3].state == "T" && c[3].kind == kind::parked));
    CHECK((c[4].state == "T" && c[4].kind == kind::advanced && c[4].next == "W"));
    CHECK(*c[4].data == json{{"n", 1}, {"task", {{"paid", true}}}});
    CHECK((c[5].state == "W" && c[5].kind == kind::parked));
    CHECK((c[6].state == "W" && c[6].kind == kind::advanced && c[6].next == "C"));
    CHECK((c[7].state == "C" && c[7].kind == kind::advanced && c[7].next == "Done"));
    CHECK((c[8].state == "Done" && c[8].kind == kind::advanced && c[8].next.empty()));
    CHECK(*c[8].data == *out);  // the frame's output ends the execution
    for (const auto& change : c) CHECK(change.top_level);
}

TEST_CASE("A task answered within invoke() goes on at once, as one answered later from another thread does", "[controller][task][concurrency]") {
    const std::string definition = R"({"StartAt":"T","States":{
        "T":{"Type":"Task","Resource":"svc","ResultPath":"$.t","Next":"U"},
        "U":{"Type":"Task","Resource":"svc","Parameters":{"n.$":"$.t.n"},"ResultPath":"$.u","End":true}}})";
    const json expected = json::parse(R"({"x":1,"t":{"n":1},"u":{"n":2}})");
    auto kinds = [](const std::vector<seen>& changes) {
        std::vector<std::string> out;
        for (const auto& c : changes) out.push_back(c.state + ":" + std::to_string(static_cast<int>(c.kind)));
        return out;
    };
    const std::vector<std::string> expected_kinds{"T:" + std::to_string(static_cast<int>(kind::parked)),
                                                  "T:" + std::to_string(static_cast<int>(kind::advanced)),
                                                  "U:" + std::to_string(static_cast<int>(kind::parked)),
                                                  "U:" + std::to_string(static_cast<int>(kind::advanced))};
    int calls = 0;
    auto next_answer = [&calls] { return json{{"n", ++calls}}; };

    hooked now;
    now.engine.invokers().set_default(answer([&](const stepfn::task_request&) -> stepfn::result<json> { return next_answer(); }));
    auto e = now.engine.start(load(definition), json{{"x", 1}});
    REQUIRE(e);
    // The frame's first job runs both tasks: no job is posted for an answer given in invoke().
    REQUIRE(now.executor.run_one());
    CHECK(e->done());
    CHECK(e->wait() == expected);
    CHECK(kinds(now.hook->changes) == expected_kinds);

    calls = 0;
    hooked later;
    std::vector<std::thread> answering;
    later.engine.invokers().set_default(std::make_shared<lambda_invoker>([&](stepfn::task_request, stepfn::task_completion done) {
        answering.emplace_back([&next_answer, done = std::move(done)]() mutable { done.complete(next_answer()); });
    }));
    auto r = later.run(definition, json{{"x", 1}});
    for (auto& t : answering) t.join();
    CHECK(r == expected);
    CHECK(kinds(later.hook->changes) == expected_kinds);
}

TEST_CASE("The transition hook: a caught error, a failed frame, and branches", "[controller][transitions]") {
    SECTION("caught, with the error and the catcher's Next") {
        hooked h;
        h.engine.invokers().set_default(answer([](const stepfn::task_request&) -> stepfn::result<json> {
            return stepfn::make_error("Boom", "no");
        }));
        auto out = h.run(R"({"StartAt":"T","States":{
            "T":{"Type":"Task","Resource":"svc","Catch":[{"ErrorEquals":["Boom"],"ResultPath":"$.e","Next":"S"}],"End":true},
            "S":{"Type":"Succeed"}}})");
        REQUIRE(out);
        const auto& c = h.hook->changes;
        REQUIRE(c.size() == 3);
        CHECK((c[1].kind == kind::caught && c[1].state == "T" && c[1].next == "S" && c[1].error == "Boom"));
        CHECK((*c[1].data)["e"]["Error"] == "Boom");
    }
    SECTION("failed: an unhandled error, and a Fail state") {
        hooked h;
        auto out = h.run(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Bad","Cause":"why"}}})");
        REQUIRE_FALSE(out);
        const auto& c = h.hook->changes;
        REQUIRE(c.size() == 1);
        CHECK((c[0].kind == kind::failed && c[0].state == "F" && c[0].error == "Bad" && c[0].top_level));
    }
    SECTION("a Parallel's branches report as frames that are not the top level") {
        hooked h;
        auto out = h.run(R"({"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[
            {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
            {"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]}}})");
        REQUIRE(out);
        const auto& c = h.hook->changes;
        REQUIRE(c.size() == 4);  // Par parked, A and B ended, Par ended
        CHECK((c[0].state == "Par" && c[0].kind == kind::parked && c[0].top_level));
        int branches = 0;
        for (const auto& change : c)
            if (change.state == "A" || change.state == "B") {
                ++branches;
                CHECK_FALSE(change.top_level);
                CHECK(change.kind == kind::advanced);
            }
        CHECK(branches == 2);
        CHECK((c[3].state == "Par" && c[3].kind == kind::advanced && c[3].top_level));
    }
}

// A failing top-level frame ends its execution in its own job, as a succeeding one does (no
// job posted to its strand to abort it): the same end, nothing left queued, nothing after it.
TEST_CASE("A top-level frame that fails ends its execution there: its last events, nothing queued after", "[controller][stop]") {
    struct ending {
        const char* definition;
        const char* error;
        const char* before_end;  // the event before ExecutionFailed
    };
    const ending endings[] = {
        {R"({"StartAt":"P","States":{"P":{"Type":"Pass","Next":"F"},"F":{"Type":"Fail","Error":"Bad","Cause":"why"}}})", "Bad",
         "FailStateEntered"},
        {R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}})", "Boom", "TaskFailed"},
        {R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"D"}]},
            "D":{"Type":"Succeed"}}})",
         "States.NoChoiceMatched", "ChoiceStateEntered"},
    };
    for (const auto& end : endings) {
        INFO(end.definition);
        harness h;
        h.engine.invokers().set_default(answer([](const stepfn::task_request&) -> stepfn::result<json> {
            return stepfn::make_error("Boom", "no");
        }));
        auto e = h.engine.start(load(end.definition), json{{"x", 2}});
        REQUIRE(e);
        auto out = e->wait();
        REQUIRE_FALSE(out);
        CHECK(out.error().name == end.error);
        CHECK(e->status() == stepfn::execution_status::failed);
        CHECK_FALSE(h.executor.run_one());
        const auto types = h.types(e->arn());
        REQUIRE(types.size() >= 3);
        CHECK(types.back() == "ExecutionFailed");
        CHECK(types[types.size() - 2] == end.before_end);
        const auto stopped = h.engine.stop(e->arn());
        REQUIRE_FALSE(stopped);
        CHECK(stopped.error().name == "ExecutionDoesNotExist");
        CHECK(h.types(e->arn()) == types);
        CHECK(e->status() == stepfn::execution_status::failed);
    }
}

namespace {
// Retries twice whatever the rule says, 7 s apart.
struct fixed_retry final : stepfn::retry_policy {
    std::optional<std::chrono::nanoseconds> next_retry(const stepfn::retrier&, std::int64_t retries_made,
                                                       const std::function<double()>&) const override {
        if (retries_made >= 2) return std::nullopt;
        return std::chrono::seconds(7);
    }
};
} // namespace

TEST_CASE("The retry policy is the host's when one is given", "[controller][retry]") {
    const std::string definition = R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc",
        "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":5}],"End":true}}})";
    auto failing = [](int& calls) {
        return answer([&calls](const stepfn::task_request&) -> stepfn::result<json> {
            ++calls;
            return stepfn::make_error("Temp", "always");
        });
    };
    SECTION("ASL's by default: MaxAttempts 5 → six calls, back-off 1, 2, 4, 8, 16 s") {
        hooked h;
        int calls = 0;
        h.engine.invokers().set_default(failing(calls));
        const auto started = h.clock.now();
        REQUIRE_FALSE(h.run(definition));
        CHECK(calls == 6);
        CHECK(h.clock.now() - started == std::chrono::seconds(31));
    }
    SECTION("a replacement decides both the delays and when to stop") {
        hooked h(std::make_shared<fixed_retry>());
        int calls = 0;
        h.engine.invokers().set_default(failing(calls));
        const auto started = h.clock.now();
        auto out = h.run(definition);
        REQUIRE_FALSE(out);
        CHECK(out.error().name == "Temp");
        CHECK(calls == 3);
        CHECK(h.clock.now() - started == std::chrono::seconds(14));
    }
}
} // namespace controller_test
