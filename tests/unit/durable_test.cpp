// Durable executions (engine_options::store): crashes after every checkpoint, recovery of
// timers, tokens and in-flight tasks, idempotent starts, what the store holds, store failures.
#include "catch.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "durable_support.hpp"

namespace durable_test {

namespace {

// Every kind of frame a checkpoint can catch: a retried task, a Wait, variables, a Choice, a
// Parallel with a task, a Map with a concurrency limit and a caught failure.
const char* const everything = R"({"StartAt":"Prepare","States":{
  "Prepare":{"Type":"Pass","Parameters":{"items.$":"$.items","n":0},"Assign":{"greeting":"hello"},"Next":"Charge"},
  "Charge":{"Type":"Task","Resource":"svc:charge","ResultPath":"$.charge",
            "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":5,"MaxAttempts":3}],"Next":"Cool"},
  "Cool":{"Type":"Wait","Seconds":3600,"Next":"Route"},
  "Route":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":0,"Next":"Fan"}],"Default":"Fail"},
  "Fan":{"Type":"Parallel","ResultPath":"$.fan","Next":"Each","Branches":[
     {"StartAt":"Ship","States":{"Ship":{"Type":"Task","Resource":"svc:ship","End":true}}},
     {"StartAt":"Note","States":{"Note":{"Type":"Pass","Parameters":{"said.$":"$greeting"},"End":true}}}]},
  "Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ResultPath":"$.each","Next":"Done",
     "ItemProcessor":{"StartAt":"Work","States":{
        "Work":{"Type":"Task","Resource":"svc:work","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":null,"Next":"Patched"}],"End":true},
        "Patched":{"Type":"Pass","Result":"patched","End":true}}}},
  "Done":{"Type":"Succeed"},
  "Fail":{"Type":"Fail","Error":"Unexpected"}}})";

std::shared_ptr<recording_invoker> everything_invoker() {
    auto inv = std::make_shared<recording_invoker>();
    inv->answer = [](const stepfn::task_request& r, std::size_t) -> stepfn::result<json> {
        if (r.resource == "svc:charge" && r.attempt == 0) return stepfn::make_error("Flaky", "try again");
        if (r.resource == "svc:work" && r.input == 3) return stepfn::make_error("Broken", "item 3");
        return json{{"resource", r.resource}, {"input", r.input}, {"attempt", r.attempt}};
    };
    return inv;
}

} // namespace

TEST_CASE("A durable execution survives a crash after every checkpoint", "[durable]") {
    const auto machine = load(everything);
    const json input = {{"items", {1, 2, 3, 4, 5}}};

    harness plain;
    auto plain_invoker = everything_invoker();
    plain.engine.invokers().set_default(plain_invoker);
    auto expected = plain.run(everything, input);
    INFO((expected.value ? expected.value->dump() : expected.value.error().name + ": " + expected.value.error().cause));
    REQUIRE(expected.status == stepfn::execution_status::succeeded);

    auto invoker = everything_invoker();
    stepfn::engine_options base;
    base.seed = 42;
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    auto crashed = durable_test::run_crashing(machine, input, base, [&](engine_type& e) { e.invokers().set_default(invoker); },
                                              executor, clock);
    INFO("engines: " << crashed.engines);
    CHECK(crashed.engines > 20);
    REQUIRE(crashed.status == stepfn::execution_status::succeeded);
    CHECK(*crashed.value == *expected.value);
    // No task ran twice, and none was lost.
    CHECK(invoker->calls() == plain_invoker->calls());
    // The stored history has the uninterrupted run's events, each once, ids 1..n (branches and
    // iterations may interleave differently), each linked to an earlier one.
    auto stored = types_of(crashed.history), uninterrupted = plain.types(expected.arn);
    CHECK(stored.front() == "ExecutionStarted");
    CHECK(stored.back() == "ExecutionSucceeded");
    std::sort(stored.begin(), stored.end());
    std::sort(uninterrupted.begin(), uninterrupted.end());
    CHECK(stored == uninterrupted);
    for (std::size_t i = 0; i < crashed.history.size(); ++i) {
        CHECK(crashed.history[i].id == static_cast<std::int64_t>(i + 1));
        CHECK(crashed.history[i].previous_event_id < crashed.history[i].id);
    }
}

