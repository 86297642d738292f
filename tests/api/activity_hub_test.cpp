// Activities (api/activity_hub.hpp): the catalog actions, and workers taking an engine's activity
// Tasks with GetActivityTask and answering with SendTask*, on a manual executor and virtual clock
// (timing) or a thread pool and the system clock (concurrency).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <stepfn/api/activity_hub.hpp>
#include <stepfn/store/memory_store.hpp>

#include "catch.hpp"
#include "engine_harness.hpp"

namespace activity_hub_test {

namespace {

// The replies a poll got (exactly one, when all is well).
struct poll_box {
    std::mutex mutex;
    std::vector<stepfn::api_reply> replies;
    std::size_t count() {
        std::lock_guard<std::mutex> lock(mutex);
        return replies.size();
    }
    json body(std::size_t i = 0) {
        std::lock_guard<std::mutex> lock(mutex);
        return json::parse(replies.at(i).body);
    }
};

std::shared_ptr<poll_box> poll(stepfn::activity_hub& hub, const std::string& arn, const std::string& worker = "w1") {
    auto box = std::make_shared<poll_box>();
    hub.get_activity_task(json{{"activityArn", arn}, {"workerName", worker}}, [box](stepfn::api_reply reply) {
        std::lock_guard<std::mutex> lock(box->mutex);
        box->replies.push_back(std::move(reply));
    });
    return box;
}

std::string task_definition(const std::string& resource, const std::string& fields = "") {
    return R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")" + resource + "\"," + fields + R"("End":true}}})";
}

// An engine on the manual executor and virtual clock, a hub on the same clock, an activity.
struct activity_fixture {
    harness h;
    std::shared_ptr<stepfn::memory_store> store = std::make_shared<stepfn::memory_store>();
    stepfn::activity_hub hub;
    std::string arn;

    explicit activity_fixture(stepfn::activity_hub_options options = {}) : hub(store, h.clock, std::move(options)) {
        h.engine.invokers().add_prefix(hub.activity_prefix(), hub.invoker());
        auto created = hub.create_activity(json{{"name", "work"}});
        REQUIRE(created);
        arn = (*created)["activityArn"].get<std::string>();
    }

