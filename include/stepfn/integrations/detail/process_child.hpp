#ifndef STEPFN_INTEGRATIONS_DETAIL_PROCESS_CHILD_HPP
#define STEPFN_INTEGRATIONS_DETAIL_PROCESS_CHILD_HPP

// One process run by the process loop (process_loop.hpp), from spawn to reaping. Only the
// loop's thread touches it.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stepfn/unique_function.hpp>
#include <stepfn/error.hpp>
#include <stepfn/integrations/process_spec.hpp>

extern char** environ;

namespace stepfn {
namespace detail {

inline void close_fd(int& fd) noexcept {
    if (fd >= 0) close(fd);
    fd = -1;
}

// A stop command (e.g. `docker stop NAME`), reaped in the background, killed after 30 s.
struct process_helper {
    pid_t pid = -1;
    std::chrono::steady_clock::time_point started;

    void reap(bool block) {
        if (pid <= 0) return;
        if (block) kill(pid, SIGKILL);
        else if (std::chrono::steady_clock::now() - started > std::chrono::seconds(30)) kill(pid, SIGKILL);
        int status = 0;
        if (waitpid(pid, &status, block ? 0 : WNOHANG) == pid) pid = -1;
    }
};

inline std::optional<std::string> spawn_quietly(const std::vector<std::string>& command, pid_t& pid) {
    std::vector<char*> argv;
    for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        pid = -1;
        return std::string(std::strerror(rc));
    }
    return std::nullopt;
}

class process_child {
public:
    using steady = std::chrono::steady_clock;

    process_child() = default;
    process_child(const process_child&) = delete;
    process_child& operator=(const process_child&) = delete;
    ~process_child() { close_all(); }

    std::uint64_t id = 0;
    process_spec spec;
    std::string input;
    std::optional<steady::time_point> deadline;
    unique_function<void(process_exit)> done;
    std::optional<process_exit> outcome;  // decided by the loop (timeout, flood, cancel)
    int pidfd = -1;
    bool exited = false;

    // Starts the process; a problem when it could not be started.
    std::optional<std::string> spawn() {
        if (spec.command.empty() || spec.command[0].empty()) return std::string("the command is empty");
        int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
        if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
            const std::string why = std::strerror(errno);
            for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
                if (fd >= 0) close(fd);
            return "could not create pipes: " + why;
        }
        std::vector<std::string> env_strings = environment();
        std::vector<char*> envp;
        for (auto& s : env_strings) envp.push_back(s.data());
        envp.push_back(nullptr);
        std::vector<char*> argv;
        for (auto& a : spec.command) argv.push_back(a.data());
        argv.push_back(nullptr);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        // dup2 clears close-on-exec on 0, 1 and 2; every other descriptor we opened has it set.
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err[1], 2);
        std::optional<std::string> problem;
#if defined(__GLIBC__) && defined(__USE_GNU) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
        // The host's own descriptors opened without O_CLOEXEC do not leak into the command.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
        if (!spec.working_directory.empty()) {
#if defined(__GLIBC__) && defined(__USE_GNU) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 29)
            posix_spawn_file_actions_addchdir_np(&actions, spec.working_directory.c_str());
#else
            problem = "a working directory needs posix_spawn_file_actions_addchdir_np (glibc 2.29 or later)";
#endif
        }
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        // Its own process group (so that a timeout kills everything it started), default
        // signal dispositions and an empty mask, whatever the host set for itself.
        posix_spawnattr_setpgroup(&attributes, 0);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attributes, &none);
        posix_spawnattr_setsigdefault(&attributes, &all);
        posix_spawnattr_setflags(&attributes, static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
        int rc = 0;
        if (!problem) rc = posix_spawnp(&pid_, argv[0], &actions, &attributes, argv.data(), envp.data());
        posix_spawnattr_destroy(&attributes);
        posix_spawn_file_actions_destroy(&actions);
        close(in[0]);
        close(out[1]);
        close(err[1]);
        in_ = in[1];
        out_ = out[0];
        err_ = err[0];
        if (problem || rc != 0) {
            pid_ = -1;
            close_all();
            if (problem) return problem;
            return "could not start '" + spec.command[0] + "': " + std::strerror(rc);
        }
        for (int fd : {in_, out_, err_}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
#ifdef SYS_pidfd_open
        pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));  // readable once it exits; -1: polled
        if (pidfd >= 0) fcntl(pidfd, F_SETFD, FD_CLOEXEC);
