// Hex text written and read in one place (detail/hex.hpp): page tokens, trace ids, digests,
// percent-encoding for SigV4 and URL_ENCODED bodies all rest on these.

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include <stepfn/detail/hex.hpp>

namespace {

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}

} // namespace

TEST_CASE("hex digits are written fixed-width, most significant first, lower case", "[hex]") {
    std::string out;
    stepfn::detail::append_hex_digits(out, 0x0123456789abcdefULL, 16);
    CHECK(out == "0123456789abcdef");
    out.clear();
    stepfn::detail::append_hex_digits(out, 0x1, 2);
    stepfn::detail::append_hex_digits(out, 0xff, 2);
    stepfn::detail::append_hex_digits(out, 0xabc, 2);  // only the low digits asked for
    CHECK(out == "01ffbc");
    CHECK(stepfn::detail::hex_of_bytes(std::string("\x00\x7f\x80\xff", 4)) == "007f80ff");
    CHECK(stepfn::detail::hex_of_bytes("").empty());
}

TEST_CASE("hex text reads back what was written and nothing else", "[hex]") {
    for (const std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0xdeadbeef}, ~std::uint64_t{0}}) {
        std::string text;
        stepfn::detail::append_hex_digits(text, v, 16);
        std::uint64_t back = 1;
        REQUIRE(stepfn::detail::read_hex(text, back));
        CHECK(back == v);
    }
    std::uint64_t v = 0;
    CHECK_FALSE(stepfn::detail::read_hex("ABCDEF", v));          // written lower case only
    CHECK_FALSE(stepfn::detail::read_hex("12g4", v));
    CHECK_FALSE(stepfn::detail::read_hex("0x12", v));
    CHECK_FALSE(stepfn::detail::read_hex(" 12", v));
    CHECK_FALSE(stepfn::detail::read_hex("00000000000000001", v));  // 17 digits would overflow
    CHECK(stepfn::detail::read_hex("", v));
    CHECK(v == 0);
}

TEST_CASE("percent-encoding keeps only RFC 3986's unreserved bytes, and '/' when asked", "[hex]") {
    for (int b = 0; b < 256; ++b) {
        const auto c = static_cast<unsigned char>(b);
        const std::string one(1, static_cast<char>(c));
        const std::string encoded = stepfn::detail::percent_encode(one);
        if (unreserved(c)) {
            CHECK(encoded == one);
        } else {
            // Upper-case digits, as SigV4's canonical request requires; bytes above 0x7F are
            // encoded whatever the host's locale says about them.
            static constexpr char upper[] = "0123456789ABCDEF";
            CHECK(encoded == std::string{'%', upper[c >> 4], upper[c & 0xF]});
        }
    }
    CHECK(stepfn::detail::percent_encode("a b/c=d&é") == "a%20b%2Fc%3Dd%26%C3%A9");
    CHECK(stepfn::detail::percent_encode("/path/to x", true) == "/path/to%20x");
}

TEST_CASE("a hex digit's value in either case, and -1 for anything else", "[hex]") {
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        int expected = -1;
        if (b >= '0' && b <= '9') expected = b - '0';
        else if (b >= 'a' && b <= 'f') expected = b - 'a' + 10;
        else if (b >= 'A' && b <= 'F') expected = b - 'A' + 10;
        CHECK(stepfn::detail::hex_digit_value(c) == expected);
    }
    std::string out;
    stepfn::detail::append_percent_byte(out, 0x0a);
    stepfn::detail::append_percent_byte(out, 0xff);
    CHECK(out == "%0A%FF");
}
