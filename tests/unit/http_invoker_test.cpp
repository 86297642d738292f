#include <stepfn/integrations/http_invoker.hpp>

#include "catch.hpp"
#include "servers/invoker_probe.hpp"
#include "servers/test_server.hpp"

#include <stepfn/load/loader.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>

namespace http_invoker_test {

namespace {

using stepfn::json;
using stepfn_test::invoke_once;
using stepfn_test::request_for;

stepfn::http_endpoint endpoint(const std::string& url) {
    stepfn::http_endpoint e;
    e.url = url;
    e.timeout = std::chrono::seconds(10);
    return e;
}

// Threads of this process, from /proc (Linux).
std::size_t thread_count() {
    std::size_t n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* entry = readdir(d))
            if (entry->d_name[0] != '.') ++n;
        closedir(d);
    }
    return n;
}

} // namespace

TEST_CASE("http invoker: the input is POSTed as JSON and the JSON response is the result", "[http][invoker]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    auto client = std::make_shared<stepfn::http_client>();
    stepfn::http_invoker invoker(client, endpoint(server.url("/echo")));

    auto request = request_for("orders", json{{"order", 42}, {"items", {1, 2}}});
    request.attempt = 2;
    request.task_token = "token-1";
    auto out = invoke_once(invoker, request);
    REQUIRE(out);
    REQUIRE(*out);
    const json& echo = **out;
    CHECK(echo["method"] == "POST");
    CHECK(echo["json"] == json{{"order", 42}, {"items", {1, 2}}});
    CHECK(echo["headers"]["content-type"] == "application/json");
    CHECK(echo["headers"]["stepfn-attempt"] == "2");
    CHECK(echo["headers"]["stepfn-state-name"] == "Call");
    CHECK(echo["headers"]["stepfn-task-token"] == "token-1");
    CHECK(echo["headers"]["stepfn-execution-arn"] == request.execution_id);
    CHECK_FALSE(echo["headers"].contains("traceparent"));
}

