#ifndef STEPFN_CONFIG_HPP
#define STEPFN_CONFIG_HPP

// The one place that detects compiler features and build modes. Every macro starts with
// STEPFN_ and none changes a type's layout.

// Whether exceptions are enabled: with -fno-exceptions stepfn catches nothing (hosts' invokers,
// sinks and readers then report failures as error values only).
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define STEPFN_HAS_EXCEPTIONS 1
#else
#define STEPFN_HAS_EXCEPTIONS 0
#endif

// C++20 concepts, used beside the C++17 detection traits for clearer diagnostics.
#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
#define STEPFN_HAS_CONCEPTS 1
#else
#define STEPFN_HAS_CONCEPTS 0
#endif

// Compiled mode (CMake option STEPFN_COMPILED, target stepfn::compiled): the public headers
// declare the engine, the loader and the expression evaluators, and one source file in the
// library defines them. Header-only (the default): the headers define them inline.
#if defined(STEPFN_SEPARATE_COMPILATION)
#define STEPFN_INLINE
#else
#define STEPFN_INLINE inline
#endif

#endif
