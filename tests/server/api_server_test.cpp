#include <stepfn/integrations/api_server.hpp>

#include "catch.hpp"
#include "server/server_client.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace api_server_test {

namespace {

using stepfn::json;
using stepfn_test::api_request;
using stepfn_test::http_test_client;
using namespace std::chrono_literals;

// Answers at once: {"action", "body", "caller"}.
void echo_handler(std::string_view action, std::string body, stepfn::api_caller caller, stepfn::api_reply_handler reply) {
    json out = json::object();
    out["action"] = std::string(action);
    out["body"] = body;
    out["caller"] = caller.address;
    reply(stepfn::api_reply{200, out.dump()});
}

// Keeps every call's reply handler for the test to answer later, from its own thread.
struct parked_calls {
    struct call {
        std::string action;
        std::string body;
        stepfn::api_reply_handler reply;
    };
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<call> calls;

    stepfn::api_handler handler() {
        return [this](std::string_view action, std::string body, stepfn::api_caller, stepfn::api_reply_handler reply) {
            std::lock_guard<std::mutex> lock(mutex);
            calls.push_back(call{std::string(action), std::move(body), std::move(reply)});
            changed.notify_all();
        };
    }
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 20s) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, timeout, [&] { return calls.size() >= n; });
    }
    std::vector<call> take() {
        std::lock_guard<std::mutex> lock(mutex);
        return std::exchange(calls, {});
    }
};

stepfn::api_server_options test_options() {
    stepfn::api_server_options options;
    options.port = 0;
    return options;
}

// Polls a condition every 10 ms for at most `timeout`.
template <class F>
bool eventually(F condition, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return condition();
}

bool is_uuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (s[i] == '-')) return false;
        if (!dash && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    }
    return s[14] == '4';
}

std::string error_type(const stepfn_test::http_reply& reply) {
    auto body = json::parse(reply.body, nullptr, false);
    return body.is_object() && body.contains("__type") ? body["__type"].get<std::string>() : std::string("(not an AWS error)");
}

} // namespace

TEST_CASE("api_server: a call reaches the handler and its reply carries AWS's headers", "[server]") {
    stepfn::api_server server(echo_handler, test_options());
    REQUIRE(server.start());
    REQUIRE(server.port() != 0);

    http_test_client client;
    REQUIRE(client.connect(server.port()));
    REQUIRE(client.send(api_request("StartExecution", R"({"stateMachineArn":"arn:x"})")));
    auto reply = client.read_reply();
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(reply->header("content-type") == "application/x-amz-json-1.0");
    CHECK(is_uuid(reply->header("x-amzn-requestid")));
    CHECK(reply->header("content-length") == std::to_string(reply->body.size()));
    auto body = json::parse(reply->body);
    CHECK(body["action"] == "StartExecution");
    CHECK(body["body"] == R"({"stateMachineArn":"arn:x"})");
    CHECK(body["caller"].get<std::string>().rfind("127.0.0.1:", 0) == 0);

    SECTION("application/json is accepted too, with parameters") {
        REQUIRE(client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; charset=utf-8\r\n"
                            "X-Amz-Target: AWSStepFunctions.ListStateMachines\r\nContent-Length: 2\r\n\r\n{}"));
        auto second = client.read_reply();
        REQUIRE(second);
        CHECK(second->status == 200);
        CHECK(json::parse(second->body)["action"] == "ListStateMachines");
    }
}

TEST_CASE("api_server: keep-alive serves several requests on one connection, pipelined ones in order", "[server]") {
    stepfn::api_server server(echo_handler, test_options());
    REQUIRE(server.start());
    http_test_client client;
    REQUIRE(client.connect(server.port()));
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        REQUIRE(client.send(api_request("DescribeExecution", "{\"n\":" + std::to_string(i) + "}")));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 200);
        CHECK(json::parse(json::parse(reply->body)["body"].get<std::string>())["n"] == i);
        CHECK(stepfn_test::lower(reply->header("connection")) != "close");
        ids.push_back(reply->header("x-amzn-requestid"));
    }
    CHECK(ids[0] != ids[1]);
    CHECK(server.connection_count() == 1);

    // Two requests in one write: two replies, in order.
    REQUIRE(client.send(api_request("A", "{}") + api_request("B", "{}")));
    auto a = client.read_reply();
    auto b = client.read_reply();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(json::parse(a->body)["action"] == "A");
    CHECK(json::parse(b->body)["action"] == "B");

    // Connection: close is honoured.
    REQUIRE(client.send(api_request("Last", "{}", "Connection: close\r\n")));
    auto last = client.read_reply();
    REQUIRE(last);
    CHECK(stepfn_test::lower(last->header("connection")) == "close");
    CHECK(client.closed_by_server());
}

