#ifndef STEPFN_DETAIL_UUID_TEXT_HPP
#define STEPFN_DETAIL_UUID_TEXT_HPP

// A UUID's text (8-4-4-4-12 lower-case hex digits) from its 128 bits, the most significant byte
// first: the engine's execution names and ids, States.UUID and JSONata's $uuid() all write
// theirs here. Names are made once per execution, so the text is written into one buffer at
// its final size, each byte's two digits copied from a table.

#include <cstdint>
#include <cstring>
#include <string>

#include <stepfn/detail/hex.hpp>

namespace stepfn::detail {

// Each byte's two lower-case hex digits.
struct hex_pairs {
    char text[512];
    constexpr hex_pairs() : text{} {
        for (int i = 0; i < 256; ++i) {
            text[2 * i] = lower_hex_digits[i >> 4];
            text[2 * i + 1] = lower_hex_digits[i & 0xF];
        }
    }
};
inline constexpr hex_pairs hex_pair_table{};

inline std::string uuid_text(std::uint64_t hi, std::uint64_t lo) {
    // Where each byte's two digits go: the dashes stand after the 8th, 12th, 16th and 20th.
    static constexpr unsigned char at[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    char out[36];
    for (int i = 0; i < 8; ++i) {
        const int shift = 56 - 8 * i;
        std::memcpy(out + at[i], hex_pair_table.text + 2 * ((hi >> shift) & 0xFFu), 2);
        std::memcpy(out + at[i + 8], hex_pair_table.text + 2 * ((lo >> shift) & 0xFFu), 2);
    }
    out[8] = out[13] = out[18] = out[23] = '-';
    return std::string(out, sizeof out);
}

// A version-4 (random) UUID's text from 128 random bits: the version and RFC 4122's variant
// written over six of them.
inline std::string uuid_v4_text(std::uint64_t hi, std::uint64_t lo) {
    hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10xx
    return uuid_text(hi, lo);
}

} // namespace stepfn::detail

#endif
