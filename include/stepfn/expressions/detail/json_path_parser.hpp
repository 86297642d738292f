#ifndef STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_PARSER_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_PARSER_HPP

// JSONPath text → path_body: the grammar (root, steps, brackets, filters) over the tokens that
// json_path_cursor.hpp reads. Hand-written recursive descent; only filters recurse, and their
// depth is bounded, so any text (however long) parses or fails cleanly.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/expressions/detail/json_path_ast.hpp>
#include <stepfn/expressions/detail/json_path_cursor.hpp>

namespace stepfn::detail::jsonpath {

// Sets the flags that evaluation relies on.
inline void finish_body(path_body& body) {
    body.definite = true;
    body.reference = true;
    body.has_descent = false;
    body.merge_leaf = !body.steps.empty() && body.steps.back().kind == step_kind::names;
    if (body.merge_leaf) {
        // A merged object holds each name once.
        auto& names = body.steps.back().names;
        std::unordered_set<std::string_view> seen;
        std::vector<std::string> unique;
        for (auto& n : names)
            if (seen.insert(n).second) unique.push_back(n);
        names = std::move(unique);
    }
    for (std::size_t i = 0; i < body.steps.size(); ++i) {
        const step& s = body.steps[i];
        const bool simple = s.kind == step_kind::name || s.kind == step_kind::index;
        if (s.descend) body.has_descent = true;
        if (s.descend || !simple) body.reference = false;
        const bool merge_here = s.kind == step_kind::names && i + 1 == body.steps.size();
        if (s.descend || !(simple || merge_here)) body.definite = false;
    }
}

class parser : private cursor {
public:
    parser(std::string_view text, bool reference) : cursor(text), reference_(reference) {}

    result<parsed_path> run() {
        parsed_path out;
        if (parse_root(out)) return out;
        return make_error(errors::invalid_definition,
                          "'" + shorten(text_) + "' is not a valid " +
                              (reference_ ? "Reference Path" : "JSONPath") + ": " + error_ +
                              " at column " + std::to_string(column_of(text_, error_at_)));
    }

private:
    bool reference_;

    bool parse_root(parsed_path& out) {
        if (text_.empty() || text_[0] != '$') return fail(0, "a path must start with '$'");
        pos_ = 1;
        if (peek() == '$') {
            ++pos_;
            out.root = root_kind::context;
        } else if (!at_end() && is_identifier_start(text_[pos_])) {
            const std::size_t start = pos_;
            while (!at_end() && is_identifier_char(text_[pos_])) ++pos_;
            out.root = root_kind::variable;
            out.variable = std::string(text_.substr(start, pos_ - start));
        }
        if (!parse_steps(out.body, false, 0)) return false;
        // Jayway trims the path, and deployed AWS samples end paths with a blank.
        if (only_blanks_after(pos_)) pos_ = text_.size();
        if (!at_end()) return unexpected();
        finish_body(out.body);
        return true;
    }

    bool parse_steps(path_body& body, bool in_filter, std::size_t depth) {
        while (!at_end()) {
            const char c = text_[pos_];
            if (c == '.') {
                const bool descend = peek(1) == '.';
                if (descend && reference_)
                    return fail(pos_, "recursive descent ('..') is not allowed in a Reference Path");
                pos_ += descend ? 2 : 1;
                if (at_end()) return fail(pos_, descend ? "a path must not end with '..'" : "a path must not end with '.'");
                if (text_[pos_] == '.') return fail(pos_, "unexpected '.'");
                if (text_[pos_] == '[') {
                    if (!parse_bracket(body, descend, depth)) return false;
                } else if (!parse_dot_name(body, descend, in_filter)) {
                    return false;
                }
            } else if (c == '[') {
                if (!parse_bracket(body, false, depth)) return false;
            } else {
                break;
            }
        }
        return true;
    }

    bool reject_in_reference(char c) {
        switch (c) {
        case '*': return fail(pos_, "wildcards ('*') are not allowed in a Reference Path");
        case '@': case ',': case ':': case '?':
            return fail(pos_, std::string("'") + c + "' is not allowed in a Reference Path (write '\\" + c +
                                  "' if it is part of a name)");
        default: return true;
        }
    }

    bool parse_dot_name(path_body& body, bool descend, bool in_filter) {
        const std::size_t start = pos_;
        std::string name;
        bool escaped = false;
        while (!at_end()) {
            const char c = text_[pos_];
            if (c == '.' || c == '[') break;
            if (c == '\\') {
                if (pos_ + 1 >= text_.size()) return fail(pos_, "a path must not end with '\\'");
                name += text_[pos_ + 1];
                pos_ += 2;
                escaped = true;
                continue;
            }
            if (in_filter && ends_filter_name(c)) break;
            if (is_blank(c) && only_blanks_after(pos_)) break;
            if (is_blank(c))
                return fail(pos_, "names in dot notation cannot contain blanks; use bracket notation, e.g. ['my name']");
            if (c == '(') return fail(pos_, "functions such as 'length()' are not supported");
            if (reference_ && !reject_in_reference(c)) return false;
            name += c;
            ++pos_;
        }
        if (name.empty()) return fail(start, "expected a name after '.'");
        step s;
        s.descend = descend;
        if (name == "*" && !escaped) {
            s.kind = step_kind::wildcard;
        } else {
            s.kind = step_kind::name;
            s.name = std::move(name);
        }
        body.steps.push_back(std::move(s));
        return true;
    }

