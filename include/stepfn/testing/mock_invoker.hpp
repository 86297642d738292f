#ifndef STEPFN_TESTING_MOCK_INVOKER_HPP
#define STEPFN_TESTING_MOCK_INVOKER_HPP

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/tasks/task_invoker.hpp>
#include <stepfn/testing/mock_config.hpp>

namespace stepfn::testing {

// Answers Task states from one test case of a Step Functions Local mock configuration, as
// Step Functions Local does. Invocations are counted per (execution id, state name) over the
// whole execution, so Map iterations and Parallel branches share a state's count, and so do a
// distributed Map's child executions with the execution that started them (use
// MaxConcurrency 1 when the order of mocked answers must be deterministic).
//
// A state the test case does not mock goes to the fallback invoker when there is one, else
// fails with States.Runtime, as does an invocation number no entry covers: a mistake in the
// test setup must not be caught or retried by the workflow.
//
// Counts live until forget(execution_id) or reset(); a long-lived host that runs many
// executions through one mock_invoker calls forget() when each execution finishes.
class mock_invoker final : public task_invoker {
public:
    explicit mock_invoker(test_case mocks, std::shared_ptr<task_invoker> fallback = nullptr)
        : mocks_(std::move(mocks)), fallback_(std::move(fallback)) {}

    // Selects the test case (an empty machine name means the only machine in the file). When
    // the selection fails, every invocation fails with States.Runtime and the reason; use
    // create() to see the error up front.
    mock_invoker(const mock_config& config, std::string_view machine, std::string_view case_name,
                 std::shared_ptr<task_invoker> fallback = nullptr)
        : fallback_(std::move(fallback)) {
        auto selected = config.select(machine, case_name);
        if (selected)
            mocks_ = **selected;
        else
            setup_error_ = std::move(selected.error().cause);
    }

    static result<std::shared_ptr<mock_invoker>> create(const mock_config& config, std::string_view machine,
                                                        std::string_view case_name,
                                                        std::shared_ptr<task_invoker> fallback = nullptr) {
        auto selected = config.select(machine, case_name);
        if (!selected) return tl::make_unexpected(std::move(selected.error()));
        return std::make_shared<mock_invoker>(**selected, std::move(fallback));
    }

    void invoke(task_request request, task_completion done) override {
        if (!setup_error_.empty()) {
            done.fail(errors::runtime, setup_error_);
            return;
        }
        const mocked_response* response = mocks_.find(request.state_name);
        if (!response) {
            if (fallback_) {
                fallback_->invoke(std::move(request), std::move(done));
                return;
            }
            done.fail(errors::runtime, "no mocked response for state \"" + request.state_name + "\" in test case \"" +
                                           mocks_.name + "\" of state machine \"" + mocks_.machine + "\"");
            return;
        }
        // A distributed Map's child executions count with the execution that started them.
        const std::uint64_t invocation = next_invocation(
            request.root_execution_id.empty() ? request.execution_id : request.root_execution_id, request.state_name);
        const mocked_response::entry* entry = response->find(invocation);
        if (!entry) {
            done.fail(errors::runtime, "mocked response \"" + response->name + "\" has no entry for invocation " +
                                           std::to_string(invocation) + " of state \"" + request.state_name + "\"");
            return;
        }
        // As Step Functions Local does, a mocked `.waitForTaskToken` task is answered as if its
        // token's callback arrived: resolve() rather than the submission a real invoker makes.
        if (entry->throws)
            done.resolve(tl::make_unexpected(error{entry->error, entry->cause}));
        else
            done.resolve(entry->value);
    }

    // How many times a mocked state has been invoked in an execution so far.
    std::uint64_t invocations(std::string_view execution_id, std::string_view state_name) const {
        std::lock_guard lock(mutex_);
        auto execution = counts_.find(std::string(execution_id));
        if (execution == counts_.end()) return 0;
        auto state = execution->second.find(std::string(state_name));
        return state == execution->second.end() ? 0 : state->second;
    }

    // Drops an execution's counts; the next invocation in it starts again at 0.
    void forget(std::string_view execution_id) {
        std::lock_guard lock(mutex_);
        counts_.erase(std::string(execution_id));
    }

    void reset() {
        std::lock_guard lock(mutex_);
        counts_.clear();
    }

    const test_case& mocks() const noexcept { return mocks_; }

private:
    std::uint64_t next_invocation(const std::string& execution_id, const std::string& state_name) {
        std::lock_guard lock(mutex_);
        return counts_[execution_id][state_name]++;
    }

    test_case mocks_;
    std::shared_ptr<task_invoker> fallback_;
    std::string setup_error_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::unordered_map<std::string, std::uint64_t>> counts_;
};

} // namespace stepfn::testing

#endif
