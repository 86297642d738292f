// The OTLP/HTTP JSON exporter against a loopback receiver: request bodies valid against the
// OTLP trace schema (ExportTraceServiceRequest, protobuf JSON mapping), batching, the bounded
// queue's drops, refused batches; and the trace context carried into an HTTP task.

#include <stepfn/integrations/http_alert_webhook.hpp>
#include <stepfn/integrations/http_invoker.hpp>
#include <stepfn/integrations/otlp_exporter.hpp>

#include "catch.hpp"
#include "servers/loopback_receiver.hpp"

#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/load/loader.hpp>

#include <set>
#include <string>

namespace otlp_exporter_test {

namespace {

using stepfn::json;

bool lower_hex(const json& v, std::size_t digits) {
    if (!v.is_string()) return false;
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() != digits) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return s != std::string(digits, '0');
}

bool decimal(const json& v) {
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) return false;
    for (char c : v.get_ref<const std::string&>())
        if (c < '0' || c > '9') return false;
    return true;
}

// A KeyValue list: each {"key": string, "value": AnyValue with exactly one member}.
void check_attributes(const json& list, std::vector<std::string>& problems) {
    if (!list.is_array()) return problems.push_back("attributes is not an array");
    for (const auto& kv : list) {
        if (!kv.is_object() || !kv.contains("key") || !kv["key"].is_string() || !kv.contains("value"))
            return problems.push_back("a malformed KeyValue: " + kv.dump());
        const json& v = kv["value"];
        if (!v.is_object() || v.size() != 1) return problems.push_back("an AnyValue without exactly one member: " + v.dump());
        const std::string k = v.begin().key();
        const json& x = v.begin().value();
        const bool ok = (k == "stringValue" && x.is_string()) || (k == "boolValue" && x.is_boolean()) ||
                        (k == "intValue" && (x.is_string() || x.is_number_integer())) || (k == "doubleValue" && x.is_number());
        if (!ok) problems.push_back("a bad AnyValue: " + v.dump());
    }
}

// The members and types of ExportTraceServiceRequest (opentelemetry/proto/trace/v1/trace.proto)
// as OTLP's JSON encoding spells them; returns the problems found and counts the spans.
std::vector<std::string> check_otlp(const json& body, std::size_t& spans) {
    std::vector<std::string> problems;
    if (!body.is_object() || !body.contains("resourceSpans") || !body["resourceSpans"].is_array())
        return {"no resourceSpans array"};
    for (const auto& rs : body["resourceSpans"]) {
        if (!rs.contains("resource") || !rs["resource"].contains("attributes")) problems.push_back("no resource attributes");
        else check_attributes(rs["resource"]["attributes"], problems);
        if (!rs.contains("scopeSpans") || !rs["scopeSpans"].is_array()) {
            problems.push_back("no scopeSpans");
            continue;
        }
        for (const auto& ss : rs["scopeSpans"]) {
            if (!ss.contains("scope") || !ss["scope"]["name"].is_string()) problems.push_back("no scope name");
            for (const auto& s : ss["spans"]) {
                ++spans;
                static const std::set<std::string> known{"traceId", "spanId", "parentSpanId", "traceState", "flags", "name",
                                                         "kind", "startTimeUnixNano", "endTimeUnixNano", "attributes",
                                                         "droppedAttributesCount", "events", "droppedEventsCount", "links",
                                                         "droppedLinksCount", "status"};
                for (const auto& item : s.items())
                    if (!known.count(item.key())) problems.push_back("an unknown Span member " + item.key());
                if (!lower_hex(s["traceId"], 32)) problems.push_back("bad traceId " + s["traceId"].dump());
                if (!lower_hex(s["spanId"], 16)) problems.push_back("bad spanId " + s["spanId"].dump());
                if (s.contains("parentSpanId") && !lower_hex(s["parentSpanId"], 16)) problems.push_back("bad parentSpanId");
                if (!s["name"].is_string() || s["name"].get_ref<const std::string&>().empty()) problems.push_back("no name");
                if (!s["kind"].is_number_integer() || s["kind"].get<int>() < 0 || s["kind"].get<int>() > 5)
                    problems.push_back("bad kind");
                if (!decimal(s["startTimeUnixNano"]) || !decimal(s["endTimeUnixNano"])) problems.push_back("bad times");
                else if (std::stoull(s["endTimeUnixNano"].get<std::string>()) < std::stoull(s["startTimeUnixNano"].get<std::string>()))
                    problems.push_back("a span ends before it starts");
                check_attributes(s["attributes"], problems);
                const json& st = s["status"];
                if (!st.is_object() || !st["code"].is_number_integer() || st["code"].get<int>() < 0 || st["code"].get<int>() > 2)
                    problems.push_back("bad status");
            }
        }
    }
    return problems;
}

stepfn::state_machine load(const std::string& text) {
    auto m = stepfn::load_machine(text);
    REQUIRE(m);
    return *m;
}

} // namespace