TEST_CASE("http invoker: traceparent is sent when the host gives one", "[http][invoker]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    auto client = std::make_shared<stepfn::http_client>();
    auto e = endpoint(server.url("/echo"));
    e.traceparent = [](const stepfn::task_request& r) {
        return r.state_name == "Call" ? "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" : "";
    };
    stepfn::http_invoker invoker(client, e);
    auto out = invoke_once(invoker, request_for("x", json::object()));
    REQUIRE(out);
    REQUIRE(*out);
    CHECK((**out)["headers"]["traceparent"] == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
}

TEST_CASE("http invoker: every failure is a named error", "[http][invoker]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    auto client = std::make_shared<stepfn::http_client>();
    auto call = [&](const std::string& path) {
        stepfn::http_invoker invoker(client, endpoint(server.url(path)));
        auto out = invoke_once(invoker, request_for("svc", json{{"a", 1}}));
        REQUIRE(out);
        return *out;
    };

    SECTION("4xx and 5xx statuses") {
        for (int code : {400, 401, 403, 404, 409, 429, 500, 502, 503, 504}) {
            auto r = call("/status/" + std::to_string(code));
            REQUIRE_FALSE(r);
            CHECK(r.error().name == "States.Http.StatusCode." + std::to_string(code));
            CHECK_THAT(r.error().cause, Catch::Matchers::Contains("status " + std::to_string(code)));
        }
    }
    SECTION("a JSON error object names the error, with a 2xx or a failing status") {
        for (const char* path : {"/error-object", "/error-object/500"}) {
            auto r = call(path);
            REQUIRE_FALSE(r);
            CHECK(r.error().name == "Custom.Error");
            CHECK(r.error().cause == "from the server");
        }
    }
    SECTION("a 2xx body that is not JSON") {
        auto r = call("/text");
        REQUIRE_FALSE(r);
        CHECK(r.error().name == "States.TaskFailed");
        CHECK_THAT(r.error().cause, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("a server that closes the connection without answering") {
        auto r = call("/close");
        REQUIRE_FALSE(r);
        CHECK(r.error().name == "States.Http.Socket");
    }
    SECTION("nothing listening") {
        stepfn::http_invoker invoker(client, endpoint("http://127.0.0.1:1/none"));
        auto out = invoke_once(invoker, request_for("svc", json::object()));
        REQUIRE(out);
        REQUIRE_FALSE(*out);
        CHECK(out->error().name == "States.Http.Socket");
        CHECK_THAT(out->error().cause, Catch::Matchers::Contains("127.0.0.1:1"));
    }
    SECTION("a response over the limit") {
        auto e = endpoint(server.url("/big?bytes=5000"));
        e.max_response_bytes = 1000;
        stepfn::http_invoker invoker(client, e);
        auto out = invoke_once(invoker, request_for("svc", json::object()));
        REQUIRE(out);
        REQUIRE_FALSE(*out);
        CHECK(out->error().name == "States.DataLimitExceeded");
    }
}

TEST_CASE("http invoker: slow bodies, redirects and prefixes", "[http][invoker]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    auto client = std::make_shared<stepfn::http_client>();

    SECTION("a body that arrives in pieces") {
        stepfn::http_invoker invoker(client, endpoint(server.url("/slow-body")));
        auto out = invoke_once(invoker, request_for("svc", json::object()));
        REQUIRE(out);
        REQUIRE(*out);
        CHECK(**out == json{{"slow", {1, 2, 3}}});
    }
    SECTION("a redirect is followed") {
        stepfn::http_invoker invoker(client, endpoint(server.url("/redirect")));
        auto out = invoke_once(invoker, request_for("svc", json{{"k", "v"}}));
        REQUIRE(out);
        REQUIRE(*out);
        CHECK((**out)["path"] == "/echo");
    }
    SECTION("a redirect is a 3xx failure when following is off") {
        auto e = endpoint(server.url("/redirect"));
        e.follow_redirects = false;
        stepfn::http_invoker invoker(client, e);
        auto out = invoke_once(invoker, request_for("svc", json::object()));
        REQUIRE(out);
        REQUIRE_FALSE(*out);
        CHECK(out->error().name == "States.Http.StatusCode.302");
    }
    SECTION("under a prefix, the rest of the resource extends the URL") {
        auto e = endpoint(server.url("/"));
        e.prefix = "svc:";
        stepfn::http_invoker invoker(client, e);
        auto out = invoke_once(invoker, request_for("svc:echo", json::object()));
        REQUIRE(out);
        REQUIRE(*out);
        CHECK((**out)["path"] == "/echo");
    }
}

TEST_CASE("http invoker: a server that never answers times out, or is cancelled", "[http][invoker][cancel]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    auto client = std::make_shared<stepfn::http_client>();
    stepfn::http_invoker invoker(client, endpoint(server.url("/hang")));

    SECTION("the Task's deadline bounds the request") {
        auto request = request_for("svc", json::object());
        request.deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(300);
        auto out = invoke_once(invoker, request);
        REQUIRE(out);
        REQUIRE_FALSE(*out);
        CHECK(out->error().name == "States.Timeout");
    }
    SECTION("cancelling the attempt aborts the request") {
        auto target = std::make_shared<stepfn_test::probe_target>();
        invoker.invoke(request_for("svc", json::object()), stepfn::task_completion(target));
        // Bounded: the request is in flight once the loop took it.
        for (int i = 0; i < 200 && client->in_flight() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        CHECK(client->in_flight() == 1);
        target->cancel();
        auto out = target->wait(std::chrono::seconds(5));
        REQUIRE(out);
        REQUIRE_FALSE(*out);
        CHECK(out->error().name == "stepfn.Http.Cancelled");
        CHECK(client->in_flight() == 0);
    }
    SECTION("destroying the client fails what is outstanding") {
        auto target = std::make_shared<stepfn_test::probe_target>();
        {
            auto own = std::make_shared<stepfn::http_client>();
            stepfn::http_invoker local(own, endpoint(server.url("/hang")));
            local.invoke(request_for("svc", json::object()), stepfn::task_completion(target));
        }
        auto out = target->wait(std::chrono::seconds(5));
        REQUIRE(out);
        REQUIRE_FALSE(*out);
        CHECK(out->error().name == "stepfn.Http.Shutdown");
    }
}

TEST_CASE("http invoker: TLS with the test CA, and mutual TLS", "[http][invoker][tls]") {
    const std::string& certs = stepfn_test::certificates();
    REQUIRE_FALSE(certs.empty());
    auto client = std::make_shared<stepfn::http_client>();

    SECTION("server TLS: trusted through the CA file, refused without it") {
        stepfn_test::test_server server({"--cert", certs + "/server.pem", "--key", certs + "/server.key"});
        REQUIRE(server.up());
        auto e = endpoint(server.url("/echo", true));
        e.tls.ca_file = certs + "/ca.pem";
        stepfn::http_invoker trusted(client, e);
        auto out = invoke_once(trusted, request_for("svc", json{{"tls", true}}));
        REQUIRE(out);
        REQUIRE(*out);
        CHECK((**out)["json"] == json{{"tls", true}});

        stepfn::http_invoker untrusted(client, endpoint(server.url("/echo", true)));  // the system store
        auto refused = invoke_once(untrusted, request_for("svc", json::object()));
        REQUIRE(refused);
        REQUIRE_FALSE(*refused);
        CHECK(refused->error().name == "States.Http.Socket");
    }
    SECTION("mutual TLS: the client certificate is accepted; none, or another CA's, is refused") {
        stepfn_test::test_server server({"--cert", certs + "/server.pem", "--key", certs + "/server.key", "--client-ca",
                                         certs + "/ca.pem"});
        REQUIRE(server.up());
        auto e = endpoint(server.url("/echo", true));
        e.tls.ca_file = certs + "/ca.pem";
        e.tls.client_certificate = certs + "/client.pem";
        e.tls.client_key = certs + "/client.key";
        stepfn::http_invoker with_cert(client, e);
        auto out = invoke_once(with_cert, request_for("svc", json{{"mtls", 1}}));
        REQUIRE(out);
        REQUIRE(*out);
        CHECK((**out)["json"] == json{{"mtls", 1}});

        auto without = endpoint(server.url("/echo", true));
        without.tls.ca_file = certs + "/ca.pem";
        stepfn::http_invoker no_cert(client, without);
        auto refused = invoke_once(no_cert, request_for("svc", json::object()));
        REQUIRE(refused);
        REQUIRE_FALSE(*refused);
        CHECK(refused->error().name == "States.Http.Socket");

        auto rogue = without;
        rogue.tls.client_certificate = certs + "/rogue.pem";
        rogue.tls.client_key = certs + "/rogue.key";
        stepfn::http_invoker rogue_cert(client, rogue);
        auto refused_too = invoke_once(rogue_cert, request_for("svc", json::object()));
        REQUIRE(refused_too);
        REQUIRE_FALSE(*refused_too);
        CHECK(refused_too->error().name == "States.Http.Socket");
    }
}

TEST_CASE("http invoker: an engine runs Tasks against a real server, with Retry, Catch and TimeoutSeconds",
          "[http][invoker][engine]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    auto client = std::make_shared<stepfn::http_client>();
    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock);
    engine.invokers().add("echo", stepfn::make_http_invoker(client, endpoint(server.url("/json"))));
    engine.invokers().add("flaky", stepfn::make_http_invoker(client, endpoint(server.url("/status/503"))));
    engine.invokers().add("hang", stepfn::make_http_invoker(client, endpoint(server.url("/hang"))));

    auto machine = stepfn::load_machine(R"({
      "StartAt": "Echo",
      "States": {
        "Echo": {"Type": "Task", "Resource": "echo", "Parameters": {"n.$": "$.n"}, "ResultPath": "$.echo", "Next": "Flaky"},
        "Flaky": {"Type": "Task", "Resource": "flaky",
                  "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Hang"}], "End": true},
        "Hang": {"Type": "Task", "Resource": "hang", "TimeoutSeconds": 1,
                 "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Done"}], "End": true},
        "Done": {"Type": "Succeed"}
      }})");
    INFO((machine ? std::string() : machine.error().cause));
    REQUIRE(machine);
    auto e = engine.start(*machine, json{{"n", 7}});
    REQUIRE(e);
    REQUIRE(stepfn_test::wait_done(*e));
    auto out = e->outcome();
    REQUIRE(out);
    CHECK((*out)["echo"] == json{{"n", 7}});
    CHECK((*out)["caught"]["Error"] == "States.Http.StatusCode.503");
    CHECK((*out)["timeout"]["Error"] == "States.Timeout");
    // The timed-out request was aborted, not left running.
    for (int i = 0; i < 200 && client->in_flight() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(client->in_flight() == 0);
}

TEST_CASE("http invoker: many waiting requests share the client's one thread", "[http][invoker][concurrency]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    stepfn::http_client_options options;
    options.max_connections_per_host = 64;
    auto client = std::make_shared<stepfn::http_client>(options);
    stepfn::http_invoker invoker(client, endpoint(server.url("/hang")));
    const std::size_t before = thread_count();
    std::vector<std::shared_ptr<stepfn_test::probe_target>> targets;
    for (int i = 0; i < 50; ++i) {
        targets.push_back(std::make_shared<stepfn_test::probe_target>());
        invoker.invoke(request_for("svc", json{{"i", i}}), stepfn::task_completion(targets.back()));
    }
    for (int i = 0; i < 400 && client->in_flight() < 50; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(client->in_flight() == 50);
    CHECK(thread_count() == before);  // no thread per request
    for (auto& t : targets) t->cancel();
    for (auto& t : targets) {
        auto out = t->wait(std::chrono::seconds(5));
        REQUIRE(out);
        CHECK_FALSE(*out);
    }
}
} // namespace http_invoker_test
