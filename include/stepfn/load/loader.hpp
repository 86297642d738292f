#ifndef STEPFN_LOAD_LOADER_HPP
#define STEPFN_LOAD_LOADER_HPP

// The ASL loader and validator: JSON (or YAML) → an immutable, precompiled state_machine with
// complete diagnostics. The rules it enforces and their messages are in docs/validation.md.

#include <cstddef>
#include <string>
#include <string_view>

#include <stepfn/config.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/load/load_options.hpp>
#include <stepfn/model/state_machine.hpp>

namespace stepfn {

// Loads a machine from a JSON value. On failure the error (States.InvalidDefinition) lists
// every problem found, each with the JSON Pointer of the offending node.
result<state_machine> load_machine_json(const json& definition, const load_options& options = {});

// Loads a machine from ASL JSON text.
result<state_machine> load_machine(std::string_view text, const load_options& options = {});

namespace detail {
// Reads a whole definition file, refusing one larger than the definition limit before reading it.
result<std::string> read_definition_file(const std::string& path, std::size_t max_bytes);

inline bool has_yaml_extension(std::string_view path) noexcept {
    auto ends = [&](std::string_view suffix) {
        return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
    };
    return ends(".yaml") || ends(".yml");
}
} // namespace detail

} // namespace stepfn

// Header-only: the bodies (and the definition walk they need). Compiled mode
// (STEPFN_SEPARATE_COMPILATION): src/stepfn.cpp has them.
#if !defined(STEPFN_SEPARATE_COMPILATION)
#include <stepfn/load/detail/loader_impl.hpp>
#endif

#endif
