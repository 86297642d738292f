#ifndef STEPFN_EXPRESSIONS_INTRINSIC_HPP
#define STEPFN_EXPRESSIONS_INTRINSIC_HPP

#include <memory>
#include <string>
#include <string_view>

#include <stepfn/config.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/expressions/eval_env.hpp>

namespace stepfn {

// A compiled intrinsic function call, e.g. `States.Format('Hello {}', $.name)`
// (asl-reference.md §7). parse() checks the grammar, the function name, the arity and the
// types of literal arguments; evaluate() never looks at the text again.
class intrinsic_call {
public:
    // True when `text` looks like an intrinsic call (a `States.` name followed by `(`), so a
    // caller can tell "bad intrinsic" from "not an intrinsic at all".
    static bool looks_like_call(std::string_view text) noexcept;

    static result<intrinsic_call> parse(std::string_view text, const limits& bounds = {});

    const std::string& text() const noexcept;
    // The function's name, e.g. "States.Format".
    const std::string& function_name() const noexcept;

    // Failures are States.IntrinsicFailure with a cause naming the function and the problem;
    // a path argument that matches nothing is States.Runtime.
    result<json> evaluate(const json& input, const eval_env& env) const;

private:
    struct impl;
    std::shared_ptr<const impl> impl_;
};

} // namespace stepfn

// Header-only: the bodies. Compiled mode (STEPFN_SEPARATE_COMPILATION): src/stepfn.cpp has them.
#if !defined(STEPFN_SEPARATE_COMPILATION)
#include <stepfn/expressions/detail/intrinsic_impl.hpp>
#endif

#endif
