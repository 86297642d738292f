#include "catch.hpp"

#include <cmath>
#include <string>

#include <stepfn/detail/json_object.hpp>
#include <stepfn/detail/json_size.hpp>

namespace json_value_test {

using stepfn::json;

namespace {

// The smallest limit the document fits in is exactly its compact serialisation's length.
void check_exact_size(const json& value) {
    const std::size_t size = value.dump().size();
    INFO(value.dump());
    CHECK_FALSE(stepfn::detail::exceeds_size(value, size));
    CHECK(stepfn::detail::exceeds_size(value, size - 1));
}

} // namespace

TEST_CASE("exceeds_size measures what dump() writes", "[limits]") {
    check_exact_size(json::parse(R"({"order":"A-1001","amount":250,"customer":{"id":17,"tier":"gold"},"tags":["x","y"]})"));
    check_exact_size(json::parse(R"([1.5, 0.1, 1e300, -2.25e-8, 12.0, -0.0, 3.141592653589793])"));
    check_exact_size(json::parse(R"({"esc":"quote \" back \\ nl \n tab \t ctl \u0001 é","n":-9223372036854775808,"u":18446744073709551615})"));
    check_exact_size(json::parse(R"([null,true,false,{},[],"",{"a":[{"b":[{"c":[]}]}]}])"));
    check_exact_size(json(std::nan("")));  // dump() writes null

    // Wider than the walk's inline buffer, and deeper than it.
    json wide = json::array();
    for (int i = 0; i < 1000; ++i) wide.push_back({{"id", i}, {"name", "item-" + std::to_string(i)}, {"price", i * 0.25}});
    check_exact_size(wide);
    json deep = json::array();
    for (int i = 0; i < 500; ++i) deep = json::array({deep, i});
    check_exact_size(deep);
}

TEST_CASE("exceeds_size stops early on a huge document", "[limits]") {
    json big = json::array();
    for (int i = 0; i < 100000; ++i) big.push_back("0123456789");
    CHECK(stepfn::detail::exceeds_size(big, 1000));
    CHECK_FALSE(stepfn::detail::exceeds_size(big, big.dump().size()));
}

TEST_CASE("add_member keeps insertion order and moves the existing members", "[json]") {
    json object = json::parse(R"({"b":{"deep":[1,2,3]},"a":"text"})");
    // A copied object is full to capacity: the next member makes the members' vector grow.
    json copy = object;
    const json* deep = &copy["b"]["deep"];
    const auto* deep_elements = &deep->get_ref<const json::array_t&>().front();
    stepfn::detail::add_member(copy, "c", 3);
    CHECK(copy.dump() == R"({"b":{"deep":[1,2,3]},"a":"text","c":3})");
    // The nested array was moved, not copied: its elements did not move in memory.
    CHECK(&copy["b"]["deep"].get_ref<const json::array_t&>().front() == deep_elements);

    json empty = json::object();
    for (int i = 0; i < 20; ++i) stepfn::detail::add_member(empty, "k" + std::to_string(i), i);
    CHECK(empty.size() == 20);
    CHECK(empty.begin().key() == "k0");
    CHECK(empty["k19"] == 19);

    json reserved = json::object();
    stepfn::detail::reserve_members(reserved, 8);
    CHECK(reserved.get_ref<const json::object_t&>().capacity() >= 8);
    CHECK(reserved.empty());
}
} // namespace json_value_test