TEST_CASE("Durable starts are idempotent by name", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto invoker = std::make_shared<recording_invoker>();
    engine.invokers().set_default(invoker);
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}})");
    stepfn::start_options named;
    named.name = "order-17";

    auto first = engine.start(machine, json{{"id", 17}}, named);
    REQUIRE(first);
    // While it runs, the same start returns the same execution.
    auto same_running = engine.start(machine, json{{"id", 17}}, named);
    REQUIRE(same_running);
    CHECK(same_running->arn() == first->arn());
    REQUIRE(first->wait());
    CHECK(invoker->calls() == 1);

    auto again = engine.start(machine, json{{"id", 17}}, named);
    REQUIRE(again);
    CHECK(again->status() == stepfn::execution_status::succeeded);
    CHECK(*again->wait() == *first->wait());
    CHECK(invoker->calls() == 1);  // not run again

    auto other = engine.start(machine, json{{"id", 18}}, named);
    REQUIRE_FALSE(other);
    CHECK(other.error().name == "ExecutionAlreadyExists");

    // Another engine on the same store (a restarted process) answers the same way.
    stepfn::manual_executor executor2;
    stepfn::virtual_clock clock2;
    engine_type engine2(executor2, clock2, durable_options(store));
    auto later = engine2.start(machine, json{{"id", 17}}, named);
    REQUIRE(later);
    CHECK(*later->wait() == *first->wait());
    CHECK_FALSE(engine2.start(machine, json{{"id", 1}}, named));
}

TEST_CASE("A task in flight at a crash fails once with Stepfn.TaskInterrupted (at most once)", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","TimeoutSeconds":60,
        "Retry":[{"ErrorEquals":["Stepfn.TaskInterrupted"],"MaxAttempts":1,"IntervalSeconds":1}],"End":true}}})");
    std::string arn, key;
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        engine_type engine(executor, clock, durable_options(store));
        auto holder = std::make_shared<holding_invoker>();
        engine.invokers().set_default(holder);
        auto e = engine.start(machine, json{{"x", 1}});
        REQUIRE(e);
        arn = e->arn();
        settle(executor, clock, false);
        REQUIRE(holder->requests.size() == 1);
        key = holder->requests[0].idempotency_key;
        CHECK_FALSE(key.empty());
        holder->held.clear();  // the handles point at the engine, which holds the invoker
    }  // the process dies with the task in flight
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto invoker = std::make_shared<recording_invoker>();
    engine.invokers().set_default(invoker);
    auto recovered = engine.recover();
    REQUIRE(recovered);
    REQUIRE(recovered->resumed.size() == 1);
    auto out = recovered->resumed[0].wait();
    REQUIRE(out);
    // The interrupted attempt was not sent again; the retry is a new attempt with its own key.
    REQUIRE(invoker->calls() == 1);
    CHECK(invoker->requests[0].attempt == 1);
    CHECK(invoker->requests[0].idempotency_key != key);
    auto types = types_of(stored_history(*store, arn));
    CHECK(std::count(types.begin(), types.end(), "TaskFailed") == 1);
}

