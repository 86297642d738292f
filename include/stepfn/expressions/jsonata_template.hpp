#ifndef STEPFN_EXPRESSIONS_JSONATA_TEMPLATE_HPP
#define STEPFN_EXPRESSIONS_JSONATA_TEMPLATE_HPP

// The value of a field of a JSONata state (Arguments, Output, Assign, Items, Seconds, ...): JSON
// whose strings written "{% ... %}" are JSONata expressions, at any depth of objects and arrays
// (asl-reference.md §10). Every expression is compiled when the definition loads; evaluation
// never parses text.
//
//     auto t = stepfn::jsonata_template::compile(json::parse(R"({"total": "{% $sum($states.input.x) %}"})"),
//                                                "/States/P/Output", "Output");
//     stepfn::empty_env base;
//     stepfn::states_env env(base);                   // $states over another environment
//     env.set("input", json{{"x", {1, 2}}});
//     auto out = t->evaluate(env);                    // {"total": 3}

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/detail/json_object.hpp>
#include <stepfn/expressions/eval_env.hpp>
#include <stepfn/expressions/jsonata.hpp>

namespace stepfn {

// The members of `$states` an expression may read; execution_input is the context's
// `Execution.Input`, the one part of `$states.context` that may be large.
enum class states_member : std::uint8_t { input = 1, result = 2, error_output = 4, context = 8, execution_input = 16 };

class jsonata_template {
public:
    // `pointer` is the field's JSON Pointer in the definition and `field` its name as AWS's
    // errors write it ("Output", "Arguments", "Assign"); nested values are named
    // "Arguments/a/0". Every problem is reported, each with its pointer: an expression that
    // does not parse, and one that reads the context item (a top-level `$`, `$$` or bare field
    // name), which Step Functions refuses since its expressions have none.
    static result<jsonata_template> compile(const json& source, std::string_view pointer, std::string_view field,
                                            const jsonata_options& options = {});

    const json& source() const noexcept;
    // The value is one "{% ... %}" string.
    bool is_expression() const noexcept;
    // No expression anywhere: evaluation returns the source.
    bool is_literal() const noexcept;
    // Whether some expression may read `$states.<member>` (conservatively true when `$states`
    // is used otherwise than as `$states.input`, `.result`, `.errorOutput` or `.context`).
    bool reads(states_member member) const noexcept;
    // The expression as AWS's messages quote it (without "{%" and "%}"), when is_expression();
    // otherwise the source as JSON text.
    std::string expression_text() const;

    // Every expression replaced by its value. An expression that yields nothing fails with
    // States.QueryEvaluationError, cause "The JSONata expression '<text>' specified for the
    // field '<field>' returned nothing (undefined)."; one that throws, with "... threw an error
    // during evaluation. <code>: <message>".
    result<json> evaluate(const eval_env& env) const;
    // The same, where `states` is `$states` as `env` binds it and the caller reads none of its
    // members again (a state's Output): what only one expression of the template reads may be
    // taken instead of copied, leaving null behind: the input of `$merge([$states.input, X])`
    // (the commonest Output), a plain path such as `$states.input.order` or `$states.result`.
    result<json> evaluate(const eval_env& env, json* states) const;

private:
    struct impl;
    std::shared_ptr<const impl> impl_;
};

// `$states` for a JSONata field: input, result, errorOutput and context, over another
// environment that supplies the workflow's variables, the context object and randomness.
// Values are moved in and taken out again, so binding the state's input copies nothing.
class states_env final : public eval_env {
public:
    explicit states_env(const eval_env& base) : base_(base) { spare().swap(states_.get_ref<json::object_t&>()); }
    states_env(const states_env&) = delete;
    states_env& operator=(const states_env&) = delete;
    ~states_env() override {
        auto& members = states_.get_ref<json::object_t&>();
        members.clear();
        if (spare().capacity() == 0) spare().swap(members);
    }

    void set(const char* member, json value) {
        if (json* slot = detail::find_member(states_, member)) {
            *slot = std::move(value);
            return;
        }
        // Room for all four members at once: ordered_json grows an object by copying its members.
        detail::reserve_members(states_, 4);
        detail::add_member(states_, member, std::move(value));
    }
    // Moves a member back out (null when it was never set).
    json take(const char* member) {
        auto it = states_.find(member);
        return it == states_.end() ? json() : std::move(*it);
    }
    const json* get(const char* member) const {
        auto it = states_.find(member);
        return it == states_.end() ? nullptr : &*it;
    }
    // Binds `$states.context` from the base environment's context object, once; without
    // `Execution.Input` (a copy of the execution's input) unless `with_input`, so that a Map
    // iteration reading `$states.context.Map.Item.Value` does not copy the execution's input.
    void bind_context(bool with_input = true) {
        if (context_ == 2 || (context_ == 1 && !with_input)) return;
        set("context", base_.context_copy(with_input));
        context_ = with_input ? 2 : 1;
    }
    // Evaluates `t` here, binding `$states.context` first when `t` may read it.
    result<json> evaluate(const jsonata_template& t) {
        if (t.reads(states_member::context)) bind_context(t.reads(states_member::execution_input));
        return t.evaluate(*this);
    }
    // Evaluates `t` as the last reader of `$states` (a state's Output), which may take from its
    // members instead of copying; take() afterwards gives what is left of them.
    result<json> evaluate_last(const jsonata_template& t) {
        if (t.reads(states_member::context)) bind_context(t.reads(states_member::execution_input));
        return t.evaluate(*this, &states_);
    }

    const json* context() const override { return base_.context(); }
    const json* context_without_input() const override { return base_.context_without_input(); }
    json context_copy(bool with_input) const override { return base_.context_copy(with_input); }
    const json* variable(std::string_view name) const override {
        return name == "states" ? &states_ : base_.variable(name);
    }
    std::uint64_t random() const override { return base_.random(); }
    limits bounds() const override { return base_.bounds(); }

private:
    // The members' room, kept on the thread for the next state's `$states`.
    static json::object_t& spare() {
        thread_local json::object_t kept;
        return kept;
    }
    const eval_env& base_;
    json states_ = json::object();
    std::uint8_t context_ = 0;  // `$states.context` bound: 1 without Execution.Input, 2 with it
};

} // namespace stepfn

#if !defined(STEPFN_SEPARATE_COMPILATION)
#include <stepfn/expressions/detail/jsonata_template_impl.hpp>
#endif

#endif
