#ifndef STEPFN_BUILD_BUILDER_HPP
#define STEPFN_BUILD_BUILDER_HPP

// The code-first builder: a state machine written in C++ instead of ASL JSON.
//
//   stepfn::machine_builder b;
//   b.task("Charge").resource("payments:charge").result_path("$.payment").next("Done")
//       .bind([](const stepfn::json& in) { return charge(in); });
//   b.succeed("Done");
//   auto bundle = b.build();            // result<machine_bundle>
//   bundle->register_on(engine.invokers());
//
// The builder writes ASL JSON and loads it through load_machine_json, so a builder
// mistake gets exactly the diagnostics (message and JSON Pointer) the same mistake in a JSON
// file gets, and the machine prints back (`to_json()`, or the built machine's `source()`) as a
// definition `stepfn validate` accepts. Guide: docs/builder.md.
//
// The builder checks nothing itself beyond what JSON cannot say (a name declared twice with
// two types in one scope); everything else is the loader's job. It only fills in one default:
// a scope without start_at() starts at its first state.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/build/detail/dispatch_invoker.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/detail/json_pointer.hpp>
#include <stepfn/detail/utf8.hpp>
#include <stepfn/expressions/query_language.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/model/states.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/tasks/invoker_registry.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

class scope_builder;

namespace detail {

inline const char* language_name(query_language language) noexcept {
    return language == query_language::jsonata ? "JSONata" : "JSONPath";
}

// Integral values print as integers ("BackoffRate": 2, not 2.0), as people write them.
inline json number_value(double value) {
    constexpr double max_exact = 9007199254740992.0;  // 2^53
    if (value >= -max_exact && value <= max_exact && static_cast<double>(static_cast<std::int64_t>(value)) == value)
        return json(static_cast<std::int64_t>(value));
    return json(value);
}

// One declared state. Owned by its scope through a unique_ptr, so the handles the builder
// returns stay valid while more states are added.
struct built_state {
    std::string name;
    state_type type = state_type::pass;
    json fields = json::object();                     // ASL fields in the order they were set
    std::vector<std::unique_ptr<scope_builder>> branches;  // Parallel
    std::unique_ptr<scope_builder> processor;          // Map
    std::shared_ptr<task_invoker> invoker;             // Task: bound callable
};

struct binding_site {
    std::string resource;
    std::string state_name;
    std::shared_ptr<task_invoker> invoker;
};

} // namespace detail

// ---- values used inside states: choice rules, retriers, catchers ---------------------------

// A Choice rule, or a sub-rule of And/Or/Not. Made by variable(...), and_, or_, not_ or
// jsonata_condition; comment/assign/output only mean something on a rule given to when().
class choice_condition {
public:
    explicit choice_condition(json rule) : rule_(std::move(rule)) {}

    choice_condition& comment(std::string text) { return set("Comment", std::move(text)); }
    choice_condition& assign(json variables) { return set("Assign", std::move(variables)); }
    choice_condition& output(json value) { return set("Output", std::move(value)); }  // JSONata

    const json& to_json() const& noexcept { return rule_; }
    json to_json() && noexcept { return std::move(rule_); }

private:
    choice_condition& set(const char* key, json value) {
        rule_[key] = std::move(value);
        return *this;
    }
    json rule_;
};

// The left side of a data-test rule: variable("$.order.amount").numeric_greater_than(1000).
// Comparands are JSON values, so a wrong type reaches the loader and gets its message.
class choice_variable {
public:
    explicit choice_variable(std::string path) : path_(std::move(path)) {}

    // Any operator by its ASL name, e.g. test("NumericEquals", 3).
    choice_condition test(std::string_view op, json comparand) const {
        json rule = json::object();
        rule["Variable"] = path_;
        rule[std::string(op)] = std::move(comparand);
        return choice_condition(std::move(rule));
    }

