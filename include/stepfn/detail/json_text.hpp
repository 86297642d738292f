#ifndef STEPFN_DETAIL_JSON_TEXT_HPP
#define STEPFN_DETAIL_JSON_TEXT_HPP

// A payload as history shows it: the bytes of value.dump(-1, ' ', false, replace), written
// straight into one string. nlohmann's serializer writes a character at a time through a
// virtual output adapter and allocates an adapter and a 512-byte indent buffer per call; for
// the small payloads most events carry that overhead is most of the cost of an event.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <stepfn/detail/hex.hpp>
#include <stepfn/detail/json_size.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail {

// Appends to a string sized ahead (from the caller's size, else a guess) through a cursor:
// std::string::push_back is an out-of-line call per character.
class json_text_writer {
public:
    json_text_writer(std::string& out, std::size_t expected) : out_(out), start_(out.size()) {
        out_.resize(start_ + (expected < 16 ? 16 : expected));
        at_ = out_.data() + start_;
        end_ = out_.data() + out_.size();
    }
    // Writes from `at` into a buffer whose size is its room (a sink's storage, zero-filled as it
    // grows, not for each text); end() says where the text ends and the size stays as it is.
    struct in_place_t {};
    json_text_writer(std::string& out, std::size_t at, in_place_t) : out_(out), start_(at), in_place_(true) {
        at_ = out_.data() + at;
        end_ = out_.data() + out_.size();
    }
    // Shrinks the string to what was written.
    void finish() { out_.resize(end()); }
    std::size_t end() const noexcept { return static_cast<std::size_t>(at_ - out_.data()); }

    void put(char c) {
        if (at_ == end_) grow(1);
        *at_++ = c;
    }
    void put(const char* text, std::size_t n) {
        if (static_cast<std::size_t>(end_ - at_) < n) grow(n);
        copy(at_, text, n);
        at_ += n;
    }

    // nlohmann's exact text for what this writer does not spell itself (non-ASCII strings, so
    // that invalid UTF-8 is replaced exactly as dump() does; binary values; deep subtrees).
    void dumped(const json& value) {
        const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
        put(text.data(), text.size());
    }

    // A member's key with the comma before it (`first`: none) and the colon after it: a plain key
    // (most of them) with one room check.
    void key(const std::string& s, bool first) {
        if (s.size() <= 16 && plain_short(s.data(), s.size())) {
            if (static_cast<std::size_t>(end_ - at_) < s.size() + 4) grow(s.size() + 4);
            if (!first) *at_++ = ',';
            *at_++ = '"';
            copy(at_, s.data(), s.size());
            at_ += s.size();
            *at_++ = '"';
            *at_++ = ':';
            return;
        }
        if (!first) put(',');
        string(s);
        put(':');
    }

    void string(const std::string& s) {
        const char* const data = s.data();
        const std::size_t size = s.size();
        unsigned char high = 0;
        unsigned char special = 0;
        if (size > 16 || !plain_short(data, size)) {
            // One pass without branches (the compiler vectorises it): any byte above ASCII, any
            // byte to escape.
            for (std::size_t i = 0; i < size; ++i) {
                const auto c = static_cast<unsigned char>(data[i]);
                high = static_cast<unsigned char>(high | c);
                special = static_cast<unsigned char>(special | (c < 0x20) | (c == '"') | (c == '\\'));
            }
        }
        if (high & 0x80) return dumped(json(s));
        if (special == 0) {
            // Most keys and strings: room checked once for the quotes and the bytes.
            if (static_cast<std::size_t>(end_ - at_) < size + 2) grow(size + 2);
            *at_++ = '"';
            copy(at_, data, size);
            at_ += size;
            *at_++ = '"';
            return;
        }
        put('"');
        std::size_t run = 0;  // start of the bytes copied as they are
        for (std::size_t i = 0; i < size; ++i) {
            const auto c = static_cast<unsigned char>(data[i]);
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            put(data + run, i - run);
            run = i + 1;
            escape(c);
        }
        put(data + run, size - run);
        put('"');
    }

    template <class Unsigned>
    void digits(Unsigned n) {
        std::array<char, 24> buffer;
        std::size_t at = buffer.size();
        do {
            buffer[--at] = static_cast<char>('0' + static_cast<int>(n % 10));
            n = static_cast<Unsigned>(n / 10);
        } while (n != 0);
        put(buffer.data() + at, buffer.size() - at);
    }

    void integer(std::int64_t n) {
        if (n >= 0) return digits(static_cast<std::uint64_t>(n));
        put('-');
        // Negated in unsigned arithmetic: INT64_MIN has no positive counterpart.
        digits(std::uint64_t{0} - static_cast<std::uint64_t>(n));
    }

    void value(const json& v, int depth) {
        // Deep subtrees go to dump() (recursive too): this writer adds no stack beyond it.
        if (depth > 64) return dumped(v);
        // Values read through get_ptr: get<>() and get_ref<>() are out-of-line calls per value.
        switch (v.type()) {
        case json::value_t::object: {
            put('{');
            bool first = true;
            for (const auto& member : *v.get_ptr<const json::object_t*>()) {
                key(member.first, first);
                first = false;
                item(member.second, depth + 1);
            }
            put('}');
            return;
        }
        case json::value_t::array: {
            put('[');
            bool first = true;
            for (const auto& element : *v.get_ptr<const json::array_t*>()) {
                if (!first) put(',');
                first = false;
                item(element, depth + 1);
            }
            put(']');
            return;
        }
        case json::value_t::string: return string(*v.get_ptr<const json::string_t*>());
        case json::value_t::boolean:
            if (*v.get_ptr<const json::boolean_t*>()) put("true", 4);
            else put("false", 5);
            return;
        case json::value_t::null: put("null", 4); return;
        case json::value_t::number_unsigned: return digits(*v.get_ptr<const json::number_unsigned_t*>());
        case json::value_t::number_integer: return integer(*v.get_ptr<const json::number_integer_t*>());
        case json::value_t::number_float: {
            const double d = *v.get_ptr<const json::number_float_t*>();
            if (!std::isfinite(d)) return put("null", 4);
            std::array<char, 64> buffer{};
            const char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), d);
            return put(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
        }
        case json::value_t::binary:
        case json::value_t::discarded: return dumped(v);
        }
    }

