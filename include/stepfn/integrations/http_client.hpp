#ifndef STEPFN_INTEGRATIONS_HTTP_CLIENT_HPP
#define STEPFN_INTEGRATIONS_HTTP_CLIENT_HPP

// stepfn::http_client: the one HTTP event loop of an engine (libcurl's multi interface on one
// background thread). The HTTP invokers of an engine share one client, so that every request
// they make, however many wait at once, is served by that thread; connections are reused, and
// the number open to one host and in all is bounded (more requests queue inside the client).
//
// Part of the stepfn::http target (links CURL::libcurl); not in <stepfn/stepfn.hpp>.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/curl_event_loop.hpp>
#include <stepfn/integrations/http_message.hpp>

namespace stepfn {

struct http_client_options {
    std::size_t max_connections_per_host = 16;  // CURLMOPT_MAX_HOST_CONNECTIONS
    std::size_t max_connections = 256;          // CURLMOPT_MAX_TOTAL_CONNECTIONS
};

class http_client {
public:
    explicit http_client(http_client_options options = {})
        : state_(std::make_shared<detail::curl_loop_state>(to_long(options.max_connections_per_host),
                                                            to_long(options.max_connections))) {
        if (state_->ready()) {
            auto state = state_;
            thread_ = std::thread([state] { state->run(); });
        }
    }
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    // Stops the loop; requests still outstanding complete with http_errors::shutdown.
    ~http_client() {
        state_->stop();
        if (!thread_.joinable()) return;
        // Destroyed by one of its own callbacks: the thread finishes on its own (it holds the state).
        if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
        else thread_.join();
    }

    // False when libcurl could not be initialised; every request then fails at once.
    bool ready() const noexcept { return thread_.joinable(); }

    // Sends a request; `done(result<http_response>)` is called once, on the client's thread, with
    // the response (any status) or a named error (http_errors). Keep `done` short: it runs on
    // the loop every other request waits on. Returns an id for cancel().
    template <class F>
    std::uint64_t send(http_request request, F&& done) {
        static_assert(std::is_invocable_v<F&, result<http_response>>,
                      "stepfn::http_client::send: the callback must take stepfn::result<stepfn::http_response>");
        detail::http_callback callback(std::forward<F>(done));
        if (!ready()) {
            callback(make_error(http_errors::socket, "libcurl could not be initialised"));
            return 0;
        }
        return state_->submit(std::move(request), std::move(callback));
    }

    // Aborts a request; its callback gets http_errors::cancelled unless it already finished.
    void cancel(std::uint64_t id) {
        if (id != 0) state_->cancel(id);
    }

    // Requests handed to libcurl and not finished (queued for a connection included).
    std::size_t in_flight() const noexcept { return state_->in_flight(); }

private:
    static long to_long(std::size_t n) noexcept {
        return n > 1000000 ? 1000000L : static_cast<long>(n);
    }

    std::shared_ptr<detail::curl_loop_state> state_;
    std::thread thread_;
};

} // namespace stepfn

#endif
