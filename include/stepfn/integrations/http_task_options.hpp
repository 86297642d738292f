#ifndef STEPFN_INTEGRATIONS_HTTP_TASK_OPTIONS_HPP
#define STEPFN_INTEGRATIONS_HTTP_TASK_OPTIONS_HPP

// Settings of stepfn::http_task_invoker (<stepfn/integrations/http_task.hpp>); AWS's values by
// default. Part of the stepfn::http target.

#include <chrono>
#include <cstddef>

#include <stepfn/integrations/http_message.hpp>

namespace stepfn {

struct http_task_options {
    // AWS gives up on an HTTP Task's call after 60 s, with States.Http.Socket; a shorter
    // TimeoutSeconds ends it sooner (States.Timeout).
    std::chrono::milliseconds cap{60000};
    std::size_t max_request_bytes = 262144;   // the body sent (States.DataLimitExceeded beyond)
    std::size_t max_response_bytes = 262144;  // the body received (States.DataLimitExceeded beyond)
    long max_redirects = 10;
    // The CAs to trust instead of the system store (AWS trusts public CAs only; a test or a
    // private network needs its own), for the calls and the OAuth token endpoints.
    http_tls tls;
    // AWS requires Authentication.ConnectionArn; stepfn lets a Task without one call without
    // credentials unless this is set.
    bool require_connection = false;
};

} // namespace stepfn

#endif