    choice_condition string_equals(json v) const { return test("StringEquals", std::move(v)); }
    choice_condition string_equals_path(std::string p) const { return test("StringEqualsPath", std::move(p)); }
    choice_condition string_less_than(json v) const { return test("StringLessThan", std::move(v)); }
    choice_condition string_less_than_path(std::string p) const { return test("StringLessThanPath", std::move(p)); }
    choice_condition string_greater_than(json v) const { return test("StringGreaterThan", std::move(v)); }
    choice_condition string_greater_than_path(std::string p) const { return test("StringGreaterThanPath", std::move(p)); }
    choice_condition string_less_than_equals(json v) const { return test("StringLessThanEquals", std::move(v)); }
    choice_condition string_less_than_equals_path(std::string p) const {
        return test("StringLessThanEqualsPath", std::move(p));
    }
    choice_condition string_greater_than_equals(json v) const { return test("StringGreaterThanEquals", std::move(v)); }
    choice_condition string_greater_than_equals_path(std::string p) const {
        return test("StringGreaterThanEqualsPath", std::move(p));
    }
    choice_condition string_matches(json pattern) const { return test("StringMatches", std::move(pattern)); }

    choice_condition numeric_equals(json v) const { return test("NumericEquals", std::move(v)); }
    choice_condition numeric_equals_path(std::string p) const { return test("NumericEqualsPath", std::move(p)); }
    choice_condition numeric_less_than(json v) const { return test("NumericLessThan", std::move(v)); }
    choice_condition numeric_less_than_path(std::string p) const { return test("NumericLessThanPath", std::move(p)); }
    choice_condition numeric_greater_than(json v) const { return test("NumericGreaterThan", std::move(v)); }
    choice_condition numeric_greater_than_path(std::string p) const {
        return test("NumericGreaterThanPath", std::move(p));
    }
    choice_condition numeric_less_than_equals(json v) const { return test("NumericLessThanEquals", std::move(v)); }
    choice_condition numeric_less_than_equals_path(std::string p) const {
        return test("NumericLessThanEqualsPath", std::move(p));
    }
    choice_condition numeric_greater_than_equals(json v) const { return test("NumericGreaterThanEquals", std::move(v)); }
    choice_condition numeric_greater_than_equals_path(std::string p) const {
        return test("NumericGreaterThanEqualsPath", std::move(p));
    }

    choice_condition boolean_equals(json v) const { return test("BooleanEquals", std::move(v)); }
    choice_condition boolean_equals_path(std::string p) const { return test("BooleanEqualsPath", std::move(p)); }

    choice_condition timestamp_equals(json v) const { return test("TimestampEquals", std::move(v)); }
    choice_condition timestamp_equals_path(std::string p) const { return test("TimestampEqualsPath", std::move(p)); }
    choice_condition timestamp_less_than(json v) const { return test("TimestampLessThan", std::move(v)); }
    choice_condition timestamp_less_than_path(std::string p) const {
        return test("TimestampLessThanPath", std::move(p));
    }
    choice_condition timestamp_greater_than(json v) const { return test("TimestampGreaterThan", std::move(v)); }
    choice_condition timestamp_greater_than_path(std::string p) const {
        return test("TimestampGreaterThanPath", std::move(p));
    }
    choice_condition timestamp_less_than_equals(json v) const { return test("TimestampLessThanEquals", std::move(v)); }
    choice_condition timestamp_less_than_equals_path(std::string p) const {
        return test("TimestampLessThanEqualsPath", std::move(p));
    }
    choice_condition timestamp_greater_than_equals(json v) const {
        return test("TimestampGreaterThanEquals", std::move(v));
    }
    choice_condition timestamp_greater_than_equals_path(std::string p) const {
        return test("TimestampGreaterThanEqualsPath", std::move(p));
    }

    choice_condition is_null(bool expected = true) const { return test("IsNull", expected); }
    choice_condition is_present(bool expected = true) const { return test("IsPresent", expected); }
    choice_condition is_numeric(bool expected = true) const { return test("IsNumeric", expected); }
    choice_condition is_string(bool expected = true) const { return test("IsString", expected); }
    choice_condition is_boolean(bool expected = true) const { return test("IsBoolean", expected); }
    choice_condition is_timestamp(bool expected = true) const { return test("IsTimestamp", expected); }

private:
    std::string path_;
};

inline choice_variable variable(std::string path) { return choice_variable(std::move(path)); }

