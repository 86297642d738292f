#ifndef STEPFN_API_DETAIL_EXECUTION_ACTIONS_HPP
#define STEPFN_API_DETAIL_EXECUTION_ACTIONS_HPP

// DescribeExecution, ListExecutions, GetExecutionHistory, StopExecution and RedriveExecution:
// STANDARD executions, read from the standard engine's execution store. EXPRESS executions are
// not kept (as in AWS, where only CloudWatch Logs has them): these actions refuse their ARNs.

#include <chrono>
#include <string>

#include <stepfn/api/detail/machine_records.hpp>

namespace stepfn::detail {

inline tl::unexpected<api_error> execution_missing(std::string_view arn) {
    return api_fail("ExecutionDoesNotExist", "Execution Does Not Exist: '" + std::string(arn) + "'");
}

// A STANDARD execution's stored row, by its ARN.
// An EXPRESS execution's ARN (`...:express:<machine>:<name>:<id>`, one part more than an ARN
// parse_arn reads).
inline bool is_express_arn(const api_state& s, const std::string& arn) {
    return arn.compare(0, s.arn_prefix.size() + 8, s.arn_prefix + "express:") == 0;
}

inline tl::expected<stored_execution, api_error> find_stored_execution(api_state& s, const std::string& arn) {
    if (is_express_arn(s, arn))
        return api_fail("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn +
                                                     "': executions of EXPRESS state machines are not kept, as in AWS");
    auto parsed = parse_arn(arn);
    if (!parsed || parsed->qualifier.empty() || parsed->type != "execution") return invalid_arn(arn);
    if (!s.executions) return execution_missing(arn);
    auto found = s.executions->find_execution(arn);
    if (!found) return tl::make_unexpected(store_error(found.error()));
    if (!*found) return execution_missing(arn);
    return std::move(**found);
}

inline std::string pinned_version(api_state& s, const std::string& execution_arn) {
    auto pin = s.resources->find_resource(execution_arn);
    if (!pin || !*pin || (*pin)->kind != "executionVersion") return {};
    json body = json::parse((*pin)->body, nullptr, false);
    return body.is_object() ? text_of(body, "stateMachineVersionArn") : std::string();
}

// AWS stops offering a redrive 14 days after the execution stopped, and after 1,000 redrives.
inline void redrive_status(json& out, const stored_execution& e, std::chrono::system_clock::time_point now) {
    std::string reason;
    if (e.status == execution_status::running || e.status == execution_status::succeeded)
        reason = std::string("Execution is ") + to_string(e.status) + " and cannot be redriven";
    else if (e.stop_date && now - *e.stop_date > std::chrono::hours(24 * 14))
        reason = "Execution redrivable period exceeded";
    else if (e.redrive_count >= 1000)
        reason = "Execution redrive count limit exceeded";
    out["redriveStatus"] = reason.empty() ? "REDRIVABLE" : "NOT_REDRIVABLE";
    if (!reason.empty()) out["redriveStatusReason"] = reason;
}

inline api_outcome describe_execution(api_state& s, const json& request) {
    auto arn = required_string(request, "executionArn", 1, 256);
    if (!arn) return tl::make_unexpected(arn.error());
    auto included = optional_bool(request, "includedData");  // newer SDKs send it
    (void)included;
    auto e = find_stored_execution(s, *arn);
    if (!e) return tl::make_unexpected(e.error());
    json out = json::object();
    out["executionArn"] = e->arn;
    out["stateMachineArn"] = e->machine_arn;
    out["name"] = e->name;
    out["status"] = to_string(e->status);
    out["startDate"] = api_timestamp(e->start_date);
    if (e->stop_date) out["stopDate"] = api_timestamp(*e->stop_date);
    out["input"] = e->input;
    out["inputDetails"] = json{{"included", true}};
    if (e->status == execution_status::succeeded) {
        out["output"] = e->output;
        out["outputDetails"] = json{{"included", true}};
    }
    if (e->status != execution_status::running && e->status != execution_status::succeeded) {
        if (!e->error.empty()) out["error"] = e->error;
        if (!e->cause.empty()) out["cause"] = e->cause;
    }
    const std::string version = pinned_version(s, e->arn);
    if (!version.empty()) out["stateMachineVersionArn"] = version;
    out["redriveCount"] = e->redrive_count;
    if (e->redrive_date) out["redriveDate"] = api_timestamp(*e->redrive_date);
    redrive_status(out, *e, s.standard->now());
    return out;
}

inline api_outcome list_executions(api_state& s, const json& request) {
    auto arn = optional_string(request, "stateMachineArn", 1, 256);
    if (!arn) return tl::make_unexpected(arn.error());
    auto map_run = optional_string(request, "mapRunArn", 1, 2000);
    if (!map_run) return tl::make_unexpected(map_run.error());
    auto status = optional_string(request, "statusFilter", 1, 32);
    if (!status) return tl::make_unexpected(status.error());
    auto max = optional_integer(request, "maxResults", 0, 1000);
    if (!max) return tl::make_unexpected(max.error());
    auto token = optional_string(request, "nextToken", 1, 3096);
    if (!token) return tl::make_unexpected(token.error());
    auto redrive = optional_string(request, "redriveFilter", 1, 32);
    if (!redrive) return tl::make_unexpected(redrive.error());
    if (*map_run) return api_fail("ResourceNotFound", "Resource not found: '" + **map_run + "': distributed Map Runs are not listed");
    if (!*arn) return api_fail("ValidationException", "Must provide a StateMachine ARN or MapRun ARN");
    if (*redrive && **redrive != "REDRIVEN" && **redrive != "NOT_REDRIVEN")
        return validation_error("redriveFilter", "'" + **redrive + "'", "satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]");

    execution_filter filter;
    if (*status) {
        static constexpr execution_status all[] = {execution_status::running, execution_status::succeeded, execution_status::failed,
                                                   execution_status::timed_out, execution_status::aborted};
        for (auto candidate : all)
            if (**status == to_string(candidate)) filter.status = candidate;
        if (**status == "PENDING_REDRIVE") filter.status = execution_status::running;  // a redrive starts at once here
        if (!filter.status)
            return validation_error("statusFilter", "'" + **status + "'",
                                    "satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]");
    }
    auto ref = find_machine(s, **arn);
    if (!ref) return tl::make_unexpected(ref.error());
    if (text_of(ref->body, "type") == "EXPRESS")
        return api_fail("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine");
    filter.machine_arn = ref->machine_arn;
    filter.max_results = max->value_or(0) == 0 ? 100 : static_cast<std::size_t>(**max);
    filter.next_token = token->value_or("");
    json executions = json::array();
    std::string next;
    if (s.executions) {
        auto page = s.executions->list_executions(filter);
        if (!page) {
            if (page.error().name == "InvalidToken") return api_fail("InvalidToken", "Invalid Token: '" + filter.next_token + "'");
            return tl::make_unexpected(store_error(page.error()));
        }
        next = page->next_token;
        for (const auto& e : page->executions) {
            // Filters the store does not apply are applied to the page (a page may come back short).
            if (*redrive && ((**redrive == "REDRIVEN") != (e.redrive_count > 0))) continue;
            const std::string version = pinned_version(s, e.arn);
            if (!ref->version_arn.empty() && version != ref->version_arn) continue;
            json item = json::object();
            item["executionArn"] = e.arn;
            item["stateMachineArn"] = e.machine_arn;
            item["name"] = e.name;
            item["status"] = to_string(e.status);
            item["startDate"] = api_timestamp(e.start_date);
            if (e.stop_date) item["stopDate"] = api_timestamp(*e.stop_date);
            if (!version.empty()) item["stateMachineVersionArn"] = version;
            if (e.redrive_count > 0) item["redriveCount"] = e.redrive_count;
            if (e.redrive_date) item["redriveDate"] = api_timestamp(*e.redrive_date);
            executions.push_back(std::move(item));
        }
    }
    json out = json::object();
    out["executions"] = std::move(executions);
    if (!next.empty()) out["nextToken"] = next;
    return out;
}

// One stored event in AWS's JSON shape; without execution data, the payloads are left out.
inline json history_event_json(const history_event& event, bool include_data) {
    json out = to_json(event);
    out["timestamp"] = api_timestamp(event.timestamp);
    if (!include_data) {
        if (const char* key = info(event.type).details_key; key && out.contains(key) && out[key].is_object()) {
            json& details = out[key];
            for (const char* field : {"input", "inputDetails", "output", "outputDetails", "parameters"}) details.erase(field);
        }
    }
    return out;
}

inline api_outcome get_execution_history(api_state& s, const json& request) {
    auto arn = required_string(request, "executionArn", 1, 256);
    if (!arn) return tl::make_unexpected(arn.error());
    auto max = optional_integer(request, "maxResults", 0, 1000);
    if (!max) return tl::make_unexpected(max.error());
    auto reverse = optional_bool(request, "reverseOrder");
    if (!reverse) return tl::make_unexpected(reverse.error());
    auto token = optional_string(request, "nextToken", 1, 3096);
    if (!token) return tl::make_unexpected(token.error());
    auto include = optional_bool(request, "includeExecutionData");
    if (!include) return tl::make_unexpected(include.error());
    auto e = find_stored_execution(s, *arn);
    if (!e) return tl::make_unexpected(e.error());
    history_request page_request;
    page_request.max_results = max->value_or(0) == 0 ? 100 : static_cast<std::size_t>(**max);
    page_request.reverse_order = reverse->value_or(false);
    page_request.next_token = token->value_or("");
    auto page = s.executions->history(*arn, page_request);
    if (!page) {
        if (page.error().name == "InvalidToken") return api_fail("InvalidToken", "Invalid Token: '" + page_request.next_token + "'");
        return tl::make_unexpected(store_error(page.error()));
    }
    json events = json::array();
    for (const auto& event : page->events) events.push_back(history_event_json(event, include->value_or(true)));
    json out = json::object();
    out["events"] = std::move(events);
    if (!page->next_token.empty()) out["nextToken"] = page->next_token;
    return out;
}

inline void stop_execution(api_state& s, const json& request, api_reply_handler reply) {
    auto fail = [&](api_error e) { reply(to_reply(tl::make_unexpected(std::move(e)))); };
    auto arn = required_string(request, "executionArn", 1, 256);
    if (!arn) return fail(arn.error());
    auto error_name = optional_string(request, "error", 0, 256);
    if (!error_name) return fail(error_name.error());
    auto cause = optional_string(request, "cause", 0, 32768);
    if (!cause) return fail(cause.error());
    auto e = find_stored_execution(s, *arn);
    if (!e) return fail(e.error());
    json out = json::object();
    if (e->status != execution_status::running) {
        // Stopping what has already stopped changes nothing and answers when it stopped.
        out["stopDate"] = api_timestamp(e->stop_date.value_or(e->start_date));
        return reply(to_reply(api_outcome(std::move(out))));
    }
    auto handle = s.standard->running(*arn);
    auto stopped = s.standard->stop(*arn, error_name->value_or(""), cause->value_or(""));
    // Its own end (the last state, a timeout) may claim it between the look above and the stop:
    // answered as for an execution that had already ended, once that end is known.
    const bool ended_first = !stopped && handle && stopped.error().name == "ExecutionDoesNotExist";
    if (!stopped && !ended_first) return fail(to_api_error(stopped.error()));
    out["stopDate"] = api_timestamp(s.standard->now());
    if (!handle) return reply(to_reply(api_outcome(std::move(out))));
    // The abort is durable when the execution's end is (on_end comes after it).
    const execution running = *handle;
    reply_when(std::move(reply), std::move(out), [running](std::function<void(result<void>)> done) {
        running.on_end([done = std::move(done)] { done(result<void>()); });
    });
}

inline void redrive_execution(api_state& s, const json& request, api_reply_handler reply) {
    auto fail = [&](api_error e) { reply(to_reply(tl::make_unexpected(std::move(e)))); };
    auto arn = required_string(request, "executionArn", 1, 256);
    if (!arn) return fail(arn.error());
    auto client_token = optional_string(request, "clientToken", 1, 64);
    if (!client_token) return fail(client_token.error());
    if (is_express_arn(s, *arn))
        return fail(api_error{"ExecutionNotRedrivable", "Execution is of an EXPRESS state machine and cannot be redriven", 400});
    auto e = find_stored_execution(s, *arn);
    if (!e) return fail(e.error());
    auto redriven = s.standard->redrive(*arn);
    if (!redriven) return fail(to_api_error(redriven.error()));
    json out = json::object();
    out["redriveDate"] = api_timestamp(s.standard->now());
    const execution running = *redriven;
    reply_when(std::move(reply), std::move(out), [running](std::function<void(result<void>)> done) { running.on_stored(std::move(done)); });
}

} // namespace stepfn::detail

#endif
