#ifndef STEPFN_EXPRESSIONS_DETAIL_INTRINSICS_PARSER_HPP
#define STEPFN_EXPRESSIONS_DETAIL_INTRINSICS_PARSER_HPP

// Parser for intrinsic calls (asl-reference.md §7): text → call_node tree, with every check
// that can be made before running (names, arity, literal types, nesting), and constant folding
// of calls whose arguments are all literals.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/hash.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/expressions/detail/intrinsics/ast.hpp>
#include <stepfn/expressions/detail/intrinsics/functions.hpp>
#include <stepfn/expressions/detail/intrinsics/value_ops.hpp>
#include <stepfn/expressions/eval_env.hpp>
#include <stepfn/expressions/json_path.hpp>

namespace stepfn {
namespace detail {
namespace intrinsics {

inline bool is_name_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
}

inline bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Static result types let `States.ArrayLength(States.Format(...))` fail at load time.
inline bool compatible(value_type param, value_type produced) noexcept {
    if (param == value_type::any || produced == value_type::any || param == produced) return true;
    const auto numeric = [](value_type t) { return t == value_type::integer || t == value_type::number; };
    return numeric(param) && numeric(produced);
}

class parser {
public:
    parser(std::string_view text, const limits& bounds) noexcept : text_(text), bounds_(bounds) {}

    // The whole text as one call. The result is a call node, or a literal when folded.
    result<arg_node> parse() {
        auto root = parse_call(1);
        if (!root) return root;
        skip_space();
        if (pos_ != text_.size())
            return error_at(pos_, "unexpected text after the end of the call: '" +
                                      std::string(text_.substr(pos_, 20)) + "'");
        return root;
    }

    // The outermost function's name; set once parse() got past it.
    const std::string& function_name() const noexcept { return function_name_; }

private:
    std::string_view text_;
    const limits& bounds_;
    std::size_t pos_ = 0;
    std::string function_name_;

    tl::unexpected<error> error_at(std::size_t position, const std::string& message) const {
        return make_error(errors::invalid_definition,
                          "Invalid intrinsic function call: " + message + " (column " +
                              std::to_string(position + 1) + ")");
    }

    void skip_space() noexcept {
        while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    }

    bool at_delimiter(std::size_t i) const noexcept {
        return i >= text_.size() || is_space(text_[i]) || text_[i] == ',' || text_[i] == ')';
    }

    result<arg_node> parse_call(std::size_t depth) {
        const std::size_t start = pos_;
        if (text_.substr(pos_, 7) != "States.")
            return error_at(pos_, "expected a call such as States.Format(...)");
        std::size_t name_end = pos_ + 7;
        while (name_end < text_.size() && is_name_char(text_[name_end])) ++name_end;
        const std::string name(text_.substr(start, name_end - start));
        if (name_end >= text_.size() || text_[name_end] != '(')
            return error_at(name_end, "expected '(' after '" + name + "'");
        const signature* sig = find_signature(name);
        if (sig == nullptr) return error_at(start, "unknown intrinsic function '" + name + "'");
        if (depth == 1) function_name_ = name;
        if (depth > bounds_.max_intrinsic_nesting)
            return error_at(start, "intrinsic calls are nested more than " +
                                       std::to_string(bounds_.max_intrinsic_nesting) + " deep");
        pos_ = name_end + 1;

        auto call = std::make_shared<call_node>();
        call->sig = sig;
        call->column = start + 1;
        std::vector<std::string_view> raw;  // raw text of string literals, for Format templates
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ')') {
            ++pos_;
        } else {
            for (;;) {
                std::string_view literal_text;
                auto arg = parse_argument(depth, literal_text);
                if (!arg) return arg;
                call->args.push_back(std::move(*arg));
                raw.push_back(literal_text);
                skip_space();
                if (pos_ >= text_.size()) return error_at(pos_, "missing ')' to close " + name + "(");
                if (text_[pos_] == ')') { ++pos_; break; }
                if (text_[pos_] != ',')
                    return error_at(pos_, "expected ',' or ')' after argument " +
                                              std::to_string(call->args.size()) + " of " + name);
                ++pos_;
                skip_space();
            }
        }
        if (auto ok = check(*call, raw); !ok) return tl::make_unexpected(std::move(ok.error()));
        return fold(std::move(call));
    }