TEST_CASE("api_server: a reply from another thread, long after the call", "[server][concurrency]") {
    parked_calls parked;
    stepfn::api_server server(parked.handler(), test_options());
    REQUIRE(server.start());
    http_test_client client;
    REQUIRE(client.connect(server.port()));
    REQUIRE(client.send(api_request("GetActivityTask", R"({"activityArn":"a"})")));
    REQUIRE(parked.wait_for(1));
    std::thread replier([&] {
        std::this_thread::sleep_for(200ms);
        auto calls = parked.take();
        calls.at(0).reply(stepfn::api_reply{200, R"({"taskToken":"t"})"});
    });
    auto reply = client.read_reply();
    replier.join();
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(reply->body == R"({"taskToken":"t"})");
    // The connection stays usable after a late reply.
    REQUIRE(client.send(api_request("GetActivityTask", "{}")));
    REQUIRE(parked.wait_for(1));
    parked.take().at(0).reply(stepfn::api_reply{400, stepfn::api_error_reply(400, "ActivityDoesNotExist", "no").body});
    auto second = client.read_reply();
    REQUIRE(second);
    CHECK(second->status == 400);
    CHECK(error_type(*second) == "ActivityDoesNotExist");
}

TEST_CASE("api_server: a reply after the client left, or after the server is gone, is dropped safely", "[server][concurrency]") {
    parked_calls parked;
    std::vector<parked_calls::call> kept;
    {
        stepfn::api_server server(parked.handler(), test_options());
        REQUIRE(server.start());
        {
            http_test_client client;
            REQUIRE(client.connect(server.port()));
            REQUIRE(client.send(api_request("GetActivityTask", "{}")));
            REQUIRE(parked.wait_for(1));
        }  // the client disconnects while its call waits
        // The waiting connection notices and goes away without a reply.
        CHECK(eventually([&] { return server.connection_count() == 0; }));
        auto calls = parked.take();
        REQUIRE(calls.size() == 1);
        calls[0].reply(stepfn::api_reply{200, "{}"});  // dropped: no connection

        // A second call whose reply outlives the server.
        http_test_client client;
        REQUIRE(client.connect(server.port()));
        REQUIRE(client.send(api_request("GetActivityTask", "{}")));
        REQUIRE(parked.wait_for(1));
        kept = parked.take();
        auto options = server.options();
        CHECK(options.port == 0);
    }  // server destroyed with the call still waiting
    REQUIRE(kept.size() == 1);
    kept[0].reply(stepfn::api_reply{200, "{}"});  // dropped: no io_context
    SUCCEED("late replies were dropped without a crash (run under ASan)");
}

TEST_CASE("api_server: 2,000 connections wait on replies at once without a thread each", "[server][concurrency]") {
    constexpr std::size_t n = 2000;
    parked_calls parked;
    auto options = test_options();
    options.threads = 2;
    stepfn::api_server server(parked.handler(), options);
    REQUIRE(server.start());
    std::vector<http_test_client> clients(n);
    for (std::size_t i = 0; i < n; ++i) {
        REQUIRE(clients[i].connect(server.port()));
        REQUIRE(clients[i].send(api_request("GetActivityTask", std::to_string(i))));
    }
    REQUIRE(parked.wait_for(n, 60s));
    CHECK(server.connection_count() == n);
    auto calls = parked.take();
    REQUIRE(calls.size() == n);
    std::thread replier([&] {
        for (auto& call : calls) call.reply(stepfn::api_reply{200, "{\"echo\":" + call.body + "}"});
    });
    std::size_t answered = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto reply = clients[i].read_reply(60s);
        if (reply && reply->status == 200 && json::parse(reply->body)["echo"] == i) ++answered;
    }
    replier.join();
    CHECK(answered == n);
}

