// The API server's operations endpoints: GET /metrics (Prometheus text from a real engine's
// registry, checked against the format's grammar), /healthz and /readyz.

#include <stepfn/integrations/api_server.hpp>

#include "catch.hpp"
#include "prometheus_checker.hpp"
#include "server/server_client.hpp"

#include <atomic>
#include <memory>
#include <string>

#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/observe/metrics_registry.hpp>
#include <stepfn/observe/prometheus.hpp>

namespace operations_test {

namespace {

void no_calls(std::string_view, std::string, stepfn::api_caller, stepfn::api_reply_handler reply) {
    reply(stepfn::api_error_reply(500, "InternalFailure", "not used"));
}

stepfn_test::http_reply get(stepfn_test::http_test_client& client, const std::string& path, const std::string& method = "GET") {
    REQUIRE(client.send(method + " " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto reply = client.read_reply();
    REQUIRE(reply);
    return *reply;
}

} // namespace

TEST_CASE("api_server: GET /metrics serves an engine's metrics in Prometheus's format", "[server][metrics]") {
    auto metrics = std::make_shared<stepfn::metrics_registry>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options engine_options;
    engine_options.metrics = metrics;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, engine_options);
    auto machine = stepfn::load_machine(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"End":true}}})");
    REQUIRE(machine);
    for (int i = 0; i < 2; ++i) {
        auto e = engine.start(*machine);
        REQUIRE(e);
        (void)e->wait();
    }

    stepfn::api_server_options options;
    options.port = 0;
    options.metrics = [metrics] { return stepfn::to_prometheus(*metrics); };
    std::atomic<bool> ready{false};
    options.ready = [&ready] { return ready.load(); };
    stepfn::api_server server(no_calls, options);
    REQUIRE(server.start());
    stepfn_test::http_test_client client;
    REQUIRE(client.connect(server.port()));

    auto scrape = get(client, "/metrics");
    CHECK(scrape.status == 200);
    CHECK(scrape.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
    auto parsed = prom_check::check(scrape.body);
    INFO(scrape.body);
    for (const auto& e : parsed.errors) FAIL_CHECK(e);
    CHECK(parsed.value("stepfn_executions_succeeded_total", {{"state_machine", machine->name()}}) == 2);
    CHECK(parsed.value("stepfn_execution_time_seconds_sum", {{"state_machine", machine->name()}}) == 6);

    CHECK(get(client, "/healthz").status == 200);
    CHECK(get(client, "/readyz").status == 503);
    ready = true;
    CHECK(get(client, "/readyz").status == 200);
    CHECK(get(client, "/metrics", "POST").status == 405);
    // Still the API at POST /, still 404 elsewhere.
    CHECK(get(client, "/other").status == 404);
}

TEST_CASE("api_server: without a metrics source GET /metrics is 404 and /readyz is ready", "[server][metrics]") {
    stepfn::api_server_options options;
    options.port = 0;
    stepfn::api_server server(no_calls, options);
    REQUIRE(server.start());
    stepfn_test::http_test_client client;
    REQUIRE(client.connect(server.port()));
    CHECK(get(client, "/metrics").status == 404);
    CHECK(get(client, "/readyz").status == 200);
    CHECK(get(client, "/healthz?verbose=1").status == 200);
}

TEST_CASE("api_server: a request's traceparent header reaches the handler", "[server][tracing]") {
    stepfn::api_server_options options;
    options.port = 0;
    stepfn::api_server server(
        [](std::string_view, std::string, stepfn::api_caller caller, stepfn::api_reply_handler reply) {
            const std::string* trace = caller.header("traceparent");
            reply(stepfn::api_reply{200, stepfn::json{{"traceparent", trace ? *trace : std::string()}}.dump()});
        },
        options);
    REQUIRE(server.start());
    stepfn_test::http_test_client client;
    REQUIRE(client.connect(server.port()));
    REQUIRE(client.send(stepfn_test::api_request("ListActivities", "{}",
                                                 "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n")));
    auto reply = client.read_reply();
    REQUIRE(reply);
    CHECK(stepfn::json::parse(reply->body)["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    REQUIRE(client.send(stepfn_test::api_request("ListActivities", "{}")));
    reply = client.read_reply();
    REQUIRE(reply);
    CHECK(stepfn::json::parse(reply->body)["traceparent"] == "");
}
} // namespace operations_test
