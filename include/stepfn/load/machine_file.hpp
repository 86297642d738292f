#ifndef STEPFN_LOAD_MACHINE_FILE_HPP
#define STEPFN_LOAD_MACHINE_FILE_HPP

// Loading a definition file: JSON, or YAML when the YAML front end is linked (the CMake target
// stepfn::yaml defines STEPFN_WITH_YAML), chosen by the file's extension.

#include <string>

#include <stepfn/error.hpp>
#include <stepfn/load/load_options.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/model/state_machine.hpp>
#if defined(STEPFN_WITH_YAML)
#include <stepfn/load/yaml.hpp>
#endif

namespace stepfn {

// Reads and loads `path` (`.yaml`/`.yml` as YAML, anything else as JSON). A file that cannot
// be read, or is larger than the definition limit, is an error naming the file.
inline result<state_machine> load_machine_file(const std::string& path, const load_options& options = {}) {
    auto text = detail::read_definition_file(path, options.bounds.max_definition_bytes);
    if (!text) return tl::make_unexpected(std::move(text.error()));
    if (detail::has_yaml_extension(path)) {
#if defined(STEPFN_WITH_YAML)
        return load_yaml(*text, options);
#else
        return make_invalid({diagnostic{"", "'" + path + "' is YAML, and this program was built without the YAML "
                                                           "front end (link the CMake target stepfn::yaml)"}});
#endif
    }
    return load_machine(*text, options);
}

} // namespace stepfn

#endif
