#ifndef STEPFN_BENCH_FANOUT_FLOORS_HPP
#define STEPFN_BENCH_FANOUT_FLOORS_HPP

// The hand-written floors for cliffs_bench's parallel_50 and map_10: the same JSON work without
// an engine, shared between the host and pre-started threads. What two cores and glibc's
// allocator can give these workloads on this machine (docs/performance.md, session 15).

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

// The floor for parallel_50: the same JSON work by hand (each branch copies the input and
// builds {"branch": i, "id": ...}, stored in branch order), shared between the host and
// `threads` pre-started threads that spin on a generation counter (a yield every few looks),
// claim `chunk` branches at a time from a counter, write pre-sized slots without a lock and
// count what they did into one done counter. What two cores can give 50 such branches here.
// With `host_works` false the host only hands the branches over and waits: the floor of an
// execution that runs on a pool thread while the host joins.
class parallel_floor {
public:
    parallel_floor(int threads, std::size_t chunk, bool host_works) : chunk_(chunk), host_works_(host_works) {
        for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    }
    parallel_floor(const parallel_floor&) = delete;
    parallel_floor& operator=(const parallel_floor&) = delete;
    ~parallel_floor() {
        stop_.store(true);
        for (auto& worker : workers_) worker.join();
    }

    json run(json input) {
        input_ = std::move(input);
        results_.assign(branches, json());
        done_.store(0, std::memory_order_relaxed);
        // Released: a thread late from the last round that claims from this one sees its input.
        next_.store(0, std::memory_order_release);
        generation_.fetch_add(1, std::memory_order_release);
        if (host_works_) claim();
        for (unsigned looks = 1; done_.load(std::memory_order_acquire) != branches; ++looks) relax(looks);
        return json(std::move(results_));
    }

private:
    static constexpr std::size_t branches = 50;

    static void relax(unsigned looks) {
        if (looks % 64 == 0) std::this_thread::yield();
        else stepfn::detail::cpu_relax();
    }

    void claim() {
        std::size_t did = 0;
        for (;;) {
            const std::size_t first = next_.fetch_add(chunk_, std::memory_order_acq_rel);
            if (first >= branches) break;
            const std::size_t last = (std::min)(first + chunk_, branches);
            for (std::size_t i = first; i < last; ++i) {
                json in = input_;  // every branch gets its own copy of the input, as the engine's do
                json out = json::object();
                out["branch"] = i;
                out["id"] = std::move(in["id"]);
                results_[i] = std::move(out);
            }
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
    json input_;
    json::array_t results_;
    alignas(64) std::atomic<std::uint64_t> generation_{0};
    alignas(64) std::atomic<std::size_t> next_{0};
    alignas(64) std::atomic<std::size_t> done_{0};
    std::atomic<bool> stop_{false};
    std::vector<std::thread> workers_;
};

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
