#ifndef STEPFN_INTEGRATIONS_DETAIL_CURL_EVENT_LOOP_HPP
#define STEPFN_INTEGRATIONS_DETAIL_CURL_EVENT_LOOP_HPP

// One libcurl multi handle driven by one background thread: every HTTP request of an engine
// goes through it, so a thousand requests waiting on slow servers hold a thousand sockets, not
// a thousand threads. Other threads only push onto a queue and wake the loop
// (curl_multi_wakeup); every curl call on the multi and easy handles happens on the loop's
// thread.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/unique_function.hpp>
#include <stepfn/error.hpp>
#include <stepfn/integrations/http_message.hpp>

namespace stepfn {
namespace detail {

using http_callback = unique_function<void(result<http_response>)>;

struct curl_transfer {
    curl_transfer() { error_buffer[0] = '\0'; }
    curl_transfer(const curl_transfer&) = delete;
    curl_transfer& operator=(const curl_transfer&) = delete;
    ~curl_transfer() {
        if (easy) curl_easy_cleanup(easy);
        if (header_list) curl_slist_free_all(header_list);
    }

    std::uint64_t id = 0;
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    http_request request;
    http_response response;
    http_callback done;
    bool too_large = false;
    char error_buffer[CURL_ERROR_SIZE];
};

// The loop's state, shared by the owner and the thread, so that the thread can outlive an owner
// destroyed on the thread itself (a callback dropping the last reference).
class curl_loop_state {
public:
    curl_loop_state(long max_per_host, long max_total) {
        curl_global_init(CURL_GLOBAL_DEFAULT);  // reference-counted; thread-safe in curl >= 7.84
        multi_ = curl_multi_init();
        if (multi_) {
            curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, max_per_host);
            curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_total);
            curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, max_total);
        }
    }
    curl_loop_state(const curl_loop_state&) = delete;
    curl_loop_state& operator=(const curl_loop_state&) = delete;
    ~curl_loop_state() {
        active_.clear();  // easy handles first, then the multi handle they belonged to
        if (multi_) curl_multi_cleanup(multi_);
        curl_global_cleanup();
    }

    bool ready() const noexcept { return multi_ != nullptr; }

    std::uint64_t submit(http_request request, http_callback done) {
        auto t = std::make_unique<curl_transfer>();
        t->id = next_id_.fetch_add(1) + 1;
        t->request = std::move(request);
        t->done = std::move(done);
        const std::uint64_t id = t->id;
        bool refused = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) refused = true;
            else incoming_.push_back(std::move(t));
        }
        if (refused) {
            call(t->done, make_error(http_errors::shutdown, "the HTTP client is shutting down"));
            return id;
        }
        curl_multi_wakeup(multi_);
        return id;
    }

    void cancel(std::uint64_t id) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) return;
            cancels_.push_back(id);
        }
        curl_multi_wakeup(multi_);
    }

    void stop() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        curl_multi_wakeup(multi_);
    }

    std::size_t in_flight() const noexcept { return in_flight_.load(); }

    void run() {
        for (;;) {
            std::vector<std::unique_ptr<curl_transfer>> adds;
            std::vector<std::uint64_t> cancels;
            bool stop = false;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                adds.swap(incoming_);
                cancels.swap(cancels_);
                stop = stopping_;
            }
            for (auto& t : adds) start(std::move(t));
            for (auto id : cancels) finish(id, make_error(http_errors::cancelled, "the request was cancelled"));
            if (stop) break;
            int running = 0;
            curl_multi_perform(multi_, &running);
            int left = 0;
            while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
                if (message->msg != CURLMSG_DONE) continue;
                void* owner = nullptr;
                curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &owner);
                auto* t = static_cast<curl_transfer*>(owner);
                if (t) finish(t->id, outcome(*t, message->data.result));
            }
            curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
        }
        // Shutting down: everything outstanding fails with a named error.
        std::vector<std::uint64_t> ids;
        for (auto& entry : active_) ids.push_back(entry.first);
        for (auto id : ids) finish(id, make_error(http_errors::shutdown, "the HTTP client was destroyed with the request outstanding"));
        std::vector<std::unique_ptr<curl_transfer>> rest;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            rest.swap(incoming_);
        }
        for (auto& t : rest) call(t->done, make_error(http_errors::shutdown, "the HTTP client was destroyed with the request outstanding"));
    }

