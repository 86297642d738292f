#include <stepfn/integrations/http_task.hpp>

#include "catch.hpp"
#include "servers/invoker_probe.hpp"
#include "servers/test_server.hpp"

#include <stepfn/history/memory_sink.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace http_task_test {

namespace {

using stepfn::json;
using stepfn_test::invoke_once;
using stepfn_test::request_for;

const char* const arn = "arn:aws:events:us-east-1:123456789012:connection/Test/1";

stepfn::result<json> call(stepfn::http_task_invoker& invoker, json parameters,
                          std::chrono::milliseconds deadline = std::chrono::milliseconds(0)) {
    auto request = request_for(stepfn::http_task_resource, std::move(parameters));
    if (deadline.count() > 0) request.deadline = std::chrono::system_clock::now() + deadline;
    auto out = invoke_once(invoker, request);
    if (!out) return stepfn::make_error("test", "no outcome in time");
    return *out;
}

stepfn::http_connection connection(const std::string& text) {
    auto c = stepfn::parse_http_connection(json::parse(text));
    REQUIRE(c);
    return *c;
}

} // namespace

TEST_CASE("HTTP Task: the request from Parameters, the result as AWS shapes it", "[http][http-task]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    auto client = std::make_shared<stepfn::http_client>();
    stepfn::http_task_invoker invoker(client);

    SECTION("GET with QueryParameters and Headers") {
        auto r = call(invoker, json{{"ApiEndpoint", server.url("/echo")},
                                    {"Method", "GET"},
                                    {"Headers", {{"X-Request", "abc"}, {"X-Number", 7}}},
                                    {"QueryParameters", {{"q", "a b&c"}, {"page", 2}}}});
        REQUIRE(r);
        CHECK((*r)["StatusCode"] == 200);
        CHECK((*r)["StatusText"] == "OK");
        CHECK((*r)["Headers"]["Content-Type"] == json::array({"application/json"}));
        const json& echo = (*r)["ResponseBody"];
        CHECK(echo["method"] == "GET");
        CHECK(echo["query"] == "q=a%20b%26c&page=2");
        CHECK(echo["headers"]["x-request"] == "abc");
        CHECK(echo["headers"]["x-number"] == "7");
    }
    SECTION("a JSON RequestBody") {
        auto r = call(invoker, json{{"ApiEndpoint", server.url("/echo")}, {"Method", "POST"}, {"RequestBody", {{"order", 1}}}});
        REQUIRE(r);
        CHECK((*r)["ResponseBody"]["json"] == json{{"order", 1}});
        CHECK((*r)["ResponseBody"]["headers"]["content-type"] == "application/json; charset=UTF-8");
    }
    SECTION("a URL_ENCODED RequestBody with each ArrayFormat") {
        const json body = {{"array", {"a", "b", "c"}}, {"x", "1 2"}};
        const std::pair<const char*, const char*> cases[] = {
            {"INDICES", "array%5B0%5D=a&array%5B1%5D=b&array%5B2%5D=c&x=1%202"},
            {"REPEAT", "array=a&array=b&array=c&x=1%202"},
            {"COMMAS", "array=a%2Cb%2Cc&x=1%202"},
            {"BRACKETS", "array%5B%5D=a&array%5B%5D=b&array%5B%5D=c&x=1%202"},
        };
        for (const auto& [format, expected] : cases) {
            auto r = call(invoker, json{{"ApiEndpoint", server.url("/echo")},
                                        {"Method", "POST"},
                                        {"RequestBody", body},
                                        {"Transform",
                                         {{"RequestBodyEncoding", "URL_ENCODED"}, {"RequestEncodingOptions", {{"ArrayFormat", format}}}}}});
            REQUIRE(r);
            INFO(format);
            CHECK((*r)["ResponseBody"]["body"] == expected);
            CHECK((*r)["ResponseBody"]["headers"]["content-type"] == "application/x-www-form-urlencoded");
        }
        auto indices_by_default = call(invoker, json{{"ApiEndpoint", server.url("/echo")}, {"Method", "POST"},
                                                     {"RequestBody", body}, {"Transform", {{"RequestBodyEncoding", "URL_ENCODED"}}}});
        REQUIRE(indices_by_default);
        CHECK((*indices_by_default)["ResponseBody"]["body"] == "array%5B0%5D=a&array%5B1%5D=b&array%5B2%5D=c&x=1%202");
    }
    SECTION("a body that is not JSON is a string") {
        auto r = call(invoker, json{{"ApiEndpoint", server.url("/text")}, {"Method", "GET"}});
        REQUIRE(r);
        CHECK((*r)["ResponseBody"] == "hello");
    }
    SECTION("a redirect is followed") {
        auto r = call(invoker, json{{"ApiEndpoint", server.url("/redirect")}, {"Method", "GET"}});
        REQUIRE(r);
        CHECK((*r)["ResponseBody"]["path"] == "/echo");
    }
}

