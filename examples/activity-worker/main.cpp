// The in-process activity worker of docs/activities.md: an engine whose activity Task waits for a
// worker thread that takes it with GetActivityTask and answers with SendTaskSuccess, through
// stepfn::activity_hub (what `stepfn serve` puts on HTTP for workers in other languages).
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <stepfn/api/activity_hub.hpp>
#include <stepfn/store/memory_store.hpp>
#include <stepfn/stepfn.hpp>

using stepfn::json;

int main() {
    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    // The hub waits on the clock, and the engine holds tasks' handles in it: declared between
    // them, it is destroyed after the engine and before the clock.
    stepfn::activity_hub hub(std::make_shared<stepfn::memory_store>(), clock);
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock);
    engine.invokers().add_prefix(hub.activity_prefix(), hub.invoker());

    auto created = hub.create_activity({{"name", "resize"}});
    if (!created) return std::fprintf(stderr, "%s\n", created.error().message.c_str()), 1;
    const std::string arn = (*created)["activityArn"];

    auto machine = stepfn::load_machine(R"({"StartAt": "Resize", "States": {"Resize": {
        "Type": "Task", "Resource": ")" + arn + R"(",
        "Parameters": {"image.$": "$.key", "width": 640},
        "TimeoutSeconds": 60, "HeartbeatSeconds": 30, "End": true}}})");
    if (!machine) return 2;

    // The worker: poll, work, answer. A poll answers `{}` after 60 s without a task.
    std::thread worker([&hub, arn] {
        for (int polls = 0; polls < 3; ++polls) {
            std::promise<stepfn::api_reply> answered;
            auto reply = answered.get_future();
            hub.get_activity_task({{"activityArn", arn}, {"workerName", "cpp-worker"}},
                                  [&answered](stepfn::api_reply r) { answered.set_value(std::move(r)); });
            json task = json::parse(reply.get().body);
            if (!task.contains("taskToken")) continue;
            json input = json::parse(task["input"].get<std::string>());
            json output = {{"image", input["image"]}, {"width", input["width"]}, {"resized", true}};
            hub.send_task_success({{"taskToken", task["taskToken"]}, {"output", output.dump()}});
            return;
        }
    });

    auto execution = engine.start(*machine, {{"key", "cat.png"}});
    if (!execution) return 3;
    auto result = execution->wait();
    worker.join();
    if (!result) return std::printf("FAILED %s: %s\n", result.error().name.c_str(), result.error().cause.c_str()), 4;
    std::printf("SUCCEEDED %s\n", result->dump().c_str());
    return 0;
}
