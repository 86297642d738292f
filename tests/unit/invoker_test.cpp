#include "catch.hpp"

#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/tasks/invoker_registry.hpp>
#include <stepfn/tasks/task_invoker.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace invoker_test_file {

namespace invoker_test {

using stepfn::json;

// Records what an invoker completes an attempt with, as the engine's side would.
class recording_target final : public stepfn::detail::completion_target {
public:
    void complete(stepfn::result<json> outcome) override {
        std::lock_guard lock(mutex_);
        ++completions_;
        if (!outcome_) outcome_ = std::move(outcome);
        changed_.notify_all();
    }
    void heartbeat() override { ++heartbeats_; }
    bool cancelled() const override { return cancelled_; }
    void on_cancel(std::function<void()> handler) override { cancel_handler_ = std::move(handler); }

    bool done() const {
        std::lock_guard lock(mutex_);
        return outcome_.has_value();
    }
    stepfn::result<json> outcome() const {
        std::lock_guard lock(mutex_);
        return outcome_ ? *outcome_ : stepfn::make_error("test", "not completed");
    }
    int completions() const {
        std::lock_guard lock(mutex_);
        return completions_;
    }
    bool wait(std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) const {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return outcome_.has_value(); });
    }

    std::atomic<int> heartbeats_{0};
    bool cancelled_ = false;
    std::function<void()> cancel_handler_;

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::optional<stepfn::result<json>> outcome_;
    int completions_ = 0;
};

stepfn::task_request request_with(json input) {
    stepfn::task_request request;
    request.resource = "arn:aws:lambda:us-east-1:123456789012:function:Test";
    request.input = std::move(input);
    request.execution_id = "arn:aws:states:us-east-1:123456789012:execution:M:e1";
    request.execution_name = "e1";
    request.state_name = "Charge";
    return request;
}

// Invokes and returns the recorded outcome (waiting for asynchronous completions).
stepfn::result<json> run(stepfn::task_invoker& invoker, json input) {
    auto target = std::make_shared<recording_target>();
    invoker.invoke(request_with(std::move(input)), stepfn::task_completion(target));
    REQUIRE(target->wait());
    return target->outcome();
}

void check_error(const stepfn::result<json>& outcome, const std::string& name, const std::string& cause) {
    REQUIRE_FALSE(outcome.has_value());
    CHECK(outcome.error().name == name);
    CHECK(outcome.error().cause == cause);
}

// An invoker that only says which one it is.
class named_invoker final : public stepfn::task_invoker {
public:
    explicit named_invoker(std::string invoker_name) : name(std::move(invoker_name)) {}
    void invoke(stepfn::task_request, stepfn::task_completion done) override { done.succeed(name); }
    std::string name;
};

std::shared_ptr<named_invoker> named(std::string name) {
    return std::make_shared<named_invoker>(std::move(name));
}

std::string which(const stepfn::invoker_registry& registry, std::string_view resource) {
    auto found = registry.find(resource);
    if (!found) return "none";
    return static_cast<named_invoker&>(*found).name;
}

} // namespace invoker_test