TEST_CASE("api_server: requests that are not Step Functions calls get AWS-shaped errors", "[server]") {
    stepfn::api_server server(echo_handler, test_options());
    REQUIRE(server.start());
    http_test_client client;
    REQUIRE(client.connect(server.port()));
    auto ask = [&](const std::string& request) {
        REQUIRE(client.send(request));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->header("content-type") == "application/x-amz-json-1.0");
        CHECK(is_uuid(reply->header("x-amzn-requestid")));
        return *reply;
    };
    auto missing = ask(api_request("", "{}"));
    CHECK(missing.status == 400);
    CHECK(error_type(missing) == "UnknownOperationException");
    CHECK_THAT(missing.body, Catch::Matchers::Contains("X-Amz-Target"));

    auto other_service = ask(api_request("", "{}", "X-Amz-Target: DynamoDB_20120810.ListTables\r\n"));
    CHECK(other_service.status == 400);
    CHECK(error_type(other_service) == "UnknownOperationException");
    CHECK_THAT(other_service.body, Catch::Matchers::Contains("DynamoDB_20120810.ListTables"));

    auto no_action = ask(api_request("", "{}", "X-Amz-Target: AWSStepFunctions.\r\n"));
    CHECK(error_type(no_action) == "UnknownOperationException");

    auto form = ask("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    "X-Amz-Target: AWSStepFunctions.ListActivities\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(form.status == 400);
    CHECK(error_type(form) == "SerializationException");

    auto health = ask("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(health.status == 200);
    CHECK(json::parse(health.body)["status"] == "ok");

    auto other_path = ask("POST /2016-11-23/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    CHECK(other_path.status == 404);
    CHECK(error_type(other_path) == "UnknownOperationException");

    auto put = ask("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    CHECK(put.status == 405);
    CHECK(put.header("allow") == "GET, HEAD, POST");

    client.expect_head_reply(true);
    auto head = ask("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    client.expect_head_reply(false);

    // Every one of these kept the connection open.
    auto fine = ask(api_request("ListActivities", "{}"));
    CHECK(fine.status == 200);
    CHECK(server.connection_count() == 1);
}

TEST_CASE("api_server: a body over the limit gets 413 and the connection is closed", "[server]") {
    auto options = test_options();
    options.max_body_bytes = 1024;
    stepfn::api_server server(echo_handler, options);
    REQUIRE(server.start());

    SECTION("declared by Content-Length") {
        http_test_client client;
        REQUIRE(client.connect(server.port()));
        REQUIRE(client.send(api_request("StartExecution", std::string(5000, 'x'))));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 413);
        CHECK(error_type(*reply) == "RequestEntityTooLarge");
        CHECK(stepfn_test::lower(reply->header("connection")) == "close");
        CHECK(client.closed_by_server());
    }
    SECTION("chunked") {
        http_test_client client;
        REQUIRE(client.connect(server.port()));
        std::string chunk(800, 'y');
        REQUIRE(client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                            "X-Amz-Target: AWSStepFunctions.StartExecution\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 413);
        CHECK(client.closed_by_server());
    }
    SECTION("just under the limit is served") {
        http_test_client client;
        REQUIRE(client.connect(server.port()));
        REQUIRE(client.send(api_request("StartExecution", std::string(1024, 'z'))));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 200);
    }
    SECTION("Expect: 100-continue gets 100 Continue, then the reply") {
        http_test_client client;
        REQUIRE(client.connect(server.port()));
        std::string body = "{\"a\":1}";
        REQUIRE(client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                            "X-Amz-Target: AWSStepFunctions.StartExecution\r\nExpect: 100-continue\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n"));
        auto interim = client.read_reply();
        REQUIRE(interim);
        CHECK(interim->status == 100);
        REQUIRE(client.send(body));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 200);
    }
}

TEST_CASE("api_server: malformed HTTP and oversized headers get an error and a closed connection", "[server]") {
    auto options = test_options();
    options.max_header_bytes = 1024;
    stepfn::api_server server(echo_handler, options);
    REQUIRE(server.start());

    SECTION("garbage") {
        http_test_client client;
        REQUIRE(client.connect(server.port()));
        REQUIRE(client.send("HELLO THERE\r\n\r\n"));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 400);
        CHECK_THAT(reply->body, Catch::Matchers::Contains("malformed HTTP request"));
        CHECK(client.closed_by_server());
    }
    SECTION("a bad Content-Length") {
        http_test_client client;
        REQUIRE(client.connect(server.port()));
        REQUIRE(client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 400);
        CHECK(client.closed_by_server());
    }
    SECTION("headers over the limit") {
        http_test_client client;
        REQUIRE(client.connect(server.port()));
        REQUIRE(client.send(api_request("StartExecution", "{}", "X-Filler: " + std::string(4000, 'f') + "\r\n")));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 431);
        CHECK(client.closed_by_server());
    }
    // The server still serves others.
    http_test_client other;
    REQUIRE(other.connect(server.port()));
    REQUIRE(other.send(api_request("ListActivities", "{}")));
    auto reply = other.read_reply();
    REQUIRE(reply);
    CHECK(reply->status == 200);
}

