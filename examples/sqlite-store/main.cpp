// The program of docs/store-sqlite.md: checkpoints written with the store API directly, then
// read back as AWS's DescribeExecution / GetExecutionHistory / ListExecutions would show them.
// (docs/store-sqlite.md shows this file; keep them the same.)
//   example_sqlite_store [DB]     (DB is replaced; default: a file in the temp directory, removed at the end)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>

#include <stepfn/integrations/sqlite_store.hpp>

namespace {

// commit() returns at once; `done` says when the checkpoint is durable. Here we just wait.
stepfn::result<void> commit_and_wait(stepfn::execution_store& store, stepfn::execution_checkpoint cp) {
    std::promise<stepfn::result<void>> durable;
    auto answer = durable.get_future();
    store.commit(std::move(cp), [&durable](stepfn::result<void> r) { durable.set_value(std::move(r)); });
    return answer.get();
}

stepfn::history_event event(std::int64_t id, stepfn::event_type type, stepfn::json details) {
    stepfn::history_event e;
    e.id = id;
    e.previous_event_id = id - 1;
    e.timestamp = std::chrono::system_clock::now();
    e.type = type;
    e.details = std::move(details);
    return e;
}

} // namespace

int main(int argc, char** argv) {
    const bool temporary = argc < 2;
    const std::string path = temporary ? (std::filesystem::temp_directory_path() / "stepfn-example-store.db").string() : argv[1];
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);

    const std::string machine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";
    const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:orders:order-42";
    {
        // 1. Open (creating) the store. The process holds the file until the store goes away.
        auto store = stepfn::sqlite_store::open(path);
        if (!store) {
            std::fprintf(stderr, "%s: %s\n", store.error().name.c_str(), store.error().cause.c_str());
            return 2;
        }

        // 2. The first checkpoint: the execution's row, its machine version, its first events.
        stepfn::execution_checkpoint first;
        first.execution_arn = arn;
        first.sequence = 1;
        stepfn::stored_execution row;
        row.arn = arn;
        row.name = "order-42";
        row.machine_arn = machine;
        row.definition_id = "orders-v1";
        row.input = R"({"orderId":"42"})";
        row.start_date = std::chrono::system_clock::now();
        first.created = row;
        first.machine = stepfn::machine_version{"orders-v1", machine, R"({"StartAt":"Ship","States":{"Ship":{"Type":"Pass","End":true}}})"};
        first.events.push_back(event(1, stepfn::event_type::execution_started, {{"input", row.input}, {"inputDetails", {{"truncated", false}}}}));
        first.events.push_back(event(2, stepfn::event_type::pass_state_entered, {{"name", "Ship"}, {"input", row.input}}));
        first.snapshot = R"({"state":"Ship"})";
        if (auto r = commit_and_wait(**store, first); !r) {
            std::fprintf(stderr, "%s\n", r.error().cause.c_str());
            return 1;
        }

        // 3. The next one: more events and how the execution ended.
        stepfn::execution_checkpoint last;
        last.execution_arn = arn;
        last.sequence = 2;
        last.events.push_back(event(3, stepfn::event_type::pass_state_exited, {{"name", "Ship"}, {"output", R"({"orderId":"42"})"}}));
        last.events.push_back(event(4, stepfn::event_type::execution_succeeded, {{"output", R"({"orderId":"42"})"}}));
        last.ended = stepfn::execution_change{stepfn::execution_status::succeeded, R"({"orderId":"42"})", "", "", std::chrono::system_clock::now(), 0};
        if (auto r = commit_and_wait(**store, last); !r) {
            std::fprintf(stderr, "%s\n", r.error().cause.c_str());
            return 1;
        }
    }  // closing the store folds its write-ahead log back into the file

    // 4. Another opener (a later process) reads it all back.
    auto store = stepfn::sqlite_store::open(path);
    if (!store) return 2;
    auto found = (*store)->find_execution(arn);  // result<optional<stored_execution>>
    if (!found || !found->has_value()) return 1;
    const stepfn::stored_execution& execution = **found;
    std::printf("%s %s, %lld events\n", execution.name.c_str(), stepfn::to_string(execution.status),
                static_cast<long long>(execution.event_count));
    auto history = (*store)->history(arn, {});
    if (!history) return 1;
    for (const auto& e : history->events) std::printf("%s\n", stepfn::to_json(e).dump().c_str());
    stepfn::execution_filter succeeded;
    succeeded.status = stepfn::execution_status::succeeded;
    auto page = (*store)->list_executions(succeeded);
    if (!page) return 1;
    std::printf("%zu succeeded execution(s)\n", page->executions.size());

    store->reset();
    if (temporary) std::filesystem::remove(path);
    return 0;
}
