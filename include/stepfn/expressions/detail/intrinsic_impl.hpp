#ifndef STEPFN_EXPRESSIONS_DETAIL_INTRINSIC_IMPL_HPP
#define STEPFN_EXPRESSIONS_DETAIL_INTRINSIC_IMPL_HPP

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/expressions/detail/intrinsics/ast.hpp>
#include <stepfn/expressions/detail/intrinsics/functions.hpp>
#include <stepfn/expressions/detail/intrinsics/parser.hpp>
#include <stepfn/expressions/intrinsic.hpp>

namespace stepfn {

struct intrinsic_call::impl {
    std::string text;
    std::string name;
    limits bounds;
    // The outermost call, or its value when every argument was a literal and it was folded.
    detail::intrinsics::arg_node root;
};

STEPFN_INLINE bool intrinsic_call::looks_like_call(std::string_view text) noexcept {
    constexpr std::string_view prefix = "States.";
    if (text.substr(0, prefix.size()) != prefix) return false;
    std::size_t i = prefix.size();
    while (i < text.size() && detail::intrinsics::is_name_char(text[i])) ++i;
    return i > prefix.size() && i < text.size() && text[i] == '(';
}

STEPFN_INLINE result<intrinsic_call> intrinsic_call::parse(std::string_view text, const limits& bounds) {
    detail::intrinsics::parser parser(text, bounds);
    auto root = parser.parse();
    if (!root) return tl::make_unexpected(std::move(root.error()));
    auto state = std::make_shared<impl>();
    state->text = std::string(text);
    state->name = parser.function_name();
    state->bounds = bounds;
    state->root = std::move(*root);
    intrinsic_call call;
    call.impl_ = std::move(state);
    return call;
}

STEPFN_INLINE const std::string& intrinsic_call::text() const noexcept { return impl_->text; }

STEPFN_INLINE const std::string& intrinsic_call::function_name() const noexcept { return impl_->name; }

STEPFN_INLINE result<json> intrinsic_call::evaluate(const json& input, const eval_env& env) const {
    const auto& root = impl_->root;
    if (root.what != detail::intrinsics::arg_node::kind::call) return root.literal;
    return detail::intrinsics::evaluate_call(*root.call, input, env, impl_->bounds);
}

} // namespace stepfn

#endif
