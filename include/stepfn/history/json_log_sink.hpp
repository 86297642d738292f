#ifndef STEPFN_HISTORY_JSON_LOG_SINK_HPP
#define STEPFN_HISTORY_JSON_LOG_SINK_HPP

// Structured transition logs: one JSON object per line, in the shape log pipelines ingest
// (Loki, Elasticsearch, CloudWatch Logs, journald through syslog), for every history event:
//
//   {"timestamp":"2026-12-05T10:00:01.250Z","level":"info","message":"TaskStateExited Charge",
//    "event":"TaskStateExited","event_id":6,"execution":"arn:...:execution:orders:o-1",
//    "state_machine":"orders","state":"Charge","duration_ms":1250}
//
// `error` and `cause` appear on failures; `duration_ms` on a state's Exited event (since its
// Entered), a task's end (since TaskStarted) and the execution's end (since its start). Levels:
// "error" for an execution that failed or timed out, "warn" for a failed or timed-out task
// attempt, a failed Parallel/Map/iteration and an aborted execution, "info" otherwise.
//
// Secrets: payloads (inputs, outputs, task parameters, where task tokens and credentials may
// travel) are never written unless include_payloads is set, and then members named like
// secrets are replaced by "***"; every value given in `redact` is replaced by "***" wherever it
// would appear (a cause, an error, a state name). Thread-safe; write failures are counted.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#if __has_include(<syslog.h>)
#include <syslog.h>
#define STEPFN_HAS_SYSLOG 1
#else
#define STEPFN_HAS_SYSLOG 0
#endif

#include <stepfn/error.hpp>
#include <stepfn/history/detail/json_log_chain.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

enum class log_level { debug, info, warn, error };

inline const char* to_string(log_level l) noexcept {
    switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    }
    return "info";
}

struct json_log_options {
    log_level min_level = log_level::info;  // events below are not written
    bool include_payloads = false;          // input, output, parameters (secret-named members masked)
    std::vector<std::string> redact;        // values never written (tokens, passwords the host knows)
    bool flush_each_line = true;
};

class json_log_sink final : public history_sink {
public:
    // Writes to `out` (stderr, or a file the caller keeps open).
    explicit json_log_sink(std::FILE* out = stderr, json_log_options options = {})
        : out_(out), options_(std::move(options)) {}

    // Appends to the file at `path` (created if needed); the sink closes it.
    static result<std::shared_ptr<json_log_sink>> open(const std::string& path, json_log_options options = {}) {
        errno = 0;
        std::FILE* file = std::fopen(path.c_str(), "ab");
        if (file == nullptr) {
            const int code = errno;
            return make_error("IOError", "cannot open the log file '" + path + "': " +
                                             (code != 0 ? std::generic_category().message(code) : std::string("unknown error")));
        }
        auto sink = std::make_shared<json_log_sink>(file, std::move(options));
        sink->owns_file_ = true;
        return sink;
    }

#if STEPFN_HAS_SYSLOG
    // To the system log (syslog(3), facility LOG_USER unless the host called openlog), each
    // line at the priority of its level. The host's openlog() sets the identity.
    static std::shared_ptr<json_log_sink> to_syslog(json_log_options options = {}) {
        auto sink = std::make_shared<json_log_sink>(nullptr, std::move(options));
        sink->syslog_ = true;
        return sink;
    }
#endif

    json_log_sink(const json_log_sink&) = delete;
    json_log_sink& operator=(const json_log_sink&) = delete;
    ~json_log_sink() override {
        if (out_ == nullptr) return;
        if (owns_file_) std::fclose(out_);
        else std::fflush(out_);
    }

