#ifndef STEPFN_TASKS_RESULT_WRITER_HPP
#define STEPFN_TASKS_RESULT_WRITER_HPP

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/timestamp.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/execution_status.hpp>
#include <stepfn/model/distributed_map.hpp>
#include <stepfn/tasks/item_reader.hpp>

namespace stepfn {

// One child execution of a Map Run, as a result writer sees it.
struct child_run {
    std::string arn;
    std::string name;
    execution_status status = execution_status::running;  // running = never finished (PENDING)
    json input;
    json output;         // when succeeded
    error failure;       // when failed, timed out or aborted
    std::chrono::system_clock::time_point start_date;
    std::chrono::system_clock::time_point stop_date;
};

struct result_write_request {
    std::string resource;                 // "arn:aws:states:::s3:putObject"
    json parameters = json::object();     // evaluated Parameters / Arguments: {"Bucket", "Prefix"}
    writer_config config;
    std::string map_run_arn;
    std::string state_machine_arn;        // the children's state machine (machine/label)
    const std::vector<child_run>* runs = nullptr;  // in item order; never null when called
};

// Exports a Map Run's results. Returns the ResultWriterDetails ({"Bucket", "Key"} of the
// manifest with S3-style storage); an error becomes States.ResultWriterFailed with its cause.
class result_writer {
public:
    virtual ~result_writer() = default;
    virtual result<json> write(const result_write_request& request) = 0;
};

// The engine's ResultWriter routing: exact Resource, longest prefix, default.
class result_writer_registry : public detail::resource_router<result_writer> {};

// ---- AWS's export format, for any storage ------------------------------------------------------

// One child in a result file. NONE: AWS's execution record (Input/Output as JSON text);
// COMPACT/FLATTEN: just the output (a failed child keeps the full record, as AWS does).
inline json result_entry(const child_run& run, const std::string& state_machine_arn, writer_transformation t) {
    auto text = [](const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); };
    if (run.status == execution_status::succeeded && t != writer_transformation::none) return run.output;
    json entry = json::object();
    entry["ExecutionArn"] = run.arn;
    entry["Input"] = text(run.input);
    entry["InputDetails"] = json{{"Included", true}};
    entry["Name"] = run.name;
    if (run.status == execution_status::succeeded) {
        entry["Output"] = text(run.output);
        entry["OutputDetails"] = json{{"Included", true}};
    } else if (run.status != execution_status::running) {
        if (!run.failure.name.empty()) entry["Error"] = run.failure.name;
        if (!run.failure.cause.empty()) entry["Cause"] = run.failure.cause;
    }
    entry["RedriveCount"] = 0;
    entry["RedriveStatus"] = run.status == execution_status::succeeded ? "NOT_REDRIVABLE" : "REDRIVABLE_BY_MAP_RUN";
    if (run.status == execution_status::succeeded)
        entry["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven";
    entry["StartDate"] = detail::format_iso8601(run.start_date);
    entry["StateMachineArn"] = state_machine_arn;
    if (run.status == execution_status::running) {
        entry["Status"] = "PENDING";
    } else {
        entry["Status"] = to_string(run.status);
        entry["StopDate"] = detail::format_iso8601(run.stop_date);
    }
    return entry;
}

// Appends an entry; FLATTEN spreads an array output into its elements.
inline void append_entry(json& list, json entry, const child_run& run, writer_transformation t) {
    if (t == writer_transformation::flatten && run.status == execution_status::succeeded && entry.is_array()) {
        for (auto& e : entry) list.push_back(std::move(e));
    } else {
        list.push_back(std::move(entry));
    }
}

// The children's results as the Map's output when a WriterConfig is given without export.
inline json transformed_results(const std::vector<child_run>& runs, const std::string& state_machine_arn,
                                writer_transformation t) {
    json out = json::array();
    for (const auto& run : runs) append_entry(out, result_entry(run, state_machine_arn, t), run, t);
    return out;
}

// A file to store: its key (relative to the bucket) and its contents.
struct result_file {
    std::string key;
    std::string content;
};

// AWS's layout under `<Prefix>/<map run id>/`: SUCCEEDED_0.json, FAILED_0.json, PENDING_0.json
// (only those with entries; `.jsonl` files with OutputType JSONL) and manifest.json, which lists
// them with their sizes. The manifest is the last file returned.
inline std::vector<result_file> export_files(const result_write_request& request, const std::string& bucket,
                                             const std::string& prefix) {
    std::string base = prefix;
    if (!base.empty() && base.back() != '/') base += '/';
    const auto colon = request.map_run_arn.rfind(':');
    base += colon == std::string::npos ? request.map_run_arn : request.map_run_arn.substr(colon + 1);
    base += '/';

    const auto t = request.config.transformation;
    json succeeded = json::array(), failed = json::array(), pending = json::array();
    if (request.runs)
        for (const auto& run : *request.runs) {
            if (run.arn.empty()) continue;  // never started
            // Children stopped because the run failed are PENDING: they could run again.
            const bool stopped = run.status == execution_status::running || run.status == execution_status::aborted;
            json& list = run.status == execution_status::succeeded ? succeeded : stopped ? pending : failed;
            append_entry(list, result_entry(run, request.state_machine_arn, t), run, t);
        }
    const bool lines = request.config.output_type == writer_output_type::jsonl;
    std::vector<result_file> files;
    json manifest_files = json::object();
    auto add = [&](const char* category, const json& entries) {
        manifest_files[category] = json::array();
        if (entries.empty()) return;
        result_file file;
        file.key = base + category + "_0" + (lines ? ".jsonl" : ".json");
        if (lines) {
            for (const auto& e : entries) file.content += e.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
        } else {
            file.content = entries.dump(-1, ' ', false, json::error_handler_t::replace);
        }
        manifest_files[category].push_back(json{{"Key", file.key}, {"Size", file.content.size()}});
        files.push_back(std::move(file));
    };
    add("FAILED", failed);
    add("PENDING", pending);
    add("SUCCEEDED", succeeded);
    json manifest = json::object();
    manifest["DestinationBucket"] = bucket;
    manifest["MapRunArn"] = request.map_run_arn;
    manifest["ResultFiles"] = std::move(manifest_files);
    files.push_back(result_file{base + "manifest.json", manifest.dump(-1, ' ', false, json::error_handler_t::replace)});
    return files;
}

} // namespace stepfn

#endif
