// Checkpoints per second through sqlite_store: group commit (with and without a window) from 1,
// 8 and 64 committing threads against one transaction per checkpoint, synchronous FULL against
// NORMAL; the bytes on disk each checkpoint costs; and whether a checkpoint costs more when its execution's history is
// long (10 events against 10,000). Each committing thread waits for its checkpoint's `done`
// before the next, as an engine waits before an effect leaves the execution.
//
// A checkpoint is one step of a five-state workflow: two or three history events of about 200
// bytes and a snapshot of about 500 bytes; an execution is 7 checkpoints (created, 5 states,
// ended). Figures only; no assertions. Usage: stepfn_bench_store [directory] [seconds-per-run]

#include <stepfn/integrations/sqlite_store.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

const std::string machine = "arn:aws:states:us-east-1:123456789012:stateMachine:bench";

stepfn::history_event make_event(std::int64_t id, stepfn::event_type type) {
    stepfn::history_event e;
    e.id = id;
    e.previous_event_id = id - 1;
    e.timestamp = std::chrono::system_clock::now();
    e.type = type;
    // ~200 bytes as JSON text.
    e.details = {{"name", "ProcessPayment"},
                 {"input", "{\"orderId\":\"ord-1001\",\"amount\":4200,\"currency\":\"EUR\",\"customer\":\"c-123456\",\"items\":3}"},
                 {"inputDetails", {{"truncated", false}}}};
    return e;
}

// Checkpoint `seq` (1..7) of an execution.
stepfn::execution_checkpoint make_checkpoint(const std::string& arn, std::uint64_t seq, std::int64_t& next_event) {
    stepfn::execution_checkpoint cp;
    cp.execution_arn = arn;
    cp.sequence = seq;
    if (seq == 1) {
        stepfn::stored_execution row;
        row.arn = arn;
        row.name = arn.substr(arn.rfind(':') + 1);
        row.machine_arn = machine;
        row.definition_id = "bench-v1";
        row.input = "{\"orderId\":\"ord-1001\",\"amount\":4200}";
        row.start_date = std::chrono::system_clock::now();
        cp.created = row;
        cp.machine = stepfn::machine_version{"bench-v1", machine, "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}"};
        cp.events.push_back(make_event(next_event++, stepfn::event_type::execution_started));
        cp.events.push_back(make_event(next_event++, stepfn::event_type::task_state_entered));
    } else {
        cp.events.push_back(make_event(next_event++, stepfn::event_type::task_state_exited));
        cp.events.push_back(make_event(next_event++, stepfn::event_type::task_state_entered));
        if (seq % 2 == 0) cp.events.push_back(make_event(next_event++, stepfn::event_type::task_succeeded));
    }
    // ~500 bytes.
    cp.snapshot = "{\"state\":\"S" + std::to_string(seq) + "\",\"input\":" + std::string(460, ' ') + "{},\"attempt\":0}";
    if (seq == 7) cp.ended = stepfn::execution_change{stepfn::execution_status::succeeded, "{\"ok\":true}", "", "", std::chrono::system_clock::now(), 0};
    return cp;
}

// Waits for one `done`.
struct waiter {
    std::mutex m;
    std::condition_variable cv;
    bool ready = false;
    bool ok = false;
    void reset() { ready = false; }
    std::function<void(stepfn::result<void>)> callback() {
        return [this](stepfn::result<void> r) {
            std::lock_guard<std::mutex> lock(m);
            ok = static_cast<bool>(r);
            ready = true;
            cv.notify_one();
        };
    }
    bool wait() {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return ready; });
        return ok;
    }
};

