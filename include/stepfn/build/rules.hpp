#ifndef STEPFN_BUILD_RULES_HPP
#define STEPFN_BUILD_RULES_HPP

// The builder's values used inside states (<stepfn/build/builder.hpp>): Choice rules made with
// variable(...), and_, or_, not_ and jsonata_condition; Retry and Catch entries.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <stepfn/build/detail/built_state.hpp>
#include <stepfn/json.hpp>

namespace stepfn {

// ---- values used inside states: choice rules, retriers, catchers ---------------------------

// A Choice rule, or a sub-rule of And/Or/Not. Made by variable(...), and_, or_, not_ or
// jsonata_condition; comment/assign/output only mean something on a rule given to when().
class choice_condition {
public:
    explicit choice_condition(json rule) : rule_(std::move(rule)) {}

    choice_condition& comment(std::string text) { return set("Comment", std::move(text)); }
    choice_condition& assign(json variables) { return set("Assign", std::move(variables)); }
    choice_condition& output(json value) { return set("Output", std::move(value)); }  // JSONata

    const json& to_json() const& noexcept { return rule_; }
    json to_json() && noexcept { return std::move(rule_); }

private:
    choice_condition& set(const char* key, json value) {
        rule_[key] = std::move(value);
        return *this;
    }
    json rule_;
};

// The left side of a data-test rule: variable("$.order.amount").numeric_greater_than(1000).
// Comparands are JSON values, so a wrong type reaches the loader and gets its message.
class choice_variable {
public:
    explicit choice_variable(std::string path) : path_(std::move(path)) {}

    // Any operator by its ASL name, e.g. test("NumericEquals", 3).
    choice_condition test(std::string_view op, json comparand) const {
        json rule = json::object();
        rule["Variable"] = path_;
        rule[std::string(op)] = std::move(comparand);
        return choice_condition(std::move(rule));
    }

    choice_condition string_equals(json v) const { return test("StringEquals", std::move(v)); }
    choice_condition string_equals_path(std::string p) const { return test("StringEqualsPath", std::move(p)); }
    choice_condition string_less_than(json v) const { return test("StringLessThan", std::move(v)); }
    choice_condition string_less_than_path(std::string p) const { return test("StringLessThanPath", std::move(p)); }
    choice_condition string_greater_than(json v) const { return test("StringGreaterThan", std::move(v)); }
    choice_condition string_greater_than_path(std::string p) const { return test("StringGreaterThanPath", std::move(p)); }
    choice_condition string_less_than_equals(json v) const { return test("StringLessThanEquals", std::move(v)); }
    choice_condition string_less_than_equals_path(std::string p) const {
        return test("StringLessThanEqualsPath", std::move(p));
    }
    choice_condition string_greater_than_equals(json v) const { return test("StringGreaterThanEquals", std::move(v)); }
    choice_condition string_greater_than_equals_path(std::string p) const {
        return test("StringGreaterThanEqualsPath", std::move(p));
    }
    choice_condition string_matches(json pattern) const { return test("StringMatches", std::move(pattern)); }

    choice_condition numeric_equals(json v) const { return test("NumericEquals", std::move(v)); }
    choice_condition numeric_equals_path(std::string p) const { return test("NumericEqualsPath", std::move(p)); }
    choice_condition numeric_less_than(json v) const { return test("NumericLessThan", std::move(v)); }
    choice_condition numeric_less_than_path(std::string p) const { return test("NumericLessThanPath", std::move(p)); }
    choice_condition numeric_greater_than(json v) const { return test("NumericGreaterThan", std::move(v)); }
    choice_condition numeric_greater_than_path(std::string p) const {
        return test("NumericGreaterThanPath", std::move(p));
    }
    choice_condition numeric_less_than_equals(json v) const { return test("NumericLessThanEquals", std::move(v)); }
    choice_condition numeric_less_than_equals_path(std::string p) const {
        return test("NumericLessThanEqualsPath", std::move(p));
    }
    choice_condition numeric_greater_than_equals(json v) const { return test("NumericGreaterThanEquals", std::move(v)); }
    choice_condition numeric_greater_than_equals_path(std::string p) const {
        return test("NumericGreaterThanEqualsPath", std::move(p));
    }

    choice_condition boolean_equals(json v) const { return test("BooleanEquals", std::move(v)); }
    choice_condition boolean_equals_path(std::string p) const { return test("BooleanEqualsPath", std::move(p)); }