    stepfn::execution start(const std::string& definition, json input = json::object()) {
        auto e = h.engine.start(load(definition), std::move(input));
        REQUIRE(e);
        h.executor.run();
        return *e;
    }
};

std::string error_type(const stepfn::api_outcome& outcome) { return outcome ? std::string("(success)") : outcome.error().type; }
std::string error_type(const std::optional<stepfn::api_outcome>& outcome) {
    return outcome ? error_type(*outcome) : std::string("(not an activity token)");
}

// The execution's output, or the error's name as a string when it failed.
json value_of(const stepfn::execution& e) {
    auto r = e.wait();
    return r ? *r : json("error: " + r.error().name);
}

json success(const std::string& token, const std::string& output) { return json{{"taskToken", token}, {"output", output}}; }

} // namespace

TEST_CASE("Activities: create (idempotent, tags), describe, list in pages, delete", "[activities]") {
    activity_fixture f;
    CHECK(f.arn == "arn:aws:states:us-east-1:123456789012:activity:work");
    CHECK(f.hub.activity_prefix() == "arn:aws:states:us-east-1:123456789012:activity:");

    auto tagged = f.hub.create_activity(json::parse(R"({"name":"tagged","tags":[{"key":"team","value":"payments"}]})"));
    REQUIRE(tagged);
    CHECK((*tagged)["creationDate"].is_number());
    // Again with other tags: the same activity, its tags unchanged, as AWS does.
    auto again = f.hub.create_activity(json::parse(R"({"name":"tagged","tags":[{"key":"team","value":"other"}]})"));
    REQUIRE(again);
    CHECK(*again == *tagged);
    auto record = f.store->find_resource((*tagged)["activityArn"].get<std::string>());
    REQUIRE(record);
    REQUIRE(*record);
    CHECK((*record)->kind == "activity");
    CHECK(json::parse((*record)->body)["tags"] == json::parse(R"([{"key":"team","value":"payments"}])"));

    auto described = f.hub.describe_activity(json{{"activityArn", f.arn}});
    REQUIRE(described);
    CHECK((*described)["name"] == "work");
    CHECK((*described)["activityArn"] == f.arn);
    CHECK((*described)["creationDate"] == 1704067200);  // the virtual clock's start, in epoch seconds

    for (const char* name : {"c", "d", "e"}) REQUIRE(f.hub.create_activity(json{{"name", name}}));
    std::vector<std::string> names;
    json request = json{{"maxResults", 2}};
    for (int page = 0; page < 10; ++page) {
        auto listed = f.hub.list_activities(request);
        REQUIRE(listed);
        CHECK((*listed)["activities"].size() <= 2);
        for (auto& a : (*listed)["activities"]) names.push_back(a["name"].get<std::string>());
        if (!listed->contains("nextToken")) break;
        request["nextToken"] = (*listed)["nextToken"];
    }
    CHECK(names == std::vector<std::string>{"work", "tagged", "c", "d", "e"});  // creation order
    CHECK(error_type(f.hub.list_activities(json{{"nextToken", "nope"}})) == "InvalidToken");
    CHECK(error_type(f.hub.list_activities(json{{"maxResults", 1001}})) == "ValidationException");

    REQUIRE(f.hub.delete_activity(json{{"activityArn", f.arn}}));
    CHECK(error_type(f.hub.describe_activity(json{{"activityArn", f.arn}})) == "ActivityDoesNotExist");
    CHECK(f.hub.delete_activity(json{{"activityArn", f.arn}}));  // deleting again succeeds, as on AWS
}

TEST_CASE("Activities: AWS's errors for names, ARNs and tags", "[activities]") {
    activity_fixture f;
    CHECK(error_type(f.hub.create_activity(json{{"name", "has space"}})) == "InvalidName");
    CHECK(error_type(f.hub.create_activity(json{{"name", "a:b"}})) == "InvalidName");
    CHECK(error_type(f.hub.create_activity(json{{"name", std::string(81, 'x')}})) == "ValidationException");
    CHECK(error_type(f.hub.create_activity(json::object())) == "ValidationException");
    CHECK(error_type(f.hub.create_activity(json{{"name", 7}})) == "SerializationException");
    json many = json::array();
    for (int i = 0; i < 51; ++i) many.push_back(json{{"key", "k" + std::to_string(i)}, {"value", "v"}});
    CHECK(error_type(f.hub.create_activity(json{{"name", "t"}, {"tags", many}})) == "TooManyTags");
    CHECK(error_type(f.hub.create_activity(json::parse(R"({"name":"t","tags":[{"value":"v"}]})"))) == "ValidationException");
    CHECK(error_type(f.hub.describe_activity(json{{"activityArn", "not an arn"}})) == "InvalidArn");
    CHECK(error_type(f.hub.describe_activity(json{{"activityArn", "arn:aws:states:us-east-1:123456789012:stateMachine:m"}})) ==
          "InvalidArn");
    CHECK(error_type(f.hub.describe_activity(json{{"activityArn", f.hub.activity_prefix() + "ghost"}})) == "ActivityDoesNotExist");
    CHECK(error_type(f.hub.delete_activity(json{{"activityArn", "arn:aws:states:x"}})) == "InvalidArn");
}

TEST_CASE("Activities: a worker polling before the task exists gets it, and its answer ends the Task", "[activities]") {
    activity_fixture f;
    auto box = poll(f.hub, f.arn);
    CHECK(box->count() == 0);
    CHECK(f.hub.waiting_polls() == 1);

    auto e = f.start(task_definition(f.arn, R"("Parameters":{"id.$":"$.order"},)"), json{{"order", 7}});
    REQUIRE(box->count() == 1);
    CHECK(f.hub.waiting_polls() == 0);
    const json task = box->body();
    CHECK(box->replies[0].status == 200);
    CHECK(task["input"] == R"({"id":7})");  // the effective input, as JSON text
    const std::string token = task["taskToken"].get<std::string>();
    CHECK(token.rfind("act1.", 0) == 0);
    CHECK(token.find("work") == std::string::npos);  // random, nothing taken from the ARN
    CHECK(e.status() == stepfn::execution_status::running);

    auto answered = f.hub.send_task_success(success(token, R"({"done":true})"));
    REQUIRE(answered);
    REQUIRE(*answered);
    CHECK(**answered == json::object());
    auto r = e.wait();
    REQUIRE(r);
    CHECK(*r == json{{"done", true}});
    CHECK(error_type(f.hub.send_task_success(success(token, "1"))) == "TaskTimedOut");  // closed already
}

TEST_CASE("Activities: a task waits in the queue for a worker polling later; workers are served in order", "[activities]") {
    activity_fixture f;
    auto first = f.start(task_definition(f.arn), json{{"n", 1}});
    auto second = f.start(task_definition(f.arn), json{{"n", 2}});
    auto a = poll(f.hub, f.arn, "a");
    auto b = poll(f.hub, f.arn, "b");
    REQUIRE(a->count() == 1);
    REQUIRE(b->count() == 1);
    CHECK(a->body()["input"] == R"({"n":1})");
    CHECK(b->body()["input"] == R"({"n":2})");
    CHECK(a->body()["taskToken"] != b->body()["taskToken"]);
    REQUIRE(f.hub.send_task_success(success(b->body()["taskToken"], "2")));
    REQUIRE(f.hub.send_task_success(success(a->body()["taskToken"], "1")));
    CHECK(value_of(first) == json(1));
    CHECK(value_of(second) == json(2));

    // With no task, two polls wait and the next task goes to the one that came first.
    auto c = poll(f.hub, f.arn, "c");
    auto d = poll(f.hub, f.arn, "d");
    CHECK(f.hub.waiting_polls() == 2);
    auto third = f.start(task_definition(f.arn), json{{"n", 3}});
    CHECK(c->count() == 1);
    CHECK(d->count() == 0);
    REQUIRE(f.hub.send_task_success(success(c->body()["taskToken"], "3")));
    CHECK(value_of(third) == json(3));
    CHECK(f.hub.waiting_polls() == 1);
}

TEST_CASE("Activities: SendTaskFailure fails the Task; Catch and Retry see the worker's error", "[activities]") {
    activity_fixture f;
    auto e = f.start(R"({"StartAt":"T","States":{
        "T":{"Type":"Task","Resource":")" + f.arn + R"(",
             "Retry":[{"ErrorEquals":["Worker.Flaky"],"IntervalSeconds":1,"MaxAttempts":1}],
             "Catch":[{"ErrorEquals":["Worker.Broken"],"ResultPath":"$.err","Next":"Caught"}],"End":true},
        "Caught":{"Type":"Pass","End":true}}})",
                     json{{"order", 7}});
    auto first = poll(f.hub, f.arn);
    REQUIRE(first->count() == 1);
    const std::string token1 = first->body()["taskToken"];
    REQUIRE(f.hub.send_task_failure(json{{"taskToken", token1}, {"error", "Worker.Flaky"}, {"cause", "try again"}}));
    f.h.executor.run();
    f.h.clock.advance(std::chrono::seconds(1));  // the retry's interval
    f.h.executor.run();
    auto second = poll(f.hub, f.arn);
    REQUIRE(second->count() == 1);
    const std::string token2 = second->body()["taskToken"];
    CHECK(token2 != token1);  // every attempt has its own token
    auto failed = f.hub.send_task_failure(json{{"taskToken", token2}, {"error", "Worker.Broken"}, {"cause", "disk full"}});
    REQUIRE(failed);
    REQUIRE(*failed);
    auto r = e.wait();
    REQUIRE(r);
    CHECK(*r == json::parse(R"({"order":7,"err":{"Error":"Worker.Broken","Cause":"disk full"}})"));
}

