#ifndef STEPFN_LOAD_DETAIL_LOADER_IMPL_HPP
#define STEPFN_LOAD_DETAIL_LOADER_IMPL_HPP

// The bodies of <stepfn/load/loader.hpp>: inline in header-only mode, compiled once into
// stepfn::compiled (src/stepfn.cpp) in compiled mode.

#include <stepfn/load/loader.hpp>

#include <cstddef>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include <stepfn/config.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/load/detail/definition_loader.hpp>
#include <stepfn/load/detail/text_checks.hpp>
#include <stepfn/load/load_options.hpp>
#include <stepfn/model/state_machine.hpp>

namespace stepfn {

// Loads a machine from a JSON value. On failure the error (States.InvalidDefinition) lists
// every problem found, each with the JSON Pointer of the offending node.
STEPFN_INLINE result<state_machine> load_machine_json(const json& definition, const load_options& options) {
    // Before anything copies or walks the value: nlohmann's copy and comparison recurse.
    if (auto deep = detail::find_too_deep(definition, options.bounds.max_nesting_depth))
        return make_invalid({diagnostic{*deep, detail::too_deep_message(options.bounds.max_nesting_depth)}});
    return detail::load_definition(json(definition), options);
}

// Loads a machine from ASL JSON text.
STEPFN_INLINE result<state_machine> load_machine(std::string_view text, const load_options& options) {
    if (text.size() > options.bounds.max_definition_bytes)
        return make_invalid({diagnostic{"", "the definition is " + std::to_string(text.size()) +
                                                " bytes long, more than the limit of " +
                                                std::to_string(options.bounds.max_definition_bytes) + " bytes"}});
    // nlohmann's parser is iterative, so a deeply nested text cannot overflow the stack here.
    json parsed;
    if (auto syntax = detail::parse_definition_text(std::string(text), parsed)) {
        std::string message = "the definition is not valid JSON";
        if (!syntax->empty()) message += ": " + *syntax;
        return make_invalid({diagnostic{"", std::move(message)}});
    }
    if (auto deep = detail::find_too_deep(parsed, options.bounds.max_nesting_depth))
        return make_invalid({diagnostic{*deep, detail::too_deep_message(options.bounds.max_nesting_depth)}});
    return detail::load_definition(std::move(parsed), options);
}

namespace detail {
// Reads a whole definition file, refusing one larger than the definition limit before reading it.
STEPFN_INLINE result<std::string> read_definition_file(const std::string& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("States.InvalidDefinition", "cannot open '" + path + "'");
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size < 0) return make_error("States.InvalidDefinition", "cannot read '" + path + "'");
    if (static_cast<std::size_t>(size) > max_bytes)
        return make_invalid({diagnostic{"", "the definition file '" + path + "' is " + std::to_string(size) +
                                                " bytes long, more than the limit of " + std::to_string(max_bytes) +
                                                " bytes"}});
    in.seekg(0, std::ios::beg);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return make_error("States.InvalidDefinition", "cannot read '" + path + "'");
    return text;
}

} // namespace detail

} // namespace stepfn

#endif
