// Durable executions per second of the five-state workflow (benchmarks/definitions/
// five_states.json), on a thread pool and the system clock, with 1, 16 and 256 executions in
// flight, on five stores: SQLite with group commit and synchronous FULL, the same with NORMAL,
// the same (FULL) checkpointing after every transition, memory_store (the durability machinery
// without a disk), a store that discards every checkpoint (the engine's side alone) and no store (executions in memory, as the peer keeps them). Then the cost of a
// checkpoint against the length of the execution's history: one execution looping through a
// Task and a Choice for 30,000+ events, timed at its start and after 10,000 events.
//
// Each configuration runs in a child process of its own (fork), so that its peak RSS is its own.
// Prints a table, then one JSON line (compare.py reads it). Figures only; no assertions.
// Usage: stepfn_bench_durable [seconds-per-run] [directory] [--quick] [--sequential-names] [--growth-only]
//        (--sequential-names: executions named e000000000001, e000000000002, ... instead of
//        UUIDs, so that their rows sit together in the store's ARN-keyed tables)
//        [--only STORE:THREADS:IN_FLIGHT] (one throughput run in this process, e.g. for perf;
//        STORE: sqlite_full, sqlite_normal, sqlite_every_transition, memory_store, discarding_store,
//        no_store)

#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/integrations/sqlite_store.hpp>
#include <stepfn/store/memory_store.hpp>
#include <stepfn/tasks/callable_invoker.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_support.hpp"

namespace {

namespace fs = std::filesystem;
using stepfn::json;
using steady = std::chrono::steady_clock;
using pool_engine = stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock>;

bool sequential_names = false;

// The five-state workflow enters five states: Prepare, Route, Large, Charge, Done.
constexpr double transitions_per_execution = 5;

enum class store_kind { sqlite_full, sqlite_normal, sqlite_every, memory, discard, none };

const char* label(store_kind k) {
    switch (k) {
        case store_kind::sqlite_full: return "sqlite FULL, group commit";
        case store_kind::sqlite_normal: return "sqlite NORMAL, group commit";
        case store_kind::sqlite_every: return "sqlite FULL, every transition";
        case store_kind::memory: return "memory_store, group commit";
        case store_kind::discard: return "discarding store, group commit";
        case store_kind::none: return "no store (in memory)";
    }
    return "?";
}

const char* key(store_kind k) {
    switch (k) {
        case store_kind::sqlite_full: return "sqlite_full";
        case store_kind::sqlite_normal: return "sqlite_normal";
        case store_kind::sqlite_every: return "sqlite_every_transition";
        case store_kind::memory: return "memory_store";
        case store_kind::discard: return "discarding_store";
        case store_kind::none: return "no_store";
    }
    return "?";
}

// Counts what the engine hands its store (a forward and two atomic adds per checkpoint).
class counting_store final : public stepfn::execution_store {
public:
    explicit counting_store(std::shared_ptr<stepfn::execution_store> inner) : inner_(std::move(inner)) {}
    void commit(stepfn::execution_checkpoint cp, std::function<void(stepfn::result<void>)> done) override {
        checkpoints.fetch_add(1, std::memory_order_relaxed);
        events.fetch_add(cp.events.size(), std::memory_order_relaxed);
        snapshot_bytes.fetch_add(cp.snapshot.size(), std::memory_order_relaxed);
        last_snapshot_bytes.store(cp.snapshot.size(), std::memory_order_relaxed);
        inner_->commit(std::move(cp), std::move(done));
    }
    stepfn::result<void> flush() override { return inner_->flush(); }
    stepfn::result<std::optional<stepfn::stored_execution>> find_execution(std::string_view arn) override {
        return inner_->find_execution(arn);
    }
    stepfn::result<std::optional<stepfn::machine_version>> find_machine_version(std::string_view id) override {
        return inner_->find_machine_version(id);
    }
    stepfn::result<std::string> snapshot(std::string_view arn) override { return inner_->snapshot(arn); }
    stepfn::result<stepfn::execution_page> list_executions(const stepfn::execution_filter& f) override {
        return inner_->list_executions(f);
    }
    stepfn::result<stepfn::history_page> history(std::string_view arn, const stepfn::history_request& r) override {
        return inner_->history(arn, r);
    }
    stepfn::result<std::vector<std::string>> unfinished_executions() override { return inner_->unfinished_executions(); }
    stepfn::result<std::optional<std::string>> find_token(std::string_view token) override { return inner_->find_token(token); }