TEST_CASE("HTTP Task: AWS's errors", "[http][http-task]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    auto client = std::make_shared<stepfn::http_client>();
    stepfn::http_task_options options;
    options.cap = std::chrono::milliseconds(500);  // AWS's 60 s, shortened for the test
    stepfn::http_task_invoker invoker(client, options);

    SECTION("a non-2xx status: States.Http.StatusCode.<code>, the response in the cause") {
        for (int code : {400, 404, 429, 500, 503}) {
            auto r = call(invoker, json{{"ApiEndpoint", server.url("/status/" + std::to_string(code))}, {"Method", "GET"}});
            REQUIRE_FALSE(r);
            CHECK(r.error().name == "States.Http.StatusCode." + std::to_string(code));
            auto cause = json::parse(r.error().cause);
            CHECK(cause["StatusCode"] == code);
            CHECK(cause["ResponseBody"]["message"] == "status " + std::to_string(code));
        }
    }
    SECTION("a closed connection, and nothing listening: States.Http.Socket") {
        auto closed = call(invoker, json{{"ApiEndpoint", server.url("/close")}, {"Method", "GET"}});
        REQUIRE_FALSE(closed);
        CHECK(closed.error().name == "States.Http.Socket");
        auto refused = call(invoker, json{{"ApiEndpoint", "http://127.0.0.1:1/x"}, {"Method", "GET"}});
        REQUIRE_FALSE(refused);
        CHECK(refused.error().name == "States.Http.Socket");
    }
    SECTION("no answer within the cap: States.Http.Socket; within TimeoutSeconds: States.Timeout") {
        auto capped = call(invoker, json{{"ApiEndpoint", server.url("/hang")}, {"Method", "GET"}});
        REQUIRE_FALSE(capped);
        CHECK(capped.error().name == "States.Http.Socket");
        auto timed_out = call(invoker, json{{"ApiEndpoint", server.url("/hang")}, {"Method", "GET"}}, std::chrono::milliseconds(200));
        REQUIRE_FALSE(timed_out);
        CHECK(timed_out.error().name == "States.Timeout");
    }
    SECTION("a response over 256 KiB") {
        auto r = call(invoker, json{{"ApiEndpoint", server.url("/big?bytes=300000")}, {"Method", "GET"}});
        REQUIRE_FALSE(r);
        CHECK(r.error().name == "States.DataLimitExceeded");
    }
    SECTION("malformed Parameters: States.Runtime saying what") {
        const std::pair<json, const char*> cases[] = {
            {json{{"Method", "GET"}}, "ApiEndpoint"},
            {json{{"ApiEndpoint", "ftp://x"}, {"Method", "GET"}}, "ApiEndpoint"},
            {json{{"ApiEndpoint", server.url("/echo")}, {"Method", "FETCH"}}, "Method"},
            {json{{"ApiEndpoint", server.url("/echo")}, {"Method", "GET"}, {"Headers", {{"Host", "evil"}}}}, "Host"},
            {json{{"ApiEndpoint", server.url("/echo")}, {"Method", "GET"}, {"Headers", {{"X-Amz-Date", "1"}}}}, "X-Amz-Date"},
            {json{{"ApiEndpoint", server.url("/echo")}, {"Method", "POST"}, {"RequestBody", "text"},
                  {"Transform", {{"RequestBodyEncoding", "URL_ENCODED"}}}},
             "URL_ENCODED"},
            {json{{"ApiEndpoint", server.url("/echo")}, {"Method", "GET"}, {"Authentication", {{"ConnectionArn", "arn:unknown"}}}},
             "arn:unknown"},
        };
        for (const auto& [parameters, mentioned] : cases) {
            auto r = call(invoker, parameters);
            REQUIRE_FALSE(r);
            CHECK(r.error().name == "States.Runtime");
            CHECK_THAT(r.error().cause, Catch::Matchers::Contains(mentioned));
        }
    }
}

