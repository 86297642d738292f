#ifndef STEPFN_LOAD_LOADER_HPP
#define STEPFN_LOAD_LOADER_HPP

// The ASL loader and validator: JSON → machine_definition with complete diagnostics.
// Included at the end of <stepfn/model/state_machine.hpp>; include that header, not this one.
// The rules it enforces and their messages are listed in docs/validation.md.

#include <string>
#include <string_view>

#include <stepfn/model/state_machine.hpp>
#include <stepfn/load/detail/definition_loader.hpp>
#include <stepfn/load/detail/text_checks.hpp>

namespace stepfn {

inline result<state_machine> state_machine::from_json(const json& definition, const load_options& options) {
    // Before anything copies or walks the value: nlohmann's copy and comparison recurse.
    if (auto deep = detail::find_too_deep(definition, options.bounds.max_nesting_depth))
        return make_invalid({diagnostic{*deep, detail::too_deep_message(options.bounds.max_nesting_depth)}});
    return detail::load_definition(json(definition), options);
}

inline result<state_machine> state_machine::parse(std::string_view text, const load_options& options) {
    if (text.size() > options.bounds.max_definition_bytes)
        return make_invalid({diagnostic{"", "the definition is " + std::to_string(text.size()) +
                                                " bytes long, more than the limit of " +
                                                std::to_string(options.bounds.max_definition_bytes) + " bytes"}});
    // nlohmann's parser is iterative, so a deeply nested text cannot overflow the stack here.
    json parsed = json::parse(text.begin(), text.end(), nullptr, false);
    if (parsed.is_discarded()) {
        detail::parse_error_recorder recorder;
        json::sax_parse(text.begin(), text.end(), &recorder);
        std::string message = "the definition is not valid JSON";
        if (!recorder.message.empty()) message += ": " + recorder.message;
        return make_invalid({diagnostic{"", std::move(message)}});
    }
    if (auto deep = detail::find_too_deep(parsed, options.bounds.max_nesting_depth))
        return make_invalid({diagnostic{*deep, detail::too_deep_message(options.bounds.max_nesting_depth)}});
    return detail::load_definition(std::move(parsed), options);
}

} // namespace stepfn

#endif
