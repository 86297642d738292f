#ifndef STEPFN_INTEGRATIONS_HTTP_INVOKER_HPP
#define STEPFN_INTEGRATIONS_HTTP_INVOKER_HPP

// stepfn::http_invoker: runs a Task by calling one of the host's own HTTP services. The
// effective input is POSTed as JSON; a 2xx response's JSON body is the result.
//
//   auto client = std::make_shared<stepfn::http_client>();   // one per engine
//   stepfn::http_endpoint orders;
//   orders.url = "https://orders.internal:8443/run";
//   engine.invokers().add("orders", stepfn::make_http_invoker(client, orders));
//
// Failures, as Retry and Catch see them:
//   a 2xx or non-2xx body {"error": "...", "cause": "..."}   that error and cause
//   any other non-2xx                                        States.Http.StatusCode.<code>, cause = the body
//   no connection, reset, closed, TLS refused                States.Http.Socket
//   the Task's deadline (or the endpoint's timeout) passed    States.Timeout
//   a 2xx body that is not JSON                               States.TaskFailed
//   a body over max_response_bytes                            States.DataLimitExceeded
// When the engine gives up on the attempt (TimeoutSeconds, HeartbeatSeconds, stop), the
// request is aborted.
//
// Part of the stepfn::http target (links CURL::libcurl); not in <stepfn/stepfn.hpp>.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/bounded_json.hpp>
#include <stepfn/integrations/detail/http_attempt.hpp>
#include <stepfn/integrations/http_client.hpp>
#include <stepfn/json.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

struct http_endpoint {
    std::string url;                  // where the input is sent (http:// or https://)
    std::string method = "POST";
    std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
    http_tls tls;                     // CA file (else the system store), client certificate and key
    // When the Task has no TimeoutSeconds; with one, the request may run until its deadline.
    std::chrono::milliseconds timeout{60000};
    std::size_t max_response_bytes = 262144;  // AWS's payload limit
    bool follow_redirects = true;
    // Registered for a resource prefix: the rest of the Resource after `prefix` is appended to
    // the URL as its last path segment(s) ("svc:orders" under prefix "svc:" → url + "orders").
    std::string prefix;
    // The W3C `traceparent` to send for an attempt (empty: none). Unset: the attempt's own
    // (task_request::trace, set when the engine has a span_sink).
    std::function<std::string(const task_request&)> traceparent;
};

class http_invoker final : public task_invoker {
public:
    http_invoker(std::shared_ptr<http_client> client, http_endpoint endpoint)
        : client_(std::move(client)), endpoint_(std::move(endpoint)) {}

    void invoke(task_request request, task_completion done) override {
        http_request call;
        call.method = endpoint_.method;
        call.url = url_for(request.resource);
        call.headers = endpoint_.headers;
        call.headers.emplace_back("Content-Type", "application/json");
        call.headers.emplace_back("Accept", "application/json");
        // What a service needs to be idempotent across retries and to answer a callback task.
        call.headers.emplace_back("Stepfn-Execution-Arn", request.execution_id);
        call.headers.emplace_back("Stepfn-State-Name", request.state_name);
        call.headers.emplace_back("Stepfn-Attempt", std::to_string(request.attempt));
        if (!request.task_token.empty()) call.headers.emplace_back("Stepfn-Task-Token", request.task_token);
        if (endpoint_.traceparent) {
            std::string trace = endpoint_.traceparent(request);
            if (!trace.empty()) call.headers.emplace_back("traceparent", std::move(trace));
        } else if (request.trace.valid()) {
            call.headers.emplace_back("traceparent", to_traceparent(request.trace));
        }
        call.body = request.input.dump();
        call.timeout = detail::time_left(request, endpoint_.timeout);
        call.follow_redirects = endpoint_.follow_redirects;
        call.max_response_bytes = endpoint_.max_response_bytes;
        call.tls = endpoint_.tls;

        auto link = detail::link_cancellation(done, client_);
        std::string url = call.url;
        detail::send_linked(*client_, *link, std::move(call),
                            [done = std::move(done), url = std::move(url)](result<http_response> reply) mutable {
                                done.complete(to_result(std::move(reply), url));
                            });
    }

    const http_endpoint& endpoint() const noexcept { return endpoint_; }

private:
    std::string url_for(const std::string& resource) const {
        if (endpoint_.prefix.empty() || resource.size() <= endpoint_.prefix.size() ||
            resource.compare(0, endpoint_.prefix.size(), endpoint_.prefix) != 0)
            return endpoint_.url;
        std::string url = endpoint_.url;
        if (!url.empty() && url.back() != '/') url += '/';
        return url + resource.substr(endpoint_.prefix.size());
    }

    static result<json> to_result(result<http_response> reply, const std::string& url) {
        if (!reply) {
            error e = std::move(reply.error());
            e.cause = "calling " + url + ": " + e.cause;
            return tl::make_unexpected(std::move(e));
        }
        http_response& r = *reply;
        const bool ok = r.status >= 200 && r.status < 300;
        if (!ok) {
            auto body = detail::parse_reply(r.body, "the response");
            if (body && detail::is_error_object(*body)) return tl::make_unexpected(detail::error_from_object(*body));
            return make_error("States.Http.StatusCode." + std::to_string(r.status),
                              detail::bounded_cause(url + " answered " + std::to_string(r.status) +
                                                    (r.reason.empty() ? "" : " " + r.reason) +
                                                    (r.body.empty() ? "" : ": " + r.body)));
        }
        if (r.body.empty() || r.status == 204) return json();
        auto body = detail::parse_reply(r.body, "the response of " + url);
        if (!body) return tl::make_unexpected(std::move(body.error()));
        if (detail::is_error_object(*body)) return tl::make_unexpected(detail::error_from_object(*body));
        return std::move(*body);
    }

    std::shared_ptr<http_client> client_;
    http_endpoint endpoint_;
};

inline std::shared_ptr<task_invoker> make_http_invoker(std::shared_ptr<http_client> client, http_endpoint endpoint) {
    return std::make_shared<http_invoker>(std::move(client), std::move(endpoint));
}

} // namespace stepfn

#endif
