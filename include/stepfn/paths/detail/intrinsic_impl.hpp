#ifndef STEPFN_PATHS_DETAIL_INTRINSIC_IMPL_HPP
#define STEPFN_PATHS_DETAIL_INTRINSIC_IMPL_HPP
// STUB: replaced by the intrinsics work.
#include <stepfn/paths/intrinsic.hpp>
namespace stepfn {
struct intrinsic_call::impl { std::string text; std::string name; };
inline bool intrinsic_call::looks_like_call(std::string_view text) noexcept { return text.substr(0, 7) == "States."; }
inline result<intrinsic_call> intrinsic_call::parse(std::string_view text, const limits&) { intrinsic_call c; c.impl_ = std::make_shared<impl>(impl{std::string(text), {}}); return c; }
inline const std::string& intrinsic_call::text() const noexcept { return impl_->text; }
inline const std::string& intrinsic_call::function_name() const noexcept { return impl_->name; }
inline result<json> intrinsic_call::evaluate(const json&, const eval_env&) const { return make_error(errors::intrinsic_failure, "not implemented"); }
}
#endif
