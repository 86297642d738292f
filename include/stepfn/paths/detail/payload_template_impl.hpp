#ifndef STEPFN_PATHS_DETAIL_PAYLOAD_TEMPLATE_IMPL_HPP
#define STEPFN_PATHS_DETAIL_PAYLOAD_TEMPLATE_IMPL_HPP
// STUB: replaced by the paths work.
#include <stepfn/paths/payload_template.hpp>
namespace stepfn {
struct value_expression::impl { std::string text; json_path path; };
inline result<value_expression> value_expression::parse(std::string_view text, const limits&) { auto p = json_path::parse(text); value_expression v; v.impl_ = std::make_shared<impl>(impl{std::string(text), *p}); return v; }
inline const std::string& value_expression::text() const noexcept { return impl_->text; }
inline bool value_expression::is_path() const noexcept { return true; }
inline const json_path& value_expression::path() const noexcept { return impl_->path; }
inline result<json> value_expression::evaluate(const json& input, const eval_env& env) const { return impl_->path.evaluate(input, env); }
struct payload_template::impl { json source; };
inline result<payload_template> payload_template::compile(const json& source, std::string_view, const limits&) { payload_template t; t.impl_ = std::make_shared<impl>(impl{source}); return t; }
inline const json& payload_template::source() const noexcept { return impl_->source; }
inline result<json> payload_template::evaluate(const json&, const eval_env&) const { return impl_->source; }
}
#endif
