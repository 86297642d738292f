// The intrinsic functions one by one, from States.ArrayRange to States.UUID.

#include "catch.hpp"
#include "intrinsic_support.hpp"

#include <stepfn/detail/uuid_text.hpp>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace intrinsic_functions_test {

using namespace intrinsic_support;

TEST_CASE("States.ArrayRange", "[intrinsic]") {
    CHECK(eval("States.ArrayRange(1, 9, 2)") == j("[1,3,5,7,9]"));
    CHECK(eval("States.ArrayRange(0, 10, 3)") == j("[0,3,6,9]"));
    CHECK(eval("States.ArrayRange(1, 9, 9)") == j("[1]"));
    CHECK(eval("States.ArrayRange(5, 5, 1)") == j("[5]"));
    CHECK(eval("States.ArrayRange(10, 0, -5)") == j("[10,5,0]"));
    CHECK(eval("States.ArrayRange(-1, -6, -2)") == j("[-1,-3,-5]"));
    CHECK(eval("States.ArrayRange(5, 1, 1)") == json::array());
    CHECK(eval("States.ArrayRange(1, 5, -1)") == json::array());
    CHECK(eval("States.ArrayRange(0.5, 2.4, 1)") == j("[1,2]")); // bounds round like Java
    CHECK(eval("States.ArrayRange(1, 1000, 1)").size() == 1000);
    CHECK(eval("States.ArrayRange(-9223372036854775808, 9223372036854775807, 9223372036854775807)") ==
          j("[-9223372036854775808, -1, 9223372036854775806]"));
    const json input = j(R"({"zero": 0, "big": 1e30})");
    CHECK(eval_error("States.ArrayRange(1, 1001, 1)").cause ==
          "States.ArrayRange: the range would have 1001 items, more than the limit of 1000");
    CHECK_THAT(eval_error("States.ArrayRange(-9223372036854775808, 9223372036854775807, 1)").cause,
               Contains("the range would have 18446744073709551616") || Contains("more than the limit"));
    CHECK(eval_error("States.ArrayRange(1, 5, $.zero)", input).cause == "States.ArrayRange: the step must not be 0");
    CHECK(eval_error("States.ArrayRange(1, $.big, 1)", input).cause ==
          "States.ArrayRange: argument 2 (1e+30) is outside the 64-bit integer range");
    stepfn::limits small;
    small.max_array_range_items = 3;
    CHECK(eval("States.ArrayRange(1, 3, 1)", json::object(), small) == j("[1,2,3]"));
    CHECK_THAT(eval_error("States.ArrayRange(1, 4, 1)", json::object(), small).cause, Contains("limit of 3"));
}