TEST_CASE("Activities: heartbeats keep a HeartbeatSeconds task alive; a missed one times it out", "[activities]") {
    activity_fixture f;
    auto e = f.start(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")" + f.arn + R"(",
        "TimeoutSeconds":100,"HeartbeatSeconds":10,
        "Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"Late"}],"End":true},"Late":{"Type":"Pass","End":true}}})");
    auto box = poll(f.hub, f.arn);
    REQUIRE(box->count() == 1);
    const std::string token = box->body()["taskToken"];
    for (int i = 0; i < 3; ++i) {
        f.h.clock.advance(std::chrono::seconds(8));
        f.h.executor.run();
        auto beat = f.hub.send_task_heartbeat(json{{"taskToken", token}});
        REQUIRE(beat);
        REQUIRE(*beat);
        f.h.executor.run();
    }
    CHECK(e.status() == stepfn::execution_status::running);  // 24 s in, beyond one heartbeat period
    f.h.clock.advance(std::chrono::seconds(11));
    f.h.executor.run();
    auto r = e.wait();
    REQUIRE(r);
    // Raised as States.Timeout, as on AWS; a Catch on States.HeartbeatTimeout matches it.
    CHECK((*r)["Error"] == "States.Timeout");
    CHECK(error_type(f.hub.send_task_heartbeat(json{{"taskToken", token}})) == "TaskTimedOut");
    CHECK(error_type(f.hub.send_task_success(success(token, "{}"))) == "TaskTimedOut");
}