namespace invoker_test_shop {
struct order {
    std::string id;
    int quantity = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(order, id, quantity)

struct receipt {
    std::string order_id;
    int total = 0;
    NLOHMANN_DEFINE_TYPE_INTRUSIVE(receipt, order_id, total)
};

// A type with its own from_json/to_json for the ordered value type directly.
struct point {
    int x = 0;
    int y = 0;
};
inline void to_json(stepfn::json& j, const point& p) { j = stepfn::json{{"y", p.y}, {"x", p.x}}; }
inline void from_json(const stepfn::json& j, point& p) {
    j.at("x").get_to(p.x);
    j.at("y").get_to(p.y);
}
} // namespace invoker_test_shop

using namespace invoker_test;

TEST_CASE("registry: exact beats the longest prefix, which beats the default", "[invoker]") {
    stepfn::invoker_registry registry;
    CHECK(registry.find("arn:aws:lambda:us-east-1:1:function:A") == nullptr);

    registry.set_default(named("default"));
    registry.add_prefix("arn:aws:", named("aws"));
    registry.add_prefix("arn:aws:lambda:", named("lambda"));
    registry.add_prefix("arn:aws:lambda:us-east-1:1:function:", named("account-functions"));
    registry.add("arn:aws:lambda:us-east-1:1:function:A", named("A"));

    CHECK(which(registry, "arn:aws:lambda:us-east-1:1:function:A") == "A");
    CHECK(which(registry, "arn:aws:lambda:us-east-1:1:function:B") == "account-functions");
    CHECK(which(registry, "arn:aws:lambda:eu-west-1:2:function:C") == "lambda");
    CHECK(which(registry, "arn:aws:states:::sqs:sendMessage") == "aws");
    CHECK(which(registry, "my-local-resource") == "default");
    // An exact registration is not a prefix.
    CHECK(which(registry, "arn:aws:lambda:us-east-1:1:function:AB") == "account-functions");
    CHECK(which(registry, "") == "default");

    SECTION("prefixes registered in any order still pick the longest") {
        stepfn::invoker_registry other;
        other.add_prefix("a:b:c", named("abc"));
        other.add_prefix("a", named("a"));
        other.add_prefix("a:b", named("ab"));
        CHECK(which(other, "a:b:c:d") == "abc");
        CHECK(which(other, "a:b:x") == "ab");
        CHECK(which(other, "a:x") == "a");
        CHECK(which(other, "b") == "none");
    }
    SECTION("registering again replaces, nullptr removes") {
        registry.add("arn:aws:lambda:us-east-1:1:function:A", named("A2"));
        CHECK(which(registry, "arn:aws:lambda:us-east-1:1:function:A") == "A2");
        registry.add("arn:aws:lambda:us-east-1:1:function:A", nullptr);
        CHECK(which(registry, "arn:aws:lambda:us-east-1:1:function:A") == "account-functions");
        registry.add_prefix("arn:aws:lambda:us-east-1:1:function:", nullptr);
        CHECK(which(registry, "arn:aws:lambda:us-east-1:1:function:A") == "lambda");
        registry.add_prefix("arn:aws:lambda:", named("lambda2"));
        CHECK(which(registry, "arn:aws:lambda:us-east-1:1:function:A") == "lambda2");
        registry.set_default(nullptr);
        CHECK(which(registry, "other") == "none");
        registry.clear();
        CHECK(which(registry, "arn:aws:lambda:x") == "none");
    }
    SECTION("the resource is matched as written, suffixes included") {
        registry.add("arn:aws:states:::lambda:invoke", named("invoke"));
        CHECK(which(registry, "arn:aws:states:::lambda:invoke") == "invoke");
        CHECK(which(registry, "arn:aws:states:::lambda:invoke.waitForTaskToken") == "aws");
    }
}

TEST_CASE("registry: concurrent finds while registering", "[invoker][concurrency]") {
    stepfn::invoker_registry registry;
    registry.add_prefix("p:", named("prefix"));
    registry.set_default(named("default"));
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
        readers.emplace_back([&] {
            while (!stop.load()) {
                auto name = which(registry, "p:fixed");
                if (name != "prefix" && name != "fixed") ++wrong;
                if (which(registry, "q:anything") != "default") ++wrong;
            }
        });
    }
    for (int i = 0; i < 2000; ++i) {
        registry.add("p:" + std::to_string(i), named("n" + std::to_string(i)));
        if (i == 1000) registry.add("p:fixed", named("fixed"));
    }
    stop.store(true);
    for (auto& r : readers) r.join();
    CHECK(wrong.load() == 0);
    CHECK(which(registry, "p:1999") == "n1999");
    CHECK(which(registry, "p:fixed") == "fixed");
}

TEST_CASE("make_invoker: json(const json&) returns the result", "[invoker]") {
    auto invoker = stepfn::make_invoker([](const json& in) { return json{{"doubled", in["n"].get<int>() * 2}}; });
    auto outcome = run(*invoker, json{{"n", 21}});
    REQUIRE(outcome.has_value());
    CHECK(*outcome == json{{"doubled", 42}});
}