namespace detail {
inline choice_condition combine(const char* op, std::vector<choice_condition> rules) {
    json list = json::array();
    for (auto& r : rules) list.push_back(std::move(r).to_json());
    json rule = json::object();
    rule[op] = std::move(list);
    return choice_condition(std::move(rule));
}
} // namespace detail

inline choice_condition and_(std::vector<choice_condition> rules) { return detail::combine("And", std::move(rules)); }
inline choice_condition or_(std::vector<choice_condition> rules) { return detail::combine("Or", std::move(rules)); }
inline choice_condition not_(choice_condition rule) {
    json wrapped = json::object();
    wrapped["Not"] = std::move(rule).to_json();
    return choice_condition(std::move(wrapped));
}
// JSONata: `Condition` is true/false or a "{% ... %}" expression.
inline choice_condition jsonata_condition(json condition) {
    json rule = json::object();
    rule["Condition"] = std::move(condition);
    return choice_condition(std::move(rule));
}

// One `Retry` entry. Unset fields keep ASL's defaults (1 s, 3 attempts, rate 2.0).
class retry_rule {
public:
    explicit retry_rule(std::vector<std::string> error_equals) { rule_["ErrorEquals"] = std::move(error_equals); }

    retry_rule& interval_seconds(std::int64_t s) { return set("IntervalSeconds", s); }
    retry_rule& max_attempts(std::int64_t n) { return set("MaxAttempts", n); }
    retry_rule& backoff_rate(double rate) { return set("BackoffRate", detail::number_value(rate)); }
    retry_rule& max_delay_seconds(std::int64_t s) { return set("MaxDelaySeconds", s); }
    retry_rule& jitter(jitter_strategy strategy) {
        return set("JitterStrategy", strategy == jitter_strategy::full ? "FULL" : "NONE");
    }
    retry_rule& comment(std::string text) { return set("Comment", std::move(text)); }

    const json& to_json() const noexcept { return rule_; }

private:
    retry_rule& set(const char* key, json value) {
        rule_[key] = std::move(value);
        return *this;
    }
    json rule_ = json::object();
};

// One `Catch` entry: the errors it handles and the state it goes to.
class catch_rule {
public:
    catch_rule(std::vector<std::string> error_equals, std::string next) {
        rule_["ErrorEquals"] = std::move(error_equals);
        rule_["Next"] = std::move(next);
    }

    catch_rule& result_path(std::string path) { return set("ResultPath", std::move(path)); }
    catch_rule& result_path(std::nullptr_t) { return set("ResultPath", nullptr); }  // keep the input
    catch_rule& output(json value) { return set("Output", std::move(value)); }       // JSONata
    catch_rule& assign(json variables) { return set("Assign", std::move(variables)); }
    catch_rule& comment(std::string text) { return set("Comment", std::move(text)); }

    const json& to_json() const noexcept { return rule_; }

private:
    catch_rule& set(const char* key, json value) {
        rule_[key] = std::move(value);
        return *this;
    }
    json rule_ = json::object();
};

// ---- state handles ---------------------------------------------------------------------------

// The part every state handle has. Handles are cheap to copy and stay valid as long as the
// builder that made them. Each setter writes the ASL field of the same name; setting a field
// again replaces it.
template <class Derived>
class state_handle {
public:
    const std::string& name() const noexcept { return state_->name; }

    // Any field by its ASL name, for what has no setter of its own (and for testing the
    // loader's messages): field("Comment", "...").
    Derived& field(std::string key, json value) {
        state_->fields[std::move(key)] = std::move(value);
        return self();
    }
    Derived& comment(std::string text) { return field("Comment", std::move(text)); }
    Derived& query_language(stepfn::query_language language) {
        return field("QueryLanguage", detail::language_name(language));
    }

protected:
    explicit state_handle(detail::built_state* state) : state_(state) {}
    Derived& self() noexcept { return static_cast<Derived&>(*this); }
    detail::built_state* state_;
};