struct run_figures {
    double per_second = 0;
    double per_transaction = 0;
    double bytes_per_checkpoint = 0;
    std::size_t failures = 0;
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

run_figures committing(const std::string& dir, int threads, stepfn::sqlite_store_options options, double seconds) {
    const std::string path = dir + "/bench-" + std::to_string(threads) + ".db";
    fs::remove(path);
    auto store = stepfn::sqlite_store::open(path, options);
    if (!store) {
        std::fprintf(stderr, "%s\n", store.error().cause.c_str());
        std::exit(1);
    }
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> committed{0}, failures{0};
    std::vector<std::thread> pool;
    const auto started = clock_type::now();
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            waiter w;
            for (int e = 0; !stop; ++e) {
                const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:bench:t" + std::to_string(t) + "-" + std::to_string(e);
                std::int64_t next_event = 1;
                for (std::uint64_t seq = 1; seq <= 7 && !stop; ++seq) {
                    w.reset();
                    (*store)->commit(make_checkpoint(arn, seq, next_event), w.callback());
                    if (w.wait()) ++committed;
                    else ++failures;
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : pool) th.join();
    const double elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
    run_figures f;
    f.per_second = static_cast<double>(committed) / elapsed;
    f.per_transaction = static_cast<double>(committed) / static_cast<double>((*store)->transactions() ? (*store)->transactions() : 1);
    f.failures = failures;
    store->reset();  // closes: the WAL is folded into the file
    f.bytes_per_checkpoint = static_cast<double>(size_on_disk(path)) / static_cast<double>(committed ? committed.load() : 1);
    fs::remove(path);
    return f;
}

// Microseconds per checkpoint appended to an execution whose history already holds `length`
// events (one thread, one transaction per checkpoint).
double append_cost(const std::string& dir, std::int64_t length, bool full, int samples) {
    const std::string path = dir + "/history-" + std::to_string(length) + ".db";
    fs::remove(path);
    stepfn::sqlite_store_options options;
    options.commit_window = std::chrono::microseconds(0);
    options.synchronous_full = full;
    auto store = stepfn::sqlite_store::open(path, options);
    if (!store) std::exit(1);
    const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:bench:long";
    std::int64_t next_event = 1;
    std::uint64_t seq = 1;
    // Build the history in big checkpoints (not measured).
    {
        auto first = make_checkpoint(arn, seq++, next_event);
        (*store)->commit(std::move(first), nullptr);
        while (next_event <= length) {
            stepfn::execution_checkpoint cp;
            cp.execution_arn = arn;
            cp.sequence = seq++;
            for (int i = 0; i < 500 && next_event <= length; ++i) cp.events.push_back(make_event(next_event++, stepfn::event_type::task_state_entered));
            (*store)->commit(std::move(cp), nullptr);
        }
        (void)(*store)->flush();
    }
    waiter w;
    const auto started = clock_type::now();
    for (int i = 0; i < samples; ++i) {
        auto cp = make_checkpoint(arn, seq++, next_event);
        cp.ended.reset();
        w.reset();
        (*store)->commit(std::move(cp), w.callback());
        if (!w.wait()) std::fprintf(stderr, "append failed\n");
    }
    const double us = std::chrono::duration<double, std::micro>(clock_type::now() - started).count() / samples;
    store->reset();
    fs::remove(path);
    return us;
}

} // namespace

int main(int argc, char** argv) {
    std::string dir = argc > 1 ? argv[1] : fs::temp_directory_path().string();
    const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
    dir += "/stepfn-store-bench-" + std::to_string(::getpid());
    fs::create_directories(dir);
    std::printf("sqlite_store, SQLite %s, files in %s, %.1f s per run\n\n", sqlite3_libversion(), dir.c_str(), seconds);

    std::printf("%-40s %8s %14s %14s %12s\n", "configuration", "threads", "checkpoints/s", "per transaction", "bytes/checkpoint");
    for (bool full : {true, false}) {
        // 0: group commit with the default 1 ms window; 1: no window (a batch is what queued
        // while the previous transaction was written); 2: one transaction per checkpoint.
        for (int mode : {0, 1, 2}) {
            for (int threads : {1, 8, 64}) {
                stepfn::sqlite_store_options options;
                options.synchronous_full = full;
                if (mode > 0) options.commit_window = std::chrono::microseconds(0);
                if (mode == 2) options.max_batch = 1;
                const run_figures f = committing(dir, threads, options, seconds);
                static const char* const modes[] = {"group commit, 1 ms window", "group commit, no window", "1 transaction each"};
                char name[64];
                std::snprintf(name, sizeof name, "%s, %s", modes[mode], full ? "FULL" : "NORMAL");
                std::printf("%-40s %8d %14.0f %14.1f %12.0f%s\n", name, threads, f.per_second, f.per_transaction, f.bytes_per_checkpoint,
                            f.failures ? " (failures!)" : "");
                std::fflush(stdout);
            }
        }
    }

    std::printf("\n%-40s %14s %14s\n", "append to a history of", "FULL us/cp", "NORMAL us/cp");
    for (std::int64_t length : {10, 10000}) {
        const double full = append_cost(dir, length, true, 200);
        const double normal = append_cost(dir, length, false, 2000);
        std::printf("%-40s %14.1f %14.1f\n", (std::to_string(length) + " events").c_str(), full, normal);
    }
    fs::remove_all(dir);
    return 0;
}
