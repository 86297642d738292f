// HTTP Task round trips per second against a local server, with 1, 100 and 1,000 executions
// in flight at once, and the threads the process uses meanwhile (which should not grow with
// the number of waiting requests: all of them share the http_client's one loop).
//
// The server is a small keep-alive HTTP/1.1 responder on epoll in this process (one thread),
// so that the figures measure stepfn and libcurl rather than a slow server. With --peer, the npm
// peer (aws-local-stepfunctions, benchmarks/peer_http.mjs) then makes the same calls to the same
// server, and the two are printed side by side. Figures only; no assertions.
// Usage: stepfn_bench_http [total-calls-per-run] [--peer SCRIPT PEER_DIR]
//        (e.g. --peer benchmarks/peer_http.mjs benchmarks/.peer; compare.py installs the peer)

#include <stepfn/integrations/http_task.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

std::size_t thread_count() {
    std::size_t n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ++n;
        closedir(d);
    }
    return n;
}

// A keep-alive server that answers every request with {"ok":true}.
class tiny_server {
public:
    tiny_server() {
        listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        listen(listener_, 4096);
        socklen_t len = sizeof addr;
        getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        add(listener_);
        thread_ = std::thread([this] { loop(); });
    }
    ~tiny_server() {
        stop_ = true;
        thread_.join();
        for (auto& c : buffers_) close(c.first);
        close(listener_);
        close(epoll_);
    }
    int port() const { return port_; }

private:
    void add(int fd) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    }
    void loop() {
        static const std::string reply =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
        std::vector<epoll_event> events(256);
        char buf[65536];
        while (!stop_) {
            const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
            for (int i = 0; i < n; ++i) {
                const int fd = events[static_cast<std::size_t>(i)].data.fd;
                if (fd == listener_) {
                    for (int c; (c = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
                        int one = 1;
                        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                        add(c);
                        buffers_[c];
                    }
                    continue;
                }
                std::string& in = buffers_[fd];
                ssize_t got;
                while ((got = read(fd, buf, sizeof buf)) > 0) in.append(buf, static_cast<std::size_t>(got));
                if (got == 0) {
                    close(fd);
                    buffers_.erase(fd);
                    continue;
                }
                // Answer every complete request (headers, then Content-Length bytes of body).
                for (;;) {
                    const auto end = in.find("\r\n\r\n");
                    if (end == std::string::npos) break;
                    std::size_t body = 0;
                    const auto cl = in.find("Content-Length:");
                    if (cl != std::string::npos && cl < end) body = std::strtoul(in.c_str() + cl + 15, nullptr, 10);
                    if (in.size() < end + 4 + body) break;
                    in.erase(0, end + 4 + body);
                    [[maybe_unused]] auto w = write(fd, reply.data(), reply.size());
                }
            }
        }
    }

    int listener_ = -1, epoll_ = -1, port_ = 0;
    std::atomic<bool> stop_{false};
    std::unordered_map<int, std::string> buffers_;
    std::thread thread_;
};

} // namespace

// Runs `node SCRIPT PEER_DIR URL TOTAL` and returns its one JSON line ({in_flight: calls/s}).
std::string run_peer(const std::string& script, const std::string& peer_dir, const std::string& url, long total) {
    const std::string command = "node '" + script + "' '" + peer_dir + "' '" + url + "' " + std::to_string(total);
    std::string out;
    if (FILE* p = popen(command.c_str(), "r")) {
        char buf[4096];
        while (std::fgets(buf, sizeof buf, p)) out += buf;
        if (pclose(p) != 0) out.clear();
    }
    return out;
}

// The figure for `in_flight` in the peer's line, or 0.
double peer_rate(const std::string& line, long in_flight) {
    const std::string key = "\"" + std::to_string(in_flight) + "\":";
    const auto at = line.find(key);
    return at == std::string::npos ? 0.0 : std::strtod(line.c_str() + at + key.size(), nullptr);
}