#endif
        if (input.empty()) close_fd(in_);
        return std::nullopt;
    }

    void add_poll_fds(std::vector<pollfd>& fds) const {
        if (in_ >= 0) fds.push_back(pollfd{in_, POLLOUT, 0});
        if (out_ >= 0) fds.push_back(pollfd{out_, POLLIN, 0});
        if (err_ >= 0) fds.push_back(pollfd{err_, POLLIN, 0});
        if (pidfd >= 0 && !exited) fds.push_back(pollfd{pidfd, POLLIN, 0});
    }
    // Reads back the revents of the descriptors add_poll_fds added, in the same order.
    std::size_t take_poll_results(const std::vector<pollfd>& fds, std::size_t at) {
        auto next = [&](int fd, short& events) {
            events = 0;
            if (fd >= 0 && at < fds.size() && fds[at].fd == fd) events = fds[at++].revents;
        };
        next(in_, in_events_);
        next(out_, out_events_);
        next(err_, err_events_);
        short ignored = 0;
        if (!exited) next(pidfd, ignored);
        return at;
    }

    std::optional<steady::time_point> next_timer() const {
        std::optional<steady::time_point> t;
        if (!outcome && deadline) t = deadline;
        if (stop_started_ && !killed_) {
            auto k = *stop_started_ + spec.kill_grace;
            t = t ? (std::min)(*t, k) : k;
        }
        return t;
    }

    void service(steady::time_point now, std::vector<process_helper>& helpers) {
        if (in_ >= 0 && in_events_ != 0) write_some();
        if (out_ >= 0 && out_events_ != 0) read_out();
        if (err_ >= 0 && err_events_ != 0) read_err();
        if (!outcome && deadline && now >= *deadline)
            begin_stop(process_exit::failed(errors::timeout, "'" + spec.command[0] + "' did not finish in time; its process group was stopped"), helpers);
        if (stop_started_ && !killed_ && now >= *stop_started_ + spec.kill_grace) kill_group(SIGKILL);
        if (!exited) check_exit();
        if (exited && !reaped_) {
            // What it wrote before exiting is in the pipes: take it, then end whatever it left
            // running in its group (the group is ours until the leader is reaped), then reap.
            if (out_ >= 0) read_out();
            if (err_ >= 0) read_err();
            kill_group(SIGKILL);
            reap(true);
            close_all();
        }
    }

    bool finished() const noexcept { return reaped_ && static_cast<bool>(done); }

    void begin_stop(process_exit why, std::vector<process_helper>& helpers) {
        if (outcome) return;
        outcome = std::move(why);
        stop_started_ = steady::now();
        if (!spec.stop_command.empty()) {
            process_helper h;
            h.started = steady::now();
            if (!spawn_quietly(spec.stop_command, h.pid)) helpers.push_back(h);
        }
        kill_group(spec.kill_grace.count() > 0 ? SIGTERM : SIGKILL);
    }

    void kill_group(int sig) {
        if (pid_ <= 0 || reaped_) return;
        kill(-pid_, sig);
        if (sig == SIGKILL) killed_ = true;
    }

    void reap(bool block) {
        if (pid_ <= 0 || reaped_) return;
        int status = 0;
        pid_t r;
        do {
            r = waitpid(pid_, &status, block ? 0 : WNOHANG);
        } while (r < 0 && errno == EINTR);
        if (r == pid_ || (r < 0 && errno == ECHILD)) {
            reaped_ = true;
            exited = true;
            status_ = status;
        }
    }

    process_exit result() {
        process_exit e = outcome ? std::move(*outcome) : process_exit{};
        if (!outcome) {
            if (WIFEXITED(status_)) e.exit_code = WEXITSTATUS(status_);
            else if (WIFSIGNALED(status_)) e.signal = WTERMSIG(status_);
        }
        e.out = std::move(out_buf_);
        e.err_tail = std::move(err_buf_);
        if (e.err_tail.size() > spec.stderr_tail_bytes) e.err_tail.erase(0, e.err_tail.size() - spec.stderr_tail_bytes);
        return e;
    }

    void close_all() noexcept {
        close_fd(in_);
        close_fd(out_);
        close_fd(err_);
        close_fd(pidfd);
    }

