#include "catch.hpp"

#include <stepfn/detail/timestamp.hpp>

#include <chrono>
#include <string>

namespace timestamp_test {

using stepfn::detail::format_iso8601;
using stepfn::detail::instant;
using stepfn::detail::parse_rfc3339;
using stepfn::detail::to_time_point;

namespace {

instant at(std::int64_t seconds, std::int32_t nanos = 0) { return instant{seconds, nanos}; }

} // namespace

TEST_CASE("parse_rfc3339 reads UTC timestamps", "[timestamp]") {
    CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == at(0));
    CHECK(parse_rfc3339("2016-03-14T01:59:00Z") == at(1457920740));
    CHECK(parse_rfc3339("2012-10-09T19:00:55Z") == at(1349809255));
    CHECK(parse_rfc3339("9999-12-31T23:59:59Z") == at(253402300799));
    CHECK(parse_rfc3339("0000-01-01T00:00:00Z") == at(-62167219200));
    CHECK(parse_rfc3339("1969-12-31T23:59:59Z") == at(-1));
}

TEST_CASE("parse_rfc3339 keeps fractions to the nanosecond", "[timestamp]") {
    CHECK(parse_rfc3339("2016-03-14T01:59:00.5Z") == at(1457920740, 500000000));
    CHECK(parse_rfc3339("2016-03-14T01:59:00.00Z") == at(1457920740));
    CHECK(parse_rfc3339("2016-03-14T01:59:00.000000Z") == at(1457920740));
    CHECK(parse_rfc3339("2016-03-14T01:59:00.123Z") == at(1457920740, 123000000));
    CHECK(parse_rfc3339("2016-03-14T01:59:00.123456789Z") == at(1457920740, 123456789));
    // Beyond nine digits the rest is truncated, not rounded.
    CHECK(parse_rfc3339("2016-03-14T01:59:00.1234567899999Z") == at(1457920740, 123456789));
    CHECK(parse_rfc3339("1969-12-31T23:59:59.999Z") == at(-1, 999000000));
}

TEST_CASE("parse_rfc3339 applies numeric offsets", "[timestamp]") {
    CHECK(parse_rfc3339("2016-03-14T03:59:00+02:00") == at(1457920740));
    CHECK(parse_rfc3339("2016-03-13T20:29:00-05:30") == at(1457920740));
    CHECK(parse_rfc3339("2016-03-14T01:59:00+00:00") == at(1457920740));
    CHECK(parse_rfc3339("2016-03-14T01:59:00-00:00") == at(1457920740));
    CHECK(parse_rfc3339("2016-03-14T01:59:00.25+01:00") == at(1457920740 - 3600, 250000000));
    CHECK(parse_rfc3339("2016-03-14T01:59:00+18:00").has_value());
    CHECK(parse_rfc3339("2016-03-14T01:59:00-18:00").has_value());
    // Crossing midnight and the year boundary.
    CHECK(parse_rfc3339("2000-01-01T00:30:00+01:00") == parse_rfc3339("1999-12-31T23:30:00Z"));
}

TEST_CASE("parse_rfc3339 validates calendar ranges", "[timestamp]") {
    CHECK(parse_rfc3339("2024-02-29T00:00:00Z").has_value());  // leap year
    CHECK(parse_rfc3339("2000-02-29T00:00:00Z").has_value());  // divisible by 400
    CHECK_FALSE(parse_rfc3339("1900-02-29T00:00:00Z"));        // divisible by 100
    CHECK_FALSE(parse_rfc3339("2023-02-29T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2024-02-30T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2024-04-31T00:00:00Z"));
    CHECK(parse_rfc3339("2024-12-31T00:00:00Z").has_value());
    CHECK_FALSE(parse_rfc3339("2024-13-01T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2024-00-01T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2024-01-00T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2024-01-32T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2024-01-01T24:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2024-01-01T23:60:00Z"));
    CHECK_FALSE(parse_rfc3339("2024-12-31T23:59:60Z"));  // leap seconds rejected, as Java does
    CHECK_FALSE(parse_rfc3339("2024-01-01T00:00:00+18:01"));
    CHECK_FALSE(parse_rfc3339("2024-01-01T00:00:00+19:00"));
    CHECK_FALSE(parse_rfc3339("2024-01-01T00:00:00+05:60"));
}