TEST_CASE("States.ArrayGetItem, ArrayLength and ArrayUnique", "[intrinsic]") {
    const json input = j(R"({"a": [1,2,3], "i": 5, "neg": -1, "half": 1.5, "s": "abc"})");
    CHECK(eval("States.ArrayGetItem($.a, 0)", input) == 1);
    CHECK(eval("States.ArrayGetItem($.a, 2)", input) == 3);
    CHECK(eval("States.ArrayGetItem($.a, $.half)", input) == 3); // 1.5 rounds to 2
    CHECK(eval("States.ArrayGetItem(States.Array('x', States.Array(1)), 1)") == j("[1]"));
    const auto out = eval_error("States.ArrayGetItem($.a, $.i)", input);
    CHECK(out.name == "States.IntrinsicFailure");
    CHECK(out.cause == "States.ArrayGetItem: index 5 is out of range for an array of 3 items");
    CHECK(eval_error("States.ArrayGetItem($.a, $.neg)", input).cause ==
          "States.ArrayGetItem: index -1 is out of range for an array of 3 items");
    CHECK(eval_error("States.ArrayGetItem(States.Array(1), 1)").cause ==
          "States.ArrayGetItem: index 1 is out of range for an array of 1 item");
    CHECK_THAT(eval_error("States.ArrayGetItem($.a, $.s)", input).cause,
               Contains("argument 2 must be an integer, got string abc"));

    CHECK(eval("States.ArrayLength($.a)", input) == 3);
    CHECK(eval("States.ArrayLength(States.Array())") == 0);
    CHECK_THAT(eval_error("States.ArrayLength($.s)", input).cause,
               Contains("States.ArrayLength: argument 1 must be an array, got string abc"));

    CHECK(eval("States.ArrayUnique($.v)", j(R"({"v": [1,2,3,3,3,3,3,3,4]})")) == j("[1,2,3,4]"));
    CHECK(eval("States.ArrayUnique($.v)", j(R"({"v": [3, "3", 1, 3, 1.0, null, null]})")) == j(R"([3, "3", 1, null])"));
    CHECK(eval("States.ArrayUnique($.v)", j(R"({"v": [{"a": 1, "b": [2]}, {"b": [2], "a": 1}, {"a": 1}]})")) ==
          j(R"([{"a": 1, "b": [2]}, {"a": 1}])"));
    CHECK(eval("States.ArrayUnique(States.Array())") == json::array());
    SECTION("large arrays are not compared pairwise") {
        json big = json::array();
        for (int i = 0; i < 60000; ++i) big.push_back(i % 30000);
        const json result = eval("States.ArrayUnique($.v)", json{{"v", big}});
        REQUIRE(result.size() == 30000);
        CHECK(result[29999] == 29999);
    }
}

TEST_CASE("States.Base64Encode and States.Base64Decode", "[intrinsic]") {
    CHECK(eval("States.Base64Encode($.input)", j(R"({"input": "Data to encode"})")) == "RGF0YSB0byBlbmNvZGU=");
    CHECK(eval("States.Base64Decode($.b)", j(R"({"b": "RGF0YSB0byBlbmNvZGU="})")) == "Data to encode");
    CHECK(eval("States.Base64Encode('')") == "");
    CHECK(eval("States.Base64Encode('f')") == "Zg==");
    CHECK(eval("States.Base64Encode('fo')") == "Zm8=");
    CHECK(eval("States.Base64Encode('foo')") == "Zm9v");
    CHECK(eval("States.Base64Encode('größe')") == "Z3LDtsOfZQ==");
    CHECK(eval("States.Base64Decode('Z3LDtsOfZQ==')") == "größe");
    CHECK(eval("States.Base64Decode('Zm8')") == "fo"); // padding is optional
    CHECK(eval("States.Base64Decode('Zm9v\r\nYmFy')") == "foobar"); // MIME line breaks are skipped
    CHECK(eval("States.Base64Decode('/w==')") == "\xEF\xBF\xBD"); // bytes that are not UTF-8 become U+FFFD
    for (const char* bad : {"Zm9v!", "Z", "Zm9=v", "Zg===", "=Zg", "Zm9v="}) {
        const auto e = eval_error(std::string("States.Base64Decode('") + bad + "')");
        CHECK(e.name == "States.IntrinsicFailure");
        CHECK_THAT(e.cause, Contains("States.Base64Decode: the argument is not valid base64"));
    }
    SECTION("inputs are limited to 10,000 characters") {
        const std::string limit(10000, 'a');
        CHECK(eval("States.Base64Encode($.s)", json{{"s", limit}}).get<std::string>().size() == 13336);
        std::string wide;
        for (int i = 0; i < 10000; ++i) wide += "\xC3\xBC"; // ü: 10,000 characters, 20,000 bytes
        CHECK(eval("States.Base64Encode($.s)", json{{"s", wide}}).is_string());
        CHECK(eval_error("States.Base64Encode($.s)", json{{"s", limit + "a"}}).cause ==
              "States.Base64Encode: the input has 10001 characters, more than the limit of 10000");
        CHECK_THAT(eval_error("States.Base64Decode($.s)", json{{"s", std::string(10004, 'A')}}).cause,
                   Contains("the input has 10004 characters"));
    }
}

