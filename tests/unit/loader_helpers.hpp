#ifndef STEPFN_TESTS_UNIT_LOADER_HELPERS_HPP
#define STEPFN_TESTS_UNIT_LOADER_HELPERS_HPP

// Helpers shared by the loader tests (loader_test.cpp and loader_text_test.cpp).

#include "catch.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <stepfn/load/loader.hpp>
#include <stepfn/model/state_machine.hpp>

namespace {

inline stepfn::state_machine load_ok(std::string_view text) {
    auto loaded = stepfn::load_machine(text);
    INFO((loaded ? std::string() : loaded.error().cause));
    REQUIRE(loaded);
    return *loaded;
}

template <class Body>
inline const Body& body_of(const stepfn::state& s) {
    const Body* body = std::get_if<Body>(&s.body);
    REQUIRE(body != nullptr);
    return *body;
}

inline const stepfn::state& state_named(const stepfn::scope& scope, std::string_view name) {
    const stepfn::state* found = scope.find(name);
    REQUIRE(found != nullptr);
    return *found;
}

} // namespace

#endif
