#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_SHORTCUT_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_SHORTCUT_HPP

// A shortcut for the commonest expressions of a state machine: a path of plain names from a
// variable (`$states.input.order.id`, `$limit.max`), alone or compared with a literal
// (`$states.input.amount > 1000`, `$states.input.tier = 'gold'`). It answers only where its
// answer is certainly the evaluator's: objects all the way, a value that is not an array at the
// end, operands of one type. Anything else (a missing field, an array, a type mismatch and its
// error) is left to the compiled expression.

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/expressions/eval_env.hpp>
#include <stepfn/expressions/detail/jsonata_text.hpp>  // trim_spaces
#include <stepfn/json.hpp>

namespace stepfn {
namespace detail {

struct jsonata_shortcut {
    enum class relation : std::uint8_t { none, eq, ne, lt, le, gt, ge };
    std::string variable;            // "states" for `$states...`
    std::vector<std::string> names;  // the steps after it
    relation rel = relation::none;
    json literal;                    // a number, a string or a boolean
};

inline std::optional<jsonata_shortcut> parse_shortcut(std::string_view text) {
    std::size_t i = 0;
    const auto space = [&] {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    };
    const auto name = [&]() -> std::optional<std::string> {
        const std::size_t start = i;
        while (i < text.size() && ((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z') ||
                                   text[i] == '_' || (i > start && text[i] >= '0' && text[i] <= '9')))
            ++i;
        std::string out(text.substr(start, i - start));
        // Words the grammar gives a meaning of their own are left to the parser.
        if (out.empty() || out == "and" || out == "or" || out == "in" || out == "true" || out == "false" ||
            out == "null" || out == "function")
            return std::nullopt;
        return out;
    };
    jsonata_shortcut s;
    space();
    if (i >= text.size() || text[i] != '$') return std::nullopt;
    ++i;
    auto variable = name();
    if (!variable) return std::nullopt;
    s.variable = std::move(*variable);
    while (i < text.size() && text[i] == '.') {
        ++i;
        auto step = name();
        if (!step) return std::nullopt;
        s.names.push_back(std::move(*step));
    }
    space();
    if (i == text.size()) return s;
    const std::string_view rest = text.substr(i);
    using rel = jsonata_shortcut::relation;
    static constexpr std::pair<std::string_view, rel> ops[] = {{"!=", rel::ne}, {"<=", rel::le}, {">=", rel::ge},
                                                               {"=", rel::eq},  {"<", rel::lt},  {">", rel::gt}};
    for (const auto& op : ops)
        if (rest.substr(0, op.first.size()) == op.first) {
            s.rel = op.second;
            i += op.first.size();
            break;
        }
    if (s.rel == rel::none) return std::nullopt;
    space();
    if (i >= text.size()) return std::nullopt;
    const char c = text[i];
    if (c == '\'' || c == '"') {
        const std::size_t end = text.find(c, i + 1);
        if (end == std::string_view::npos) return std::nullopt;
        const std::string_view body = text.substr(i + 1, end - i - 1);
        if (body.find('\\') != std::string_view::npos) return std::nullopt;
        s.literal = std::string(body);
        i = end + 1;
    } else if (text.substr(i, 4) == "true" || text.substr(i, 5) == "false") {
        s.literal = text[i] == 't';
        i += text[i] == 't' ? 4 : 5;
    } else {
        const std::size_t start = i;
        if (text[i] == '-') ++i;
        const std::size_t digits = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        if (i == digits) return std::nullopt;
        if (i < text.size() && text[i] == '.') {
            ++i;
            const std::size_t fraction = i;
            while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
            if (i == fraction) return std::nullopt;
        }
        s.literal = std::strtod(std::string(text.substr(start, i - start)).c_str(), nullptr);
    }
    space();
    if (i != text.size()) return std::nullopt;
    // Strings order by UTF-16 units in JSONata: only equality is taken here.
    if (s.literal.is_string() && s.rel != rel::eq && s.rel != rel::ne) return std::nullopt;
    if (s.literal.is_boolean() && s.rel != rel::eq && s.rel != rel::ne) return std::nullopt;
    return s;
}

// The commonest Output of all, `$merge([$states.input, X])`: the text of X, or nullopt when the
// expression has another shape. X is compiled on its own; its brackets must balance for it to
// compile, so the `[` and `)` around it are the call's own.
inline std::optional<std::string_view> merge_input_rest(std::string_view text) {
    std::string_view s = text;
    for (const std::string_view t : {"$merge", "(", "[", "$states", ".", "input", ","}) {
        s = trim_spaces(s);
        if (s.substr(0, t.size()) != t) return std::nullopt;
        s.remove_prefix(t.size());
    }
    for (const char closing : {')', ']'}) {
        s = trim_spaces(s);
        if (s.empty() || s.back() != closing) return std::nullopt;
        s.remove_suffix(1);
    }
    s = trim_spaces(s);
    if (s.empty()) return std::nullopt;
    return s;
}

// What the path reaches from `v`, the variable's value: nullptr where the evaluator must answer
// (a step into something that is not an object, a missing field, an array at the end).
template <class Json>
Json* shortcut_target(const jsonata_shortcut& s, Json* v) {
    if (v == nullptr) return nullptr;
    for (const auto& step : s.names) {
        if (!v->is_object()) return nullptr;
        auto it = v->find(step);
        if (it == v->end()) return nullptr;
        v = &*it;
    }
    return v->is_array() ? nullptr : v;
}

// A path's answer that is a floating-point zero is the integer 0: -0 is 0, as the evaluator
// gives it.
inline bool is_float_zero(const json& v) { return v.is_number_float() && v.get<double>() == 0; }

// A plain path's answer taken from `variable` (the variable's value, which nothing reads again
// at that place) instead of copied, leaving null there; nullopt when the compiled expression
// must give it.
inline std::optional<json> try_take(const jsonata_shortcut& s, json& variable) {
    json* v = shortcut_target(s, &variable);
    if (v == nullptr || s.rel != jsonata_shortcut::relation::none) return std::nullopt;
    if (is_float_zero(*v)) return json(0);
    json out = std::move(*v);
    *v = json();
    return out;
}

// An object constructor whose values are all plain paths, `{'receipt': $states.result}` (the
// usual X of `$merge([$states.input, X])`): its keys and paths in order, or nullopt for any other
// text (a key written with an escape or twice, a value that is not a plain path).
using object_of_paths = std::vector<std::pair<std::string, jsonata_shortcut>>;
inline std::optional<object_of_paths> parse_object_of_paths(std::string_view text) {
    std::string_view s = trim_spaces(text);
    if (s.size() < 2 || s.front() != '{' || s.back() != '}') return std::nullopt;
    s = trim_spaces(s.substr(1, s.size() - 2));
    object_of_paths out;
    while (!s.empty()) {
        const char quote = s.front();
        if (quote != '\'' && quote != '"') return std::nullopt;
        const std::size_t end = s.find(quote, 1);
        if (end == std::string_view::npos) return std::nullopt;
        std::string key(s.substr(1, end - 1));
        if (key.find('\\') != std::string::npos) return std::nullopt;
        for (const auto& member : out)
            if (member.first == key) return std::nullopt;  // the evaluator's error D1009
        s = trim_spaces(s.substr(end + 1));
        if (s.empty() || s.front() != ':') return std::nullopt;
        s.remove_prefix(1);
        const std::size_t next = s.find(',');
        auto path = parse_shortcut(s.substr(0, next));  // a plain path holds no comma
        if (!path || path->rel != jsonata_shortcut::relation::none) return std::nullopt;
        out.emplace_back(std::move(key), std::move(*path));
        if (next == std::string_view::npos) break;
        s = trim_spaces(s.substr(next + 1));
        if (s.empty()) return std::nullopt;  // a trailing comma
    }
    if (out.empty()) return std::nullopt;
    return out;
}

// The answer, or nullopt when the compiled expression must give it.
inline std::optional<json> try_shortcut(const jsonata_shortcut& s, const eval_env& env) {
    const json* v = shortcut_target(s, env.variable(s.variable));
    if (v == nullptr) return std::nullopt;
    using rel = jsonata_shortcut::relation;
    if (s.rel == rel::none) {
        if (is_float_zero(*v)) return json(0);
        return *v;
    }
    if (s.literal.is_number() && v->is_number()) {
        const double a = v->get<double>(), b = s.literal.get<double>();
        switch (s.rel) {
        case rel::eq: return json(a == b);
        case rel::ne: return json(a != b);
        case rel::lt: return json(a < b);
        case rel::le: return json(a <= b);
        case rel::gt: return json(a > b);
        case rel::ge: return json(a >= b);
        case rel::none: break;
        }
        return std::nullopt;
    }
    if ((s.literal.is_string() && v->is_string()) || (s.literal.is_boolean() && v->is_boolean()))
        return json((*v == s.literal) == (s.rel == rel::eq));
    return std::nullopt;
}

} // namespace detail
} // namespace stepfn

#endif
