#ifndef STEPFN_STORE_MEMORY_STORE_HPP
#define STEPFN_STORE_MEMORY_STORE_HPP

// An execution store in memory, for tests and for hosts that want the store's reads (describe,
// history, list) without a file: it survives an engine, not the process. Checkpoints are
// "durable" as soon as commit() has applied them. It keeps the API's resources (state machines,
// activities) too.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/store/execution_store.hpp>
#include <stepfn/store/resource_store.hpp>

namespace stepfn {

class memory_store final : public execution_store, public resource_store {
public:
    void commit(execution_checkpoint cp, std::function<void(result<void>)> done) override {
        result<void> outcome = apply(std::move(cp));
        if (done) done(std::move(outcome));
    }
    result<void> flush() override { return {}; }

    result<std::optional<stored_execution>> find_execution(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = executions_.find(std::string(arn));
        if (it == executions_.end()) return std::optional<stored_execution>();
        return std::optional<stored_execution>(it->second.row);
    }
    result<std::optional<machine_version>> find_machine_version(std::string_view id) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = versions_.find(std::string(id));
        if (it == versions_.end()) return std::optional<machine_version>();
        return std::optional<machine_version>(it->second);
    }
    result<std::string> snapshot(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = executions_.find(std::string(arn));
        if (it == executions_.end()) return make_error("ExecutionDoesNotExist", "no stored execution has the ARN '" + std::string(arn) + "'");
        return it->second.snapshot;
    }
    result<execution_page> list_executions(const execution_filter& filter) override {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<const entry*> rows;
        for (const auto& item : executions_) {
            const stored_execution& row = item.second.row;
            if (!filter.machine_arn.empty() && row.machine_arn != filter.machine_arn) continue;
            if (filter.status && row.status != *filter.status) continue;
            rows.push_back(&item.second);
        }
        // Newest first; ties (same start) by creation order, newest first.
        std::sort(rows.begin(), rows.end(), [](const entry* a, const entry* b) {
            if (a->row.start_date != b->row.start_date) return a->row.start_date > b->row.start_date;
            return a->order > b->order;
        });
        std::size_t from = 0;
        if (!filter.next_token.empty()) {
            auto parsed = parse_token(filter.next_token);
            if (!parsed) return tl::make_unexpected(std::move(parsed.error()));
            from = *parsed;
        }
        execution_page page;
        const std::size_t limit = filter.max_results ? filter.max_results : 100;
        for (std::size_t i = from; i < rows.size() && page.executions.size() < limit; ++i) page.executions.push_back(rows[i]->row);
        if (from + page.executions.size() < rows.size()) page.next_token = std::to_string(from + page.executions.size());
        return page;
    }
    result<history_page> history(std::string_view arn, const history_request& request) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = executions_.find(std::string(arn));
        if (it == executions_.end()) return make_error("ExecutionDoesNotExist", "no stored execution has the ARN '" + std::string(arn) + "'");
        const auto& events = it->second.events;
        std::size_t from = 0;
        if (!request.next_token.empty()) {
            auto parsed = parse_token(request.next_token);
            if (!parsed) return tl::make_unexpected(std::move(parsed.error()));
            from = *parsed;
        }
        history_page page;
        const std::size_t limit = request.max_results ? request.max_results : 1000;
        for (std::size_t i = from; i < events.size() && page.events.size() < limit; ++i)
            page.events.push_back(events[request.reverse_order ? events.size() - 1 - i : i]);
        if (from + page.events.size() < events.size()) page.next_token = std::to_string(from + page.events.size());
        return page;
    }
    result<std::vector<std::string>> unfinished_executions() override {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<const entry*> rows;
        for (const auto& item : executions_)
            if (item.second.row.status == execution_status::running) rows.push_back(&item.second);
        std::sort(rows.begin(), rows.end(), [](const entry* a, const entry* b) { return a->order < b->order; });
        std::vector<std::string> arns;
        for (const entry* e : rows) arns.push_back(e->row.arn);
        return arns;
    }
    result<std::optional<std::string>> find_token(std::string_view token) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = tokens_.find(std::string(token));
        if (it == tokens_.end()) return std::optional<std::string>();
        return std::optional<std::string>(it->second);
    }

    result<bool> insert_resource(const stored_resource& resource) override {
        std::lock_guard<std::mutex> lock(mutex_);
        if (resources_.count(resource.arn)) return false;
        stored_resource row = resource;
        row.revision = 1;
        resource_order_.push_back(resource.arn);
        resources_.emplace(row.arn, std::move(row));
        return true;
    }
    result<bool> update_resource(const stored_resource& resource) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = resources_.find(resource.arn);
        if (it == resources_.end() || it->second.revision != resource.revision) return false;
        it->second.kind = resource.kind;
        it->second.body = resource.body;
        ++it->second.revision;
        return true;
    }
    result<bool> delete_resource(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = resources_.find(std::string(arn));
        if (it == resources_.end()) return false;
        resources_.erase(it);
        resource_order_.erase(std::find(resource_order_.begin(), resource_order_.end(), std::string(arn)));
        return true;
    }
    result<std::optional<stored_resource>> find_resource(std::string_view arn) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = resources_.find(std::string(arn));
        if (it == resources_.end()) return std::optional<stored_resource>();
        return std::optional<stored_resource>(it->second);
    }
    // The page token is the ARN the next page starts after.
    result<resource_page> list_resources(std::string_view kind, std::string_view arn_prefix, std::size_t max_results,
                                         std::string_view next_token) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto from = resource_order_.begin();
        if (!next_token.empty()) {
            from = std::find(resource_order_.begin(), resource_order_.end(), std::string(next_token));
            if (from == resource_order_.end())
                return make_error("InvalidToken", "the page token '" + std::string(next_token) + "' is not one this store issued");
            ++from;
        }
        resource_page page;
        const std::size_t limit = max_results ? max_results : 100;
        for (auto it = from; it != resource_order_.end(); ++it) {
            const stored_resource& row = resources_.at(*it);
            if (row.kind != kind || it->compare(0, arn_prefix.size(), arn_prefix) != 0) continue;
            if (page.resources.size() == limit) {
                page.next_token = page.resources.back().arn;
                break;
            }
            page.resources.push_back(row);
        }
        return page;
    }

    // How many checkpoints were applied (tests).
    std::size_t commits() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return commits_;
    }