int main(int argc, char** argv) {
    long total = 4000;
    std::string peer_script, peer_dir;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--peer") == 0 && i + 2 < argc) {
            peer_script = argv[++i];
            peer_dir = argv[++i];
        } else {
            total = std::atol(argv[i]);
        }
    }
    tiny_server server;
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/task";

    std::printf("HTTP Task round trips against a local keep-alive server (%ld calls per run)\n", total);
    std::printf("%-12s %-12s %-12s %-14s %-16s %-16s\n", "in flight", "calls", "seconds", "calls/second",
                "threads before", "threads during");
    std::vector<double> ours;
    for (long concurrency : {1L, 100L, 1000L}) {
        // An execution's history is bounded (25,000 events, about 9 a loop), so one execution
        // makes at most 500 calls; the rest are made by more rounds of executions.
        const long per_execution = std::clamp(total / concurrency, 1L, 500L);
        const long rounds = std::max(1L, total / (concurrency * per_execution));
        stepfn::http_client_options client_options;
        client_options.max_connections_per_host = 64;
        auto client = std::make_shared<stepfn::http_client>(client_options);
        stepfn::thread_pool_executor pool(2);
        stepfn::system_clock clock;
        stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock);
        engine.invokers().add(stepfn::http_task_resource, stepfn::make_http_task_invoker(client));
        // Each execution makes `per_execution` calls in a loop.
        auto machine = stepfn::load_machine(R"({
          "StartAt": "Call",
          "States": {
            "Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                     "Parameters": {"ApiEndpoint": ")" + url + R"asl(", "Method": "POST", "RequestBody": {"n.$": "$.n"}},
                     "ResultPath": null, "Next": "Count"},
            "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)", "limit.$": "$.limit"}, "Next": "More"},
            "More": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThanPath": "$.limit", "Next": "Call"}],
                     "Default": "Done"},
            "Done": {"Type": "Succeed"}
          }})asl");
        if (!machine) {
            std::fprintf(stderr, "definition: %s\n", machine.error().cause.c_str());
            return 1;
        }
        const std::size_t threads_before = thread_count();
        const auto start = std::chrono::steady_clock::now();
        std::size_t threads_during = 0;
        long failed = 0;
        for (long round = 0; round < rounds; ++round) {
            std::vector<stepfn::execution> running;
            for (long i = 0; i < concurrency; ++i) {
                auto e = engine.start(*machine, stepfn::json{{"n", 0}, {"limit", per_execution}});
                if (e) running.push_back(*e);
            }
            threads_during = std::max(threads_during, thread_count());
            for (auto& e : running) {
                threads_during = std::max(threads_during, thread_count());
                if (e.join() != stepfn::execution_status::succeeded) {
                    if (failed++ == 0) {
                        auto why = e.outcome();
                        if (!why) std::fprintf(stderr, "an execution failed: %s %s\n", why.error().name.c_str(), why.error().cause.c_str());
                    }
                }
            }
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const long calls = rounds * concurrency * per_execution;
        std::printf("%-12ld %-12ld %-12.3f %-14.0f %-16zu %-16zu%s\n", concurrency, calls, seconds, static_cast<double>(calls) / seconds,
                    threads_before, threads_during, failed ? "  (some executions failed)" : "");
        ours.push_back(static_cast<double>(calls) / seconds);
    }
    if (peer_script.empty()) return 0;
    const std::string line = run_peer(peer_script, peer_dir, url, total);
    if (line.empty()) {
        std::fprintf(stderr, "the peer did not run (node %s %s ...)\n", peer_script.c_str(), peer_dir.c_str());
        return 1;
    }
    std::printf("\nThe same calls from the npm peer (aws-local-stepfunctions, a local handler POSTing on Node's http):\n");
    std::printf("| in flight | stepfn calls/s | peer calls/s | ratio |\n| ---: | ---: | ---: | ---: |\n");
    const long flights[] = {1, 100, 1000};
    for (std::size_t i = 0; i < ours.size(); ++i) {
        const double theirs = peer_rate(line, flights[i]);
        std::printf("| %ld | %.0f | %.0f | %.2fx |\n", flights[i], ours[i], theirs, theirs > 0 ? ours[i] / theirs : 0.0);
    }
    return 0;
}
