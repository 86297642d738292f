// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_MAP_HPP
#define STEPFN_ENGINE_DETAIL_STATES_MAP_HPP

// Map: the items, the Map's own fields (MaxConcurrency, tolerated failures), then the run —
// inline (runners, map_inline.hpp) or distributed (child executions, map_distributed.hpp).

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/jsonata_flow.hpp>
#include <stepfn/engine/detail/scheduling.hpp>
#include <stepfn/engine/detail/states/map_distributed.hpp>

namespace stepfn::detail {

STEPFN_INLINE outcome engine_core::start_map(const std::shared_ptr<frame>& f, const state& s, const map_state& m) {
    frame_env env(*this, *f, s);
    inspect(*f, s, "input", f->input);
    // A distributed Map's ResultWriter parameters read the raw input when the run ends.
    const bool jsonata = s.language == query_language::jsonata;
    const bool keep = (jsonata ? jsonata_keeps_input(s) : keeps_raw_input(s, m.result_path)) ||
                      m.mode == map_mode::distributed;
    auto eff = effective_input(s, keep ? json(f->input) : std::move(f->input), env);
    if (!eff) return outcome::fail(std::move(eff.error()));
    inspect(*f, s, "afterInputPath", eff);
    // Whether the effective input is read again once the items are out of it.
    const bool input_needed = m.item_selector || m.max_concurrency.path || m.tolerated_failure_count.path ||
                              m.tolerated_failure_percentage.path || m.jsonata_item_selector ||
                              m.max_concurrency.expression || m.tolerated_failure_count.expression ||
                              m.tolerated_failure_percentage.expression;
    // JSONata: the input is `$states.input` for Items, ItemSelector and the numbers.
    std::optional<states_env> jenv;
    if (jsonata) {
        jenv.emplace(env);
        jenv->set("input", std::move(*eff));
    }
    json items;
    std::shared_ptr<map_run> run;
    if (m.mode == map_mode::distributed) {
        run = std::make_shared<map_run>();
        const auto& machine = f->exec->machine.name();
        const std::string label = m.label ? *m.label : make_uuid(*this).substr(0, 8);
        run->machine_name = machine + "/" + label;
        run->arn = arn_prefix_ + "mapRun:" + run->machine_name + ":" + make_uuid(*this);
        run->machine_arn = arn_prefix_ + "stateMachine:" + run->machine_name;
        run->child_arn_prefix = arn_prefix_ +
                                (m.execution_type == map_execution_type::express ? "express:" : "execution:") +
                                run->machine_name + ":";
        items = json::array();  // read below, once the Map's own fields are known to be valid
    } else if (jenv) {
        if (m.jsonata_items) {
            auto selected = jenv->evaluate(*m.jsonata_items);
            if (!selected) return outcome::fail(std::move(selected.error()));
            items = std::move(*selected);
            if (!items.is_array())
                return outcome::fail(query_error(*m.jsonata_items, "Items", items, "an array"));
        } else {
            items = input_needed ? json(*jenv->get("input")) : jenv->take("input");
            if (!items.is_array())
                return outcome::fail(error{errors::query_evaluation_error,
                                           "The Map state's input must be an array when 'Items' is not given, but it "
                                           "is " + std::string(items.type_name()) + "."});
        }
    } else if (!m.items_path || m.items_path->is_root()) {
        items = input_needed ? *eff : std::move(*eff);
    } else {
        auto selected = input_needed ? m.items_path->evaluate(*eff, env) : m.items_path->extract(std::move(*eff), env);
        if (!selected) return outcome::fail(std::move(selected.error()));
        items = std::move(*selected);
    }
    if (!items.is_array())
        return outcome::fail(error{errors::runtime, "The ItemsPath field '" + (m.items_path ? m.items_path->text() : "$") +
                                                        "' must select a JSON array, but it selected " +
                                                        items.type_name() + "."});
    if (!run) inspect(*f, s, "afterItemsPath", items);
    auto number = [&](const int_or_path& field, const char* name) -> result<std::optional<std::int64_t>> {
        if (field.value) return std::optional<std::int64_t>(*field.value);
        if (field.expression && jenv) {
            const std::string plain(name, std::string_view(name).size() - 4);  // without "Path"
            return jsonata_integer(field, *jenv, plain.c_str(), 0, (std::numeric_limits<std::int64_t>::max)());
        }
        if (!field.path) return std::optional<std::int64_t>();
        auto v = positive_from_path(*field.path, *eff, env, name, true);
        if (!v) return tl::make_unexpected(std::move(v.error()));
        return std::optional<std::int64_t>(*v);
    };
    auto concurrency = number(m.max_concurrency, "MaxConcurrencyPath");
    if (!concurrency && m.max_concurrency.expression) return outcome::fail(std::move(concurrency.error()));
    if (!concurrency) {
        // AWS words this one differently from the other *Path fields.
        const json* value = m.max_concurrency.path->find(*eff, env);
        return outcome::fail(error{errors::runtime, "The MaxConcurrencyPath field refers to value " +
                                                        (value ? json_text(*value) : std::string("null")) +
                                                        " which is not a valid integer: " + m.max_concurrency.path->text()});
    }
    auto tolerated = number(m.tolerated_failure_count, "ToleratedFailureCountPath");
    if (!tolerated && m.tolerated_failure_count.expression) return outcome::fail(std::move(tolerated.error()));
    if (!tolerated) {
        const json* value = m.tolerated_failure_count.path->find(*eff, env);
        const bool negative = value && value->is_number() && value->get<double>() < 0;
        return outcome::fail(negative ? error{errors::runtime, "ToleratedFailureCount cannot be negative."}
                                      : std::move(tolerated.error()));
    }
    std::optional<double> percentage = m.tolerated_failure_percentage.value;
    if (m.tolerated_failure_percentage.expression && jenv) {
        auto v = jenv->evaluate(*m.tolerated_failure_percentage.expression);
        if (!v) return outcome::fail(std::move(v.error()));
        if (!v->is_number() || v->get<double>() < 0 || v->get<double>() > 100)
            return outcome::fail(query_error(*m.tolerated_failure_percentage.expression, "ToleratedFailurePercentage",
                                             *v, "a number from 0 to 100"));
        percentage = v->get<double>();
    }
    if (m.tolerated_failure_percentage.path) {
        const json* v = m.tolerated_failure_percentage.path->find(*eff, env);
        // AWS accepts a number or a numeric string such as "1", as for the other *Path fields.
        std::optional<double> value;
        if (v && v->is_number()) {
            value = v->get<double>();
        } else if (v && v->is_string()) {
            const auto& text = v->get_ref<const std::string&>();
            char* end = nullptr;
            const double parsed = std::strtod(text.c_str(), &end);
            if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(parsed)) value = parsed;
        }
        if (!value)
            return outcome::fail(error{errors::runtime,
                                       "The ToleratedFailurePercentagePath parameter cannot be parsed as a number: " +
                                           m.tolerated_failure_percentage.path->text() + " == " +
                                           (v ? json_text(*v) : std::string("null"))});
        if (*value < 0 || *value > 100)
            return outcome::fail(error{errors::runtime, "ToleratedFailurePercentage must be between 0 and 100."});
        percentage = *value;
    }
    if (jenv && (run || m.jsonata_item_selector)) *eff = jenv->take("input");
    if (run) {
        // As AWS: MapStateStarted (its length the input's items; 0 when an ItemReader reads them
        // later), then MapRunStarted; the children's events go to their own histories.
        json selected;
        if (!m.item_reader) {
            auto chosen = distributed_input_items(m, *eff, env);
            if (!chosen) return outcome::fail(std::move(chosen.error()));
            selected = std::move(*chosen);
        }
        const std::size_t length = selected.is_array() ? selected.size() : 0;
        emit(*f->exec, f->prev_event, event_type::map_state_started, [&] { return json{{"length", length}}; });
        emit(*f->exec, f->prev_event, event_type::map_run_started, [&] { return json{{"mapRunArn", run->arn}}; });
        auto read = distributed_items(*f, s, m, *eff, env, *run, std::move(selected));
        if (!read) {
            error e = state_error(*f, s, std::move(read.error()));
            emit(*f->exec, f->prev_event, event_type::map_run_failed,
                 [&] { return json{{"error", e.name}, {"cause", e.cause}}; });
            if (!will_retry(*f, s, e)) emit(*f->exec, f->prev_event, event_type::map_state_failed, [] { return json::object(); });
            return outcome::fail_from_outside(std::move(e));  // named the state already
        }
        items = std::move(*read);
    }

