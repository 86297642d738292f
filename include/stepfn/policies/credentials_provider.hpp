#ifndef STEPFN_POLICIES_CREDENTIALS_PROVIDER_HPP
#define STEPFN_POLICIES_CREDENTIALS_PROVIDER_HPP

// Short-lived credentials for the roles Tasks run under: a provider fetches the credentials of a
// role (AWS keys with a session token, or a bearer token, and when they expire); a
// credentials_cache keeps them per role, refreshes them before they expire on the engine's clock
// (a timer at expiry - refresh_ahead, so a virtual clock in a test drives it too) and makes a
// caller wait for a fetch only when it has none, or the ones it has are about to expire.
//
// Secrets stay in `credentials` values: nothing here formats them into an error, a log line or
// JSON, and the type has no conversion to JSON, so it cannot be recorded by accident. Providers:
// static_credentials_provider (tests, fixed keys) here; a credential_process command and OIDC
// client credentials in <stepfn/integrations/credential_process.hpp>.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <stepfn/clocks/timer.hpp>
#include <stepfn/error.hpp>
#include <stepfn/job.hpp>

namespace stepfn {

struct credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
    std::string bearer_token;  // OIDC / OAuth access token
    std::optional<std::chrono::system_clock::time_point> expires;  // none: long-lived
};

class credentials_provider {
public:
    virtual ~credentials_provider() = default;
    // The role's credentials now (may block: a command runs, a token endpoint answers). Errors
    // say what failed, never a secret.
    virtual result<credentials> fetch(const std::string& role_arn) = 0;
};

// Fixed credentials per role (and for any role under ""), e.g. for tests.
class static_credentials_provider final : public credentials_provider {
public:
    explicit static_credentials_provider(std::map<std::string, credentials> by_role) : by_role_(std::move(by_role)) {}
    result<credentials> fetch(const std::string& role_arn) override {
        auto found = by_role_.find(role_arn);
        if (found == by_role_.end()) found = by_role_.find("");
        if (found == by_role_.end()) return make_error("CredentialsUnavailable", "no credentials are configured for the role " + role_arn);
        return found->second;
    }

private:
    std::map<std::string, credentials> by_role_;
};

struct credentials_cache_options {
    std::chrono::seconds refresh_ahead{300};  // refresh in the background this long before expiry
    std::chrono::seconds must_refresh{60};    // within this of expiry a caller waits for fresh ones
};

// Caches a provider's credentials per role on `Clock` (anything with now(), schedule_at(),
// cancel()); the clock must outlive the cache. Thread-safe.
template <class Clock>
class credentials_cache {
public:
    credentials_cache(std::shared_ptr<credentials_provider> source, Clock& clock, credentials_cache_options options = {})
        : state_(std::make_shared<state>(std::move(source), clock, options)) {}
    credentials_cache(const credentials_cache&) = delete;
    credentials_cache& operator=(const credentials_cache&) = delete;
    ~credentials_cache() {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->closed = true;
        for (auto& cached : state_->by_role)
            if (cached.second.timer) state_->clock.cancel(*cached.second.timer);
    }

    result<credentials> get(const std::string& role_arn) {
        {
            std::lock_guard<std::mutex> lock(state_->mutex);
            auto found = state_->by_role.find(role_arn);
            if (found != state_->by_role.end() && fresh_enough(found->second.value, state_->clock.now(), state_->options.must_refresh)) {
                found->second.used = true;
                return found->second.value;
            }
        }
        return refresh(state_, role_arn);
    }

    // How many fetches the provider served (cache misses and refreshes).
    std::size_t fetches() const {
        std::lock_guard<std::mutex> lock(state_->mutex);
        return state_->fetches;
    }

private:
    struct entry {
        credentials value;
        std::optional<timer_id> timer;
        bool used = false;  // asked for since the last fetch: only those are refreshed ahead
    };
    struct state {
        state(std::shared_ptr<credentials_provider> s, Clock& c, credentials_cache_options o) : source(std::move(s)), clock(c), options(o) {}
        std::shared_ptr<credentials_provider> source;
        Clock& clock;
        credentials_cache_options options;
        std::mutex mutex;
        std::map<std::string, entry> by_role;
        std::size_t fetches = 0;
        bool closed = false;
    };

    static bool fresh_enough(const credentials& c, time_point now, std::chrono::seconds margin) {
        return !c.expires || *c.expires - margin > now;
    }

    static result<credentials> refresh(const std::shared_ptr<state>& s, const std::string& role_arn) {
        auto fetched = s->source->fetch(role_arn);  // outside the lock: it may take a while
        std::lock_guard<std::mutex> lock(s->mutex);
        ++s->fetches;
        if (!fetched || s->closed) return fetched;
        entry& e = s->by_role[role_arn];
        if (e.timer) s->clock.cancel(*e.timer);
        e.timer.reset();
        e.value = *fetched;
        e.used = false;
        // Credentials that live less than refresh_ahead get no background refresh (it would
        // fire at once, again and again): callers refresh them when they are about to expire.
        if (fetched->expires && *fetched->expires - s->options.refresh_ahead > s->clock.now()) {
            // Refreshed ahead of expiry, on the engine's clock; the cache may be gone by then.
            std::weak_ptr<state> weak = s;
            const time_point at = *fetched->expires - s->options.refresh_ahead;
            e.timer = s->clock.schedule_at(at, job([weak, role_arn] {
                if (auto live = weak.lock()) {
                    {
                        // A role nobody asked for since its last fetch is not refreshed: an idle
                        // engine's clock then has no timer of ours keeping it busy.
                        std::lock_guard<std::mutex> inner(live->mutex);
                        if (live->closed) return;
                        entry& pending = live->by_role[role_arn];
                        pending.timer.reset();
                        if (!pending.used) return;
                    }
                    (void)refresh(live, role_arn);
                }
            }));
        }
        return fetched;
    }

    std::shared_ptr<state> state_;
};

} // namespace stepfn

#endif
