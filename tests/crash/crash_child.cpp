// The process the crash test (crash_test.py) SIGKILLs: durable executions of crash_workflow.json
// on a SQLite store, with task invokers that log every call to a side file.
//
//   stepfn_crash_child --store DB --calls FILE --mode at-least-once|at-most-once --executions N
//                      [--seed S] [--checkpoints group|every] [--workflow FILE]
//       opens DB, recover()s, starts x-0 .. x-N-1 (idempotent by name: a stored one is returned,
//       not run again), waits for all, prints one JSON line per execution: name, status, output.
//   stepfn_crash_child --store DB --dump
//       prints one JSON line per stored execution: name, status, output, the idempotency keys its
//       snapshot holds in flight, and its history ({id, prev, type, details} per event).
//
// The calls file: one record per invoke(), `<idempotency_key> <resource> <attempt> <state>`,
// padded with spaces to 255 bytes and a newline, written with one write() on an O_APPEND
// descriptor before the task is answered. A SIGKILL cannot tear it: the kernel copies a write
// to a regular file page by page and checks for a fatal signal only between pages, and 256-byte
// records never straddle a page (the driver writes its markers as records of the same size). No
// fsync: the page cache survives the death of the process, which is all this test kills.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/history/detail/event_json.hpp>
#include <stepfn/integrations/sqlite_store.hpp>
#include <stepfn/load/loader.hpp>

#ifndef STEPFN_CRASH_WORKFLOW
#define STEPFN_CRASH_WORKFLOW "crash_workflow.json"
#endif

namespace {

using stepfn::json;
constexpr std::size_t record_size = 256;

struct arguments {
    std::string store, calls, mode = "at-least-once", checkpoints = "group", workflow = STEPFN_CRASH_WORKFLOW;
    int executions = 3;
    std::uint64_t seed = 1;
    bool dump = false;
};

int usage(const char* why) {
    std::fprintf(stderr,
                 "stepfn_crash_child: %s\nUsage: stepfn_crash_child --store DB --calls FILE --mode at-least-once|at-most-once "
                 "--executions N [--seed S] [--checkpoints group|every] [--workflow FILE]\n"
                 "       stepfn_crash_child --store DB --dump\n",
                 why);
    return 2;
}

bool parse(int argc, char** argv, arguments& a) {
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--dump") {
            a.dump = true;
            continue;
        }
        if (i + 1 >= argc) return false;
        const std::string value = argv[++i];
        if (flag == "--store") a.store = value;
        else if (flag == "--calls") a.calls = value;
        else if (flag == "--mode") a.mode = value;
        else if (flag == "--checkpoints") a.checkpoints = value;
        else if (flag == "--workflow") a.workflow = value;
        else if (flag == "--executions") a.executions = std::stoi(value);
        else if (flag == "--seed") a.seed = std::stoull(value);
        else return false;
    }
    if (a.store.empty()) return false;
    if (a.dump) return true;
    return !a.calls.empty() && (a.mode == "at-least-once" || a.mode == "at-most-once") &&
           (a.checkpoints == "group" || a.checkpoints == "every") && a.executions > 0 && a.executions <= 50;
}

// The fixed input of execution x-i: a different path through the Choice and a different Map.
json input_of(int i) {
    json items = json::array();
    for (int k = 0; k <= 2 + i % 3; ++k) items.push_back(i * 10 + k);
    return json{{"order", "ord-" + std::to_string(i)}, {"customer", "c-" + std::to_string(i % 2)}, {"total", 60 + 25 * i},
                {"items", items}};
}

// The services: each call is logged, then answered 10-150 ms later from the clock's thread, with a
// result that depends on the request's input only (never on the attempt or the process), except
// that the first attempt of svc:charge fails with the retriable error Flaky.
class logging_invoker final : public stepfn::task_invoker {
public:
    logging_invoker(int fd, stepfn::system_clock& clock, std::uint64_t seed) : fd_(fd), clock_(clock), random_(seed) {}

    void invoke(stepfn::task_request r, stepfn::task_completion done) override {
        std::string line = r.idempotency_key + ' ' + r.resource + ' ' + std::to_string(r.attempt) + ' ' + r.state_name;
        if (line.size() >= record_size) line.resize(record_size - 1);
        line.resize(record_size - 1, ' ');
        line.push_back('\n');
        if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            std::perror("stepfn_crash_child: writing the calls file");
            std::_Exit(3);
        }
        stepfn::result<json> answer = json{{"by", r.resource}, {"echo", r.input}};
        if (r.resource == "svc:charge") {
            if (r.attempt == 0) answer = stepfn::make_error("Flaky", "the first charge always fails");
            else answer = json{{"charged", r.input.value("amount", 0) * 100}, {"order", r.input.value("order", "")}};
        } else if (r.resource == "svc:work" && r.input.is_number_integer()) {
            answer = json(r.input.get<std::int64_t>() * r.input.get<std::int64_t>());
        }
        std::chrono::milliseconds delay;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(10, 150)(random_));
        }
        auto task = std::make_shared<stepfn::task_completion>(std::move(done));
        clock_.schedule_at(clock_.now() + delay, [task, answer]() mutable { task->complete(std::move(answer)); });
    }

