#ifndef STEPFN_BENCH_FANOUT_FLOORS_HPP
#define STEPFN_BENCH_FANOUT_FLOORS_HPP

// The hand-written floors for cliffs_bench's fan-out workloads: the same JSON work (parallel_50,
// map_10) or CPU job (parallel_50_work, map_work) without an engine, shared between the host and
// pre-started threads. What two cores and glibc's allocator can give these workloads on this
// machine (docs/performance/fan-out.md, sessions 15 and 16).

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <stepfn/detail/json_release.hpp>
#include <stepfn/detail/spin.hpp>
#include <stepfn/json.hpp>

namespace stepfn_bench {

using stepfn::json;
using stepfn::detail::release;

// A large array freed by several threads at once (map_floor's `shared_free`): each run() claims
// `chunk` elements at a time and frees them until none is left, so that a thread that comes
// late finds nothing and returns at once. Session
// 15 had the engine free a big Map's output this way; with glibc it was slower than one thread
// freeing it (likely the threads meeting on the lock of the arena that made the values), so it was not kept.
class shared_release {
public:
    static constexpr std::size_t chunk = 1024;

    explicit shared_release(json::array_t items) noexcept : items_(std::move(items)) {}
    shared_release(const shared_release&) = delete;
    shared_release& operator=(const shared_release&) = delete;
    ~shared_release() { run(); }  // what no thread claimed (none came)

    void run() noexcept {
        const std::size_t size = items_.size();
        for (std::size_t first = next_.fetch_add(chunk, std::memory_order_relaxed); first < size;
             first = next_.fetch_add(chunk, std::memory_order_relaxed)) {
            const std::size_t last = (std::min)(first + chunk, size);
            for (std::size_t i = first; i < last; ++i) {
                release(items_[i]);
                items_[i] = nullptr;  // the emptied container itself
            }
        }
    }

private:
    json::array_t items_;
    std::atomic<std::size_t> next_{0};
};

// Pre-started threads that spin on a generation counter (a yield every few looks) and, with the
// host too when `host_works`, run fn(i) for i in [0, count), claiming `chunk` at a time from one
// counter and counting what they did into one done counter, which the host spins on. With
// `host_works` false the host only hands the work over and waits: the floor of an execution that
// runs on a pool thread while the host joins.
class spin_crew {
public:
    spin_crew(int threads, std::size_t chunk, bool host_works) : chunk_(chunk), host_works_(host_works) {
        for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    }
    spin_crew(const spin_crew&) = delete;
    spin_crew& operator=(const spin_crew&) = delete;
    ~spin_crew() {
        stop_.store(true);
        for (auto& worker : workers_) worker.join();
    }

    // `fn` must stay alive until run() returns (a thread late from this round claims nothing).
    void run(std::size_t count, const std::function<void(std::size_t)>& fn) {
        fn_ = &fn;
        count_ = count;
        done_.store(0, std::memory_order_relaxed);
        // Released: a thread late from the last round that claims from this one sees fn_ and count_.
        next_.store(0, std::memory_order_release);
        generation_.fetch_add(1, std::memory_order_release);
        if (host_works_) claim();
        for (unsigned looks = 1; done_.load(std::memory_order_acquire) != count; ++looks) relax(looks);
    }

private:
    static void relax(unsigned looks) {
        if (looks % 64 == 0) std::this_thread::yield();
        else stepfn::detail::cpu_relax();
    }

    void claim() {
        std::size_t did = 0;
        for (;;) {
            const std::size_t first = next_.fetch_add(chunk_, std::memory_order_acq_rel);
            if (first >= count_) break;
            const std::size_t last = (std::min)(first + chunk_, count_);
            for (std::size_t i = first; i < last; ++i) (*fn_)(i);
            did += last - first;
        }
        if (did != 0) done_.fetch_add(did, std::memory_order_acq_rel);
    }

    void work() {
        std::uint64_t seen = 0;
        for (unsigned looks = 1; !stop_.load(std::memory_order_relaxed); ++looks) {
            const std::uint64_t now = generation_.load(std::memory_order_acquire);
            if (now == seen) {
                relax(looks);
                continue;
            }
            seen = now;
            claim();
        }
    }

    const std::size_t chunk_;
    const bool host_works_;
    const std::function<void(std::size_t)>* fn_ = nullptr;
    std::size_t count_ = 0;
    alignas(64) std::atomic<std::uint64_t> generation_{0};
    alignas(64) std::atomic<std::size_t> next_{0};
    alignas(64) std::atomic<std::size_t> done_{0};
    std::atomic<bool> stop_{false};
    std::vector<std::thread> workers_;
};

// The floor for parallel_50: the same JSON work by hand (each branch copies the input and
// builds {"branch": i, "id": ...}, stored in branch order into pre-sized slots, without a lock),
// shared by a spin_crew. What two cores can give 50 such branches here.
class parallel_floor {
public:
    parallel_floor(int threads, std::size_t chunk, bool host_works) : crew_(threads, chunk, host_works) {}

