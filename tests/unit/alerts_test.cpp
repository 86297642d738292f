// Alert rules over the engine's metrics, evaluated on the virtual clock: failure rates with
// hysteresis, timeouts, a task's p99, executions making no progress; rules from JSON; hooks.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <cstdio>

#include <stepfn/history/fanout_sink.hpp>
#include <stepfn/observe/alert_evaluator.hpp>

namespace alerts_test {

namespace {

using namespace std::chrono_literals;

struct alerting {
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    std::shared_ptr<stepfn::metrics_registry> metrics = std::make_shared<stepfn::metrics_registry>();
    std::shared_ptr<stepfn::progress_tracker> progress = std::make_shared<stepfn::progress_tracker>();
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine;
    std::vector<stepfn::alert_event> events;
    std::shared_ptr<stepfn::alert_evaluator> alerts;

    explicit alerting(std::vector<stepfn::alert_rule> rules) : engine(executor, clock, options(metrics, progress)) {
        alerts = std::make_shared<stepfn::alert_evaluator>(
            metrics, std::move(rules), [this](const stepfn::alert_event& e) { events.push_back(e); }, progress);
        REQUIRE(alerts->run_every(clock, 60s));
    }
    static stepfn::engine_options options(std::shared_ptr<stepfn::metrics_registry> m, std::shared_ptr<stepfn::progress_tracker> p) {
        stepfn::engine_options o;
        o.metrics = std::move(m);
        o.history = std::move(p);
        o.seed = 3;
        return o;
    }
    double seconds() const { return std::chrono::duration<double>(clock.now() - stepfn::virtual_clock::default_start()).count(); }
    // Moves virtual time on to `t` seconds from the start, running what becomes runnable.
    void until(double t) {
        for (int i = 0; i < 100000; ++i) {
            while (executor.run_one()) {
            }
            if (seconds() >= t) return;
            if (!clock.advance_to_next()) return;
        }
    }
    stepfn::execution_status run(const stepfn::state_machine& m, json input = json::object()) {
        auto e = engine.start(m, std::move(input));
        REQUIRE(e);
        (void)e->wait();
        return e->status();
    }
};

stepfn::alert_rule rule(std::string name, stepfn::alert_kind kind, double threshold) {
    stepfn::alert_rule r;
    r.name = std::move(name);
    r.kind = kind;
    r.threshold = threshold;
    return r;
}

} // namespace

TEST_CASE("alerts: a failure rate fires, holds while near the threshold, and resolves", "[alerts]") {
    auto r = rule("flaky-failing", stepfn::alert_kind::failure_rate, 0.5);
    r.window_seconds = 300;
    r.min_count = 2;
    r.resolve_after = 2;
    alerting a({r});
    auto machine = load(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"F"}],
        "Default":"S"},"F":{"Type":"Fail","Error":"Bad"},"S":{"Type":"Succeed"}}})");
    for (int i = 0; i < 3; ++i) CHECK(a.run(machine, {{"fail", true}}) == stepfn::execution_status::failed);
    a.until(60);
    REQUIRE(a.events.size() == 1);
    CHECK(a.events[0].firing);
    CHECK(a.events[0].rule == "flaky-failing");
    CHECK(a.events[0].labels == std::vector<std::pair<std::string, std::string>>{{"state_machine", machine.name()}});
    CHECK(a.events[0].value == 1.0);
    CHECK(a.events[0].at - stepfn::virtual_clock::default_start() == 60s);
    CHECK(a.alerts->firing().size() == 1);
    // Three successes: the window's rate is 0.5, not over the threshold, but above 0.4 (the
    // resolving level): it keeps firing.
    for (int i = 0; i < 3; ++i) CHECK(a.run(machine, {{"fail", false}}) == stepfn::execution_status::succeeded);
    a.until(300);
    CHECK(a.events.size() == 1);
    // From 360 s the failures are out of the window; two clear evaluations in a row resolve it.
    a.until(420);
    REQUIRE(a.events.size() == 2);
    CHECK_FALSE(a.events[1].firing);
    CHECK(a.events[1].at - stepfn::virtual_clock::default_start() == 420s);
    CHECK(a.alerts->firing().empty());
}