    bool expect_close() {
        skip_blanks();
        if (peek() != ']') {
            if (at_end()) return fail(pos_, "expected ']'");
            return fail(pos_, "expected ']' but found " + current_char());
        }
        ++pos_;
        return true;
    }

    bool parse_bracket(path_body& body, bool descend, std::size_t depth) {
        const std::size_t open = pos_;
        ++pos_;
        skip_blanks();
        if (at_end()) return fail(open, "unclosed '['");
        step s;
        s.descend = descend;
        const char c = text_[pos_];
        if (c == '\'' || c == '"') {
            std::vector<std::string> names;
            for (;;) {
                std::string name;
                if (!parse_quoted(name)) return false;
                names.push_back(std::move(name));
                skip_blanks();
                if (peek() != ',') break;
                if (reference_) return fail(pos_, "unions (',') are not allowed in a Reference Path");
                ++pos_;
                skip_blanks();
                if (peek() != '\'' && peek() != '"') return fail(pos_, "expected a quoted name after ','");
            }
            if (!expect_close()) return false;
            if (names.size() == 1) {
                s.kind = step_kind::name;
                s.name = std::move(names.front());
            } else {
                s.kind = step_kind::names;
                s.names = std::move(names);
            }
        } else if (c == '*') {
            if (reference_) return reject_in_reference(c);
            ++pos_;
            if (!expect_close()) return false;
            s.kind = step_kind::wildcard;
        } else if (c == '?') {
            if (reference_) return fail(pos_, "filters ('?') are not allowed in a Reference Path");
            ++pos_;
            skip_blanks();
            if (peek() != '(') return fail(pos_, "expected '(' after '?'");
            ++pos_;
            auto expr = std::make_shared<filter_expr>();
            if (!parse_or(*expr, depth + 1)) return false;
            skip_blanks();
            if (peek() != ')') return at_end() ? fail(pos_, "expected ')' to close the filter") : unexpected();
            ++pos_;
            if (!expect_close()) return false;
            s.kind = step_kind::filter;
            s.filter = std::move(expr);
        } else if (c == '(') {
            return fail(pos_, "script expressions such as '[(@.length-1)]' are not supported");
        } else if (c == '-' || c == ':' || is_digit(c)) {
            if (!parse_index_or_slice(s)) return false;
        } else {
            return unexpected();
        }
        body.steps.push_back(std::move(s));
        return true;
    }

    bool parse_index_or_slice(step& s) {
        long long first = 0;
        bool has_first = false;
        if (peek() != ':') {
            if (!parse_integer(first)) return false;
            has_first = true;
            skip_blanks();
        }
        if (peek() == ':') {
            if (reference_) return fail(pos_, "slices (':') are not allowed in a Reference Path");
            s.kind = step_kind::slice;
            s.slice.has_start = has_first;
            s.slice.start = first;
            ++pos_;
            skip_blanks();
            if (peek() == '-' || is_digit(peek())) {
                if (!parse_integer(s.slice.end)) return false;
                s.slice.has_end = true;
                skip_blanks();
            }
            if (peek() == ':') {
                ++pos_;
                skip_blanks();
                if (peek() == '-' || is_digit(peek())) {
                    const std::size_t at = pos_;
                    if (!parse_integer(s.slice.step)) return false;
                    if (s.slice.step == 0) return fail(at, "a slice step must not be 0");
                    skip_blanks();
                }
            }
            return expect_close();
        }
        if (peek() == ',') {
            if (reference_) return fail(pos_, "unions (',') are not allowed in a Reference Path");
            s.kind = step_kind::indexes;
            s.indexes.push_back(first);
            while (peek() == ',') {
                ++pos_;
                skip_blanks();
                long long next = 0;
                if (!parse_integer(next)) return false;
                s.indexes.push_back(next);
                skip_blanks();
            }
            return expect_close();
        }
        s.kind = step_kind::index;
        s.index = first;
        return expect_close();
    }

    // --- filters: or := and ('||' and)* ; and := unary ('&&' unary)* ;
    //     unary := '!' unary | '(' or ')' | operand (op operand)?
    bool parse_or(filter_expr& out, std::size_t depth) {
        filter_expr first;
        if (!parse_and(first, depth)) return false;
        skip_blanks();
        if (!looking_at("||")) {
            out = std::move(first);
            return true;
        }
        out.kind = expr_kind::any_of;
        out.children.push_back(std::move(first));
        while (looking_at("||")) {
            pos_ += 2;
            filter_expr next;
            if (!parse_and(next, depth)) return false;
            out.children.push_back(std::move(next));
            skip_blanks();
        }
        return true;
    }

