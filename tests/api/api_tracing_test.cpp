// The caller's W3C traceparent (api_caller::traceparent, from the HTTP header) becomes the
// trace parent of the execution StartExecution and StartSyncExecution start, and so reaches the
// execution's task invokers.

#include "api_support.hpp"

#include <stepfn/observe/tracing.hpp>

namespace api_tracing_test {

namespace {

struct recorded_spans final : stepfn::span_sink {
    std::mutex mutex;
    std::vector<stepfn::recorded_span> spans;
    void on_end(const stepfn::span_data& s) override {
        std::lock_guard<std::mutex> lock(mutex);
        spans.emplace_back(s);
    }
};

struct traced_fixture {
    std::shared_ptr<recorded_spans> spans = std::make_shared<recorded_spans>();
    std::shared_ptr<stepfn::memory_store> store = std::make_shared<stepfn::memory_store>();
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::manual_engine standard;
    stepfn::manual_engine express;
    stepfn::step_functions_api api;
    std::vector<std::string> seen;  // each task request's traceparent

    traced_fixture()
        : standard(executor, clock, options(store)), express(executor, clock, options(nullptr)),
          api(standard, express, api_options(store)) {
        auto record = stepfn::make_invoker([this](const stepfn::task_request& r) {
            seen.push_back(r.trace.valid() ? stepfn::to_traceparent(r.trace) : std::string());
            return stepfn::json::object();
        });
        standard.invokers().set_default(record);
        express.invokers().set_default(record);
    }
    stepfn::engine_options options(std::shared_ptr<stepfn::memory_store> s) {
        stepfn::engine_options o;
        o.store = std::move(s);
        o.spans = spans;
        o.seed = 5;
        return o;
    }
    static stepfn::api_options api_options(const std::shared_ptr<stepfn::memory_store>& s) {
        stepfn::api_options o;
        o.resources = s;
        return o;
    }
    stepfn::json call(const std::string& action, const stepfn::json& body, const std::string& traceparent = "") {
        auto got = std::make_shared<std::optional<stepfn::api_reply>>();
        stepfn::api_caller caller{"127.0.0.1:1"};
        if (!traceparent.empty()) caller.headers.emplace_back("traceparent", traceparent);
        api.handle(action, body.dump(), caller, [got](stepfn::api_reply r) { *got = std::move(r); });
        for (int i = 0; i < 100000 && !got->has_value(); ++i)
            if (executor.run() == 0 && !clock.advance_to_next()) break;
        for (int i = 0; i < 100000; ++i)
            if (executor.run() == 0 && !clock.advance_to_next()) break;
        REQUIRE(got->has_value());
        INFO((*got)->body);
        REQUIRE((*got)->status == 200);
        return stepfn::json::parse((*got)->body);
    }
};

} // namespace

TEST_CASE("api: a StartExecution's traceparent is its execution's trace parent, through to the invoker", "[api][tracing]") {
    traced_fixture f;
    const auto definition = stepfn::json::parse(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"svc","End":true}}})");
    for (const char* type : {"STANDARD", "EXPRESS"}) {
        auto machine = f.call("CreateStateMachine", {{"name", std::string("m-") + type},
                                                     {"definition", definition.dump()},
                                                     {"roleArn", "arn:aws:iam::123456789012:role/r"},
                                                     {"type", type}})["stateMachineArn"];
        f.seen.clear();
        const std::string action = std::string(type) == "STANDARD" ? "StartExecution" : "StartSyncExecution";
        (void)f.call(action, {{"stateMachineArn", machine}}, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        REQUIRE(f.seen.size() == 1);
        auto sent = stepfn::parse_traceparent(f.seen[0]);
        REQUIRE(sent);
        CHECK(stepfn::trace_id_hex(*sent) == "4bf92f3577b34da6a3ce929d0e0e4736");
        std::lock_guard<std::mutex> lock(f.spans->mutex);
        bool root_found = false;
        for (const auto& s : f.spans->spans)
            if (s.parent_span_id == 0x00f067aa0ba902b7ULL) root_found = true;
        CHECK(root_found);
    }
    // Without a header (or with a malformed one) an execution starts a trace of its own.
    f.seen.clear();
    auto machine = f.call("ListStateMachines", stepfn::json::object())["stateMachines"][0]["stateMachineArn"];
    (void)f.call("StartExecution", {{"stateMachineArn", machine}}, "not-a-traceparent");
    REQUIRE(f.seen.size() == 1);
    auto own = stepfn::parse_traceparent(f.seen[0]);
    REQUIRE(own);
    CHECK(stepfn::trace_id_hex(*own) != "4bf92f3577b34da6a3ce929d0e0e4736");
}
} // namespace api_tracing_test
