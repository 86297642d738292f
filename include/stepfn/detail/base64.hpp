#ifndef STEPFN_DETAIL_BASE64_HPP
#define STEPFN_DETAIL_BASE64_HPP

// Base64 (RFC 4648 standard alphabet, with padding) for States.Base64Encode/Base64Decode.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace stepfn {
namespace detail {

inline std::string base64_encode(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                                (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                                std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
        out += alphabet[(n >> 18) & 63U];
        out += alphabet[(n >> 12) & 63U];
        out += alphabet[(n >> 6) & 63U];
        out += alphabet[n & 63U];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
        if (rest == 2) n |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
        out += alphabet[(n >> 18) & 63U];
        out += alphabet[(n >> 12) & 63U];
        out += rest == 2 ? alphabet[(n >> 6) & 63U] : '=';
        out += '=';
    }
    return out;
}

// Decodes `text` into `out`. Line breaks (CR, LF) are skipped, as a MIME decoder does; the
// padding may be omitted. Returns false on any other character outside the alphabet, on
// misplaced padding, or on a length that no encoding produces.
inline bool base64_decode(std::string_view text, std::string& out) {
    out.clear();
    out.reserve(text.size() / 4 * 3 + 3);
    std::uint32_t acc = 0;
    std::size_t sextets = 0;  // data characters seen
    std::size_t padding = 0;
    for (const char c : text) {
        if (c == '\r' || c == '\n') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0) return false;  // data after padding
        std::uint32_t v = 0;
        if (c >= 'A' && c <= 'Z') v = static_cast<std::uint32_t>(c - 'A');
        else if (c >= 'a' && c <= 'z') v = static_cast<std::uint32_t>(c - 'a' + 26);
        else if (c >= '0' && c <= '9') v = static_cast<std::uint32_t>(c - '0' + 52);
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else return false;
        acc = (acc << 6) | v;
        if (++sextets % 4 == 0) {
            out += static_cast<char>((acc >> 16) & 0xFFU);
            out += static_cast<char>((acc >> 8) & 0xFFU);
            out += static_cast<char>(acc & 0xFFU);
            acc = 0;
        }
    }
    const std::size_t tail = sextets % 4;
    if (tail == 1) return false;
    if (padding > 0 && (padding > 2 || (tail + padding) % 4 != 0)) return false;
    if (tail == 2) {
        out += static_cast<char>((acc >> 4) & 0xFFU);
    } else if (tail == 3) {
        out += static_cast<char>((acc >> 10) & 0xFFU);
        out += static_cast<char>((acc >> 2) & 0xFFU);
    }
    return true;
}

} // namespace detail
} // namespace stepfn

#endif
