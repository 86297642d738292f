#ifndef STEPFN_TESTING_HISTORY_VIEW_HPP
#define STEPFN_TESTING_HISTORY_VIEW_HPP

// Questions a test asks of one execution's history (which states ran, in what order, how often,
// what each task received) and checks whose failure message a reader can act on. Independent of
// any test framework: a check is a value with a message; stepfn/testing/catch2.hpp wraps the
// checks as Catch2 matchers.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/history/event.hpp>
#include <stepfn/json.hpp>
#include <stepfn/testing/json_difference.hpp>

namespace stepfn::testing {

// The outcome of a check: passed, or failed with a message that says what was expected, what
// happened, and enough of the history to see why.
struct check_result {
    bool passed = true;
    std::string message;

    explicit operator bool() const noexcept { return passed; }
    static check_result pass() { return {}; }
    static check_result fail(std::string why) { return {false, std::move(why)}; }
};

// How a test framework prints a check: `CHECK(run.history.expect_visited(...))` shows the
// message (Catch2 v2 would otherwise print `{?}`).
inline std::ostream& operator<<(std::ostream& out, const check_result& result) {
    return out << (result.passed ? std::string("passed") : "\n  " + result.message);
}

namespace detail {

inline bool is_state_entered(event_type t) noexcept {
    switch (t) {
    case event_type::pass_state_entered:
    case event_type::task_state_entered:
    case event_type::choice_state_entered:
    case event_type::wait_state_entered:
    case event_type::succeed_state_entered:
    case event_type::fail_state_entered:
    case event_type::parallel_state_entered:
    case event_type::map_state_entered: return true;
    default: return false;
    }
}

inline bool is_state_exited(event_type t) noexcept {
    switch (t) {
    case event_type::pass_state_exited:
    case event_type::task_state_exited:
    case event_type::choice_state_exited:
    case event_type::wait_state_exited:
    case event_type::succeed_state_exited:
    case event_type::parallel_state_exited:
    case event_type::map_state_exited: return true;
    default: return false;
    }
}

inline std::string dump_json(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// History details carry payloads as JSON text; a text that is not JSON stays a string.
inline json parse_payload(const json& text) {
    if (!text.is_string()) return text;
    const auto& s = text.get_ref<const std::string&>();
    json parsed = json::parse(s, nullptr, false);
    return parsed.is_discarded() ? text : parsed;
}

inline json field(const json& object, const char* key) {
    if (!object.is_object()) return json();
    auto found = object.find(key);
    return found == object.end() ? json() : *found;
}

inline std::string string_field(const json& object, const char* key) {
    if (!object.is_object()) return {};
    auto found = object.find(key);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

inline std::string quoted_list(const std::vector<std::string>& names) {
    std::string out = "[";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) out += ", ";
        out += '"' + names[i] + '"';
    }
    return out + "]";
}

inline std::string ordinal(std::size_t n) {
    const std::size_t tens = n % 100;
    const char* suffix = (tens >= 11 && tens <= 13) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
    return std::to_string(n) + suffix;
}

inline std::string times_text(std::size_t n) { return n == 1 ? "1 time" : std::to_string(n) + " times"; }

} // namespace detail

// A read-only view of one execution's events (as stepfn::memory_sink::events returns them).
// States of Parallel branches and Map iterations count like any other, in event order.
class history_view {
public:
    history_view() = default;
    explicit history_view(std::vector<history_event> events) : events_(std::move(events)) {
        by_id_.reserve(events_.size());
        for (std::size_t i = 0; i < events_.size(); ++i) by_id_.emplace(events_[i].id, i);
    }

    const std::vector<history_event>& events() const noexcept { return events_; }
    std::size_t size() const noexcept { return events_.size(); }
    bool empty() const noexcept { return events_.empty(); }

    // The names of the states entered, in the order they were entered.
    std::vector<std::string> states_visited() const {
        std::vector<std::string> names;
        for (const auto& e : events_)
            if (detail::is_state_entered(e.type)) names.push_back(detail::string_field(e.details, "name"));
        return names;
    }

    bool visited(std::string_view state) const { return times_entered(state) > 0; }

    // How many times the state was entered (a Task's retries are attempts within one entry).
    std::size_t times_entered(std::string_view state) const {
        std::size_t n = 0;
        for (const auto& e : events_)
            if (detail::is_state_entered(e.type) && detail::string_field(e.details, "name") == state) ++n;
        return n;
    }