    result<void> check(call_node& call, const std::vector<std::string_view>& raw) const {
        const signature& sig = *call.sig;
        const std::size_t count = call.args.size();
        const std::size_t at = call.column - 1;
        if (count < sig.min_args || count > sig.max_args) {
            std::string expected;
            if (sig.min_args == sig.max_args) expected = plural(sig.min_args, "argument", "arguments");
            else if (sig.max_args == unbounded) expected = "at least " + plural(sig.min_args, "argument", "arguments");
            else expected = std::to_string(sig.min_args) + " or " + plural(sig.max_args, "argument", "arguments");
            return error_at(at, std::string(sig.name) + " takes " + expected + ", got " + std::to_string(count));
        }
        for (std::size_t i = 0; i < count; ++i) {
            const arg_node& arg = call.args[i];
            const value_type expected = sig.param(i);
            const std::string which = std::string(sig.name) + ": argument " + std::to_string(i + 1) + " must be " +
                                      describe(expected);
            if (arg.what == arg_node::kind::literal && !matches(expected, arg.literal)) {
                if (arg.folded_from == nullptr)
                    return error_at(arg.column - 1, which + ", not the literal " + compact_json(arg.literal));
                return error_at(arg.column - 1, which + ", but " + std::string(arg.folded_from->name) + " returns " +
                                                    (arg.folded_from->returns == value_type::any
                                                         ? std::string(arg.literal.type_name()) + " " + snippet(arg.literal)
                                                         : std::string(describe(arg.folded_from->returns))));
            }
            if (arg.what == arg_node::kind::call && !compatible(expected, arg.call->sig->returns))
                return error_at(arg.column - 1, which + ", but " + std::string(arg.call->sig->name) +
                                                    " returns " + describe(arg.call->sig->returns));
        }
        return check_literal_values(call, raw);
    }

    // Constraints beyond the type of a literal argument.
    result<void> check_literal_values(call_node& call, const std::vector<std::string_view>& raw) const {
        const signature& sig = *call.sig;
        const auto literal = [&](std::size_t i) -> const json* {
            return i < call.args.size() && call.args[i].what == arg_node::kind::literal ? &call.args[i].literal
                                                                                        : nullptr;
        };
        const auto integer = [&](std::size_t i, std::int64_t& out) {
            const json* v = literal(i);
            return v != nullptr && java_round(*v, out);
        };
        const auto column_of = [&](std::size_t i) { return call.args[i].column - 1; };
        const std::string name(sig.name);
        std::int64_t n = 0;
        switch (sig.id) {
        case function_id::format:
            if (const json* tpl = literal(0)) {
                std::size_t bad = 0;
                if (raw[0].data() == nullptr)  // folded from a nested call: plain text, no escapes
                    split_template(tpl->get_ref<const std::string&>(), false, call.format_pieces);
                else if (!split_template(raw[0], true, call.format_pieces, &bad))
                    return error_at(column_of(0) + 1 + bad,
                                    name + ": unescaped '" + std::string(1, raw[0][bad]) +
                                        "' in the template; write \\" + std::string(1, raw[0][bad]) +
                                        " for a literal brace");
                const std::size_t placeholders = call.format_pieces.size() - 1;
                if (placeholders != call.args.size() - 1)
                    return error_at(call.column - 1,
                                    name + ": the template has " +
                                        plural(placeholders, "placeholder", "placeholders") + " '{}' but " +
                                        plural(call.args.size() - 1, "value follows", "values follow"));
            }
            break;
        case function_id::array_partition:
            if (integer(1, n) && n <= 0)
                return error_at(column_of(1), name + ": the chunk size must be a positive integer");
            break;
        case function_id::array_range:
            if (integer(2, n) && n == 0) return error_at(column_of(2), name + ": the step must not be 0");
            break;
        case function_id::array_get_item:
            if (integer(1, n) && n < 0) return error_at(column_of(1), name + ": the index must not be negative");
            break;
        case function_id::hash:
            if (const json* alg = literal(1)) {
                hash_algorithm ignored{};
                if (!parse_hash_algorithm(alg->get_ref<const std::string&>(), ignored))
                    return error_at(column_of(1), name + ": unsupported algorithm '" +
                                                      alg->get_ref<const std::string&>() +
                                                      "'; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512");
            }
            break;
        case function_id::math_random: {
            std::int64_t end = 0;
            if (integer(0, n) && integer(1, end) && n >= end)
                return error_at(column_of(0), name + ": the start must be less than the end, which is exclusive");
            break;
        }
        default: break;
        }
        return {};
    }

    // A pure call on literals is computed now. If that fails, the call is kept so it fails
    // at run time as it would on AWS (a catchable States.IntrinsicFailure).
    result<arg_node> fold(std::shared_ptr<call_node> call) const {
        arg_node node;
        node.column = call->column;
        bool constant = is_pure(*call);
        for (const auto& arg : call->args) constant = constant && arg.what == arg_node::kind::literal;
        if (constant) {
            const empty_env env;
            auto value = evaluate_call(*call, json(), env, bounds_);
            if (value) {
                node.literal = std::move(*value);
                node.folded_from = call->sig;
                return node;
            }
        }
        node.what = arg_node::kind::call;
        node.call = std::move(call);
        return node;
    }