TEST_CASE("api_server: a client sending a byte at a time is cut off by the request timeout; an idle one by the idle timeout", "[server]") {
    auto options = test_options();
    options.request_timeout = 1s;
    options.idle_timeout = 1s;
    stepfn::api_server server(echo_handler, options);
    REQUIRE(server.start());

    SECTION("slow request") {
        http_test_client slow;
        REQUIRE(slow.connect(server.port()));
        const std::string request = api_request("StartExecution", std::string(200, ' '));
        std::size_t sent = 0;
        bool cut_off = false;
        // At most 30 s (one byte per 100 ms): the server closes long before the request is whole.
        while (sent < request.size() && sent < 300) {
            if (!slow.send(request.substr(sent, 1))) {
                cut_off = true;
                break;
            }
            ++sent;
            if (slow.closed_by_server(100ms)) {
                cut_off = true;
                break;
            }
        }
        CHECK(cut_off);
        CHECK(sent < request.size());
    }
    SECTION("idle connection") {
        http_test_client idle;
        REQUIRE(idle.connect(server.port()));
        CHECK(idle.closed_by_server(20s));
    }
    CHECK(eventually([&] { return server.connection_count() == 0; }));
}

TEST_CASE("api_server: connections beyond the limit get 503 and are closed", "[server]") {
    auto options = test_options();
    options.max_connections = 3;
    stepfn::api_server server(echo_handler, options);
    REQUIRE(server.start());
    std::vector<http_test_client> clients(3);
    for (auto& client : clients) {
        REQUIRE(client.connect(server.port()));
        REQUIRE(client.send(api_request("ListActivities", "{}")));
        auto reply = client.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 200);
    }
    CHECK(server.connection_count() == 3);
    http_test_client extra;
    REQUIRE(extra.connect(server.port()));  // the kernel accepts; the server refuses
    auto refused = extra.read_reply();
    REQUIRE(refused);
    CHECK(refused->status == 503);
    CHECK(error_type(*refused) == "ServiceUnavailable");
    CHECK(extra.closed_by_server());

    clients[0].close();
    REQUIRE(eventually([&] { return server.connection_count() == 2; }));
    http_test_client again;
    REQUIRE(again.connect(server.port()));
    REQUIRE(again.send(api_request("ListActivities", "{}")));
    auto reply = again.read_reply();
    REQUIRE(reply);
    CHECK(reply->status == 200);
}

TEST_CASE("api_server: stop() lets a waiting call finish, closes idle connections, and is safe twice", "[server][concurrency]") {
    parked_calls parked;
    auto options = test_options();
    stepfn::api_server server(parked.handler(), options);
    REQUIRE(server.start());
    const auto port = server.port();

    http_test_client idle;
    REQUIRE(idle.connect(port));
    http_test_client waiting;
    REQUIRE(waiting.connect(port));
    REQUIRE(waiting.send(api_request("GetActivityTask", "{}")));
    REQUIRE(parked.wait_for(1));
    REQUIRE(eventually([&] { return server.connection_count() == 2; }));

    std::thread stopper([&] { server.stop(); });
    // Stopping: no new connections, the idle one is closed.
    CHECK(eventually([&] { return !http_test_client().connect(port); }));
    CHECK(idle.closed_by_server());
    parked.take().at(0).reply(stepfn::api_reply{200, R"({"taskToken":"late"})"});
    auto reply = waiting.read_reply();
    REQUIRE(reply);
    CHECK(reply->body == R"({"taskToken":"late"})");
    CHECK(stepfn_test::lower(reply->header("connection")) == "close");
    CHECK(waiting.closed_by_server());
    stopper.join();
    CHECK(server.connection_count() == 0);
    server.stop();  // again: nothing happens
    CHECK_FALSE(server.start());
}

