#ifndef STEPFN_INTEGRATIONS_DETAIL_API_SERVER_CONNECTION_HPP
#define STEPFN_INTEGRATIONS_DETAIL_API_SERVER_CONNECTION_HPP

// One client connection of the API server: reads a request (bounded in size and time), hands
// it to the protocol handler, waits for the reply without a thread, writes it, and goes round
// again while the client keeps the connection alive.
//
// Everything a connection does runs on its strand (the executor of its socket). What keeps it
// alive is its own pending operation: a read, a write, the timer, or, while a reply is
// awaited, a wait for the socket to become readable, which also notices a client that goes
// away. A reply from any thread reaches it through api_reply_sink, which holds it only weakly.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <stepfn/api/api_call.hpp>
#include <stepfn/config.hpp>
#include <stepfn/integrations/detail/api_server_protocol.hpp>
#include <stepfn/integrations/detail/api_server_state.hpp>

namespace stepfn::detail {

namespace server_asio = boost::asio;
using server_tcp = boost::asio::ip::tcp;
using server_error_code = boost::beast::error_code;

// After a reply that closes the connection (413, 431, 400), unread bytes the client still
// sends are read and dropped for this long at most, so that closing does not reset the
// connection before the client has read the reply.
inline constexpr std::chrono::milliseconds api_linger_time{2000};

inline std::string format_peer(const server_tcp::endpoint& endpoint) {
    auto address = endpoint.address();
    std::string text = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return text + ":" + std::to_string(endpoint.port());
}

class api_connection : public std::enable_shared_from_this<api_connection> {
public:
    api_connection(server_tcp::socket socket, std::shared_ptr<api_server_state> state, std::string peer)
        : socket_(std::move(socket)), timer_(socket_.get_executor()), state_(std::move(state)), peer_(std::move(peer)) {
        server_error_code ignored;
        socket_.non_blocking(true, ignored);  // for the peek of a waiting connection; async operations are unaffected
    }

    api_connection(const api_connection&) = delete;
    api_connection& operator=(const api_connection&) = delete;

    ~api_connection() {
        std::lock_guard<std::mutex> lock(state_->registry_mutex);
        state_->connections.erase(this);
        if (state_->connections.empty()) state_->registry_empty.notify_all();
    }

    void start() {
        server_asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
    }

    // stop(): an idle connection closes now; one with a request in flight closes after its reply.
    void begin_stop() {
        server_asio::post(socket_.get_executor(), [self = shared_from_this()] {
            self->stopping_ = true;
            if (self->phase_ == phase::idle) self->close();
        });
    }

    // stop() after the drain time: whatever is still open closes, a pending reply is dropped.
    void force_close() {
        server_asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
    }

    // A reply from any thread: posted to the connection's strand while the io_context exists
    // and the connection is open; dropped otherwise.
    static void deliver(const std::shared_ptr<api_server_state>& state, const std::weak_ptr<api_connection>& weak,
                        std::uint64_t sequence, api_reply reply) {
        std::lock_guard<std::mutex> lock(state->post_mutex);
        if (!state->io_alive) return;
        auto connection = weak.lock();
        if (!connection) return;
        auto executor = connection->socket_.get_executor();
        // The connection moves into the posted job, so no strong reference stays on this thread
        // once the lock is released (the io_context may go right after).
        server_asio::post(executor, [connection = std::move(connection), sequence, reply = std::move(reply)]() mutable {
            connection->on_reply(sequence, std::move(reply));
        });
    }

