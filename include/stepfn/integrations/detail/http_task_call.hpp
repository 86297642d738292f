#ifndef STEPFN_INTEGRATIONS_DETAIL_HTTP_TASK_CALL_HPP
#define STEPFN_INTEGRATIONS_DETAIL_HTTP_TASK_CALL_HPP

// One attempt of an HTTP Task: its Parameters read and checked, the connection's parameters and
// credentials added (an OAuth token fetched first when needed), the request sent, redirects
// followed, and the response turned into AWS's result or error.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/bounded_json.hpp>
#include <stepfn/integrations/detail/http_attempt.hpp>
#include <stepfn/integrations/detail/http_task_encoding.hpp>
#include <stepfn/integrations/detail/oauth_token_cache.hpp>
#include <stepfn/integrations/http_client.hpp>
#include <stepfn/integrations/http_connection.hpp>
#include <stepfn/integrations/http_task_options.hpp>
#include <stepfn/json.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {
namespace detail {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct prepared_http_task {
    std::string method;
    std::string endpoint;        // ApiEndpoint as written (what errors show)
    std::string connection_arn;
    header_list headers;         // the Task's own
    header_list query;           // QueryParameters
    json body;                   // RequestBody
    bool has_body = false;
    bool url_encoded = false;
    array_format format = array_format::indices;
};

inline result<prepared_http_task> prepare_http_task(const json& input, const http_task_options&) {
    auto bad = [](std::string cause) { return make_error(errors::runtime, "HTTP Task: " + std::move(cause)); };
    if (!input.is_object()) return bad("Parameters must be an object");
    prepared_http_task p;
    auto endpoint = input.find("ApiEndpoint");
    if (endpoint == input.end() || !endpoint->is_string()) return bad("ApiEndpoint must be a string");
    p.endpoint = endpoint->get<std::string>();
    if (p.endpoint.compare(0, 7, "http://") != 0 && p.endpoint.compare(0, 8, "https://") != 0)
        return bad("ApiEndpoint must be an https:// (or http://) URL");
    auto method = input.find("Method");
    if (method == input.end() || !method->is_string()) return bad("Method must be a string");
    p.method = method->get<std::string>();
    static constexpr const char* methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"};
    if (std::find(std::begin(methods), std::end(methods), p.method) == std::end(methods))
        return bad("Method must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD");
    if (auto auth = input.find("Authentication"); auth != input.end()) {
        auto arn = auth->is_object() ? auth->find("ConnectionArn") : auth->end();
        if (!auth->is_object() || arn == auth->end() || !arn->is_string())
            return bad("Authentication must be {\"ConnectionArn\": \"...\"}");
        p.connection_arn = arn->get<std::string>();
    }
    if (auto headers = input.find("Headers"); headers != input.end() && !headers->is_null()) {
        if (!headers->is_object()) return bad("Headers must be an object");
        for (auto it = headers->begin(); it != headers->end(); ++it) {
            if (forbidden_http_task_header(it.key())) return bad("the header '" + it.key() + "' may not be set");
            auto text = scalar_text(it.value(), "HTTP Task: Headers." + it.key());
            if (!text) return tl::make_unexpected(std::move(text.error()));
            p.headers.emplace_back(it.key(), std::move(*text));
        }
    }
    auto transform = input.find("Transform");
    const json none;
    const json& t = transform == input.end() ? none : *transform;
    if (!t.is_null() && !t.is_object()) return bad("Transform must be an object");
    if (t.is_object()) {
        auto encoding = t.find("RequestBodyEncoding");
        if (encoding != t.end()) {
            if (*encoding == "URL_ENCODED") p.url_encoded = true;
            else if (*encoding != "NONE") return bad("Transform.RequestBodyEncoding must be NONE or URL_ENCODED");
        }
        auto format = parse_array_format(t);
        if (!format) return tl::make_unexpected(std::move(format.error()));
        p.format = *format;
    }
    if (auto query = input.find("QueryParameters"); query != input.end() && !query->is_null()) {
        if (!query->is_object()) return bad("QueryParameters must be an object");
        auto flat = flatten_pairs(*query, "", p.format, 0, p.query, "HTTP Task: QueryParameters");
        if (!flat) return tl::make_unexpected(std::move(flat.error()));
    }
    if (auto body = input.find("RequestBody"); body != input.end() && !body->is_null()) {
        p.body = *body;
        p.has_body = true;
        if (p.url_encoded && !body->is_object()) return bad("a URL_ENCODED RequestBody must be an object");
    }
    return p;
}

class http_task_call : public std::enable_shared_from_this<http_task_call> {
public:
    http_task_call(std::shared_ptr<http_client> client, std::shared_ptr<http_cancel_link> link,
                   std::shared_ptr<oauth_token_cache> tokens, const http_task_options& options, task_completion done)
        : client_(std::move(client)), link_(std::move(link)), tokens_(std::move(tokens)), options_(options),
          done_(std::move(done)) {}

