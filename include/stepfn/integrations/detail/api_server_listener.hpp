#ifndef STEPFN_INTEGRATIONS_DETAIL_API_SERVER_LISTENER_HPP
#define STEPFN_INTEGRATIONS_DETAIL_API_SERVER_LISTENER_HPP

// The API server's listening socket: binds (every failure an error value naming the address),
// accepts on its own strand, gives each connection a strand of its own, refuses connections
// beyond the limit, and backs off when the process runs out of file descriptors instead of
// spinning on accept.

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/api_server_connection.hpp>
#include <stepfn/integrations/detail/api_server_state.hpp>

namespace stepfn::detail {

// How long accept waits after EMFILE, ENFILE, ENOBUFS or ENOMEM before trying again.
inline constexpr std::chrono::milliseconds api_accept_backoff{100};

class api_listener : public std::enable_shared_from_this<api_listener> {
public:
    api_listener(server_asio::io_context& io, std::shared_ptr<api_server_state> state)
        : io_(io), acceptor_(server_asio::make_strand(io)), retry_(acceptor_.get_executor()), state_(std::move(state)) {}

    // Opens, binds and listens; returns the bound port.
    result<std::uint16_t> open(const server_tcp::endpoint& endpoint) {
        const std::string where = format_peer(endpoint);
        server_error_code ec;
        acceptor_.open(endpoint.protocol(), ec);
        if (ec) return make_error("BindFailed", "cannot open a socket for " + where + ": " + ec.message());
        acceptor_.set_option(server_tcp::acceptor::reuse_address(true), ec);  // restart at once after a stop (TIME_WAIT)
        acceptor_.bind(endpoint, ec);
        if (ec) {
            server_error_code ignored;
            acceptor_.close(ignored);
            if (ec == server_asio::error::address_in_use)
                return make_error("AddressInUse", where + " is already in use (another server listens there)");
            if (ec == boost::system::errc::address_not_available || ec == server_asio::error::address_family_not_supported)
                return make_error("InvalidAddress", "cannot listen on " + where + ": " + ec.message() + " (not an address of this machine?)");
            if (ec == server_asio::error::access_denied)
                return make_error("PermissionDenied", "cannot listen on " + where + ": " + ec.message() + " (ports under 1024 need privileges)");
            return make_error("BindFailed", "cannot listen on " + where + ": " + ec.message());
        }
        acceptor_.listen(state_->options.listen_backlog, ec);
        if (ec) return make_error("BindFailed", "cannot listen on " + where + ": " + ec.message());
        auto local = acceptor_.local_endpoint(ec);
        if (ec) return make_error("BindFailed", "cannot read the bound port of " + where + ": " + ec.message());
        return local.port();
    }

    void start() {
        server_asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
    }

    void close() {
        server_asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
            self->closed_ = true;
            server_error_code ignored;
            self->acceptor_.close(ignored);
            self->retry_.cancel();
        });
    }

private:
    void accept() {
        if (closed_) return;
        acceptor_.async_accept(server_asio::make_strand(io_), [self = shared_from_this()](server_error_code ec, server_tcp::socket socket) {
            self->on_accept(ec, std::move(socket));
        });
    }

    void on_accept(server_error_code ec, server_tcp::socket socket) {
        if (closed_ || ec == server_asio::error::operation_aborted) return;
        if (ec) {
            if (ec == server_asio::error::no_descriptors || ec == server_asio::error::no_buffer_space ||
                ec == server_asio::error::no_memory || ec.value() == ENFILE) {
                retry_.expires_after(api_accept_backoff);
                retry_.async_wait([self = shared_from_this()](server_error_code wait_ec) {
                    if (!wait_ec) self->accept();
                });
                return;
            }
            return accept();  // ECONNABORTED and the like concern that one connection only
        }
        admit(std::move(socket));
        accept();
    }

    void admit(server_tcp::socket socket) {
        server_error_code ec;
        auto remote = socket.remote_endpoint(ec);
        if (ec) return;  // gone already
        auto connection = std::make_shared<api_connection>(std::move(socket), state_, format_peer(remote));
        bool admitted = false;
        {
            std::lock_guard<std::mutex> lock(state_->registry_mutex);
            if (state_->connections.size() < state_->options.max_connections) {
                state_->connections.emplace(connection.get(), connection);
                admitted = true;
            }
        }
        if (admitted) return connection->start();
        refuse(std::move(connection));
    }

    // Over the connection limit: a 503 (ServiceUnavailable, which AWS's SDKs retry with back-off)
    // written without waiting (it fits any socket buffer), then closed.
    void refuse(std::shared_ptr<api_connection> connection) {
        connection->refuse(state_->options.max_connections);
    }

    server_asio::io_context& io_;
    server_tcp::acceptor acceptor_;
    server_asio::steady_timer retry_;
    std::shared_ptr<api_server_state> state_;
    bool closed_ = false;
};

} // namespace stepfn::detail

#endif
