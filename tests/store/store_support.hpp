#ifndef STEPFN_TESTS_STORE_SUPPORT_HPP
#define STEPFN_TESTS_STORE_SUPPORT_HPP

// What the store tests share: a scratch directory that removes itself, checkpoints shaped as an
// engine makes them, and the contract run against every store (memory, SQLite, and PostgreSQL
// when STEPFN_TEST_POSTGRES names one: tests/store/postgres_support.hpp).

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"

#include <stepfn/integrations/sqlite_store.hpp>
#include <stepfn/store/memory_store.hpp>

#include "store/postgres_support.hpp"

namespace store_test {

namespace fs = std::filesystem;

// A fresh directory under the build tree's temp dir (mkdtemp), removed with everything in it.
class scratch_dir {
public:
    scratch_dir() {
        std::string pattern = (fs::temp_directory_path() / "stepfn-store-XXXXXX").string();
        std::vector<char> buffer(pattern.begin(), pattern.end());
        buffer.push_back('\0');
        const char* made = ::mkdtemp(buffer.data());
        path_ = made ? fs::path(made) : fs::path();
    }
    ~scratch_dir() {
        std::error_code ignored;
        if (!path_.empty()) fs::remove_all(path_, ignored);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }
    bool ok() const { return !path_.empty(); }

private:
    fs::path path_;
};

inline stepfn::store_time at_ms(std::int64_t ms) { return stepfn::store_time(std::chrono::milliseconds(ms)); }

inline std::string machine_arn(const std::string& name = "orders") {
    return "arn:aws:states:us-east-1:123456789012:stateMachine:" + name;
}
inline std::string execution_arn(const std::string& name, const std::string& machine = "orders") {
    return "arn:aws:states:us-east-1:123456789012:execution:" + machine + ":" + name;
}

inline stepfn::history_event event(std::int64_t id, stepfn::event_type type, stepfn::json details = stepfn::json::object(),
                                   std::int64_t previous = -1) {
    stepfn::history_event e;
    e.id = id;
    e.previous_event_id = previous < 0 ? id - 1 : previous;
    e.timestamp = at_ms(1700000000000 + id);
    e.type = type;
    e.details = std::move(details);
    return e;
}

// The first checkpoint of an execution: its row, its machine version, ExecutionStarted.
inline stepfn::execution_checkpoint created(const std::string& name, std::int64_t start_ms, const std::string& machine = "orders") {
    stepfn::execution_checkpoint cp;
    cp.execution_arn = execution_arn(name, machine);
    cp.sequence = 1;
    stepfn::stored_execution row;
    row.arn = cp.execution_arn;
    row.name = name;
    row.machine_arn = machine_arn(machine);
    row.definition_id = "def-" + machine;
    row.input = "{\"order\":\"" + name + "\"}";
    row.start_date = at_ms(start_ms);
    cp.created = row;
    stepfn::machine_version version;
    version.id = "def-" + machine;
    version.machine_arn = machine_arn(machine);
    version.definition = "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}";
    cp.machine = version;
    cp.events.push_back(event(1, stepfn::event_type::execution_started, {{"input", row.input}, {"roleArn", "arn:aws:iam::123456789012:role/x"}}, 0));
    cp.snapshot = "{\"at\":\"A\"}";
    return cp;
}

// A later checkpoint: events first_id.. (count of them), an optional snapshot.
inline stepfn::execution_checkpoint step(const std::string& arn, std::uint64_t sequence, std::int64_t first_id, int count,
                                         std::string snapshot = {}) {
    stepfn::execution_checkpoint cp;
    cp.execution_arn = arn;
    cp.sequence = sequence;
    for (int i = 0; i < count; ++i) {
        const auto type = i % 2 == 0 ? stepfn::event_type::pass_state_entered : stepfn::event_type::pass_state_exited;
        cp.events.push_back(event(first_id + i, type, {{"name", "A"}, {"input", "{\"n\":" + std::to_string(first_id + i) + "}"}}));
    }
    cp.snapshot = std::move(snapshot);
    return cp;
}

// Commits and waits for `done`: the outcome.
inline stepfn::result<void> commit_now(stepfn::execution_store& store, stepfn::execution_checkpoint cp) {
    std::promise<stepfn::result<void>> outcome;
    auto answered = outcome.get_future();
    store.commit(std::move(cp), [&outcome](stepfn::result<void> r) { outcome.set_value(std::move(r)); });
    return answered.get();
}

// Runs `body` once per kind of store, each fresh: the contract holds for all of them.
inline void for_each_store(const std::function<void(stepfn::execution_store&, const std::string& kind)>& body) {
    {
        stepfn::memory_store memory;
        body(memory, "memory");
    }
    {
        scratch_dir dir;
        if (!dir.ok()) throw std::runtime_error("mkdtemp failed");
        auto sqlite = stepfn::sqlite_store::open(dir.file("contract.db"));
        if (!sqlite) throw std::runtime_error("cannot open the SQLite store: " + sqlite.error().cause);
        body(**sqlite, "sqlite");
    }
#ifdef STEPFN_WITH_POSTGRES
    if (postgres_url()) {
        scratch_schema schema;
        auto postgres = schema.open();
        if (!postgres) throw std::runtime_error("cannot open the PostgreSQL store: " + postgres.error().cause);
        body(**postgres, "postgres");
    }
#endif
}

} // namespace store_test

// A failed CHECK(commit_now(...)) prints the store's error, not `{?}`.
namespace Catch {
template <>
struct StringMaker<stepfn::result<void>> {
    static std::string convert(const stepfn::result<void>& r) {
        return r ? std::string("ok") : r.error().name + ": " + r.error().cause;
    }
};
} // namespace Catch

#endif
