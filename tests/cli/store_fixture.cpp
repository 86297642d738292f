// Writes the execution store the CLI tests read (`stepfn list|describe|history --store`):
// five executions of two machines, with fixed names and times, through the store API.
//   stepfn_cli_store_fixture PATH      (replaces PATH)
#include <stepfn/integrations/sqlite_store.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>

namespace {

stepfn::store_time at(std::int64_t ms) { return stepfn::store_time(std::chrono::milliseconds(ms)); }
const std::int64_t t0 = 1704164645000;  // 2024-01-02T03:04:05.000Z

std::string machine(const std::string& name) { return "arn:aws:states:us-east-1:123456789012:stateMachine:" + name; }
std::string arn(const std::string& machine_name, const std::string& name) {
    return "arn:aws:states:us-east-1:123456789012:execution:" + machine_name + ":" + name;
}

stepfn::history_event event(std::int64_t id, std::int64_t ms, stepfn::event_type type, stepfn::json details) {
    stepfn::history_event e;
    e.id = id;
    e.previous_event_id = id - 1;
    e.timestamp = at(ms);
    e.type = type;
    e.details = std::move(details);
    return e;
}

bool commit(stepfn::execution_store& store, stepfn::execution_checkpoint cp) {
    std::promise<stepfn::result<void>> p;
    auto f = p.get_future();
    store.commit(std::move(cp), [&p](stepfn::result<void> r) { p.set_value(std::move(r)); });
    auto r = f.get();
    if (!r) std::fprintf(stderr, "commit failed: %s\n", r.error().cause.c_str());
    return static_cast<bool>(r);
}

// Creates `name` on `machine_name` at t0 + offset, with ExecutionStarted and a Pass state entered.
stepfn::execution_checkpoint start(const std::string& machine_name, const std::string& name, std::int64_t offset) {
    stepfn::execution_checkpoint cp;
    cp.execution_arn = arn(machine_name, name);
    cp.sequence = 1;
    stepfn::stored_execution row;
    row.arn = cp.execution_arn;
    row.name = name;
    row.machine_arn = machine(machine_name);
    row.definition_id = machine_name + "-v1";
    row.input = "{\"order\":\"" + name + "\"}";
    row.start_date = at(t0 + offset);
    cp.created = row;
    cp.machine = stepfn::machine_version{machine_name + "-v1", machine(machine_name),
                                         "{\"StartAt\":\"Check\",\"States\":{\"Check\":{\"Type\":\"Pass\",\"End\":true}}}"};
    cp.events.push_back(event(1, t0 + offset, stepfn::event_type::execution_started,
                              {{"input", row.input}, {"inputDetails", {{"truncated", false}}}, {"roleArn", "arn:aws:iam::123456789012:role/stepfn"}}));
    cp.events.push_back(event(2, t0 + offset + 1, stepfn::event_type::pass_state_entered,
                              {{"name", "Check"}, {"input", row.input}, {"inputDetails", {{"truncated", false}}}}));
    cp.snapshot = "{\"at\":\"Check\"}";
    return cp;
}

stepfn::execution_checkpoint finish(const std::string& machine_name, const std::string& name, std::int64_t offset,
                                    stepfn::execution_status status, std::uint64_t sequence = 2, std::int64_t first_id = 3) {
    stepfn::execution_checkpoint cp;
    cp.execution_arn = arn(machine_name, name);
    cp.sequence = sequence;
    stepfn::execution_change end;
    end.status = status;
    end.date = at(t0 + offset + 500);
    if (status == stepfn::execution_status::succeeded) {
        end.output = "{\"order\":\"" + name + "\",\"ok\":true}";
        cp.events.push_back(event(first_id, t0 + offset + 2, stepfn::event_type::pass_state_exited,
                                  {{"name", "Check"}, {"output", end.output}, {"outputDetails", {{"truncated", false}}}}));
        cp.events.push_back(event(first_id + 1, t0 + offset + 500, stepfn::event_type::execution_succeeded,
                                  {{"output", end.output}, {"outputDetails", {{"truncated", false}}}}));
    } else {
        end.error = "Order.Rejected";
        end.cause = "amount too large";
        cp.events.push_back(event(first_id, t0 + offset + 500, stepfn::event_type::execution_failed,
                                  {{"error", end.error}, {"cause", end.cause}}));
    }
    cp.ended = end;
    return cp;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: stepfn_cli_store_fixture PATH\n");
        return 2;
    }
    const std::string path = argv[1];
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    auto opened = stepfn::sqlite_store::open(path);
    if (!opened) {
        std::fprintf(stderr, "%s\n", opened.error().cause.c_str());
        return 1;
    }
    stepfn::execution_store& store = **opened;
    bool ok = commit(store, start("orders", "ok-1", 0)) &&
              commit(store, finish("orders", "ok-1", 0, stepfn::execution_status::succeeded)) &&
              commit(store, start("orders", "failed-1", 1000)) &&
              commit(store, finish("orders", "failed-1", 1000, stepfn::execution_status::failed)) &&
              commit(store, start("refunds", "dup", 2000)) && commit(store, start("orders", "dup", 3000)) &&
              commit(store, start("orders", "running-1", 4000));
    // failed-1 is redriven and fails again.
    if (ok) {
        stepfn::execution_checkpoint redrive;
        redrive.execution_arn = arn("orders", "failed-1");
        redrive.sequence = 3;
        redrive.events.push_back(event(4, t0 + 10000, stepfn::event_type::execution_redriven, {{"redriveCount", 1}}));
        redrive.redriven = stepfn::execution_change{stepfn::execution_status::running, "", "", "", at(t0 + 10000), 1};
        ok = commit(store, redrive) && commit(store, finish("orders", "failed-1", 10000, stepfn::execution_status::failed, 4, 5));
    }
    return ok ? 0 : 1;
}
