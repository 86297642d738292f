#ifndef STEPFN_OBSERVE_METRICS_REGISTRY_HPP
#define STEPFN_OBSERVE_METRICS_REGISTRY_HPP

// The built-in metrics_sink: keeps every counter, gauge and histogram in memory for a scrape
// (stepfn/observe/prometheus.hpp) or a look-up (tests, alert rules).
//
//   auto metrics = std::make_shared<stepfn::metrics_registry>();
//   options.metrics = metrics;                      // engine_options
//   ...
//   std::string text = stepfn::to_prometheus(*metrics);
//
// Thread-safe. Updating a series seen before takes a shared lock on one of 16 shards and
// atomic adds, and allocates nothing; only a new name/label set takes the shard's exclusive
// lock. The same labels in the same order name the same series. Series live as long as the
// registry (label values should come from a bounded set: machine, state and resource names).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/observe/detail/metric_series.hpp>
#include <stepfn/observe/metric_names.hpp>
#include <stepfn/observe/metrics.hpp>

namespace stepfn {

// One series as read at one moment.
struct metric_sample {
    enum class kind { counter, gauge, histogram } type = kind::counter;
    std::string name;
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;                  // counter, gauge; histogram: the sum of observations
    std::uint64_t count = 0;           // histogram: observations
    std::vector<double> bounds;        // histogram: bucket upper bounds (+Inf implied)
    std::vector<std::uint64_t> buckets;  // histogram: cumulative counts per bound (le)
};

// Default histogram buckets: times from a millisecond to an hour, sizes in powers of two.
inline std::vector<double> default_time_buckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}
inline std::vector<double> default_size_buckets() { return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}; }

class metrics_registry final : public metrics_sink {
public:
    metrics_registry()
        : time_buckets_(std::make_shared<const std::vector<double>>(default_time_buckets())),
          size_buckets_(std::make_shared<const std::vector<double>>(default_size_buckets())) {}

    metrics_registry(const metrics_registry&) = delete;
    metrics_registry& operator=(const metrics_registry&) = delete;

    void add(std::string_view counter, double delta, const metric_label* labels, std::size_t label_count) override {
        detail::atomic_add(find_or_make(detail::metric_kind::counter, counter, labels, label_count).value, delta);
    }
    void set(std::string_view gauge, double value, const metric_label* labels, std::size_t label_count) override {
        find_or_make(detail::metric_kind::gauge, gauge, labels, label_count).value.store(value, std::memory_order_relaxed);
    }
    void observe(std::string_view histogram, double value, const metric_label* labels, std::size_t label_count) override {
        find_or_make(detail::metric_kind::histogram, histogram, labels, label_count).observe(value);
    }
    // The series itself: updates are atomic operations, with no look-up.
    std::shared_ptr<metric_instrument> bind(metric_type type, std::string_view name, const metric_label* labels,
                                            std::size_t label_count) override {
        const auto kind = type == metric_type::counter ? detail::metric_kind::counter
                          : type == metric_type::gauge ? detail::metric_kind::gauge
                                                       : detail::metric_kind::histogram;
        return std::make_shared<series_instrument>(find_or_make(kind, name, labels, label_count));
    }

    // Bucket upper bounds for a histogram, before its first observation (later calls for a
    // histogram already observed change nothing). Bounds are sorted; +Inf is always implied.
    // Without this: time buckets for a name in seconds (metric_names.hpp), size buckets otherwise.
    void set_buckets(std::string_view histogram, std::vector<double> bounds) {
        std::sort(bounds.begin(), bounds.end());
        bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
        std::unique_lock<std::shared_mutex> lock(buckets_mutex_);
        custom_buckets_[std::string(histogram)] = std::make_shared<const std::vector<double>>(std::move(bounds));
    }

    // Help text for a metric of the host's own (the engine's are known).
    void describe(std::string_view name, std::string help) {
        std::unique_lock<std::shared_mutex> lock(buckets_mutex_);
        help_[std::string(name)] = std::move(help);
    }
    std::string help_of(std::string_view name) const {
        if (const auto* d = describe_metric(name)) return std::string(d->help);
        std::shared_lock<std::shared_mutex> lock(buckets_mutex_);
        auto it = help_.find(std::string(name));
        return it == help_.end() ? std::string() : it->second;
    }

    // Every series, sorted by name then labels.
    std::vector<metric_sample> snapshot() const {
        std::vector<metric_sample> out;
        for (const auto& sh : shards_) {
            std::shared_lock<std::shared_mutex> lock(sh.mutex);
            for (const auto& entry : sh.series)
                for (const auto& s : entry.second) out.push_back(sample_of(*s));
        }
        std::sort(out.begin(), out.end(), [](const metric_sample& a, const metric_sample& b) {
            return a.name != b.name ? a.name < b.name : a.labels < b.labels;
        });
        return out;
    }