private:
    int fd_;
    stepfn::system_clock& clock_;
    std::mutex mutex_;
    std::mt19937_64 random_;
};

void in_flight_keys(const json& node, std::vector<std::string>& out) {
    if (node.is_object()) {
        auto task = node.find("task");
        if (task != node.end() && task->is_object()) {
            auto request = task->find("request");
            if (request != task->end() && request->is_object() && request->contains("key") && (*request)["key"].is_string())
                out.push_back((*request)["key"].get<std::string>());
        }
        for (const auto& item : node.items()) in_flight_keys(item.value(), out);
    } else if (node.is_array()) {
        for (const auto& item : node) in_flight_keys(item, out);
    }
}

json row_json(const stepfn::stored_execution& row) {
    json out = {{"name", row.name}, {"arn", row.arn}, {"status", stepfn::to_string(row.status)}};
    if (row.status == stepfn::execution_status::succeeded) out["output"] = json::parse(row.output, nullptr, false);
    else if (row.status != stepfn::execution_status::running) out["error"] = json{{"error", row.error}, {"cause", row.cause}};
    return out;
}

int dump(stepfn::sqlite_store& store) {
    stepfn::execution_filter filter;
    filter.max_results = 1000;
    auto page = store.list_executions(filter);
    if (!page) return usage(page.error().cause.c_str());
    for (const auto& row : page->executions) {
        json out = row_json(row);
        std::vector<std::string> keys;
        if (row.status == stepfn::execution_status::running) {
            auto snapshot = store.snapshot(row.arn);
            if (!snapshot) return usage(snapshot.error().cause.c_str());
            in_flight_keys(json::parse(*snapshot, nullptr, false), keys);
        }
        out["inflight"] = keys;
        json events = json::array();
        stepfn::history_request request;
        for (;;) {
            auto h = store.history(row.arn, request);
            if (!h) return usage(h.error().cause.c_str());
            for (const auto& e : h->events)
                events.push_back({{"id", e.id}, {"prev", e.previous_event_id}, {"type", stepfn::to_string(e.type)}, {"details", e.details}});
            if (h->next_token.empty()) break;
            request.next_token = h->next_token;
        }
        out["history"] = std::move(events);
        std::printf("%s\n", out.dump().c_str());
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    arguments args;
    if (!parse(argc, argv, args)) return usage("bad arguments");
    auto store = stepfn::sqlite_store::open(args.store);
    if (!store) {
        std::fprintf(stderr, "stepfn_crash_child: %s: %s\n", store.error().name.c_str(), store.error().cause.c_str());
        return 2;
    }
    if (args.dump) return dump(**store);

    std::ifstream file(args.workflow);
    std::stringstream text;
    text << file.rdbuf();
    stepfn::load_options load;
    load.name = "crash";
    auto machine = stepfn::load_machine(text.str(), load);
    if (!machine) return usage(("the workflow " + args.workflow + " does not load: " + machine.error().cause).c_str());
    const int fd = ::open(args.calls.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return usage("cannot open the calls file");

    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    int status = 0;
    {
        stepfn::engine_options options;
        options.store = *store;
        options.after_restart =
            args.mode == "at-least-once" ? stepfn::in_flight_tasks::redispatch : stepfn::in_flight_tasks::fail;
        options.checkpoints = args.checkpoints == "every" ? stepfn::checkpointing::every_transition : stepfn::checkpointing::group_commit;
        stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock, options);
        engine.invokers().set_default(std::make_shared<logging_invoker>(fd, clock, args.seed));
        auto recovered = engine.recover();
        if (!recovered) return usage(("recover() failed: " + recovered.error().cause).c_str());
        for (const auto& e : recovered->unrecoverable) {
            std::fprintf(stderr, "stepfn_crash_child: unrecoverable: %s: %s\n", e.name.c_str(), e.cause.c_str());
            status = 1;
        }
        std::vector<stepfn::execution> runs;
        for (int i = 0; i < args.executions; ++i) {
            stepfn::start_options named;
            named.name = "x-" + std::to_string(i);
            auto started = engine.start(*machine, input_of(i), named);
            if (!started) {
                std::fprintf(stderr, "stepfn_crash_child: start %s: %s: %s\n", named.name.c_str(), started.error().name.c_str(),
                             started.error().cause.c_str());
                return 1;
            }
            runs.push_back(*started);
        }
        for (const auto& e : runs) {
            auto out = e.wait();
            json line = {{"name", e.name()}, {"status", stepfn::to_string(e.status())}};
            if (out) line["output"] = *out;
            else line["error"] = json{{"error", out.error().name}, {"cause", out.error().cause}};
            std::printf("%s\n", line.dump().c_str());
        }
    }
    ::close(fd);
    return status;
}