TEST_CASE("Activities: TimeoutSeconds fails a task no worker took, and takes it off the queue", "[activities]") {
    activity_fixture f;
    auto e = f.start(task_definition(f.arn, R"("TimeoutSeconds":5,)"));
    f.h.clock.advance(std::chrono::seconds(6));
    f.h.executor.run();
    auto r = e.wait();
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "States.Timeout");
    auto box = poll(f.hub, f.arn);
    CHECK(box->count() == 0);  // the timed-out task is not handed out
    CHECK(f.hub.waiting_polls() == 1);
}

TEST_CASE("Activities: the history records ActivityStarted when a worker takes the task, with its name", "[activities][history]") {
    activity_fixture f;
    SECTION("the task was queued before the worker polled") {
        auto e = f.start(task_definition(f.arn), json{{"n", 1}});
        CHECK(f.h.types(e.arn()) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled"});
        auto box = poll(f.hub, f.arn, "worker-a");
        REQUIRE(box->count() == 1);
        REQUIRE(f.hub.send_task_success(success(box->body()["taskToken"], R"({"done":true})")));
        f.h.executor.run();
        REQUIRE(e.wait());
        CHECK(f.h.types(e.arn()) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                                             "ActivityStarted", "ActivitySucceeded", "TaskStateExited",
                                                             "ExecutionSucceeded"});
        const auto events = f.h.sink->events(e.arn());
        CHECK(events[2].details["resource"] == f.arn);
        CHECK(events[2].details["input"] == R"({"n":1})");
        CHECK(events[3].details == json{{"workerName", "worker-a"}});
    }
    SECTION("the worker was polling when the task came") {
        auto box = poll(f.hub, f.arn, "worker-b");
        auto e = f.start(task_definition(f.arn));
        REQUIRE(box->count() == 1);
        REQUIRE(f.hub.send_task_success(success(box->body()["taskToken"], "{}")));
        f.h.executor.run();
        REQUIRE(e.wait());
        const auto events = f.h.sink->events(e.arn());
        REQUIRE(events.size() == 7);
        CHECK(events[3].type == stepfn::event_type::activity_started);
        CHECK(events[3].details == json{{"workerName", "worker-b"}});
    }
}

TEST_CASE("Activities: stopping the execution while a worker holds the token", "[activities]") {
    activity_fixture f;
    auto e = f.start(task_definition(f.arn));
    auto box = poll(f.hub, f.arn);
    REQUIRE(box->count() == 1);
    const std::string token = box->body()["taskToken"];
    REQUIRE(f.h.engine.stop(e, "Operator.Stop", "no longer needed"));
    f.h.executor.run();
    CHECK(e.join() == stepfn::execution_status::aborted);
    CHECK(error_type(f.hub.send_task_success(success(token, "{}"))) == "TaskTimedOut");
    CHECK(error_type(f.hub.send_task_failure(json{{"taskToken", token}})) == "TaskTimedOut");
}