TEST_CASE("the digests match known vectors", "[intrinsic]") {
    using stepfn::detail::hash_algorithm;
    using stepfn::detail::hex_digest;
    CHECK(hex_digest(hash_algorithm::md5, "") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(hex_digest(hash_algorithm::md5, "abc") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(hex_digest(hash_algorithm::sha1, "") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(hex_digest(hash_algorithm::sha1, "abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(hex_digest(hash_algorithm::sha256, "") ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hex_digest(hash_algorithm::sha256, "abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex_digest(hash_algorithm::sha384, "") ==
          "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
    CHECK(hex_digest(hash_algorithm::sha384, "abc") ==
          "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    CHECK(hex_digest(hash_algorithm::sha512, "") ==
          "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    CHECK(hex_digest(hash_algorithm::sha512, "abc") ==
          "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    // Two-block messages (the padding spills into a second block).
    CHECK(hex_digest(hash_algorithm::sha256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(hex_digest(hash_algorithm::sha512,
                     "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
          "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
    CHECK(hex_digest(hash_algorithm::md5, "12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
          "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("States.Hash", "[intrinsic]") {
    CHECK(eval("States.Hash($.Data, $.Algorithm)", j(R"({"Data": "input data", "Algorithm": "SHA-1"})")) ==
          "aaff4a450a104cd177d28d18d74485e8cae074b7");
    CHECK(eval("States.Hash('abc', 'MD5')") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(eval("States.Hash('', 'SHA-256')") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // Non-string data is hashed as its compact JSON text.
    CHECK(eval("States.Hash($.o, 'MD5')", j(R"({"o": {"a": [1, 2]}})")) ==
          stepfn::detail::hex_digest(stepfn::detail::hash_algorithm::md5, R"({"a":[1,2]})"));
    CHECK(eval("States.Hash(42, 'SHA-1')") ==
          stepfn::detail::hex_digest(stepfn::detail::hash_algorithm::sha1, "42"));
    CHECK(eval("States.Hash(null, 'SHA-1')") ==
          stepfn::detail::hex_digest(stepfn::detail::hash_algorithm::sha1, "null"));
    CHECK(eval_error("States.Hash('x', $.alg)", j(R"({"alg": "SHA3-256"})")).cause ==
          "States.Hash: unsupported algorithm 'SHA3-256'; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512");
    CHECK_THAT(eval_error("States.Hash('x', $.alg)", j(R"({"alg": 1})")).cause, Contains("argument 2 must be a string"));
    CHECK(eval("States.Hash($.s, 'MD5')", json{{"s", std::string(10000, 'z')}}).is_string());
    CHECK(eval_error("States.Hash($.s, 'MD5')", json{{"s", std::string(10001, 'z')}}).cause ==
          "States.Hash: the input has 10001 characters, more than the limit of 10000");
}

TEST_CASE("States.JsonMerge", "[intrinsic]") {
    const json input = j(R"({"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}, "yes": true})");
    const json merged = eval("States.JsonMerge($.json1, $.json2, false)", input);
    CHECK(merged.dump() == R"({"a":{"a3":1,"a4":2},"b":2,"c":3})");
    CHECK(eval("States.JsonMerge($.json1, States.StringToJson('{}'), false)", input) == input["json1"]);
    const auto deep = eval_error("States.JsonMerge($.json1, $.json2, true)", input);
    CHECK(deep.name == "States.IntrinsicFailure");
    CHECK(deep.cause == "States.JsonMerge: deep merging (true) is not supported; the third argument must be false");
    CHECK_THAT(eval_error("States.JsonMerge($.json1, $.yes, false)", input).cause,
               Contains("argument 2 must be an object, got boolean true"));
}

TEST_CASE("States.MathRandom", "[intrinsic]") {
    SECTION("without a seed: start inclusive, end exclusive") {
        std::set<std::int64_t> seen;
        const auto call = intrinsic_call::parse("States.MathRandom(1, 4)");
        REQUIRE(call);
        const test_env env;
        for (int i = 0; i < 200; ++i) {
            const auto v = call->evaluate(json::object(), env);
            REQUIRE(v);
            REQUIRE(v->is_number_integer());
            seen.insert(v->get<std::int64_t>());
        }
        CHECK(seen == std::set<std::int64_t>{1, 2, 3});
    }
    SECTION("with a seed: the same value every time, on every platform") {
        const json first = eval("States.MathRandom(1, 1000, 42)");
        CHECK(first == eval("States.MathRandom(1, 1000, 42)"));
        CHECK(first == eval("States.MathRandom($.s, $.e, $.seed)", j(R"({"s": 1, "e": 1000, "seed": 42})")));
        CHECK(first == 128); // pinned: splitmix64 does not depend on the standard library
        CHECK(eval("States.MathRandom(1, 1000, 43)") != first);
        CHECK(eval("States.MathRandom(-5, -4, 1)") == -5);
        const json wide = eval("States.MathRandom(-9223372036854775808, 9223372036854775807, 3)");
        CHECK(wide.is_number_integer());
    }
    CHECK(eval("States.MathRandom(0.5, 2.4, 9)") == 1); // bounds round like Java: [1, 2)
    CHECK(eval_error("States.MathRandom($.a, $.b)", j(R"({"a": 3, "b": 3})")).cause ==
          "States.MathRandom: the start (3) must be less than the end (3), which is exclusive");
    CHECK_THAT(eval_error("States.MathRandom($.a, 2)", j(R"({"a": "1"})")).cause,
               Contains("argument 1 must be an integer, got string 1"));
}

TEST_CASE("States.MathAdd", "[intrinsic]") {
    CHECK(eval("States.MathAdd($.value1, $.step)", j(R"({"value1": 111, "step": -1})")) == 110);
    CHECK(eval("States.MathAdd(1.49, 1.5)") == 3);
    CHECK(eval("States.MathAdd(-1.5, 0)") == -1);
    CHECK(eval("States.MathAdd(-2.5, 0)") == -2);
    CHECK(eval("States.MathAdd(0.5, 0)") == 1);
    CHECK(eval("States.MathAdd(0.49999999999999994, 0)") == 0);
    CHECK(eval("States.MathAdd(9223372036854775806, 1)") == 9223372036854775807LL);
    CHECK(eval("States.MathAdd(1, 2)").is_number_integer());
    const auto over = eval_error("States.MathAdd(9223372036854775807, 1)");
    CHECK(over.name == "States.IntrinsicFailure");
    CHECK(over.cause == "States.MathAdd: the sum of 9223372036854775807 and 1 does not fit in a 64-bit integer");
    CHECK_THAT(eval_error("States.MathAdd(-9223372036854775808, -1)").cause, Contains("does not fit"));
    CHECK_THAT(eval_error("States.MathAdd(18446744073709551615, 0)").cause,
               Contains("argument 1 (18446744073709551615) is outside the 64-bit integer range"));
    CHECK_THAT(eval_error("States.MathAdd($.s, 1)", j(R"({"s": "1"})")).cause,
               Contains("States.MathAdd: argument 1 must be a number, got string 1"));
    CHECK_THAT(eval_error("States.MathAdd($.b, 1)", j(R"({"b": true})")).cause, Contains("got boolean true"));
}

TEST_CASE("States.StringSplit", "[intrinsic]") {
    CHECK(eval("States.StringSplit($.inputString, $.splitter)", j(R"({"inputString": "1,2,3,4,5", "splitter": ","})")) ==
          j(R"(["1","2","3","4","5"])"));
    CHECK(eval("States.StringSplit('This.is+a,test=string', '.+,=')") == j(R"(["This","is","a","test","string"])"));
    CHECK(eval("States.StringSplit(',,,,', ',')") == json::array());
    CHECK(eval("States.StringSplit(',a,,b,', ',')") == j(R"(["a","b"])"));
    CHECK(eval("States.StringSplit('', ',')") == json::array());
    CHECK(eval("States.StringSplit('abc', '')") == j(R"(["abc"])"));
    CHECK(eval("States.StringSplit('Hello\nWorld', '\n')") == j(R"(["Hello","World"])"));
    CHECK(eval("States.StringSplit('a→b→c', '→')") == j(R"(["a","b","c"])"));
    CHECK(eval("States.StringSplit('a→b', '↑')") == j(R"(["a→b"])")); // shares a lead byte with →
    CHECK(eval("States.StringSplit('x y\tz', ' \t')") == j(R"(["x","y","z"])"));
    CHECK_THAT(eval_error("States.StringSplit($.n, ',')", j(R"({"n": 12})")).cause,
               Contains("States.StringSplit: argument 1 must be a string, got number 12"));
}

TEST_CASE("States.UUID", "[intrinsic]") {
    const auto call = intrinsic_call::parse("States.UUID()");
    REQUIRE(call);
    const test_env env;
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        const auto v = call->evaluate(json::object(), env);
        REQUIRE(v);
        REQUIRE(v->is_string());
        const auto s = v->get<std::string>();
        REQUIRE(s.size() == 36);
        for (std::size_t k = 0; k < s.size(); ++k) {
            if (k == 8 || k == 13 || k == 18 || k == 23) CHECK(s[k] == '-');
            else CHECK(((s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f')));
        }
        CHECK(s[14] == '4');                                                        // version
        CHECK((s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b'));      // variant
        seen.insert(s);
    }
    CHECK(seen.size() == 50);
    // Not folded at load time: every evaluation draws again.
    const json two = eval("States.Array(States.UUID(), States.UUID())");
    CHECK(two[0] != two[1]);
}
// The text every generated UUID goes through (States.UUID, $uuid(), execution names and ids).
TEST_CASE("UUID text: the most significant byte first, version 4 and its variant over the random bits",
          "[intrinsic]") {
    CHECK(stepfn::detail::uuid_text(0x0123456789abcdefULL, 0xfedcba9876543210ULL) ==
          "01234567-89ab-cdef-fedc-ba9876543210");
    CHECK(stepfn::detail::uuid_v4_text(0, 0) == "00000000-0000-4000-8000-000000000000");
    CHECK(stepfn::detail::uuid_v4_text(~0ULL, ~0ULL) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
    // Every digit value at every position, and random bits, against a plain formatter.
    const auto expected = [](std::uint64_t hi, std::uint64_t lo) {
        char text[40];
        std::snprintf(text, sizeof text, "%08llx-%04llx-%04llx-%04llx-%012llx",
                      static_cast<unsigned long long>(hi >> 32), static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                      static_cast<unsigned long long>(hi & 0xFFFF), static_cast<unsigned long long>(lo >> 48),
                      static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
        return std::string(text);
    };
    for (int shift = 0; shift < 64; shift += 4)
        for (std::uint64_t digit = 0; digit < 16; ++digit) {
            const std::uint64_t one = digit << shift, rest = ~(std::uint64_t{0xF} << shift);
            CHECK(stepfn::detail::uuid_text(one, 0) == expected(one, 0));
            CHECK(stepfn::detail::uuid_text(0, one) == expected(0, one));
            CHECK(stepfn::detail::uuid_text(one | rest, ~one) == expected(one | rest, ~one));
        }
    std::mt19937_64 bits(7);
    for (int i = 0; i < 10000; ++i) {
        const std::uint64_t hi = bits(), lo = bits();
        REQUIRE(stepfn::detail::uuid_text(hi, lo) == expected(hi, lo));
    }
}
} // namespace intrinsic_functions_test
