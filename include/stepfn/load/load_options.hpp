#ifndef STEPFN_LOAD_LOAD_OPTIONS_HPP
#define STEPFN_LOAD_LOAD_OPTIONS_HPP

#include <string>

#include <stepfn/limits.hpp>

namespace stepfn {

// How a definition is loaded: the limits it is checked against and the machine's name.
struct load_options {
    limits bounds;
    // The state machine's name (`$$.StateMachine.Name`, the ARN, the mock file's key).
    std::string name = "StateMachine";
};

} // namespace stepfn

#endif
