#ifndef STEPFN_TESTS_SERVERS_LOOPBACK_RECEIVER_HPP
#define STEPFN_TESTS_SERVERS_LOOPBACK_RECEIVER_HPP

// A small HTTP/1.1 receiver on 127.0.0.1 for the tests: keeps every request (method, path,
// headers, body) and answers each with a fixed status and body. One thread, poll() with short
// timeouts, bounded sizes; stops on destruction.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace stepfn_test {

struct received_request {
    std::string method, path, body;
    std::map<std::string, std::string> headers;  // names in lower case
};

class loopback_receiver {
public:
    explicit loopback_receiver(int status = 200, std::string reply_body = "{}")
        : status_(status), reply_body_(std::move(reply_body)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listener_, 16) != 0)
            return;
        socklen_t len = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~loopback_receiver() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (listener_ >= 0) ::close(listener_);
    }

    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

    std::vector<received_request> requests() {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
    }

private:
    void run() {
        std::vector<int> clients;
        std::map<int, std::string> buffers;
        while (!stop_) {
            std::vector<pollfd> fds{{listener_, POLLIN, 0}};
            for (int c : clients) fds.push_back({c, POLLIN, 0});
            if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
            if (fds[0].revents & POLLIN) {
                int c = ::accept(listener_, nullptr, nullptr);
                if (c >= 0) clients.push_back(c);
            }
            for (std::size_t i = 1; i < fds.size(); ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                const int c = fds[i].fd;
                char buf[65536];
                const ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0 || buffers[c].size() > (8u << 20)) {
                    ::close(c);
                    buffers.erase(c);
                    clients.erase(std::find(clients.begin(), clients.end(), c));
                    continue;
                }
                buffers[c].append(buf, static_cast<std::size_t>(n));
                while (take_request(c, buffers[c])) {
                }
            }
        }
        for (int c : clients) ::close(c);
    }

    // Parses one complete request off the front of `data` and answers it.
    bool take_request(int c, std::string& data) {
        const auto head_end = data.find("\r\n\r\n");
        if (head_end == std::string::npos) return false;
        received_request r;
        std::size_t line_end = data.find("\r\n");
        const std::string request_line = data.substr(0, line_end);
        const auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
        r.method = request_line.substr(0, sp1);
        r.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
        std::size_t pos = line_end + 2;
        while (pos < head_end) {
            const auto end = data.find("\r\n", pos);
            const std::string line = data.substr(pos, end - pos);
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                std::string name = line.substr(0, colon);
                for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                std::string value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(value.begin());
                r.headers[name] = value;
            }
            pos = end + 2;
        }
        std::size_t length = 0;
        if (auto it = r.headers.find("content-length"); it != r.headers.end()) length = std::stoul(it->second);
        if (data.size() < head_end + 4 + length) return false;
        r.body = data.substr(head_end + 4, length);
        data.erase(0, head_end + 4 + length);
        const std::string reply = "HTTP/1.1 " + std::to_string(status_) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
                                  std::to_string(reply_body_.size()) + "\r\n\r\n" + reply_body_;
        // Recorded before the reply goes out: a client that has its answer finds its request here.
        {
            std::lock_guard<std::mutex> lock(mutex_);
            requests_.push_back(std::move(r));
        }
        changed_.notify_all();
        (void)::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
        return true;
    }

    int status_;
    std::string reply_body_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<received_request> requests_;
};

} // namespace stepfn_test

#endif
