#ifndef STEPFN_JSON_HPP
#define STEPFN_JSON_HPP

#include <nlohmann/json.hpp>

namespace stepfn {

// AWS keeps the keys of JSON objects in insertion order (templates come out as written,
// States.JsonToString and the history show them that way), so the engine's value type is the
// insertion-ordered nlohmann::ordered_json, never the sorted nlohmann::json.
using json = nlohmann::ordered_json;

} // namespace stepfn

#endif
