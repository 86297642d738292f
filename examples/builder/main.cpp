// The order workflow built in code (order_flow.hpp), its Lambda tasks bound to C++ lambdas,
// run three times: an order that ships, a declined card, and a failed shipment (refunded).
// See docs/builder.md.
#include <cstdio>
#include <string>

#include <stepfn/build/builder.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/virtual_clock.hpp>

#include "order_flow.hpp"

using stepfn::json;

namespace {

// One run of the workflow with a given card and warehouse; returns "STATUS output-or-error".
std::string run_order(const json& order, bool card_ok, bool warehouse_ok) {
    order_example::services services;
    services.charge = [card_ok](const json& request) -> json {
        if (!card_ok) throw stepfn::task_error("Payment.Declined", "insufficient funds");
        return {{"Payload", {{"transactionId", "tx-" + request["Payload"]["orderId"].get<std::string>()},
                             {"status", "CHARGED"}}}};
    };
    services.ship = [warehouse_ok](const json&) -> json {
        if (!warehouse_ok) throw stepfn::task_error("Warehouse.OutOfStock", "MUG-7 is out of stock");
        return {{"Payload", {{"trackingNumber", "TRK-1"}, {"carrier", "An Post"}}}};
    };
    services.refund = [](const json& request) -> json {
        std::printf("  refunding %s: %s\n", request["Payload"]["transactionId"].get<std::string>().c_str(),
                    request["Payload"]["reason"].get<std::string>().c_str());
        return {{"Payload", {{"refunded", true}}}};
    };

    // Validated and compiled here, exactly as the JSON file would be.
    auto bundle = order_example::order_flow(services).build();
    if (!bundle) {
        for (const auto& p : bundle.error().problems) std::fprintf(stderr, "%s: %s\n", p.pointer.c_str(), p.message.c_str());
        return "INVALID";
    }

    // The virtual clock makes the one-hour Wait pass instantly.
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock);
    bundle->register_on(engine.invokers());

    auto run = engine.start(bundle->machine, order);
    if (!run) return "NOT STARTED " + run.error().cause;
    auto output = run->wait();
    return std::string(stepfn::to_string(run->status())) + " " +
           (output ? output->value("status", "") : output.error().name);
}

} // namespace

int main() {
    const json order = {{"order", {{"id", "ord-1001"}, {"amount", 249.9}, {"items", {{{"sku", "BOOK-42"}}, {{"sku", "MUG-7"}}}}}},
                        {"customer", {{"id", "cust-7"}, {"tier", "silver"}, {"address", {{"city", "Dublin"}}}}}};
    const std::string shipped = run_order(order, true, true);
    const std::string declined = run_order(order, false, true);
    const std::string refunded = run_order(order, true, false);
    std::printf("shipped: %s\ndeclined: %s\nrefunded: %s\n", shipped.c_str(), declined.c_str(), refunded.c_str());
    const bool ok = shipped == "SUCCEEDED SHIPPED" && declined == "FAILED Order.PaymentDeclined" &&
                    refunded == "FAILED Order.ShippingFailed";
    std::printf("%s\n", ok ? "OK" : "UNEXPECTED");
    return ok ? 0 : 1;
}