TEST_CASE("HTTP Task: connections add credentials that never show in results or errors", "[http][http-task][secrets]") {
    stepfn_test::test_server server;
    stepfn_test::test_server other;
    REQUIRE(server.up());
    REQUIRE(other.up());
    auto client = std::make_shared<stepfn::http_client>();
    stepfn::http_task_invoker invoker(client);

    SECTION("basic") {
        invoker.add_connection(arn, connection(R"({"AuthorizationType": "BASIC",
            "AuthParameters": {"BasicAuthParameters": {"Username": "client", "Password": "pa55word"}}})"));
        auto r = call(invoker, json{{"ApiEndpoint", server.url("/echo")}, {"Method", "GET"}, {"Authentication", {{"ConnectionArn", arn}}}});
        REQUIRE(r);
        CHECK((*r)["ResponseBody"]["headers"]["authorization"] == "Basic Y2xpZW50OnBhNTV3b3Jk");
        auto failed = call(invoker, json{{"ApiEndpoint", server.url("/status/500")}, {"Method", "GET"},
                                         {"Authentication", {{"ConnectionArn", arn}}}});
        REQUIRE_FALSE(failed);
        CHECK(failed.error().cause.find("pa55word") == std::string::npos);
        CHECK(failed.error().cause.find("Y2xpZW50OnBhNTV3b3Jk") == std::string::npos);
    }
    SECTION("API key, with invocation parameters; a redirect to another origin carries none of them") {
        invoker.add_connection(arn, connection(R"({"AuthorizationType": "API_KEY",
            "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": "k-123"},
              "InvocationHttpParameters": {"HeaderParameters": [{"Key": "X-Tenant", "Value": "acme"}],
                                           "QueryStringParameters": [{"Key": "region", "Value": "eu"}],
                                           "BodyParameters": [{"Key": "source", "Value": "stepfn"}]}}})"));
        auto r = call(invoker, json{{"ApiEndpoint", server.url("/echo")}, {"Method", "POST"}, {"RequestBody", {{"a", 1}}},
                                    {"Authentication", {{"ConnectionArn", arn}}}});
        REQUIRE(r);
        const json& echo = (*r)["ResponseBody"];
        CHECK(echo["headers"]["x-api-key"] == "k-123");
        CHECK(echo["headers"]["x-tenant"] == "acme");
        CHECK(echo["query"] == "region=eu");
        CHECK(echo["json"] == json{{"a", 1}, {"source", "stepfn"}});

        auto moved = call(invoker, json{{"ApiEndpoint", server.url("/redirect-other?port=" + std::to_string(other.port()))},
                                        {"Method", "GET"}, {"Authentication", {{"ConnectionArn", arn}}}});
        REQUIRE(moved);
        CHECK((*moved)["ResponseBody"]["path"] == "/echo");
        CHECK_FALSE((*moved)["ResponseBody"]["headers"].contains("x-api-key"));
        CHECK_FALSE((*moved)["ResponseBody"]["headers"].contains("x-tenant"));
    }
    SECTION("OAuth client credentials: the token is fetched once and cached") {
        invoker.add_connection(arn, connection(R"({"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
            "AuthParameters": {"OAuthParameters": {"AuthorizationEndpoint": ")" + server.url("/oauth/token") + R"(",
              "HttpMethod": "POST", "ClientParameters": {"ClientID": "client", "ClientSecret": "secret"}}}})"));
        for (int i = 0; i < 3; ++i) {
            auto r = call(invoker, json{{"ApiEndpoint", server.url("/bearer")}, {"Method", "GET"}, {"Authentication", {{"ConnectionArn", arn}}}});
            REQUIRE(r);
            CHECK((*r)["ResponseBody"]["authorized"] == "tok-1");
        }
        CHECK(invoker.oauth_fetches() == 1);
    }
    SECTION("OAuth with a wrong secret fails without saying the secret") {
        invoker.add_connection(arn, connection(R"({"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
            "AuthParameters": {"OAuthParameters": {"AuthorizationEndpoint": ")" + server.url("/oauth/token") + R"(",
              "HttpMethod": "POST", "ClientParameters": {"ClientID": "client", "ClientSecret": "wr0ng-s3cret"}}}})"));
        auto r = call(invoker, json{{"ApiEndpoint", server.url("/bearer")}, {"Method", "GET"}, {"Authentication", {{"ConnectionArn", arn}}}});
        REQUIRE_FALSE(r);
        CHECK(r.error().name == "States.TaskFailed");
        CHECK_THAT(r.error().cause, Catch::Matchers::Contains("answered 401"));
        CHECK(r.error().cause.find("wr0ng-s3cret") == std::string::npos);
    }
    SECTION("a secret read from the environment") {
        setenv("STEPFN_TEST_API_KEY", "from-env", 1);
        invoker.add_connection(arn, connection(R"({"AuthorizationType": "API_KEY",
            "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": {"Env": "STEPFN_TEST_API_KEY"}}}})"));
        auto r = call(invoker, json{{"ApiEndpoint", server.url("/echo")}, {"Method", "GET"}, {"Authentication", {{"ConnectionArn", arn}}}});
        REQUIRE(r);
        CHECK((*r)["ResponseBody"]["headers"]["x-api-key"] == "from-env");
        auto missing = stepfn::parse_http_connection(json::parse(R"({"AuthorizationType": "API_KEY",
            "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "X", "ApiKeyValue": {"Env": "STEPFN_TEST_UNSET_VARIABLE"}}}})"));
        REQUIRE_FALSE(missing);
        CHECK_THAT(missing.error().cause, Catch::Matchers::Contains("STEPFN_TEST_UNSET_VARIABLE"));
    }
}