TEST_CASE("make_invoker: json(json) by value, a free function, a generic lambda", "[invoker]") {
    auto by_value = stepfn::make_invoker([](json in) {
        in["seen"] = true;
        return in;
    });
    CHECK(*run(*by_value, json{{"a", 1}}) == json{{"a", 1}, {"seen", true}});

    json (*free_function)(const json&) = [](const json& in) { return json::array({in, in}); };
    CHECK(*run(*stepfn::make_invoker(free_function), 7) == json::array({7, 7}));

    auto generic = stepfn::make_invoker([](const auto& in) { return json{{"type", std::string(in.type_name())}}; });
    CHECK(*run(*generic, "x") == json{{"type", "string"}});

    auto nothing = stepfn::make_invoker([](const json&) {});
    CHECK(run(*nothing, 1)->is_null());
}

TEST_CASE("make_invoker: std::function, mutable and noexcept callables, result<void>", "[invoker]") {
    std::function<json(const json&)> function = [](const json& in) { return json::array({in}); };
    CHECK(*run(*stepfn::make_invoker(function), 1) == json::array({1}));

    auto counter = stepfn::make_invoker([count = 0](const json&) mutable { return ++count; });
    CHECK(*run(*counter, {}) == 1);
    CHECK(*run(*counter, {}) == 2);

    auto quiet = stepfn::make_invoker([](const json& in) noexcept { return in; });
    CHECK(*run(*quiet, "same") == "same");

    auto checked = stepfn::make_invoker([](int n) -> stepfn::result<void> {
        if (n < 0) return stepfn::make_error("Check.Negative", "negative");
        return {};
    });
    CHECK(run(*checked, 3)->is_null());
    check_error(run(*checked, -3), "Check.Negative", "negative");
}

TEST_CASE("make_invoker: result<json> errors fail the task with their name and cause", "[invoker]") {
    auto invoker = stepfn::make_invoker([](const json& in) -> stepfn::result<json> {
        if (in.value("amount", 0) > 100) return stepfn::make_error("Payment.Declined", "over the limit");
        return json{{"charged", in["amount"]}};
    });
    CHECK(*run(*invoker, json{{"amount", 5}}) == json{{"charged", 5}});
    check_error(run(*invoker, json{{"amount", 500}}), "Payment.Declined", "over the limit");
}

TEST_CASE("make_invoker: json(const task_request&) sees the whole request", "[invoker]") {
    auto invoker = stepfn::make_invoker([](const stepfn::task_request& request) {
        return json{{"state", request.state_name},
                    {"attempt", request.attempt},
                    {"execution", request.execution_name},
                    {"input", request.input}};
    });
    auto outcome = run(*invoker, json{{"k", "v"}});
    REQUIRE(outcome.has_value());
    CHECK(*outcome == json{{"state", "Charge"}, {"attempt", 0}, {"execution", "e1"}, {"input", {{"k", "v"}}}});
}

