#ifndef STEPFN_TASKS_CALLABLE_INVOKER_HPP
#define STEPFN_TASKS_CALLABLE_INVOKER_HPP

// make_invoker(f): a task_invoker from an ordinary callable, chosen by its signature.
//
//   json(const json&) / json(json)           synchronous; the return value is the result
//   result<json>(const json&)                an error value fails the task with its name and cause
//   json(const task_request&)                the whole request (context, attempt, token, ...)
//   R(A)                                     A and R convert through nlohmann's from_json/to_json
//   void(task_request, task_completion)      asynchronous; complete later, from any thread
//
// Any synchronous form may also return void (the result is null) or result<T>. Synchronous
// callables run on the thread that invokes the Task, so they should be quick; long work
// belongs in the asynchronous form. The callable may be called concurrently by several
// executions.
//
// Exceptions thrown by host code (the synchronous forms, and the asynchronous body before it
// returns) are caught here: stepfn::task_error gives its name and cause, any other
// std::exception States.TaskFailed with what(), anything else States.TaskFailed "unknown
// exception".

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {
namespace detail {

// ---- the callable's signature, when it has exactly one -------------------------------------

template <class R, class... Args>
struct known_signature {
    static constexpr bool known = true;
    static constexpr std::size_t arity = sizeof...(Args);
    using return_type = R;
    using arguments = std::tuple<Args...>;
};

struct unknown_signature {
    static constexpr bool known = false;
    static constexpr std::size_t arity = 0;
};

template <class M>
struct member_call_signature : unknown_signature {};
template <class C, class R, class... A>
struct member_call_signature<R (C::*)(A...)> : known_signature<R, A...> {};
template <class C, class R, class... A>
struct member_call_signature<R (C::*)(A...) const> : known_signature<R, A...> {};
template <class C, class R, class... A>
struct member_call_signature<R (C::*)(A...) noexcept> : known_signature<R, A...> {};
template <class C, class R, class... A>
struct member_call_signature<R (C::*)(A...) const noexcept> : known_signature<R, A...> {};
template <class C, class R, class... A>
struct member_call_signature<R (C::*)(A...) &> : known_signature<R, A...> {};
template <class C, class R, class... A>
struct member_call_signature<R (C::*)(A...) const&> : known_signature<R, A...> {};

// Generic lambdas and overloaded function objects have no single signature; they are matched
// by what they can be called with instead.
template <class F, class = void>
struct callable_signature : unknown_signature {};
template <class R, class... A>
struct callable_signature<R (*)(A...), void> : known_signature<R, A...> {};
template <class R, class... A>
struct callable_signature<R (*)(A...) noexcept, void> : known_signature<R, A...> {};
template <class F>
struct callable_signature<F, std::void_t<decltype(&F::operator())>> : member_call_signature<decltype(&F::operator())> {};

template <class T>
using remove_cvref_t = std::remove_cv_t<std::remove_reference_t<T>>;

template <class T>
struct is_result : std::false_type {};
template <class T>
struct is_result<tl::expected<T, error>> : std::true_type {};

template <class T>
struct dependent_false : std::false_type {};

// from_json through stepfn::json. Types declared with NLOHMANN_DEFINE_TYPE_* convert too:
// their from_json takes nlohmann::json, which the ordered value converts to.
template <class T, class = void>
struct gettable_from_json : std::false_type {};
template <class T>
struct gettable_from_json<T, std::void_t<decltype(std::declval<const json&>().template get<T>())>> : std::true_type {};

// NLOHMANN_DEFINE_TYPE_* writes only into nlohmann::json, so such results go through it (and
// come out with its alphabetical key order).
template <class T>
inline constexpr bool convertible_to_json =
    std::is_constructible_v<json, T> || std::is_constructible_v<nlohmann::json, T>;

enum class callable_form { none, json_input, request_input, typed_input, asynchronous };

template <class F>
constexpr callable_form form_of() {
    using signature = callable_signature<F>;
    if constexpr (signature::known) {
        if constexpr (signature::arity == 2) {
            return std::is_invocable_v<F&, task_request, task_completion> ? callable_form::asynchronous
                                                                          : callable_form::none;
        } else if constexpr (signature::arity == 1) {
            using argument = remove_cvref_t<std::tuple_element_t<0, typename signature::arguments>>;
            if constexpr (std::is_same_v<argument, json>)
                return callable_form::json_input;
            else if constexpr (std::is_same_v<argument, task_request>)
                return callable_form::request_input;
            else if constexpr (std::is_same_v<argument, task_completion>)
                return callable_form::none;
            else if constexpr (gettable_from_json<argument>::value && std::is_move_constructible_v<argument>)
                return callable_form::typed_input;
            else
                return callable_form::none;
        } else {
            return callable_form::none;
        }
    } else if constexpr (std::is_invocable_v<F&, task_request, task_completion>) {
        return callable_form::asynchronous;
    } else if constexpr (std::is_invocable_v<F&, json&>) {
        return callable_form::json_input;
    } else if constexpr (std::is_invocable_v<F&, task_request&>) {
        return callable_form::request_input;
    } else {
        return callable_form::none;
    }
}

// The typed form's argument type, without reference or const.
template <class F>
using typed_argument_t = remove_cvref_t<std::tuple_element_t<0, typename callable_signature<F>::arguments>>;

// Calls f with an owned value: moved in when f accepts an rvalue, else as an lvalue (f(T&)).
template <class F, class T>
decltype(auto) call_with(F& f, T& value) {
    if constexpr (std::is_invocable_v<F&, T&&>)
        return std::invoke(f, std::move(value));
    else
        return std::invoke(f, value);
}

template <class F, class T>
using call_result_t = decltype(call_with(std::declval<F&>(), std::declval<T&>()));

// A readable name for T in error messages, without RTTI.
template <class T>
std::string_view type_name() {
#if defined(__clang__) || defined(__GNUC__)
    std::string_view signature = __PRETTY_FUNCTION__;  // "... [with T = app::order; ...]" / "[T = app::order]"
    auto start = signature.find("T = ");
    if (start == std::string_view::npos) return "the argument type";
    start += 4;
    auto end = signature.find_first_of(";]", start);
    return signature.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
#elif defined(_MSC_VER)
    std::string_view signature = __FUNCSIG__;  // "... type_name<struct app::order>(void)"
    auto start = signature.find("type_name<");
    auto end = signature.rfind(">(void)");
    if (start == std::string_view::npos || end == std::string_view::npos) return "the argument type";
    start += 10;
    return signature.substr(start, end - start);
#else
    return "the argument type";
#endif
}

template <class T>
result<T> convert_input(const json& input) {
    return guarded_call([&] { return input.template get<T>(); },
                        "the task input could not be converted to " + std::string(type_name<T>()));
}

template <class R>
result<json> to_output(R&& value) {
    using value_type = remove_cvref_t<R>;
    if constexpr (std::is_same_v<value_type, json>) {
        return json(std::forward<R>(value));
    } else if constexpr (is_result<value_type>::value) {
        if (!value) return tl::make_unexpected(std::forward<R>(value).error());
        if constexpr (std::is_void_v<typename value_type::value_type>)
            return json();
        else
            return to_output(*std::forward<R>(value));
    } else if constexpr (std::is_constructible_v<json, R>) {
        return guarded_call([&]() -> result<json> { return json(std::forward<R>(value)); });
    } else if constexpr (std::is_constructible_v<nlohmann::json, R>) {
        return guarded_call([&]() -> result<json> { return json(nlohmann::json(std::forward<R>(value))); });
    } else {
        static_assert(dependent_false<R>::value,
                      "stepfn::make_invoker: the callable's return type does not convert to JSON; give it a "
                      "to_json (e.g. NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE) or return stepfn::json");
        return json();
    }
}

template <class R>
struct returns_convertible : std::bool_constant<convertible_to_json<R>> {};
template <>
struct returns_convertible<void> : std::true_type {};
template <>
struct returns_convertible<json> : std::true_type {};
template <class T>
struct returns_convertible<tl::expected<T, error>> : returns_convertible<T> {};

// Whether f takes its JSON argument as `const json&`: it reads the input, so it can be lent.
template <class F>
constexpr bool reads_json_only() {
    using signature = callable_signature<F>;
    if constexpr (signature::known && signature::arity == 1)
        return std::is_same_v<std::tuple_element_t<0, typename signature::arguments>, const json&>;
    else
        return false;
}

template <class F, callable_form Form>
class sync_callable_invoker final : public task_invoker {
public:
    explicit sync_callable_invoker(F f) : f_(std::move(f)) {}

    void invoke(task_request request, task_completion done) override {
        done.complete(guarded_call([&]() -> result<json> { return call(request); }));
    }

    // The callable runs inside invoke(); a const json& or a typed argument only reads the input.
    bool borrows_input() const noexcept override {
        return Form == callable_form::typed_input || (Form == callable_form::json_input && reads_json_only<F>());
    }
    // Only a callable that takes the whole task_request sees the names.
    bool reads_request_names() const noexcept override { return Form == callable_form::request_input; }

private:
    result<json> call(task_request& request) {
        if constexpr (Form == callable_form::json_input) {
            if constexpr (reads_json_only<F>())
                if (request.lent_input) return finish(*request.lent_input);
            return finish(request.input);
        } else if constexpr (Form == callable_form::request_input) {
            return finish(request);
        } else {
            auto argument = convert_input<typed_argument_t<F>>(request.input_view());
            if (!argument) return tl::make_unexpected(std::move(argument.error()));
            return finish(*argument);
        }
    }

    template <class T>
    result<json> finish(T& argument) {
        using returned = remove_cvref_t<call_result_t<F, T>>;
        static_assert(returns_convertible<returned>::value,
                      "stepfn::make_invoker: the callable's return type does not convert to JSON; give it a "
                      "to_json (e.g. NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE) or return stepfn::json");
        if constexpr (std::is_void_v<call_result_t<F, T>>) {
            call_with(f_, argument);
            return json();
        } else {
            return to_output(call_with(f_, argument));
        }
    }

    F f_;
};

#if STEPFN_HAS_EXCEPTIONS
// Stands between an asynchronous callable and the engine's handle, so that an exception
// thrown by the callable's body reports the exception rather than the "dropped handle" failure
// its unwinding handle would otherwise deliver first. Otherwise it forwards; the first
// completion wins.
class guarded_completion final : public completion_target {
public:
    explicit guarded_completion(task_completion done) : done_(std::move(done)) {}

    void complete(result<json> outcome) override {
        if (unwinding_the_call()) return;
        task_completion finishing;
        {
            std::lock_guard lock(mutex_);
            finishing = std::move(done_);
        }
        finishing.complete(std::move(outcome));
    }
    // Answers for the attempt's task token (not a submission), as the engine's handle would.
    void resolve(result<json> outcome) override {
        task_completion finishing;
        {
            std::lock_guard lock(mutex_);
            finishing = std::move(done_);
        }
        finishing.resolve(std::move(outcome));
    }
    // The callable let go of its handle: the engine's handle is let go too, so the engine
    // decides what that means (a failure, or nothing for a `.waitForTaskToken` task that still
    // waits for its token). Not while unwinding out of the call: the exception reports then.
    void abandoned() override {
        if (unwinding_the_call()) return;
        task_completion dropping;
        {
            std::lock_guard lock(mutex_);
            dropping = std::move(done_);
        }
    }
    void heartbeat() override {
        std::lock_guard lock(mutex_);
        done_.heartbeat();
    }
    bool cancelled() const override {
        std::lock_guard lock(mutex_);
        return done_.cancelled();
    }
    void on_cancel(std::function<void()> handler) override {
        std::lock_guard lock(mutex_);
        done_.on_cancel(std::move(handler));
    }

    void begin_call() {
        caller_ = std::this_thread::get_id();
        exceptions_before_ = std::uncaught_exceptions();
        in_call_.store(true);
    }
    void end_call() { in_call_.store(false); }

private:
    // A handle destroyed by stack unwinding out of the callable, on the invoking thread.
    bool unwinding_the_call() const {
        return in_call_.load() && std::this_thread::get_id() == caller_ &&
               std::uncaught_exceptions() > exceptions_before_;
    }

    // Recursive: an engine may run an on_cancel handler at once, and the handler may complete.
    mutable std::recursive_mutex mutex_;
    task_completion done_;
    std::atomic<bool> in_call_{false};
    std::thread::id caller_;
    int exceptions_before_ = 0;
};
#endif

template <class F>
class async_callable_invoker final : public task_invoker {
public:
    explicit async_callable_invoker(F f) : f_(std::move(f)) {}

    void invoke(task_request request, task_completion done) override {
#if STEPFN_HAS_EXCEPTIONS
        auto guard = std::make_shared<guarded_completion>(std::move(done));
        guard->begin_call();
        try {
            std::invoke(f_, std::move(request), task_completion(guard));
            guard->end_call();
        } catch (...) {
            guard->end_call();
            guard->complete(tl::make_unexpected(current_exception_error()));
        }
#else
        std::invoke(f_, std::move(request), std::move(done));
#endif
    }

private:
    F f_;
};

} // namespace detail

// A task_invoker from a callable; see the forms at the top of this header.
template <class F>
std::shared_ptr<task_invoker> make_invoker(F f) {
    constexpr detail::callable_form form = detail::form_of<F>();
    static_assert(form != detail::callable_form::none,
                  "stepfn::make_invoker: the callable must be one of json(const json&), "
                  "result<json>(const json&), json(const task_request&), R(A) with A and R convertible through "
                  "nlohmann's from_json/to_json, or void(task_request, task_completion)");
    if constexpr (form == detail::callable_form::asynchronous)
        return std::make_shared<detail::async_callable_invoker<F>>(std::move(f));
    else if constexpr (form != detail::callable_form::none)
        return std::make_shared<detail::sync_callable_invoker<F, form>>(std::move(f));
    else
        return nullptr;
}

} // namespace stepfn

#endif
