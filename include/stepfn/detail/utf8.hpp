#ifndef STEPFN_DETAIL_UTF8_HPP
#define STEPFN_DETAIL_UTF8_HPP

// The one home of stepfn's UTF-8 handling: well-formed sequences, counting characters (the
// intrinsics' length limits, ASL's name lengths), cutting on a character boundary (history
// lines, graph labels), repairing decoded bytes and making text safe for a message.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace stepfn::detail {

// The length of the well-formed UTF-8 sequence starting at `i`, or 0 when it is malformed
// (bad lead byte, truncated, overlong, surrogate or beyond U+10FFFF).
// Appends code point `cp` (at most U+10FFFF) encoded as UTF-8.
inline void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const auto cont = [&](std::size_t k) { return k < s.size() && (at(k) & 0xC0U) == 0x80U; };
    const unsigned char b = at(i);
    if (b < 0x80U) return 1;
    if (b >= 0xC2U && b <= 0xDFU) return cont(i + 1) ? 2 : 0;
    if (b >= 0xE0U && b <= 0xEFU) {
        if (!cont(i + 1) || !cont(i + 2)) return 0;
        if (b == 0xE0U && at(i + 1) < 0xA0U) return 0;  // overlong
        if (b == 0xEDU && at(i + 1) > 0x9FU) return 0;  // surrogate
        return 3;
    }
    if (b >= 0xF0U && b <= 0xF4U) {
        if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
        if (b == 0xF0U && at(i + 1) < 0x90U) return 0;  // overlong
        if (b == 0xF4U && at(i + 1) > 0x8FU) return 0;  // beyond U+10FFFF
        return 4;
    }
    return 0;
}

// Characters (code points) in `s`; a malformed byte counts as one character.
inline std::size_t utf8_length(std::string_view s) noexcept {
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.size(); ++count) {
        const std::size_t n = utf8_sequence_length(s, i);
        i += n == 0 ? 1 : n;
    }
    return count;
}

// Replaces each malformed byte with U+FFFD, as Java's `new String(bytes, UTF_8)` does, so the
// result is always a valid JSON string.
inline std::string utf8_repair(std::string s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) break;
        i += n;
    }
    if (i == s.size()) return s;  // the common case: nothing to repair, no copy
    std::string out(s, 0, i);
    while (i < s.size()) {
        const std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s, i, n);
            i += n;
        }
    }
    return out;
}

// Code points in well-formed UTF-8: the bytes that are not continuation bytes.
inline std::size_t code_point_count(std::string_view text) noexcept {
    std::size_t n = 0;
    for (char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
    return n;
}

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a
// character.
inline std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
    return text.substr(0, end);
}

// Text for a message: control characters and bytes that are not well-formed UTF-8 (from a
// value built in code, or a parser's "last read" excerpt cut mid-character) become '?', so a
// consumer that dumps the message as JSON cannot trip over it.
inline std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t n = utf8_sequence_length(text, i);
        if (n == 1) {
            out += (c < 0x20U || c == 0x7FU) ? '?' : static_cast<char>(c);
            ++i;
        } else if (n == 0) {
            out += '?';
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

} // namespace stepfn::detail

#endif
