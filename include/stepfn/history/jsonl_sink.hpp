#ifndef STEPFN_HISTORY_JSONL_SINK_HPP
#define STEPFN_HISTORY_JSONL_SINK_HPP

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include <stepfn/error.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

struct jsonl_sink_options {
    // Flush after every event, so that a crash loses nothing and `tail -f` sees each event as
    // it happens. Turn off for throughput; the sink still flushes on destruction and flush().
    bool flush_each_event = true;
    // Adds "executionArn" to each line (AWS's event shape has no such member; without it, lines
    // of concurrent executions in one file cannot be told apart).
    bool with_execution_arn = false;
    // For open(): append to an existing file rather than truncating it.
    bool append = true;
};

// Writes one JSON object per line (JSON Lines), each AWS's shape of one event, compact;
// invalid UTF-8 in a payload is replaced (U+FFFD) rather than failing. Thread-safe: lines are
// never interleaved. A failed write is counted in write_failures(), never thrown.
class jsonl_sink final : public history_sink {
public:
    // Writes to `file`, which the caller keeps open for the sink's lifetime and closes.
    explicit jsonl_sink(std::FILE* file, jsonl_sink_options options = {}) noexcept
        : file_(file), options_(options) {}

    // Opens (creating it if needed) the file at `path`; the sink closes it.
    static result<std::shared_ptr<jsonl_sink>> open(const std::string& path, jsonl_sink_options options = {}) {
        errno = 0;
        std::FILE* file = std::fopen(path.c_str(), options.append ? "ab" : "wb");
        if (file == nullptr) {
            const int code = errno;
            return make_error("IOError", "cannot open the history file '" + path + "': " +
                                             (code != 0 ? std::generic_category().message(code)
                                                        : std::string("unknown error")));
        }
        auto sink = std::make_shared<jsonl_sink>(file, options);
        sink->owns_file_ = true;
        return sink;
    }

    jsonl_sink(const jsonl_sink&) = delete;
    jsonl_sink& operator=(const jsonl_sink&) = delete;

    ~jsonl_sink() override {
        if (file_ == nullptr) return;
        if (owns_file_)
            std::fclose(file_);
        else
            std::fflush(file_);
    }

    void record(std::string_view execution_arn, const history_event& event) override {
        // Serialised before taking the lock: only the write itself is serialised.
        json line = to_json(event);
        if (options_.with_execution_arn) line["executionArn"] = std::string(execution_arn);
        std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace);
        text += '\n';

        std::lock_guard<std::mutex> lock(mutex_);
        if (file_ == nullptr) return;
        bool ok = std::fwrite(text.data(), 1, text.size(), file_) == text.size();
        if (options_.flush_each_event) ok = std::fflush(file_) == 0 && ok;
        if (!ok) write_failures_.fetch_add(1, std::memory_order_relaxed);
    }

    void flush() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (file_ != nullptr && std::fflush(file_) != 0) write_failures_.fetch_add(1, std::memory_order_relaxed);
    }

    // Events that could not be written in full (disk full, closed pipe, ...).
    std::size_t write_failures() const noexcept { return write_failures_.load(std::memory_order_relaxed); }

private:
    std::mutex mutex_;
    std::FILE* file_;
    jsonl_sink_options options_;
    bool owns_file_ = false;
    std::atomic<std::size_t> write_failures_{0};
};

} // namespace stepfn

#endif
