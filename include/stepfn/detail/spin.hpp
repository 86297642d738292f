#ifndef STEPFN_DETAIL_SPIN_HPP
#define STEPFN_DETAIL_SPIN_HPP

// Waiting a moment without giving the core away, for waits that usually last well under a
// sleep and wake-up (microseconds on a VM).

#include <mutex>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <immintrin.h>
#endif

namespace stepfn::detail {

// A hint inside a spin-wait: the core slows the loop down and lets a sibling hyper-thread run,
// without handing the core to another thread as a yield would.
inline void cpu_relax() noexcept {
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
    _mm_pause();
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__aarch64__) || defined(__arm__))
    __asm__ __volatile__("yield");
#endif
}

// Locks `lock`'s mutex, trying for a moment before blocking: for a mutex held only for a few
// hundred nanoseconds at a time, a thread that blocks on it would sleep for far longer than
// the holder keeps it (std::mutex does not spin). Bounded: then it blocks as lock() does.
inline void lock_spinning(std::unique_lock<std::mutex>& lock) {
    for (int tries = 0; tries < 128; ++tries) {
        if (lock.try_lock()) return;
        cpu_relax();
    }
    lock.lock();
}

// The same for a mutex that two threads take constantly (an execution's history lock, taken per
// event by a fan-out's runners): the waiter backs off between tries (1, 2, 4 ... 256 pauses),
// since each try takes the lock's cache line from the holder, which needs it to unlock. Call
// it after a try_lock() has failed; then it blocks as lock() does.
inline void lock_backing_off(std::mutex& m) {
    for (unsigned pauses = 1; pauses <= 256; pauses *= 2) {
        for (unsigned i = 0; i < pauses; ++i) cpu_relax();
        if (m.try_lock()) return;
    }
    m.lock();
}

} // namespace stepfn::detail

#endif
