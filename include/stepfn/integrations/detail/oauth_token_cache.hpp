#ifndef STEPFN_INTEGRATIONS_DETAIL_OAUTH_TOKEN_CACHE_HPP
#define STEPFN_INTEGRATIONS_DETAIL_OAUTH_TOKEN_CACHE_HPP

// OAuth client-credentials tokens of the HTTP Task's connections: fetched from the token
// endpoint through the engine's one HTTP client, cached until shortly before they expire, and
// fetched once however many attempts ask at the same time. Errors never carry the client
// secret, the token, or the endpoint's reply (which may echo either).

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/unique_function.hpp>
#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/bounded_json.hpp>
#include <stepfn/integrations/detail/http_task_encoding.hpp>
#include <stepfn/integrations/http_client.hpp>
#include <stepfn/integrations/http_connection.hpp>

namespace stepfn {
namespace detail {

class oauth_token_cache : public std::enable_shared_from_this<oauth_token_cache> {
public:
    using token_callback = unique_function<void(result<std::string>)>;

    void get(const std::string& arn, const http_connection& c, http_client& client, const http_tls& tls,
             std::chrono::milliseconds timeout, token_callback then) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            entry& e = entries_[arn];
            if (!e.token.empty() && std::chrono::steady_clock::now() < e.expires) {
                std::string token = e.token;
                lock.unlock();
                then(std::move(token));
                return;
            }
            e.waiters.push_back(std::move(then));
            if (e.fetching) return;
            e.fetching = true;
            ++fetches_;
        }
        http_request request;
        request.method = c.oauth_method.empty() ? "POST" : c.oauth_method;
        std::vector<std::pair<std::string, std::string>> query;
        for (const auto& p : c.oauth_query) query.emplace_back(p.key, p.value);
        request.url = c.oauth_endpoint;
        if (!query.empty()) request.url += (request.url.find('?') == std::string::npos ? "?" : "&") + join_pairs(query);
        request.headers.emplace_back("Authorization", basic_credentials(c.client_id, c.client_secret));
        request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        request.headers.emplace_back("Accept", "application/json");
        for (const auto& p : c.oauth_headers) request.headers.emplace_back(p.key, p.value);
        std::vector<std::pair<std::string, std::string>> form{{"grant_type", "client_credentials"}};
        for (const auto& p : c.oauth_body) form.emplace_back(p.key, p.value);
        request.body = join_pairs(form);
        request.timeout = timeout;
        request.max_response_bytes = 65536;
        request.tls = tls;
        auto self = shared_from_this();
        client.send(std::move(request), [self, arn](result<http_response> reply) { self->fetched(arn, std::move(reply)); });
    }

    // After a 401 through the connection: the next call fetches a new token.
    void invalidate(const std::string& arn) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = entries_.find(arn);
        if (it != entries_.end()) it->second.token.clear();
    }

    std::size_t fetches() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return fetches_;
    }

private:
    struct entry {
        std::string token;
        std::chrono::steady_clock::time_point expires;
        bool fetching = false;
        std::vector<token_callback> waiters;
    };

    void fetched(const std::string& arn, result<http_response> reply) {
        std::chrono::seconds lifetime{3600};
        result<std::string> token = read_token(arn, std::move(reply), lifetime);
        std::vector<token_callback> waiters;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            entry& e = entries_[arn];
            e.fetching = false;
            waiters.swap(e.waiters);
            if (token) {
                e.token = *token;
                e.expires = std::chrono::steady_clock::now() + lifetime;
            }
        }
        for (auto& w : waiters) w(token);
    }

    static result<std::string> read_token(const std::string& arn, result<http_response> reply, std::chrono::seconds& lifetime) {
        const std::string where = "the OAuth token endpoint of connection " + arn;
        if (!reply) {
            const std::string name = reply.error().name == http_errors::too_large ? errors::task_failed : http_errors::socket;
            return make_error(name, where + " could not be reached: " + reply.error().cause);
        }
        if (reply->status < 200 || reply->status >= 300)
            return make_error(errors::task_failed, where + " answered " + std::to_string(reply->status));
        auto body = parse_reply(reply->body, where + "'s reply");
        if (!body || !body->is_object() || !body->contains("access_token") || !(*body)["access_token"].is_string())
            return make_error(errors::task_failed, where + " did not return an access_token");
        // Refreshed a minute before it expires (or in 50 minutes when it does not say).
        long long seconds = 3600;
        auto e = body->find("expires_in");
        if (e != body->end() && e->is_number()) seconds = e->get<long long>();
        seconds = seconds > 120 ? seconds - 60 : (seconds > 1 ? seconds / 2 : 1);
        lifetime = std::chrono::seconds(seconds);
        return (*body)["access_token"].get<std::string>();
    }

    mutable std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
    std::size_t fetches_ = 0;
};

} // namespace detail
} // namespace stepfn

#endif
