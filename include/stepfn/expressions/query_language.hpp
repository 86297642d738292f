#ifndef STEPFN_EXPRESSIONS_QUERY_LANGUAGE_HPP
#define STEPFN_EXPRESSIONS_QUERY_LANGUAGE_HPP

namespace stepfn {

// `QueryLanguage`: JSONPath (the default) or JSONata, per machine and per state.
enum class query_language { jsonpath, jsonata };

} // namespace stepfn

#endif