    json run(json input) {
        input_ = std::move(input);
        results_.assign(branches, json());
        crew_.run(branches, branch_);
        return json(std::move(results_));
    }

private:
    static constexpr std::size_t branches = 50;

    json input_;
    json::array_t results_;
    const std::function<void(std::size_t)> branch_ = [this](std::size_t i) {
        json in = input_;  // every branch gets its own copy of the input, as the engine's do
        json out = json::object();
        out["branch"] = i;
        out["id"] = std::move(in["id"]);
        results_[i] = std::move(out);
    };
    spin_crew crew_;  // last: its threads start after what they use exists
};

// The CPU job of the fan-out workloads that carry work (parallel_50_work, map_work): FNV-1a
// over a 1 KiB buffer seeded by `seed`, `rounds` times (about 1 µs per round here), no memory
// beyond the stack. Deterministic, so an engine's task and the floor do the same work.
inline std::uint64_t cpu_job(std::int64_t rounds, std::int64_t seed) {
    unsigned char buffer[1024];
    for (std::size_t i = 0; i < sizeof buffer; ++i) buffer[i] = static_cast<unsigned char>(i * 31 + static_cast<std::size_t>(seed));
    std::uint64_t hash = 1469598103934665603ull;
    for (std::int64_t r = 0; r < rounds; ++r) {
        for (unsigned char byte : buffer) hash = (hash ^ byte) * 1099511628211ull;
        buffer[static_cast<std::size_t>(r) % sizeof buffer] = static_cast<unsigned char>(hash);  // no round like the last
    }
    return hash;
}

// What map_10 does, written by hand: each item shaped into {"id", "name", "kind"} (the name
// moved, as the engine's Parameters do), split between `threads` pre-started threads and, with
// `host` 1, the host, each claiming 16 items at a time from an atomic counter and writing into
// pre-sized slots; then the output is freed as the engine frees an execution's (release()), on
// the host alone or, with `shared_free` 1, by the host and the threads together (shared_release).
// The floor for map_10 on the same number of threads: what two cores and the allocator give
// this work without an engine.
class map_floor {
public:
    explicit map_floor(int threads) {
        for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { serve(); });
    }
    map_floor(const map_floor&) = delete;
    map_floor& operator=(const map_floor&) = delete;
    ~map_floor() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (auto& worker : workers_) worker.join();
    }
    json shape(json::array_t& items, bool host) {
        json output = json::array();
        auto& slots = output.get_ref<json::array_t&>();
        slots.resize(items.size());
        next_.store(0);
        round([&] { shape_items(items, slots); }, host);
        return output;
    }
    void free(json& output, bool shared) {
        if (!shared) return release(output);
        shared_release work(std::move(output.get_ref<json::array_t&>()));
        round([&] { work.run(); }, true);
    }

private:
    static constexpr std::size_t chunk = 16;
    // `task` on every thread, and on the host's too with `host`; returns when all ran it.
    void round(std::function<void()> task, bool host) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            task_ = std::move(task);
            busy_ = workers_.size();
            ++round_;
        }
        wake_.notify_all();
        if (host) task_();
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [&] { return busy_ == 0; });
    }
    void shape_items(json::array_t& items, json::array_t& slots) {
        for (std::size_t first = next_.fetch_add(chunk); first < items.size(); first = next_.fetch_add(chunk)) {
            const std::size_t last = (std::min)(first + chunk, items.size());
            for (std::size_t i = first; i < last; ++i) {
                json item = std::move(items[i]);
                json shaped(json::value_t::object);
                auto& members = shaped.get_ref<json::object_t&>();
                members.reserve(3);
                members.emplace_back("id", item["id"]);
                members.emplace_back("name", std::move(item["name"]));
                members.emplace_back("kind", "item");
                slots[i] = std::move(shaped);
            }
        }
    }
    void serve() {
        std::uint64_t seen = 0;
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return stopping_ || round_ != seen; });
                if (stopping_) return;
                seen = round_;
            }
            task_();
            std::lock_guard<std::mutex> lock(mutex_);
            if (--busy_ == 0) done_.notify_one();
        }
    }

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::atomic<std::size_t> next_{0};
    std::function<void()> task_;
    std::size_t busy_ = 0;
    std::uint64_t round_ = 0;
    bool stopping_ = false;
};

} // namespace stepfn_bench

#endif