TEST_CASE("A task in flight at a crash is sent again with the same idempotency key (at least once)", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}})");
    std::string key;
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        engine_type engine(executor, clock, durable_options(store));
        auto holder = std::make_shared<holding_invoker>();
        engine.invokers().set_default(holder);
        REQUIRE(engine.start(machine, json{{"x", 1}}));
        settle(executor, clock, false);
        REQUIRE(holder->requests.size() == 1);
        key = holder->requests[0].idempotency_key;
        holder->held.clear();  // the handles point at the engine, which holds the invoker
    }
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    auto options = durable_options(store);
    options.after_restart = stepfn::in_flight_tasks::redispatch;
    engine_type engine(executor, clock, options);
    auto invoker = std::make_shared<recording_invoker>();
    engine.invokers().set_default(invoker);
    auto recovered = engine.recover();
    REQUIRE(recovered);
    REQUIRE(recovered->resumed.size() == 1);
    REQUIRE(recovered->resumed[0].wait());
    REQUIRE(invoker->calls() == 1);
    CHECK(invoker->requests[0].idempotency_key == key);
    CHECK(invoker->requests[0].input == json{{"x", 1}});
}

TEST_CASE("Timers are re-armed from their deadlines; one that passed while down fires at once", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = load(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"Next":"P"},
        "P":{"Type":"Pass","Result":"woke","End":true}}})");
    const auto start = stepfn::virtual_clock::default_start();
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock(start);
        engine_type engine(executor, clock, durable_options(store));
        REQUIRE(engine.start(machine));
        settle(executor, clock, false);
    }
    SECTION("the deadline passed") {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock(start + std::chrono::hours(2));
        engine_type engine(executor, clock, durable_options(store));
        auto recovered = engine.recover();
        REQUIRE(recovered);
        REQUIRE(recovered->resumed.size() == 1);
        settle(executor, clock, false);
        // It is due already: the clock fires it without moving.
        REQUIRE(clock.advance_to_next());
        CHECK(clock.now() == start + std::chrono::hours(2));
        settle(executor, clock, false);
        CHECK(recovered->resumed[0].status() == stepfn::execution_status::succeeded);
    }
    SECTION("the deadline is still ahead") {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock(start + std::chrono::minutes(30));
        engine_type engine(executor, clock, durable_options(store));
        auto recovered = engine.recover();
        REQUIRE(recovered);
        REQUIRE(recovered->resumed.size() == 1);
        settle(executor, clock, false);
        CHECK(recovered->resumed[0].status() == stepfn::execution_status::running);
        REQUIRE(clock.advance_to_next());
        CHECK(clock.now() == start + std::chrono::hours(1));
        CHECK(*recovered->resumed[0].wait() == "woke");
    }
}

TEST_CASE("A callback task's token is accepted after a restart", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task",
        "Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters":{"token.$":"$$.Task.Token"},"End":true}}})");
    std::string token;
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        engine_type engine(executor, clock, durable_options(store));
        auto sender = std::make_shared<recording_invoker>();
        sender->answer = [](const stepfn::task_request&, std::size_t) -> stepfn::result<json> { return json{{"MessageId", "m-1"}}; };
        engine.invokers().set_default(sender);
        REQUIRE(engine.start(machine));
        settle(executor, clock, false);
        REQUIRE(sender->calls() == 1);
        token = sender->requests[0].task_token;
    }
    REQUIRE_FALSE(token.empty());
    auto owner = store->find_token(token);
    REQUIRE(owner);
    CHECK(owner->has_value());
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto invoker = std::make_shared<recording_invoker>();
    engine.invokers().set_default(invoker);
    auto recovered = engine.recover();
    REQUIRE(recovered);
    REQUIRE(recovered->resumed.size() == 1);
    settle(executor, clock, false);
    CHECK(invoker->calls() == 0);  // submitted before the crash: not sent again
    REQUIRE(engine.send_task_success(token, json{{"approved", true}}));
    CHECK(*recovered->resumed[0].wait() == json{{"approved", true}});
    auto closed = store->find_token(token);
    REQUIRE(closed);
    CHECK_FALSE(closed->has_value());
}