    // Over the connection limit: a 503 written without waiting (it fits any socket buffer), then
    // closed; the connection never reads.
    void refuse(std::size_t limit) {
        api_reply reply = api_error_reply(503, "ServiceUnavailable",
                                          "the server has reached its limit of " + std::to_string(limit) + " open connections; retry later");
        std::string text = "HTTP/1.1 503 Service Unavailable\r\nServer: stepfn\r\nContent-Type: ";
        text += api_content_type;
        text += "\r\nx-amzn-RequestId: " + state_->request_ids.next() + "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                "\r\nConnection: close\r\n\r\n" + reply.body;
        server_error_code ignored;
        socket_.write_some(server_asio::buffer(text), ignored);
        phase_ = phase::closing;
        close();
    }

private:
    enum class phase { idle, reading, pending, writing, closing, closed };
    using parser_type = server_http::request_parser<server_http::string_body>;

    void wait_for_request() {
        if (phase_ == phase::closed || phase_ == phase::closing) return;
        if (stopping_ || state_->stopping.load()) return close();
        phase_ = phase::idle;
        if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
        arm_timer(state_->options.idle_timeout);
        socket_.async_wait(server_tcp::socket::wait_read, [self = shared_from_this()](server_error_code ec) {
            if (self->phase_ != phase::idle) return;
            if (ec) return self->close();
            self->read_header();
        });
    }

