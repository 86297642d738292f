#ifndef STEPFN_INTEGRATIONS_API_SERVER_HPP
#define STEPFN_INTEGRATIONS_API_SERVER_HPP

// The AWS Step Functions API on a local HTTP endpoint (target stepfn::server; docs/server.md):
// HTTP/1.1 with keep-alive on Boost.Beast, the AWS JSON 1.0 framing (POST / with X-Amz-Target:
// AWSStepFunctions.<Action>), and any api_handler behind it. A few I/O threads serve every
// connection; a request whose reply comes later (a long poll) holds no thread, only its
// connection's few kilobytes.
//
//   stepfn::api_server server(handler, {});          // 127.0.0.1:8083
//   if (auto started = server.start(); !started) { /* started.error().cause: in use, bad address */ }
//   ...
//   server.stop();                                    // drains requests in flight, then closes

#include <stepfn/config.hpp>

#if !STEPFN_HAS_EXCEPTIONS
#error "stepfn's API server needs exceptions: Boost.Asio and Boost.Beast report allocation and thread failures by throwing. Build it without -fno-exceptions (the rest of stepfn does not need them)."
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <stepfn/api/api_call.hpp>
#include <stepfn/error.hpp>
#include <stepfn/integrations/api_server_options.hpp>
#include <stepfn/integrations/detail/api_server_connection.hpp>
#include <stepfn/integrations/detail/api_server_listener.hpp>
#include <stepfn/integrations/detail/api_server_state.hpp>

namespace stepfn {

class api_server {
public:
    explicit api_server(api_handler handler, api_server_options options = {})
        : state_(std::make_shared<detail::api_server_state>(std::move(options), std::move(handler))) {}

    api_server(const api_server&) = delete;
    api_server& operator=(const api_server&) = delete;

    // Stops (as stop() does) and waits for the I/O threads. Never destroy a server from one of
    // its own I/O threads (from inside the handler).
    ~api_server() {
        stop();
        join_threads();
        {
            std::lock_guard<std::mutex> lock(state_->post_mutex);
            state_->io_alive = false;  // later replies are dropped, never posted to a destroyed io_context
        }
        listener_.reset();
        io_.reset();
    }

    // Binds and starts the I/O threads. Errors: InvalidOptions, InvalidAddress (not an IPv4 or
    // IPv6 literal, or not one of this machine), AddressInUse, PermissionDenied, BindFailed,
    // InvalidCall (started twice).
    result<void> start() {
        std::lock_guard<std::mutex> lock(lifecycle_mutex_);
        if (status_ != status::fresh) return make_error("InvalidCall", "api_server::start() was called on a server already started");
        const api_server_options& options = state_->options;
        if (!state_->handler) return make_error("InvalidOptions", "the api_server has no handler");
        if (options.threads == 0 || options.threads > 256) return make_error("InvalidOptions", "threads must be 1 to 256");
        if (options.max_connections == 0) return make_error("InvalidOptions", "max_connections must be at least 1");
        if (options.max_header_bytes < 256) return make_error("InvalidOptions", "max_header_bytes must be at least 256");
        if (options.request_timeout.count() <= 0 || options.idle_timeout.count() <= 0 || options.write_timeout.count() <= 0)
            return make_error("InvalidOptions", "request_timeout, idle_timeout and write_timeout must be positive");
        if (options.drain_timeout.count() < 0) return make_error("InvalidOptions", "drain_timeout must not be negative");
        detail::server_error_code ec;
        auto address = boost::asio::ip::make_address(options.address, ec);
        if (ec) return make_error("InvalidAddress", "'" + detail::quoted_for_message(options.address) + "' is not an IPv4 or IPv6 address");
        try {
            io_ = std::make_unique<boost::asio::io_context>(static_cast<int>(options.threads));
            listener_ = std::make_shared<detail::api_listener>(*io_, state_);
            auto port = listener_->open(detail::server_tcp::endpoint(address, options.port));
            if (!port) {
                listener_.reset();
                io_.reset();
                return tl::make_unexpected(std::move(port.error()));
            }
            port_.store(*port);
            work_.emplace(io_->get_executor());
            listener_->start();
            for (std::size_t i = 0; i < options.threads; ++i) threads_.emplace_back([io = io_.get()] { run_io(*io); });
        } catch (const std::exception& e) {
            // Thread creation or allocation failed: undo what started.
            if (work_) work_.reset();
            if (io_) io_->stop();
            join_threads();
            listener_.reset();
            io_.reset();
            return make_error("BindFailed", std::string("cannot start the API server: ") + e.what());
        }
        status_ = status::running;
        return {};
    }

