#ifndef STEPFN_POLICIES_ACCESS_REQUEST_HPP
#define STEPFN_POLICIES_ACCESS_REQUEST_HPP

// What an authoriser is asked: an action as AWS names it, the ARN it acts on, and the request's
// condition context (the keys IAM policy conditions read: aws:ResourceTag/<key>,
// aws:PrincipalTag/<key>, aws:PrincipalArn, ...). Condition key names are case-insensitive, as
// in IAM; their values are not.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/policies/detail/wildcard.hpp>

namespace stepfn {

// Orders condition keys ignoring ASCII case, so that "aws:ResourceTag/Team" finds "aws:resourcetag/team".
struct condition_key_less {
    bool operator()(std::string_view a, std::string_view b) const noexcept {
        const std::size_t n = a.size() < b.size() ? a.size() : b.size();
        for (std::size_t i = 0; i < n; ++i) {
            const char x = detail::lower_ascii_char(a[i]), y = detail::lower_ascii_char(b[i]);
            if (x != y) return x < y;
        }
        return a.size() < b.size();
    }
    using is_transparent = void;
};

using condition_context = std::map<std::string, std::vector<std::string>, condition_key_less>;

struct access_request {
    std::string action;    // "states:StartExecution"
    std::string resource;  // "arn:aws:states:us-east-1:123456789012:stateMachine:orders", or "*"
    condition_context context;
};

} // namespace stepfn

#endif