TEST_CASE("Activities: a Task on an activity that does not exist fails the execution with States.Runtime", "[activities]") {
    activity_fixture f;
    const std::string ghost = f.hub.activity_prefix() + "ghost";
    auto e = f.start(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")" + ghost + R"(",
        "Retry":[{"ErrorEquals":["States.ALL"]}],
        "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Pass","End":true}}})");
    auto r = e.wait();
    // Neither the Retry nor the Catch on States.ALL handles it.
    CHECK(f.h.types(e.arn()) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                                         "ActivityStarted", "ActivityFailed", "ExecutionFailed"});
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "States.Runtime");
    CHECK_THAT(r.error().cause, Catch::Matchers::Contains("The activity " + ghost + " does not exist."));
    CHECK_THAT(r.error().cause, Catch::Matchers::Contains("'T'"));
}

TEST_CASE("Activities: a poll with no task answers {} after poll_timeout", "[activities]") {
    activity_fixture f;
    auto box = poll(f.hub, f.arn);
    f.h.clock.advance(std::chrono::seconds(59));
    CHECK(box->count() == 0);
    f.h.clock.advance(std::chrono::seconds(1));
    REQUIRE(box->count() == 1);
    CHECK(box->replies[0].status == 200);
    CHECK(box->body() == json::object());  // no taskToken member: the SDKs read it as none
    CHECK(f.hub.waiting_polls() == 0);
    // A task arriving afterwards waits for the next poll.
    auto e = f.start(task_definition(f.arn));
    CHECK(box->count() == 1);
    auto next = poll(f.hub, f.arn);
    REQUIRE(next->count() == 1);
    REQUIRE(f.hub.send_task_success(success(next->body()["taskToken"], "\"ok\"")));
    CHECK(value_of(e) == json("ok"));
}

TEST_CASE("Activities: shutdown answers every waiting poll, and later ones at once", "[activities]") {
    activity_fixture f;
    std::vector<std::shared_ptr<poll_box>> boxes;
    for (int i = 0; i < 3; ++i) boxes.push_back(poll(f.hub, f.arn));
    CHECK(f.hub.waiting_polls() == 3);
    f.hub.shutdown();
    CHECK(f.hub.waiting_polls() == 0);
    for (auto& box : boxes) {
        REQUIRE(box->count() == 1);
        CHECK(box->body() == json::object());
    }
    auto late = poll(f.hub, f.arn);
    REQUIRE(late->count() == 1);
    CHECK(late->body() == json::object());
    f.h.clock.advance(std::chrono::minutes(2));  // the cancelled timers answer nobody twice
    for (auto& box : boxes) CHECK(box->count() == 1);
}

TEST_CASE("Activities: ActivityWorkerLimitExceeded past max_waiting_polls; unknown activities; bad requests", "[activities]") {
    stepfn::activity_hub_options options;
    options.max_waiting_polls = 2;
    activity_fixture f(options);
    auto a = poll(f.hub, f.arn);
    auto b = poll(f.hub, f.arn);
    auto c = poll(f.hub, f.arn);
    REQUIRE(c->count() == 1);
    CHECK(c->replies[0].status == 400);
    CHECK(c->body()["__type"] == "ActivityWorkerLimitExceeded");
    f.h.clock.advance(std::chrono::seconds(60));
    CHECK(a->count() == 1);
    CHECK(b->count() == 1);
    auto d = poll(f.hub, f.arn);
    CHECK(d->count() == 0);  // room again

    auto ghost = poll(f.hub, f.hub.activity_prefix() + "ghost");
    REQUIRE(ghost->count() == 1);
    CHECK(ghost->body()["__type"] == "ActivityDoesNotExist");
    auto bad = poll(f.hub, "arn:aws:states:us-east-1:123456789012:stateMachine:m");
    REQUIRE(bad->count() == 1);
    CHECK(bad->body()["__type"] == "InvalidArn");
    auto box = std::make_shared<poll_box>();
    f.hub.get_activity_task(json::object(), [box](stepfn::api_reply r) { box->replies.push_back(std::move(r)); });
    REQUIRE(box->count() == 1);
    CHECK(box->body()["__type"] == "ValidationException");
    auto long_worker = poll(f.hub, f.arn, std::string(81, 'w'));
    REQUIRE(long_worker->count() == 1);
    CHECK(long_worker->body()["__type"] == "ValidationException");
}

