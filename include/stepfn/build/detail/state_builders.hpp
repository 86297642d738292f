#ifndef STEPFN_BUILD_DETAIL_STATE_BUILDERS_HPP
#define STEPFN_BUILD_DETAIL_STATE_BUILDERS_HPP

// The builder's state handles, one class per state type, made of the field groups each type
// allows. Part of <stepfn/build/builder.hpp>, which defines the members that need a
// scope_builder (Parallel branches, the Map's ItemProcessor).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <stepfn/build/detail/built_state.hpp>
#include <stepfn/build/rules.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/states.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

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
    // A field set so far, or nullptr (Retry and Catch append to their lists).
    const json* current(const char* key) const {
        auto it = state_->fields.find(key);
        return it == state_->fields.end() ? nullptr : &*it;
    }
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
};

} // namespace stepfn

#endif
