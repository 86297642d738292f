// The API server's operations endpoints: GET /metrics (Prometheus text from a real engine's
// registry, checked against the format's grammar), /healthz and /readyz.

#include <stepfn/integrations/api_server.hpp>
#include <stepfn/integrations/auth_handler.hpp>

#include "catch.hpp"
#include "prometheus_checker.hpp"
#include "server/server_client.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

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

stepfn_test::http_reply get(stepfn_test::http_test_client& client, const std::string& path, const std::string& method = "GET",
                            const std::string& headers = "") {
    REQUIRE(client.send(method + " " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n"));
    auto reply = client.read_reply();
    REQUIRE(reply);
    return *reply;
}

// Bearer tokens "scraper" and "intruder" are callers; any other token fails authentication.
stepfn::result<stepfn::principal> token_authenticator(const stepfn::api_caller& caller, std::string_view) {
    const std::string* header = caller.header("authorization");
    if (!header) return stepfn::make_error("MissingAuthenticationTokenException", "Missing Authentication Token");
    if (*header != "Bearer scraper" && *header != "Bearer intruder")
        return stepfn::make_error("UnrecognizedClientException", "The security token included in the request is invalid");
    stepfn::principal who;
    who.id = header->substr(7);
    who.authenticated_by = "oidc";
    return who;
}

// Allows stepfn:GetMetrics to "scraper" only, and records what it was asked.
struct scraper_only final : stepfn::authorizer {
    mutable std::vector<std::string> asked;
    using stepfn::authorizer::authorize;
    stepfn::result<void> authorize(const stepfn::principal& who, const stepfn::access_request& request) const override {
        asked.push_back(who.id + " " + request.action + " " + request.resource);
        if (who.id == "scraper" && request.action == "stepfn:GetMetrics") return {};
        return stepfn::make_error(stepfn::access_denied, "User: " + who.id + " is not authorized to perform: " + request.action);
    }
};

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
TEST_CASE("api_server: GET /metrics without metrics_access is for loopback callers only", "[server][metrics][auth]") {
    stepfn::api_server_options options;
    options.metrics = [] { return std::string("up 1\n"); };
    // Through the server: the test client is on loopback.
    options.port = 0;
    stepfn::api_server server(no_calls, options);
    REQUIRE(server.start());
    stepfn_test::http_test_client client;
    REQUIRE(client.connect(server.port()));
    auto local = get(client, "/metrics");
    CHECK(local.status == 200);
    CHECK(local.body == "up 1\n");
    // A caller from elsewhere, as the connection would describe it.
    auto remote = stepfn::detail::metrics_reply(options, stepfn::api_caller{"192.0.2.10:40000"});
    CHECK(remote.status == 403);
    CHECK(remote.body.find("AccessDeniedException") != std::string::npos);
    CHECK(remote.body.find("up 1") == std::string::npos);
    CHECK(stepfn::detail::metrics_reply(options, stepfn::api_caller{"[::1]:40000"}).status == 200);
    CHECK(stepfn::detail::metrics_reply(options, stepfn::api_caller{"[::ffff:192.0.2.10]:1"}).status == 403);
}

TEST_CASE("metrics_access_rule: loopback only without an authenticator; with one, authenticated and allowed stepfn:GetMetrics",
          "[server][metrics][auth]") {
    auto loopback = stepfn::metrics_access_rule(nullptr, nullptr);
    CHECK(loopback(stepfn::api_caller{"127.0.0.1:5000"}));
    CHECK(loopback(stepfn::api_caller{"[::1]:5000"}));
    auto refused = loopback(stepfn::api_caller{"10.1.2.3:5000"});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().name == "AccessDeniedException");

    // A scraper's token lets its holder in from anywhere; a wrong one is no pass.
    auto with_token = stepfn::metrics_access_rule(nullptr, nullptr, "s3cr3t-scraper-token-0001");
    stepfn::api_caller scraper{"10.1.2.3:5000"};
    scraper.headers.emplace_back("authorization", "Bearer s3cr3t-scraper-token-0001");
    CHECK(with_token(scraper));
    scraper.headers.back().second = "Bearer s3cr3t-scraper-token-0002";
    CHECK_FALSE(with_token(scraper));
    scraper.headers.back().second = "Bearer s3cr3t-scraper-token-000";
    CHECK_FALSE(with_token(scraper));
    scraper.headers.back().second = "s3cr3t-scraper-token-0001";
    CHECK_FALSE(with_token(scraper));
    CHECK(with_token(stepfn::api_caller{"127.0.0.1:1"}));  // loopback still

    auto policies = std::make_shared<scraper_only>();
    stepfn::api_server_options options;
    options.port = 0;
    options.metrics = [] { return std::string("stepfn_up 1\n"); };
    options.metrics_access = stepfn::metrics_access_rule(token_authenticator, policies);
    stepfn::api_server server(no_calls, options);
    REQUIRE(server.start());
    stepfn_test::http_test_client client;
    REQUIRE(client.connect(server.port()));
    // Loopback is no pass once the server authenticates.
    auto anonymous = get(client, "/metrics");
    CHECK(anonymous.status == 401);
    CHECK(anonymous.body.find("MissingAuthenticationTokenException") != std::string::npos);
    CHECK(get(client, "/metrics", "GET", "Authorization: Bearer forged\r\n").status == 401);
    auto denied = get(client, "/metrics", "GET", "Authorization: Bearer intruder\r\n");
    CHECK(denied.status == 403);
    CHECK(denied.body.find("AccessDeniedException") != std::string::npos);
    CHECK(denied.body.find("stepfn_up") == std::string::npos);
    auto allowed = get(client, "/metrics", "GET", "Authorization: Bearer scraper\r\n");
    CHECK(allowed.status == 200);
    CHECK(allowed.body == "stepfn_up 1\n");
    CHECK(policies->asked == std::vector<std::string>{"intruder stepfn:GetMetrics *", "scraper stepfn:GetMetrics *"});
    // Liveness and readiness stay open: they say up or not, nothing more.
    CHECK(get(client, "/healthz").status == 200);
    CHECK(get(client, "/readyz").status == 200);
}
} // namespace operations_test