    // A distributed Map runs up to 10,000 children at once by default, as AWS.
    const std::size_t cap = run ? std::size_t(10000) : (std::max)(std::size_t(1), options_.bounds.max_inline_map_concurrency);
    auto g = std::make_shared<fanout_group>();
    g->parent = f;
    g->owner = &s;
    g->is_map = true;
    g->total = items.size();
    g->results.resize(g->total);
    g->max_running = (!*concurrency || **concurrency == 0)
                         ? cap
                         : (run ? static_cast<std::size_t>(**concurrency)
                                : (std::min)(cap, static_cast<std::size_t>(**concurrency)));
    if (run) {
        run->keep_runs = m.result_writer.has_value();
        if (run->keep_runs) run->runs.resize(g->total);
        g->run = std::move(run);
    }
    g->tolerated_count = *tolerated;
    g->tolerated_percentage = percentage;
    g->items = std::move(items);
    if (m.item_selector || m.jsonata_item_selector) g->selector_input = std::move(*eff);
    g->generation = ++f->generation;
    if (!g->run)
        emit(*f->exec, f->prev_event, event_type::map_state_started, [&] { return json{{"length", g->total}}; });
    f->group = g;
    f->waiting = true;
    if (g->total == 0) {
        g->finished = true;
        post_fanout_done(g);
        return outcome::parked();
    }
    launch_iterations(g, true);
    return outcome::parked();
}

} // namespace stepfn::detail

#endif
