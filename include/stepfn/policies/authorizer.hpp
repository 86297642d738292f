#ifndef STEPFN_POLICIES_AUTHORIZER_HPP
#define STEPFN_POLICIES_AUTHORIZER_HPP

// The home of authorisation: who is asking (a principal) and whether they may perform an
// action on a resource. The default allows everything, as an embedded engine without callers
// of its own does; identity providers and IAM-style policy documents plug in here.

#include <string>
#include <string_view>
#include <vector>

#include <stepfn/error.hpp>

namespace stepfn {

struct principal {
    std::string id;                   // e.g. an IAM ARN or an OIDC subject
    std::vector<std::string> groups;  // groups or roles the identity provider asserted
};

class authorizer {
public:
    virtual ~authorizer() = default;
    // `action` as AWS names it (`states:StartExecution`), `resource` an ARN. An error value
    // (AccessDeniedException) when the principal may not.
    virtual result<void> authorize(const principal& who, std::string_view action, std::string_view resource) const = 0;
};

// Allows every action: the default when no authoriser is configured.
class allow_all_authorizer final : public authorizer {
public:
    result<void> authorize(const principal&, std::string_view, std::string_view) const override { return {}; }
};

} // namespace stepfn

#endif
