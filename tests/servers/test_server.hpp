#ifndef STEPFN_TESTS_SERVERS_TEST_SERVER_HPP
#define STEPFN_TESTS_SERVERS_TEST_SERVER_HPP

// Starts tests/servers/http_server.py on 127.0.0.1 for one test and stops it afterwards. The
// server prints "PORT <n>" once it listens (a free port the OS chose); it exits when the pipe
// on its standard input closes, so a crashed test leaves nothing behind.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace stepfn_test {

class test_server {
public:
    explicit test_server(std::vector<std::string> extra = {}) {
        std::vector<std::string> args{STEPFN_PYTHON, std::string(STEPFN_TEST_SERVERS_DIR) + "/http_server.py"};
        for (auto& a : extra) args.push_back(a);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int in[2], out[2];
        if (pipe2(in, O_CLOEXEC) != 0) return;
        if (pipe2(out, O_CLOEXEC) != 0) return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        close(in[0]);
        close(out[1]);
        stdin_ = in[1];
        // "PORT <n>\n" within 20 s, or the server is unusable.
        std::string line;
        const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (pid_ > 0 && line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < limit) {
            pollfd p{out[0], POLLIN, 0};
            if (poll(&p, 1, 200) <= 0) continue;
            char buf[64];
            const ssize_t n = read(out[0], buf, sizeof buf);
            if (n <= 0) break;
            line.append(buf, static_cast<std::size_t>(n));
        }
        close(out[0]);
        if (line.compare(0, 5, "PORT ") == 0) port_ = std::atoi(line.c_str() + 5);
    }
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;
    ~test_server() {
        if (stdin_ >= 0) close(stdin_);
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
        }
    }

    int port() const { return port_; }
    bool up() const { return port_ > 0; }
    std::string url(const std::string& path, bool tls = false) const {
        return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
    }

private:
    pid_t pid_ = -1;
    int stdin_ = -1;
    int port_ = 0;
};

// The certificates of the TLS tests, made once per test run with the openssl command.
inline const std::string& certificates() {
    static const std::string dir = [] {
        std::string d = "/tmp/stepfn-test-certs-" + std::to_string(getpid());
        const std::string command = "sh '" + std::string(STEPFN_TEST_SERVERS_DIR) + "/make_certs.sh' '" + d + "'";
        if (std::system(command.c_str()) != 0) return std::string();
        return d;
    }();
    return dir;
}

} // namespace stepfn_test

#endif