    // How many times a Task state invoked its resource, retries included.
    std::size_t attempts(std::string_view state) const { return task_inputs(state).size(); }

    // What the Task state's resource received on each attempt (TaskScheduled parameters), in order.
    std::vector<json> task_inputs(std::string_view state) const {
        std::vector<json> inputs;
        for (const auto& e : events_)
            if (task_event_of(e.type) == task_event_kind::scheduled && state_of(e) == state)
                // TaskScheduled's parameters; LambdaFunctionScheduled's and ActivityScheduled's input.
                inputs.push_back(detail::parse_payload(
                    detail::field(e.details, e.type == event_type::task_scheduled ? "parameters" : "input")));
        return inputs;
    }

    // The state's input on each entry, and its output on each exit.
    std::vector<json> inputs_of(std::string_view state) const { return payloads(state, true); }
    std::vector<json> outputs_of(std::string_view state) const { return payloads(state, false); }

    // The errors a Task state's attempts failed with, as "Error: cause".
    std::vector<std::string> task_errors(std::string_view state) const {
        std::vector<std::string> out;
        for (const auto& e : events_)
            if ((task_event_of(e.type) == task_event_kind::failed || task_event_of(e.type) == task_event_kind::timed_out) &&
                state_of(e) == state)
                out.push_back(detail::string_field(e.details, "error") + ": " + detail::string_field(e.details, "cause"));
        return out;
    }

    std::size_t count(event_type type) const {
        std::size_t n = 0;
        for (const auto& e : events_)
            if (e.type == type) ++n;
        return n;
    }

    const history_event* find(std::int64_t id) const {
        auto found = by_id_.find(id);
        return found == by_id_.end() ? nullptr : &events_[found->second];
    }

    // The state an event belongs to: its own name for Entered/Exited events, else the state
    // entered last on its branch (found through previousEventId). Empty for execution events.
    std::string state_of(const history_event& event) const {
        const history_event* e = &event;
        for (std::size_t steps = 0; e && steps <= events_.size(); ++steps) {
            if (detail::is_state_entered(e->type) || detail::is_state_exited(e->type))
                return detail::string_field(e->details, "name");
            if (e->previous_event_id <= 0 || e->previous_event_id >= e->id) break;
            e = find(e->previous_event_id);
        }
        return {};
    }

    // One line per event: "12 TaskFailed Charge: Payment.Timeout: slow".
    std::string describe() const {
        std::string out;
        for (const auto& e : events_) {
            out += std::to_string(e.id) + ' ' + to_string(e.type);
            const std::string state = state_of(e);
            if (!state.empty()) out += ' ' + state;
            const std::string error_name = detail::string_field(e.details, "error");
            if (!error_name.empty()) out += ": " + error_name + ": " + detail::string_field(e.details, "cause");
            out += '\n';
        }
        return out;
    }

    // ---- checks ----------------------------------------------------------------------------

    // The states visited are exactly `expected`, in this order.
    check_result expect_visited(const std::vector<std::string>& expected) const {
        const auto actual = states_visited();
        if (actual == expected) return check_result::pass();
        std::size_t at = 0;
        while (at < actual.size() && at < expected.size() && actual[at] == expected[at]) ++at;
        std::string why = "expected the states visited to be " + detail::quoted_list(expected) + "\n  but they were " +
                          detail::quoted_list(actual) + "\n  ";
        if (at == actual.size())
            why += "the execution stopped after " + std::to_string(at) + " state(s); the next expected was \"" +
                   expected[at] + '"';
        else if (at == expected.size())
            why += "after the " + std::to_string(at) + " expected state(s) it went on to \"" + actual[at] + '"';
        else
            why += "the " + detail::ordinal(at + 1) + " state was \"" + actual[at] + "\", not \"" + expected[at] + '"';
        return check_result::fail(std::move(why));
    }

    // Each of `expected` was visited, in this order, possibly with other states between them.
    check_result expect_visited_in_order(const std::vector<std::string>& expected) const {
        const auto actual = states_visited();
        std::size_t position = 0;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            while (position < actual.size() && actual[position] != expected[i]) ++position;
            if (position == actual.size()) {
                std::string why = "expected the states " + detail::quoted_list(expected) +
                                  " to be visited in this order\n  but they were " + detail::quoted_list(actual) + "\n  \"" +
                                  expected[i] + "\" was ";
                why += i == 0 || !visited(expected[i]) ? std::string("never visited")
                                                       : "not visited after \"" + expected[i - 1] + '"';
                return check_result::fail(std::move(why));
            }
            ++position;
        }
        return check_result::pass();
    }