TEST_CASE("api_server: stop() closes a call that does not finish within the drain time", "[server][concurrency]") {
    parked_calls parked;
    auto options = test_options();
    options.drain_timeout = 300ms;
    stepfn::api_server server(parked.handler(), options);
    REQUIRE(server.start());
    http_test_client waiting;
    REQUIRE(waiting.connect(server.port()));
    REQUIRE(waiting.send(api_request("GetActivityTask", "{}")));
    REQUIRE(parked.wait_for(1));
    server.stop();
    CHECK(waiting.closed_by_server());
    CHECK(server.connection_count() == 0);
    parked.take().at(0).reply(stepfn::api_reply{200, "{}"});  // too late: dropped
}

TEST_CASE("api_server: a handler that throws or drops its reply handler gets the client a 500", "[server]") {
    stepfn::api_server server(
        [](std::string_view action, std::string, stepfn::api_caller, stepfn::api_reply_handler reply) {
            if (action == "Throw") throw std::runtime_error("boom");
            if (action == "Drop") return;  // reply destroyed without a call
            reply(stepfn::api_reply{200, "{}"});
            reply(stepfn::api_reply{200, R"({"second":true})"});  // ignored: one reply per call
        },
        test_options());
    REQUIRE(server.start());
    http_test_client client;
    REQUIRE(client.connect(server.port()));
    REQUIRE(client.send(api_request("Throw", "{}")));
    auto thrown = client.read_reply();
    REQUIRE(thrown);
    CHECK(thrown->status == 500);
    CHECK(error_type(*thrown) == "InternalFailure");
    CHECK_THAT(thrown->body, Catch::Matchers::Contains("boom"));
    REQUIRE(client.send(api_request("Drop", "{}")));
    auto dropped = client.read_reply();
    REQUIRE(dropped);
    CHECK(dropped->status == 500);
    REQUIRE(client.send(api_request("Twice", "{}")));
    auto twice = client.read_reply();
    REQUIRE(twice);
    CHECK(twice->body == "{}");
    REQUIRE(client.send(api_request("Twice", "{}")));
    auto next = client.read_reply();
    REQUIRE(next);
    CHECK(next->body == "{}");
}

TEST_CASE("api_server: start() reports bad addresses and ports in use as errors", "[server]") {
    auto options = test_options();
    options.address = "not-an-address";
    stepfn::api_server bad(echo_handler, options);
    auto started = bad.start();
    REQUIRE_FALSE(started);
    CHECK(started.error().name == "InvalidAddress");

    stepfn::api_server first(echo_handler, test_options());
    REQUIRE(first.start());
    auto same_port = test_options();
    same_port.port = first.port();
    stepfn::api_server second(echo_handler, same_port);
    auto in_use = second.start();
    REQUIRE_FALSE(in_use);
    CHECK(in_use.error().name == "AddressInUse");
    CHECK_THAT(in_use.error().cause, Catch::Matchers::Contains(std::to_string(first.port())));

    auto again = first.start();
    REQUIRE_FALSE(again);
    CHECK(again.error().name == "InvalidCall");

    auto zero_threads = test_options();
    zero_threads.threads = 0;
    stepfn::api_server none(echo_handler, zero_threads);
    auto invalid = none.start();
    REQUIRE_FALSE(invalid);
    CHECK(invalid.error().name == "InvalidOptions");
}

TEST_CASE("api_server: IPv6 loopback", "[server]") {
    auto options = test_options();
    options.address = "::1";
    stepfn::api_server server(echo_handler, options);
    auto started = server.start();
    if (!started) {
        WARN("IPv6 loopback is not available here, test skipped: " << started.error().cause);
        return;
    }
    http_test_client client;
    REQUIRE(client.connect(server.port(), true));
    REQUIRE(client.send(api_request("ListStateMachines", "{}")));
    auto reply = client.read_reply();
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(json::parse(reply->body)["caller"].get<std::string>().rfind("[::1]:", 0) == 0);
}
} // namespace api_server_test
