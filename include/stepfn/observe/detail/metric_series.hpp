#ifndef STEPFN_OBSERVE_DETAIL_METRIC_SERIES_HPP
#define STEPFN_OBSERVE_DETAIL_METRIC_SERIES_HPP

// The storage behind stepfn::metrics_registry: one series per metric name and label set, its
// value in atomics so that updating a known series takes only a shared lock and no allocation.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/observe/metrics.hpp>

namespace stepfn::detail {

enum class metric_kind { counter, gauge, histogram };

// std::atomic<double>::fetch_add is C++20: a compare-exchange loop does it in C++17.
inline void atomic_add(std::atomic<double>& target, double delta) noexcept {
    double old = target.load(std::memory_order_relaxed);
    while (!target.compare_exchange_weak(old, old + delta, std::memory_order_relaxed)) {
    }
}

inline std::uint64_t fnv_mix(std::uint64_t h, std::string_view text) noexcept {
    for (char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    h ^= 0xff;  // a separator, so that ("ab","c") and ("a","bc") differ
    h *= 1099511628211ULL;
    return h;
}

inline std::uint64_t series_hash(std::string_view name, const metric_label* labels, std::size_t count) noexcept {
    std::uint64_t h = fnv_mix(14695981039346656037ULL, name);
    for (std::size_t i = 0; i < count; ++i) h = fnv_mix(fnv_mix(h, labels[i].first), labels[i].second);
    return h;
}

struct metric_series {
    metric_series(metric_kind k, std::string_view n, const metric_label* labels, std::size_t label_count,
                  std::shared_ptr<const std::vector<double>> upper_bounds)
        : kind(k), name(n), bounds(std::move(upper_bounds)) {
        label_pairs.reserve(label_count);
        for (std::size_t i = 0; i < label_count; ++i) label_pairs.emplace_back(labels[i].first, labels[i].second);
        if (kind == metric_kind::histogram) buckets = std::make_unique<std::atomic<std::uint64_t>[]>(bounds->size());
    }

    bool matches(metric_kind k, std::string_view n, const metric_label* labels, std::size_t label_count) const noexcept {
        if (k != kind || n != name || label_count != label_pairs.size()) return false;
        for (std::size_t i = 0; i < label_count; ++i)
            if (labels[i].first != label_pairs[i].first || labels[i].second != label_pairs[i].second) return false;
        return true;
    }

    void observe(double v) noexcept {
        // Buckets hold their own count (not cumulative): one increment per observation.
        const auto& b = *bounds;
        std::size_t i = 0;
        while (i < b.size() && v > b[i]) ++i;
        if (i < b.size()) buckets[i].fetch_add(1, std::memory_order_relaxed);
        count.fetch_add(1, std::memory_order_relaxed);
        atomic_add(value, v);  // the sum
    }

    const metric_kind kind;
    const std::string name;
    std::vector<std::pair<std::string, std::string>> label_pairs;
    std::atomic<double> value{0};  // counter, gauge; a histogram's sum
    std::atomic<std::uint64_t> count{0};  // histogram observations
    std::shared_ptr<const std::vector<double>> bounds;  // histogram upper bounds, increasing (+Inf implied)
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets;
};

} // namespace stepfn::detail

#endif
