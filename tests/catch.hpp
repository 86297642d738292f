#ifndef STEPFN_TESTS_CATCH_HPP
#define STEPFN_TESTS_CATCH_HPP

// One include for Catch2 v2 (Debian) and v3 (vcpkg, Conan).
#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <string>
namespace Catch::Matchers {
// v2's substring matcher is Contains; v3 renamed it ContainsSubstring.
inline auto Contains(const std::string& text, CaseSensitive sensitivity = CaseSensitive::Yes) {
    return ContainsSubstring(text, sensitivity);
}
} // namespace Catch::Matchers
#else
#include <catch2/catch.hpp>
#endif

#endif
