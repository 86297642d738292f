#ifndef STEPFN_MODEL_EXPRESS_SUPPORT_HPP
#define STEPFN_MODEL_EXPRESS_SUPPORT_HPP

// What an EXPRESS state machine may not use. AWS's Express workflows support only the Request
// Response integration pattern: a Task whose Resource ends in `.sync` (or `.sync:N`) or
// `.waitForTaskToken`, or names an activity, is refused when an EXPRESS machine is created.

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/model/states.hpp>

namespace stepfn {

namespace detail {

// Why an EXPRESS workflow cannot run this Task Resource; empty when it can.
inline std::string express_refusal(std::string_view resource) {
    if (resource.rfind("arn:aws:states:", 0) == 0 && resource.find(":activity:") != std::string_view::npos)
        return "Express state machine does not support Activity ARN";
    const auto dot = resource.rfind('.');
    if (dot == std::string_view::npos) return {};
    std::string_view suffix = resource.substr(dot + 1);
    if (suffix == "waitForTaskToken") return "Express state machine does not support '.waitForTaskToken' service integration";
    if (suffix.rfind("sync", 0) == 0 && (suffix.size() == 4 || suffix[4] == ':'))
        return "Express state machine does not support '.sync' service integration";
    return {};
}

// Bounded by the definition's own nesting, which the loader already bounded.
inline void express_problems(const scope& states, std::vector<diagnostic>& out) {
    for (const auto& s : states.states) {
        if (const auto* t = std::get_if<task_state>(&s.body)) {
            std::string why = express_refusal(t->resource);
            if (!why.empty()) out.push_back({s.pointer + "/Resource", std::move(why)});
        } else if (const auto* p = std::get_if<parallel_state>(&s.body)) {
            for (const auto& branch : p->branches) express_problems(branch, out);
        } else if (const auto* m = std::get_if<map_state>(&s.body)) {
            if (m->processor) express_problems(*m->processor, out);
        }
    }
}

} // namespace detail

// Ok when an EXPRESS execution can run `machine`; otherwise States.InvalidDefinition listing
// each Task that uses what Express workflows do not support, with its JSON Pointer (AWS's
// "SCHEMA_VALIDATION_FAILED: Express state machine does not support ... at /States/X/Resource").
inline result<void> check_express(const state_machine& machine) {
    std::vector<diagnostic> problems;
    detail::express_problems(machine.top(), problems);
    if (problems.empty()) return {};
    std::string cause;
    for (const auto& p : problems) {
        if (!cause.empty()) cause += "; ";
        cause += "SCHEMA_VALIDATION_FAILED: " + p.message + " at " + p.pointer;
    }
    error e{errors::invalid_definition, std::move(cause)};
    e.problems = std::move(problems);
    return tl::make_unexpected(std::move(e));
}

} // namespace stepfn

#endif
