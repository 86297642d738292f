#ifndef STEPFN_DETAIL_UTF8_HPP
#define STEPFN_DETAIL_UTF8_HPP

// Just enough UTF-8 for the intrinsics: counting characters for the length limits, splitting
// on characters, and repairing decoded bytes so they can live in a JSON string.

#include <cstddef>
#include <string>
#include <string_view>

namespace stepfn {
namespace detail {
namespace intrinsics {

// The length of the well-formed UTF-8 sequence starting at `i`, or 0 when it is malformed
// (bad lead byte, truncated, overlong, surrogate or beyond U+10FFFF).
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

} // namespace intrinsics
} // namespace detail
} // namespace stepfn

#endif
