#ifndef STEPFN_INTEGRATIONS_HTTP_FETCH_HPP
#define STEPFN_INTEGRATIONS_HTTP_FETCH_HPP

// One blocking GET through an http_client (target stepfn::http): for the rare fetch that a
// caller must wait for, such as an OIDC provider's JWKS (jwks_fetcher) or a token endpoint.
// Never call it from the client's own thread (from inside another request's callback).

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <stepfn/error.hpp>
#include <stepfn/integrations/http_client.hpp>

namespace stepfn {

// The body of a 2xx answer; an error naming the status or the transport failure otherwise.
inline result<std::string> http_fetch(http_client& client, const std::string& url,
                                      std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
                                      std::size_t max_bytes = std::size_t{1} << 20) {
    http_request request;
    request.url = url;
    request.timeout = timeout;
    request.max_response_bytes = max_bytes;
    request.headers.emplace_back("Accept", "application/json");
    auto answer = std::make_shared<std::promise<result<http_response>>>();
    auto got = answer->get_future();
    client.send(std::move(request), [answer](result<http_response> r) { answer->set_value(std::move(r)); });
    result<http_response> r = got.get();
    if (!r) return tl::make_unexpected(std::move(r.error()));
    if (r->status < 200 || r->status > 299) return make_error("HttpStatus", url + " answered " + std::to_string(r->status));
    return std::move(r->body);
}

} // namespace stepfn

#endif