TEST_CASE("parse_rfc3339 rejects malformed text", "[timestamp]") {
    const char* bad[] = {
        "",
        "yesterday",
        "2016-03-14",
        "2016-03-14T01:59:00",        // no zone
        "2016-03-14t01:59:00Z",       // lowercase t
        "2016-03-14T01:59:00z",       // lowercase z
        "2016-03-14 01:59:00Z",       // space separator
        "2016-03-14T01:59Z",          // no seconds
        "2016-3-14T01:59:00Z",        // short month
        "16-03-14T01:59:00Z",         // short year
        "+2016-03-14T01:59:00Z",
        "2016-03-14T01:59:00.Z",      // empty fraction
        "2016-03-14T01:59:00,5Z",     // comma fraction
        "2016-03-14T01:59:00+0200",   // offset without colon
        "2016-03-14T01:59:00+02",
        "2016-03-14T01:59:00+2:00",
        "2016-03-14T01:59:00Z ",      // trailing space
        " 2016-03-14T01:59:00Z",
        "2016-03-14T01:59:00ZZ",
        "2016-03-14T01:59:00+02:00Z",
        "2016-03-14T01:59:0aZ",
        "2016-03-14T01:59:00.5",
        "2016-03-14T01:59:00.5+",
        "２016-03-14T01:59:00Z",      // non-ASCII digit
    };
    for (const char* text : bad) {
        INFO(text);
        CHECK_FALSE(parse_rfc3339(text));
    }
}

TEST_CASE("parse_rfc3339 is total on arbitrary prefixes and bytes", "[timestamp]") {
    const std::string good = "2016-03-14T01:59:00.123456+02:00";
    for (std::size_t n = 0; n < good.size(); ++n) {
        INFO(good.substr(0, n));
        CHECK_FALSE(parse_rfc3339(std::string_view(good).substr(0, n)));
    }
    CHECK(parse_rfc3339(good).has_value());
    std::string noisy = good;
    for (std::size_t i = 0; i < noisy.size(); ++i) {
        std::string copy = noisy;
        copy[i] = '\xff';
        CHECK_FALSE(parse_rfc3339(copy));
    }
    CHECK_FALSE(parse_rfc3339(std::string_view("2016-03-14T01:59:00Z\0", 21)));
}

TEST_CASE("instants order by seconds then nanoseconds", "[timestamp]") {
    CHECK(at(1, 0) < at(1, 1));
    CHECK(at(0, 999999999) < at(1, 0));
    CHECK_FALSE(at(1, 0) < at(1, 0));
    CHECK(*parse_rfc3339("2016-03-14T01:59:00.000000001Z") < *parse_rfc3339("2016-03-14T01:59:00.000000002Z"));
}

TEST_CASE("format_iso8601 prints UTC with milliseconds", "[timestamp]") {
    using namespace std::chrono;
    CHECK(format_iso8601(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
    CHECK(format_iso8601(to_time_point(at(1704164645, 678000000))) == "2024-01-02T03:04:05.678Z");
    // Sub-millisecond digits are dropped (floored).
    CHECK(format_iso8601(to_time_point(at(1704164645, 678999999))) == "2024-01-02T03:04:05.678Z");
    CHECK(format_iso8601(to_time_point(at(951782400))) == "2000-02-29T00:00:00.000Z");
    // Before the epoch the floor keeps the date right.
    CHECK(format_iso8601(system_clock::time_point{} - milliseconds(1)) == "1969-12-31T23:59:59.999Z");
    CHECK(format_iso8601(to_time_point(at(-1, 500000000))) == "1969-12-31T23:59:59.500Z");
}

TEST_CASE("format_iso8601 and parse_rfc3339 round-trip", "[timestamp]") {
    const char* texts[] = {"2024-01-02T03:04:05.678Z", "1999-12-31T23:59:59.999Z", "2100-03-01T00:00:00.000Z",
                           "1970-01-01T00:00:00.001Z", "2038-01-19T03:14:08.000Z"};
    for (const char* text : texts) {
        INFO(text);
        auto parsed = parse_rfc3339(text);
        REQUIRE(parsed);
        CHECK(format_iso8601(to_time_point(*parsed)) == text);
    }
}

TEST_CASE("to_time_point saturates outside the clock's range", "[timestamp]") {
    using std::chrono::system_clock;
    auto far_future = parse_rfc3339("9999-12-31T23:59:59Z");
    auto far_past = parse_rfc3339("0000-01-01T00:00:00Z");
    REQUIRE(far_future);
    REQUIRE(far_past);
    auto future = to_time_point(*far_future);
    auto past = to_time_point(*far_past);
    CHECK(past < system_clock::time_point{});
    CHECK(future > system_clock::time_point{});
    CHECK(past < future);
    CHECK(to_time_point(at(1457920740, 5)).time_since_epoch() >=
          std::chrono::seconds(1457920740));
}
} // namespace timestamp_test