    std::atomic<std::uint64_t> checkpoints{0}, events{0}, snapshot_bytes{0}, last_snapshot_bytes{0};

private:
    std::shared_ptr<stepfn::execution_store> inner_;
};

// Says every checkpoint is durable at once and keeps nothing: what the engine's side of
// durability costs (events and snapshot handed over, effects held until `done`), with no store.
class discarding_store final : public stepfn::execution_store {
public:
    void commit(stepfn::execution_checkpoint, std::function<void(stepfn::result<void>)> done) override {
        if (done) done(stepfn::result<void>());
    }
    stepfn::result<void> flush() override { return {}; }
    stepfn::result<std::optional<stepfn::stored_execution>> find_execution(std::string_view) override {
        return std::optional<stepfn::stored_execution>();
    }
    stepfn::result<std::optional<stepfn::machine_version>> find_machine_version(std::string_view) override {
        return std::optional<stepfn::machine_version>();
    }
    stepfn::result<std::string> snapshot(std::string_view) override { return stepfn::make_error("ExecutionDoesNotExist", "discarded"); }
    stepfn::result<stepfn::execution_page> list_executions(const stepfn::execution_filter&) override { return stepfn::execution_page{}; }
    stepfn::result<stepfn::history_page> history(std::string_view, const stepfn::history_request&) override {
        return stepfn::history_page{};
    }
    stepfn::result<std::vector<std::string>> unfinished_executions() override { return std::vector<std::string>(); }
    stepfn::result<std::optional<std::string>> find_token(std::string_view) override { return std::optional<std::string>(); }
};

std::uintmax_t size_on_disk(const std::string& path) {
    std::uintmax_t total = 0;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ec;
        const auto s = fs::file_size(path + suffix, ec);
        if (!ec) total += s;
    }
    return total;
}

void remove_db(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix);
}

// The store of a configuration; `path` is used by the SQLite ones.
std::shared_ptr<stepfn::execution_store> open_store(store_kind kind, const std::string& path) {
    if (kind == store_kind::none) return nullptr;
    if (kind == store_kind::memory) return std::make_shared<stepfn::memory_store>();
    if (kind == store_kind::discard) return std::make_shared<discarding_store>();
    remove_db(path);
    stepfn::sqlite_store_options options;  // group commit, no window (the default)
    options.synchronous_full = kind != store_kind::sqlite_normal;
    if (const char* window = std::getenv("STEPFN_BENCH_COMMIT_WINDOW_US"))  // to try other windows
        options.commit_window = std::chrono::microseconds(std::atol(window));
    auto store = stepfn::sqlite_store::open(path, options);
    if (!store) {
        std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), store.error().cause.c_str());
        std::_Exit(1);
    }
    return *store;
}

stepfn::engine_options options_for(store_kind kind, const std::shared_ptr<stepfn::execution_store>& store) {
    stepfn::engine_options options;
    options.bounds = stepfn_bench::generous_limits();
    options.seed = 7;
    options.store = store;
    if (kind == store_kind::sqlite_every) options.checkpoints = stepfn::checkpointing::every_transition;
    return options;
}

double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

// Bytes this process has handed to write(2) and pwrite(2) so far (Linux /proc/self/io).
double written_bytes() {
    std::FILE* f = std::fopen("/proc/self/io", "r");
    if (!f) return 0;
    char line[128];
    double value = 0;
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, "wchar:", 6) == 0) value = std::atof(line + 6);
    std::fclose(f);
    return value;
}