    // One series, if it was ever reported: find("ExecutionsStarted", {{"state_machine", "m"}}).
    std::optional<metric_sample> find(std::string_view name, std::initializer_list<metric_label> labels = {}) const {
        const metric_label* first = labels.size() ? labels.begin() : nullptr;
        const auto h = detail::series_hash(name, first, labels.size());
        const shard& sh = shards_[h % shard_count];
        std::shared_lock<std::shared_mutex> lock(sh.mutex);
        auto it = sh.series.find(h);
        if (it == sh.series.end()) return std::nullopt;
        for (const auto& s : it->second)
            if (s->name == name && s->label_pairs.size() == labels.size() &&
                std::equal(labels.begin(), labels.end(), s->label_pairs.begin(),
                           [](const metric_label& a, const std::pair<std::string, std::string>& b) {
                               return a.first == b.first && a.second == b.second;
                           }))
                return sample_of(*s);
        return std::nullopt;
    }

    // A counter's or gauge's value (a histogram's count), 0 when never reported.
    double value(std::string_view name, std::initializer_list<metric_label> labels = {}) const {
        auto s = find(name, labels);
        if (!s) return 0;
        return s->type == metric_sample::kind::histogram ? static_cast<double>(s->count) : s->value;
    }

private:
    class series_instrument final : public metric_instrument {
    public:
        explicit series_instrument(detail::metric_series& s) : series_(s) {}
        void add(double delta) override { detail::atomic_add(series_.value, delta); }
        void set(double value) override { series_.value.store(value, std::memory_order_relaxed); }
        void observe(double value) override {
            if (series_.kind == detail::metric_kind::histogram) series_.observe(value);
        }

    private:
        detail::metric_series& series_;
    };

    static constexpr std::size_t shard_count = 16;
    struct shard {
        mutable std::shared_mutex mutex;
        std::unordered_map<std::uint64_t, std::vector<std::unique_ptr<detail::metric_series>>> series;
    };

    static metric_sample sample_of(const detail::metric_series& s) {
        metric_sample out;
        out.type = s.kind == detail::metric_kind::counter ? metric_sample::kind::counter
                   : s.kind == detail::metric_kind::gauge ? metric_sample::kind::gauge
                                                           : metric_sample::kind::histogram;
        out.name = s.name;
        out.labels = s.label_pairs;
        out.value = s.value.load(std::memory_order_relaxed);
        if (s.kind == detail::metric_kind::histogram) {
            out.bounds = *s.bounds;
            std::uint64_t running = 0;
            for (std::size_t i = 0; i < s.bounds->size(); ++i) {
                running += s.buckets[i].load(std::memory_order_relaxed);
                out.buckets.push_back(running);
            }
            // Read last: a concurrent observation may show in a bucket before the count; the
            // count is never below the last bucket.
            out.count = (std::max)(s.count.load(std::memory_order_relaxed), running);
        }
        return out;
    }

    std::shared_ptr<const std::vector<double>> buckets_for(std::string_view name) const {
        {
            std::shared_lock<std::shared_mutex> lock(buckets_mutex_);
            auto it = custom_buckets_.find(std::string(name));
            if (it != custom_buckets_.end()) return it->second;
        }
        const auto* d = describe_metric(name);
        return d && d->unit == metric_unit::seconds ? time_buckets_ : size_buckets_;
    }

    detail::metric_series& find_or_make(detail::metric_kind kind, std::string_view name, const metric_label* labels,
                                        std::size_t count) {
        const auto h = detail::series_hash(name, labels, count);
        shard& sh = shards_[h % shard_count];
        {
            std::shared_lock<std::shared_mutex> lock(sh.mutex);
            auto it = sh.series.find(h);
            if (it != sh.series.end())
                for (const auto& s : it->second)
                    if (s->matches(kind, name, labels, count)) return *s;
        }
        auto bounds = kind == detail::metric_kind::histogram ? buckets_for(name) : nullptr;
        std::unique_lock<std::shared_mutex> lock(sh.mutex);
        auto& slot = sh.series[h];
        for (const auto& s : slot)
            if (s->matches(kind, name, labels, count)) return *s;
        slot.push_back(std::make_unique<detail::metric_series>(kind, name, labels, count, std::move(bounds)));
        return *slot.back();
    }

    std::array<shard, shard_count> shards_;
    mutable std::shared_mutex buckets_mutex_;
    std::map<std::string, std::shared_ptr<const std::vector<double>>> custom_buckets_;
    std::map<std::string, std::string> help_;
    std::shared_ptr<const std::vector<double>> time_buckets_;
    std::shared_ptr<const std::vector<double>> size_buckets_;
};

} // namespace stepfn

#endif