    void begin(prepared_http_task p, std::shared_ptr<const http_connection> connection, const task_request& attempt) {
        connection_ = std::move(connection);
        arn_ = p.connection_arn;
        endpoint_ = p.endpoint;
        const auto uncapped = time_left(attempt, options_.cap);
        capped_ = uncapped >= options_.cap;
        http_request& r = request_;
        r.method = p.method;
        r.timeout = (std::min)(uncapped, options_.cap);
        r.max_response_bytes = options_.max_response_bytes;
        r.tls = options_.tls;
        header_list query = p.query;
        json body = p.body;
        header_list secret_headers;
        if (connection_) {
            const http_connection& c = *connection_;
            for (const auto& h : c.invocation_headers) secret_headers.emplace_back(h.key, h.value);
            for (const auto& q : c.invocation_query) query.emplace_back(q.key, q.value);
            if (!c.invocation_body.empty()) {
                if (p.has_body && !body.is_object())
                    return fail(errors::runtime, "HTTP Task: the connection's body parameters need an object RequestBody");
                if (!p.has_body) body = json::object();
                for (const auto& b : c.invocation_body) body[b.key] = b.value;
                p.has_body = true;
            }
            if (c.type == http_connection::authorization::basic)
                secret_headers.emplace_back("Authorization", basic_credentials(c.username, c.password));
            else if (c.type == http_connection::authorization::api_key)
                secret_headers.emplace_back(c.api_key_name, c.api_key_value);
        }
        r.url = p.endpoint;
        if (!query.empty()) r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + join_pairs(query);
        public_headers_ = p.headers;
        if (p.has_body) {
            if (p.url_encoded) {
                header_list form;
                auto flat = flatten_pairs(body, "", p.format, 0, form, "HTTP Task: RequestBody");
                if (!flat) return done_.complete(tl::make_unexpected(std::move(flat.error())));
                r.body = join_pairs(form);
                add_default(public_headers_, "Content-Type", "application/x-www-form-urlencoded");
            } else {
                r.body = body.is_string() ? body.get<std::string>() : body.dump();
                add_default(public_headers_, "Content-Type", "application/json; charset=UTF-8");
            }
            if (r.body.size() > options_.max_request_bytes)
                return fail(errors::data_limit_exceeded, "HTTP Task: the request body of " + std::to_string(r.body.size()) +
                                                             " bytes is over the limit of " +
                                                             std::to_string(options_.max_request_bytes));
        }
        r.headers = public_headers_;
        for (auto& h : secret_headers) r.headers.push_back(std::move(h));
        origin_ = url_origin(r.url);
        if (connection_ && connection_->type == http_connection::authorization::oauth_client_credentials) {
            auto self = shared_from_this();
            tokens_->get(arn_, *connection_, *client_, options_.tls, request_.timeout, [self](result<std::string> token) {
                if (!token) return self->fail(token.error().name, token.error().cause);
                self->request_.headers.emplace_back("Authorization", "Bearer " + *token);
                self->send();
            });
            return;
        }
        send();
    }

private:
    static void add_default(header_list& headers, const char* name, const char* value) {
        for (const auto& h : headers)
            if (ascii_lower(h.first) == ascii_lower(name)) return;
        headers.emplace_back(name, value);
    }

    void fail(std::string name, std::string cause) { done_.fail(std::move(name), std::move(cause)); }

    void send() {
        auto self = shared_from_this();
        http_request copy = request_;  // kept for a redirect
        send_linked(*client_, *link_, std::move(copy), [self](result<http_response> reply) { self->on_reply(std::move(reply)); });
    }

    void on_reply(result<http_response> reply) {
        if (!reply) {
            error e = std::move(reply.error());
            if (e.name == http_errors::timeout && capped_)
                return fail(http_errors::socket, "calling " + endpoint_ + ": no response within " +
                                                     std::to_string(options_.cap.count() / 1000) + " seconds");
            return fail(std::move(e.name), "calling " + endpoint_ + ": " + e.cause);
        }
        http_response& r = *reply;
        if (r.status >= 300 && r.status < 400 && !r.redirect_url.empty() && hops_ < options_.max_redirects) {
            ++hops_;
            http_request& next = request_;
            const bool keep_body = r.status == 307 || r.status == 308;
            if (!keep_body && next.method != "GET" && next.method != "HEAD") {
                next.method = "GET";
                next.body.clear();
            }
            if (url_origin(r.redirect_url) != origin_) next.headers = public_headers_;  // no credentials elsewhere
            next.url = r.redirect_url;
            return send();
        }
        if (r.status == 401 && connection_ && connection_->type == http_connection::authorization::oauth_client_credentials)
            tokens_->invalidate(arn_);
        json result = http_task_result(r);
        if (r.status >= 200 && r.status < 300) return done_.succeed(std::move(result));
        fail("States.Http.StatusCode." + std::to_string(r.status), bounded_cause(result.dump()));
    }

    std::shared_ptr<http_client> client_;
    std::shared_ptr<http_cancel_link> link_;
    std::shared_ptr<oauth_token_cache> tokens_;
    http_task_options options_;
    task_completion done_;
    std::shared_ptr<const http_connection> connection_;
    std::string arn_, endpoint_, origin_;
    header_list public_headers_;
    http_request request_;
    bool capped_ = false;
    long hops_ = 0;
};

} // namespace detail
} // namespace stepfn

#endif