private:
    std::vector<std::string> environment() const {
        std::vector<std::string> out;
        auto overridden = [&](const char* entry) {
            for (const auto& kv : spec.env) {
                const std::size_t n = kv.first.size();
                if (std::strncmp(entry, kv.first.c_str(), n) == 0 && entry[n] == '=') return true;
            }
            return false;
        };
        if (spec.inherit_environment)
            for (char** e = environ; e && *e; ++e)
                if (!overridden(*e)) out.emplace_back(*e);
        for (const auto& kv : spec.env) out.push_back(kv.first + "=" + kv.second);
        return out;
    }

    void check_exit() {
        siginfo_t info;
        std::memset(&info, 0, sizeof info);
        // WNOWAIT: it stays a zombie, so its process group id cannot be reused before we kill it.
        if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_)
            exited = true;
    }

    void write_some() {
        while (in_ >= 0 && written_ < input.size()) {
            const ssize_t n = write(in_, input.data() + written_, input.size() - written_);
            if (n > 0) {
                written_ += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            if (n < 0 && errno == EPIPE) clear_sigpipe();
            break;  // EPIPE or another error: it does not read its input; that is its business
        }
        close_fd(in_);
    }

    static void clear_sigpipe() {
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        timespec zero{0, 0};
        sigtimedwait(&pipe_only, nullptr, &zero);
    }

    void read_out() {
        char buf[65536];
        for (;;) {
            const ssize_t n = read(out_, buf, sizeof buf);
            if (n > 0) {
                if (out_buf_.size() + static_cast<std::size_t>(n) > spec.max_output_bytes) {
                    if (!outcome) {
                        outcome = process_exit::failed(errors::data_limit_exceeded,
                                                       "'" + spec.command[0] + "' wrote more than " +
                                                           std::to_string(spec.max_output_bytes) + " bytes on stdout; it was killed");
                    }
                    kill_group(SIGKILL);
                    close_fd(out_);
                    return;
                }
                out_buf_.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            close_fd(out_);  // end of file, or an error
            return;
        }
    }

    void read_err() {
        char buf[16384];
        for (;;) {
            const ssize_t n = read(err_, buf, sizeof buf);
            if (n > 0) {
                err_buf_.append(buf, static_cast<std::size_t>(n));
                // Only the tail is kept: a chatty process cannot grow this without end.
                if (err_buf_.size() > 2 * spec.stderr_tail_bytes + sizeof buf)
                    err_buf_.erase(0, err_buf_.size() - spec.stderr_tail_bytes);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            close_fd(err_);
            return;
        }
    }

    pid_t pid_ = -1;
    int in_ = -1, out_ = -1, err_ = -1;
    short in_events_ = 0, out_events_ = 0, err_events_ = 0;
    std::size_t written_ = 0;
    std::string out_buf_, err_buf_;
    bool reaped_ = false;
    bool killed_ = false;
    int status_ = 0;
    std::optional<steady::time_point> stop_started_;
};

} // namespace detail
} // namespace stepfn

#endif
