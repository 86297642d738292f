#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_LEXER_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_LEXER_HPP

// Tokens of a JSONata expression, as the reference's tokenizer cuts them: operators (longest
// first), string and number literals, names (plain or `quoted`), $variables, /regex/flags
// where an operand is expected, and comments skipped.

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>

#include <stepfn/detail/hex.hpp>
#include <stepfn/detail/utf8.hpp>
#include <stepfn/error.hpp>
#include <stepfn/expressions/detail/jsonata/number.hpp>
#include <stepfn/expressions/detail/jsonata/value.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

enum class token_kind { end, op, string, number, name, variable, regex, literal };

struct token {
    token_kind kind = token_kind::end;
    std::string text;  // operator, name, variable name, string value, regex pattern
    std::string flags; // regex flags
    json lit;          // number or true/false/null
    std::size_t position = 0;
};

inline tl::unexpected<error> syntax_error(std::string_view code, const std::string& message, std::size_t position) {
    return fail(code, message + " (position " + std::to_string(position) + ")");
}

class lexer {
public:
    explicit lexer(std::string_view text) : s_(text) {}

    static bool is_op_char(char c) {
        return std::string_view(".[]{}(),@#;:?+-*/%|=<>^&!~").find(c) != std::string_view::npos;
    }

    // The next token; `operand` says an operand is expected, where `/` starts a regex.
    result<token> next(bool operand) {
        for (;;) {
            while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
            if (s_.compare(pos_, 2, "/*") == 0) {
                const auto end = s_.find("*/", pos_ + 2);
                if (end == std::string_view::npos) return syntax_error("S0106", "Comment has no closing tag", pos_);
                pos_ = end + 2;
                continue;
            }
            break;
        }
        token t;
        t.position = pos_;
        if (pos_ >= s_.size()) return t;
        const char c = s_[pos_];
        if (operand && c == '/') {
            ++pos_;
            return scan_regex(t);
        }
        static constexpr std::string_view two[] = {"..", ":=", "!=", ">=", "<=", "**", "~>"};
        for (const auto op : two) {
            if (s_.compare(pos_, 2, op) == 0) {
                t.kind = token_kind::op;
                t.text = std::string(op);
                pos_ += 2;
                t.position = pos_;
                return t;
            }
        }
        if (c == '!' || c == '~') return syntax_error("S0204", "Unknown operator: " + quote(std::string(1, c)), pos_ + 1);
        if (is_op_char(c)) {
            t.kind = token_kind::op;
            t.text = std::string(1, c);
            ++pos_;
            t.position = pos_;
            return t;
        }
        if (c == '"' || c == '\'') return scan_string(t, c);
        if (c >= '0' && c <= '9') return scan_number(t);
        if (c == '`') {
            const auto end = s_.find('`', pos_ + 1);
            if (end == std::string_view::npos) return syntax_error("S0105", "Quoted property name must be terminated with a backquote (`)", pos_);
            t.kind = token_kind::name;
            t.text = std::string(s_.substr(pos_ + 1, end - pos_ - 1));
            pos_ = end + 1;
            t.position = pos_;
            return t;
        }
        std::size_t i = pos_;
        while (i < s_.size() && !is_space(s_[i]) && !is_op_char(s_[i])) ++i;
        if (c == '$') {
            t.kind = token_kind::variable;
            t.text = std::string(s_.substr(pos_ + 1, i - pos_ - 1));
        } else {
            t.text = std::string(s_.substr(pos_, i - pos_));
            if (t.text == "and" || t.text == "or" || t.text == "in") {
                t.kind = token_kind::op;
            } else if (t.text == "true" || t.text == "false") {
                t.kind = token_kind::literal;
                t.lit = t.text == "true";
            } else if (t.text == "null") {
                t.kind = token_kind::literal;
                t.lit = nullptr;
            } else {
                t.kind = token_kind::name;
            }
        }
        pos_ = i;
        t.position = pos_;
        return t;
    }

    // The raw text of a lambda signature `<...>` starting at the next non-space character.
    bool signature(std::string& out) {
        while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
        if (pos_ >= s_.size() || s_[pos_] != '<') return false;
        int depth = 0;
        std::size_t i = pos_;
        for (; i < s_.size(); ++i) {
            if (s_[i] == '<') ++depth;
            if (s_[i] == '>' && --depth == 0) break;
            if (s_[i] == '{') return false;
        }
        if (i >= s_.size()) return false;
        out.clear();
        for (std::size_t k = pos_; k <= i; ++k)
            if (!is_space(s_[k])) out += s_[k];
        pos_ = i + 1;
        return true;
    }

