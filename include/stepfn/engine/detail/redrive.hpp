// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_REDRIVE_HPP
#define STEPFN_ENGINE_DETAIL_REDRIVE_HPP

// AWS's RedriveExecution: a FAILED, ABORTED or TIMED_OUT stored execution runs again from what
// did not succeed. Its final snapshot (taken as it ended, snapshot.hpp) is rewritten so that each
// frame that failed, was aborted or was cut short enters its state again with the input it had
// (read back from its StateEntered event), while a Parallel or Map keeps the results of the
// branches and iterations that succeeded and runs only the others (and the items not started).

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/telemetry.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/restore.hpp>

namespace stepfn::detail {

// The raw input of every state entered so far, by the id of its StateEntered event.
using entered_inputs = std::unordered_map<std::int64_t, json>;

inline result<void> redrive_frame(json& f, const entered_inputs& inputs, int depth) {
    if (depth > 64 || !f.is_object()) return make_error("CorruptSnapshot", "its frames do not read back");
    json* run = nullptr;
    if (f.contains("failedRun")) {
        f["wait"] = json{{"fanout", std::move(f["failedRun"])}};
        f.erase("failedRun");
    }
    if (f.contains("wait") && f["wait"].is_object() && f["wait"].contains("fanout")) run = &f["wait"]["fanout"];
    if (run && run->is_object()) {
        // The run goes on: what succeeded stays, the rest runs again.
        json again = json::array();
        for (const char* key : {"children", "stopped"}) {
            if (!run->contains(key) || !(*run)[key].is_array()) continue;
            for (auto& child : (*run)[key]) {
                auto redone = redrive_frame(child, inputs, depth + 1);
                if (!redone) return redone;
                again.push_back(std::move(child));
            }
        }
        (*run)["children"] = std::move(again);
        run->erase("stopped");
        run->erase("failure");
        (*run)["finished"] = false;
        (*run)["failures"] = 0;
        f.erase("done");
        return {};
    }
    // Enter the state again, with the input it was entered with.
    const auto entered = f.find("enteredEvent");
    const auto input = entered != f.end() && entered->is_number_integer() ? inputs.find(entered->get<std::int64_t>()) : inputs.end();
    if (input == inputs.end()) return make_error("CorruptSnapshot", "the input a state was entered with is not in the history");
    f["input"] = input->second;
    f.erase("wait");
    f.erase("done");
    f.erase("retriers");
    f["retries"] = 0;
    return {};
}

STEPFN_INLINE result<execution> engine_core::redrive(std::string_view arn_view) {
    if (!options_.store) return make_error("StoreNotConfigured", "redrive() needs an engine with a store (engine_options::store)");
    const std::string arn(arn_view);
    auto found = options_.store->find_execution(arn);
    if (!found) return tl::make_unexpected(std::move(found.error()));
    if (!*found) return make_error("ExecutionDoesNotExist", "the store holds no execution '" + arn + "'");
    const stored_execution& row = **found;
    auto refuse = [&](const std::string& why) { return make_error("ExecutionNotRedrivable", why); };
    if (row.status == execution_status::running) return refuse("Execution is RUNNING and cannot be redriven");
    if (row.status == execution_status::succeeded) return refuse("Execution is SUCCEEDED and cannot be redriven");
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = executions_.find(arn);
        if (it != executions_.end() && it->second.lock()) return refuse("Execution is RUNNING and cannot be redriven");
    }
    const time_point now = clock_->now();
    if (row.stop_date && now - *row.stop_date > std::chrono::hours(24 * 14)) return refuse("Execution redrivable period exceeded");
    if (row.event_count + 2 > static_cast<std::int64_t>(options_.bounds.max_history_events))
        return refuse("Execution history event limit exceeded");
    if (row.redrive_count >= 1000) return refuse("Execution redrive count exceeded (1000)");

    auto machine = load_pinned(row);
    if (!machine) return tl::make_unexpected(std::move(machine.error()));
    auto text = options_.store->snapshot(arn);
    if (!text) return tl::make_unexpected(std::move(text.error()));
    json snap = json::parse(*text, nullptr, false);
    if (snap.is_discarded() || !snap.is_object() || !snap.contains("root"))
        return refuse("Execution has no stored state to redrive from");

    entered_inputs inputs;
    history_request page_request;
    for (;;) {
        auto page = options_.store->history(arn, page_request);
        if (!page) return tl::make_unexpected(std::move(page.error()));
        for (const auto& e : page->events) {
            const auto in = e.details.find("input");
            if (in != e.details.end() && in->is_string() && std::string(to_string(e.type)).find("StateEntered") != std::string::npos)
                inputs.emplace(e.id, json::parse(in->get<std::string>(), nullptr, false));
        }
        if (page->next_token.empty()) break;
        page_request.next_token = page->next_token;
    }
    json& root_snap = snap["root"];
    auto rewritten = redrive_frame(root_snap, inputs, 0);
    if (!rewritten) return corrupt_snapshot(arn, rewritten.error().cause);

    auto rec = stored_record(row, std::move(*machine));
    if (auto role = snap.find("roleArn"); role != snap.end() && role->is_string()) rec->role_arn = role->get<std::string>();
    if (auto type = snap.find("type"); type != snap.end() && type->is_string()) rec->express = *type == "EXPRESS";
    rec->redrive_count = row.redrive_count + 1;
    rec->redrive_time = now;
    execution_change change;
    change.status = execution_status::running;
    change.date = now;
    change.redrive_count = rec->redrive_count;
    rec->durable->redriven = std::move(change);
    rec->stored = false;  // until the redrive's checkpoint is answered
    if (spans_) restore_trace(*rec, snap.is_object() && snap.contains("trace") ? &snap["trace"] : nullptr, true);
    std::vector<job> arms;
    auto root = restore_frame(root_snap, rec, rec->machine.top(), nullptr, arms, 0);
    if (!root) return corrupt_snapshot(arn, root.error().cause);
    (*root)->first_state = false;
    std::int64_t prev = row.event_count;
    emit(*rec, prev, event_type::execution_redriven, [&] { return json{{"redriveCount", rec->redrive_count}}; });
    if (metrics_) {
        const metric_label labels[] = {{"state_machine", machine_label(*rec)}};
        metrics_->add(metric_names::executions_redriven, 1, labels, 1);  // rare: not bound
    }
    return resume_stored(rec, std::move(*root), std::move(arms));
}

} // namespace stepfn::detail

#endif
