#ifndef STEPFN_DETAIL_GUARDED_CALL_HPP
#define STEPFN_DETAIL_GUARDED_CALL_HPP

// The one place where host code's exceptions become error values (errors are values; nothing
// thrown by an invoker, sink, reader or callback crosses stepfn's API). With -fno-exceptions
// it calls straight through.
//
//   result<json> out = detail::guarded_call([&] { return f(input); });
//   result<void> ok = detail::guarded_call([&] { sink.record(arn, event); }, "a history sink");
//
// task_error keeps its name and cause; any other std::exception becomes `error_name` (default
// States.TaskFailed) with what() as the cause, anything else "unknown exception"; a non-empty
// `what` prefixes the cause ("<what>: <cause>").

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/error.hpp>
#include <stepfn/task_error.hpp>

namespace stepfn::detail {

// F's return type R as the result guarded_call gives: result<R>, or R itself when it is one.
template <class R>
struct guarded_result {
    using type = result<R>;
};
template <class T>
struct guarded_result<tl::expected<T, error>> {
    using type = result<T>;
};

#if STEPFN_HAS_EXCEPTIONS
// Only inside a catch block: the in-flight exception as an error value.
inline error current_exception_error(std::string_view what = {}, const char* error_name = errors::task_failed) {
    auto cause = [&](std::string text) { return what.empty() ? text : std::string(what) + ": " + text; };
    try {
        throw;
    } catch (const task_error& e) {
        return error{e.name, e.cause};
    } catch (const std::exception& e) {
        return error{error_name, cause(e.what())};
    } catch (...) {
        return error{error_name, cause("unknown exception")};
    }
}
#endif

template <class F>
auto guarded_call(F&& f, std::string_view what = {}, const char* error_name = errors::task_failed) ->
    typename guarded_result<std::invoke_result_t<F>>::type {
    using out = typename guarded_result<std::invoke_result_t<F>>::type;
#if STEPFN_HAS_EXCEPTIONS
    try {
#endif
        if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
            std::forward<F>(f)();
            return out();
        } else {
            return out(std::forward<F>(f)());
        }
#if STEPFN_HAS_EXCEPTIONS
    } catch (...) {
        return tl::make_unexpected(current_exception_error(what, error_name));
    }
#else
    (void)what;
    (void)error_name;
#endif
}

} // namespace stepfn::detail

#endif
