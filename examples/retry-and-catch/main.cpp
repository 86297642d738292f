// A service that calls two in-process dependencies, one of them flaky, and lets the workflow
// recover declaratively: Retry with back-off for transient errors, Catch for a decline.
// Runs on a virtual clock, so the back-off waits take no real time.
#include <atomic>
#include <cstdio>

#include <stepfn/load/loader.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/virtual_clock.hpp>

namespace {

const char* const definition = R"({
  "Comment": "Reserve stock, then charge; retry the flaky payment service, compensate on decline",
  "StartAt": "Reserve",
  "States": {
    "Reserve": {
      "Type": "Task", "Resource": "inventory:reserve",
      "Parameters": {"sku.$": "$.sku", "qty.$": "$.qty"},
      "ResultPath": "$.reservation", "Next": "Charge"
    },
    "Charge": {
      "Type": "Task", "Resource": "payments:charge",
      "Parameters": {"amount.$": "$.amount", "reservation.$": "$.reservation.id"},
      "ResultSelector": {"receipt.$": "$.receipt"},
      "ResultPath": "$.payment",
      "Retry": [{"ErrorEquals": ["Payments.Unavailable"], "IntervalSeconds": 2, "BackoffRate": 2, "MaxAttempts": 4}],
      "Catch": [{"ErrorEquals": ["Payments.Declined"], "ResultPath": "$.error", "Next": "Release"}],
      "Next": "Done"
    },
    "Release": {
      "Type": "Task", "Resource": "inventory:release",
      "Parameters": {"reservation.$": "$.reservation.id"}, "ResultPath": null, "Next": "Declined"
    },
    "Declined": {"Type": "Fail", "Error": "Order.Declined", "CausePath": "$.error.Cause"},
    "Done": {"Type": "Succeed"}
  }
})";

} // namespace

int main() {
    auto machine = stepfn::load_machine(definition);
    if (!machine) {
        std::fprintf(stderr, "%s\n", machine.error().cause.c_str());
        return 2;
    }
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    auto history = std::make_shared<stepfn::memory_sink>();
    stepfn::engine_options options;
    options.history = history;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, options);

    engine.invokers().add("inventory:reserve", stepfn::make_invoker([](const stepfn::json& in) {
        return stepfn::json{{"id", "res-" + in["sku"].get<std::string>()}};
    }));
    engine.invokers().add("inventory:release", stepfn::make_invoker([](const stepfn::json&) { return stepfn::json(); }));
    // Unavailable twice, then it works; amounts over 1000 are declined.
    std::atomic<int> calls{0};
    engine.invokers().add("payments:charge", stepfn::make_invoker([&calls](const stepfn::json& in) -> stepfn::json {
        if (++calls <= 2) throw stepfn::task_error("Payments.Unavailable", "503 from payments");
        if (in["amount"].get<double>() > 1000) throw stepfn::task_error("Payments.Declined", "limit exceeded");
        return {{"receipt", "rcpt-" + std::to_string(calls.load())}, {"gateway", "internal"}};
    }));

    int exit_code = 0;
    for (double amount : {250.0, 5000.0}) {
        calls = 0;
        auto run = engine.start(*machine, {{"sku", "book-42"}, {"qty", 1}, {"amount", amount}});
        if (!run) return 2;
        const auto started = clock.now();
        auto result = run->wait();
        const auto waited = std::chrono::duration_cast<std::chrono::seconds>(clock.now() - started).count();
        std::printf("amount %.0f: %s %s after %d calls to payments, %lld s of virtual back-off\n", amount,
                    stepfn::to_string(run->status()),
                    result ? result->dump().c_str() : (result.error().name + " (" + result.error().cause + ")").c_str(),
                    calls.load(), static_cast<long long>(waited));
        if (amount < 1000 && !result) exit_code = 1;
        if (amount > 1000 && (result || result.error().name != "Order.Declined")) exit_code = 1;
    }
    return exit_code;
}
