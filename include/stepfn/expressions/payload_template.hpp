#ifndef STEPFN_EXPRESSIONS_PAYLOAD_TEMPLATE_HPP
#define STEPFN_EXPRESSIONS_PAYLOAD_TEMPLATE_HPP

#include <memory>
#include <string>
#include <string_view>

#include <stepfn/config.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/expressions/eval_env.hpp>
#include <stepfn/expressions/intrinsic.hpp>
#include <stepfn/expressions/json_path.hpp>

namespace stepfn {

// The value of a `.$` key (or of ErrorPath/CausePath and similar fields): a path on the
// input (`$...`), on the context object (`$$...`), on a variable (`$name...`) or an
// intrinsic function call.
class value_expression {
public:
    static result<value_expression> parse(std::string_view text, const limits& bounds = {});

    const std::string& text() const noexcept;
    bool is_path() const noexcept;
    // Valid when is_path().
    const json_path& path() const noexcept;

    // A path that matches nothing → States.Runtime with the path in the cause.
    result<json> evaluate(const json& input, const eval_env& env) const;

private:
    struct impl;
    std::shared_ptr<const impl> impl_;
};

// A compiled payload template (Parameters, ResultSelector, ItemSelector, Assign, ...;
// asl-reference.md §4.3): keys ending in `.$` are evaluated, all others are literal, at any
// depth of objects and arrays. Key order is kept as written.
class payload_template {
public:
    // `pointer` is the JSON Pointer of the template in the definition; every problem found is
    // reported (not just the first), each with its own pointer.
    static result<payload_template> compile(const json& source, std::string_view pointer,
                                            const limits& bounds = {});

    const json& source() const noexcept;

    // A path that matches nothing → States.Runtime, cause
    // "The JSONPath '$.x' specified for the field 'k.$' could not be found in the input '<json>'".
    result<json> evaluate(const json& input, const eval_env& env) const;
    // The same value, for a caller that drops `input` afterwards: when every `.$` field is a
    // definite path from `$` and none selects what another does or lies inside it, the values
    // are moved out of `input` instead of copied (on success only; `input` is left valid but
    // unspecified).
    result<json> evaluate_taking(json& input, const eval_env& env) const;

private:
    struct impl;
    std::shared_ptr<const impl> impl_;
};

} // namespace stepfn

// Header-only: the bodies. Compiled mode (STEPFN_SEPARATE_COMPILATION): src/stepfn.cpp has them.
#if !defined(STEPFN_SEPARATE_COMPILATION)
#include <stepfn/expressions/detail/payload_template_impl.hpp>
#endif

#endif