TEST_CASE("HTTP Task: an engine runs it with Retry on a status, Catch, and no secret in the history",
          "[http][http-task][engine]") {
    stepfn_test::test_server server;
    REQUIRE(server.up());
    auto client = std::make_shared<stepfn::http_client>();
    auto invoker = stepfn::make_http_task_invoker(client);
    invoker->add_connection(arn, connection(R"({"AuthorizationType": "BASIC",
        "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "hist0ry-secret"}}})"));
    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    auto sink = std::make_shared<stepfn::memory_sink>();
    stepfn::engine_options options;
    options.history = sink;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock, options);
    engine.invokers().add(stepfn::http_task_resource, invoker);

    auto machine = stepfn::load_machine(R"({
      "StartAt": "Get",
      "States": {
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {"ApiEndpoint.$": "$.url", "Method": "POST", "RequestBody": {"id.$": "$.id"},
                               "Authentication": {"ConnectionArn": ")" + std::string(arn) + R"("}},
                "ResultSelector": {"status.$": "$.StatusCode", "sent.$": "$.ResponseBody"},
                "ResultPath": "$.got", "Next": "Unavailable"},
        "Unavailable": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {"ApiEndpoint.$": "$.down", "Method": "GET",
                               "Authentication": {"ConnectionArn": ")" + std::string(arn) + R"("}},
                "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}], "End": true},
        "Done": {"Type": "Succeed"}
      }})");
    REQUIRE(machine);
    auto e = engine.start(*machine, json{{"url", server.url("/json")}, {"down", server.url("/status/503")}, {"id", 9}});
    REQUIRE(e);
    REQUIRE(stepfn_test::wait_done(*e));
    auto out = e->outcome();
    REQUIRE(out);
    CHECK((*out)["got"] == json{{"status", 200}, {"sent", {{"id", 9}}}});
    CHECK((*out)["error"]["Error"] == "States.Http.StatusCode.503");
    // (The /json route sends back only the body; /echo would echo the credential itself.)
    std::string history;
    for (const auto& ev : sink->events(e->arn())) history += stepfn::to_json(ev).dump();
    CHECK_THAT(history, Catch::Matchers::Contains("TaskScheduled"));
    CHECK(history.find("hist0ry-secret") == std::string::npos);
    CHECK(history.find("dTpoaXN0MHJ5LXNlY3JldA") == std::string::npos);  // the Basic credential
}
} // namespace http_task_test