double percentile(std::vector<double>& values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

// ---- Throughput ---------------------------------------------------------------------------

struct throughput {
    double executions_per_second = 0;
    double transitions_per_second = 0;
    double checkpoints_per_execution = 0;
    double bytes_per_transition = 0;         // on disk (SQLite) after the run
    double written_per_transition = 0;       // handed to write(2)/pwrite(2) during the run (WAL, checkpoints)
    double snapshot_bytes_per_checkpoint = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    double peak_rss_mib = 0;
    std::uint64_t executions = 0;
    std::uint64_t failures = 0;
};

// Keeps `in_flight` executions running for `seconds` (a latency is from start() to its end).
throughput run_throughput(store_kind kind, std::size_t threads, std::size_t in_flight, double seconds, const std::string& dir) {
    const auto machine = stepfn_bench::load("five_states.json");
    const json input = stepfn_bench::small_payload();
    const std::string path = dir + "/five-" + key(kind) + ".db";
    auto inner = open_store(kind, path);
    auto counter = inner ? std::make_shared<counting_store>(inner) : nullptr;
    throughput t;
    std::vector<double> latencies;
    {
        stepfn::thread_pool_executor executor(threads);
        stepfn::system_clock clock;
        pool_engine engine(executor, clock, options_for(kind, counter));
        // The same answer as peer.mjs's local `Charge` handler.
        engine.invokers().add("arn:aws:lambda:us-east-1:123456789012:function:charge",
                              stepfn::make_invoker([](const json& in) {
                                  return json{{"charged", in.value("amount", 0)}, {"status", "ok"}};
                              }));
        // `in_flight` workers, as the peer's: each starts its next execution as soon as its own
        // has ended (execution::on_end), so one slow execution holds up only its own worker.
        struct completion {
            bool ok = false;
            double latency_ms = 0;
        };
        std::mutex mutex;
        std::condition_variable changed;
        std::vector<completion> done;
        std::size_t running = 0;
        auto launch = [&] {
            const auto started = steady::now();
            stepfn::start_options start;
            if (sequential_names) {
                static std::uint64_t n = 0;
                char name[32];
                std::snprintf(name, sizeof name, "e%012llu", static_cast<unsigned long long>(++n));
                start.name = name;
            }
            auto run = engine.start(machine, input, start);
            if (!run) {
                std::fprintf(stderr, "start failed: %s\n", run.error().cause.c_str());
                std::_Exit(1);
            }
            {
                std::lock_guard<std::mutex> lock(mutex);
                ++running;
            }
            run->on_end([&, handle = *run, started] {
                const json* out = handle.output();
                completion c{out && out->contains("receipt"), std::chrono::duration<double, std::milli>(steady::now() - started).count()};
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    done.push_back(c);
                    --running;
                }
                changed.notify_one();
            });
        };
        std::vector<completion> taken;
        // Waits for at least one execution to end; returns how many did.
        auto collect = [&] {
            taken.clear();
            std::unique_lock<std::mutex> lock(mutex);
            changed.wait(lock, [&] { return !done.empty(); });
            taken.swap(done);
            lock.unlock();
            for (const completion& c : taken) {
                if (!c.ok) ++t.failures;
                latencies.push_back(c.latency_ms);
            }
            return taken.size();
        };
        auto drain = [&] {
            for (;;) {
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    if (running == 0 && done.empty()) return;
                }
                collect();
            }
        };
        // Warm-up (not counted).
        for (std::size_t i = 0; i < std::min<std::size_t>(in_flight, 64); ++i) launch();
        drain();
        latencies.clear();
        t.failures = 0;
        const std::uint64_t checkpoints_before = counter ? counter->checkpoints.load() : 0;
        const std::uint64_t snapshot_bytes_before = counter ? counter->snapshot_bytes.load() : 0;
        const double written_before = written_bytes();

        const auto begin = steady::now();
        const auto deadline = begin + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds));
        for (std::size_t i = 0; i < in_flight; ++i) launch();
        while (steady::now() < deadline) {
            const std::size_t ended = collect();
            for (std::size_t i = 0; i < ended; ++i) launch();
        }
        drain();
        const double elapsed = std::chrono::duration<double>(steady::now() - begin).count();
        t.executions = latencies.size();
        t.executions_per_second = static_cast<double>(t.executions) / elapsed;
        t.transitions_per_second = t.executions_per_second * transitions_per_execution;
        t.written_per_transition = (written_bytes() - written_before) / (static_cast<double>(t.executions) * transitions_per_execution);
        if (counter) {
            const double cps = static_cast<double>(counter->checkpoints.load() - checkpoints_before);
            t.checkpoints_per_execution = cps / static_cast<double>(t.executions);
            t.snapshot_bytes_per_checkpoint = static_cast<double>(counter->snapshot_bytes.load() - snapshot_bytes_before) / cps;
        }
    }
    t.p50_ms = percentile(latencies, 0.50);
    t.p99_ms = percentile(latencies, 0.99);
    t.peak_rss_mib = peak_rss_mib();
    if (kind == store_kind::sqlite_full || kind == store_kind::sqlite_normal || kind == store_kind::sqlite_every) {
        // Every execution the file holds, the warm-up's too; closing folds the WAL in.
        const auto all = static_cast<double>(counter ? counter->checkpoints.load() : 0);
        const double per_execution = t.checkpoints_per_execution > 0 ? t.checkpoints_per_execution : 1;
        const double executions_stored = all / per_execution;
        counter.reset();
        inner.reset();
        t.bytes_per_transition = static_cast<double>(size_on_disk(path)) / (executions_stored * transitions_per_execution);
        remove_db(path);
    }
    return t;
}

