#ifndef STEPFN_BENCHMARKS_HEAP_COUNTER_HPP
#define STEPFN_BENCHMARKS_HEAP_COUNTER_HPP

// The bytes a benchmark program holds on the heap: replaces the global operator new/delete with
// ones that count malloc_usable_size. A replacement may be defined once per program, so include
// this in the one source file of a benchmark that measures memory, and nowhere else.

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace stepfn_bench {
inline std::atomic<long long> live_bytes{0};

inline void* counted_alloc(std::size_t size) {
    void* p = std::malloc(size == 0 ? 1 : size);
    if (!p) throw std::bad_alloc();
    live_bytes.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
    return p;
}

inline void counted_free(void* p) noexcept {
    if (!p) return;
    live_bytes.fetch_sub(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
    std::free(p);
}
} // namespace stepfn_bench

void* operator new(std::size_t size) { return stepfn_bench::counted_alloc(size); }
void* operator new[](std::size_t size) { return stepfn_bench::counted_alloc(size); }
void operator delete(void* p) noexcept { stepfn_bench::counted_free(p); }
void operator delete[](void* p) noexcept { stepfn_bench::counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { stepfn_bench::counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { stepfn_bench::counted_free(p); }

#endif
