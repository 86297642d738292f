// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_MAP_DISTRIBUTED_HPP
#define STEPFN_ENGINE_DETAIL_STATES_MAP_DISTRIBUTED_HPP

// Distributed Map: items from an item reader (or the input), batched, each batch a child
// execution with its own history; results exported through a result writer.

#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/jsonata_flow.hpp>
#include <stepfn/engine/detail/scheduling.hpp>

namespace stepfn::detail {

// ---- distributed Map -------------------------------------------------------------------------

// Calls a host's reader or writer; an exception becomes an error value.
template <class Call>
result<json> call_host(Call&& call, const char* what) {
    return guarded_call(std::forward<Call>(call), std::string(what) + " threw", errors::runtime);
}

// The items of a distributed Map without an ItemReader: Items (JSONata) or ItemsPath over the
// effective input. Read before MapStateStarted, whose length counts them (as AWS).
inline result<json> distributed_input_items(const map_state& m, const json& eff, const eval_env& env) {
    json items;
    if (m.jsonata_items) {
        auto selected = jsonata_over(*m.jsonata_items, eff, env);
        if (!selected) return tl::make_unexpected(std::move(selected.error()));
        items = std::move(*selected);
        if (!items.is_array()) return tl::make_unexpected(query_error(*m.jsonata_items, "Items", items, "an array"));
    } else if (!m.items_path || m.items_path->is_root()) {
        items = eff;
    } else {
        auto selected = m.items_path->evaluate(eff, env);
        if (!selected) return tl::make_unexpected(std::move(selected.error()));
        items = std::move(*selected);
    }
    if (!items.is_array())
        return make_error(errors::runtime, "The ItemsPath field '" + (m.items_path ? m.items_path->text() : "$") +
                                               "' must select a JSON array, but it selected " + items.type_name() + ".");
    return items;
}

STEPFN_INLINE result<json> engine_core::distributed_items(const frame& f, const state& s, const map_state& m, json& eff,
                                                   const eval_env& env, map_run& run, json from_input) {
    json items;
    if (m.item_reader) {
        item_read_request request;
        request.resource = m.item_reader->resource;
        if (m.reader_parameters) {
            auto parameters = m.reader_parameters->evaluate(eff, env);
            if (!parameters) return tl::make_unexpected(std::move(parameters.error()));
            request.parameters = std::move(*parameters);
        } else if (m.jsonata_reader_arguments) {
            auto arguments = jsonata_over(*m.jsonata_reader_arguments, eff, env);
            if (!arguments) return tl::make_unexpected(std::move(arguments.error()));
            request.parameters = std::move(*arguments);
        } else if (m.item_reader->arguments) {
            request.parameters = *m.item_reader->arguments;
        }
        request.config = m.item_reader->config;
        constexpr std::int64_t most_items = 100000000;
        if (m.reader_max_items.value) {
            request.config.max_items = *m.reader_max_items.value;
        } else if (m.reader_max_items.expression) {
            states_env jenv(env);
            jenv.set("input", json(eff));
            auto n = jsonata_integer(m.reader_max_items, jenv, "MaxItems", 0, most_items);
            if (!n) return tl::make_unexpected(std::move(n.error()));
            request.config.max_items = **n;
        } else if (m.reader_max_items.path) {
            const json* value = m.reader_max_items.path->find(eff, env);
            if (value && value->is_number() && value->get<double>() < 0)
                return make_error(errors::item_reader_failed, "field MaxItems must be positive");
            auto n = positive_from_path(*m.reader_max_items.path, eff, env, "MaxItemsPath", true);
            if (!n) return tl::make_unexpected(std::move(n.error()));
            request.config.max_items = (std::min)(*n, most_items);
        }
        request.map_run_arn = run.arn;
        auto reader = item_readers_.find(request.resource);
        if (!reader)
            return make_error(errors::item_reader_failed,
                              "No item reader is registered for the resource '" + request.resource + "'.");
        auto read = call_host([&] { return reader->read(request); }, "The item reader");
        if (!read)
            return make_error(errors::item_reader_failed, read.error().cause.empty() ? read.error().name : read.error().cause);
        if (!read->is_array())
            return make_error(errors::item_reader_failed, std::string("The item reader returned ") + read->type_name() +
                                                              ", not an array of items.");
        items = std::move(*read);
        if (request.config.max_items > 0 && items.size() > static_cast<std::size_t>(request.config.max_items))
            items.erase(items.begin() + request.config.max_items, items.end());
    } else {
        items = std::move(from_input);
    }
    run.total_items = items.size();
    if (!m.item_batcher || items.empty()) return items;

    auto limit = [&](const int_or_path& field, const char* name) -> result<std::size_t> {
        if (field.value) return static_cast<std::size_t>(*field.value);
        if (field.expression) {
            states_env jenv(env);
            jenv.set("input", json(eff));
            const std::string plain(name, std::string_view(name).size() - 4);  // without "Path"
            auto n = jsonata_integer(field, jenv, plain.c_str(), 1, (std::numeric_limits<std::int64_t>::max)());
            if (!n) return tl::make_unexpected(std::move(n.error()));
            return static_cast<std::size_t>(**n);
        }
        if (!field.path) return std::size_t(0);
        auto n = positive_from_path(*field.path, eff, env, name, false);
        if (!n) return tl::make_unexpected(std::move(n.error()));
        return static_cast<std::size_t>(*n);
    };
    auto max_items = limit(m.batch_max_items, "MaxItemsPerBatchPath");
    if (!max_items) return tl::make_unexpected(std::move(max_items.error()));
    auto max_bytes = limit(m.batch_max_bytes, "MaxInputBytesPerBatchPath");
    if (!max_bytes) return tl::make_unexpected(std::move(max_bytes.error()));
    constexpr std::size_t most_bytes = 262144;
    if (*max_bytes > most_bytes) *max_bytes = most_bytes;

    // ItemSelector shapes each item before it joins a batch.
    if (m.item_selector || m.jsonata_item_selector) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            frame_env item_env(*this, f, s);
            item_env.set_map_item(static_cast<std::int64_t>(i), &items[i]);
            auto selected = m.item_selector ? m.item_selector->evaluate(eff, item_env)
                                            : jsonata_over(*m.jsonata_item_selector, eff, item_env);
            if (!selected) return tl::make_unexpected(std::move(selected.error()));
            items[i] = std::move(*selected);
        }
    }
    std::optional<json> batch_input;
    if (m.batch_input) {
        auto evaluated = m.batch_input->evaluate(eff, env);
        if (!evaluated) return tl::make_unexpected(std::move(evaluated.error()));
        batch_input = std::move(*evaluated);
    } else if (m.jsonata_batch_input) {
        auto evaluated = jsonata_over(*m.jsonata_batch_input, eff, env);
        if (!evaluated) return tl::make_unexpected(std::move(evaluated.error()));
        batch_input = std::move(*evaluated);
    } else if (m.item_batcher->batch_input) {
        batch_input = *m.item_batcher->batch_input;
    }
    // {"Items":[],"BatchInput":...}: the bytes every batch has besides its items.
    const std::size_t overhead = 11 + (batch_input ? 14 + json_text(*batch_input).size() : 0);
    json batches = json::array();
    json current = json::array();
    std::size_t current_bytes = overhead;
    auto flush = [&] {
        run.batch_sizes.push_back(current.size());
        json batch = json::object();
        batch["Items"] = std::move(current);
        if (batch_input) batch["BatchInput"] = *batch_input;
        batches.push_back(std::move(batch));
        current = json::array();
        current_bytes = overhead;
    };
    for (auto& item : items) {
        const std::size_t size = *max_bytes ? json_text(item).size() : 0;
        // An item bigger than the byte limit still runs, alone in its batch.
        if (!current.empty() && ((*max_items && current.size() >= *max_items) ||
                                 (*max_bytes && current_bytes + size + 1 > *max_bytes)))
            flush();
        current_bytes += size + (current.empty() ? 0 : 1);
        current.push_back(std::move(item));
    }
    if (!current.empty()) flush();
    return batches;
}