    choice_condition timestamp_equals(json v) const { return test("TimestampEquals", std::move(v)); }
    choice_condition timestamp_equals_path(std::string p) const { return test("TimestampEqualsPath", std::move(p)); }
    choice_condition timestamp_less_than(json v) const { return test("TimestampLessThan", std::move(v)); }
    choice_condition timestamp_less_than_path(std::string p) const {
        return test("TimestampLessThanPath", std::move(p));
    }
    choice_condition timestamp_greater_than(json v) const { return test("TimestampGreaterThan", std::move(v)); }
    choice_condition timestamp_greater_than_path(std::string p) const {
        return test("TimestampGreaterThanPath", std::move(p));
    }
    choice_condition timestamp_less_than_equals(json v) const { return test("TimestampLessThanEquals", std::move(v)); }
    choice_condition timestamp_less_than_equals_path(std::string p) const {
        return test("TimestampLessThanEqualsPath", std::move(p));
    }
    choice_condition timestamp_greater_than_equals(json v) const {
        return test("TimestampGreaterThanEquals", std::move(v));
    }
    choice_condition timestamp_greater_than_equals_path(std::string p) const {
        return test("TimestampGreaterThanEqualsPath", std::move(p));
    }

    choice_condition is_null(bool expected = true) const { return test("IsNull", expected); }
    choice_condition is_present(bool expected = true) const { return test("IsPresent", expected); }
    choice_condition is_numeric(bool expected = true) const { return test("IsNumeric", expected); }
    choice_condition is_string(bool expected = true) const { return test("IsString", expected); }
    choice_condition is_boolean(bool expected = true) const { return test("IsBoolean", expected); }
    choice_condition is_timestamp(bool expected = true) const { return test("IsTimestamp", expected); }

private:
    std::string path_;
};

inline choice_variable variable(std::string path) { return choice_variable(std::move(path)); }

namespace detail {
inline choice_condition combine(const char* op, std::vector<choice_condition> rules) {
    json list = json::array();
    for (auto& r : rules) list.push_back(std::move(r).to_json());
    json rule = json::object();
    rule[op] = std::move(list);
    return choice_condition(std::move(rule));
}
} // namespace detail

inline choice_condition and_(std::vector<choice_condition> rules) { return detail::combine("And", std::move(rules)); }
inline choice_condition or_(std::vector<choice_condition> rules) { return detail::combine("Or", std::move(rules)); }
inline choice_condition not_(choice_condition rule) {
    json wrapped = json::object();
    wrapped["Not"] = std::move(rule).to_json();
    return choice_condition(std::move(wrapped));
}
// JSONata: `Condition` is true/false or a "{% ... %}" expression.
inline choice_condition jsonata_condition(json condition) {
    json rule = json::object();
    rule["Condition"] = std::move(condition);
    return choice_condition(std::move(rule));
}

// One `Retry` entry. Unset fields keep ASL's defaults (1 s, 3 attempts, rate 2.0).
class retry_rule {
public:
    explicit retry_rule(std::vector<std::string> error_equals) { rule_["ErrorEquals"] = std::move(error_equals); }

    retry_rule& interval_seconds(std::int64_t s) { return set("IntervalSeconds", s); }
    retry_rule& max_attempts(std::int64_t n) { return set("MaxAttempts", n); }
    retry_rule& backoff_rate(double rate) { return set("BackoffRate", detail::number_value(rate)); }
    retry_rule& max_delay_seconds(std::int64_t s) { return set("MaxDelaySeconds", s); }
    retry_rule& jitter(jitter_strategy strategy) {
        return set("JitterStrategy", strategy == jitter_strategy::full ? "FULL" : "NONE");
    }
    retry_rule& comment(std::string text) { return set("Comment", std::move(text)); }

    const json& to_json() const noexcept { return rule_; }

private:
    retry_rule& set(const char* key, json value) {
        rule_[key] = std::move(value);
        return *this;
    }
    json rule_ = json::object();
};

// One `Catch` entry: the errors it handles and the state it goes to.
class catch_rule {
public:
    catch_rule(std::vector<std::string> error_equals, std::string next) {
        rule_["ErrorEquals"] = std::move(error_equals);
        rule_["Next"] = std::move(next);
    }

    catch_rule& result_path(std::string path) { return set("ResultPath", std::move(path)); }
    catch_rule& result_path(std::nullptr_t) { return set("ResultPath", nullptr); }  // keep the input
    catch_rule& output(json value) { return set("Output", std::move(value)); }       // JSONata
    catch_rule& assign(json variables) { return set("Assign", std::move(variables)); }
    catch_rule& comment(std::string text) { return set("Comment", std::move(text)); }

    const json& to_json() const noexcept { return rule_; }

private:
    catch_rule& set(const char* key, json value) {
        rule_[key] = std::move(value);
        return *this;
    }
    json rule_ = json::object();
};

} // namespace stepfn

#endif