TEST_CASE("otlp exporter: an engine's spans reach the receiver as valid OTLP JSON", "[tracing][otlp]") {
    stepfn_test::loopback_receiver receiver;
    REQUIRE(receiver.port() != 0);
    stepfn::otlp_exporter_options options;
    options.endpoint = receiver.url("/v1/traces");
    options.resource.service_name = "orders";
    options.max_batch = 4;
    auto exporter = std::make_shared<stepfn::otlp_exporter>(options);
    {
        stepfn::thread_pool_executor pool(2);
        stepfn::system_clock clock;
        stepfn::engine_options engine_options;
        engine_options.spans = exporter;
        stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock, engine_options);
        auto machine = load(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}})");
        for (int i = 0; i < 3; ++i) {
            auto e = engine.start(machine);
            REQUIRE(e);
            (void)e->wait();
        }
    }
    exporter->flush();
    CHECK(exporter->exported() == 9);  // three executions of three spans
    CHECK(exporter->dropped() == 0);
    CHECK(exporter->failed() == 0);
    auto requests = receiver.requests();
    REQUIRE(requests.size() >= 3);  // batches of at most 4
    std::size_t spans = 0;
    for (const auto& r : requests) {
        CHECK(r.method == "POST");
        CHECK(r.path == "/v1/traces");
        CHECK(r.headers.at("content-type") == "application/json");
        auto body = json::parse(r.body);
        std::size_t in_request = 0;
        for (const auto& p : check_otlp(body, in_request)) FAIL_CHECK(p);
        CHECK(in_request <= 4);
        spans += in_request;
        CHECK(body["resourceSpans"][0]["resource"]["attributes"][0] ==
              json::parse(R"({"key":"service.name","value":{"stringValue":"orders"}})"));
    }
    CHECK(spans == 9);
}

TEST_CASE("otlp exporter: a full queue drops and counts; a refusing receiver counts failures", "[tracing][otlp]") {
    stepfn::span_data span;
    span.context = *stepfn::parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    span.name = "s";
    span.start = span.end = std::chrono::system_clock::now();
    {
        stepfn_test::loopback_receiver receiver;
        stepfn::otlp_exporter_options options;
        options.endpoint = receiver.url("/v1/traces");
        options.max_queue = 5;
        options.max_batch = 100;                    // never full: only flush() sends
        options.interval = std::chrono::hours(1);
        stepfn::otlp_exporter exporter(options);
        for (int i = 0; i < 12; ++i) exporter.on_end(span);
        CHECK(exporter.dropped() == 7);
        exporter.flush();
        CHECK(exporter.exported() == 5);
        REQUIRE(receiver.requests().size() == 1);
    }
    {
        stepfn_test::loopback_receiver refusing(503, R"({"message":"overloaded"})");
        stepfn::otlp_exporter_options options;
        options.endpoint = refusing.url("/v1/traces");
        stepfn::otlp_exporter exporter(options);
        for (int i = 0; i < 3; ++i) exporter.on_end(span);
        exporter.flush();
        CHECK(exporter.failed() == 3);
        CHECK(exporter.exported() == 0);
    }
}

TEST_CASE("trace context: the caller's traceparent reaches an HTTP task as its attempt's", "[tracing][http]") {
    stepfn_test::loopback_receiver service;  // the task's service: answers {}
    struct kept final : stepfn::span_sink {
        std::mutex mutex;
        std::vector<stepfn::recorded_span> spans;
        void on_end(const stepfn::span_data& s) override {
            std::lock_guard<std::mutex> lock(mutex);
            spans.emplace_back(s);
        }
    };
    auto spans = std::make_shared<kept>();
    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    stepfn::engine_options engine_options;
    engine_options.spans = spans;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock, engine_options);
    stepfn::http_endpoint endpoint;
    endpoint.url = service.url("/charge");
    endpoint.timeout = std::chrono::seconds(10);
    engine.invokers().add("charge", std::make_shared<stepfn::http_invoker>(std::make_shared<stepfn::http_client>(), endpoint));
    auto machine = load(R"({"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"charge","End":true}}})");
    stepfn::start_options start;
    start.trace_parent = stepfn::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    auto e = engine.start(machine, json::object(), start);
    REQUIRE(e);
    (void)e->wait();
    CHECK(e->status() == stepfn::execution_status::succeeded);
    auto requests = service.requests();
    REQUIRE(requests.size() == 1);
    auto sent = stepfn::parse_traceparent(requests[0].headers["traceparent"]);
    REQUIRE(sent);
    CHECK(stepfn::trace_id_hex(*sent) == "4bf92f3577b34da6a3ce929d0e0e4736");
    std::lock_guard<std::mutex> lock(spans->mutex);
    bool found = false;
    for (const auto& s : spans->spans)
        if (s.name == "charge") {
            found = true;
            CHECK(s.context.span_id == sent->span_id);  // the attempt's own span is the service's parent
            CHECK(s.kind == stepfn::span_kind::client);
        }
    CHECK(found);
}

TEST_CASE("alert webhook: each alert is POSTed as JSON", "[alerts][http]") {
    stepfn_test::loopback_receiver receiver;
    auto failures = std::make_shared<std::atomic<std::uint64_t>>(0);
    auto hook = stepfn::http_alert_webhook(std::make_shared<stepfn::http_client>(), receiver.url("/hooks/stepfn"),
                                           {{"Authorization", "Bearer t"}}, failures);
    stepfn::alert_event e;
    e.rule = "orders-failing";
    e.labels = {{"state_machine", "orders"}};
    e.value = 0.5;
    e.threshold = 0.2;
    e.at = std::chrono::system_clock::now();
    hook(e);
    REQUIRE(receiver.wait_for(1));
    auto r = receiver.requests()[0];
    CHECK(r.method == "POST");
    CHECK(r.path == "/hooks/stepfn");
    CHECK(r.headers.at("authorization") == "Bearer t");
    auto body = json::parse(r.body);
    CHECK(body["rule"] == "orders-failing");
    CHECK(body["status"] == "firing");
    CHECK(body["labels"]["state_machine"] == "orders");
    CHECK(failures->load() == 0);
}
} // namespace otlp_exporter_test
