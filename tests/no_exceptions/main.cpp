// Built with -fno-exceptions: the umbrella header and the testing toolkit compile without
// exceptions, and a workflow with a Task, a Retry, a Catch and a callable invoker runs to the
// expected end. (The YAML front end needs exceptions and is not included; docs/embedding.md.)
#include <cstdio>
#include <string>

#include <stepfn/stepfn.hpp>
#include <stepfn/testing/harness.hpp>

#if STEPFN_HAS_EXCEPTIONS
#error "tests/no_exceptions must be compiled with -fno-exceptions"
#endif

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "no_exceptions: FAILED: %s\n", what);
        ++failures;
    }
}

const char* const definition = R"({
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task", "Resource": "charge",
      "Retry": [{"ErrorEquals": ["Payment.Timeout"], "IntervalSeconds": 60, "MaxAttempts": 2}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}],
      "ResultPath": "$.charge", "Next": "Done"
    },
    "Refund": {"Type": "Pass", "Result": "refunded", "ResultPath": "$.refund", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})";

} // namespace

int main() {
    // The testing toolkit: mocks by state name and virtual time.
    auto test = stepfn::testing::workflow_test::from_text(definition);
    expect(test.has_value(), "the definition loads");
    if (!test) return 1;
    test->mock("Charge").throws("Payment.Timeout").times(3);
    auto caught = test->run(stepfn::json{{"order", 7}});
    expect(caught.succeeded(), "three timeouts end in the Catch and then Done");
    expect(caught.output.value("refund", "") == "refunded", "the Catch went to Refund");
    expect(caught.history.expect_attempts("Charge", 3).passed, "the Retry made three attempts");

    // The engine with a callable invoker whose errors are values.
    auto machine = stepfn::load_machine(definition);
    expect(machine.has_value(), "load_machine");
    if (!machine) return 1;
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::manual_engine engine(executor, clock);
    engine.invokers().add("charge", stepfn::make_invoker([](const stepfn::json& in) -> stepfn::result<stepfn::json> {
        if (in.value("order", 0) == 7) return stepfn::json{{"charged", true}};
        return stepfn::make_error("Payment.Declined", "no such order");
    }));
    auto run = engine.start(*machine, stepfn::json{{"order", 7}});
    expect(run.has_value(), "start");
    if (!run) return 1;
    auto out = run->wait();
    expect(out && (*out)["charge"] == stepfn::json{{"charged", true}}, "the invoker's result is in $.charge");

    if (failures == 0) std::printf("no_exceptions: passed\n");
    return failures == 0 ? 0 : 1;
}
