#ifndef STEPFN_HISTORY_LOG_SINK_HPP
#define STEPFN_HISTORY_LOG_SINK_HPP

#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include <stepfn/detail/timestamp.hpp>
#include <stepfn/detail/utf8.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

struct log_sink_options {
    // Each value (an input, an output, a cause) is cut to this many bytes, then "…" is added;
    // 0 keeps values whole.
    std::size_t max_value_width = 120;
    // Print the whole execution ARN rather than its last segment (the execution name).
    bool full_arn = false;
};

namespace detail {

// Appends `text` cut to at most `width` bytes on a character boundary, then "…".
inline void append_value(std::string& line, std::string_view text, std::size_t width) {
    if (width == 0 || text.size() <= width) {
        line += text;
        return;
    }
    line += utf8_prefix(text, width);
    line += "\xE2\x80\xA6";  // …
}

// The last segment of an ARN (after the last ':'), which names the execution.
inline std::string_view arn_suffix(std::string_view arn) {
    const auto colon = arn.rfind(':');
    return colon == std::string_view::npos ? arn : arn.substr(colon + 1);
}

} // namespace detail

// Human-readable history, one line per event, for a terminal or a plain log:
//
//   2024-01-01T00:00:00.000Z exec-1 #4 ←3 TaskStateEntered "Charge" input={"amount":10}
//
// timestamp, execution, event id, previous event id, type, the state's name when there is one,
// then the other details as key=value: `input`, `output` and `parameters` (JSON text already)
// as they are, other strings quoted as JSON, each cut to max_value_width. The `*Details`
// companions (truncation flags) are left out. Every line starts with the timestamp and holds
// `#<id>`, so `grep`/`sort` work on it. Thread-safe; write failures are ignored (it is a log).
class log_sink final : public history_sink {
public:
    explicit log_sink(std::FILE* out = stderr, log_sink_options options = {}) noexcept
        : out_(out), options_(options) {}

    void record(std::string_view execution_arn, const history_event& event) override {
        const std::string line = format(execution_arn, event, options_);
        std::lock_guard<std::mutex> lock(mutex_);
        if (out_ != nullptr) std::fwrite(line.data(), 1, line.size(), out_);
    }

    // The line record() writes, newline included.
    static std::string format(std::string_view execution_arn, const history_event& event,
                              const log_sink_options& options = {}) {
        std::string line;
        const std::string_view execution = options.full_arn ? execution_arn : detail::arn_suffix(execution_arn);
        // Plain appends, not fmt: formatting one line is not worth instantiating fmt in every TU
        // that includes the umbrella header (docs/performance/compile-cost.md).
        line += detail::format_iso8601(event.timestamp);
        line += ' ';
        line += execution;
        line += " #";
        line += std::to_string(event.id);
        line += " \xE2\x86\x90";  // ←
        line += std::to_string(event.previous_event_id);
        line += ' ';
        line += to_string(event.type);
        if (!event.details.is_object()) {
            line += '\n';
            return line;
        }
        if (const auto name = event.details.find("name");
            name != event.details.end() && name->is_string()) {
            line += ' ';
            line += dump(*name);
        }
        for (const auto& [key, value] : event.details.items()) {
            if (key == "name" || is_companion(key)) continue;
            line += ' ';
            line += key;
            line += '=';
            if (value.is_string() && is_json_text(key)) {
                const auto& text = value.get_ref<const std::string&>();
                if (text.find('\n') == std::string::npos) {
                    detail::append_value(line, text, options.max_value_width);
                    continue;
                }
            }
            detail::append_value(line, dump(value), options.max_value_width);
        }
        line += '\n';
        return line;
    }

private:
    static std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

    // "inputDetails", "outputDetails", ...: AWS's truncation flags, noise in a log.
    static bool is_companion(std::string_view key) {
        constexpr std::string_view suffix = "Details";
        return key.size() > suffix.size() && key.substr(key.size() - suffix.size()) == suffix;
    }

    // Members whose string value is itself JSON text, shown unquoted.
    static bool is_json_text(std::string_view key) {
        return key == "input" || key == "output" || key == "parameters";
    }

    std::mutex mutex_;
    std::FILE* out_;
    log_sink_options options_;
};

} // namespace stepfn

#endif