    void read_header() {
        phase_ = phase::reading;
        // One deadline for the whole request, header and body: a client sending a byte a
        // second is cut off however it paces itself.
        arm_timer(state_->options.request_timeout);
        parser_.emplace();
        constexpr std::size_t max_header_limit = 0xffffffffU;
        parser_->header_limit(static_cast<std::uint32_t>((std::min)(state_->options.max_header_bytes, max_header_limit)));
        parser_->body_limit(static_cast<std::uint64_t>(state_->options.max_body_bytes));
        server_http::async_read_header(socket_, buffer_, *parser_,
                                       [self = shared_from_this()](server_error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(server_error_code ec) {
        if (phase_ != phase::reading) return;
        if (ec) return on_read_error(ec);
        const auto& request = parser_->get();
        request_version_ = request.version();
        request_keep_alive_ = request.keep_alive();
        head_request_ = request.method() == server_http::verb::head;
        auto length = parser_->content_length();
        if (length && *length > state_->options.max_body_bytes) {
            return reply_and_close(api_error_reply(413, "RequestEntityTooLarge",
                                                   "the request body of " + std::to_string(*length) + " bytes is over the server's limit of " +
                                                       std::to_string(state_->options.max_body_bytes) + " bytes"));
        }
        auto expect = request.find(server_http::field::expect);
        if (expect != request.end() && ascii_iequals(std::string_view(expect->value().data(), expect->value().size()), "100-continue") &&
            !parser_->is_done()) {
            static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";
            server_asio::async_write(socket_, server_asio::buffer(continue_line, sizeof continue_line - 1),
                                     [self = shared_from_this()](server_error_code write_ec, std::size_t) {
                                         if (self->phase_ != phase::reading) return;
                                         if (write_ec) return self->close();
                                         self->read_body();
                                     });
            return;
        }
        read_body();
    }

    void read_body() {
        server_http::async_read(socket_, buffer_, *parser_,
                                [self = shared_from_this()](server_error_code ec, std::size_t) { self->on_body(ec); });
    }

    void on_body(server_error_code ec) {
        if (phase_ != phase::reading) return;
        if (ec) return on_read_error(ec);
        cancel_timer();
        auto request = parser_->release();
        parser_.reset();
        if (buffer_.size() == 0) buffer_.shrink_to_fit();  // a waiting request keeps no read buffer
        dispatch(std::move(request));
    }

    void on_read_error(server_error_code ec) {
        namespace http_error = boost::beast::http;
        if (ec == http_error::error::body_limit) {
            return reply_and_close(api_error_reply(413, "RequestEntityTooLarge",
                                                   "the request body is over the server's limit of " +
                                                       std::to_string(state_->options.max_body_bytes) + " bytes"));
        }
        if (ec == http_error::error::header_limit) {
            return reply_and_close(api_error_reply(431, "RequestHeaderFieldsTooLarge",
                                                   "the request line and headers are over the server's limit of " +
                                                       std::to_string(state_->options.max_header_bytes) + " bytes"));
        }
        // A closed or reset connection, a timeout (the timer closed the socket), or a message cut
        // short: nobody to answer.
        if (ec == http_error::error::end_of_stream || ec == http_error::error::partial_message ||
            ec.category() != http_error::make_error_code(http_error::error::need_more).category()) {
            return close();
        }
        return reply_and_close(api_error_reply(400, "BadRequestException", "malformed HTTP request: " + ec.message()));
    }

    void dispatch(server_http::request<server_http::string_body> request) {
        api_route route = route_api_request(request, &state_->options);
        if (route.what == api_route::kind::metrics) return write_reply(metrics_reply(state_->options, caller_of(request)));
        if (route.what != api_route::kind::call) return write_reply(std::move(route.reply));
        phase_ = phase::pending;
        const std::uint64_t sequence = ++sequence_;
        watch_for_disconnect();
#if STEPFN_HAS_EXCEPTIONS
        try {
#endif
            state_->handler(route.action, std::move(request.body()), caller_of(request),
                            api_reply_handler(api_reply_sink(state_, weak_from_this(), sequence)));
#if STEPFN_HAS_EXCEPTIONS
        } catch (const std::exception& e) {
            on_reply(sequence, api_error_reply(500, "InternalFailure", std::string("the protocol handler failed: ") + e.what()));
        } catch (...) {
            on_reply(sequence, api_error_reply(500, "InternalFailure", "the protocol handler failed"));
        }
#endif
    }

    // The caller as an authenticator sees it: address, method, target and headers (names
    // lower-cased, as SigV4 canonicalises them).
    api_caller caller_of(const server_http::request<server_http::string_body>& request) const {
        api_caller caller;
        caller.address = peer_;
        caller.method = std::string(request.method_string());
        caller.target = std::string(request.target());
        caller.headers.reserve(16);
        for (const auto& field : request) {
            std::string name(field.name_string());
            for (char& c : name)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            caller.headers.emplace_back(std::move(name), std::string(field.value()));
        }
        return caller;
    }

    // While a reply is awaited: readable means either the next (pipelined) request or the
    // client's end of stream; a peek tells which, so a client that gave up frees its connection.
    void watch_for_disconnect() {
        watching_ = true;
        socket_.async_wait(server_tcp::socket::wait_read, [self = shared_from_this()](server_error_code ec) {
            self->watching_ = false;
            if (self->phase_ != phase::pending) return;
            if (ec) return self->close();
            char byte = 0;
            server_error_code peek_ec;
            std::size_t n = self->socket_.receive(server_asio::buffer(&byte, 1), server_tcp::socket::message_peek, peek_ec);
            if (peek_ec == server_asio::error::would_block || peek_ec == server_asio::error::try_again) return self->watch_for_disconnect();
            if (peek_ec || n == 0) return self->close();  // gone: the reply, when it comes, is dropped
            // Bytes of the next request: read once this reply is written.
        });
    }

    void on_reply(std::uint64_t sequence, api_reply reply) {
        if (phase_ != phase::pending || sequence != sequence_) return;
        if (watching_) {
            server_error_code ignored;
            socket_.cancel(ignored);
        }
        write_reply(std::move(reply));
    }

    void reply_and_close(api_reply reply) {
        close_after_write_ = true;
        write_reply(std::move(reply));
    }

    void write_reply(api_reply reply) {
        phase_ = phase::writing;
        bool keep_alive = request_keep_alive_ && !close_after_write_ && !stopping_ && !state_->stopping.load();
        if (!keep_alive) close_after_write_ = true;
        response_ = std::make_unique<server_http::response<server_http::string_body>>(
            make_api_response(std::move(reply), request_version_, keep_alive, state_->request_ids.next(), head_request_));
        arm_timer(state_->options.write_timeout);
        server_http::async_write(socket_, *response_, [self = shared_from_this()](server_error_code ec, std::size_t) {
            self->response_.reset();
            if (self->phase_ != phase::writing) return;
            self->cancel_timer();
            if (ec) return self->close();
            if (self->close_after_write_) return self->linger_and_close();
            self->wait_for_request();
        });
    }

    // Closing right after a reply with unread request bytes would make the kernel reset the
    // connection, and the client could lose the reply: send FIN, then read and drop what still
    // comes, for a bounded time.
    void linger_and_close() {
        phase_ = phase::closing;
        server_error_code ignored;
        socket_.shutdown(server_tcp::socket::shutdown_send, ignored);
        arm_timer((std::min)(api_linger_time, state_->options.request_timeout));
        discard();
    }

    void discard() {
        buffer_.consume(buffer_.size());
        socket_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](server_error_code ec, std::size_t) {
            if (self->phase_ != phase::closing) return;
            if (ec) return self->close();
            self->discard();
        });
    }

    void close() {
        if (phase_ == phase::closed) return;
        phase_ = phase::closed;
        cancel_timer();
        server_error_code ignored;
        socket_.shutdown(server_tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    void arm_timer(std::chrono::milliseconds timeout) {
        const std::uint64_t generation = ++timer_generation_;
        timer_.expires_after(timeout);
        timer_.async_wait([self = shared_from_this(), generation](server_error_code ec) {
            if (ec || generation != self->timer_generation_) return;
            self->close();  // the pending read or write completes with operation_aborted
        });
    }

    void cancel_timer() {
        ++timer_generation_;
        timer_.cancel();
    }

    // What the protocol handler gets as its reply handler: a weak handle on the connection and
    // the number of the request, so that a reply for a connection that closed, or a second
    // reply, is dropped. One that is destroyed without being called answers 500, so a
    // handler's bug does not leave the client waiting forever.
    class api_reply_sink {
    public:
        api_reply_sink(std::shared_ptr<api_server_state> state, std::weak_ptr<api_connection> connection, std::uint64_t sequence)
            : state_(std::move(state)), connection_(std::move(connection)), sequence_(sequence) {}
        api_reply_sink(api_reply_sink&& other) noexcept
            : state_(std::move(other.state_)), connection_(std::move(other.connection_)), sequence_(other.sequence_),
              armed_(std::exchange(other.armed_, false)) {}
        api_reply_sink& operator=(api_reply_sink&&) = delete;
        api_reply_sink(const api_reply_sink&) = delete;
        api_reply_sink& operator=(const api_reply_sink&) = delete;

        ~api_reply_sink() {
            if (!armed_) return;
#if STEPFN_HAS_EXCEPTIONS
            try {
#endif
                deliver(state_, connection_, sequence_,
                        api_error_reply(500, "InternalFailure", "the protocol handler dropped the call without replying"));
#if STEPFN_HAS_EXCEPTIONS
            } catch (...) {
                // Out of memory while posting: the client's connection times out or closes.
            }
#endif
        }

        void operator()(api_reply reply) {
            if (!armed_) return;
            armed_ = false;
            deliver(state_, connection_, sequence_, std::move(reply));
        }

    private:
        std::shared_ptr<api_server_state> state_;
        std::weak_ptr<api_connection> connection_;
        std::uint64_t sequence_;
        bool armed_ = true;
    };

    server_tcp::socket socket_;
    server_asio::steady_timer timer_;
    boost::beast::flat_buffer buffer_;
    std::optional<parser_type> parser_;
    std::unique_ptr<server_http::response<server_http::string_body>> response_;
    std::shared_ptr<api_server_state> state_;
    std::string peer_;
    phase phase_ = phase::idle;
    std::uint64_t sequence_ = 0;
    std::uint64_t timer_generation_ = 0;
    unsigned request_version_ = 11;
    bool request_keep_alive_ = false;
    bool head_request_ = false;
    bool stopping_ = false;
    bool watching_ = false;
    bool close_after_write_ = false;
};

} // namespace stepfn::detail

#endif