TEST_CASE("Activities: tokens: others' are left to the engine; malformed, unknown and bad outputs", "[activities]") {
    activity_fixture f;
    // The engine's .waitForTaskToken tokens (two UUIDs) are not the hub's: nullopt.
    const std::string engine_token = "0a1b2c3d-0000-4000-8000-000000000000" "0a1b2c3d-0000-4000-8000-000000000001";
    CHECK_FALSE(f.hub.send_task_success(success(engine_token, "{}")));
    CHECK_FALSE(f.hub.send_task_failure(json{{"taskToken", engine_token}}));
    CHECK_FALSE(f.hub.send_task_heartbeat(json{{"taskToken", engine_token}}));

    CHECK(error_type(f.hub.send_task_success(success("act1.zz", "{}"))) == "InvalidToken");
    CHECK(error_type(f.hub.send_task_heartbeat(json{{"taskToken", "act1." + std::string(64, 'G')}})) == "InvalidToken");
    const std::string unknown = "act1." + std::string(64, 'a');
    CHECK(error_type(f.hub.send_task_success(success(unknown, "{}"))) == "TaskDoesNotExist");
    CHECK(error_type(f.hub.send_task_heartbeat(json{{"taskToken", unknown}})) == "TaskDoesNotExist");
    CHECK(error_type(f.hub.send_task_success(json{{"output", "{}"}})) == "ValidationException");
    CHECK(error_type(f.hub.send_task_success(success(std::string(2049, 'a'), "{}"))) == "ValidationException");

    auto e = f.start(task_definition(f.arn));
    auto box = poll(f.hub, f.arn);
    REQUIRE(box->count() == 1);
    const std::string token = box->body()["taskToken"];
    CHECK(error_type(f.hub.send_task_success(success(token, "{not json"))) == "InvalidOutput");
    CHECK(error_type(f.hub.send_task_success(success(token, "\"" + std::string(300000, 'x') + "\""))) == "InvalidOutput");
    CHECK(error_type(f.hub.send_task_success(success(token, std::string(600, '[') + std::string(600, ']')))) == "InvalidOutput");
    CHECK(error_type(f.hub.send_task_success(json{{"taskToken", token}})) == "ValidationException");
    CHECK(error_type(f.hub.send_task_failure(json{{"taskToken", token}, {"error", std::string(257, 'e')}})) == "ValidationException");
    CHECK(error_type(f.hub.send_task_failure(json{{"taskToken", token}, {"cause", std::string(32769, 'c')}})) ==
          "ValidationException");
    CHECK(e.status() == stepfn::execution_status::running);  // none of those answered the task
    REQUIRE(f.hub.send_task_failure(json{{"taskToken", token}}));  // error and cause are optional
    auto r = e.wait();
    REQUIRE_FALSE(r);
    CHECK(r.error().name.empty());
}

TEST_CASE("Activities: 10,000 idle polls are held without a thread each and all answered", "[activities]") {
    activity_fixture f;
    std::atomic<int> answered{0};
    for (int i = 0; i < 10000; ++i)
        f.hub.get_activity_task(json{{"activityArn", f.arn}}, [&answered](stepfn::api_reply r) {
            if (r.body == "{}") ++answered;
        });
    CHECK(f.hub.waiting_polls() == 10000);
    CHECK(answered == 0);
    f.h.clock.advance(std::chrono::seconds(60));
    CHECK(answered == 10000);
    CHECK(f.hub.waiting_polls() == 0);
}