TEST_CASE("make_invoker: typed R(A) through from_json/to_json", "[invoker]") {
    SECTION("NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE in and INTRUSIVE out") {
        auto invoker = stepfn::make_invoker([](const invoker_test_shop::order& o) { return invoker_test_shop::receipt{o.id, o.quantity * 10}; });
        auto outcome = run(*invoker, json{{"id", "o-1"}, {"quantity", 3}});
        REQUIRE(outcome.has_value());
        CHECK(*outcome == json{{"order_id", "o-1"}, {"total", 30}});
    }
    SECTION("conversions written for stepfn::json keep their key order") {
        auto invoker = stepfn::make_invoker([](invoker_test_shop::point p) {
            p.x += 1;
            return p;
        });
        auto outcome = run(*invoker, json{{"x", 1}, {"y", 2}});
        REQUIRE(outcome.has_value());
        CHECK(outcome->dump() == R"({"y":2,"x":2})");
    }
    SECTION("standard types") {
        auto invoker = stepfn::make_invoker([](const std::vector<int>& v) {
            int sum = 0;
            for (int i : v) sum += i;
            return sum;
        });
        CHECK(*run(*invoker, json::array({1, 2, 3})) == 6);
        auto strings = stepfn::make_invoker([](std::string s) { return s + "!"; });
        CHECK(*run(*strings, "hi") == "hi!");
    }
    SECTION("an input that does not convert fails with States.TaskFailed and says why") {
        auto invoker = stepfn::make_invoker([](const invoker_test_shop::order& o) { return o.quantity; });
        auto outcome = run(*invoker, json{{"id", "o-1"}});
        REQUIRE_FALSE(outcome.has_value());
        CHECK(outcome.error().name == "States.TaskFailed");
        CHECK_THAT(outcome.error().cause, Catch::Matchers::Contains("the task input could not be converted to "));
        CHECK_THAT(outcome.error().cause, Catch::Matchers::Contains("invoker_test_shop::order: "));
        CHECK_THAT(outcome.error().cause, Catch::Matchers::Contains("quantity"));

        auto numbers = stepfn::make_invoker([](int n) { return n; });
        auto wrong_type = run(*numbers, "seven");
        REQUIRE_FALSE(wrong_type.has_value());
        CHECK(wrong_type.error().name == "States.TaskFailed");
        CHECK_THAT(wrong_type.error().cause, Catch::Matchers::Contains("could not be converted to int"));
        CHECK_THAT(wrong_type.error().cause, Catch::Matchers::Contains("type must be number"));
    }
    SECTION("result<T> of a typed value") {
        auto invoker = stepfn::make_invoker([](const invoker_test_shop::order& o) -> stepfn::result<invoker_test_shop::receipt> {
            if (o.quantity == 0) return stepfn::make_error("Order.Empty", "nothing ordered");
            return invoker_test_shop::receipt{o.id, o.quantity};
        });
        CHECK(*run(*invoker, json{{"id", "a"}, {"quantity", 2}}) == json{{"order_id", "a"}, {"total", 2}});
        check_error(run(*invoker, json{{"id", "a"}, {"quantity", 0}}), "Order.Empty", "nothing ordered");
    }
}

TEST_CASE("make_invoker: exceptions from host code become ASL errors", "[invoker]") {
    auto named_error = stepfn::make_invoker([](const json&) -> json { throw stepfn::task_error("Payment.Declined", "card expired"); });
    check_error(run(*named_error, {}), "Payment.Declined", "card expired");

    auto standard = stepfn::make_invoker([](const json&) -> json { throw std::runtime_error("disk full"); });
    check_error(run(*standard, {}), "States.TaskFailed", "disk full");

    auto other = stepfn::make_invoker([](const json&) -> json { throw 42; });
    check_error(run(*other, {}), "States.TaskFailed", "unknown exception");

    auto from_json_access = stepfn::make_invoker([](const json& in) { return in.at("missing"); });
    auto outcome = run(*from_json_access, json::object());
    REQUIRE_FALSE(outcome.has_value());
    CHECK(outcome.error().name == "States.TaskFailed");
    CHECK_THAT(outcome.error().cause, Catch::Matchers::Contains("missing"));

    auto typed = stepfn::make_invoker([](const invoker_test_shop::order&) -> invoker_test_shop::receipt { throw stepfn::task_error("Typed.Failure", "typed"); });
    check_error(run(*typed, json{{"id", "a"}, {"quantity", 1}}), "Typed.Failure", "typed");

    auto request_form = stepfn::make_invoker([](const stepfn::task_request&) -> json { throw std::logic_error("bad request"); });
    check_error(run(*request_form, {}), "States.TaskFailed", "bad request");
}

