#ifndef STEPFN_INTEGRATIONS_DETAIL_PROCESS_LOOP_HPP
#define STEPFN_INTEGRATIONS_DETAIL_PROCESS_LOOP_HPP

// The one thread that runs every process of an engine: it spawns them (posix_spawnp, each the
// leader of its own process group), feeds their stdin, reads their stdout and stderr, enforces
// deadlines and output bounds, and reaps them, all with poll() over their pipes and pidfds.
// No thread per process; no SIGCHLD handler (the host's signals stay the host's); waitpid only
// on our own children's pids.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/unique_function.hpp>
#include <stepfn/integrations/detail/process_child.hpp>
#include <stepfn/integrations/process_spec.hpp>

extern char** environ;

namespace stepfn {
namespace detail {

using steady = std::chrono::steady_clock;

struct process_job {
    std::uint64_t id = 0;
    process_spec spec;
    std::string input;
    std::optional<steady::time_point> deadline;
    unique_function<void(process_exit)> done;
};

class process_loop_state {
public:
    process_loop_state() {
        if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
    }
    process_loop_state(const process_loop_state&) = delete;
    process_loop_state& operator=(const process_loop_state&) = delete;
    ~process_loop_state() {
        for (int fd : wake_)
            if (fd >= 0) close(fd);
    }

    bool ready() const noexcept { return wake_[0] >= 0; }

    std::uint64_t submit(process_job job) {
        std::uint64_t id = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            job.id = id = ++next_id_;
            if (!stopping_) {
                incoming_.push_back(std::move(job));
                wake();
                return id;
            }
        }
        // Outside the lock: the callback may submit again.
        finish_now(job.done, process_exit::failed(process_errors::shutdown, "the process runner is shutting down"));
        return id;
    }

    void cancel(std::uint64_t id) {
        std::lock_guard<std::mutex> lock(mutex_);
        cancels_.push_back(id);
        wake();
    }

    void stop() {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        wake();
    }

    std::size_t running() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return running_;
    }

    void run() {
        // Writing to a pipe whose reader is gone must give EPIPE here, not kill the host.
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
        for (;;) {
            std::vector<process_job> adds;
            std::vector<std::uint64_t> cancels;
            bool stop = false;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                adds.swap(incoming_);
                cancels.swap(cancels_);
                stop = stopping_;
            }
            for (auto& job : adds) start(std::move(job));
            for (auto id : cancels)
                for (auto& c : children_)
                    if (c->id == id && !c->outcome) c->begin_stop(process_exit::failed(process_errors::cancelled, "the attempt was cancelled"), helpers_);
            if (stop) break;
            wait_for_events();
            service();
        }
        // Shutting down: every process is killed and reaped; its task fails with a named error.
        for (auto& c : children_) {
            if (!c->outcome) c->outcome = process_exit::failed(process_errors::shutdown, "the process runner was destroyed while the process ran");
            c->kill_group(SIGKILL);
            c->reap(true);
            deliver(*c);
        }
        children_.clear();
        for (auto& h : helpers_) h.reap(true);
        std::vector<process_job> rest;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            rest.swap(incoming_);
        }
        for (auto& job : rest) finish_now(job.done, process_exit::failed(process_errors::shutdown, "the process runner was destroyed"));
    }

private:
    void wake() {
        if (wake_[1] >= 0) {
            const char byte = 1;
            [[maybe_unused]] auto n = write(wake_[1], &byte, 1);  // a full pipe already wakes the loop
        }
    }

    static void finish_now(unique_function<void(process_exit)>& done, process_exit exit) {
        if (!done) return;
        // A host callback that throws must not take the loop down.
        (void)guarded_call([&] { done(std::move(exit)); });
    }

    void start(process_job job) {
        auto c = std::make_unique<process_child>();
        c->id = job.id;
        c->spec = std::move(job.spec);
        c->input = std::move(job.input);
        c->deadline = job.deadline;
        c->done = std::move(job.done);
        if (auto problem = c->spawn()) {
            finish_now(c->done, process_exit::failed(c->spec.error_name, *problem));
            return;
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++running_;
        }
        children_.push_back(std::move(c));
    }

    void wait_for_events() {
        std::vector<pollfd> fds;
        fds.push_back(pollfd{wake_[0], POLLIN, 0});
        const auto now = steady::now();
        std::optional<steady::time_point> next;
        auto sooner = [&](steady::time_point t) { next = next ? (std::min)(*next, t) : t; };
        bool unwatched = !helpers_.empty();  // helpers have no pidfd watch: check them now and then
        for (auto& c : children_) {
            c->add_poll_fds(fds);
            if (auto t = c->next_timer()) sooner(*t);
            if (c->pidfd < 0 && !c->exited) unwatched = true;
        }
        int timeout_ms = 1000;
        if (next) {
            const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now).count();
            timeout_ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(wait + 1, 0, 1000));
        }
        if (unwatched) timeout_ms = (std::min)(timeout_ms, 20);
        if (poll(fds.data(), static_cast<nfds_t>(fds.size()), timeout_ms) > 0 && (fds[0].revents & POLLIN)) {
            char buf[64];
            while (read(wake_[0], buf, sizeof buf) > 0) {
            }
        }
        // Each child reads its own revents back.
        std::size_t at = 1;
        for (auto& c : children_) at = c->take_poll_results(fds, at);
    }

    void service() {
        const auto now = steady::now();
        for (auto& c : children_) c->service(now, helpers_);
        for (auto& h : helpers_) h.reap(false);
        helpers_.erase(std::remove_if(helpers_.begin(), helpers_.end(), [](const process_helper& h) { return h.pid <= 0; }),
                       helpers_.end());
        for (auto& c : children_)
            if (c->finished()) deliver(*c);
        children_.erase(std::remove_if(children_.begin(), children_.end(),
                                       [](const std::unique_ptr<process_child>& c) { return !c->done; }),
                        children_.end());
    }

    void deliver(process_child& c) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            --running_;
        }
        auto done = std::move(c.done);
        c.done = nullptr;
        process_exit exit = c.result();
        c.close_all();
        finish_now(done, std::move(exit));
    }

    int wake_[2] = {-1, -1};
    mutable std::mutex mutex_;
    std::vector<process_job> incoming_;
    std::vector<std::uint64_t> cancels_;
    bool stopping_ = false;
    std::uint64_t next_id_ = 0;
    std::size_t running_ = 0;
    std::vector<std::unique_ptr<process_child>> children_;  // the loop thread's
    std::vector<process_helper> helpers_;                   // stop commands being reaped
};

} // namespace detail
} // namespace stepfn

#endif