private:
    struct entry {
        stored_execution row;
        std::vector<history_event> events;
        std::string snapshot;
        std::uint64_t sequence = 0;
        std::size_t order = 0;
    };

    static result<std::size_t> parse_token(const std::string& token) {
        std::size_t value = 0;
        for (char c : token) {
            if (c < '0' || c > '9' || value > 100000000) return make_error("InvalidToken", "the page token '" + token + "' is not one this store issued");
            value = value * 10 + static_cast<std::size_t>(c - '0');
        }
        return value;
    }

    // Checks everything first, then changes: a refused checkpoint leaves nothing behind.
    result<void> apply(execution_checkpoint cp) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = executions_.find(cp.execution_arn);
        if (cp.created) {
            if (it != executions_.end()) return make_error("ExecutionAlreadyExists", "the store already holds the execution '" + cp.execution_arn + "'");
            if (cp.created->arn != cp.execution_arn)
                return make_error("InvalidCheckpoint", "the execution row's ARN '" + cp.created->arn + "' is not the checkpoint's '" +
                                                           cp.execution_arn + "'");
        } else if (it == executions_.end()) {
            return make_error("ExecutionDoesNotExist", "a checkpoint for the execution '" + cp.execution_arn + "', which the store does not hold");
        }
        const std::uint64_t last = it == executions_.end() ? 0 : it->second.sequence;
        if (cp.sequence != last + 1)
            return make_error("InvalidCheckpoint", "checkpoint " + std::to_string(cp.sequence) + " of '" + cp.execution_arn +
                                                       "' does not follow checkpoint " + std::to_string(last));
        std::int64_t expected = it == executions_.end() ? 0 : it->second.row.event_count;
        for (const auto& event : cp.events)
            if (event.id != ++expected)
                return make_error("InvalidCheckpoint", "history event " + std::to_string(event.id) + " of '" + cp.execution_arn +
                                                           "' does not follow event " + std::to_string(expected - 1));

        if (cp.machine) versions_.emplace(cp.machine->id, std::move(*cp.machine));
        if (cp.created) {
            entry fresh;
            fresh.row = std::move(*cp.created);
            fresh.order = next_order_++;
            it = executions_.emplace(cp.execution_arn, std::move(fresh)).first;
        }
        entry& e = it->second;
        e.sequence = cp.sequence;
        e.row.sequence = cp.sequence;
        for (auto& event : cp.events) e.events.push_back(std::move(event));
        e.row.event_count = expected;
        if (!cp.snapshot.empty()) e.snapshot = std::move(cp.snapshot);
        if (cp.redriven) {
            e.row.status = execution_status::running;
            e.row.redrive_count = cp.redriven->redrive_count;
            e.row.redrive_date = cp.redriven->date;
            e.row.stop_date.reset();
            e.row.output.clear();
            e.row.error.clear();
            e.row.cause.clear();
        }
        if (cp.ended) {
            e.row.status = cp.ended->status;
            e.row.output = std::move(cp.ended->output);
            e.row.error = std::move(cp.ended->error);
            e.row.cause = std::move(cp.ended->cause);
            e.row.stop_date = cp.ended->date;
        }
        for (auto& t : cp.tokens) {
            if (t.open) tokens_[t.token] = cp.execution_arn;
            else tokens_.erase(t.token);
        }
        ++commits_;
        return {};
    }

    mutable std::mutex mutex_;
    std::map<std::string, entry> executions_;
    std::unordered_map<std::string, machine_version> versions_;
    std::unordered_map<std::string, std::string> tokens_;
    std::size_t next_order_ = 0;
    std::size_t commits_ = 0;
    std::unordered_map<std::string, stored_resource> resources_;
    std::vector<std::string> resource_order_;  // creation order (ListStateMachines's)
};

} // namespace stepfn

#endif