    std::size_t position() const noexcept { return pos_; }

private:
    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'; }

    result<token> scan_regex(token& t) {
        const std::size_t start = pos_;
        int depth = 0;
        while (pos_ < s_.size()) {
            const char c = s_[pos_];
            if (c == '/' && depth == 0) {
                std::size_t backslashes = 0;
                while (pos_ - backslashes > start && s_[pos_ - backslashes - 1] == '\\') ++backslashes;
                if (backslashes % 2 == 0) {
                    t.text = std::string(s_.substr(start, pos_ - start));
                    if (t.text.empty()) return syntax_error("S0301", "Empty regular expressions are not allowed", pos_);
                    ++pos_;
                    const std::size_t fstart = pos_;
                    while (pos_ < s_.size() && (s_[pos_] == 'i' || s_[pos_] == 'm')) ++pos_;
                    t.flags = std::string(s_.substr(fstart, pos_ - fstart));
                    t.kind = token_kind::regex;
                    t.position = pos_;
                    return t;
                }
            }
            const bool escaped = pos_ > start && s_[pos_ - 1] == '\\';
            if ((c == '(' || c == '[' || c == '{') && !escaped) ++depth;
            if ((c == ')' || c == ']' || c == '}') && !escaped) --depth;
            ++pos_;
        }
        return syntax_error("S0302", "No terminating / in regular expression", pos_);
    }


    bool hex4(std::size_t at, unsigned& out) const {
        if (at + 4 > s_.size()) return false;
        out = 0;
        for (std::size_t k = at; k < at + 4; ++k) {
            const int d = hex_digit_value(s_[k]);
            if (d < 0) return false;
            out = out * 16 + static_cast<unsigned>(d);
        }
        return true;
    }

    result<token> scan_string(token& t, char quote_char) {
        std::string out;
        ++pos_;
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (c == '\\') {
                ++pos_;
                if (pos_ >= s_.size()) break;
                c = s_[pos_];
                switch (c) {
                case '"': case '\\': case '/': out += c; break;
                case '\'': out += c; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned cp = 0;
                    if (!hex4(pos_ + 1, cp))
                        return syntax_error("S0104", "The escape sequence \\u must be followed by 4 hex digits", pos_);
                    pos_ += 4;
                    if (cp >= 0xD800 && cp < 0xDC00 && s_.compare(pos_ + 1, 2, "\\u") == 0) {
                        unsigned lo = 0;
                        if (hex4(pos_ + 3, lo) && lo >= 0xDC00 && lo < 0xE000) {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                            pos_ += 6;
                        }
                    }
                    if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // a lone surrogate has no UTF-8 form
                    append_utf8(out, cp);
                    break;
                }
                default:
                    return syntax_error("S0103", "Unsupported escape sequence: \\" + quote(std::string(1, c)), pos_);
                }
            } else if (c == quote_char) {
                ++pos_;
                t.kind = token_kind::string;
                t.text = std::move(out);
                t.position = pos_;
                return t;
            } else {
                out += c;
            }
            ++pos_;
        }
        return syntax_error("S0101", "String literal must be terminated by a matching quote", pos_);
    }

    result<token> scan_number(token& t) {
        std::size_t i = pos_;
        const auto digits = [&] { while (i < s_.size() && s_[i] >= '0' && s_[i] <= '9') ++i; };
        if (s_[i] == '0') ++i; else digits();
        if (i + 1 < s_.size() && s_[i] == '.' && s_[i + 1] >= '0' && s_[i + 1] <= '9') { ++i; digits(); }
        if (i < s_.size() && (s_[i] == 'e' || s_[i] == 'E')) {
            std::size_t k = i + 1;
            if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
            if (k < s_.size() && s_[k] >= '0' && s_[k] <= '9') { i = k; digits(); }
        }
        const std::string text(s_.substr(pos_, i - pos_));
        const double d = std::strtod(text.c_str(), nullptr);
        if (!std::isfinite(d)) return syntax_error("S0102", "Number out of range: " + text, pos_);
        t.kind = token_kind::number;
        t.lit = make_number(d);
        t.text = text;
        pos_ = i;
        t.position = pos_;
        return t;
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
