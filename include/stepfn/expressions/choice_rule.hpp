#ifndef STEPFN_EXPRESSIONS_CHOICE_RULE_HPP
#define STEPFN_EXPRESSIONS_CHOICE_RULE_HPP

#include <memory>
#include <string_view>

#include <stepfn/config.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/expressions/query_language.hpp>
#include <stepfn/expressions/eval_env.hpp>

namespace stepfn {

// A compiled Choice rule (asl-reference.md §6): a data-test expression (Variable + one
// comparison operator), a Boolean expression (And/Or/Not at any depth), or, in JSONata mode,
// a `Condition`.
class choice_rule {
public:
    // `top_level`: the rule sits directly in `Choices`, where `Next`, `Assign` and `Comment`
    // are allowed (the caller reads them; this only accepts them). Nested rules reject `Next`.
    // Every problem is reported with its JSON Pointer.
    static result<choice_rule> compile(const json& rule, std::string_view pointer, bool top_level,
                                       query_language language = query_language::jsonpath,
                                       const limits& bounds = {});

    // True when the rule matches. A type mismatch is `false`, not an error; errors are
    // States.Runtime (e.g. a dangling `\` in StringMatches) and, for JSONata,
    // States.QueryEvaluationError.
    result<bool> evaluate(const json& input, const eval_env& env) const;

private:
    struct impl;
    std::shared_ptr<const impl> impl_;
};

} // namespace stepfn

// Header-only: the bodies. Compiled mode (STEPFN_SEPARATE_COMPILATION): src/stepfn.cpp has them.
#if !defined(STEPFN_SEPARATE_COMPILATION)
#include <stepfn/expressions/detail/choice_rule_impl.hpp>
#endif

#endif
