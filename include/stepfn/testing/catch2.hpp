#ifndef STEPFN_TESTING_CATCH2_HPP
#define STEPFN_TESTING_CATCH2_HPP

// Optional Catch2 matchers over a history_view (Catch2 v3, else v2), whose failure text is the
// check's own message:
//
//   CHECK_THAT(run.history, stepfn::testing::visited({"Validate", "Charge", "Done"}));
//   CHECK_THAT(run.history, stepfn::testing::attempted("Charge", 3));
//   CHECK_THAT(run.history, stepfn::testing::received("Charge", {{"order", 42}}));

#if __has_include(<catch2/matchers/catch_matchers.hpp>)
#include <catch2/catch_tostring.hpp>
#include <catch2/matchers/catch_matchers.hpp>
#elif __has_include(<catch2/catch.hpp>)
#include <catch2/catch.hpp>
#else
#error "stepfn/testing/catch2.hpp needs Catch2 (v3 or v2)"
#endif

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/json.hpp>
#include <stepfn/testing/history_view.hpp>

namespace stepfn::testing {

namespace detail {
#if __has_include(<catch2/matchers/catch_matchers.hpp>)
template <class T>
using catch_matcher_base = Catch::Matchers::MatcherBase<T>;
#else
template <class T>
using catch_matcher_base = Catch::MatcherBase<T>;
#endif
} // namespace detail

// A matcher from any history check; describe() gives the check's message after a failed match.
class history_matcher final : public detail::catch_matcher_base<history_view> {
public:
    history_matcher(std::string summary, std::function<check_result(const history_view&)> check)
        : summary_(std::move(summary)), check_(std::move(check)) {}

    bool match(const history_view& history) const override {
        auto outcome = check_(history);
        message_ = outcome.passed ? summary_ : outcome.message;
        return outcome.passed;
    }
    std::string describe() const override { return message_.empty() ? summary_ : "\n  " + message_; }

private:
    std::string summary_;
    std::function<check_result(const history_view&)> check_;
    mutable std::string message_;
};

inline history_matcher visited(std::vector<std::string> states) {
    std::string summary = "visited exactly " + detail::quoted_list(states);
    return {std::move(summary), [states = std::move(states)](const history_view& h) { return h.expect_visited(states); }};
}

inline history_matcher visited_in_order(std::vector<std::string> states) {
    std::string summary = "visited in order " + detail::quoted_list(states);
    return {std::move(summary),
            [states = std::move(states)](const history_view& h) { return h.expect_visited_in_order(states); }};
}

inline history_matcher not_visited(std::string state) {
    std::string summary = "did not visit \"" + state + '"';
    return {std::move(summary), [state = std::move(state)](const history_view& h) { return h.expect_not_visited(state); }};
}

inline history_matcher entered(std::string state, std::size_t times) {
    std::string summary = "entered \"" + state + "\" " + detail::times_text(times);
    return {std::move(summary),
            [state = std::move(state), times](const history_view& h) { return h.expect_entered(state, times); }};
}

inline history_matcher attempted(std::string state, std::size_t times) {
    std::string summary = "invoked task \"" + state + "\" " + detail::times_text(times);
    return {std::move(summary),
            [state = std::move(state), times](const history_view& h) { return h.expect_attempts(state, times); }};
}

inline history_matcher received(std::string state, json input, std::size_t attempt = 0) {
    std::string summary = "task \"" + state + "\" received " + detail::dump_json(input);
    return {std::move(summary), [state = std::move(state), input = std::move(input), attempt](const history_view& h) {
                return h.expect_task_input(state, input, attempt);
            }};
}

} // namespace stepfn::testing

// How Catch prints the history a matcher looked at: the states visited.
namespace Catch {
template <>
struct StringMaker<stepfn::testing::history_view> {
    static std::string convert(const stepfn::testing::history_view& history) {
        return "history visiting " + stepfn::testing::detail::quoted_list(history.states_visited());
    }
};
} // namespace Catch

#endif
