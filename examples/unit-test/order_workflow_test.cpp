// Unit tests of a workflow, as you would write them in your own suite: the order workflow of
// examples/order-flow with its Lambda tasks mocked, on virtual time (the hour-long Wait and the
// retry back-off take no real time), plus one state tested on its own, TestState-style.
//
// Copy this file and the CMakeLists.txt beside it; point ORDER_FLOW_DIR at your definition.

#if defined(ORDER_TEST_CATCH2_V2_MAIN)
#define CATCH_CONFIG_MAIN
#endif
// One include for Catch2 v3 and v2.
#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_test_macros.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

#include <stepfn/load/loader.hpp>
#include <stepfn/testing/catch2.hpp>
#include <stepfn/testing/harness.hpp>
#include <stepfn/testing/test_state.hpp>

using stepfn::json;
using namespace stepfn::testing;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

stepfn::state_machine order_flow() {
    stepfn::load_options options;
    options.name = "OrderFlow";  // the machine's key in the mock file
    auto machine = stepfn::load_machine(read_file(ORDER_FLOW_DIR "/definition.asl.json"), options);
    if (!machine) FAIL("the definition does not load: " << machine.error().cause);
    return *machine;
}

json order_input() { return json::parse(read_file(ORDER_FLOW_DIR "/input.json")); }

json lambda_payload(json payload) { return json{{"StatusCode", 200}, {"Payload", std::move(payload)}}; }

} // namespace

TEST_CASE("an order is charged after a gateway timeout and shipped") {
    workflow_test test(order_flow());
    test.mock("ChargePayment")
        .throws("Payment.GatewayTimeout", "no answer in 10 s")
        .returns(lambda_payload({{"transactionId", "tx-1"}, {"status", "CAPTURED"}}));
    test.mock("ShipOrder").returns(lambda_payload({{"trackingNumber", "1Z"}, {"carrier", "UPS"}}));

    auto run = test.run(order_input());

    REQUIRE(run.succeeded());
    CHECK(run.output["status"] == "SHIPPED");
    CHECK(run.output["trackingNumber"] == "1Z");
    CHECK_THAT(run.history, visited({"CheckOrder", "PreparePayment", "ChargePayment", "WaitForWarehouse", "ShipOrder",
                                     "OrderShipped", "Done"}));
    CHECK_THAT(run.history, attempted("ChargePayment", 2));
    CHECK(run.history.task_inputs("ShipOrder").at(0)["Payload"]["orderId"] == "ord-1001");
    // The one-hour Wait and the two-second back-off, in virtual time.
    CHECK(run.virtual_elapsed == std::chrono::seconds(3600 + 2));
}

TEST_CASE("a shipping failure refunds the payment") {
    workflow_test test(order_flow());
    // The same answers as the Step Functions Local mock file's ShippingFails test case.
    REQUIRE(test.load_mock_file(ORDER_FLOW_DIR "/mocks.json", "ShippingFails"));

    auto run = test.run(order_input());

    CHECK(run.failure.name == "Order.ShippingFailed");
    CHECK_THAT(run.history, visited_in_order({"ShipOrder", "RefundPayment", "ShippingFailed"}));
    CHECK_THAT(run.history, received("RefundPayment",
                                     {{"FunctionName", "arn:aws:lambda:eu-west-1:123456789012:function:refund-payment"},
                                      {"Payload", {{"transactionId", "tx-7f3a"}, {"reason", "MUG-7 is out of stock"}}}}));
}

TEST_CASE("the order waits for the warehouse: observed half-way") {
    workflow_test test(order_flow());
    test.mock("ChargePayment").returns(lambda_payload({{"transactionId", "tx-1"}, {"status", "CAPTURED"}}));
    test.mock("ShipOrder").returns(lambda_payload({{"trackingNumber", "1Z"}, {"carrier", "UPS"}}));

    auto run = test.start(order_input());
    REQUIRE(run);
    run->advance(std::chrono::minutes(59));
    CHECK(run->current_states() == std::vector<std::string>{"WaitForWarehouse"});
    run->advance(std::chrono::minutes(1));
    CHECK(run->status() == stepfn::execution_status::succeeded);
}

TEST_CASE("ChargePayment on its own: a timeout is retried, a decline is caught") {
    const auto machine = order_flow();
    test_state_options options;
    options.input = json{{"paymentRequest", {{"amount", 10}}}};

    options.error_output = stepfn::error{"Payment.GatewayTimeout", "slow"};
    auto timeout = test_state(machine, "ChargePayment", options);
    REQUIRE(timeout);
    CHECK(timeout->status == test_state_status::retriable);
    CHECK(timeout->inspection.retry_backoff_seconds == 2.0);

    options.error_output = stepfn::error{"Payment.Declined", "card expired"};
    auto declined = test_state(machine, "ChargePayment", options);
    REQUIRE(declined);
    CHECK(declined->status == test_state_status::caught_error);
    CHECK(declined->next_state == "PaymentDeclined");
    CHECK(declined->inspection.after_parameters ==
          json{{"FunctionName", "arn:aws:lambda:eu-west-1:123456789012:function:charge-card"},
               {"Payload", {{"amount", 10}}}});
}
