#ifndef STEPFN_EXPRESSIONS_EVAL_ENV_HPP
#define STEPFN_EXPRESSIONS_EVAL_ENV_HPP

#include <cstdint>
#include <string_view>

#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>

namespace stepfn {

// What a compiled path, template or intrinsic may read besides its input document: the
// context object (`$$`), workflow variables (`$name`) and a random source (States.UUID,
// States.MathRandom without a seed). The engine implements it lazily, so a path that never
// touches `$$` never pays for building the context object.
class eval_env {
public:
    virtual ~eval_env() = default;

    // The context object, or nullptr when none is available.
    virtual const json* context() const = 0;

    // The context object without `Execution.Input` (which may be large), for a path that
    // cannot reach it (`$$.Task.Token`, `$$.Map.Item.Value`): an engine can then build `$$`
    // without copying the execution's input in every state that reads it. The default is the
    // whole object.
    virtual const json* context_without_input() const { return context(); }

    // A copy of the context object (an empty object when there is none), without
    // `Execution.Input` unless `with_input`: for a JSONata `$states.context`, which holds the
    // object by value. An engine builds it straight into the copy instead of copying it again.
    virtual json context_copy(bool with_input) const {
        const json* c = with_input ? context() : context_without_input();
        return c != nullptr ? *c : json::object();
    }

    // The current value of variable `name` (without the `$`), or nullptr when it is unassigned.
    virtual const json* variable(std::string_view name) const = 0;

    // 64 random bits. Implementations may be seeded for deterministic tests.
    virtual std::uint64_t random() const = 0;

    // The bounds an evaluation honours: a JSONPath selection stops with
    // States.DataLimitExceeded once it passes max_payload_bytes, and with States.Runtime after
    // max_path_work nodes, so `$..*` or a filter inside `..` cannot run away. An engine
    // returns its own limits.
    virtual limits bounds() const { return limits{}; }
};

// An environment with no context, no variables and a fixed-seed random source: for evaluating
// paths and templates outside an execution (tests, tools).
class empty_env final : public eval_env {
public:
    explicit empty_env(const json* context_object = nullptr) : context_(context_object) {}
    const json* context() const override { return context_; }
    const json* variable(std::string_view) const override { return nullptr; }
    std::uint64_t random() const override {
        // splitmix64: deterministic, good enough for a stand-in.
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

private:
    const json* context_;
    mutable std::uint64_t state_ = 0;
};

} // namespace stepfn

#endif
