#ifndef STEPFN_MODEL_DETAIL_CHOICE_RULE_IMPL_HPP
#define STEPFN_MODEL_DETAIL_CHOICE_RULE_IMPL_HPP
// STUB: replaced by the choice work.
#include <stepfn/model/choice_rule.hpp>
namespace stepfn {
struct choice_rule::impl {};
inline result<choice_rule> choice_rule::compile(const json&, std::string_view, bool, query_language, const limits&) { choice_rule r; r.impl_ = std::make_shared<impl>(); return r; }
inline result<bool> choice_rule::evaluate(const json&, const eval_env&) const { return false; }
}
#endif
