#ifndef STEPFN_EXPRESSIONS_DETAIL_CHOICE_RULE_IMPL_HPP
#define STEPFN_EXPRESSIONS_DETAIL_CHOICE_RULE_IMPL_HPP

// Choice rules (asl-reference.md §6), compiled once into a small tree; docs/choice.md has the
// semantics and the choices made where AWS is unclear.

#include <stepfn/config.hpp>
#include <stepfn/expressions/choice_rule.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/json_pointer.hpp>
#include <stepfn/detail/timestamp.hpp>
#include <stepfn/expressions/detail/string_matches.hpp>
#include <stepfn/expressions/json_path.hpp>
#include <stepfn/expressions/jsonata_template.hpp>

namespace stepfn::detail::choice {

enum class node_kind : std::uint8_t {
    all_of,               // And
    any_of,               // Or
    negation,             // Not
    compare,              // String*, Numeric*, BooleanEquals, Timestamp* (and their *Path forms)
    string_matches,       // StringMatches
    type_test,            // IsNull, IsPresent, IsNumeric, IsString, IsBoolean, IsTimestamp
    condition_literal,    // JSONata `Condition: true|false`
    condition_expression  // JSONata `Condition: "{% ... %}"`
};

enum class value_type : std::uint8_t { string, number, boolean, timestamp };
enum class relation : std::uint8_t { equals, less, greater, less_equals, greater_equals };
enum class type_test : std::uint8_t { is_null, is_present, is_numeric, is_string, is_boolean, is_timestamp };

struct operator_info {
    std::string_view name;
    node_kind kind;
    value_type type;
    relation rel;
    bool is_path;  // the comparand is a path to the value, not the value itself
    type_test test = type_test::is_null;
};

inline constexpr operator_info operators[] = {
    {"StringEquals", node_kind::compare, value_type::string, relation::equals, false},
    {"StringEqualsPath", node_kind::compare, value_type::string, relation::equals, true},
    {"StringLessThan", node_kind::compare, value_type::string, relation::less, false},
    {"StringLessThanPath", node_kind::compare, value_type::string, relation::less, true},
    {"StringGreaterThan", node_kind::compare, value_type::string, relation::greater, false},
    {"StringGreaterThanPath", node_kind::compare, value_type::string, relation::greater, true},
    {"StringLessThanEquals", node_kind::compare, value_type::string, relation::less_equals, false},
    {"StringLessThanEqualsPath", node_kind::compare, value_type::string, relation::less_equals, true},
    {"StringGreaterThanEquals", node_kind::compare, value_type::string, relation::greater_equals, false},
    {"StringGreaterThanEqualsPath", node_kind::compare, value_type::string, relation::greater_equals, true},
    {"NumericEquals", node_kind::compare, value_type::number, relation::equals, false},
    {"NumericEqualsPath", node_kind::compare, value_type::number, relation::equals, true},
    {"NumericLessThan", node_kind::compare, value_type::number, relation::less, false},
    {"NumericLessThanPath", node_kind::compare, value_type::number, relation::less, true},
    {"NumericGreaterThan", node_kind::compare, value_type::number, relation::greater, false},
    {"NumericGreaterThanPath", node_kind::compare, value_type::number, relation::greater, true},
    {"NumericLessThanEquals", node_kind::compare, value_type::number, relation::less_equals, false},
    {"NumericLessThanEqualsPath", node_kind::compare, value_type::number, relation::less_equals, true},
    {"NumericGreaterThanEquals", node_kind::compare, value_type::number, relation::greater_equals, false},
    {"NumericGreaterThanEqualsPath", node_kind::compare, value_type::number, relation::greater_equals, true},
    {"TimestampEquals", node_kind::compare, value_type::timestamp, relation::equals, false},
    {"TimestampEqualsPath", node_kind::compare, value_type::timestamp, relation::equals, true},
    {"TimestampLessThan", node_kind::compare, value_type::timestamp, relation::less, false},
    {"TimestampLessThanPath", node_kind::compare, value_type::timestamp, relation::less, true},
    {"TimestampGreaterThan", node_kind::compare, value_type::timestamp, relation::greater, false},
    {"TimestampGreaterThanPath", node_kind::compare, value_type::timestamp, relation::greater, true},
    {"TimestampLessThanEquals", node_kind::compare, value_type::timestamp, relation::less_equals, false},
    {"TimestampLessThanEqualsPath", node_kind::compare, value_type::timestamp, relation::less_equals, true},
    {"TimestampGreaterThanEquals", node_kind::compare, value_type::timestamp, relation::greater_equals, false},
    {"TimestampGreaterThanEqualsPath", node_kind::compare, value_type::timestamp, relation::greater_equals, true},
    {"StringMatches", node_kind::string_matches, value_type::string, relation::equals, false},
    {"BooleanEquals", node_kind::compare, value_type::boolean, relation::equals, false},
    {"BooleanEqualsPath", node_kind::compare, value_type::boolean, relation::equals, true},
    {"IsNull", node_kind::type_test, value_type::boolean, relation::equals, false, type_test::is_null},
    {"IsPresent", node_kind::type_test, value_type::boolean, relation::equals, false, type_test::is_present},
    {"IsNumeric", node_kind::type_test, value_type::boolean, relation::equals, false, type_test::is_numeric},
    {"IsString", node_kind::type_test, value_type::boolean, relation::equals, false, type_test::is_string},
    {"IsBoolean", node_kind::type_test, value_type::boolean, relation::equals, false, type_test::is_boolean},
    {"IsTimestamp", node_kind::type_test, value_type::boolean, relation::equals, false, type_test::is_timestamp},
};

inline const operator_info* find_operator(std::string_view name) noexcept {
    for (const auto& op : operators)
        if (op.name == name) return &op;
    return nullptr;
}

struct node {
    node_kind kind = node_kind::condition_literal;
    value_type type = value_type::string;
    relation rel = relation::equals;
    type_test test = type_test::is_null;
    bool expected = false;               // BooleanEquals / IsX operand, JSONata literal Condition
    double number = 0;                   // Numeric* literal
    instant timestamp;                   // Timestamp* literal
    std::string text;                    // String* literal, StringMatches pattern, JSONata Condition
    std::optional<wildcard_pattern> pattern;  // nullopt for a malformed StringMatches pattern
    std::optional<json_path> variable;
    std::optional<json_path> operand;    // *Path comparand
    std::vector<node> children;          // And / Or / Not
    std::optional<jsonata_template> condition;  // JSONata Condition, compiled
};

inline std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

inline std::string dump_value(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

class compiler {
public:
    compiler(query_language language, const limits& bounds) : language_(language), bounds_(bounds) {}

    std::optional<node> compile(const json& rule, const std::string& pointer, bool top_level, std::size_t depth) {
        if (!rule.is_object()) {
            problem(pointer, "A choice rule must be an object");
            return std::nullopt;
        }
        // Checked before descending, so a hostile definition cannot exhaust the stack here.
        if (depth > bounds_.max_nesting_depth) {
            problem(pointer, "Choice rules are nested more than " + std::to_string(bounds_.max_nesting_depth) +
                                 " levels deep");
            return std::nullopt;
        }
        return language_ == query_language::jsonata ? compile_jsonata(rule, pointer, top_level)
                                                     : compile_jsonpath(rule, pointer, top_level, depth);
    }

    std::vector<diagnostic> take_problems() { return std::move(problems_); }

private:
    struct field {
        std::string_view key;
        const json* value;
        const operator_info* op;  // nullptr for And/Or/Not
    };

    void problem(std::string pointer, std::string message) {
        problems_.push_back(diagnostic{std::move(pointer), std::move(message)});
    }

    void check_comment(const json& value, const std::string& pointer) {
        if (!value.is_string()) problem(pointer, "'Comment' must be a string");
    }

    std::optional<node> compile_jsonpath(const json& rule, const std::string& pointer, bool top_level,
                                         std::size_t depth) {
        const json* variable = nullptr;
        std::vector<field> booleans;
        std::vector<field> comparisons;
        for (const auto& item : rule.items()) {
            const std::string& key = item.key();
            const json& value = item.value();
            if (key == "Variable") {
                variable = &value;
            } else if (key == "And" || key == "Or" || key == "Not") {
                booleans.push_back(field{key, &value, nullptr});
            } else if (const operator_info* op = find_operator(key)) {
                comparisons.push_back(field{key, &value, op});
            } else if (key == "Comment") {
                check_comment(value, pointer_child(pointer, key));
            } else if (top_level && (key == "Next" || key == "Assign")) {
                // Read by the loader.
            } else if (key == "Condition") {
                problem(pointer_child(pointer, key),
                        "Field 'Condition' is not supported: it belongs to JSONata; with JSONPath use "
                        "'Variable' and a comparison operator");
            } else {
                problem(pointer_child(pointer, key), "Field " + in_quotes(key) + " is not supported");
            }
        }

        if (!booleans.empty()) {
            if (variable || !comparisons.empty()) {
                problem(pointer, "A choice rule is either a Boolean expression ('And', 'Or', 'Not') or a data-test "
                                 "expression ('Variable' and one comparison operator), not both");
                return std::nullopt;
            }
            if (booleans.size() > 1) {
                problem(pointer, "A choice rule has exactly one of 'And', 'Or', 'Not'");
                return std::nullopt;
            }
            return compile_boolean(booleans.front(), pointer, depth);
        }

        if (!variable && comparisons.empty()) {
            problem(pointer, "A choice rule needs 'Variable' and a comparison operator, or one of 'And', "
                             "'Or', 'Not'");
            return std::nullopt;
        }
        bool ok = true;
        if (!variable) {
            problem(pointer, "These fields are required: [Variable]");
            ok = false;
        }
        if (comparisons.empty()) {
            problem(pointer, "A data-test expression needs a comparison operator, such as 'StringEquals' or "
                             "'IsPresent'");
            ok = false;
        } else if (comparisons.size() > 1) {
            std::string names;
            for (const auto& c : comparisons) names += (names.empty() ? "" : ", ") + in_quotes(c.key);
            problem(pointer, "A data-test expression has exactly one comparison operator; found " + names);
            ok = false;
        }

        node result;
        if (variable) {
            result.variable = compile_path(*variable, pointer_child(pointer, "Variable"), "Variable");
            ok = ok && result.variable.has_value();
        }
        if (comparisons.size() == 1) ok = compile_comparison(comparisons.front(), pointer, result) && ok;
        if (!ok) return std::nullopt;
        return result;
    }

    std::optional<node> compile_boolean(const field& f, const std::string& pointer, std::size_t depth) {
        const std::string here = pointer_child(pointer, f.key);
        node result;
        if (f.key == "Not") {
            result.kind = node_kind::negation;
            if (!f.value->is_object()) {
                problem(here, "'Not' must be a single choice rule (an object)");
                return std::nullopt;
            }
            auto inner = compile(*f.value, here, false, depth + 1);
            if (!inner) return std::nullopt;
            result.children.push_back(std::move(*inner));
            return result;
        }
        result.kind = f.key == "And" ? node_kind::all_of : node_kind::any_of;
        if (!f.value->is_array() || f.value->empty()) {
            problem(here, in_quotes(f.key) + " must be a non-empty array of choice rules");
            return std::nullopt;
        }
        bool ok = true;
        result.children.reserve(f.value->size());
        for (std::size_t i = 0; i < f.value->size(); ++i) {
            auto inner = compile((*f.value)[i], pointer_child(here, i), false, depth + 1);
            if (inner) result.children.push_back(std::move(*inner));
            else ok = false;
        }
        if (!ok) return std::nullopt;
        return result;
    }

    std::optional<json_path> compile_path(const json& value, const std::string& pointer, std::string_view name) {
        const auto* text = value.get_ptr<const std::string*>();
        if (!text) {
            problem(pointer, in_quotes(name) + " must be a string holding a path");
            return std::nullopt;
        }
        auto parsed = json_path::parse(*text);
        if (!parsed) {
            problem(pointer, in_quotes(name) + " is not a valid path: " + parsed.error().cause);
            return std::nullopt;
        }
        return std::move(*parsed);
    }

    bool compile_comparison(const field& f, const std::string& rule_pointer, node& out) {
        const operator_info& op = *f.op;
        const json& value = *f.value;
        const std::string here = pointer_child(rule_pointer, f.key);
        out.kind = op.kind;
        out.type = op.type;
        out.rel = op.rel;
        out.test = op.test;

        if (op.is_path) {
            out.operand = compile_path(value, here, op.name);
            return out.operand.has_value();
        }
        if (op.kind == node_kind::type_test || op.type == value_type::boolean) {
            if (!value.is_boolean()) {
                problem(here, in_quotes(op.name) + " must be a boolean");
                return false;
            }
            out.expected = value.get<bool>();
            return true;
        }
        if (op.type == value_type::number) {
            if (!value.is_number()) {
                problem(here, in_quotes(op.name) + " must be a number");
                return false;
            }
            out.number = value.get<double>();
            return true;
        }
        const auto* text = value.get_ptr<const std::string*>();
        if (!text) {
            problem(here, in_quotes(op.name) + " must be a string" +
                              (op.type == value_type::timestamp ? " holding an RFC 3339 timestamp" : ""));
            return false;
        }
        if (op.type == value_type::timestamp) {
            auto parsed = parse_rfc3339(*text);
            if (!parsed) {
                problem(here, "String does not match RFC3339 timestamp: " + dump_value(value) +
                                  " (expected e.g. \"2016-03-14T01:59:00Z\")");
                return false;
            }
            out.timestamp = *parsed;
            return true;
        }
        out.text = *text;
        // A dangling `\` is an error only when the rule is evaluated, as on AWS (docs/choice.md).
        if (op.kind == node_kind::string_matches) out.pattern = wildcard_pattern::compile(*text);
        return true;
    }

    std::optional<node> compile_jsonata(const json& rule, const std::string& pointer, bool top_level) {
        const json* condition = nullptr;
        for (const auto& item : rule.items()) {
            const std::string& key = item.key();
            if (key == "Condition") {
                condition = &item.value();
            } else if (key == "Comment") {
                check_comment(item.value(), pointer_child(pointer, key));
            } else if (top_level && (key == "Next" || key == "Assign" || key == "Output")) {
                // Read by the loader.
            } else if (key == "Variable" || key == "And" || key == "Or" || key == "Not" || find_operator(key)) {
                problem(pointer_child(pointer, key), "Field " + in_quotes(key) +
                                                      " is not supported: it belongs to JSONPath; with JSONata use "
                                                      "'Condition'");
            } else {
                problem(pointer_child(pointer, key), "Field " + in_quotes(key) + " is not supported");
            }
        }
        if (!condition) {
            problem(pointer, "These fields are required: [Condition]");
            return std::nullopt;
        }
        node result;
        if (condition->is_boolean()) {
            result.kind = node_kind::condition_literal;
            result.expected = condition->get<bool>();
        } else if (const auto* text = condition->get_ptr<const std::string*>(); text && stepfn::is_jsonata_expression(*text)) {
            result.kind = node_kind::condition_expression;
            result.text = *text;
            auto compiled = jsonata_template::compile(*condition, pointer_child(pointer, "Condition"), "Condition");
            if (!compiled) {
                for (auto& p : compiled.error().problems) problem(p.pointer, p.message);
                return std::nullopt;
            }
            result.condition = std::move(*compiled);
        } else {
            problem(pointer_child(pointer, "Condition"),
                    "'Condition' must be a boolean or a JSONata expression written as \"{% ... %}\"");
            return std::nullopt;
        }
        return result;
    }

    query_language language_;
    const limits& bounds_;
    std::vector<diagnostic> problems_;
};

// The value a path selects, or nullptr when it selects nothing. A definite path is read in
// place; only an indefinite one (whose result is a fresh array) is stored in `storage`.
inline const json* resolve(const json_path& path, const json& input, const eval_env& env, json& storage) {
    if (path.is_definite()) return path.find(input, env);
    auto selected = path.evaluate(input, env);
    if (!selected) return nullptr;
    storage = std::move(*selected);
    return &storage;
}

inline bool holds(relation rel, int order) noexcept {
    switch (rel) {
    case relation::equals: return order == 0;
    case relation::less: return order < 0;
    case relation::greater: return order > 0;
    case relation::less_equals: return order <= 0;
    case relation::greater_equals: return order >= 0;
    }
    return false;
}

template <class T>
int order_of(const T& a, const T& b) noexcept {
    return a < b ? -1 : (b < a ? 1 : 0);
}

inline bool compare(const node& n, const json& value, const json& input, const eval_env& env) {
    json operand_storage;
    const json* operand = nullptr;
    if (n.operand) {
        operand = resolve(*n.operand, input, env, operand_storage);
        if (!operand) return false;  // a missing comparand is false, like a mistyped one
    }
    switch (n.type) {
    case value_type::string: {
        const auto* lhs = value.get_ptr<const std::string*>();
        const auto* rhs = operand ? operand->get_ptr<const std::string*>() : &n.text;
        if (!lhs || !rhs) return false;
        // std::string::compare orders by unsigned bytes: for UTF-8, code point order.
        const int order = lhs->compare(*rhs);
        return holds(n.rel, order < 0 ? -1 : (order > 0 ? 1 : 0));
    }
    case value_type::number: {
        if (!value.is_number() || (operand && !operand->is_number())) return false;
        return holds(n.rel, order_of(value.get<double>(), operand ? operand->get<double>() : n.number));
    }
    case value_type::boolean: {
        if (!value.is_boolean() || (operand && !operand->is_boolean())) return false;
        return value.get<bool>() == (operand ? operand->get<bool>() : n.expected);
    }
    case value_type::timestamp: {
        const auto* lhs_text = value.get_ptr<const std::string*>();
        if (!lhs_text) return false;
        const auto lhs = parse_rfc3339(*lhs_text);
        if (!lhs) return false;
        if (!operand) return holds(n.rel, order_of(*lhs, n.timestamp));
        const auto* rhs_text = operand->get_ptr<const std::string*>();
        if (!rhs_text) return false;
        const auto rhs = parse_rfc3339(*rhs_text);
        return rhs && holds(n.rel, order_of(*lhs, *rhs));
    }
    }
    return false;
}

inline bool passes(type_test test, const json& value) {
    switch (test) {
    case type_test::is_null: return value.is_null();
    case type_test::is_present: return true;
    case type_test::is_numeric: return value.is_number();
    case type_test::is_string: return value.is_string();
    case type_test::is_boolean: return value.is_boolean();
    case type_test::is_timestamp: {
        const auto* text = value.get_ptr<const std::string*>();
        return text && parse_rfc3339(*text).has_value();
    }
    }
    return false;
}

inline result<bool> evaluate(const node& n, const json& input, const eval_env& env) {
    switch (n.kind) {
    case node_kind::all_of:
        for (const auto& child : n.children) {
            auto r = evaluate(child, input, env);
            if (!r || !*r) return r;
        }
        return true;
    case node_kind::any_of:
        for (const auto& child : n.children) {
            auto r = evaluate(child, input, env);
            if (!r || *r) return r;
        }
        return false;
    case node_kind::negation: {
        if (n.children.empty()) return false;
        auto r = evaluate(n.children.front(), input, env);
        if (!r) return r;
        return !*r;
    }
    case node_kind::condition_literal: return n.expected;
    case node_kind::condition_expression: {
        if (!n.condition) return false;
        auto v = n.condition->evaluate(env);
        if (!v) return tl::make_unexpected(std::move(v.error()));
        if (!v->is_boolean())
            return make_error(errors::query_evaluation_error,
                              "The JSONata expression '" + n.condition->expression_text() +
                                  "' specified for the field 'Condition' returned " + dump_value(*v) +
                                  ", not a boolean.");
        return v->get<bool>();
    }
    case node_kind::compare:
    case node_kind::string_matches:
    case node_kind::type_test: break;
    }

    if (!n.variable) return false;
    json variable_storage;
    const json* value = resolve(*n.variable, input, env, variable_storage);
    if (n.kind == node_kind::type_test && n.test == type_test::is_present) return (value != nullptr) == n.expected;
    if (!value) {
        return make_error(errors::runtime, "Invalid path '" + n.variable->text() +
                                               "': The choice state's condition path references an invalid value.");
    }
    switch (n.kind) {
    case node_kind::type_test: return passes(n.test, *value) == n.expected;
    case node_kind::string_matches: {
        if (!n.pattern) {
            return make_error(errors::runtime, "The StringMatches pattern '" + n.text +
                                                   "' ends with an escape character '\\' that escapes nothing");
        }
        const auto* text = value->get_ptr<const std::string*>();
        return text && n.pattern->matches(*text);
    }
    default: return compare(n, *value, input, env);
    }
}

} // namespace stepfn::detail::choice

namespace stepfn {

struct choice_rule::impl {
    detail::choice::node root;
};

STEPFN_INLINE result<choice_rule> choice_rule::compile(const json& rule, std::string_view pointer, bool top_level,
                                                query_language language, const limits& bounds) {
    detail::choice::compiler compiler(language, bounds);
    auto root = compiler.compile(rule, std::string(pointer), top_level, 1);
    auto problems = compiler.take_problems();
    if (!problems.empty() || !root) {
        if (problems.empty()) problems.push_back(diagnostic{std::string(pointer), "Invalid choice rule"});
        return make_invalid(std::move(problems));
    }
    choice_rule compiled;
    compiled.impl_ = std::make_shared<const impl>(impl{std::move(*root)});
    return compiled;
}

STEPFN_INLINE result<bool> choice_rule::evaluate(const json& input, const eval_env& env) const {
    if (!impl_) return make_error(errors::runtime, "The choice rule was never compiled");
    return detail::choice::evaluate(impl_->root, input, env);
}

} // namespace stepfn

#endif
