// What a waiting request costs the API server: N connections (default 10,000) each with one
// request whose reply is held back (a GetActivityTask long poll), and the server process's
// resident memory (VmRSS) before and after, per pending request. Then every call is answered
// and the client checks it got N replies.
//
// The clients live in a forked child process, so the figure is the server's alone (its
// sockets, strands, timers, buffers, parsers, and the handler's parked reply handlers; kernel
// socket buffers are not in VmRSS). The soft limit on open files is raised to the hard limit in
// both processes; when that is too low for N, N is lowered and the report says so.
// Figures only; no assertions. Usage: stepfn_bench_idle_polls [connections] [io-threads]

#include <stepfn/integrations/api_server.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

long rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

bool write_all(int fd, const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool read_all(int fd, void* data, std::size_t size) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
        ssize_t n = ::read(fd, p, size);
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// The child: connects n clients, sends one request on each, reports, waits for the word to
// read, then counts complete replies (each at most 60 s away). Exit status 0 when all came.
int run_clients(int to_parent, int from_parent, long n) {
    std::uint16_t port = 0;
    if (!read_all(from_parent, &port, sizeof port)) return 2;
    const std::string request =
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n"
        "X-Amz-Target: AWSStepFunctions.GetActivityTask\r\nContent-Length: 76\r\n\r\n"
        "{\"activityArn\":\"arn:aws:states:us-east-1:123456789012:activity:bench\",\"x\":1}";
    std::vector<int> fds;
    fds.reserve(static_cast<std::size_t>(n));
    long connected = 0;
    for (long i = 0; i < n; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) break;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
            ::close(fd);
            break;
        }
        fds.push_back(fd);
        ++connected;
    }
    if (!write_all(to_parent, &connected, sizeof connected)) return 2;
    char go = 0;
    if (!read_all(from_parent, &go, 1)) return 2;
    long replies = 0;
    for (int fd : fds) {
        std::string got;
        auto deadline = clock_type::now() + std::chrono::seconds(60);
        while (clock_type::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 1000) <= 0) continue;
            char chunk[4096];
            ssize_t r = ::recv(fd, chunk, sizeof chunk, 0);
            if (r <= 0) break;
            got.append(chunk, static_cast<std::size_t>(r));
            auto end = got.find("\r\n\r\n");
            if (end != std::string::npos && got.size() >= end + 4 + 2 && got.compare(0, 12, "HTTP/1.1 200") == 0) {
                ++replies;  // the body is "{}": two bytes after the header
                break;
            }
        }
        ::close(fd);
    }
    write_all(to_parent, &replies, sizeof replies);
    return replies == connected ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    long n = argc > 1 ? std::atol(argv[1]) : 10000;
    const std::size_t threads = argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 1;

    // Open files: raise the soft limit to the hard one; each process needs n sockets and a few more.
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    const rlim_t soft_before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    const long usable = static_cast<long>(limit.rlim_cur) - 64;
    std::printf("open files: soft limit %llu raised to %llu (hard limit)\n", static_cast<unsigned long long>(soft_before),
                static_cast<unsigned long long>(limit.rlim_cur));
    if (usable < n) {
        std::printf("the limit allows %ld connections per process, not %ld: measuring %ld\n", usable, n, usable);
        n = usable;
    }

    int to_parent[2], to_child[2];
    if (::pipe(to_parent) != 0 || ::pipe(to_child) != 0) return 1;
    pid_t child = ::fork();  // before the server's threads exist
    if (child < 0) return 1;
    if (child == 0) {
        ::close(to_parent[0]);
        ::close(to_child[1]);
        std::_Exit(run_clients(to_parent[1], to_child[0], n));
    }
    ::close(to_parent[1]);
    ::close(to_child[0]);

    std::mutex mutex;
    std::condition_variable changed;
    std::vector<stepfn::api_reply_handler> parked;
    parked.reserve(static_cast<std::size_t>(n));  // reserved before the first figure: not counted per request
    stepfn::api_server_options options;
    options.port = 0;
    options.threads = threads;
    options.max_connections = static_cast<std::size_t>(n) + 16;
    options.idle_timeout = std::chrono::minutes(5);
    stepfn::api_server server(
        [&](std::string_view, std::string, stepfn::api_caller, stepfn::api_reply_handler reply) {
            std::lock_guard<std::mutex> lock(mutex);
            parked.push_back(std::move(reply));
            changed.notify_all();
        },
        options);
    if (auto started = server.start(); !started) {
        std::fprintf(stderr, "cannot start the server: %s\n", started.error().cause.c_str());
        return 1;
    }
    const long rss_before = rss_kib();
    const auto t0 = clock_type::now();
    std::uint16_t port = server.port();
    write_all(to_child[1], &port, sizeof port);
    long connected = 0;
    read_all(to_parent[0], &connected, sizeof connected);
    bool all_parked;
    {
        std::unique_lock<std::mutex> lock(mutex);
        all_parked = changed.wait_for(lock, std::chrono::seconds(120),
                                      [&] { return static_cast<long>(parked.size()) >= connected; });
    }
    const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
    const long rss_after = rss_kib();
    const std::size_t open = server.connection_count();

    std::printf("idle long polls: %ld connections, each with one request waiting for its reply (%zu I/O thread%s)\n", connected,
                threads, threads == 1 ? "" : "s");
    std::printf("  connected and parked in %.2f s%s\n", seconds, all_parked ? "" : " (NOT all parked within 120 s)");
    std::printf("  open connections on the server: %zu\n", open);
    std::printf("  server VmRSS: %ld KiB before, %ld KiB with all waiting\n", rss_before, rss_after);
    if (connected > 0)
        std::printf("  growth per waiting request: %.0f bytes (sockets, strands, timers, buffers, parsers and the parked reply handlers)\n",
                    static_cast<double>(rss_after - rss_before) * 1024.0 / static_cast<double>(connected));

    // Answer every call, then let the client read.
    std::vector<stepfn::api_reply_handler> calls;
    {
        std::lock_guard<std::mutex> lock(mutex);
        calls.swap(parked);
    }
    for (auto& reply : calls) reply(stepfn::api_reply{200, "{}"});
    char go = 1;
    write_all(to_child[1], &go, 1);
    long replies = 0;
    read_all(to_parent[0], &replies, sizeof replies);
    int status = 0;
    ::waitpid(child, &status, 0);
    std::printf("  replies received by the clients: %ld of %ld\n", replies, connected);
    server.stop();
    return 0;
}