STEPFN_INLINE void engine_core::start_child_execution(const std::shared_ptr<fanout_group>& g, std::size_t index, json input) {
    const auto& parent = g->parent;
    const auto& m = std::get<map_state>(g->owner->body);
    const map_run& run = *g->run;
    auto rec = std::make_shared<execution_record>(parent->exec->machine);
    rec->core = shared_from_this();
    rec->driver = &driver;
    rec->helper = &helper;
    rec->name = make_execution_name(*this);
    rec->arn = run.child_arn_prefix + rec->name;
    rec->parent_root_arn = parent->exec->root_arn();
    rec->machine_arn = run.machine_arn;
    rec->role_arn = parent->exec->role_arn;  // a Map Run's children run under their parent's role
    rec->start_time = clock_->now();
    rec->sink = parent->exec->sink;
    rec->inspector = parent->exec->inspector;
    rec->input = std::move(input);
    rec->machine_name = run.machine_name;

    auto root = std::make_shared<frame>();
    root->exec = rec;
    root->states = m.processor.get();
    root->is_root = true;
    root->current = m.processor->start;
    root->input = rec->input;  // no variable scope: children cannot read the parent's variables
    {
        std::lock_guard<std::mutex> lock(rec->mutex);
        rec->root = root;
    }
    auto self = shared_from_this();
    rec->on_end = [self, g, index](execution_record& r) {
        if (g->parent->exec->ended.load()) return;  // stopped with its parent (or the engine)
        result<json> ended = r.status == execution_status::succeeded ? result<json>(r.output)
                                                                      : result<json>(tl::make_unexpected(r.failure));
        if (g->run->keep_runs) {
            std::lock_guard<std::mutex> lock(g->mutex);
            child_run& c = g->run->runs[index];
            c.arn = r.arn;
            c.name = r.name;
            c.status = r.status;
            c.input = r.input;
            c.output = r.output;
            c.failure = r.failure;
            c.start_date = r.start_time;
            c.stop_date = r.stop_time;
        }
        self->on_child_finished(g, index, nullptr, std::move(ended));
    };
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        executions_[rec->arn] = rec;
    }
    {
        std::lock_guard<std::mutex> lock(g->mutex);
        g->children.emplace(index, root);
    }
    std::int64_t prev = 0;
    emit(*rec, prev, event_type::execution_started, [&](bool) {
        return execution_started_parts(std::make_shared<const std::string>(json_text(rec->input)), rec->role_arn);
    });
    if (metrics_) count_execution_opened(*rec, true);
    // A Map Run's child continues its parent's trace, under the Map state's span.
    if (traced(*parent->exec)) trace_execution_started(*rec, parent->exec->trace, parent->state_span);
    root->prev_event = prev;
    launch(root);
}