// The field groups, each shared by the state types that allow it (asl-reference.md §2).
namespace detail {

template <class D>
class with_io {
public:
    D& input_path(std::string path) { return self().field("InputPath", std::move(path)); }
    D& input_path(std::nullptr_t) { return self().field("InputPath", nullptr); }
    D& output_path(std::string path) { return self().field("OutputPath", std::move(path)); }
    D& output_path(std::nullptr_t) { return self().field("OutputPath", nullptr); }
    D& output(json value) { return self().field("Output", std::move(value)); }  // JSONata

private:
    D& self() noexcept { return static_cast<D&>(*this); }
};

template <class D>
class with_flow {
public:
    D& next(std::string state) { return self().field("Next", std::move(state)); }
    D& end(bool is_end = true) { return self().field("End", is_end); }
    D& assign(json variables) { return self().field("Assign", std::move(variables)); }

private:
    D& self() noexcept { return static_cast<D&>(*this); }
};

template <class D>
class with_result {
public:
    D& result_selector(json payload_template) { return self().field("ResultSelector", std::move(payload_template)); }
    D& result_path(std::string path) { return self().field("ResultPath", std::move(path)); }
    D& result_path(std::nullptr_t) { return self().field("ResultPath", nullptr); }  // discard the result

private:
    D& self() noexcept { return static_cast<D&>(*this); }
};

template <class D>
class with_recovery {
public:
    D& retry(const retry_rule& rule) { return append("Retry", rule.to_json()); }
    D& catch_(const catch_rule& rule) { return append("Catch", rule.to_json()); }

private:
    D& append(const char* key, const json& entry) {
        D& d = static_cast<D&>(*this);
        json list = json::array();
        if (const json* existing = d.current(key); existing != nullptr && existing->is_array()) list = *existing;
        list.push_back(entry);
        return d.field(key, std::move(list));
    }
};

} // namespace detail

class task_builder : public state_handle<task_builder>,
                     public detail::with_io<task_builder>,
                     public detail::with_flow<task_builder>,
                     public detail::with_result<task_builder>,
                     public detail::with_recovery<task_builder> {
public:
    task_builder& resource(std::string uri) { return field("Resource", std::move(uri)); }
    task_builder& parameters(json payload_template) { return field("Parameters", std::move(payload_template)); }
    task_builder& arguments(json value) { return field("Arguments", std::move(value)); }  // JSONata
    task_builder& timeout_seconds(std::int64_t s) { return field("TimeoutSeconds", s); }
    task_builder& timeout_seconds(std::string jsonata) { return field("TimeoutSeconds", std::move(jsonata)); }
    task_builder& timeout_seconds_path(std::string path) { return field("TimeoutSecondsPath", std::move(path)); }
    task_builder& heartbeat_seconds(std::int64_t s) { return field("HeartbeatSeconds", s); }
    task_builder& heartbeat_seconds(std::string jsonata) { return field("HeartbeatSeconds", std::move(jsonata)); }
    task_builder& heartbeat_seconds_path(std::string path) { return field("HeartbeatSecondsPath", std::move(path)); }
    task_builder& credentials(json value) { return field("Credentials", std::move(value)); }

    // Runs this state with a C++ callable (any form stepfn::make_invoker accepts) or a
    // task_invoker. Registered under the Resource by machine_bundle::register_on; states that
    // share a Resource each keep their own callable.
    template <class F>
    task_builder& bind(F callable) {
        if constexpr (std::is_convertible_v<F, std::shared_ptr<task_invoker>>)
            state_->invoker = std::shared_ptr<task_invoker>(std::move(callable));
        else
            state_->invoker = make_invoker(std::move(callable));
        return *this;
    }

private:
    friend class scope_builder;
    template <class>
    friend class detail::with_recovery;
    using state_handle::state_handle;
    const json* current(const char* key) const {
        auto it = state_->fields.find(key);
        return it == state_->fields.end() ? nullptr : &*it;
    }
};

class pass_builder : public state_handle<pass_builder>,
                     public detail::with_io<pass_builder>,
                     public detail::with_flow<pass_builder> {
public:
    pass_builder& result(json value) { return field("Result", std::move(value)); }
    pass_builder& parameters(json payload_template) { return field("Parameters", std::move(payload_template)); }
    pass_builder& result_path(std::string path) { return field("ResultPath", std::move(path)); }
    pass_builder& result_path(std::nullptr_t) { return field("ResultPath", nullptr); }

private:
    friend class scope_builder;
    using state_handle::state_handle;
};