namespace {

// Starts `definition` on a durable engine, stops that engine while the execution waits, and
// recovers it on a new one whose clock reads `down` seconds later; the execution must time out
// at `limit` seconds from its start. Returns the stored history's last event type.
std::string times_out_across_restart(const char* definition, stepfn::execution_type type, int down, int limit) {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = load(definition);
    const auto start = stepfn::virtual_clock::default_start();
    std::string arn;
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock(start);
        engine_type engine(executor, clock, durable_options(store));
        stepfn::start_options options;
        options.type = type;
        auto e = engine.start(machine, json::object(), options);
        REQUIRE(e);
        arn = e->arn();
        settle(executor, clock, false);
    }
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock(start + std::chrono::seconds(down));
    engine_type engine(executor, clock, durable_options(store));
    auto recovered = engine.recover();
    REQUIRE(recovered);
    REQUIRE(recovered->resumed.size() == 1);
    CHECK(recovered->resumed[0].join() == stepfn::execution_status::timed_out);
    // At once when the limit passed while it was down; otherwise at the limit, from its start.
    CHECK(clock.now() - start == std::chrono::seconds(std::max(down, limit)));
    auto row = store->find_execution(arn);
    REQUIRE(row);
    CHECK((*row)->status == stepfn::execution_status::timed_out);
    return types_of(stored_history(*store, arn)).back();
}

} // namespace

TEST_CASE("An execution's time limit counts from its start, across a restart", "[durable][express]") {
    SECTION("TimeoutSeconds that passed while the engine was down") {
        CHECK(times_out_across_restart(R"({"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}})",
                                       stepfn::execution_type::standard, 20, 10) == "ExecutionTimedOut");
    }
    SECTION("EXPRESS keeps its five minutes: its checkpoint says it is EXPRESS") {
        CHECK(times_out_across_restart(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}})",
                                       stepfn::execution_type::express, 200, 300) == "ExecutionTimedOut");
    }
}

TEST_CASE("What a durable execution leaves in the store", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    engine.invokers().set_default(std::make_shared<recording_invoker>());
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","Next":"F"},
        "F":{"Type":"Fail","Error":"Nope","Cause":"on purpose"}}})");
    stepfn::start_options named;
    named.name = "a";
    auto failed = engine.start(machine, json{{"k", 1}}, named);
    REQUIRE(failed);
    CHECK(failed->join() == stepfn::execution_status::failed);
    auto ok = engine.start(load(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})"), json{{"k", 2}});
    REQUIRE(ok);
    REQUIRE(ok->wait());

    auto row = store->find_execution(failed->arn());
    REQUIRE(row);
    REQUIRE(row->has_value());
    const auto& r = **row;
    CHECK(r.name == "a");
    CHECK(r.status == stepfn::execution_status::failed);
    CHECK(r.error == "Nope");
    CHECK(r.cause == "on purpose");
    CHECK(r.input == R"({"k":1})");
    CHECK(r.machine_arn == "arn:aws:states:us-east-1:123456789012:stateMachine:StateMachine");
    CHECK(r.stop_date.has_value());
    auto version = store->find_machine_version(r.definition_id);
    REQUIRE(version);
    REQUIRE(version->has_value());
    CHECK(json::parse((*version)->definition) == machine.source());

    auto history = stored_history(*store, failed->arn());
    CHECK(types_of(history) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                                        "TaskSucceeded", "TaskStateExited", "FailStateEntered", "ExecutionFailed"});
    CHECK(r.event_count == static_cast<std::int64_t>(history.size()));

    auto failures = store->list_executions(stepfn::execution_filter{"", stepfn::execution_status::failed, 10, ""});
    REQUIRE(failures);
    REQUIRE(failures->executions.size() == 1);
    CHECK(failures->executions[0].arn == failed->arn());
    auto unfinished = store->unfinished_executions();
    REQUIRE(unfinished);
    CHECK(unfinished->empty());
}

