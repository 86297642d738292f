// stepfn's compiled mode (CMake option STEPFN_COMPILED, target stepfn::compiled): the one source
// file that holds every body the public headers only declare under STEPFN_SEPARATE_COMPILATION
// (the engine, the loader and the expression evaluators). Header-only builds never compile it.

#if !defined(STEPFN_SEPARATE_COMPILATION)
#error "src/stepfn.cpp is the compiled mode's source: build it with STEPFN_SEPARATE_COMPILATION defined"
#endif

#include <stepfn/config.hpp>

// Expressions, in dependency order: paths, intrinsics, templates, Choice rules.
#include <stepfn/expressions/detail/json_path_impl.hpp>
#include <stepfn/expressions/detail/intrinsic_impl.hpp>
#include <stepfn/expressions/detail/payload_template_impl.hpp>
#include <stepfn/expressions/detail/choice_rule_impl.hpp>
#include <stepfn/expressions/detail/jsonata/program.hpp>
#include <stepfn/expressions/detail/jsonata_template_impl.hpp>

// Loading: the definition walk and the file reader.
#include <stepfn/load/detail/loader_impl.hpp>

// The engine: its core and state handlers.
#if __has_include(<stepfn/engine/detail/engine_impl.hpp>)
#include <stepfn/engine/detail/engine_impl.hpp>
#endif