class choice_builder : public state_handle<choice_builder>, public detail::with_io<choice_builder> {
public:
    // One entry of `Choices`: the rule and where it leads, in the order written.
    choice_builder& when(choice_condition rule, std::string next) {
        json entry = std::move(rule).to_json();
        entry["Next"] = std::move(next);
        json choices = json::array();
        if (auto it = state_->fields.find("Choices"); it != state_->fields.end() && it->is_array()) choices = *it;
        choices.push_back(std::move(entry));
        return field("Choices", std::move(choices));
    }
    choice_builder& default_(std::string next) { return field("Default", std::move(next)); }
    choice_builder& assign(json variables) { return field("Assign", std::move(variables)); }

private:
    friend class scope_builder;
    using state_handle::state_handle;
};

class wait_builder : public state_handle<wait_builder>,
                     public detail::with_io<wait_builder>,
                     public detail::with_flow<wait_builder> {
public:
    wait_builder& seconds(std::int64_t s) { return field("Seconds", s); }
    wait_builder& seconds(std::string jsonata) { return field("Seconds", std::move(jsonata)); }
    wait_builder& seconds_path(std::string path) { return field("SecondsPath", std::move(path)); }
    wait_builder& timestamp(std::string rfc3339_or_jsonata) { return field("Timestamp", std::move(rfc3339_or_jsonata)); }
    wait_builder& timestamp_path(std::string path) { return field("TimestampPath", std::move(path)); }

private:
    friend class scope_builder;
    using state_handle::state_handle;
};

class succeed_builder : public state_handle<succeed_builder>, public detail::with_io<succeed_builder> {
private:
    friend class scope_builder;
    using state_handle::state_handle;
};

class fail_builder : public state_handle<fail_builder> {
public:
    fail_builder& error(std::string name) { return field("Error", std::move(name)); }
    fail_builder& error_path(std::string path) { return field("ErrorPath", std::move(path)); }
    fail_builder& cause(std::string text) { return field("Cause", std::move(text)); }
    fail_builder& cause_path(std::string path) { return field("CausePath", std::move(path)); }

private:
    friend class scope_builder;
    using state_handle::state_handle;
};

class parallel_builder : public state_handle<parallel_builder>,
                         public detail::with_io<parallel_builder>,
                         public detail::with_flow<parallel_builder>,
                         public detail::with_result<parallel_builder>,
                         public detail::with_recovery<parallel_builder> {
public:
    parallel_builder& parameters(json payload_template) { return field("Parameters", std::move(payload_template)); }
    parallel_builder& arguments(json value) { return field("Arguments", std::move(value)); }  // JSONata
    // A new branch (appended to `Branches`); declare its states on the returned scope.
    scope_builder& branch();

private:
    friend class scope_builder;
    template <class>
    friend class detail::with_recovery;
    using state_handle::state_handle;
    const json* current(const char* key) const {
        auto it = state_->fields.find(key);
        return it == state_->fields.end() ? nullptr : &*it;
    }
};

class map_builder : public state_handle<map_builder>,
                    public detail::with_io<map_builder>,
                    public detail::with_flow<map_builder>,
                    public detail::with_result<map_builder>,
                    public detail::with_recovery<map_builder> {
public:
    map_builder& items_path(std::string path) { return field("ItemsPath", std::move(path)); }
    map_builder& items(json value) { return field("Items", std::move(value)); }  // JSONata
    map_builder& item_selector(json payload_template) { return field("ItemSelector", std::move(payload_template)); }
    map_builder& max_concurrency(std::int64_t n) { return field("MaxConcurrency", n); }
    map_builder& max_concurrency(std::string jsonata) { return field("MaxConcurrency", std::move(jsonata)); }
    map_builder& max_concurrency_path(std::string path) { return field("MaxConcurrencyPath", std::move(path)); }
    map_builder& tolerated_failure_count(std::int64_t n) { return field("ToleratedFailureCount", n); }
    map_builder& tolerated_failure_count_path(std::string path) {
        return field("ToleratedFailureCountPath", std::move(path));
    }
    map_builder& tolerated_failure_percentage(double percent) {
        return field("ToleratedFailurePercentage", detail::number_value(percent));
    }
    map_builder& tolerated_failure_percentage_path(std::string path) {
        return field("ToleratedFailurePercentagePath", std::move(path));
    }
    map_builder& item_reader(json reader) { return field("ItemReader", std::move(reader)); }
    map_builder& item_batcher(json batcher) { return field("ItemBatcher", std::move(batcher)); }
    map_builder& result_writer(json writer) { return field("ResultWriter", std::move(writer)); }
    map_builder& label(std::string text) { return field("Label", std::move(text)); }

    // The `ItemProcessor`: the states each item runs through. Calling it again returns the
    // same scope.
    scope_builder& item_processor();
    // `ProcessorConfig`: DISTRIBUTED needs an execution type, INLINE takes none.
    map_builder& processor_mode(map_mode mode, std::optional<map_execution_type> type = std::nullopt);

private:
    friend class scope_builder;
    template <class>
    friend class detail::with_recovery;
    using state_handle::state_handle;
    const json* current(const char* key) const {
        auto it = state_->fields.find(key);
        return it == state_->fields.end() ? nullptr : &*it;
    }
};

