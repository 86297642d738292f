#ifndef STEPFN_POLICIES_ROLE_CHECK_HPP
#define STEPFN_POLICIES_ROLE_CHECK_HPP

// Before anything runs: the Task states of a definition whose calls its execution role does
// not allow, each with its JSON Pointer (a Task that names another role in Credentials is
// checked against that role when it is a static RoleArn, and skipped when it is RoleArn.$).
// Only what is known before running is checked: a Parameters value chosen at run time
// (`FunctionName.$`) is checked by role_guard when the Task runs.

#include <string>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/policies/role_guard.hpp>

namespace stepfn {

namespace detail {

inline void check_states(const json& states, const std::string& pointer, const role_policies& roles, const std::string& role,
                         const std::string& region, const std::string& account, const std::string& machine_arn,
                         std::vector<diagnostic>& out, int depth) {
    if (!states.is_object() || depth > 64) return;
    for (auto it = states.begin(); it != states.end(); ++it) {
        const json& s = it.value();
        if (!s.is_object()) continue;
        const std::string here = pointer + "/" + it.key();
        const std::string type = param_text(s, "Type");
        if (type == "Parallel" && s.contains("Branches") && s["Branches"].is_array()) {
            for (std::size_t i = 0; i < s["Branches"].size(); ++i)
                if (s["Branches"][i].is_object())
                    check_states(s["Branches"][i].value("States", json::object()), here + "/Branches/" + std::to_string(i) + "/States", roles,
                                 role, region, account, machine_arn, out, depth + 1);
        }
        for (const char* inner : {"ItemProcessor", "Iterator"})
            if (s.contains(inner) && s[inner].is_object())
                check_states(s[inner].value("States", json::object()), here + "/" + inner + "/States", roles, role, region, account,
                             machine_arn, out, depth + 1);
        if (type != "Task") continue;
        std::string task_role = role;
        if (auto c = s.find("Credentials"); c != s.end() && c->is_object()) {
            if (c->contains("RoleArn.$")) continue;  // chosen at run time
            task_role = param_text(*c, "RoleArn");
        }
        json params = s.contains("Parameters") ? s["Parameters"] : s.value("Arguments", json::object());
        auto access = task_permission(param_text(s, "Resource"), params, region, account, machine_arn);
        if (!access) continue;
        if (access->request.resource.find(":function:") != std::string::npos && params.is_object() && params.contains("FunctionName.$")) continue;
        auto policy = roles.find(task_role);
        const policy_effect effect = policy == roles.end() ? policy_effect::not_applicable : policy->second.evaluate(access->request);
        if (effect != policy_effect::allow)
            out.push_back({here + "/Resource", "the role " + (task_role.empty() ? std::string("(none)") : task_role) + " does not allow " +
                                                   access->request.action + " on " + access->request.resource});
    }
}

} // namespace detail

inline std::vector<diagnostic> role_findings(const json& definition, const role_policies& roles, const std::string& role_arn,
                                             const std::string& region, const std::string& account, const std::string& machine_arn) {
    std::vector<diagnostic> out;
    if (definition.is_object())
        detail::check_states(definition.value("States", json::object()), "/States", roles, role_arn, region, account, machine_arn, out, 0);
    return out;
}

} // namespace stepfn

#endif
