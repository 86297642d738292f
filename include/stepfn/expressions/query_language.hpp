#ifndef STEPFN_EXPRESSIONS_QUERY_LANGUAGE_HPP
#define STEPFN_EXPRESSIONS_QUERY_LANGUAGE_HPP

#include <string_view>

namespace stepfn {

// `QueryLanguage`: JSONPath (the default) or JSONata, per machine and per state.
enum class query_language { jsonpath, jsonata };

// Whether `text` is a JSONata expression as ASL writes one: a string that starts with `{%` and
// ends with `%}` (asl-reference §10). The one home of the rule: the loader, the Choice rule
// compiler and the builder ask here.
inline bool is_jsonata_expression(std::string_view text) noexcept {
    return text.size() >= 4 && text.substr(0, 2) == "{%" && text.substr(text.size() - 2) == "%}";
}

} // namespace stepfn

#endif