// ---- scopes ------------------------------------------------------------------------------

// One `States` object with its `StartAt`: the machine's top level, a Parallel branch or a
// Map's ItemProcessor. States appear in the definition in the order they are declared.
class scope_builder {
public:
    scope_builder() = default;
    scope_builder(const scope_builder&) = delete;
    scope_builder& operator=(const scope_builder&) = delete;
    scope_builder(scope_builder&&) = default;
    scope_builder& operator=(scope_builder&&) = default;
    ~scope_builder() = default;

    // Default: the first state declared.
    scope_builder& start_at(std::string state) { return header("StartAt", std::move(state)); }
    scope_builder& comment(std::string text) { return header("Comment", std::move(text)); }
    scope_builder& query_language(stepfn::query_language language) {
        return header("QueryLanguage", detail::language_name(language));
    }
    // Any scope-level field by its ASL name.
    scope_builder& field(std::string key, json value) { return header(std::move(key), std::move(value)); }

    // Declares a state, or reopens it when a state of the same type and name exists here.
    task_builder task(std::string name) { return task_builder(declare(std::move(name), state_type::task)); }
    pass_builder pass(std::string name) { return pass_builder(declare(std::move(name), state_type::pass)); }
    choice_builder choice(std::string name) { return choice_builder(declare(std::move(name), state_type::choice)); }
    wait_builder wait(std::string name) { return wait_builder(declare(std::move(name), state_type::wait)); }
    succeed_builder succeed(std::string name) {
        return succeed_builder(declare(std::move(name), state_type::succeed));
    }
    fail_builder fail(std::string name) { return fail_builder(declare(std::move(name), state_type::fail)); }
    parallel_builder parallel(std::string name) {
        return parallel_builder(declare(std::move(name), state_type::parallel));
    }
    map_builder map(std::string name) { return map_builder(declare(std::move(name), state_type::map)); }

    // The scope as ASL JSON.
    json to_json() const { return emit("", nullptr); }

protected:
    friend class parallel_builder;
    friend class map_builder;
    friend class machine_builder;

    scope_builder& header(std::string key, json value) {
        header_[std::move(key)] = std::move(value);
        return *this;
    }

    detail::built_state* declare(std::string name, state_type type) {
        for (auto& s : states_) {
            if (s->name != name) continue;
            if (s->type == type) return s.get();
            // Kept aside (never emitted) so the handle still works; build() reports it.
            conflicts_.push_back(std::make_unique<detail::built_state>());
            conflicts_.back()->name = std::move(name);
            conflicts_.back()->type = type;
            return conflicts_.back().get();
        }
        states_.push_back(std::make_unique<detail::built_state>());
        auto& s = *states_.back();
        s.name = std::move(name);
        s.type = type;
        s.fields["Type"] = to_string(type);
        return &s;
    }