TEST_CASE("Activities: many workers and many tasks on a thread pool; each task delivered exactly once",
          "[activities][concurrency]") {
    stepfn::thread_pool_executor pool(3);
    stepfn::system_clock clock;
    auto store = std::make_shared<stepfn::memory_store>();
    stepfn::activity_hub_options options;
    options.poll_timeout = std::chrono::milliseconds(2);  // short, so that timeouts race with arriving tasks
    stepfn::activity_hub hub(store, clock, options);
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock);
    engine.invokers().add_prefix(hub.activity_prefix(), hub.invoker());
    auto created = hub.create_activity(json{{"name", "work"}});
    REQUIRE(created);
    const std::string arn = (*created)["activityArn"];
    auto machine = load(task_definition(arn));

    constexpr int tasks = 300;
    std::mutex mutex;
    std::set<std::string> tokens;
    std::multiset<int> seen;
    std::atomic<int> polls{0}, replies{0}, completed{0}, duplicates{0};
    auto worker = [&](int id) {
        for (int round = 0; round < 200000 && completed.load() < tasks; ++round) {
            auto promise = std::make_shared<std::promise<stepfn::api_reply>>();
            auto future = promise->get_future();
            ++polls;
            hub.get_activity_task(json{{"activityArn", arn}, {"workerName", "w" + std::to_string(id)}},
                                  [promise, &replies](stepfn::api_reply r) {
                                      ++replies;
                                      promise->set_value(std::move(r));
                                  });
            if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return;  // checked below
            json body = json::parse(future.get().body);
            if (!body.contains("taskToken")) continue;
            const std::string token = body["taskToken"];
            const json input = json::parse(body["input"].get<std::string>());
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (!tokens.insert(token).second) ++duplicates;
                seen.insert(input["i"].get<int>());
            }
            if (id % 2 == 0) hub.send_task_heartbeat(json{{"taskToken", token}});
            auto answered = hub.send_task_success(success(token, json{{"i", input["i"]}, {"by", id}}.dump()));
            if (answered && *answered) ++completed;
        }
    };
    std::vector<stepfn::execution> executions;
    std::vector<std::thread> workers;
    for (int id = 0; id < 4; ++id) workers.emplace_back(worker, id);
    for (int i = 0; i < tasks; ++i) {
        auto e = engine.start(machine, json{{"i", i}});
        REQUIRE(e);
        executions.push_back(*e);
    }
    for (auto& t : workers) t.join();
    CHECK(duplicates == 0);
    CHECK(completed == tasks);
    CHECK(polls == replies);  // every poll answered exactly once
    std::multiset<int> expected;
    for (int i = 0; i < tasks; ++i) expected.insert(i);
    CHECK(seen == expected);
    for (int i = 0; i < tasks; ++i) {
        auto r = executions[static_cast<std::size_t>(i)].wait();
        REQUIRE(r);
        CHECK((*r)["i"] == i);
    }
    hub.shutdown();
}

TEST_CASE("Activities: polls, tasks and shutdown racing; every poll answered once", "[activities][concurrency]") {
    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    stepfn::activity_hub_options options;
    options.poll_timeout = std::chrono::milliseconds(1);
    stepfn::activity_hub hub(std::make_shared<stepfn::memory_store>(), clock, options);
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock);
    engine.invokers().add_prefix(hub.activity_prefix(), hub.invoker());
    const std::string arn = (*hub.create_activity(json{{"name", "work"}}))["activityArn"];
    auto machine = load(task_definition(arn, R"("TimeoutSeconds":1,)"));

    std::atomic<int> polls{0}, replies{0}, tokens{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> pollers;
    for (int id = 0; id < 3; ++id)
        pollers.emplace_back([&] {
            for (int i = 0; i < 2000 && !stop.load(); ++i) {
                ++polls;
                hub.get_activity_task(json{{"activityArn", arn}}, [&](stepfn::api_reply r) {
                    if (r.body.find("taskToken") != std::string::npos) ++tokens;
                    ++replies;
                });
            }
        });
    std::vector<stepfn::execution> executions;
    for (int i = 0; i < 100; ++i) {
        auto e = engine.start(machine, json{{"i", i}});
        REQUIRE(e);
        executions.push_back(*e);
    }
    hub.shutdown();
    stop = true;
    for (auto& t : pollers) t.join();
    // Polls still waiting on their timers are answered by shutdown; later ones at once.
    for (int round = 0; round < 3000 && replies.load() != polls.load(); ++round)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CHECK(replies == polls);
    CHECK(hub.waiting_polls() == 0);
    // Tasks handed to pollers are never answered: they time out (TimeoutSeconds 1).
    for (auto& e : executions) {
        e.join();
        CHECK(e.status() != stepfn::execution_status::running);
    }
    CHECK(tokens <= 100);
}
} // namespace activity_hub_test
