#ifndef STEPFN_INTEGRATIONS_CONTAINER_INVOKER_HPP
#define STEPFN_INTEGRATIONS_CONTAINER_INVOKER_HPP

// stepfn::container_invoker: runs a Task in a container through the process invoker:
//
//   <engine> run --rm -i --name stepfn-<unique> [-e NAME]... [-v MOUNT]... [OPTIONS]... IMAGE [COMMAND]...
//
// with the effective input on the container's stdin and its stdout as the result, exactly as
// stepfn::process_invoker. Each attempt's container has a unique name, so that on a timeout or
// a stop the invoker runs `<engine> stop -t <grace> NAME` besides killing the client. Variables
// are passed as `-e NAME` with the value in the client's environment, never on a command line
// that `ps` shows. Works with docker and podman (the same command line).
//
// Part of the stepfn::process target (POSIX); not in <stepfn/stepfn.hpp>.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <stepfn/integrations/process_invoker.hpp>
#include <stepfn/integrations/process_runner.hpp>
#include <stepfn/integrations/process_spec.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

struct container_spec {
    std::string engine = "docker";                 // "podman", or a path to either
    std::string image;
    std::vector<std::string> command;              // after the image (empty: the image's own)
    std::vector<std::pair<std::string, std::string>> env;
    std::vector<std::string> mounts;               // -v values, e.g. "/srv/in:/in:ro"
    std::vector<std::string> run_options;          // more `run` options, e.g. "--network=none"
    std::string name_prefix = "stepfn-";
    // As process_spec: the bounds the container's client runs within.
    std::chrono::milliseconds timeout{0};
    std::chrono::milliseconds kill_grace{2000};
    std::size_t max_output_bytes = 262144;
    std::string error_name = "States.TaskFailed";
};

// The process that runs one attempt's container named `name`.
inline process_spec container_process(const container_spec& c, const std::string& name) {
    process_spec p;
    p.command = {c.engine, "run", "--rm", "-i", "--name", name};
    for (const auto& kv : c.env) {
        p.command.push_back("-e");
        p.command.push_back(kv.first);  // the value comes from the client's environment
    }
    p.env = c.env;
    for (const auto& m : c.mounts) {
        p.command.push_back("-v");
        p.command.push_back(m);
    }
    for (const auto& o : c.run_options) p.command.push_back(o);
    p.command.push_back(c.image);
    for (const auto& a : c.command) p.command.push_back(a);
    p.timeout = c.timeout;
    p.kill_grace = c.kill_grace;
    p.max_output_bytes = c.max_output_bytes;
    p.error_name = c.error_name;
    const auto grace_seconds = (c.kill_grace.count() + 999) / 1000;
    p.stop_command = {c.engine, "stop", "-t", std::to_string(grace_seconds), name};
    return p;
}

class container_invoker final : public task_invoker {
public:
    container_invoker(std::shared_ptr<process_runner> runner, container_spec spec)
        : runner_(std::move(runner)), spec_(std::move(spec)) {}

    void invoke(task_request request, task_completion done) override {
        process_invoker(runner_, container_process(spec_, next_name())).invoke(std::move(request), std::move(done));
    }

    const container_spec& spec() const noexcept { return spec_; }

private:
    // Unique among this host's containers: the process id, a per-invoker count and the time.
    std::string next_name() {
        const auto n = count_.fetch_add(1) + 1;
        const auto t = std::chrono::steady_clock::now().time_since_epoch().count();
        return spec_.name_prefix + std::to_string(getpid()) + "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this) % 100000) +
               "-" + std::to_string(n) + "-" + std::to_string(t % 1000000);
    }

    std::shared_ptr<process_runner> runner_;
    container_spec spec_;
    std::atomic<std::uint64_t> count_{0};
};

inline std::shared_ptr<task_invoker> make_container_invoker(std::shared_ptr<process_runner> runner, container_spec spec) {
    return std::make_shared<container_invoker>(std::move(runner), std::move(spec));
}

} // namespace stepfn

#endif
