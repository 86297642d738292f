#ifndef STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_CURSOR_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSON_PATH_CURSOR_HPP

// The lexical level of the JSONPath parser: a cursor over the text that reads its tokens
// (quoted names, integers, numbers) and keeps the first error with its column. The grammar
// (steps, brackets, filters) is json_path_parser.hpp, built on this.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/detail/hex.hpp>
#include <stepfn/detail/utf8.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail::jsonpath {

inline bool is_identifier_start(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

inline bool is_identifier_char(char c) noexcept {
    return is_identifier_start(c) || (c >= '0' && c <= '9');
}

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

inline bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters that end a dot-notation name inside a filter, e.g. `@.price<10`.
inline bool ends_filter_name(char c) noexcept {
    switch (c) {
    case ')': case '<': case '>': case '=': case '!': case '&': case '|': case ']': case ',':
        return true;
    default:
        return is_blank(c);
    }
}

// 1-based column in code points, for messages.
inline std::size_t column_of(std::string_view text, std::size_t byte_offset) noexcept {
    std::size_t column = 1;
    for (std::size_t i = 0; i < byte_offset && i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
    return column;
}

// A path echoed in a message, cut short when it is very long.
inline std::string shorten(std::string_view text, std::size_t max_bytes = 200) {
    if (text.size() <= max_bytes) return std::string(text);
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return std::string(text.substr(0, cut)) + "...";
}


class cursor {
protected:
    explicit cursor(std::string_view text) : text_(text) {}

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string error_;
    std::size_t error_at_ = 0;

    bool at_end() const noexcept { return pos_ >= text_.size(); }
    char peek(std::size_t ahead = 0) const noexcept {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }
    bool looking_at(std::string_view s) const noexcept { return text_.substr(pos_, s.size()) == s; }
    void skip_blanks() noexcept {
        while (!at_end() && is_blank(text_[pos_])) ++pos_;
    }

    bool only_blanks_after(std::size_t at) const noexcept {
        for (std::size_t i = at; i < text_.size(); ++i)
            if (!is_blank(text_[i])) return false;
        return true;
    }

    bool fail(std::size_t at, std::string message) {
        if (error_.empty()) {
            error_ = std::move(message);
            error_at_ = at;
        }
        return false;
    }

    // The (possibly multi-byte) character at pos_, quoted for a message.
    std::string current_char() const {
        if (at_end()) return "end of path";
        std::size_t len = 1;
        while (pos_ + len < text_.size() && (static_cast<unsigned char>(text_[pos_ + len]) & 0xC0) == 0x80)
            ++len;
        return "'" + std::string(text_.substr(pos_, len)) + "'";
    }

    bool unexpected() {
        if (at_end()) return fail(pos_, "unexpected end of path");
        return fail(pos_, "unexpected character " + current_char());
    }

    bool parse_integer(long long& out) {
        const std::size_t start = pos_;
        bool negative = false;
        if (peek() == '-') {
            negative = true;
            ++pos_;
        }
        if (!is_digit(peek())) return at_end() ? fail(pos_, "expected a digit") : fail(pos_, "expected a digit but found " + current_char());
        long long value = 0;
        while (is_digit(peek())) {
            value = value * 10 + (text_[pos_] - '0');
            if (value > 1000000000000000LL) return fail(start, "the index is too large");
            ++pos_;
        }
        out = negative ? -value : value;
        return true;
    }

    bool read_hex4(std::uint32_t& out) {
        if (pos_ + 4 > text_.size()) return false;
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            const int h = hex_digit_value(text_[pos_ + i]);
            if (h < 0) return false;
            v = v * 16 + static_cast<std::uint32_t>(h);
        }
        pos_ += 4;
        out = v;
        return true;
    }

    // 'text' or "text", with backslash escapes (\n \t \uXXXX ...; any other escaped character
    // stands for itself).
    bool parse_quoted(std::string& out) {
        const char quote = text_[pos_];
        const std::size_t start = pos_;
        ++pos_;
        while (!at_end()) {
            const char c = text_[pos_];
            if (c == quote) {
                ++pos_;
                return true;
            }
            if (c != '\\') {
                out += c;
                ++pos_;
                continue;
            }
            if (pos_ + 1 >= text_.size()) break;
            const std::size_t escape_at = pos_;
            const char e = text_[pos_ + 1];
            pos_ += 2;
            switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!read_hex4(cp)) return fail(escape_at, "invalid \\u escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t low = 0;
                    if (!looking_at("\\u")) return fail(escape_at, "invalid \\u escape (lone surrogate)");
                    pos_ += 2;
                    if (!read_hex4(low) || low < 0xDC00 || low > 0xDFFF)
                        return fail(escape_at, "invalid \\u escape (lone surrogate)");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail(escape_at, "invalid \\u escape (lone surrogate)");
                }
                append_utf8(out, cp);
                break;
            }
            case '"':
                // AWS keeps a backslash before a double quote inside single quotes as it is:
                // $['Test\\""Name"'] names the key Test\""Name".
                if (quote == '\'') out += '\\';
                out += e;
                break;
            default: out += e; break;
            }
        }
        return fail(start, "unterminated quoted string");
    }

    bool parse_number(json& out) {
        const std::size_t start = pos_;
        if (peek() == '-') ++pos_;
        if (!is_digit(peek())) return fail(pos_, "expected a digit");
        while (is_digit(peek())) ++pos_;
        if (peek() == '.') {
            ++pos_;
            if (!is_digit(peek())) return fail(pos_, "expected a digit after '.'");
            while (is_digit(peek())) ++pos_;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++pos_;
            if (peek() == '+' || peek() == '-') ++pos_;
            if (!is_digit(peek())) return fail(pos_, "expected a digit in the exponent");
            while (is_digit(peek())) ++pos_;
        }
        // JSON forbids leading zeros; the filter language does not care.
        std::string_view digits = text_.substr(start, pos_ - start);
        std::string normal;
        const bool negative = !digits.empty() && digits.front() == '-';
        std::size_t i = negative ? 1 : 0;
        while (i + 1 < digits.size() && digits[i] == '0' && is_digit(digits[i + 1])) ++i;
        normal = (negative ? "-" : "") + std::string(digits.substr(i));
        out = json::parse(normal, nullptr, false);
        if (out.is_discarded() || !out.is_number()) return fail(start, "the number is out of range");
        return true;
    }
};

} // namespace stepfn::detail::jsonpath

#endif
