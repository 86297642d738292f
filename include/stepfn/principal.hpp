#ifndef STEPFN_PRINCIPAL_HPP
#define STEPFN_PRINCIPAL_HPP

// Who is asking: the identity an authenticator established for a caller (an access key's
// principal, an OIDC token's subject), what the identity provider asserted about it, and how
// long that holds. A plain value: the API layer carries it with each call and the authoriser
// (<stepfn/policies/authorizer.hpp>) decides with it.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stepfn {

struct principal {
    std::string id;                   // an IAM ARN ("arn:aws:iam::123456789012:user/alice") or an OIDC subject
    std::vector<std::string> groups;  // groups or roles the identity provider asserted
    // Other claims, as policy conditions read them (aws:PrincipalTag/<name>): one or more
    // string values per name.
    std::map<std::string, std::vector<std::string>> claims;
    std::string authenticated_by;     // "sigv4", "oidc", "loopback" (unauthenticated, local), or empty
    std::optional<std::chrono::system_clock::time_point> expires;  // when its credentials stop being valid
};

} // namespace stepfn

#endif
