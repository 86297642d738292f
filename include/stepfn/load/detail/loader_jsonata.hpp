#ifndef STEPFN_LOAD_DETAIL_LOADER_JSONATA_HPP
#define STEPFN_LOAD_DETAIL_LOADER_JSONATA_HPP

// definition_loader's members:
// the fields of JSONata states compiled into templates, and which `$states` members each may read.

#include <stepfn/load/detail/definition_loader.hpp>
#include <stepfn/expressions/detail/jsonata_text.hpp>

namespace stepfn::detail {

// Names each `$states.result` / `$states.errorOutput` written where the field cannot see it.
inline void definition_loader::check_states_members(const json& value, const std::string& pointer,
                                                    std::uint8_t allowed, std::size_t depth) {
    if (depth > bounds_.max_nesting_depth) return;  // compile() reported it
    if (const auto* text = value.get_ptr<const std::string*>()) {
        if (!stepfn::is_jsonata_expression(*text)) return;
        const std::uint8_t named = states_members_read(*text, false);
        if ((named & ~allowed & static_cast<std::uint8_t>(states_member::result)) != 0)
            report(pointer, "'$states.result' is not available here: only in the Output and Assign of a Task, "
                            "Parallel or Map state");
        if ((named & ~allowed & static_cast<std::uint8_t>(states_member::error_output)) != 0)
            report(pointer, "'$states.errorOutput' is not available here: only in a Catcher's Output and Assign");
        return;
    }
    if (value.is_object()) {
        for (auto it = value.cbegin(); it != value.cend(); ++it)
            check_states_members(it.value(), pointer_child(pointer, it.key()), allowed, depth + 1);
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i)
            check_states_members(value[i], pointer_child(pointer, i), allowed, depth + 1);
    }
}

inline std::optional<jsonata_template> definition_loader::jsonata_field(const json& value, const std::string& pointer,
                                                                        std::string_view field, std::uint8_t allowed) {
    check_states_members(value, pointer, allowed, 0);
    auto compiled = jsonata_template::compile(value, pointer, field);
    if (!compiled) {
        merge(compiled.error(), pointer);
        return std::nullopt;
    }
    return std::move(*compiled);
}

// A field given as a whole "{% %}" expression (TimeoutSeconds, Seconds, Error, ...).
inline std::optional<jsonata_template> definition_loader::jsonata_expression_field(const json& value,
                                                                                   const std::string& pointer,
                                                                                   std::string_view field) {
    if (!is_jsonata_expression(value)) return std::nullopt;
    return jsonata_field(value, pointer, field, states_everywhere);
}

} // namespace stepfn::detail

#endif
