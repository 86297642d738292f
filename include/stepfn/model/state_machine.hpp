#ifndef STEPFN_MODEL_STATE_MACHINE_HPP
#define STEPFN_MODEL_STATE_MACHINE_HPP

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/expressions/query_language.hpp>
#include <stepfn/model/states.hpp>

namespace stepfn {

// Everything a loaded machine holds. Immutable once built.
struct machine_definition {
    scope top;
    std::string name;
    std::string comment;
    std::string version = "1.0";
    std::optional<std::int64_t> timeout_seconds;
    query_language language = query_language::jsonpath;
    json source;  // the definition as loaded, keys in their written order
    limits bounds;
    // Whether any path, template or intrinsic may read the context object (`$$`); when none
    // does, an execution need not keep its input for `$$.Execution.Input`.
    bool reads_context = true;
};

namespace detail {
struct machine_access;
}

// A loaded, validated and precompiled state machine. Cheap to copy (a shared immutable
// definition) and safe to share between threads and executions.
class state_machine {
public:
    // Machines are made by the loader (<stepfn/load/loader.hpp>: load_machine, load_machine_json,
    // load_machine_file) or the builder, both after complete validation.

    const machine_definition& definition() const noexcept { return *data_; }
    const scope& top() const noexcept { return data_->top; }
    const std::string& name() const noexcept { return data_->name; }
    const json& source() const noexcept { return data_->source; }

    // The same definition under another name (the name appears in ARNs and the context object).
    state_machine renamed(std::string new_name) const {
        auto copy = std::make_shared<machine_definition>(*data_);
        copy->name = std::move(new_name);
        return state_machine(std::move(copy));
    }

private:
    friend struct detail::machine_access;
    explicit state_machine(std::shared_ptr<const machine_definition> data) : data_(std::move(data)) {}
    std::shared_ptr<const machine_definition> data_;
};

namespace detail {
// The loader and the builder construct machines through this, after validation.
struct machine_access {
    static state_machine make(std::shared_ptr<const machine_definition> data) {
        return state_machine(std::move(data));
    }
};
} // namespace detail

} // namespace stepfn

#endif
