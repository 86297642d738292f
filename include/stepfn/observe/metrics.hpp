#ifndef STEPFN_OBSERVE_METRICS_HPP
#define STEPFN_OBSERVE_METRICS_HPP

// The home of metrics: counters, gauges and histograms with labels, as AWS's Step Functions
// metric set names them (ExecutionsStarted, ExecutionTime, ...). The default records nothing
// and costs a null check on the engine's paths.

#include <cstddef>
#include <string_view>
#include <utility>

namespace stepfn {

// A label: a name and its value (e.g. {"StateMachineArn", arn}).
using metric_label = std::pair<std::string_view, std::string_view>;

class metrics_sink {
public:
    virtual ~metrics_sink() = default;
    virtual void add(std::string_view counter, double delta, const metric_label* labels, std::size_t label_count) = 0;
    virtual void set(std::string_view gauge, double value, const metric_label* labels, std::size_t label_count) = 0;
    virtual void observe(std::string_view histogram, double value, const metric_label* labels,
                         std::size_t label_count) = 0;
};

// Records nothing.
class null_metrics final : public metrics_sink {
public:
    void add(std::string_view, double, const metric_label*, std::size_t) override {}
    void set(std::string_view, double, const metric_label*, std::size_t) override {}
    void observe(std::string_view, double, const metric_label*, std::size_t) override {}
};

} // namespace stepfn

#endif