TEST_CASE("alerts: executions timing out, and a task's p99 over a bound", "[alerts]") {
    auto timeouts = rule("timeouts", stepfn::alert_kind::timeouts, 0);
    auto p99 = rule("slow-charge", stepfn::alert_kind::task_p99, 45);
    p99.window_seconds = 600;
    alerting a({timeouts, p99});
    a.engine.invokers().add("charge", std::make_shared<lambda_invoker>([&a](stepfn::task_request, stepfn::task_completion done) {
        // Answers 40 s later, on the virtual clock.
        auto held = std::make_shared<stepfn::task_completion>(std::move(done));
        a.clock.schedule_at(a.clock.now() + 40s, [held]() { held->complete(json::object()); });
    }));
    auto slow = load(R"({"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}})");
    CHECK(a.run(slow) == stepfn::execution_status::timed_out);
    auto task = load(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"charge","End":true}}})");
    CHECK(a.run(task) == stepfn::execution_status::succeeded);
    a.until(60);
    REQUIRE(a.events.size() == 2);
    for (const auto& e : a.events) {
        CHECK(e.firing);
        if (e.rule == "timeouts") {
            CHECK(e.value == 1);
            CHECK(e.labels[0] == std::pair<std::string, std::string>{"state_machine", slow.name()});
        } else {
            CHECK(e.rule == "slow-charge");
            CHECK(e.value == 60);  // 40 s falls in the bucket up to 60 s
            CHECK(e.labels[0] == std::pair<std::string, std::string>{"resource", "charge"});
        }
    }
}

TEST_CASE("alerts: an execution making no progress fires, and resolves when it ends", "[alerts]") {
    auto stuck = rule("stuck", stepfn::alert_kind::no_progress, 300);
    stuck.resolve_after = 1;
    alerting a({stuck});
    auto waiting = load(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1000,"End":true}}})");
    auto e = a.engine.start(waiting);
    REQUIRE(e);
    a.until(300);
    CHECK(a.events.empty());  // idle for 300 s: not longer than the bound
    a.until(360);
    REQUIRE(a.events.size() == 1);
    CHECK(a.events[0].labels[0] == std::pair<std::string, std::string>{"execution", e->arn()});
    CHECK(a.events[0].value == 360);
    a.until(1020);
    CHECK(e->done());
    REQUIRE(a.events.size() == 2);
    CHECK_FALSE(a.events[1].firing);
}

TEST_CASE("alerts: rules from JSON, with every problem named", "[alerts]") {
    auto rules = stepfn::parse_alert_rules(json::parse(R"({"rules":[
        {"name":"orders","type":"failure_rate","match":"orders","window_seconds":120,"threshold":0.2,"min_count":5},
        {"name":"tasks","type":"failure_baseline","by":"resource","baseline_seconds":7200,"factor":4},
        {"name":"p99","type":"task_p99","threshold":2.5}]})"));
    REQUIRE(rules);
    REQUIRE(rules->size() == 3);
    CHECK((*rules)[0].match == "orders");
    CHECK((*rules)[0].min_count == 5);
    CHECK((*rules)[1].kind == stepfn::alert_kind::failure_baseline);
    CHECK((*rules)[1].by == "resource");
    CHECK((*rules)[2].by == "resource");
    auto bad = stepfn::parse_alert_rules(json::parse(R"({"rules":[{"type":"sometimes","threshold":-1,"colour":"red"},
        {"name":"b","type":"failure_baseline","window_seconds":600,"baseline_seconds":60}]})"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().name == "InvalidAlertRules");
    for (const char* part : {"rules[0] needs a \"name\"", "\"sometimes\"", "rules[0].threshold", "\"colour\"",
                             "rules[1].baseline_seconds must be longer"})
        CHECK_THAT(bad.error().cause, Catch::Matchers::Contains(part));
    CHECK_FALSE(stepfn::parse_alert_rules(json::array()));
}

TEST_CASE("alerts: a failure rate far above its baseline; a command hook gets JSON lines", "[alerts]") {
    auto spike = rule("spike", stepfn::alert_kind::failure_baseline, 0.3);
    spike.window_seconds = 120;
    spike.baseline_seconds = 1200;
    spike.factor = 1.5;
    alerting a({spike});
    auto machine = load(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"F"}],
        "Default":"S"},"F":{"Type":"Fail","Error":"Bad"},"S":{"Type":"Succeed"}}})");
    // A baseline of one failure in ten.
    for (int i = 0; i < 10; ++i) a.run(machine, {{"fail", i == 0}});
    a.until(600);
    CHECK(a.events.empty());  // 0.1: under the threshold
    for (int i = 0; i < 4; ++i) a.run(machine, {{"fail", i < 3}});  // 3 of 4 fail now
    a.until(660);
    REQUIRE(a.events.size() == 1);
    CHECK(a.events[0].value == 0.75);

    const std::string path = "alerts_test_hook.jsonl";
    std::remove(path.c_str());
    auto hook = stepfn::command_alert_hook("cat >> " + path);
    hook(a.events[0]);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    REQUIRE(f);
    char buf[2048];
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    std::remove(path.c_str());
    auto line = json::parse(std::string(buf, n));
    CHECK(line["rule"] == "spike");
    CHECK(line["status"] == "firing");
    CHECK(line["labels"]["state_machine"] == machine.name());
}
} // namespace alerts_test