    result<arg_node> parse_argument(std::size_t depth, std::string_view& raw) {
        if (pos_ >= text_.size()) return error_at(pos_, "missing argument and ')'");
        const char c = text_[pos_];
        if (c == '\'') return parse_string(raw);
        if (c == '$') return parse_path();
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
        if (is_name_char(c)) {
            std::size_t end = pos_;
            while (end < text_.size() && is_name_char(text_[end])) ++end;
            const std::string word(text_.substr(pos_, end - pos_));
            if (end < text_.size() && text_[end] == '(') {
                if (word.rfind("States.", 0) == 0) return parse_call(depth + 1);
                return error_at(pos_, "unknown function '" + word + "'; intrinsic functions are named States.*");
            }
            if (word == "true" || word == "false" || word == "null") {
                if (!at_delimiter(end)) return error_at(end, "unexpected character after " + word);
                arg_node node;
                node.column = pos_ + 1;
                node.literal = word == "null" ? json(nullptr) : json(word == "true");
                pos_ = end;
                return node;
            }
            return error_at(pos_, "unexpected '" + word +
                                      "'; an argument is a 'string', a number, true, false, null, a path "
                                      "starting with $ or a States.* call");
        }
        if (c == ',' || c == ')') return error_at(pos_, "missing argument");
        return error_at(pos_, std::string("unexpected character '") + c + "'");
    }

    result<arg_node> parse_string(std::string_view& raw) {
        const std::size_t start = pos_;
        std::string value;
        std::size_t i = pos_ + 1;
        for (;;) {
            if (i >= text_.size()) return error_at(start, "unterminated string literal");
            const char c = text_[i];
            if (c == '\'') break;
            if (c == '\\') {
                if (i + 1 >= text_.size()) return error_at(i, "backslash at the end of a string literal");
                const char next = text_[i + 1];
                if (next != '\'' && next != '{' && next != '}' && next != '\\')
                    return error_at(i, std::string("invalid escape sequence '\\") + next +
                                           "' in a string literal; only \\', \\{, \\} and \\\\ are allowed");
                value += next;
                i += 2;
                continue;
            }
            value += c;
            ++i;
        }
        raw = text_.substr(start + 1, i - start - 1);
        pos_ = i + 1;
        arg_node node;
        node.column = start + 1;
        node.literal = std::move(value);
        return node;
    }

    // A path runs to the next `,` or `)` outside brackets, parentheses (filters) and quotes.
    result<arg_node> parse_path() {
        const std::size_t start = pos_;
        std::size_t i = pos_;
        std::size_t brackets = 0, parens = 0;
        char quote = 0;
        for (; i < text_.size(); ++i) {
            const char c = text_[i];
            if (c == '\\') {
                // A backslash escapes the next character; at the very end it escapes nothing
                // (stopping here keeps `i` inside the text: `States.Array($\` on a
                // string_view read one byte past it).
                if (i + 1 >= text_.size()) {
                    i = text_.size();
                    break;
                }
                ++i;
                continue;
            }
            if (quote != 0) {
                if (c == quote) quote = 0;
                continue;
            }
            if ((c == '\'' || c == '"') && (brackets > 0 || parens > 0)) quote = c;
            else if (c == '[') ++brackets;
            else if (c == ']' && brackets > 0) --brackets;
            else if (c == '(') ++parens;
            else if (c == ')' && parens > 0) --parens;
            else if ((c == ',' || c == ')') && brackets == 0 && parens == 0) break;
        }
        if (quote != 0) return error_at(start, "unterminated quote in a path");
        std::size_t end = i;
        while (end > start && is_space(text_[end - 1])) --end;
        const std::string_view path_text = text_.substr(start, end - start);
        auto path = json_path::parse(path_text);
        if (!path) return error_at(start, "invalid path '" + std::string(path_text) + "': " + path.error().cause);
        pos_ = i;
        arg_node node;
        node.what = arg_node::kind::path;
        node.column = start + 1;
        node.path = std::move(*path);
        return node;
    }

    result<arg_node> parse_number() {
        const std::size_t start = pos_;
        std::size_t i = pos_;
        const auto digits = [&] {
            const std::size_t from = i;
            while (i < text_.size() && text_[i] >= '0' && text_[i] <= '9') ++i;
            return i > from;
        };
        if (text_[i] == '-') ++i;
        bool ok = digits();
        if (ok && i < text_.size() && text_[i] == '.') {
            ++i;
            ok = digits();
        }
        if (ok && i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
            ++i;
            if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
            ok = digits();
        }
        const std::string token(text_.substr(start, i - start));
        json value = ok ? json::parse(token, nullptr, false) : json(json::value_t::discarded);
        if (value.is_discarded() || !at_delimiter(i)) {
            std::size_t end = i;
            while (!at_delimiter(end)) ++end;
            return error_at(start, "invalid number '" + std::string(text_.substr(start, end - start)) + "'");
        }
        pos_ = i;
        arg_node node;
        node.column = start + 1;
        node.literal = std::move(value);
        return node;
    }
};

} // namespace intrinsics
} // namespace detail
} // namespace stepfn

#endif