TEST_CASE("make_invoker: asynchronous completion from another thread", "[invoker][concurrency]") {
    std::vector<std::thread> workers;
    std::mutex workers_mutex;
    auto invoker = stepfn::make_invoker([&](stepfn::task_request request, stepfn::task_completion done) {
        std::lock_guard lock(workers_mutex);
        workers.emplace_back([request = std::move(request), done = std::move(done)]() mutable {
            done.heartbeat();
            if (request.input.value("fail", false))
                done.fail("Async.Failed", "asked to fail");
            else
                done.succeed(json{{"echo", request.input}});
        });
    });

    auto ok_target = std::make_shared<recording_target>();
    invoker->invoke(request_with(json{{"v", 1}}), stepfn::task_completion(ok_target));
    auto fail_target = std::make_shared<recording_target>();
    invoker->invoke(request_with(json{{"fail", true}}), stepfn::task_completion(fail_target));

    REQUIRE(ok_target->wait());
    REQUIRE(fail_target->wait());
    {
        std::lock_guard lock(workers_mutex);
        for (auto& w : workers) w.join();
    }
    CHECK(*ok_target->outcome() == json{{"echo", {{"v", 1}}}});
    check_error(fail_target->outcome(), "Async.Failed", "asked to fail");
    CHECK(ok_target->heartbeats_.load() == 1);
    CHECK(ok_target->completions() == 1);
    CHECK(fail_target->completions() == 1);
}

TEST_CASE("make_invoker: asynchronous forms and their failures", "[invoker]") {
    SECTION("a dropped completion handle fails with States.TaskFailed") {
        auto invoker = stepfn::make_invoker([](stepfn::task_request, stepfn::task_completion) {});
        auto outcome = run(*invoker, {});
        REQUIRE_FALSE(outcome.has_value());
        CHECK(outcome.error().name == "States.TaskFailed");
        CHECK_THAT(outcome.error().cause, Catch::Matchers::Contains("dropped its completion handle"));
    }
    SECTION("an exception before returning reports the exception, not the dropped handle") {
        auto named_error = stepfn::make_invoker([](stepfn::task_request, stepfn::task_completion) {
            throw stepfn::task_error("Async.Named", "thrown before completing");
        });
        auto target = std::make_shared<recording_target>();
        named_error->invoke(request_with({}), stepfn::task_completion(target));
        check_error(target->outcome(), "Async.Named", "thrown before completing");
        CHECK(target->completions() == 1);

        auto standard = stepfn::make_invoker([](const stepfn::task_request&, stepfn::task_completion&&) {
            throw std::runtime_error("no connection");
        });
        check_error(run(*standard, {}), "States.TaskFailed", "no connection");

        auto other = stepfn::make_invoker([](stepfn::task_request, stepfn::task_completion) { throw 1; });
        check_error(run(*other, {}), "States.TaskFailed", "unknown exception");
    }
    SECTION("a completion before the exception wins") {
        auto invoker = stepfn::make_invoker([](stepfn::task_request, stepfn::task_completion done) {
            done.succeed("first");
            throw std::runtime_error("later");
        });
        CHECK(*run(*invoker, {}) == "first");
    }
    SECTION("a handle kept for later still completes after the callable threw") {
        std::optional<stepfn::task_completion> kept;
        auto invoker = stepfn::make_invoker([&](stepfn::task_request, stepfn::task_completion done) {
            kept.emplace(std::move(done));
            throw std::runtime_error("after storing");
        });
        auto target = std::make_shared<recording_target>();
        invoker->invoke(request_with({}), stepfn::task_completion(target));
        check_error(target->outcome(), "States.TaskFailed", "after storing");
        kept->succeed("too late");
        kept.reset();
        check_error(target->outcome(), "States.TaskFailed", "after storing");
        CHECK(target->completions() == 1);
    }
    SECTION("heartbeat, cancellation and on_cancel reach the engine") {
        std::optional<stepfn::task_completion> kept;
        auto invoker = stepfn::make_invoker([&](stepfn::task_request, stepfn::task_completion done) {
            done.heartbeat();
            done.on_cancel([] {});
            kept.emplace(std::move(done));
        });
        auto target = std::make_shared<recording_target>();
        invoker->invoke(request_with({}), stepfn::task_completion(target));
        CHECK(target->heartbeats_.load() == 1);
        CHECK(static_cast<bool>(target->cancel_handler_));
        CHECK_FALSE(kept->cancelled());
        target->cancelled_ = true;
        CHECK(kept->cancelled());
        CHECK_FALSE(target->done());
        kept->succeed(1);
        CHECK(*target->outcome() == 1);
    }
}
} // namespace invoker_test_file
