#ifndef STEPFN_API_DETAIL_EXECUTION_START_HPP
#define STEPFN_API_DETAIL_EXECUTION_START_HPP

// StartExecution and StartSyncExecution: what the request names (a machine or a version, a
// Step Functions Local test case after `#`, the name, the input), then the start on the engine
// of the machine's type. A synchronous start answers from a history sink that sees the
// execution's last event, so no thread waits for it.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <stepfn/api/detail/call_trace.hpp>
#include <stepfn/api/detail/machine_records.hpp>
#include <stepfn/history/history_sink.hpp>

namespace stepfn::detail {

inline bool is_terminal(event_type t) {
    return t == event_type::execution_succeeded || t == event_type::execution_failed || t == event_type::execution_timed_out ||
           t == event_type::execution_aborted;
}

// Calls `on_end` once, with the execution's last event.
class end_watcher final : public history_sink {
public:
    explicit end_watcher(std::function<void(const history_event&)> on_end) : on_end_(std::move(on_end)) {}
    void record(std::string_view, const history_event& event) override {
        if (is_terminal(event.type) && !fired_.exchange(true)) on_end_(event);
    }

private:
    std::function<void(const history_event&)> on_end_;
    std::atomic<bool> fired_{false};
};

// A UUID-shaped name, unique per call (execution names AWS generates, express ARNs' ids).
inline std::string fresh_id(api_state& s) {
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    const std::string d = hash_impl::sha256(s.arn_prefix + std::to_string(ticks) + '/' + std::to_string(s.sequence.fetch_add(1)));
    return d.substr(0, 8) + '-' + d.substr(8, 4) + "-4" + d.substr(13, 3) + "-a" + d.substr(17, 3) + '-' + d.substr(20, 12);
}

struct start_request {
    machine_ref machine;
    state_machine compiled;
    std::string name;          // given, or generated
    bool named = false;        // given by the caller (an idempotency key for STANDARD)
    std::string input_text;
    json input;
    std::string test_case;     // after `#` in the state machine ARN
};

inline tl::expected<start_request, api_error> read_start(api_state& s, const json& request) {
    auto arn = required_string(request, "stateMachineArn", 1, 256 + 1 + 256);
    if (!arn) return tl::make_unexpected(arn.error());
    auto name = optional_string(request, "name", 1, 80);
    if (!name) return tl::make_unexpected(name.error());
    auto input = optional_string(request, "input", 0, 262144);
    if (!input) return tl::make_unexpected(input.error());
    auto trace = optional_string(request, "traceHeader", 0, 256);
    if (!trace) return tl::make_unexpected(trace.error());

    std::string machine_arn = *arn, test_case;
    if (auto hash = machine_arn.find('#'); hash != std::string::npos) {
        test_case = machine_arn.substr(hash + 1);
        machine_arn.resize(hash);
        if (!s.options.mocks)
            return api_fail("ValidationException", "The state machine ARN names the test case '" + test_case +
                                                       "', but the server has no mock configuration");
    }
    if (*name && !valid_resource_name(**name)) return api_fail("InvalidName", "Invalid Name: '" + **name + "'");
    auto ref = find_machine(s, machine_arn);
    if (!ref) return tl::make_unexpected(ref.error());
    auto compiled = compiled_machine(s, *ref);
    if (!compiled) return tl::make_unexpected(compiled.error());
    start_request out{std::move(*ref), std::move(*compiled), name->value_or(""), name->has_value(), input->value_or("{}"), json(),
                      std::move(test_case)};
    auto parsed = parse_json_text(out.input_text, s.options.max_request_depth);
    if (!parsed) return api_fail("InvalidExecutionInput", "Invalid State Machine Execution Input: 'the input is not valid JSON'");
    out.input = std::move(*parsed);
    if (out.name.empty()) out.name = fresh_id(s);
    return out;
}

// Gives an execution its test case's mocked answers until it ends; the returned sink detaches
// them when it ends.
inline tl::expected<std::shared_ptr<history_sink>, api_error> attach_mocks(api_state& s, const start_request& r,
                                                                          const std::string& engine_arn) {
    if (r.test_case.empty()) return std::shared_ptr<history_sink>();
    auto mocks = testing::mock_invoker::create(*s.options.mocks, text_of(r.machine.body, "name"), r.test_case);
    if (!mocks) return api_fail("ValidationException", mocks.error().cause);
    s.mocks->attach(engine_arn, std::move(*mocks));
    std::weak_ptr<mock_router> router = s.mocks;
    return std::shared_ptr<history_sink>(std::make_shared<end_watcher>([router, engine_arn](const history_event&) {
        if (auto live = router.lock()) live->detach(engine_arn);
    }));
}

// StartExecution's answer, and the execution whose durable start it waits for (standard only).
inline api_outcome start_execution_now(api_state& s, const json& request, std::optional<execution>& started_standard) {
    auto r = read_start(s, request);
    if (!r) return tl::make_unexpected(r.error());
    const bool express = text_of(r->machine.body, "type") == "EXPRESS";
    const std::string machine_name = text_of(r->machine.body, "name");
    const std::string engine_arn = s.execution_arn(machine_name, r->name);
    api_engine& engine = express ? *s.express : *s.standard;

    if (!express && r->named && s.executions) {
        // AWS: the same name and input as a RUNNING execution returns it; a closed one, or
        // another input, is ExecutionAlreadyExists.
        auto stored = s.executions->find_execution(engine_arn);
        if (!stored) return tl::make_unexpected(store_error(stored.error()));
        if (*stored) {
            auto same_input = parse_json_text((*stored)->input, s.options.max_request_depth);
            if ((*stored)->status != execution_status::running || !same_input || *same_input != r->input)
                return api_fail("ExecutionAlreadyExists", "Execution Already Exists: '" + engine_arn + "'");
            json out = json::object();
            out["executionArn"] = engine_arn;
            out["startDate"] = api_timestamp((*stored)->start_date);
            return out;
        }
    }
    start_options options;
    options.name = r->name;
    options.trace_parent = current_call_trace();
    options.role_arn = text_of(r->machine.body, "roleArn");
    auto sink = attach_mocks(s, *r, engine_arn);
    if (!sink) return tl::make_unexpected(sink.error());
    options.history = std::move(*sink);
    options.input_text = r->input_text;  // the history shows the input as the caller sent it
    if (express) options.type = execution_type::express;
    const json now = api_timestamp(s.standard->now());
    auto started = engine.start(r->compiled, std::move(r->input), std::move(options));
    if (!started) {
        if (s.mocks) s.mocks->detach(engine_arn);
        if (started.error().name == "ExecutionAlreadyExists")
            return api_fail("ExecutionAlreadyExists", "Execution Already Exists: '" + engine_arn + "'");
        return api_fail_from(started.error());
    }
    json out = json::object();
    if (express) {
        out["executionArn"] = s.arn_prefix + "express:" + machine_name + ":" + r->name + ":" + fresh_id(s);
    } else {
        started_standard = *started;
        out["executionArn"] = started->arn();
        if (!r->machine.version_arn.empty()) {
            // Which version it started from, for DescribeExecution and ListExecutions.
            json pin = json::object();
            pin["stateMachineVersionArn"] = r->machine.version_arn;
            (void)s.resources->insert_resource(stored_resource{started->arn(), "executionVersion", pin.dump(), 0});
        }
    }
    out["startDate"] = now;
    return out;
}

// AWS answers StartExecution once the execution is recorded: a DescribeExecution that follows
// finds it. With a store that is when its first checkpoint is durable.
inline void start_execution(api_state& s, const json& request, api_reply_handler reply) {
    std::optional<execution> started;
    auto outcome = start_execution_now(s, request, started);
    if (!outcome || !started) return reply(to_reply(outcome));
    const execution run = *started;
    reply_when(std::move(reply), std::move(*outcome), [run](std::function<void(result<void>)> done) { run.on_stored(std::move(done)); });
}

// StartSyncExecution: EXPRESS machines only; answers when the execution ends.
inline void start_sync_execution(api_state& s, const json& request, api_reply_handler reply) {
    auto r = read_start(s, request);
    if (!r) return reply(to_reply(tl::make_unexpected(r.error())));
    if (text_of(r->machine.body, "type") != "EXPRESS")
        return reply(to_reply(api_fail("StateMachineTypeNotSupported",
                                       "This operation is not supported by this type of state machine: StartSyncExecution needs an EXPRESS state machine")));
    const std::string machine_name = text_of(r->machine.body, "name");
    const std::string engine_arn = s.execution_arn(machine_name, r->name);
    auto mocks = attach_mocks(s, *r, engine_arn);
    if (!mocks) return reply(to_reply(tl::make_unexpected(mocks.error())));

    json base = json::object();
    base["executionArn"] = s.arn_prefix + "express:" + machine_name + ":" + r->name + ":" + fresh_id(s);
    base["stateMachineArn"] = r->machine.version_arn.empty() ? r->machine.machine_arn : r->machine.version_arn;
    base["name"] = r->name;
    const auto start = s.standard->now();
    base["startDate"] = api_timestamp(start);
    base["input"] = r->input_text;
    base["inputDetails"] = json{{"included", true}};

    // The reply goes out from the sink; shared so that a failed start can still answer.
    auto pending = std::make_shared<api_reply_handler>(std::move(reply));
    auto answered = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<history_sink> mock_sink = std::move(*mocks);
    auto sink = std::make_shared<end_watcher>([pending, answered, base, start, mock_sink, engine_arn](const history_event& e) {
        if (mock_sink) mock_sink->record(engine_arn, e);
        if (answered->exchange(true)) return;
        json out = base;
        const auto stop = e.timestamp;
        out["stopDate"] = api_timestamp(stop);
        if (e.type == event_type::execution_succeeded) {
            out["status"] = "SUCCEEDED";
            out["output"] = e.details.value("output", "null");
            out["outputDetails"] = json{{"included", true}};
        } else {
            out["status"] = e.type == event_type::execution_timed_out ? "TIMED_OUT" : "FAILED";
            if (auto it = e.details.find("error"); it != e.details.end()) out["error"] = *it;
            if (auto it = e.details.find("cause"); it != e.details.end()) out["cause"] = *it;
        }
        // Billed as AWS bills Express: in 100 ms steps, at the smallest memory size.
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(stop - start).count();
        json billing = json::object();
        billing["billedMemoryUsedInMB"] = 64;
        billing["billedDurationInMilliseconds"] = ((ms < 0 ? 0 : ms) + 99) / 100 * 100;
        out["billingDetails"] = std::move(billing);
        (*pending)(to_reply(api_outcome(std::move(out))));
    });
    start_options options;
    options.name = r->name;
    options.trace_parent = current_call_trace();
    options.role_arn = text_of(r->machine.body, "roleArn");
    options.history = sink;
    options.input_text = r->input_text;
    options.type = execution_type::express;
    auto started = s.express->start(r->compiled, std::move(r->input), std::move(options));
    if (!started && !answered->exchange(true)) {
        if (s.mocks) s.mocks->detach(engine_arn);
        (*pending)(to_reply(api_fail_from(started.error())));
    }
}

} // namespace stepfn::detail

#endif
