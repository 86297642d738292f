#ifndef STEPFN_POLICIES_AUTHORIZER_HPP
#define STEPFN_POLICIES_AUTHORIZER_HPP

// The home of authorisation: whether a principal (<stepfn/principal.hpp>) may perform an action
// on a resource. The API handler (step_functions_api) asks it before every call when one is
// configured (api_options::authorizer); the default allows everything, as an embedded engine
// without callers of its own does. policy_authorizer (<stepfn/policies/policy_authorizer.hpp>)
// decides with IAM-style policy documents.

#include <string>
#include <string_view>

#include <stepfn/error.hpp>
#include <stepfn/policies/access_request.hpp>
#include <stepfn/principal.hpp>

namespace stepfn {

// The error name of a denial: AWS's AccessDeniedException.
inline constexpr const char* access_denied = "AccessDeniedException";

class authorizer {
public:
    virtual ~authorizer() = default;
    // An error named AccessDeniedException, with AWS's message, when `who` may not.
    virtual result<void> authorize(const principal& who, const access_request& request) const = 0;

    result<void> authorize(const principal& who, std::string_view action, std::string_view resource) const {
        access_request request;
        request.action = std::string(action);
        request.resource = std::string(resource);
        return authorize(who, request);
    }
};

// Allows every action: the default when no authoriser is configured.
class allow_all_authorizer final : public authorizer {
public:
    using authorizer::authorize;
    result<void> authorize(const principal&, const access_request&) const override { return {}; }
};

} // namespace stepfn

#endif
