#ifndef STEPFN_EXPRESSIONS_JSONATA_HPP
#define STEPFN_EXPRESSIONS_JSONATA_HPP

// JSONata 2.x expressions, as the reference implementation (npm jsonata 2.0.6, the one AWS
// Step Functions uses) defines them, plus AWS's added functions. Compiled once; evaluation is
// bounded in depth and work and safe to run concurrently on one compiled expression.
//
//     auto expr = stepfn::jsonata_expression::compile("$sum(items.(price * qty))");
//     auto total = expr->evaluate(&input, env);   // result<std::optional<json>>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/expressions/eval_env.hpp>

namespace stepfn {

namespace detail {
namespace jsonata {
struct program;
} // namespace jsonata
} // namespace detail

// Bounds on one evaluation; the defaults mirror AWS where it is known.
struct jsonata_options {
    std::size_t max_depth = 500;            // nested function calls (evaluation depth is 4x this)
    std::uint64_t max_steps = 10'000'000;   // evaluation work units before "U1001" timeout
    bool aws_functions = true;              // $partition, $range, $hash, $random(seed), $uuid, $parse
    // An expression that reads nothing from outside (no input, variable, clock or random
    // source: `60 * 60 * 24`, `$uppercase("a")`) is evaluated once when it compiles and its
    // result returned by every evaluation; false evaluates it every time.
    bool fold_constants = true;
};

// A compiled JSONata expression: immutable, cheap to copy (shared), thread-safe to evaluate.
class jsonata_expression {
public:
    // Parses and compiles. A syntax error is an error named States.QueryEvaluationError whose
    // cause is "<code>: <message> (position N)", e.g. "S0202: Expected \")\", got \"]\" (position 5)".
    static result<jsonata_expression> compile(std::string_view text, jsonata_options options = {});

    // Evaluates with `input` as the context item (nullptr: undefined); `$name` reads
    // env.variable(name) unless the expression binds it; env.random() feeds $random and $uuid.
    // std::nullopt is JSONata's undefined. Errors: States.QueryEvaluationError with cause
    // "<code>: <message>" in the reference's words, e.g. "T2001: The left side of the "+"
    // operator must evaluate to a number".
    result<std::optional<json>> evaluate(const json* input, const eval_env& env) const;

    const std::string& text() const noexcept;

    // Whether the expression reads the context item at top level (`$`, `$$`, a bare field
    // name or wildcard): AWS refuses those, since its expressions have no context item.
    bool uses_context_item() const noexcept;

private:
    explicit jsonata_expression(std::shared_ptr<const detail::jsonata::program> p) : program_(std::move(p)) {}
    std::shared_ptr<const detail::jsonata::program> program_;
};

} // namespace stepfn

#if !defined(STEPFN_SEPARATE_COMPILATION)
#include <stepfn/expressions/detail/jsonata/program.hpp>
#endif

#endif
