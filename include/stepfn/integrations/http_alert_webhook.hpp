#ifndef STEPFN_INTEGRATIONS_HTTP_ALERT_WEBHOOK_HPP
#define STEPFN_INTEGRATIONS_HTTP_ALERT_WEBHOOK_HPP

// An alert hook (observe/alert_evaluator.hpp) that POSTs each alert as JSON to a webhook
// (Alertmanager-style receivers, chat integrations, an on-call service), on the engine's
// HTTP client: the evaluation never waits for the answer. A delivery that fails is counted in
// *failures (when given), not retried.
//
// Part of the stepfn::http target (libcurl); not in <stepfn/stepfn.hpp>.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/integrations/http_client.hpp>
#include <stepfn/observe/alert_evaluator.hpp>

namespace stepfn {

inline alert_hook http_alert_webhook(std::shared_ptr<http_client> client, std::string url,
                                     std::vector<std::pair<std::string, std::string>> headers = {},
                                     std::shared_ptr<std::atomic<std::uint64_t>> failures = nullptr) {
    headers.emplace_back("Content-Type", "application/json");
    return [client = std::move(client), url = std::move(url), headers = std::move(headers), failures](const alert_event& e) {
        http_request request;
        request.method = "POST";
        request.url = url;
        request.headers = headers;
        request.body = e.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
        request.timeout = std::chrono::seconds(10);
        client->send(std::move(request), [failures](result<http_response> response) {
            const bool ok = response && response->status >= 200 && response->status < 300;
            if (!ok && failures) failures->fetch_add(1);
        });
    };
}

} // namespace stepfn

#endif
