#ifndef STEPFN_INTEGRATIONS_OTLP_EXPORTER_HPP
#define STEPFN_INTEGRATIONS_OTLP_EXPORTER_HPP

// stepfn::otlp_exporter: sends the engine's spans to an OpenTelemetry Collector (or any OTLP
// receiver) over OTLP/HTTP with JSON bodies (POST <endpoint>, default
// http://127.0.0.1:4318/v1/traces). A span_sink: the engine's threads only copy each span into
// a span_buffer (no allocation once it has grown to a batch); one background thread turns
// batches into JSON and sends them. The queue is bounded (spans and their text): a span that
// finds it full is dropped and counted (dropped()), never blocks the engine. A batch the receiver refuses or
// cannot take is counted in failed() and not retried.
//
// Part of the stepfn::otlp target (on stepfn::http, libcurl); not in <stepfn/stepfn.hpp>.
//
//   auto exporter = std::make_shared<stepfn::otlp_exporter>(stepfn::otlp_exporter_options{});
//   options.spans = exporter;   // engine_options

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <stepfn/integrations/http_client.hpp>
#include <stepfn/observe/otlp_json.hpp>
#include <stepfn/observe/span_buffer.hpp>
#include <stepfn/observe/tracing.hpp>

namespace stepfn {

struct otlp_exporter_options {
    std::string endpoint = "http://127.0.0.1:4318/v1/traces";
    std::vector<std::pair<std::string, std::string>> headers;  // e.g. an authorization header
    otlp_resource resource;                                    // service.name and more
    std::size_t max_queue = 2048;                              // spans waiting at most; beyond: dropped
    std::size_t max_queue_text = 4 * 1024 * 1024;              // bytes of their texts at most; beyond: dropped
    std::size_t max_batch = 512;                               // spans per request at most
    std::chrono::milliseconds interval{1000};                  // a partial batch waits this long at most
    std::chrono::milliseconds timeout{10000};                  // per request
};

class otlp_exporter final : public span_sink {
public:
    explicit otlp_exporter(otlp_exporter_options options = {}, std::shared_ptr<http_client> client = nullptr)
        : options_(std::move(options)), client_(client ? std::move(client) : std::make_shared<http_client>()) {
        if (options_.max_batch == 0) options_.max_batch = 1;
        queue_.reserve((std::min)(options_.max_batch, options_.max_queue), 64 * 1024);
        thread_ = std::thread([this] { run(); });
    }
    otlp_exporter(const otlp_exporter&) = delete;
    otlp_exporter& operator=(const otlp_exporter&) = delete;

    // Sends what is queued (bounded by the request timeout), then stops.
    ~otlp_exporter() override {
        flush();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

    void on_end(const span_data& span) override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (queue_.size() >= options_.max_queue || queue_.text_bytes() >= options_.max_queue_text) {
                ++dropped_;
                return;
            }
            queue_.push_back(span);
            if (queue_.size() < options_.max_batch) return;
        }
        wake_.notify_all();
    }

    // Sends every span queued so far and waits until they are answered (or failed).
    void flush() {
        std::unique_lock<std::mutex> lock(mutex_);
        const std::uint64_t target = queued_total();
        flush_requested_ = true;
        wake_.notify_all();
        done_.wait(lock, [&] { return handled_ >= target || stopping_; });
    }

    std::uint64_t exported() const { return read(exported_); }  // spans the receiver accepted
    std::uint64_t dropped() const { return read(dropped_); }    // spans refused: the queue was full
    std::uint64_t failed() const { return read(failed_); }      // spans in batches that could not be sent

private:
    std::uint64_t read(const std::uint64_t& counter) const {
        std::lock_guard<std::mutex> lock(mutex_);
        return counter;
    }
    // Spans accepted into the queue so far (under mutex_).
    std::uint64_t queued_total() const { return handled_ + in_flight_ + queue_.size(); }

    void run() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            wake_.wait_for(lock, options_.interval, [&] {
                return stopping_ || flush_requested_ || queue_.size() >= options_.max_batch;
            });
            if (queue_.empty()) {
                flush_requested_ = false;
                done_.notify_all();
                if (stopping_) return;
                continue;
            }
            // The queue's storage is swapped with the spare batch's, not copied: after the first
            // batches neither allocates, so the engine's threads only copy a span into place. Spans
            // that came faster than a request took wait for the next round.
            span_buffer& batch = spare_;
            batch.clear();
            std::size_t n = queue_.size();
            if (n <= options_.max_batch) {
                batch.swap(queue_);
            } else {
                n = options_.max_batch;
                span_buffer rest;
                for (std::size_t i = 0; i < queue_.size(); ++i) (i < n ? batch : rest).push_back(queue_[i]);
                queue_.swap(rest);
            }
            in_flight_ = n;
            lock.unlock();
            const bool sent = send(batch);
            batch.clear();
            lock.lock();
            in_flight_ = 0;
            handled_ += n;
            (sent ? exported_ : failed_) += n;
            if (queue_.empty()) flush_requested_ = false;
            done_.notify_all();
        }
    }

    // One request, waited for: batches go one at a time, so a slow collector slows only this
    // thread, and the queue bound does the rest.
    bool send(const span_buffer& batch) {
        http_request request;
        request.method = "POST";
        request.url = options_.endpoint;
        request.headers = options_.headers;
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = to_otlp_json(batch, options_.resource).dump(-1, ' ', false, json::error_handler_t::replace);
        request.timeout = options_.timeout;
        auto state = std::make_shared<answer>();
        client_->send(std::move(request), [state](result<http_response> response) {
            std::lock_guard<std::mutex> lock(state->mutex);
            state->ok = response && response->status >= 200 && response->status < 300;
            state->done = true;
            state->changed.notify_all();
        });
        std::unique_lock<std::mutex> lock(state->mutex);
        // The client answers every request (its own timeout); the wait is bounded all the same.
        state->changed.wait_for(lock, options_.timeout + std::chrono::seconds(5), [&] { return state->done; });
        return state->done && state->ok;
    }

    struct answer {
        std::mutex mutex;
        std::condition_variable changed;
        bool done = false;
        bool ok = false;
    };

    otlp_exporter_options options_;
    std::shared_ptr<http_client> client_;
    mutable std::mutex mutex_;
    std::condition_variable wake_, done_;
    span_buffer queue_;  // under mutex_
    span_buffer spare_;  // the sending thread's batch
    std::uint64_t handled_ = 0, in_flight_ = 0;
    std::uint64_t exported_ = 0, dropped_ = 0, failed_ = 0;
    bool flush_requested_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace stepfn

#endif
