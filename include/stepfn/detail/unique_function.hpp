#ifndef STEPFN_DETAIL_UNIQUE_FUNCTION_HPP
#define STEPFN_DETAIL_UNIQUE_FUNCTION_HPP

#include <memory>
#include <type_traits>
#include <utility>

namespace stepfn::detail {

// A move-only std::function<R(Args...)>: work posted to executors and timers owns JSON values
// and completion handles, which must move, not copy.
template <class Signature>
class unique_function;

template <class R, class... Args>
class unique_function<R(Args...)> {
public:
    unique_function() noexcept = default;
    unique_function(std::nullptr_t) noexcept {}

    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, unique_function> &&
                                                 std::is_invocable_r_v<R, std::decay_t<F>&, Args...>>>
    unique_function(F&& f) : callable_(std::make_unique<model<std::decay_t<F>>>(std::forward<F>(f))) {}

    unique_function(unique_function&&) noexcept = default;
    unique_function& operator=(unique_function&&) noexcept = default;
    unique_function(const unique_function&) = delete;
    unique_function& operator=(const unique_function&) = delete;

    explicit operator bool() const noexcept { return callable_ != nullptr; }

    R operator()(Args... args) { return callable_->call(std::forward<Args>(args)...); }

private:
    struct concept_t {
        virtual ~concept_t() = default;
        virtual R call(Args... args) = 0;
    };
    template <class F>
    struct model final : concept_t {
        template <class G>
        explicit model(G&& g) : f(std::forward<G>(g)) {}
        R call(Args... args) override { return f(std::forward<Args>(args)...); }
        F f;
    };
    std::unique_ptr<concept_t> callable_;
};

} // namespace stepfn::detail

#endif