private:
    // A member's value or an array's item: strings and non-negative integers, most of what a
    // payload holds, written here without a recursive call, its depth check and its dispatch
    // (the same bytes at any depth).
    void item(const json& v, int depth) {
        if (v.is_string()) return string(*v.get_ptr<const json::string_t*>());
        if (v.is_number_unsigned()) return digits(*v.get_ptr<const json::number_unsigned_t*>());
        value(v, depth);
    }

    // Whether a string of at most 16 bytes is written as it is (no byte above ASCII, none to
    // escape), read as two words that may overlap: keys and short values, where the byte loop
    // above costs more than the copy. Each test is exact for "any byte": a byte that matches
    // is the lowest one to borrow, and none borrows when none matches.
    static bool plain_short(const char* data, std::size_t n) noexcept {
        constexpr std::uint64_t ones = 0x0101010101010101u;
        constexpr std::uint64_t highs = 0x8080808080808080u;
        std::uint64_t a = 0x6161616161616161u;  // 'a' where a short string has no byte
        std::uint64_t b = a;
        if (n >= 8) {
            std::memcpy(&a, data, 8);
            std::memcpy(&b, data + n - 8, 8);
        } else if (n >= 4) {
            std::uint32_t low = 0, top = 0;
            std::memcpy(&low, data, 4);
            std::memcpy(&top, data + n - 4, 4);
            a = low | (std::uint64_t{top} << 32);
        } else if (n != 0) {
            a = (a & ~std::uint64_t{0xFFFFFF}) | static_cast<unsigned char>(data[0]) |
                (std::uint64_t{static_cast<unsigned char>(data[n / 2])} << 8) |
                (std::uint64_t{static_cast<unsigned char>(data[n - 1])} << 16);
        }
        const auto bad = [&](std::uint64_t w) {
            const auto zero_byte = [&](std::uint64_t v) { return (v - ones) & ~v & highs; };
            return (w & highs) | ((w - ones * 0x20) & ~w & highs) | zero_byte(w ^ (ones * 0x22u)) | zero_byte(w ^ (ones * 0x5Cu));  // '"', '\\'
        };
        return (bad(a) | bad(b)) == 0;
    }

    // Keys, short strings and numbers, most of what a payload holds, copied by two moves that
    // may overlap instead of a call to memcpy each.
    static void copy(char* to, const char* from, std::size_t n) noexcept {
        if (n > 16) {
            std::memcpy(to, from, n);
        } else if (n >= 8) {
            std::memcpy(to, from, 8);
            std::memcpy(to + n - 8, from + n - 8, 8);
        } else if (n >= 4) {
            std::memcpy(to, from, 4);
            std::memcpy(to + n - 4, from + n - 4, 4);
        } else if (n != 0) {
            to[0] = from[0];
            to[n / 2] = from[n / 2];
            to[n - 1] = from[n - 1];
        }
    }

    void escape(unsigned char c) {
        switch (c) {
        case '"': return put("\\\"", 2);
        case '\\': return put("\\\\", 2);
        case '\b': return put("\\b", 2);
        case '\f': return put("\\f", 2);
        case '\n': return put("\\n", 2);
        case '\r': return put("\\r", 2);
        case '\t': return put("\\t", 2);
        default: {
            const char escaped[] = {'\\', 'u', '0', '0', lower_hex_digits[c >> 4], lower_hex_digits[c & 0xF]};
            return put(escaped, sizeof escaped);
        }
        }
    }
    // Doubles what this text has, not the string it is appended to (a sink's whole buffer).
    // A buffer written in place doubles as a whole: its size is room, not text.
    void grow(std::size_t n) {
        const auto used = static_cast<std::size_t>(at_ - out_.data());
        const std::size_t size = used + (std::max)(n, (std::max)(used - start_, std::size_t{16}));
        out_.resize(in_place_ ? (std::max)(size, out_.size() * 2) : size);
        at_ = out_.data() + used;
        end_ = out_.data() + out_.size();
    }

    std::string& out_;
    std::size_t start_;  // where this text begins in out_
    bool in_place_ = false;
    char* at_ = nullptr;
    char* end_ = nullptr;
};

// Appends the text to `out` (a history sink's own storage). `size_hint`: the text's length
// when the caller knows it (frame::input_size), so the string grows once.
inline void append_json_text(std::string& out, const json& value, std::size_t size_hint = unknown_size) {
    json_text_writer writer(out, size_hint != unknown_size ? size_hint : value.is_structured() ? 128 : 16);
    writer.value(value, 0);
    writer.finish();
}

// Writes the text at `at` in `buffer`, a string whose size is room (the writer's in_place_t),
// and returns where it ends. A caller that knows the length makes the room first.
inline std::size_t write_json_text(std::string& buffer, std::size_t at, const json& value) {
    json_text_writer writer(buffer, at, json_text_writer::in_place_t{});
    writer.value(value, 0);
    return writer.end();
}

inline std::string json_text(const json& value, std::size_t size_hint = unknown_size) {
    std::string out;
    append_json_text(out, value, size_hint);
    return out;
}

} // namespace stepfn::detail

#endif
