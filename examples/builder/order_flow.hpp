// The order workflow of examples/order-flow/definition.asl.json, written with the builder.
// (tests/unit/builder_test.cpp checks that both say the same thing.)
#ifndef STEPFN_EXAMPLES_BUILDER_ORDER_FLOW_HPP
#define STEPFN_EXAMPLES_BUILDER_ORDER_FLOW_HPP

#include <functional>

#include <stepfn/build/builder.hpp>

namespace order_example {

// What the three Lambda tasks do in this process. Each gets the Task's effective input
// ({"FunctionName": ..., "Payload": ...}) and answers as Lambda's invoke does ({"Payload": ...}).
struct services {
    std::function<stepfn::json(const stepfn::json&)> charge;
    std::function<stepfn::json(const stepfn::json&)> ship;
    std::function<stepfn::json(const stepfn::json&)> refund;
};

inline stepfn::machine_builder order_flow(const services& call) {
    using stepfn::catch_rule;
    using stepfn::json;
    using stepfn::retry_rule;
    using stepfn::variable;
    const std::string lambda = "arn:aws:states:::lambda:invoke";
    const std::string functions = "arn:aws:lambda:eu-west-1:123456789012:function:";

    stepfn::machine_builder b;
    b.comment("Checks an order, charges the card (retrying gateway timeouts), waits for the warehouse, ships, "
              "and refunds the payment when shipping fails")
        .start_at("CheckOrder")
        .timeout_seconds(86400);

    b.choice("CheckOrder")
        .when(variable("$.order.amount").numeric_less_than_equals(0), "RejectInvalidAmount")
        .when(stepfn::and_({variable("$.order.amount").numeric_greater_than(1000),
                            stepfn::not_(variable("$.customer.tier").string_equals("gold"))}),
              "RejectOverLimit")
        .default_("PreparePayment");

    b.pass("PreparePayment")
        .parameters({{"orderId.$", "$.order.id"},
                     {"customerId.$", "$.customer.id"},
                     {"amount.$", "$.order.amount"},
                     {"currency", "EUR"},
                     {"description.$", "States.Format('Order {} ({} items)', $.order.id, States.ArrayLength($.order.items))"}})
        .result_path("$.paymentRequest")
        .next("ChargePayment");

    b.task("ChargePayment")
        .resource(lambda)
        .parameters({{"FunctionName", functions + "charge-card"}, {"Payload.$", "$.paymentRequest"}})
        .result_selector({{"transactionId.$", "$.Payload.transactionId"}, {"status.$", "$.Payload.status"}})
        .result_path("$.payment")
        .retry(retry_rule({"Payment.GatewayTimeout"}).interval_seconds(2).max_attempts(3).backoff_rate(2))
        .catch_(catch_rule({"Payment.Declined"}, "PaymentDeclined").result_path("$.error"))
        .next("WaitForWarehouse")
        .bind(call.charge);

    b.wait("WaitForWarehouse").comment("The warehouse picks orders once an hour").seconds(3600).next("ShipOrder");

    b.task("ShipOrder")
        .resource(lambda)
        .parameters({{"FunctionName", functions + "ship-order"},
                     {"Payload", {{"orderId.$", "$.order.id"}, {"items.$", "$.order.items"}, {"address.$", "$.customer.address"}}}})
        .result_selector({{"trackingNumber.$", "$.Payload.trackingNumber"}, {"carrier.$", "$.Payload.carrier"}})
        .result_path("$.shipment")
        .catch_(catch_rule({"States.ALL"}, "RefundPayment").result_path("$.error"))
        .next("OrderShipped")
        .bind(call.ship);

    b.task("RefundPayment")
        .comment("Compensation: give the money back when the order cannot be shipped")
        .resource(lambda)
        .parameters({{"FunctionName", functions + "refund-payment"},
                     {"Payload", {{"transactionId.$", "$.payment.transactionId"}, {"reason.$", "$.error.Cause"}}}})
        .result_path(nullptr)
        .next("ShippingFailed")
        .bind(call.refund);

    b.pass("OrderShipped")
        .parameters({{"orderId.$", "$.order.id"},
                     {"status", "SHIPPED"},
                     {"transactionId.$", "$.payment.transactionId"},
                     {"trackingNumber.$", "$.shipment.trackingNumber"},
                     {"carrier.$", "$.shipment.carrier"},
                     {"shippedAt.$", "$$.State.EnteredTime"}})
        .next("Done");

    b.succeed("Done");
    b.fail("PaymentDeclined").error("Order.PaymentDeclined").cause("the card was declined; nothing was charged");
    b.fail("ShippingFailed").error("Order.ShippingFailed").cause("the order could not be shipped; the payment was refunded");
    b.fail("RejectInvalidAmount").error("Order.InvalidAmount").cause("the order amount must be positive");
    b.fail("RejectOverLimit").error("Order.OverLimit").cause("orders over 1000 need a gold customer");
    return b;
}

} // namespace order_example

#endif