    bool parse_and(filter_expr& out, std::size_t depth) {
        filter_expr first;
        if (!parse_unary(first, depth)) return false;
        skip_blanks();
        if (!looking_at("&&")) {
            out = std::move(first);
            return true;
        }
        out.kind = expr_kind::all_of;
        out.children.push_back(std::move(first));
        while (looking_at("&&")) {
            pos_ += 2;
            filter_expr next;
            if (!parse_unary(next, depth)) return false;
            out.children.push_back(std::move(next));
            skip_blanks();
        }
        return true;
    }

    bool parse_unary(filter_expr& out, std::size_t depth) {
        skip_blanks();
        if (depth > max_filter_depth) return fail(pos_, "the filter is nested too deeply");
        if (peek() == '!' && peek(1) != '=') {
            ++pos_;
            out.kind = expr_kind::negation;
            out.children.emplace_back();
            return parse_unary(out.children.back(), depth + 1);
        }
        if (peek() == '(') {
            const std::size_t open = pos_;
            ++pos_;
            if (!parse_or(out, depth + 1)) return false;
            skip_blanks();
            if (peek() != ')')
                return fail(pos_, "expected ')' to match the '(' at column " + std::to_string(column_of(text_, open)));
            ++pos_;
            return true;
        }
        return parse_comparison(out, depth);
    }

    // Returns false only on an error; `found` says whether there was an operator.
    bool parse_operator(compare_op& op, bool& found) {
        found = true;
        if (looking_at("==")) { op = compare_op::eq; pos_ += 2; return true; }
        if (looking_at("!=")) { op = compare_op::ne; pos_ += 2; return true; }
        if (looking_at("<=")) { op = compare_op::le; pos_ += 2; return true; }
        if (looking_at(">=")) { op = compare_op::ge; pos_ += 2; return true; }
        if (looking_at("=~")) return fail(pos_, "regular expressions ('=~') are not supported");
        if (looking_at("<")) { op = compare_op::lt; pos_ += 1; return true; }
        if (looking_at(">")) { op = compare_op::gt; pos_ += 1; return true; }
        if (looking_at("=")) return fail(pos_, "use '==' to compare values");
        found = false;
        if (is_identifier_start(peek())) {
            std::size_t end = pos_;
            while (end < text_.size() && is_identifier_char(text_[end])) ++end;
            return fail(pos_, "the operator '" + std::string(text_.substr(pos_, end - pos_)) +
                                  "' is not supported (only ==, !=, <, <=, >, >=, &&, || and !)");
        }
        return true;
    }

    bool parse_comparison(filter_expr& out, std::size_t depth) {
        const std::size_t start = pos_;
        operand left;
        if (!parse_operand(left, depth)) return false;
        skip_blanks();
        compare_op op = compare_op::eq;
        bool found = false;
        if (!parse_operator(op, found)) return false;
        if (!found) {
            if (left.kind == operand_kind::literal)
                return fail(start, "a condition needs a path, e.g. @.name or @.price < 10");
            out.kind = expr_kind::exists;
            out.left = std::move(left);
            return true;
        }
        operand right;
        if (!parse_operand(right, depth)) return false;
        out.kind = expr_kind::compare;
        out.op = op;
        out.left = std::move(left);
        out.right = std::move(right);
        return true;
    }

    bool parse_operand(operand& out, std::size_t depth) {
        skip_blanks();
        if (at_end()) return fail(pos_, "expected a value in the filter");
        const std::size_t start = pos_;
        const char c = text_[pos_];
        if (c == '@' || c == '$') {
            ++pos_;
            if (c == '$' && (peek() == '$' || is_identifier_start(peek())))
                return fail(start, "only '@' and '$' paths can be used inside a filter");
            out.kind = c == '@' ? operand_kind::relative : operand_kind::absolute;
            if (!parse_steps(out.path, true, depth)) return false;
            finish_body(out.path);
            return true;
        }
        out.kind = operand_kind::literal;
        if (c == '\'' || c == '"') {
            std::string s;
            if (!parse_quoted(s)) return false;
            out.literal = std::move(s);
            return true;
        }
        if (c == '-' || is_digit(c)) return parse_number(out.literal);
        if (is_identifier_start(c)) {
            std::size_t end = pos_;
            while (end < text_.size() && is_identifier_char(text_[end])) ++end;
            const std::string_view word = text_.substr(pos_, end - pos_);
            if (word == "true") out.literal = true;
            else if (word == "false") out.literal = false;
            else if (word == "null") out.literal = nullptr;
            else {
                out.kind = operand_kind::unreadable;
                out.literal = "unexpected '" + std::string(word) + "' in the filter (strings must be quoted)";
            }
            pos_ = end;
            return true;
        }
        return fail(pos_, "expected a value in the filter but found " + current_char());
    }
};

} // namespace stepfn::detail::jsonpath

#endif