TEST_CASE("Stopping a durable execution is stored", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto e = engine.start(load(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})"));
    REQUIRE(e);
    settle(executor, clock, false);
    REQUIRE(engine.stop(*e, "Operator", "no longer needed"));
    CHECK(e->join() == stepfn::execution_status::aborted);
    auto row = store->find_execution(e->arn());
    REQUIRE(row);
    CHECK((*row)->status == stepfn::execution_status::aborted);
    CHECK((*row)->error == "Operator");
    CHECK(types_of(stored_history(*store, e->arn())).back() == "ExecutionAborted");
}

TEST_CASE("A store that fails stops the execution where it is stored", "[durable]") {
    auto store = std::make_shared<failing_store>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto invoker = std::make_shared<recording_invoker>();
    engine.invokers().set_default(invoker);
    auto e = engine.start(load(R"({"StartAt":"A","States":{"A":{"Type":"Task","Resource":"svc","Next":"B"},
        "B":{"Type":"Task","Resource":"svc","Next":"C"},"C":{"Type":"Task","Resource":"svc","End":true}}})"));
    REQUIRE(e);
    auto out = e->wait();
    REQUIRE_FALSE(out);
    CHECK(out.error().name == "Stepfn.StoreFailed");
    CHECK(out.error().cause.find("the disk is full") != std::string::npos);
    // Nothing ran ahead of the store: only the task whose dispatch was stored was sent.
    CHECK(invoker->calls() == 1);
    auto row = store->find_execution(e->arn());
    REQUIRE(row);
    CHECK((*row)->status == stepfn::execution_status::running);  // a later recover() goes on
}

TEST_CASE("recover() reports a snapshot that does not read back and resumes the others", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    const auto start = stepfn::virtual_clock::default_start();
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock(start);
        engine_type engine(executor, clock, durable_options(store));
        REQUIRE(engine.start(load(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}})")));
        settle(executor, clock, false);
    }
    // A second execution whose snapshot is damaged.
    stepfn::execution_checkpoint cp;
    cp.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:StateMachine:damaged";
    cp.sequence = 1;
    auto existing = store->list_executions({});
    REQUIRE(existing);
    REQUIRE(existing->executions.size() == 1);
    stepfn::stored_execution row = existing->executions[0];
    row.arn = cp.execution_arn;
    row.name = "damaged";
    row.event_count = 0;
    cp.created = row;
    cp.snapshot = R"({"version":1,"root":{"state":"NoSuchState"}})";
    store->commit(std::move(cp), nullptr);

    stepfn::manual_executor executor;
    stepfn::virtual_clock clock(start);
    engine_type engine(executor, clock, durable_options(store));
    auto recovered = engine.recover();
    REQUIRE(recovered);
    CHECK(recovered->resumed.size() == 1);
    REQUIRE(recovered->unrecoverable.size() == 1);
    CHECK(recovered->unrecoverable[0].name == "CorruptSnapshot");
    CHECK(recovered->unrecoverable[0].cause.find("damaged") != std::string::npos);
    CHECK(recovered->unrecoverable[0].cause.find("NoSuchState") != std::string::npos);
    REQUIRE(recovered->resumed[0].wait());
}

TEST_CASE("A durable engine refuses what it cannot keep yet", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto e = engine.start(load(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{
        "ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
        "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})"),
                          json::array({1}));
    REQUIRE_FALSE(e);
    CHECK(e.error().name == "UnsupportedOperation");
    stepfn::engine_options plain;
    engine_type memory_only(executor, clock, plain);
    auto r = memory_only.recover();
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "StoreNotConfigured");
}