// ---- Cost against history length ----------------------------------------------------------

struct growth {
    double start_us = 0;         // per transition, while the history holds < 2,000 events
    double after_10k_us = 0;     // per transition, once it holds 10,000 to 12,000 events
    double after_20k_us = 0;     // 20,000 to 22,000 events
    double after_30k_us = 0;     // 30,000 to 32,000 events
    double end_us = 0;           // per transition, over the last 2,000 events
    std::uint64_t events = 0;    // events at the end
    double snapshot_start = 0;   // bytes of a snapshot at the start and at the end
    double snapshot_end = 0;
    double bytes_per_transition_start = 0;  // file growth per transition (SQLite)
    double bytes_per_transition_end = 0;
};

// One execution: Count (a Task adding 1 to $.i) then More (a Choice back to Count while
// $.i < n): two transitions and seven history events per loop. The Task's handler notes the time
// and how many events the store has been handed; the spans between its calls are the cost of a
// loop at that history length.
growth run_growth(store_kind kind, int loops, const std::string& dir) {
    const std::string definition = R"({"StartAt":"Count","States":{
        "Count":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:count","Next":"More"},
        "More":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":)" + std::to_string(loops) + R"(,"Next":"Count"}],"Default":"Done"},
        "Done":{"Type":"Succeed"}}})";
    stepfn::load_options load_options;
    load_options.bounds = stepfn_bench::generous_limits();
    auto machine = stepfn::load_machine(definition, load_options);
    if (!machine) std::_Exit(2);
    const std::string path = dir + "/loop-" + key(kind) + ".db";
    auto inner = open_store(kind, path);
    auto counter = inner ? std::make_shared<counting_store>(inner) : nullptr;
    struct sample {
        steady::time_point at;
        std::uint64_t events;
        std::uint64_t snapshot;
        std::uintmax_t file;
    };
    std::vector<sample> samples;
    samples.reserve(static_cast<std::size_t>(loops) + 1);
    const bool on_disk = kind != store_kind::memory && kind != store_kind::discard && kind != store_kind::none;
    std::atomic<std::uint64_t> no_store_events{0};
    {
        stepfn::thread_pool_executor executor(2);
        stepfn::system_clock clock;
        pool_engine engine(executor, clock, options_for(kind, counter));
        engine.invokers().add("arn:aws:lambda:us-east-1:123456789012:function:count", stepfn::make_invoker([&](const json& in) {
                                  // Without a store, seven events per loop as the others count them.
                                  const std::uint64_t events = counter ? counter->events.load() : (no_store_events += 7);
                                  // The file's size costs a stat: only every 100th loop.
                                  const std::uintmax_t file = on_disk && samples.size() % 100 == 0 ? size_on_disk(path) + 1 : 0;
                                  samples.push_back({steady::now(), events, counter ? counter->last_snapshot_bytes.load() : 0, file});
                                  return json{{"i", in.value("i", 0) + 1}};
                              }));
        auto run = engine.start(*machine, json{{"i", 0}});
        if (!run || run->join() != stepfn::execution_status::succeeded) {
            std::fprintf(stderr, "the loop failed\n");
            std::_Exit(1);
        }
    }
    growth g;
    g.events = samples.empty() ? 0 : samples.back().events;
    // Mean time per transition over the loops whose history length is in [from, to).
    auto window = [&](std::uint64_t from, std::uint64_t to) {
        double total = 0;
        int count = 0;
        for (std::size_t i = 1; i < samples.size(); ++i) {
            if (samples[i - 1].events < from || samples[i].events >= to) continue;
            total += std::chrono::duration<double, std::micro>(samples[i].at - samples[i - 1].at).count();
            ++count;
        }
        return count ? total / count / 2.0 : 0.0;  // two transitions per loop
    };
    g.start_us = window(0, 2000);
    g.after_10k_us = window(10000, 12000);
    g.after_20k_us = window(20000, 22000);
    g.after_30k_us = window(30000, 32000);
    g.end_us = window(g.events > 2000 ? g.events - 2000 : 0, g.events + 1);
    if (samples.size() > 10) {
        g.snapshot_start = static_cast<double>(samples[5].snapshot);
        g.snapshot_end = static_cast<double>(samples.back().snapshot);
    }
    if (on_disk) {
        // File growth between sampled loops, early and late (SQLite grows its file in pages).
        std::vector<std::pair<std::size_t, std::uintmax_t>> sized;
        for (std::size_t i = 0; i < samples.size(); ++i)
            if (samples[i].file) sized.push_back({i, samples[i].file - 1});
        auto growth_between = [&](std::size_t a, std::size_t b) {
            if (b <= a || b >= sized.size()) return 0.0;
            return static_cast<double>(sized[b].second - sized[a].second) /
                   static_cast<double>((sized[b].first - sized[a].first) * 2);
        };
        if (sized.size() >= 8) {
            g.bytes_per_transition_start = growth_between(1, 4);
            g.bytes_per_transition_end = growth_between(sized.size() - 4, sized.size() - 1);
        }
        counter.reset();
        inner.reset();
        remove_db(path);
    }
    return g;
}

