#ifndef STEPFN_DETAIL_HEX_HPP
#define STEPFN_DETAIL_HEX_HPP

// Hex text, written and read in one place: digests and signatures, trace and span ids, page
// tokens, activity tokens, `\u00XX` escapes, RFC 3986 percent-encoding and decoding, and the
// hex digits of JSONPath, JSONata and YAML escapes and numbers. The checks are plain ASCII
// comparisons: <cctype> follows the host's locale, and in a single-byte locale bytes above 0x7F
// count as letters.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace stepfn::detail {

inline constexpr char lower_hex_digits[] = "0123456789abcdef";
inline constexpr char upper_hex_digits[] = "0123456789ABCDEF";

// A byte's two lower-case digits, the high nibble first.
inline void append_hex_byte(std::string& out, unsigned char byte) {
    out += lower_hex_digits[byte >> 4];
    out += lower_hex_digits[byte & 0xFU];
}

// The low `digits` hex digits of `value`, most significant first, lower case, zeros kept.
inline void append_hex_digits(std::string& out, std::uint64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i) out += lower_hex_digits[(value >> (4 * i)) & 0xFU];
}

// "%XX" with upper-case digits: a byte percent-encoded (RFC 3986 asks for upper case).
inline void append_percent_byte(std::string& out, unsigned char byte) {
    out += '%';
    out += upper_hex_digits[byte >> 4];
    out += upper_hex_digits[byte & 0xFU];
}

// A hex digit's value, either case; -1 for any other character.
constexpr int hex_digit_value(char c) noexcept {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

// Each byte of `bytes` as two lower-case digits (a digest's usual text).
inline std::string hex_of_bytes(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char byte : bytes) append_hex_byte(out, static_cast<unsigned char>(byte));
    return out;
}

// Lower-case digits only (what append_hex_digits writes), at most 16 of them; false for
// anything else. Empty text reads as zero: callers check the length their format fixes.
inline bool read_hex(std::string_view text, std::uint64_t& out) noexcept {
    out = 0;
    if (text.size() > 16) return false;
    for (const char c : text) {
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return false;
        out = (out << 4) | static_cast<std::uint64_t>(d);
    }
    return true;
}

// RFC 3986 percent-encoding: every byte but the unreserved ones (ALPHA, DIGIT, "-._~"), and '/'
// when `keep_slash` (a path), becomes "%XX" with upper-case digits, as AWS's SigV4 and
// application/x-www-form-urlencoded bodies want.
inline std::string percent_encode(std::string_view text, bool keep_slash = false) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                                c == '_' || c == '.' || c == '~';
        if (unreserved || (keep_slash && c == '/')) out += ch;
        else append_percent_byte(out, c);
    }
    return out;
}

} // namespace stepfn::detail

#endif
