// Its inline members are defined in the engine's parts (engine_impl.hpp). Included first, it
// brings the engine in through engine_core.hpp, so that they are defined too.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_FRAME_ENV_HPP
#define STEPFN_ENGINE_DETAIL_FRAME_ENV_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/frame.hpp>
#include <stepfn/expressions/eval_env.hpp>
#include <stepfn/expressions/jsonata_template.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/model/states.hpp>

namespace stepfn::detail {

class engine_core;

// What paths and templates see while a state runs: `$$` built on first use, variables, random.
class frame_env final : public eval_env {
public:
    frame_env(engine_core& core, const frame& f, const state& s) : core_(core), frame_(f), state_(s) {}
    // Declared STEPFN_INLINE so that header-only builds have no key function (task_attempt.hpp).
    STEPFN_INLINE const json* context() const override;
    STEPFN_INLINE const json* context_without_input() const override;
    STEPFN_INLINE json context_copy(bool with_input) const override;
    const json* variable(std::string_view name) const override {
        return frame_.variables ? frame_.variables->find(name) : nullptr;
    }
    STEPFN_INLINE std::uint64_t random() const override;
    STEPFN_INLINE limits bounds() const override;  // the engine's, so paths stop at its payload limit
    void set_task_token(std::string token) {
        task_token_ = std::move(token);
        context_.reset();
        context_without_input_.reset();
    }
    void set_map_item(std::int64_t index, const json* value) {
        map_index_ = index;
        map_value_ = value;
        context_.reset();
        context_without_input_.reset();
    }

private:
    engine_core& core_;
    const frame& frame_;
    const state& state_;
    std::string task_token_;
    std::int64_t map_index_ = -1;
    const json* map_value_ = nullptr;
    STEPFN_INLINE json build_context(bool with_input) const;
    mutable std::optional<json> context_;
    mutable std::optional<json> context_without_input_;
};

} // namespace stepfn::detail

#endif
