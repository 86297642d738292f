// The program of docs/durability-example.md: an order workflow (charge the card, wait, ship) run
// durably on DIR/orders.sqlite. Kill it in the middle and run it again: it goes on from where the
// store says it was, without charging again. Run it once more: the execution is stored as ended,
// so it prints the stored result and runs nothing (a start is idempotent by name).
// (docs/durability-example.md shows this file; keep them the same.)
//   durable_orders DIR
#include <cstdio>
#include <filesystem>
#include <string>

#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/integrations/sqlite_store.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/tasks/callable_invoker.hpp>

namespace {

const char* const definition = R"({
  "StartAt": "Charge",
  "States": {
    "Charge": {"Type": "Task", "Resource": "payments:charge",
               "Parameters": {"orderId.$": "$.orderId", "amount.$": "$.amount"},
               "ResultPath": "$.payment", "Next": "Cool off"},
    "Cool off": {"Type": "Wait", "Seconds": 3, "Next": "Ship"},
    "Ship": {"Type": "Task", "Resource": "warehouse:ship",
             "Parameters": {"orderId.$": "$.orderId"},
             "ResultPath": "$.shipment", "End": true}
  }})";

void say(const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);  // a kill -9 must not lose what was printed
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: durable_orders DIR\n");
        return 2;
    }
    std::filesystem::create_directories(argv[1]);
    const std::string path = (std::filesystem::path(argv[1]) / "orders.sqlite").string();

    // 1. The store: one SQLite file, held by this process while it runs.
    auto store = stepfn::sqlite_store::open(path);
    if (!store) {
        std::fprintf(stderr, "%s: %s\n", store.error().name.c_str(), store.error().cause.c_str());
        return 2;
    }
    stepfn::load_options load;
    load.name = "orders";  // the state machine's name in the ARNs
    auto machine = stepfn::load_machine(definition, load);
    if (!machine) return 2;

    // 2. A durable engine: every step of every execution is checkpointed in the store. A task
    //    that was in flight when the process died is sent again with the same idempotency key,
    //    which a payment service deduplicates by (the default, in_flight_tasks::fail, would
    //    fail it with Stepfn.TaskInterrupted instead).
    stepfn::thread_pool_executor pool(2);
    stepfn::system_clock clock;
    stepfn::engine_options options;
    options.store = *store;
    options.after_restart = stepfn::in_flight_tasks::redispatch;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(pool, clock, options);

    engine.invokers().add("payments:charge", stepfn::make_invoker([](const stepfn::task_request& r) {
        say("charging " + r.input["orderId"].get<std::string>() + " (idempotency key " + r.idempotency_key + ")");
        return stepfn::json{{"chargeId", "ch-" + r.input["orderId"].get<std::string>()}, {"amount", r.input["amount"]}};
    }));
    engine.invokers().add("warehouse:ship", stepfn::make_invoker([](const stepfn::task_request& r) {
        say("shipping " + r.input["orderId"].get<std::string>());
        return stepfn::json{{"trackingId", "trk-" + r.input["orderId"].get<std::string>()}};
    }));

    // 3. Whatever a previous process left RUNNING goes on from its last checkpoint: a Wait
    //    re-armed from its deadline, tasks as options.after_restart says.
    auto recovered = engine.recover();
    if (!recovered) {
        std::fprintf(stderr, "%s\n", recovered.error().cause.c_str());
        return 1;
    }
    for (const auto& e : recovered->resumed) say("resumed " + e.name());

    // 4. Start the order. The same name with the same input is the same execution: the one just
    //    resumed, or, once it has ended, the stored one (nothing runs again).
    stepfn::start_options named;
    named.name = "order-1001";
    auto order = engine.start(*machine, stepfn::json{{"orderId", "ord-1001"}, {"amount", 42.5}}, named);
    if (!order) {
        std::fprintf(stderr, "%s: %s\n", order.error().name.c_str(), order.error().cause.c_str());
        return 1;
    }
    if (recovered->resumed.empty()) say(order->done() ? "order-1001 ended before; the store has its result" : "started order-1001");
    auto output = order->wait();
    if (!output) {
        say("order-1001 " + std::string(stepfn::to_string(order->status())) + " " + output.error().name + ": " + output.error().cause);
        return 1;
    }
    say("order-1001 " + std::string(stepfn::to_string(order->status())) + " " + output->dump());
    return 0;
}
