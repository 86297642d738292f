// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_DURABLE_HPP
#define STEPFN_ENGINE_DETAIL_DURABLE_HPP

// Durable executions (engine_options::store). All the frames of a durable execution run on one
// strand; after each job of it, what the job changed (history events, the frames' snapshot, task
// tokens, the end) goes to the store as one checkpoint, and what the job would have done outside
// the execution (a task dispatch, telling callers it ended) waits until that checkpoint is
// durable. A crash therefore loses only work nobody outside saw, and an engine opened on the
// store later goes on from the last checkpoint (recover(), restore.hpp).

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/detail/guarded_call.hpp>
#include <stepfn/detail/hash.hpp>
#include <stepfn/observe/metric_names.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/scheduling.hpp>
#include <stepfn/engine/detail/snapshot.hpp>

namespace stepfn::detail {

STEPFN_INLINE const machine_version& engine_core::version_of(const state_machine& machine) {
    std::lock_guard<std::mutex> lock(versions_mutex_);
    auto it = versions_.find(&machine.definition());
    if (it != versions_.end()) return it->second.second;
    machine_version v;
    v.definition = json_text(machine.source());
    v.machine_arn = arn_prefix_ + "stateMachine:" + machine.name();
    v.id = hash_impl::sha256(machine.name() + '\n' + v.definition);
    return versions_.emplace(&machine.definition(), std::make_pair(machine, std::move(v))).first->second.second;
}

// A handle to an execution the store holds as ended.
inline execution ended_execution(const state_machine& machine, const stored_execution& row) {
    auto rec = std::make_shared<execution_record>(machine);
    rec->arn = row.arn;
    rec->name = row.name;
    rec->start_time = row.start_date;
    rec->ended = true;
    rec->status = row.status;
    if (row.status == execution_status::succeeded) rec->output = json::parse(row.output, nullptr, false);
    rec->failure = error{row.error, row.cause};
    if (row.stop_date) rec->stop_time = *row.stop_date;
    return execution(std::move(rec));
}

STEPFN_INLINE result<std::optional<execution>> engine_core::make_durable(execution_record& rec, const json& input) {
    if (has_distributed_map(rec.machine.top()))
        return make_error("UnsupportedOperation", "the state machine '" + rec.machine.name() +
                                                      "' has a distributed Map, whose executions cannot be durable yet");
    std::string input_text = json_text(input);
    auto stored = options_.store->find_execution(rec.arn);
    if (!stored) return tl::make_unexpected(std::move(stored.error()));
    if (*stored) {
        // AWS's StartExecution is idempotent by name: the same input gets the same execution.
        const stored_execution& row = **stored;
        if (row.input != input_text)
            return make_error("ExecutionAlreadyExists",
                              "an execution named '" + rec.name + "' was started before with a different input");
        {
            std::lock_guard<std::mutex> lock(registry_mutex_);
            auto it = executions_.find(rec.arn);
            if (it != executions_.end())
                if (auto live = it->second.lock()) return std::optional<execution>(execution(std::move(live)));
        }
        if (row.status == execution_status::running)
            return make_error("ExecutionAlreadyExists", "the execution named '" + rec.name +
                                                            "' is running in another engine, or waits for recover()");
        return std::optional<execution>(ended_execution(rec.machine, row));
    }
    rec.durable = std::make_unique<durable_state>();
    rec.stored = false;  // until the first checkpoint, which holds the execution's row, is answered
    durable_state& d = *rec.durable;
    const machine_version& version = version_of(rec.machine);
    stored_execution row;
    row.arn = rec.arn;
    row.name = rec.name;
    row.machine_arn = version.machine_arn;
    row.definition_id = version.id;
    row.input = input_text;
    row.start_date = rec.start_time;
    d.input_text = std::move(input_text);
    d.created = std::move(row);
    d.machine = version;  // the store keeps one copy per version
    return std::optional<execution>();
}

STEPFN_INLINE void engine_core::checkpoint(const std::shared_ptr<execution_record>& rec) {
    durable_state& d = *rec->durable;
    if (d.detached.load()) {
        d.events.clear();
        d.effects.clear();
        return;
    }
    if (!d.has_news()) return;
    {
        std::lock_guard<std::mutex> lock(d.mutex);
        if (d.committing) {
            d.pending = true;  // made when the one in flight is durable, with everything since
            return;
        }
        d.committing = true;
    }
    execution_checkpoint cp;
    cp.execution_arn = rec->arn;
    cp.sequence = ++d.sequence;
    cp.created = std::move(d.created);
    cp.machine = std::move(d.machine);
    d.created.reset();
    d.machine.reset();
    cp.events = std::move(d.events);
    d.events.clear();
    cp.tokens = std::move(d.tokens);
    d.tokens.clear();
    cp.redriven = std::move(d.redriven);
    d.redriven.reset();
    if (d.ended) {
        cp.ended = std::move(d.ended);
        d.ended.reset();
        cp.snapshot = std::move(d.final_snapshot);
        d.final_snapshot.clear();
    } else if (!rec->ended.load()) {
        cp.snapshot = snapshot_text(*rec);
    }
    d.touched = false;
    auto effects = std::make_shared<std::vector<job>>(std::move(d.effects));
    d.effects.clear();
    auto self = shared_from_this();
    if (metrics_) {
        // Wall time (the engine's clock may be virtual), from hand-over to answer.
        metrics_->observe(metric_names::checkpoint_events, static_cast<double>(cp.events.size()), nullptr, 0);
        const auto handed = std::chrono::steady_clock::now();
        options_.store->commit(std::move(cp), [self, rec, effects, handed](result<void> stored) {
            self->metrics_->observe(metric_names::store_commit_time,
                                    std::chrono::duration<double>(std::chrono::steady_clock::now() - handed).count(), nullptr, 0);
            self->committed(rec, effects, std::move(stored));
        });
        return;
    }
    options_.store->commit(std::move(cp), [self, rec, effects](result<void> stored) {
        self->committed(rec, effects, std::move(stored));
    });
}

// The first checkpoint of a start or redrive was answered: execution::on_stored's callbacks.
STEPFN_INLINE void engine_core::tell_stored(execution_record& rec, const result<void>& stored) {
    std::vector<std::function<void(result<void>)>> watchers;
    {
        std::lock_guard<std::mutex> lock(rec.mutex);
        if (rec.stored) return;
        rec.stored = true;
        watchers = std::move(rec.stored_watchers);
    }
    for (auto& watcher : watchers) (void)guarded_call([&] { watcher(stored); }, "an execution::on_stored callback");
}

// The store answered a checkpoint (on the store's thread, or inline).
STEPFN_INLINE void engine_core::committed(const std::shared_ptr<execution_record>& rec,
                                          const std::shared_ptr<std::vector<job>>& effects, result<void> stored) {
    durable_state& d = *rec->durable;
    tell_stored(*rec, stored);
    if (d.detached.load()) return;
    if (!stored) {
        // Going on would run ahead of what is stored: the execution stops here in this engine and
        // stays RUNNING in the store at its last checkpoint, for a later recover().
        d.detached = true;
        auto self = shared_from_this();
        error e{"Stepfn.StoreFailed", "the execution store could not keep a checkpoint: " + stored.error().name + ": " +
                                          stored.error().cause};
        post_to_execution(rec, [self, rec, e = std::move(e)]() mutable {
            // Ended already: the refused checkpoint held that end, whose publication waited for
            // it; its callers learn that it failed here instead of never.
            if (rec->ended.load()) self->publish_end(rec, execution_status::failed, json(), std::move(e));
            else self->end_execution(rec, execution_status::failed, json(), std::move(e));
        });
        return;
    }
    bool again = false;
    {
        std::lock_guard<std::mutex> lock(d.mutex);
        d.committing = false;
        again = std::exchange(d.pending, false);
    }
    if (effects->empty() && !again) return;
    // On the strand: the effects' own consequences (a task answering at once) queue behind
    // them, and the job's end makes the checkpoint that waited.
    post_to_execution(rec, [rec, effects]() {
        if (rec->durable->detached.load()) return;
        for (auto& effect : *effects) effect();
    });
}

STEPFN_INLINE result<recovered_executions> engine_core::recover() {
    if (!options_.store) return make_error("StoreNotConfigured", "recover() needs an engine with a store (engine_options::store)");
    auto arns = options_.store->unfinished_executions();
    if (!arns) return tl::make_unexpected(std::move(arns.error()));
    recovered_executions out;
    for (const auto& arn : *arns) {
        auto restored = restore_execution(arn);
        if (restored) out.resumed.push_back(std::move(*restored));
        else out.unrecoverable.push_back(std::move(restored.error()));
    }
    return out;
}

STEPFN_INLINE result<execution> engine_core::resume_one(std::string_view arn) {
    if (!options_.store) return make_error("StoreNotConfigured", "resume() needs an engine with a store (engine_options::store)");
    {
        // One that ended here without its end being stored (its lease was lost, the store
        // failed) is not the stored execution any more: restored afresh from the store.
        std::lock_guard<std::mutex> lock(registry_mutex_);
        auto it = executions_.find(arn);
        if (it != executions_.end()) {
            auto live = it->second.lock();
            if (!live || live->ended.load()) executions_.erase(it);
        }
    }
    return restore_execution(std::string(arn));
}

} // namespace stepfn::detail

#endif
