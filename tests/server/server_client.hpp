#ifndef STEPFN_TESTS_SERVER_CLIENT_HPP
#define STEPFN_TESTS_SERVER_CLIENT_HPP

// A small blocking HTTP/1.1 client on POSIX sockets for the API server's tests: every wait is
// bounded by a timeout, so a server bug fails a test instead of hanging it.

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace stepfn_test {

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;

    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

inline std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

class http_test_client {
public:
    http_test_client() = default;
    http_test_client(const http_test_client&) = delete;
    http_test_client& operator=(const http_test_client&) = delete;
    http_test_client(http_test_client&& o) noexcept : fd_(std::exchange(o.fd_, -1)), buffered_(std::move(o.buffered_)) {}
    http_test_client& operator=(http_test_client&& o) noexcept {
        if (this != &o) {
            close();
            fd_ = std::exchange(o.fd_, -1);
            buffered_ = std::move(o.buffered_);
        }
        return *this;
    }
    ~http_test_client() { close(); }

    // Connects to 127.0.0.1 (or ::1 when ipv6); false when refused.
    bool connect(std::uint16_t port, bool ipv6 = false) {
        close();
        fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return false;
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int rc;
        if (ipv6) {
            sockaddr_in6 addr{};
            addr.sin6_family = AF_INET6;
            addr.sin6_port = htons(port);
            addr.sin6_addr = in6addr_loopback;
            rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        } else {
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(port);
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        }
        if (rc != 0) {
            close();
            return false;
        }
        return true;
    }

    bool is_open() const { return fd_ >= 0; }

    bool send(std::string_view data) {
        while (!data.empty()) {
            ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // One response (Content-Length framed); nullopt on end of stream, reset or timeout.
    std::optional<http_reply> read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        std::size_t header_end;
        while ((header_end = buffered_.find("\r\n\r\n")) == std::string::npos)
            if (!fill(deadline)) return std::nullopt;
        http_reply reply;
        std::string_view head(buffered_.data(), header_end);
        auto line_end = head.find("\r\n");
        std::string_view status_line = head.substr(0, line_end);
        if (status_line.size() < 12) return std::nullopt;
        reply.status = std::stoi(std::string(status_line.substr(9, 3)));
        std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
            auto end = head.find("\r\n", pos);
            if (end == std::string_view::npos) end = head.size();
            std::string_view line = head.substr(pos, end - pos);
            auto colon = line.find(':');
            if (colon != std::string_view::npos) {
                std::string value(line.substr(colon + 1));
                while (!value.empty() && value.front() == ' ') value.erase(value.begin());
                reply.headers[lower(std::string(line.substr(0, colon)))] = value;
            }
            pos = end + 2;
        }
        buffered_.erase(0, header_end + 4);
        if (reply.status == 100) return reply;
        std::size_t length = 0;
        if (auto it = reply.headers.find("content-length"); it != reply.headers.end()) length = std::stoul(it->second);
        if (head_only_) length = 0;
        while (buffered_.size() < length)
            if (!fill(deadline)) return std::nullopt;
        reply.body = buffered_.substr(0, length);
        buffered_.erase(0, length);
        return reply;
    }

    // True when the server closes the connection (end of stream or reset) within the timeout.
    bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            buffered_.clear();
            if (!fill(deadline)) return !timed_out_;
        }
    }

    void expect_head_reply(bool head) { head_only_ = head; }

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        buffered_.clear();
    }

private:
    bool fill(std::chrono::steady_clock::time_point deadline) {
        timed_out_ = false;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
            if (left <= 0) {
                timed_out_ = true;
                return false;
            }
            pollfd p{fd_, POLLIN, 0};
            int rc = ::poll(&p, 1, static_cast<int>(left));
            if (rc < 0 && errno == EINTR) continue;
            if (rc <= 0) continue;
            char chunk[16384];
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            buffered_.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
    }

    int fd_ = -1;
    std::string buffered_;
    bool timed_out_ = false;
    bool head_only_ = false;
};

// An AWS JSON 1.0 request as AWS's SDKs send it.
inline std::string api_request(const std::string& action, const std::string& body, const std::string& extra_headers = "") {
    std::string target = action.empty() ? std::string() : "X-Amz-Target: AWSStepFunctions." + action + "\r\n";
    return "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n" + target + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace stepfn_test

#endif
