#ifndef STEPFN_LOAD_DETAIL_LOADER_FIELDS_HPP
#define STEPFN_LOAD_DETAIL_LOADER_FIELDS_HPP

// definition_loader's members:
// reporting, field access, paths and templates, exclusive pairs and numbers-or-paths.

#include <stepfn/load/detail/definition_loader.hpp>

namespace stepfn::detail {

inline void definition_loader::report(std::string pointer, std::string message) {
    problems.push_back(diagnostic{std::move(pointer), std::move(message)});
}

// Problems from a compiler we delegate to (paths, templates, choice rules).
inline void definition_loader::merge(const error& e, const std::string& pointer, std::string_view what) {
    if (!e.problems.empty()) {
        problems.insert(problems.end(), e.problems.begin(), e.problems.end());
        return;
    }
    std::string message(what);
    if (!message.empty() && !e.cause.empty()) message += ": ";
    message += e.cause.empty() ? std::string("invalid value") : e.cause;
    report(pointer, std::move(message));
}

inline std::string definition_loader::not_supported(std::string_view field) {
    return "Field '" + std::string(field) + "' is not supported";
}

inline std::string definition_loader::quoted(std::string_view field) { return "'" + std::string(field) + "'"; }

// Object lookup by linear scan: states have a handful of fields, and ordered_json's own
// find() is linear too. Large objects (`States`) are only ever iterated.
inline const json* definition_loader::get(const json& object, std::string_view key) noexcept {
    for (auto it = object.cbegin(); it != object.cend(); ++it)
        if (it.key() == key) return &it.value();
    return nullptr;
}

// Reports fields of `object` not in `allowed`.
template <std::size_t N>
inline void definition_loader::check_fields(const json& object, const std::string& pointer,
                                            const std::string_view (&allowed)[N]) {
    for (auto it = object.cbegin(); it != object.cend(); ++it) {
        bool known = false;
        for (auto a : allowed)
            if (it.key() == a) known = true;
        if (!known) report(pointer_child(pointer, it.key()), not_supported(it.key()));
    }
}

template <std::size_t N>
inline void definition_loader::require_fields(const json& object, const std::string& pointer,
                                              const std::string_view (&required)[N]) {
    std::string missing;
    for (auto r : required) {
        if (get(object, r)) continue;
        if (!missing.empty()) missing += ", ";
        missing += r;
    }
    if (!missing.empty()) report(pointer, "These fields are required: [" + missing + "]");
}

// A required field that must be a non-empty array (`Choices`, `Branches`): the array, or
// nullptr once the problem (missing, or not a non-empty array "of <items>") is reported.
inline const json* definition_loader::required_list(const json& object, const std::string& pointer,
                                                    std::string_view field, std::string_view items) {
    const std::string_view required[] = {field};
    require_fields(object, pointer, required);
    const json* list = get(object, field);
    if (list && (!list->is_array() || list->empty())) {
        report(pointer_child(pointer, field),
               "'" + std::string(field) + "' must be a non-empty array of " + std::string(items));
        return nullptr;
    }
    return list;
}

inline std::optional<std::string> definition_loader::read_string(const json& value, const std::string& pointer,
                                                                 std::string_view field) {
    if (!value.is_string()) {
        report(pointer, quoted(field) + " must be a string");
        return std::nullopt;
    }
    return value.get<std::string>();
}

inline bool definition_loader::expect_object(const json& value, const std::string& pointer, std::string_view field) {
    if (value.is_object()) return true;
    report(pointer, quoted(field) + " must be an object");
    return false;
}

inline bool definition_loader::expect_array(const json& value, const std::string& pointer, std::string_view field) {
    if (value.is_array()) return true;
    report(pointer, quoted(field) + " must be an array");
    return false;
}

inline std::optional<std::int64_t> definition_loader::read_int(const json& value, const std::string& pointer,
                                                               std::string_view field, std::int64_t low,
                                                               std::int64_t high) {
    auto number = as_int64(value);
    if (number && *number >= low && *number <= high) return number;
    std::string message = quoted(field) + " must be ";
    if (high == unbounded && low == 0) message += "a non-negative integer";
    else if (high == unbounded && low == 1) message += "a positive integer";
    else if (high == unbounded) message += "an integer of at least " + std::to_string(low);
    else message += "an integer between " + std::to_string(low) + " and " + std::to_string(high);
    report(pointer, std::move(message));
    return std::nullopt;
}

inline std::optional<query_language> definition_loader::read_language(const json& value, const std::string& pointer) {
    if (value == "JSONPath") return query_language::jsonpath;
    if (value == "JSONata") return query_language::jsonata;
    report(pointer, "'QueryLanguage' must be \"JSONPath\" or \"JSONata\"");
    return std::nullopt;
}

// A language override on a state or nested machine; JSONata machines cannot go back.
inline query_language definition_loader::language_override(const json& object, const std::string& pointer,
                                                           query_language inherited) {
    const json* value = get(object, "QueryLanguage");
    if (!value) return inherited;
    auto parsed = read_language(*value, pointer_child(pointer, "QueryLanguage"));
    if (!parsed) return inherited;
    if (*parsed == query_language::jsonpath && machine_language_ == query_language::jsonata) {
        report(pointer_child(pointer, "QueryLanguage"),
               "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine");
        return query_language::jsonata;
    }
    return *parsed;
}

inline std::optional<json_path> definition_loader::compile_path(const json& value, const std::string& pointer,
                                                                std::string_view field, bool reference,
                                                                bool nullable) {
    if (!value.is_string()) {
        report(pointer, quoted(field) + (nullable ? " must be a string or null" : " must be a string"));
        return std::nullopt;
    }
    const auto& text = value.get_ref<const std::string&>();
    auto parsed = reference ? json_path::parse_reference(text) : json_path::parse(text);
    if (!parsed) {
        // The path compiler's cause names the text, the kind of path and the column.
        merge(parsed.error(), pointer,
              parsed.error().cause.empty()
                  ? quoted(field) + (reference ? " is not a valid reference path" : " is not a valid JSONPath")
                  : std::string_view());
        return std::nullopt;
    }
    return std::move(*parsed);
}

// InputPath / OutputPath: absent → `$`, null → nullopt (the engine's `{}`), else a full path.
inline std::optional<json_path> definition_loader::io_path(const json& object, const std::string& pointer,
                                                           std::string_view field) {
    const json* value = get(object, field);
    if (!value) return root_path_;
    if (value->is_null()) return std::nullopt;
    return compile_path(*value, pointer_child(pointer, field), field, false, true);
}

// ResultPath (state or catcher): absent → `$`, null → nullopt, else a reference path into
// the input (never `$$` or a variable).
inline std::optional<json_path> definition_loader::result_path(const json& object, const std::string& pointer) {
    const json* value = get(object, "ResultPath");
    if (!value) return root_path_;
    if (value->is_null()) return std::nullopt;
    std::string at = pointer_child(pointer, "ResultPath");
    if (value->is_string()) {
        const auto& text = value->get_ref<const std::string&>();
        if (text.rfind("$$", 0) == 0) {
            report(at, "'ResultPath' must not reference the context object ($$)");
            return std::nullopt;
        }
        if (text.size() > 1 && text[0] == '$' && text[1] != '.' && text[1] != '[') {
            report(at, "'ResultPath' must not reference a variable");
            return std::nullopt;
        }
    }
    auto path = compile_path(*value, at, "ResultPath", true, true);
    if (path && path->root() != json_path::root_kind::input) {
        report(at, "'ResultPath' must be a path into the state's input");
        return std::nullopt;
    }
    return path;
}

inline std::optional<json_path> definition_loader::reference_field(const json& object, const std::string& pointer,
                                                                   std::string_view field) {
    const json* value = get(object, field);
    if (!value) return std::nullopt;
    return compile_path(*value, pointer_child(pointer, field), field, true);
}

inline std::optional<payload_template> definition_loader::compile_template(const json& value,
                                                                           const std::string& pointer) {
    auto compiled = payload_template::compile(value, pointer, bounds_);
    if (!compiled) {
        merge(compiled.error(), pointer);
        return std::nullopt;
    }
    return std::move(*compiled);
}

inline std::optional<value_expression> definition_loader::compile_expression(const json& value,
                                                                             const std::string& pointer,
                                                                             std::string_view field) {
    auto text = read_string(value, pointer, field);
    if (!text) return std::nullopt;
    auto parsed = value_expression::parse(*text, bounds_);
    if (!parsed) {
        std::string expected = quoted(field) + " must be a valid JSONPath or a valid intrinsic function call";
        // Say why only when the text was meant as a path or a call, as payload templates do.
        bool attempted = (!text->empty() && text->front() == '$') || intrinsic_call::looks_like_call(*text);
        if (attempted && !parsed.error().cause.empty()) expected += ": " + parsed.error().cause;
        report(pointer, std::move(expected));
        return std::nullopt;
    }
    return std::move(*parsed);
}

inline bool definition_loader::exclusive(const json& object, const std::string& pointer, std::string_view a,
                                         std::string_view b) {
    if (!get(object, a) || !get(object, b)) return true;
    report(pointer_child(pointer, b), "Fields " + quoted(a) + " and " + quoted(b) + " are mutually exclusive");
    return false;
}

// `X` (an integer literal, or a JSONata expression) or `XPath` (a reference path).
inline int_or_path definition_loader::int_or_path_field(const json& object, const std::string& pointer,
                                                        query_language language, std::string_view field,
                                                        std::string_view path_field, std::int64_t low,
                                                        std::int64_t high) {
    int_or_path out;
    exclusive(object, pointer, field, path_field);
    if (const json* value = get(object, field)) {
        if (language == query_language::jsonata && is_jsonata_expression(*value))
            out.expression = jsonata_expression_field(*value, pointer_child(pointer, field), field);
        else
            out.value = read_int(*value, pointer_child(pointer, field), field, low, high);
    }
    out.path = reference_field(object, pointer, path_field);
    return out;
}

inline number_or_path definition_loader::number_or_path_field(const json& object, const std::string& pointer,
                                                              query_language language, std::string_view field,
                                                              std::string_view path_field, double low, double high) {
    number_or_path out;
    exclusive(object, pointer, field, path_field);
    if (const json* value = get(object, field)) {
        if (language == query_language::jsonata && is_jsonata_expression(*value)) {
            out.expression = jsonata_expression_field(*value, pointer_child(pointer, field), field);
        } else {
            if (value->is_number() && value->get<double>() >= low && value->get<double>() <= high)
                out.value = value->get<double>();
            else
                report(pointer_child(pointer, field), quoted(field) + " must be a number between " +
                                                          json(low).dump() + " and " + json(high).dump());
        }
    }
    out.path = reference_field(object, pointer, path_field);
    return out;
}

} // namespace stepfn::detail

#endif
