#ifndef STEPFN_PRINT_TO_JSON_HPP
#define STEPFN_PRINT_TO_JSON_HPP

// A state machine printed back as ASL JSON. A machine keeps its definition as loaded (keys in
// their written order), whether it came from JSON, YAML or the builder, so printing returns
// that: loading the printed text gives the same machine again (tests/unit/roundtrip_test.cpp).

#include <string>

#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>

namespace stepfn {

// The ASL definition as a JSON value.
inline const json& to_asl_json(const state_machine& machine) noexcept { return machine.source(); }

// The ASL definition as text; `indent` < 0 prints it on one line. Never throws: text that is
// not valid UTF-8 (only possible from the builder) is printed with U+FFFD in its place.
inline std::string to_asl(const state_machine& machine, int indent = 2) {
    return machine.source().dump(indent, ' ', false, json::error_handler_t::replace);
}

} // namespace stepfn

#endif
