#ifndef STEPFN_TASKS_DETAIL_RESOURCE_ROUTER_HPP
#define STEPFN_TASKS_DETAIL_RESOURCE_ROUTER_HPP

// The one router from a Resource string to its handler (task invokers, item readers, result
// writers): an exact match first, then the longest registered prefix, then the default;
// nullptr when nothing matches. The Resource is matched as written in the definition
// (suffixes such as `.waitForTaskToken` included).
//
// Thread-safe: lookups take a shared lock, so many executions find concurrently; registration
// is expected before executions start but is also safe while they run. Registering a resource
// or prefix again replaces its handler; registering nullptr removes it.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace stepfn::detail {

template <class Handler>
class resource_router {
public:
    resource_router() = default;
    resource_router(const resource_router&) = delete;
    resource_router& operator=(const resource_router&) = delete;

    void add(std::string resource, std::shared_ptr<Handler> invoker) {
        std::unique_lock lock(mutex_);
        auto found = exact_.find(std::string_view(resource));
        if (found != exact_.end()) {
            if (invoker)
                found->second.invoker = std::move(invoker);
            else
                exact_.erase(found);
            return;
        }
        if (!invoker) return;
        // The key views the entry's own heap string, which never moves while the entry lives.
        auto owned = std::make_unique<const std::string>(std::move(resource));
        std::string_view key(*owned);
        exact_.emplace(key, exact_entry{std::move(owned), std::move(invoker)});
    }

    // e.g. "arn:aws:lambda:" or "arn:aws:states:::lambda:invoke"
    void add_prefix(std::string prefix, std::shared_ptr<Handler> invoker) {
        std::unique_lock lock(mutex_);
        auto same = std::find_if(prefixes_.begin(), prefixes_.end(),
                                 [&](const prefix_entry& e) { return e.prefix == prefix; });
        if (same != prefixes_.end()) {
            if (invoker)
                same->invoker = std::move(invoker);
            else
                prefixes_.erase(same);
            return;
        }
        if (!invoker) return;
        // Kept sorted by length, longest first, so the first match in find() is the longest.
        auto at = std::upper_bound(prefixes_.begin(), prefixes_.end(), prefix.size(),
                                   [](std::size_t length, const prefix_entry& e) { return length > e.prefix.size(); });
        prefixes_.insert(at, prefix_entry{std::move(prefix), std::move(invoker)});
    }

    // A fallback for every resource nothing else matches.
    void set_default(std::shared_ptr<Handler> invoker) {
        std::unique_lock lock(mutex_);
        default_ = std::move(invoker);
    }

    std::shared_ptr<Handler> find(std::string_view resource) const {
        std::shared_lock lock(mutex_);
        if (auto found = exact_.find(resource); found != exact_.end()) return found->second.invoker;
        for (const auto& entry : prefixes_) {
            if (resource.size() >= entry.prefix.size() &&
                resource.compare(0, entry.prefix.size(), entry.prefix) == 0)
                return entry.invoker;
        }
        return default_;
    }

    // Registers what `other` has, in addition (another engine on the same store, after a
    // restart, routes the same way).
    void add_all(const resource_router& other) {
        if (&other == this) return;
        std::vector<std::pair<std::string, std::shared_ptr<Handler>>> exact;
        std::vector<prefix_entry> prefixes;
        std::shared_ptr<Handler> fallback;
        {
            std::shared_lock lock(other.mutex_);
            for (const auto& entry : other.exact_) exact.emplace_back(*entry.second.resource, entry.second.invoker);
            prefixes = other.prefixes_;
            fallback = other.default_;
        }
        for (auto& e : exact) add(std::move(e.first), std::move(e.second));
        for (auto& p : prefixes) add_prefix(std::move(p.prefix), std::move(p.invoker));
        if (fallback) set_default(std::move(fallback));
    }

    // Forgets every registration, including the default.
    void clear() {
        std::unique_lock lock(mutex_);
        exact_.clear();
        prefixes_.clear();
        default_.reset();
    }

private:
    struct exact_entry {
        std::unique_ptr<const std::string> resource;
        std::shared_ptr<Handler> invoker;
    };
    struct prefix_entry {
        std::string prefix;
        std::shared_ptr<Handler> invoker;
    };

    mutable std::shared_mutex mutex_;
    // Keyed by string_view so find() never allocates (C++17 has no heterogeneous hash lookup).
    std::unordered_map<std::string_view, exact_entry> exact_;
    std::vector<prefix_entry> prefixes_;
    std::shared_ptr<Handler> default_;
};

} // namespace stepfn::detail

#endif
