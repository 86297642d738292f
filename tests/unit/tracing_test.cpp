// Traces: W3C traceparent parsing, and the spans the engine makes for an execution, its states
// and each Task attempt (retries separate), with the caller's trace carried into invokers.

#include "catch.hpp"
#include "engine_harness.hpp"

#include <map>
#include <mutex>

#include <stepfn/observe/otlp_json.hpp>
#include <stepfn/observe/span_buffer.hpp>
#include <stepfn/observe/tracing.hpp>

namespace tracing_test {

namespace {

struct collected_spans final : stepfn::span_sink {
    std::mutex mutex;
    std::vector<stepfn::recorded_span> spans;
    void on_end(const stepfn::span_data& span) override {
        std::lock_guard<std::mutex> lock(mutex);
        spans.emplace_back(span);
    }
    std::vector<const stepfn::recorded_span*> named(const std::string& name) {
        std::vector<const stepfn::recorded_span*> out;
        for (const auto& s : spans)
            if (s.name == name) out.push_back(&s);
        return out;
    }
};

struct traced {
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    std::shared_ptr<collected_spans> spans = std::make_shared<collected_spans>();
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine;
    traced() : engine(executor, clock, options(spans)) {}
    static stepfn::engine_options options(std::shared_ptr<collected_spans> s) {
        stepfn::engine_options o;
        o.spans = std::move(s);
        o.seed = 11;
        return o;
    }
};

} // namespace

TEST_CASE("traceparent: parsed and written as the W3C format says", "[tracing]") {
    auto c = stepfn::parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    REQUIRE(c);
    CHECK(c->trace_id_high == 0x0af7651916cd43ddULL);
    CHECK(c->trace_id_low == 0x8448eb211c80319cULL);
    CHECK(c->span_id == 0xb7ad6b7169203331ULL);
    CHECK(c->flags == 1);
    CHECK(stepfn::to_traceparent(*c) == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    CHECK(stepfn::trace_id_hex(*c) == "0af7651916cd43dd8448eb211c80319c");
    // A later version may add fields after a dash.
    CHECK(stepfn::parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-extra"));
    for (const char* bad : {"", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",
                            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-011", "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01"})
        CHECK_FALSE(stepfn::parse_traceparent(bad));
}

TEST_CASE("spans: execution, states, and each task attempt, in one tree", "[tracing][engine]") {
    traced t;
    std::vector<std::string> sent;
    int calls = 0;
    t.engine.invokers().set_default(answer([&](const stepfn::task_request& r) -> stepfn::result<json> {
        sent.push_back(r.trace.valid() ? stepfn::to_traceparent(r.trace) : std::string());
        if (++calls == 1) return stepfn::make_error("Flaky", "once");
        return json("ok");
    }));
    auto machine = load(R"({"StartAt":"Work","States":{
        "Work":{"Type":"Task","Resource":"svc","Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":2}],"Next":"Fan"},
        "Fan":{"Type":"Parallel","Branches":[
            {"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":5,"End":true}}},
            {"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}}})");
    stepfn::start_options start;
    start.trace_parent = stepfn::parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    auto e = t.engine.start(machine, json::object(), start);
    REQUIRE(e);
    (void)e->wait();
    CHECK(e->status() == stepfn::execution_status::succeeded);

    auto& spans = t.spans->spans;
    REQUIRE(spans.size() == 7);  // execution, Work, 2 attempts, Fan, A, B
    for (const auto& s : spans) {
        CHECK(stepfn::trace_id_hex(s.context) == "0af7651916cd43dd8448eb211c80319c");
        CHECK(s.context.span_id != 0);
        CHECK(s.end >= s.start);
    }
    auto execution = t.spans->named(machine.name());
    REQUIRE(execution.size() == 1);
    CHECK(execution[0]->parent_span_id == 0xb7ad6b7169203331ULL);
    CHECK(execution[0]->status == stepfn::span_status::ok);
    CHECK(execution[0]->end - execution[0]->start == std::chrono::seconds(7));
    CHECK(*execution[0]->attribute("stepfn.execution.arn") == e->arn());
    const auto exec_id = execution[0]->context.span_id;

    auto work = t.spans->named("Work");
    REQUIRE(work.size() == 1);
    CHECK(work[0]->parent_span_id == exec_id);
    CHECK(*work[0]->attribute("stepfn.state.type") == "Task");
    CHECK(*work[0]->attribute("stepfn.state.retries") == 1);
    CHECK(work[0]->end - work[0]->start == std::chrono::seconds(2));

    auto attempts = t.spans->named("svc");
    REQUIRE(attempts.size() == 2);
    CHECK(attempts[0]->kind == stepfn::span_kind::client);
    CHECK(attempts[0]->parent_span_id == work[0]->context.span_id);
    CHECK(attempts[1]->parent_span_id == work[0]->context.span_id);
    CHECK(attempts[0]->status == stepfn::span_status::error);
    CHECK(*attempts[0]->attribute("error.type") == "Flaky");
    CHECK(*attempts[0]->attribute("stepfn.task.attempt") == 0);
    CHECK(*attempts[1]->attribute("stepfn.task.attempt") == 1);
    CHECK(attempts[1]->status == stepfn::span_status::unset);
    // Each invoker call carried its own attempt's context.
    REQUIRE(sent.size() == 2);
    CHECK(sent[0] == stepfn::to_traceparent(attempts[0]->context));
    CHECK(sent[1] == stepfn::to_traceparent(attempts[1]->context));

    auto fan = t.spans->named("Fan");
    REQUIRE(fan.size() == 1);
    for (const char* branch : {"A", "B"}) {
        auto b = t.spans->named(branch);
        REQUIRE(b.size() == 1);
        CHECK(b[0]->parent_span_id == fan[0]->context.span_id);
    }
    CHECK(t.spans->named("A")[0]->end - t.spans->named("A")[0]->start == std::chrono::seconds(5));
}

TEST_CASE("spans: a failing execution and a timed-out attempt are errors; no trace parent starts a trace",
          "[tracing][engine]") {
    traced t;
    std::vector<stepfn::task_completion> held;
    t.engine.invokers().set_default(std::make_shared<lambda_invoker>(
        [&](stepfn::task_request, stepfn::task_completion done) { held.push_back(std::move(done)); }));
    auto machine = load(R"({"StartAt":"Slow","States":{"Slow":{"Type":"Task","Resource":"svc","TimeoutSeconds":3,"End":true}}})");
    auto e = t.engine.start(machine);
    REQUIRE(e);
    (void)e->wait();
    CHECK(e->status() == stepfn::execution_status::failed);
    auto& spans = t.spans->spans;
    REQUIRE(spans.size() == 3);
    auto execution = t.spans->named(machine.name());
    REQUIRE(execution.size() == 1);
    CHECK(execution[0]->parent_span_id == 0);
    CHECK(execution[0]->kind == stepfn::span_kind::server);
    CHECK(execution[0]->status == stepfn::span_status::error);
    CHECK(*execution[0]->attribute("error.type") == "States.Timeout");
    auto attempt = t.spans->named("svc");
    REQUIRE(attempt.size() == 1);
    CHECK(attempt[0]->status == stepfn::span_status::error);
    CHECK(attempt[0]->end - attempt[0]->start == std::chrono::seconds(3));
    CHECK(spans[0].context.trace_id_low == spans[2].context.trace_id_low);
}
TEST_CASE("span_buffer: spans copied out of the call read back whole, texts cut at a bound", "[tracing]") {
    stepfn::span_buffer buffer;
    {
        // Texts that die with the call, as the engine's would.
        std::string name = "Charge";
        std::string arn = "arn:aws:states:us-east-1:123456789012:execution:orders:e-1";
        std::string cause(stepfn::span_buffer::max_text_bytes + 100, 'x');
        cause.replace(stepfn::span_buffer::max_text_bytes - 1, 2, "\xc3\xa9");  // a two-byte character across the bound
        stepfn::span_data s;
        s.context = *stepfn::parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        s.parent_span_id = 7;
        s.name = name;
        s.kind = stepfn::span_kind::client;
        s.status = stepfn::span_status::error;
        s.status_message = cause;
        s.add("stepfn.execution.arn", arn);
        s.add("stepfn.task.attempt", 2);
        s.add("ratio", 0.5);
        s.add("retried", true);
        for (int i = 0; i < 4; ++i) s.add("extra", i);  // two fit, two are dropped
        buffer.push_back(s);
        name.assign(name.size(), '?');
        arn.assign(arn.size(), '?');
        stepfn::span_data small;
        small.name = "Pass";
        buffer.push_back(small);
    }
    REQUIRE(buffer.size() == 2);
    const stepfn::span_data first = buffer[0];
    CHECK(first.name == "Charge");
    CHECK(first.parent_span_id == 7);
    CHECK(first.kind == stepfn::span_kind::client);
    CHECK(first.context.span_id == 0xb7ad6b7169203331ULL);
    CHECK(first.status_message.size() == stepfn::span_buffer::max_text_bytes - 1);  // not inside the character
    CHECK(*first.attribute("stepfn.execution.arn") == "arn:aws:states:us-east-1:123456789012:execution:orders:e-1");
    CHECK(*first.attribute("stepfn.task.attempt") == 2);
    CHECK(first.attribute("ratio")->floating == 0.5);
    CHECK(first.attribute("retried")->boolean);
    CHECK(first.attribute_count == stepfn::span_data::max_attributes);
    CHECK(first.dropped_attributes == 2);
    CHECK(buffer[1].name == "Pass");
    CHECK(buffer[1].attribute_count == 0);
    // What the exporter's thread sends, from the buffer.
    const auto body = stepfn::to_otlp_json(buffer);
    const auto& spans = body["resourceSpans"][0]["scopeSpans"][0]["spans"];
    REQUIRE(spans.size() == 2);
    CHECK(spans[0]["name"] == "Charge");
    CHECK(spans[0]["attributes"][1] == json::parse(R"({"key":"stepfn.task.attempt","value":{"intValue":"2"}})"));
    CHECK(spans[0]["droppedAttributesCount"] == 2);
    // Swapped out and cleared, it is empty and takes spans again.
    stepfn::span_buffer sending;
    sending.swap(buffer);
    CHECK(buffer.empty());
    CHECK(sending.size() == 2);
    sending.clear();
    CHECK(sending.empty());
    CHECK(sending.text_bytes() == 0);
}

TEST_CASE("recorded_span: an owning copy of a span", "[tracing]") {
    stepfn::recorded_span kept;
    {
        std::string name = "Work";
        std::string error = "Flaky";
        stepfn::span_data s;
        s.name = name;
        s.add("error.type", error);
        s.add("stepfn.state.retries", 3);
        kept = stepfn::recorded_span(s);
        name.clear();
        error.clear();
    }
    CHECK(kept.name == "Work");
    CHECK(*kept.attribute("error.type") == "Flaky");
    CHECK(*kept.attribute("stepfn.state.retries") == 3);
    CHECK(kept.attribute("missing") == nullptr);
}
} // namespace tracing_test