// ---- Each run in a child process ------------------------------------------------------------

template <class T, class F>
T in_child(F&& f) {
    int fds[2];
    if (pipe(fds) != 0) std::_Exit(1);
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        T value = f();
        const ssize_t written = write(fds[1], &value, sizeof value);
        std::_Exit(written == static_cast<ssize_t>(sizeof value) ? 0 : 1);
    }
    close(fds[1]);
    T value{};
    std::size_t got = 0;
    while (got < sizeof value) {
        const ssize_t n = read(fds[0], reinterpret_cast<char*>(&value) + got, sizeof value - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != sizeof value || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "a benchmark run failed\n");
        std::exit(1);
    }
    return value;
}

std::string human(double rate) {
    char text[32];
    if (rate >= 1e6) std::snprintf(text, sizeof text, "%.2f M", rate / 1e6);
    else if (rate >= 1e4) std::snprintf(text, sizeof text, "%.1f k", rate / 1e3);
    else std::snprintf(text, sizeof text, "%.0f", rate);
    return text;
}

} // namespace

int main(int argc, char** argv) {
    double seconds = 2.0;
    std::string dir = fs::temp_directory_path().string();
    bool quick = false;
    bool growth_only = false;
    std::string only;
    int positional = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) quick = true;
        else if (std::strcmp(argv[i], "--sequential-names") == 0) sequential_names = true;
        else if (std::strcmp(argv[i], "--growth-only") == 0) growth_only = true;
        else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
        else if (positional++ == 0) seconds = std::atof(argv[i]);
        else dir = argv[i];
    }
    dir += "/stepfn-durable-bench-" + std::to_string(::getpid());
    fs::create_directories(dir);

    const store_kind kinds[] = {store_kind::sqlite_full, store_kind::sqlite_normal, store_kind::sqlite_every, store_kind::memory,
                                store_kind::discard, store_kind::none};
    if (!only.empty()) {
        unsigned threads = 0, in_flight = 0;
        char name[64] = {0};
        if (std::sscanf(only.c_str(), "%63[a-z_]:%u:%u", name, &threads, &in_flight) != 3) {
            std::fprintf(stderr, "--only wants STORE:THREADS:IN_FLIGHT\n");
            return 2;
        }
        for (store_kind kind : kinds) {
            if (only.rfind(key(kind), 0) != 0 || std::strlen(key(kind)) != std::strlen(name)) continue;
            const throughput t = run_throughput(kind, threads, in_flight, seconds, dir);
            std::printf("%s, %u threads, %u in flight: %.0f executions/s, p50 %.2f ms, p99 %.2f ms, %.0f bytes written per "
                        "transition\n",
                        label(kind), threads, in_flight, t.executions_per_second, t.p50_ms, t.p99_ms, t.written_per_transition);
        }
        fs::remove_all(dir);
        return 0;
    }
    std::vector<std::size_t> pools = {2, 4};
    std::vector<std::size_t> flights = {1, 16, 256};
    if (quick) pools = {2};

    std::printf("Five-state workflow, durable; SQLite %s; files in %s; %.1f s per run; executions named %s\n\n", sqlite3_libversion(),
                dir.c_str(), seconds, sequential_names ? "in sequence" : "by UUID (the default)");
    if (!growth_only) {
        std::printf("| store | threads | in flight | executions/s | transitions/s | checkpoints/execution | bytes/transition | "
                    "written/transition | snapshot bytes/checkpoint | p50 ms | p99 ms | peak RSS MiB |\n");
        std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    }
    std::string json_rows;
    for (store_kind kind : kinds) {
        if (growth_only) break;
        for (std::size_t threads : pools) {
            for (std::size_t in_flight : flights) {
                const throughput t = in_child<throughput>([&] { return run_throughput(kind, threads, in_flight, seconds, dir); });
                char bytes[32] = "-", snap[32] = "-", cps[32] = "-", written[32] = "-";
                if (t.bytes_per_transition > 0) {
                    std::snprintf(bytes, sizeof bytes, "%.0f", t.bytes_per_transition);
                    std::snprintf(written, sizeof written, "%.0f", t.written_per_transition);
                }
                if (kind != store_kind::none) {
                    std::snprintf(snap, sizeof snap, "%.0f", t.snapshot_bytes_per_checkpoint);
                    std::snprintf(cps, sizeof cps, "%.2f", t.checkpoints_per_execution);
                }
                std::printf("| %s | %zu | %zu | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.0f |%s\n", label(kind), threads, in_flight,
                            human(t.executions_per_second).c_str(), human(t.transitions_per_second).c_str(), cps, bytes, written, snap,
                            t.p50_ms, t.p99_ms, t.peak_rss_mib, t.failures ? " FAILURES" : "");
                std::fflush(stdout);
                char row[640];
                std::snprintf(row, sizeof row,
                              "%s{\"store\":\"%s\",\"threads\":%zu,\"in_flight\":%zu,\"executions_per_second\":%.1f,"
                              "\"transitions_per_second\":%.1f,\"checkpoints_per_execution\":%.3f,\"bytes_per_transition\":%.1f,"
                              "\"written_per_transition\":%.1f,\"snapshot_bytes_per_checkpoint\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"peak_rss_mib\":%.1f,"
                              "\"failures\":%llu}",
                              json_rows.empty() ? "" : ",", key(kind), threads, in_flight, t.executions_per_second,
                              t.transitions_per_second, t.checkpoints_per_execution, t.bytes_per_transition,
                              t.written_per_transition, t.snapshot_bytes_per_checkpoint, t.p50_ms, t.p99_ms, t.peak_rss_mib,
                              static_cast<unsigned long long>(t.failures));
                json_rows += row;
            }
        }
    }

    const int loops = quick ? 2000 : 5000;
    std::printf("\nOne execution looping Task -> Choice %d times (7 events, 2 transitions a loop); microseconds per transition "
                "by history length:\n\n",
                loops);
    std::printf("| store | < 2,000 events | 10,000-12,000 | 20,000-22,000 | 30,000-32,000 | last 2,000 | events | "
                "snapshot bytes start/end | file bytes/transition start/end |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    std::string json_growth;
    for (store_kind kind : kinds) {
        const growth g = in_child<growth>([&] { return run_growth(kind, loops, dir); });
        char file[64] = "-";
        if (g.bytes_per_transition_start > 0)
            std::snprintf(file, sizeof file, "%.0f / %.0f", g.bytes_per_transition_start, g.bytes_per_transition_end);
        char snap[64] = "-";
        if (kind != store_kind::none) std::snprintf(snap, sizeof snap, "%.0f / %.0f", g.snapshot_start, g.snapshot_end);
        std::printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %llu | %s | %s |\n", label(kind), g.start_us, g.after_10k_us,
                    g.after_20k_us, g.after_30k_us, g.end_us,
                    static_cast<unsigned long long>(g.events), snap, file);
        std::fflush(stdout);
        char row[400];
        std::snprintf(row, sizeof row,
                      "%s{\"store\":\"%s\",\"start_us\":%.2f,\"after_10k_us\":%.2f,\"after_20k_us\":%.2f,"
                      "\"after_30k_us\":%.2f,\"end_us\":%.2f,\"events\":%llu,"
                      "\"snapshot_start\":%.0f,\"snapshot_end\":%.0f}",
                      json_growth.empty() ? "" : ",", key(kind), g.start_us, g.after_10k_us, g.after_20k_us,
                      g.after_30k_us, g.end_us, static_cast<unsigned long long>(g.events), g.snapshot_start, g.snapshot_end);
        json_growth += row;
    }
    std::printf("\n{\"durable\":[%s],\"growth\":[%s]}\n", json_rows.c_str(), json_growth.c_str());
    fs::remove_all(dir);
    return 0;
}
