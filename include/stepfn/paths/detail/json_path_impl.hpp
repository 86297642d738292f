#ifndef STEPFN_PATHS_DETAIL_JSON_PATH_IMPL_HPP
#define STEPFN_PATHS_DETAIL_JSON_PATH_IMPL_HPP
// STUB: replaced by the paths work.
#include <stepfn/paths/json_path.hpp>
namespace stepfn {
struct json_path::impl { std::string text; std::string var; };
inline result<json_path> json_path::parse(std::string_view text) { json_path p; p.impl_ = std::make_shared<impl>(impl{std::string(text), {}}); return p; }
inline result<json_path> json_path::parse_reference(std::string_view text) { return parse(text); }
inline const std::string& json_path::text() const noexcept { return impl_->text; }
inline json_path::root_kind json_path::root() const noexcept { return root_kind::input; }
inline const std::string& json_path::variable_name() const noexcept { return impl_->var; }
inline bool json_path::is_definite() const noexcept { return true; }
inline bool json_path::is_root() const noexcept { return impl_->text == "$"; }
inline result<json> json_path::evaluate(const json& input, const eval_env&) const { return input; }
inline const json* json_path::find(const json& input, const eval_env&) const { return &input; }
inline result<json> json_path::extract(json&& input, const eval_env&) const { return std::move(input); }
inline result<void> json_path::assign(json& target, json&& value) const { target = std::move(value); return {}; }
}
#endif
