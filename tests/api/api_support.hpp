#pragma once

// A step_functions_api over two manual engines on one virtual clock (the standard one durable
// on a memory_store), and call(): one action, its reply parsed. Deterministic: nothing runs
// unless settle() runs it.

#include <memory>
#include <mutex>
#include <vector>
#include <optional>
#include <string>

#include "catch.hpp"

#include <stepfn/api/step_functions_api.hpp>
#include <stepfn/stepfn.hpp>
#include <stepfn/store/memory_store.hpp>

namespace api_test {

struct answer {
    unsigned status = 0;
    stepfn::json body;
    std::string type() const { return body.is_object() ? body.value("__type", "") : ""; }
};

inline stepfn::engine_options durable_options(const std::shared_ptr<stepfn::memory_store>& store) {
    stepfn::engine_options o;
    o.store = store;
    o.seed = 7;
    return o;
}

inline stepfn::engine_options express_options() {
    stepfn::engine_options o;
    o.seed = 11;
    return o;
}

// Sends a callback task's message: records its token; the task then waits for it.
class token_sender final : public stepfn::task_invoker {
public:
    void invoke(stepfn::task_request request, stepfn::task_completion done) override {
        {
            std::lock_guard<std::mutex> lock(mutex);
            tokens.push_back(request.task_token);
        }
        done.succeed(stepfn::json{{"MessageId", "m-1"}});
    }
    std::string last() {
        std::lock_guard<std::mutex> lock(mutex);
        return tokens.empty() ? std::string() : tokens.back();
    }
    std::mutex mutex;
    std::vector<std::string> tokens;
};

inline const char* callback_resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken";

struct fixture {
    explicit fixture(stepfn::api_options options = {})
        : store(std::make_shared<stepfn::memory_store>()),
          standard(executor, clock, durable_options(store)),
          express(executor, clock, express_options()),
          api(standard, express, with_store(std::move(options), store)) {
        standard.invokers().add(callback_resource, sender);
        express.invokers().add(callback_resource, sender);
    }

    static stepfn::api_options with_store(stepfn::api_options o, const std::shared_ptr<stepfn::memory_store>& s) {
        if (!o.resources) o.resources = s;
        return o;
    }

    // Runs what is runnable, moving virtual time on while nothing is, until `done` or idle.
    template <class Done>
    void settle(Done done) {
        for (int i = 0; i < 100000 && !done(); ++i) {
            if (executor.run() > 0) continue;
            if (!clock.advance_to_next()) break;
        }
    }
    void settle() {
        settle([] { return false; });
    }

    // One call; the reply may come later (StartSyncExecution): the engines run until it does.
    answer call_text(const std::string& action, std::string body) {
        auto got = std::make_shared<std::optional<stepfn::api_reply>>();
        api.handle(action, std::move(body), stepfn::api_caller{"127.0.0.1:1"}, [got](stepfn::api_reply r) { *got = std::move(r); });
        settle([&] { return got->has_value(); });
        REQUIRE(got->has_value());
        answer a;
        a.status = (*got)->status;
        a.body = stepfn::json::parse((*got)->body, nullptr, false);
        REQUIRE(!a.body.is_discarded());
        return a;
    }
    answer call(const std::string& action, const stepfn::json& request) { return call_text(action, request.dump()); }

    // A machine created (asserting it was), its ARN returned.
    std::string create(const std::string& name, const stepfn::json& definition, const std::string& type = "STANDARD") {
        stepfn::json r = {{"name", name}, {"definition", definition.dump()}, {"roleArn", role}, {"type", type}};
        auto a = call("CreateStateMachine", r);
        REQUIRE(a.status == 200);
        return a.body["stateMachineArn"].get<std::string>();
    }

    const std::string role = "arn:aws:iam::123456789012:role/stepfn";
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    std::shared_ptr<stepfn::memory_store> store;
    stepfn::manual_engine standard;
    stepfn::manual_engine express;
    stepfn::step_functions_api api;
    std::shared_ptr<token_sender> sender = std::make_shared<token_sender>();
};

inline stepfn::json pass_machine() {
    return stepfn::json::parse(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"done":true},"ResultPath":"$.r","End":true}}})");
}

inline stepfn::json fail_machine() {
    return stepfn::json::parse(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Broken","Cause":"on purpose"}}})");
}

inline stepfn::json callback_machine() {
    return stepfn::json::parse(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters":{"token.$":"$$.Task.Token"},"HeartbeatSeconds":60,"End":true}}})");
}

} // namespace api_test