// With a ResultWriter: export through the registered writer (the Map's output becomes
// {"MapRunArn", "ResultWriterDetails"}), or with only a WriterConfig, transform the results.
STEPFN_INLINE result<json> engine_core::write_map_results(const frame& f, const state& s, const map_state& m, map_run& run,
                                                   json results) {
    const result_writer_spec& rw = *m.result_writer;
    if (!rw.resource) {
        if (!rw.has_config) return results;
        return transformed_results(run.runs, run.machine_arn, rw.config.transformation);
    }
    result_write_request request;
    request.resource = *rw.resource;
    frame_env env(*this, f, s);
    if (m.writer_parameters) {
        auto eff = effective_input(s, f.input, env);
        if (!eff) return make_error(errors::result_writer_failed, eff.error().cause);
        auto parameters = m.writer_parameters->evaluate(*eff, env);
        if (!parameters) return make_error(errors::result_writer_failed, parameters.error().cause);
        request.parameters = std::move(*parameters);
    } else if (m.jsonata_writer_arguments) {
        auto arguments = jsonata_over(*m.jsonata_writer_arguments, f.input, env);
        if (!arguments) return make_error(errors::result_writer_failed, arguments.error().cause);
        request.parameters = std::move(*arguments);
    } else if (rw.arguments) {
        request.parameters = *rw.arguments;
    }
    request.config = rw.config;
    request.map_run_arn = run.arn;
    request.state_machine_arn = run.machine_arn;
    request.runs = &run.runs;
    auto writer = result_writers_.find(request.resource);
    if (!writer)
        return make_error(errors::result_writer_failed,
                          "No result writer is registered for the resource '" + request.resource + "'.");
    auto details = call_host([&] { return writer->write(request); }, "The result writer");
    if (!details)
        return make_error(errors::result_writer_failed,
                          details.error().cause.empty() ? details.error().name : details.error().cause);
    json out = json::object();
    out["MapRunArn"] = run.arn;
    out["ResultWriterDetails"] = std::move(*details);
    return out;
}

} // namespace stepfn::detail

#endif