    void record(std::string_view execution_arn, const history_event& event) override {
        const log_level level = level_of(event.type);
        detail::log_link link;
        {
            std::lock_guard<std::mutex> lock(chain_mutex_);
            link = chains_.follow(execution_arn, event);
        }
        if (level < options_.min_level) return;
        std::string line = format(execution_arn, event, level, link);
        std::lock_guard<std::mutex> lock(write_mutex_);
#if STEPFN_HAS_SYSLOG
        if (syslog_) {
            const int priority = level == log_level::error  ? LOG_ERR
                                 : level == log_level::warn ? LOG_WARNING
                                 : level == log_level::info ? LOG_INFO
                                                            : LOG_DEBUG;
            ::syslog(priority, "%s", line.c_str());
            return;
        }
#endif
        if (out_ == nullptr) return;
        line += '\n';
        bool ok = std::fwrite(line.data(), 1, line.size(), out_) == line.size();
        if (options_.flush_each_line) ok = std::fflush(out_) == 0 && ok;
        if (!ok) write_failures_.fetch_add(1, std::memory_order_relaxed);
    }

    std::uint64_t write_failures() const noexcept { return write_failures_.load(std::memory_order_relaxed); }

    static log_level level_of(event_type t) noexcept {
        const task_event_kind step = task_event_of(t);
        if (step == task_event_kind::failed || step == task_event_kind::timed_out || step == task_event_kind::start_failed)
            return log_level::warn;
        switch (t) {
        case event_type::execution_failed:
        case event_type::execution_timed_out: return log_level::error;
        case event_type::execution_aborted:
        case event_type::task_failed:
        case event_type::task_timed_out:
        case event_type::task_start_failed:
        case event_type::task_submit_failed:
        case event_type::parallel_state_failed:
        case event_type::map_state_failed:
        case event_type::map_iteration_failed:
        case event_type::map_run_failed:
        case event_type::evaluation_failed: return log_level::warn;
        default: return log_level::info;
        }
    }

private:
    std::string format(std::string_view arn, const history_event& event, log_level level, const detail::log_link& link) const {
        json line = json::object();
        line["timestamp"] = detail::format_iso8601(event.timestamp);
        line["level"] = to_string(level);
        std::string message = to_string(event.type);
        if (!link.state.empty()) message.append(1, ' ').append(link.state);
        line["message"] = std::move(message);
        line["event"] = to_string(event.type);
        line["event_id"] = event.id;
        line["execution"] = std::string(arn);
        line["state_machine"] = std::string(detail::machine_of_arn(arn));
        if (!link.state.empty()) line["state"] = link.state;
        if (event.details.is_object()) {
            if (auto e = event.details.find("error"); e != event.details.end() && e->is_string()) line["error"] = *e;
            if (auto c = event.details.find("cause"); c != event.details.end() && c->is_string()) line["cause"] = *c;
            if (auto r = event.details.find("resource"); r != event.details.end() && r->is_string()) {
                line["resource"] = *r;
                if (auto t = event.details.find("resourceType"); t != event.details.end() && t->is_string())
                    line["resource_type"] = *t;
            }
            if (options_.include_payloads)
                for (const char* key : {"input", "output", "parameters"})
                    if (auto p = event.details.find(key); p != event.details.end() && p->is_string())
                        line[key] = detail::masked_payload(p->get_ref<const std::string&>());
        }
        if (link.duration) line["duration_ms"] = *link.duration;
        std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace);
        for (const auto& secret : options_.redact) {
            if (secret.empty()) continue;
            detail::replace_all(text, secret, "***");
            // As it reads inside a JSON string (quotes, backslashes, control characters escaped).
            const std::string quoted = json(secret).dump(-1, ' ', false, json::error_handler_t::replace);
            detail::replace_all(text, std::string_view(quoted).substr(1, quoted.size() - 2), "***");
        }
        return text;
    }

    std::FILE* out_;
    json_log_options options_;
    bool owns_file_ = false;
    bool syslog_ = false;
    std::mutex chain_mutex_;
    detail::log_chains chains_;
    std::mutex write_mutex_;
    std::atomic<std::uint64_t> write_failures_{0};
};

} // namespace stepfn

#endif
