// Idle GetActivityTask long polls: the heap bytes one waiting poll holds (its record in the hub,
// its reply handler, its timer on the clock), counted by the replaced global operator new/delete
// below, for 10,000 and 100,000 polls on the system clock and on the virtual clock; and the time
// to register them and to answer them all (shutdown). A plain program printing a table; the HTTP
// connection a server keeps per poll is not included (see docs/activities.md).
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include <stepfn/api/activity_hub.hpp>
#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/store/memory_store.hpp>

#include "heap_counter.hpp"

namespace {

// What a server's reply handler typically holds: a handle on its connection.
struct connection {
    std::atomic<int> answered{0};
};

template <class Clock>
void measure(const char* clock_name, Clock& clock, std::size_t count) {
    stepfn::activity_hub_options options;
    options.max_waiting_polls = count;
    stepfn::activity_hub hub(std::make_shared<stepfn::memory_store>(), clock, options);
    const std::string arn = (*hub.create_activity(stepfn::json{{"name", "work"}}))["activityArn"];
    const stepfn::json request = stepfn::json{{"activityArn", arn}, {"workerName", "worker-1"}};
    auto conn = std::make_shared<connection>();

    // One poll first, so that the hub's tables exist before counting.
    hub.get_activity_task(request, [conn](stepfn::api_reply) { ++conn->answered; });
    const long long before = stepfn_bench::live_bytes.load();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 1; i < count; ++i) hub.get_activity_task(request, [conn](stepfn::api_reply) { ++conn->answered; });
    const auto t1 = std::chrono::steady_clock::now();
    const long long held = stepfn_bench::live_bytes.load() - before;
    const std::size_t waiting = hub.waiting_polls();
    hub.shutdown();
    const auto t2 = std::chrono::steady_clock::now();
    const auto us = [](auto d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
    std::printf("%-14s %8zu polls  %8zu waiting  %6.0f bytes/poll  register %6.2f us/poll  answer all %6.2f us/poll  answered %d\n",
                clock_name, count, waiting, static_cast<double>(held) / static_cast<double>(count - 1),
                static_cast<double>(us(t1 - t0)) / static_cast<double>(count - 1),
                static_cast<double>(us(t2 - t1)) / static_cast<double>(count), conn->answered.load());
}

} // namespace

int main() {
    std::printf("Idle GetActivityTask polls held by activity_hub (heap bytes, replaced operator new)\n");
    for (std::size_t count : {std::size_t{10000}, std::size_t{100000}}) {
        stepfn::system_clock system;
        measure("system_clock", system, count);
        stepfn::virtual_clock virtual_time;
        measure("virtual_clock", virtual_time, count);
    }
    return 0;
}
