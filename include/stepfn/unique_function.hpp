#ifndef STEPFN_UNIQUE_FUNCTION_HPP
#define STEPFN_UNIQUE_FUNCTION_HPP

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace stepfn {

// A move-only std::function<R(Args...)>: work posted to executors and timers owns JSON values
// and completion handles, which must move, not copy.
//
// Callables of up to four pointers that move without throwing (the engine's jobs: a couple of
// shared_ptrs and an index) are stored inline, so posting a job does not allocate; larger ones
// go to the heap.
template <class Signature>
class unique_function;

template <class R, class... Args>
class unique_function<R(Args...)> {
    static constexpr std::size_t inline_size = 4 * sizeof(void*);

    template <class F>
    static constexpr bool stored_inline = sizeof(F) <= inline_size && alignof(F) <= alignof(std::max_align_t) &&
                                          std::is_nothrow_move_constructible_v<F>;

public:
    unique_function() noexcept = default;
    unique_function(std::nullptr_t) noexcept {}

    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, unique_function> &&
                                                 std::is_invocable_r_v<R, std::decay_t<F>&, Args...>>>
    unique_function(F&& f) {
        using stored = std::decay_t<F>;
        if constexpr (stored_inline<stored>) {
            ::new (static_cast<void*>(storage_)) stored(std::forward<F>(f));
            ops_ = &inline_ops<stored>;
        } else {
            ::new (static_cast<void*>(storage_)) stored*(new stored(std::forward<F>(f)));
            ops_ = &heap_ops<stored>;
        }
    }

    unique_function(unique_function&& other) noexcept { take(other); }
    unique_function& operator=(unique_function&& other) noexcept {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }
    unique_function& operator=(std::nullptr_t) noexcept {
        reset();
        return *this;
    }
    unique_function(const unique_function&) = delete;
    unique_function& operator=(const unique_function&) = delete;
    ~unique_function() { reset(); }

    explicit operator bool() const noexcept { return ops_ != nullptr; }

    R operator()(Args... args) { return ops_->call(storage_, std::forward<Args>(args)...); }

private:
    struct ops_t {
        R (*call)(void* self, Args&&... args);
        void (*move)(void* from, void* to) noexcept;  // leaves `from` destroyed
        void (*destroy)(void* self) noexcept;
    };

    template <class F>
    static F& inline_object(void* p) noexcept {
        return *std::launder(static_cast<F*>(p));
    }
    template <class F>
    static F*& heap_pointer(void* p) noexcept {
        return *std::launder(static_cast<F**>(p));
    }

    template <class F>
    static inline const ops_t inline_ops = {
        [](void* self, Args&&... args) -> R { return inline_object<F>(self)(std::forward<Args>(args)...); },
        [](void* from, void* to) noexcept {
            ::new (to) F(std::move(inline_object<F>(from)));
            inline_object<F>(from).~F();
        },
        [](void* self) noexcept { inline_object<F>(self).~F(); },
    };

    template <class F>
    static inline const ops_t heap_ops = {
        [](void* self, Args&&... args) -> R { return (*heap_pointer<F>(self))(std::forward<Args>(args)...); },
        [](void* from, void* to) noexcept { ::new (to) F*(heap_pointer<F>(from)); },
        [](void* self) noexcept { delete heap_pointer<F>(self); },
    };

    void take(unique_function& other) noexcept {
        if (!other.ops_) return;
        other.ops_->move(other.storage_, storage_);
        ops_ = other.ops_;
        other.ops_ = nullptr;
    }
    void reset() noexcept {
        if (!ops_) return;
        const ops_t* ops = ops_;
        ops_ = nullptr;
        ops->destroy(storage_);
    }

    alignas(std::max_align_t) unsigned char storage_[inline_size];
    const ops_t* ops_ = nullptr;
};

} // namespace stepfn

#endif
