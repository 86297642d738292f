#ifndef STEPFN_TESTS_UNIT_VALIDATION_HELPERS_HPP
#define STEPFN_TESTS_UNIT_VALIDATION_HELPERS_HPP

// Helpers shared by the validation tests (validation_test.cpp and validation_state_types_test.cpp).

#include "catch.hpp"

#include <string>
#include <string_view>
#include <stepfn/load/loader.hpp>
#include <stepfn/model/state_machine.hpp>

namespace {

using Catch::Matchers::Contains;

// Every problem as "\n<pointer>: <message>" lines (the error's cause, with "/" for the root),
// or "" when the definition loads. A leading newline lets a test match a pointer exactly.
inline std::string problems(std::string_view text, const stepfn::load_options& options = {}) {
    auto loaded = stepfn::load_machine(text, options);
    if (loaded) return "";
    return "\n" + loaded.error().cause;
}

// A machine whose top-level States object is `states` and whose StartAt is "S".
inline std::string machine(std::string_view states) {
    return R"asl({"StartAt": "S", "States": {)asl" + std::string(states) + "}}";
}

// A JSONata machine, same shape.
inline std::string jsonata_machine(std::string_view states) {
    return R"asl({"QueryLanguage": "JSONata", "StartAt": "S", "States": {)asl" + std::string(states) + "}}";
}

inline std::string task_with(std::string_view fields) {
    return machine(R"asl("S": {"Type": "Task", "Resource": "arn:r", "End": true, )asl" + std::string(fields) + "}");
}

inline std::string map_with(std::string_view fields) {
    return machine(R"asl("S": {"Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, )asl" +
                   std::string(fields) + "}");
}

inline std::string distributed_map_with(std::string_view fields) {
    return machine(R"asl("S": {"Type": "Map", "End": true,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, )asl" +
                   std::string(fields) + "}");
}

} // namespace

#endif