    // The JSON of this scope at `pointer`; builder problems are added to `problems` if given.
    json emit(const std::string& pointer, std::vector<diagnostic>* problems) const {
        json out = json::object();
        for (auto it = header_.cbegin(); it != header_.cend(); ++it) {
            if (it.key() == "States") continue;  // ours, written below
            out[it.key()] = it.value();
        }
        if (!out.contains("StartAt") && !states_.empty()) out["StartAt"] = states_.front()->name;
        const std::string states_pointer = detail::pointer_child(pointer, "States");
        json states = json::object();
        for (const auto& s : states_) states[s->name] = emit_state(*s, detail::pointer_child(states_pointer, s->name), problems);
        out["States"] = std::move(states);
        if (problems != nullptr) {
            for (const auto& c : conflicts_) {
                const auto* first = find(c->name);
                problems->push_back(diagnostic{detail::pointer_child(states_pointer, c->name),
                                               "state \"" + detail::printable(c->name) + "\" is declared as a " +
                                                   to_string(first != nullptr ? first->type : c->type) +
                                                   " and again as a " + to_string(c->type) + " in this scope"});
            }
        }
        return out;
    }

    static json emit_state(const detail::built_state& s, const std::string& pointer, std::vector<diagnostic>* problems) {
        json out = s.fields;
        if (auto it = out.find("Branches"); it != out.end() && !s.branches.empty()) {
            json branches = json::array();
            const std::string branches_pointer = detail::pointer_child(pointer, "Branches");
            for (std::size_t i = 0; i < s.branches.size(); ++i)
                branches.push_back(s.branches[i]->emit(detail::pointer_child(branches_pointer, i), problems));
            *it = std::move(branches);
        }
        if (auto it = out.find("ItemProcessor"); it != out.end() && s.processor)
            *it = s.processor->emit(detail::pointer_child(pointer, "ItemProcessor"), problems);
        return out;
    }

    const detail::built_state* find(std::string_view name) const {
        for (const auto& s : states_)
            if (s->name == name) return s.get();
        return nullptr;
    }

    // Every bound Task of this scope and the scopes inside it, in declaration order.
    void collect_bindings(std::vector<detail::binding_site>& out) const {
        for (const auto& s : states_) {
            if (s->invoker) {
                auto it = s->fields.find("Resource");
                if (it != s->fields.end() && it->is_string())
                    out.push_back({it->get<std::string>(), s->name, s->invoker});
            }
            for (const auto& b : s->branches) b->collect_bindings(out);
            if (s->processor) s->processor->collect_bindings(out);
        }
    }

    json header_ = json::object();
    std::vector<std::unique_ptr<detail::built_state>> states_;
    std::vector<std::unique_ptr<detail::built_state>> conflicts_;
};

inline scope_builder& parallel_builder::branch() {
    if (!state_->fields.contains("Branches")) state_->fields["Branches"] = json::array();
    state_->branches.push_back(std::make_unique<scope_builder>());
    return *state_->branches.back();
}

inline scope_builder& map_builder::item_processor() {
    if (!state_->processor) state_->processor = std::make_unique<scope_builder>();
    if (!state_->fields.contains("ItemProcessor")) state_->fields["ItemProcessor"] = json::object();
    return *state_->processor;
}

inline map_builder& map_builder::processor_mode(map_mode mode, std::optional<map_execution_type> type) {
    json config = json::object();
    config["Mode"] = mode == map_mode::distributed ? "DISTRIBUTED" : "INLINE";
    if (type) config["ExecutionType"] = *type == map_execution_type::express ? "EXPRESS" : "STANDARD";
    item_processor().field("ProcessorConfig", std::move(config));
    return *this;
}

// ---- the machine -------------------------------------------------------------------------

// A built machine and the callables bound to its Task states.
struct machine_bundle {
    state_machine machine;
    // Resource → invoker, one entry per Resource (a Resource shared by several bound states
    // gets one invoker that dispatches on the state's name).
    std::vector<std::pair<std::string, std::shared_ptr<task_invoker>>> invokers;

    // Registers every bound Resource (an exact match, replacing what was there).
    void register_on(invoker_registry& registry) const {
        for (const auto& [resource, invoker] : invokers) registry.add(resource, invoker);
    }
};

