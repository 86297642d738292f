// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_CONTEXT_OBJECT_HPP
#define STEPFN_ENGINE_DETAIL_CONTEXT_OBJECT_HPP

// The context object (`$$`) a state's expressions read, built on first use.

#include <optional>

#include <stepfn/config.hpp>
#include <stepfn/detail/timestamp.hpp>

namespace stepfn::detail {

// Built on demand: most states never read `$$`, and a parked execution should not hold it.
// Without the input unless a path may read it: each Map iteration reading `$$.Task.Token` or
// `$$.Map.Item.Value` would otherwise copy the whole execution input, quadratic in the items.
STEPFN_INLINE const json* frame_env::context() const {
    if (!context_) context_ = build_context(true);
    return &*context_;
}

STEPFN_INLINE const json* frame_env::context_without_input() const {
    if (context_) return &*context_;
    if (!context_without_input_) context_without_input_ = build_context(false);
    return &*context_without_input_;
}

// Built into the copy unless a cached object already has what is asked for.
STEPFN_INLINE json frame_env::context_copy(bool with_input) const {
    if (context_) return *context_;
    if (!with_input && context_without_input_) return *context_without_input_;
    return build_context(with_input);
}

STEPFN_INLINE json frame_env::build_context(bool with_input) const {
    const execution_record& rec = *frame_.exec;
    json exec_part = json::object();
    exec_part["Id"] = rec.arn;
    if (with_input) exec_part["Input"] = rec.input;
    exec_part["StartTime"] = format_iso8601(rec.start_time);
    exec_part["Name"] = rec.name;
    exec_part["RoleArn"] = rec.role_arn.empty() ? core_.role_arn() : rec.role_arn;
    exec_part["RedriveCount"] = rec.redrive_count;
    if (rec.redrive_count > 0) exec_part["RedriveTime"] = format_iso8601(rec.redrive_time);
    json ctx = json::object();
    ctx["Execution"] = std::move(exec_part);
    ctx["StateMachine"] = json{{"Id", rec.machine_arn.empty() ? core_.arn_prefix() + "stateMachine:" + rec.machine.name()
                                                              : rec.machine_arn},
                               {"Name", rec.machine_name.empty() ? rec.machine.name() : rec.machine_name}};
    json state_part = json::object();
    state_part["Name"] = state_.name;
    state_part["EnteredTime"] = format_iso8601(frame_.entered_time);
    const auto type = state_.type();
    if (type == state_type::task || type == state_type::parallel || type == state_type::map)
        state_part["RetryCount"] = frame_.retry_count;
    ctx["State"] = std::move(state_part);
    if (!task_token_.empty()) ctx["Task"] = json{{"Token", task_token_}};
    if (map_value_) {
        json item = json::object();
        item["Index"] = map_index_;
        item["Value"] = *map_value_;
        ctx["Map"] = json{{"Item", std::move(item)}};
    }
    return ctx;
}

STEPFN_INLINE std::uint64_t frame_env::random() const { return core_.random_u64(); }

STEPFN_INLINE limits frame_env::bounds() const { return core_.options().bounds; }

} // namespace stepfn::detail

#endif
