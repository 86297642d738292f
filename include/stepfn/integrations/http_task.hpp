#ifndef STEPFN_INTEGRATIONS_HTTP_TASK_HPP
#define STEPFN_INTEGRATIONS_HTTP_TASK_HPP

// stepfn::http_task_invoker: AWS Step Functions' HTTP Task, `arn:aws:states:::http:invoke`.
//
//   "Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
//            "Parameters": {"ApiEndpoint": "https://api.example.com/v1/orders", "Method": "POST",
//                           "Authentication": {"ConnectionArn": "arn:aws:events:...:connection/Orders/1"},
//                           "Headers": {...}, "QueryParameters": {...}, "RequestBody": {...},
//                           "Transform": {"RequestBodyEncoding": "URL_ENCODED",
//                                         "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}}}
//
//   auto http = std::make_shared<stepfn::http_task_invoker>(client);
//   http->add_connection("arn:aws:events:...:connection/Orders/1", *stepfn::parse_http_connection(config));
//   engine.invokers().add(stepfn::http_task_resource, http);
//
// The result is AWS's: {"StatusCode", "StatusText", "Headers": {name: [values]}, "ResponseBody"}
// with the body parsed when its content type is JSON. Errors, as Retry and Catch see them:
//   a non-2xx status                  States.Http.StatusCode.<code>, cause = that result as JSON text
//   no connection, reset, TLS, or no
//   response within 60 s (AWS's cap) States.Http.Socket
//   a response over 256 KiB           States.DataLimitExceeded
//   malformed Parameters, a forbidden
//   header, an unknown connection     States.Runtime
// Connection secrets go into the request only: never into results, errors or the history.
// Redirects are followed (up to 10); one to another origin carries none of the connection's
// headers or credentials.
//
// Part of the stepfn::http target (links CURL::libcurl); not in <stepfn/stepfn.hpp>.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/http_attempt.hpp>
#include <stepfn/integrations/detail/http_task_call.hpp>
#include <stepfn/integrations/detail/oauth_token_cache.hpp>
#include <stepfn/integrations/http_client.hpp>
#include <stepfn/integrations/http_connection.hpp>
#include <stepfn/integrations/http_task_options.hpp>
#include <stepfn/json.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

inline constexpr const char* http_task_resource = "arn:aws:states:::http:invoke";

class http_task_invoker final : public task_invoker {
public:
    explicit http_task_invoker(std::shared_ptr<http_client> client, http_task_options options = {})
        : client_(std::move(client)), options_(std::move(options)), tokens_(std::make_shared<detail::oauth_token_cache>()) {}

    // Registers (or replaces) the connection a ConnectionArn names.
    void add_connection(std::string arn, http_connection connection) {
        std::unique_lock<std::shared_mutex> lock(mutex_);
        connections_[std::move(arn)] = std::make_shared<const http_connection>(std::move(connection));
        tokens_->invalidate(arn);
    }

    void invoke(task_request request, task_completion done) override {
        auto link = detail::link_cancellation(done, client_);
        auto prepared = detail::prepare_http_task(request.input, options_);
        if (!prepared) {
            done.complete(tl::make_unexpected(std::move(prepared.error())));
            return;
        }
        std::shared_ptr<const http_connection> connection;
        if (!prepared->connection_arn.empty()) {
            std::shared_lock<std::shared_mutex> lock(mutex_);
            auto found = connections_.find(prepared->connection_arn);
            if (found != connections_.end()) connection = found->second;
        }
        if (!prepared->connection_arn.empty() && !connection) {
            done.fail(errors::runtime, "no connection is configured for ConnectionArn '" + prepared->connection_arn + "'");
            return;
        }
        if (prepared->connection_arn.empty() && options_.require_connection) {
            done.fail(errors::runtime, "an HTTP Task needs Authentication.ConnectionArn");
            return;
        }
        auto call = std::make_shared<detail::http_task_call>(client_, link, tokens_, options_, std::move(done));
        call->begin(std::move(*prepared), std::move(connection), request);
    }

    // Tokens fetched from OAuth endpoints so far (each is cached until it expires).
    std::size_t oauth_fetches() const { return tokens_->fetches(); }

private:
    std::shared_ptr<http_client> client_;
    http_task_options options_;
    std::shared_ptr<detail::oauth_token_cache> tokens_;
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<const http_connection>> connections_;
};

inline std::shared_ptr<http_task_invoker> make_http_task_invoker(std::shared_ptr<http_client> client,
                                                                 http_task_options options = {}) {
    return std::make_shared<http_task_invoker>(std::move(client), std::move(options));
}

} // namespace stepfn

#endif