private:
    static void call(http_callback& done, result<http_response> outcome) {
        if (!done) return;
        // A host callback that throws must not take the loop down with it.
        (void)guarded_call([&] { done(std::move(outcome)); });
    }

    void start(std::unique_ptr<curl_transfer> t) {
        if (auto problem = configure(*t)) {
            call(t->done, make_error(http_errors::socket, *problem));
            return;
        }
        if (curl_multi_add_handle(multi_, t->easy) != CURLM_OK) {
            call(t->done, make_error(http_errors::socket, "the request could not be queued"));
            return;
        }
        ++in_flight_;
        active_.emplace(t->id, std::move(t));
    }

    void finish(std::uint64_t id, result<http_response> outcome) {
        auto found = active_.find(id);
        if (found == active_.end()) return;  // already finished (a late cancel)
        std::unique_ptr<curl_transfer> t = std::move(found->second);
        active_.erase(found);
        curl_multi_remove_handle(multi_, t->easy);
        --in_flight_;
        http_callback done = std::move(t->done);
        t.reset();  // frees the handle before the callback, which may queue the next request
        call(done, std::move(outcome));
    }

    static result<http_response> outcome(curl_transfer& t, CURLcode code) {
        if (code == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
            t.response.status = status;
            if (!t.request.follow_redirects && status >= 300 && status < 400) {
                char* location = nullptr;
                if (curl_easy_getinfo(t.easy, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
                    t.response.redirect_url = location;
            }
            return std::move(t.response);
        }
        if (code == CURLE_WRITE_ERROR && t.too_large)
            return make_error(http_errors::too_large, "the response body is larger than " +
                                                          std::to_string(t.request.max_response_bytes) + " bytes");
        std::string message = curl_easy_strerror(code);
        if (t.error_buffer[0] != '\0') message += ": " + std::string(t.error_buffer);
        if (code == CURLE_OPERATION_TIMEDOUT)
            return make_error(http_errors::timeout, "the request timed out after " +
                                                        std::to_string(t.request.timeout.count()) + " ms (" + message + ")");
        return make_error(http_errors::socket, message);
    }

    static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
        auto* t = static_cast<curl_transfer*>(user);
        const std::size_t n = size * count;
        if (t->response.body.size() + n > t->request.max_response_bytes) {
            t->too_large = true;
            return 0;  // aborts the transfer with CURLE_WRITE_ERROR
        }
        t->response.body.append(data, n);
        return n;
    }

    static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
        auto* t = static_cast<curl_transfer*>(user);
        const std::size_t n = size * count;
        std::string line(data, n);
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
        if (line.compare(0, 5, "HTTP/") == 0) {
            // A new response (after a 100 Continue or a redirect): only the last one counts.
            t->response.headers.clear();
            t->response.reason.clear();
            auto first = line.find(' ');
            auto second = first == std::string::npos ? std::string::npos : line.find(' ', first + 1);
            if (second != std::string::npos) t->response.reason = line.substr(second + 1);
            return n;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0) return n;
        std::string value = line.substr(colon + 1);
        const auto begin = value.find_first_not_of(" \t");
        value = begin == std::string::npos ? std::string() : value.substr(begin);
        if (t->response.headers.size() < 1000)  // bounded: a hostile server cannot grow this without end
            t->response.headers.emplace_back(line.substr(0, colon), std::move(value));
        return n;
    }

    // Returns a problem when the request cannot even be built.
    static std::unique_ptr<std::string> configure(curl_transfer& t) {
        auto problem = [](std::string text) { return std::make_unique<std::string>(std::move(text)); };
        const std::string& url = t.request.url;
        if (url.compare(0, 7, "http://") != 0 && url.compare(0, 8, "https://") != 0)
            return problem("the URL '" + url + "' is not http:// or https://");
        t.easy = curl_easy_init();
        if (!t.easy) return problem("libcurl could not create a handle");
        CURL* e = t.easy;
        curl_easy_setopt(e, CURLOPT_URL, url.c_str());
        curl_easy_setopt(e, CURLOPT_PRIVATE, static_cast<void*>(&t));
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
        curl_easy_setopt(e, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        const long timeout_ms = static_cast<long>((std::max)(t.request.timeout.count(), std::chrono::milliseconds::rep{1}));
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &curl_loop_state::on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, static_cast<void*>(&t));
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &curl_loop_state::on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, static_cast<void*>(&t));
        if (t.request.follow_redirects) {
            curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
            curl_easy_setopt(e, CURLOPT_MAXREDIRS, t.request.max_redirects);
        }
        const std::string& method = t.request.method;
        if (method == "HEAD") {
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        } else if (method != "GET" || !t.request.body.empty()) {
            if (method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());
            if (method == "POST" || !t.request.body.empty()) {
                curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.request.body.size()));
                curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.request.body.c_str());
            }
        }
        // Expect: 100-continue only adds a round trip (and confuses small servers).
        t.header_list = curl_slist_append(t.header_list, "Expect:");
        for (const auto& h : t.request.headers) {
            if (h.first.find_first_of(":\r\n") != std::string::npos || h.second.find_first_of("\r\n") != std::string::npos)
                return problem("the header '" + h.first + "' has a name or value that cannot be sent");
            std::string line = h.first + (h.second.empty() ? ";" : ": " + h.second);
            curl_slist* grown = curl_slist_append(t.header_list, line.c_str());
            if (!grown) return problem("out of memory building the headers");
            t.header_list = grown;
        }
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.header_list);
        const http_tls& tls = t.request.tls;
        if (!tls.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str());
        if (!tls.client_certificate.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, tls.client_certificate.c_str());
        if (!tls.client_key.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, tls.client_key.c_str());
        if (!tls.key_password.empty()) curl_easy_setopt(e, CURLOPT_KEYPASSWD, tls.key_password.c_str());
        return nullptr;
    }

    CURLM* multi_ = nullptr;
    std::mutex mutex_;
    std::vector<std::unique_ptr<curl_transfer>> incoming_;
    std::vector<std::uint64_t> cancels_;
    bool stopping_ = false;
    std::atomic<std::uint64_t> next_id_{0};
    std::atomic<std::size_t> in_flight_{0};
    std::unordered_map<std::uint64_t, std::unique_ptr<curl_transfer>> active_;  // the loop thread's
};

} // namespace detail
} // namespace stepfn

#endif