    // The bound port (the chosen one when options.port was 0); 0 before start().
    std::uint16_t port() const noexcept { return port_.load(); }

    const api_server_options& options() const noexcept { return state_->options; }

    // Open connections now (those waiting on a reply included).
    std::size_t connection_count() const { return state_->connection_count(); }

    // Graceful: stops accepting, closes idle connections, lets requests in flight get their
    // replies (sent with Connection: close) for up to options.drain_timeout, then closes what is
    // left (those replies are dropped) and stops the I/O threads. Safe to call twice, before
    // start(), and from any thread but the server's own I/O threads (from those it closes
    // without waiting, and the destructor joins). Not from an asynchronous signal handler: call it
    // from the thread that waits for the signal (sigwait, or a signal_set of your own).
    void stop() {
        std::lock_guard<std::mutex> lock(lifecycle_mutex_);
        if (status_ != status::running) return;
        status_ = status::stopped;
        state_->stopping.store(true);
        listener_->close();
        for (auto& connection : open_connections()) connection->begin_stop();
        const bool on_io_thread = is_io_thread();
        if (!on_io_thread) wait_for_no_connections(state_->options.drain_timeout);
        for (auto& connection : open_connections()) connection->force_close();
        work_.reset();
        // The closes just posted run before the threads stop (bounded: every socket is closed).
        if (!on_io_thread) wait_for_no_connections(std::chrono::milliseconds(1000));
        io_->stop();
        if (!on_io_thread) join_threads();
    }

private:
    enum class status { fresh, running, stopped };

    static void run_io(boost::asio::io_context& io) {
        for (;;) {
            try {
                io.run();
                return;
            } catch (...) {
                // A handler threw (out of memory): that connection is lost, the others go on.
            }
        }
    }

    std::vector<std::shared_ptr<detail::api_connection>> open_connections() {
        std::vector<std::shared_ptr<detail::api_connection>> out;
        std::lock_guard<std::mutex> lock(state_->registry_mutex);
        out.reserve(state_->connections.size());
        for (auto& entry : state_->connections)
            if (auto connection = entry.second.lock()) out.push_back(std::move(connection));
        return out;
    }

    void wait_for_no_connections(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(state_->registry_mutex);
        state_->registry_empty.wait_for(lock, timeout, [&] { return state_->connections.empty(); });
    }

    bool is_io_thread() const {
        auto self = std::this_thread::get_id();
        return std::any_of(threads_.begin(), threads_.end(), [&](const std::thread& t) { return t.get_id() == self; });
    }

    void join_threads() {
        auto self = std::this_thread::get_id();
        for (auto& t : threads_)
            if (t.joinable() && t.get_id() != self) t.join();
        threads_.erase(std::remove_if(threads_.begin(), threads_.end(), [](const std::thread& t) { return !t.joinable(); }), threads_.end());
    }

    std::shared_ptr<detail::api_server_state> state_;
    std::unique_ptr<boost::asio::io_context> io_;
    std::shared_ptr<detail::api_listener> listener_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<std::thread> threads_;
    std::atomic<std::uint16_t> port_{0};
    std::mutex lifecycle_mutex_;
    status status_ = status::fresh;
};

} // namespace stepfn

#endif
