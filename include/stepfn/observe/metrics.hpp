#ifndef STEPFN_OBSERVE_METRICS_HPP
#define STEPFN_OBSERVE_METRICS_HPP

// The home of metrics: counters, gauges and histograms with labels, as AWS's Step Functions
// metric set names them (ExecutionsStarted, ExecutionTime, ...: observe/metric_names.hpp). The
// engine reports through a metrics_sink (engine_options::metrics); without one it pays a null
// check. stepfn/observe/metrics_registry.hpp is the built-in sink.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stepfn {

// A label: a name and its value (e.g. {"state_machine", "orders"}).
using metric_label = std::pair<std::string_view, std::string_view>;

enum class metric_type { counter, gauge, histogram };

// One series (a name and a label set) bound once and updated many times: the engine binds the
// series it updates on every execution, so that an update is an atomic add, not a look-up.
class metric_instrument {
public:
    virtual ~metric_instrument() = default;
    virtual void add(double delta) = 0;      // counter
    virtual void set(double value) = 0;      // gauge
    virtual void observe(double value) = 0;  // histogram
};

class metrics_sink {
public:
    virtual ~metrics_sink() = default;
    virtual void add(std::string_view counter, double delta, const metric_label* labels, std::size_t label_count) = 0;
    virtual void set(std::string_view gauge, double value, const metric_label* labels, std::size_t label_count) = 0;
    virtual void observe(std::string_view histogram, double value, const metric_label* labels,
                         std::size_t label_count) = 0;
    // Binds one series. The default forwards each update to add/set/observe with copies of the
    // name and labels; a sink with a faster path overrides it. An instrument may be used while
    // its sink lives. Declared inline: a non-inline first virtual would be the key function, and
    // every translation unit would emit this vtable.
    inline virtual std::shared_ptr<metric_instrument> bind(metric_type type, std::string_view name, const metric_label* labels,
                                                    std::size_t label_count);
};

namespace detail {
class forwarding_instrument final : public metric_instrument {
public:
    forwarding_instrument(metrics_sink& sink, std::string_view name, const metric_label* labels, std::size_t count)
        : sink_(sink), name_(name) {
        for (std::size_t i = 0; i < count; ++i) owned_.emplace_back(labels[i].first, labels[i].second);
        for (const auto& l : owned_) views_.emplace_back(l.first, l.second);
    }
    void add(double delta) override { sink_.add(name_, delta, views_.data(), views_.size()); }
    void set(double value) override { sink_.set(name_, value, views_.data(), views_.size()); }
    void observe(double value) override { sink_.observe(name_, value, views_.data(), views_.size()); }

private:
    metrics_sink& sink_;
    std::string name_;
    std::vector<std::pair<std::string, std::string>> owned_;
    std::vector<metric_label> views_;
};
} // namespace detail

inline std::shared_ptr<metric_instrument> metrics_sink::bind(metric_type, std::string_view name, const metric_label* labels,
                                                             std::size_t label_count) {
    return std::make_shared<detail::forwarding_instrument>(*this, name, labels, label_count);
}

// Records nothing.
class null_metrics final : public metrics_sink {
public:
    void add(std::string_view, double, const metric_label*, std::size_t) override {}
    void set(std::string_view, double, const metric_label*, std::size_t) override {}
    void observe(std::string_view, double, const metric_label*, std::size_t) override {}
};

} // namespace stepfn

#endif