TEST_CASE("Durable executions on a thread pool all reach the store", "[durable][concurrency]") {
    auto store = std::make_shared<stepfn::memory_store>();
    stepfn::thread_pool_executor pool(4);
    stepfn::system_clock clock;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock, durable_options(store));
    engine.invokers().set_default(std::make_shared<recording_invoker>());
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","ResultPath":"$.t","Next":"P"},
        "P":{"Type":"Parallel","ResultPath":"$.p","Branches":[{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"svc","End":true}}},
            {"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"Next":"M"},
        "M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}})");
    std::vector<stepfn::execution> runs;
    for (int i = 0; i < 100; ++i) {
        auto e = engine.start(machine, json{{"items", {i, i + 1, i + 2}}});
        REQUIRE(e);
        runs.push_back(*e);
    }
    for (auto& e : runs) REQUIRE(e.wait());
    auto succeeded = store->list_executions(stepfn::execution_filter{"", stepfn::execution_status::succeeded, 1000, ""});
    REQUIRE(succeeded);
    CHECK(succeeded->executions.size() == 100);
    for (auto& e : runs) {
        auto history = stored_history(*store, e.arn());
        for (std::size_t i = 0; i < history.size(); ++i) CHECK(history[i].id == static_cast<std::int64_t>(i + 1));
        CHECK(types_of(history).back() == "ExecutionSucceeded");
    }
}

TEST_CASE("A deferred start stores the start only; another engine resumes it by ARN", "[durable]") {
    auto store = std::make_shared<stepfn::memory_store>();
    auto machine = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","Next":"W"},
        "W":{"Type":"Wait","Seconds":60,"End":true}}})");
    std::string arn;
    auto invoker = std::make_shared<recording_invoker>();
    {
        // `stepfn start`: nothing of the execution runs in this engine.
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        engine_type starter(executor, clock, durable_options(store));
        starter.invokers().set_default(invoker);
        stepfn::start_options deferred;
        deferred.name = "later";
        deferred.deferred = true;
        auto e = starter.start(machine, json{{"id", 1}}, deferred);
        REQUIRE(e);
        arn = e->arn();
        bool stored = false;
        e->on_stored([&](stepfn::result<void> r) { stored = static_cast<bool>(r); });
        CHECK(stored);
        settle(executor, clock);
        CHECK(invoker->calls() == 0);
        CHECK(types_of(stored_history(*store, arn)) == std::vector<std::string>{"ExecutionStarted"});
    }
    auto row = store->find_execution(arn);
    REQUIRE(row);
    REQUIRE(row->has_value());
    CHECK((*row)->status == stepfn::execution_status::running);

    // A worker that claimed it.
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type worker(executor, clock, durable_options(store));
    worker.invokers().set_default(invoker);
    auto resumed = worker.resume(arn);
    REQUIRE(resumed);
    CHECK(resumed->arn() == arn);
    auto again = worker.resume(arn);  // running here already: the same execution
    REQUIRE(again);
    CHECK(again->arn() == arn);
    REQUIRE(resumed->wait());
    CHECK(invoker->calls() == 1);
    auto types = types_of(stored_history(*store, arn));
    CHECK(std::count(types.begin(), types.end(), "ExecutionStarted") == 1);
    CHECK(types.back() == "ExecutionSucceeded");

    auto missing = worker.resume(arn + "-nobody");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().name == "ExecutionDoesNotExist");
}

TEST_CASE("A refused checkpoint that held the end ends the execution as failed, not never", "[durable]") {
    // Refuses the checkpoint that holds the end (as a database refuses a fenced-out worker's).
    struct refusing_ends final : durable_test::forwarding_store {
        refusing_ends() : forwarding_store(std::make_shared<stepfn::memory_store>()) {}
        void commit(stepfn::execution_checkpoint cp, std::function<void(stepfn::result<void>)> done) override {
            if (cp.ended) return done(stepfn::make_error("StaleLease", "another worker holds the execution"));
            inner_->commit(std::move(cp), std::move(done));
        }
    };
    auto store = std::make_shared<refusing_ends>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    engine_type engine(executor, clock, durable_options(store));
    auto e = engine.start(load(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})"));
    REQUIRE(e);
    bool ended = false;
    e->on_end([&] { ended = true; });
    auto out = e->wait();
    REQUIRE_FALSE(out);
    CHECK(out.error().name == "Stepfn.StoreFailed");
    CHECK(ended);
}
} // namespace durable_test