    check_result expect_not_visited(std::string_view state) const {
        const std::size_t n = times_entered(state);
        if (n == 0) return check_result::pass();
        return check_result::fail("expected state \"" + std::string(state) + "\" not to be visited\n  but it was entered " +
                                  detail::times_text(n) + "; the states visited were " +
                                  detail::quoted_list(states_visited()));
    }

    // The state was entered exactly `times` times.
    check_result expect_entered(std::string_view state, std::size_t times) const {
        const std::size_t n = times_entered(state);
        if (n == times) return check_result::pass();
        return check_result::fail("expected state \"" + std::string(state) + "\" to be entered " +
                                  detail::times_text(times) + "\n  but it was entered " + detail::times_text(n) +
                                  "; the states visited were " + detail::quoted_list(states_visited()));
    }

    // The Task state invoked its resource exactly `times` times, retries included.
    check_result expect_attempts(std::string_view state, std::size_t times) const {
        const std::size_t n = attempts(state);
        if (n == times) return check_result::pass();
        std::string why = "expected task \"" + std::string(state) + "\" to be invoked " + detail::times_text(times) +
                          "\n  but it was invoked " + detail::times_text(n);
        const auto failures = task_errors(state);
        if (!failures.empty()) {
            why += "; its failures were:";
            for (const auto& f : failures) why += "\n    " + f;
        }
        return check_result::fail(std::move(why));
    }

    // The Task state's `attempt`-th invocation (0-based, over the whole execution) received `expected`.
    check_result expect_task_input(std::string_view state, const json& expected, std::size_t attempt = 0) const {
        const auto inputs = task_inputs(state);
        const std::string task = "task \"" + std::string(state) + "\"";
        if (attempt >= inputs.size()) {
            std::string why = "expected " + task + " to receive " + detail::dump_json(expected) + " on its " +
                              detail::ordinal(attempt + 1) + " invocation\n  but it was ";
            why += inputs.empty() ? "never invoked; the states visited were " + detail::quoted_list(states_visited())
                                  : "invoked only " + detail::times_text(inputs.size());
            return check_result::fail(std::move(why));
        }
        const auto difference = first_difference(expected, inputs[attempt]);
        if (!difference) return check_result::pass();
        return check_result::fail("expected " + task + " to receive " + detail::dump_json(expected) + " on its " +
                                  detail::ordinal(attempt + 1) + " invocation\n  but it received " +
                                  detail::dump_json(inputs[attempt]) + "\n  first difference " + difference->text());
    }

    // Every invocation of the Task state, in order, received exactly these inputs.
    check_result expect_task_inputs(std::string_view state, const std::vector<json>& expected) const {
        const auto inputs = task_inputs(state);
        std::optional<std::string> difference;
        for (std::size_t i = 0; i < inputs.size() && i < expected.size() && !difference; ++i) {
            if (auto d = first_difference(expected[i], inputs[i])) {
                difference = "of the " + detail::ordinal(i + 1) + " invocation " + d->text();
            }
        }
        if (!difference && inputs.size() == expected.size()) return check_result::pass();
        std::string why = "expected task \"" + std::string(state) + "\" to receive, in order:";
        for (const auto& v : expected) why += "\n    " + detail::dump_json(v);
        why += inputs.empty() ? std::string("\n  but it was never invoked") : std::string("\n  but it received:");
        for (const auto& v : inputs) why += "\n    " + detail::dump_json(v);
        if (difference) why += "\n  first difference " + *difference;
        return check_result::fail(std::move(why));
    }

private:
    std::vector<json> payloads(std::string_view state, bool entered) const {
        std::vector<json> out;
        for (const auto& e : events_) {
            if (!(entered ? detail::is_state_entered(e.type) : detail::is_state_exited(e.type))) continue;
            if (detail::string_field(e.details, "name") != state) continue;
            out.push_back(detail::parse_payload(detail::field(e.details, entered ? "input" : "output")));
        }
        return out;
    }

    std::vector<history_event> events_;
    std::unordered_map<std::int64_t, std::size_t> by_id_;
};

} // namespace stepfn::testing

#endif