class machine_builder : public scope_builder {
public:
    machine_builder& start_at(std::string state) { return as_machine(scope_builder::start_at(std::move(state))); }
    machine_builder& comment(std::string text) { return as_machine(scope_builder::comment(std::move(text))); }
    machine_builder& query_language(stepfn::query_language language) {
        return as_machine(scope_builder::query_language(language));
    }
    machine_builder& timeout_seconds(std::int64_t s) { return as_machine(header("TimeoutSeconds", s)); }
    machine_builder& version(std::string v) { return as_machine(header("Version", std::move(v))); }

    // A callable for every Task whose Resource is `resource` and that has no bind() of its own.
    template <class F>
    machine_builder& bind(std::string resource, F callable) {
        std::shared_ptr<task_invoker> invoker;
        if constexpr (std::is_convertible_v<F, std::shared_ptr<task_invoker>>)
            invoker = std::shared_ptr<task_invoker>(std::move(callable));
        else
            invoker = make_invoker(std::move(callable));
        for (auto& [name, existing] : resource_bindings_) {
            if (name == resource) {
                existing = std::move(invoker);
                return *this;
            }
        }
        resource_bindings_.emplace_back(std::move(resource), std::move(invoker));
        return *this;
    }

    // Validates and compiles through the loader (same rules, same messages, same pointers).
    result<machine_bundle> build(const load_options& options = {}) const {
        std::vector<diagnostic> problems;
        json definition = emit("", &problems);
        auto machine = load_machine_json(definition, options);
        if (!machine) {
            auto loader_problems = std::move(machine.error().problems);
            problems.insert(problems.end(), loader_problems.begin(), loader_problems.end());
            if (problems.empty()) return tl::make_unexpected(std::move(machine.error()));
        }
        if (!problems.empty()) return make_invalid(std::move(problems));
        return machine_bundle{std::move(*machine), collect_invokers()};
    }

private:
    machine_builder& as_machine(scope_builder&) noexcept { return *this; }

    std::vector<std::pair<std::string, std::shared_ptr<task_invoker>>> collect_invokers() const {
        std::vector<detail::binding_site> sites;
        collect_bindings(sites);
        std::vector<std::pair<std::string, std::shared_ptr<task_invoker>>> out;
        std::vector<std::string> resources;
        for (const auto& site : sites)
            if (std::find(resources.begin(), resources.end(), site.resource) == resources.end())
                resources.push_back(site.resource);
        for (const auto& [resource, invoker] : resource_bindings_)
            if (std::find(resources.begin(), resources.end(), resource) == resources.end()) resources.push_back(resource);

        for (const auto& resource : resources) {
            std::vector<const detail::binding_site*> routes;
            for (const auto& site : sites)
                if (site.resource == resource) routes.push_back(&site);
            std::shared_ptr<task_invoker> fallback;
            for (const auto& [name, invoker] : resource_bindings_)
                if (name == resource) fallback = invoker;
            if (routes.empty()) {
                out.emplace_back(resource, std::move(fallback));
            } else if (routes.size() == 1 && !fallback && only_user(resource, routes.front()->state_name)) {
                out.emplace_back(resource, routes.front()->invoker);
            } else {
                auto dispatch = std::make_shared<detail::dispatch_invoker>(std::move(fallback));
                for (const auto* site : routes) dispatch->routes().set(site->state_name, site->invoker);
                out.emplace_back(resource, std::move(dispatch));
            }
        }
        return out;
    }

    // True when no other Task in the machine uses `resource`: the bound callable can then be
    // registered directly, without a dispatcher in front.
    bool only_user(const std::string& resource, const std::string& state_name) const {
        bool alone = true;
        visit_tasks(*this, [&](const detail::built_state& s) {
            auto it = s.fields.find("Resource");
            if (s.name != state_name && it != s.fields.end() && *it == resource) alone = false;
        });
        return alone;
    }

    template <class Visit>
    static void visit_tasks(const scope_builder& scope, const Visit& visit) {
        for (const auto& s : scope.states_) {
            if (s->type == state_type::task) visit(*s);
            for (const auto& b : s->branches) visit_tasks(*b, visit);
            if (s->processor) visit_tasks(*s->processor, visit);
        }
    }

    std::vector<std::pair<std::string, std::shared_ptr<task_invoker>>> resource_bindings_;
};

} // namespace stepfn

#endif
