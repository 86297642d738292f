// The execution store contract (include/stepfn/store/execution_store.hpp), run against every
// store: memory_store, the reference, and sqlite_store must answer alike.
#include "catch.hpp"

#include <string>

#include "store/store_support.hpp"

namespace contract_test {

using stepfn::execution_status;
using stepfn::json;
using namespace store_test;

TEST_CASE("store contract: a created execution reads back as written", "[store][contract]") {
    for_each_store([](stepfn::execution_store& store, const std::string& kind) {
        INFO(kind);
        auto cp = created("first", 1000);
        const auto expected_row = *cp.created;
        REQUIRE(commit_now(store, cp));

        auto found = store.find_execution(execution_arn("first"));
        REQUIRE(found);
        REQUIRE(found->has_value());
        const stepfn::stored_execution& row = **found;
        CHECK(row.arn == expected_row.arn);
        CHECK(row.name == "first");
        CHECK(row.machine_arn == machine_arn());
        CHECK(row.definition_id == "def-orders");
        CHECK(row.status == execution_status::running);
        CHECK(row.input == "{\"order\":\"first\"}");
        CHECK(row.output.empty());
        CHECK(row.start_date == at_ms(1000));
        CHECK_FALSE(row.stop_date);
        CHECK(row.redrive_count == 0);
        CHECK_FALSE(row.redrive_date);
        CHECK(row.event_count == 1);

        auto version = store.find_machine_version("def-orders");
        REQUIRE(version);
        REQUIRE(version->has_value());
        CHECK((*version)->machine_arn == machine_arn());
        CHECK((*version)->definition == cp.machine->definition);
        auto no_version = store.find_machine_version("def-none");
        REQUIRE(no_version);
        CHECK_FALSE(no_version->has_value());

        auto missing = store.find_execution(execution_arn("nobody"));
        REQUIRE(missing);
        CHECK_FALSE(missing->has_value());
        auto snap = store.snapshot(execution_arn("first"));
        REQUIRE(snap);
        CHECK(*snap == "{\"at\":\"A\"}");
        auto no_snap = store.snapshot(execution_arn("nobody"));
        REQUIRE_FALSE(no_snap);
        CHECK(no_snap.error().name == "ExecutionDoesNotExist");
    });
}

TEST_CASE("store contract: events append, snapshots replace or stay, an end and a redrive change the row", "[store][contract]") {
    for_each_store([](stepfn::execution_store& store, const std::string& kind) {
        INFO(kind);
        const std::string arn = execution_arn("run");
        REQUIRE(commit_now(store, created("run", 5)));
        REQUIRE(commit_now(store, step(arn, 2, 2, 3, "{\"at\":\"B\"}")));
        REQUIRE(commit_now(store, step(arn, 3, 5, 2)));  // no snapshot: the previous one stays
        CHECK(*store.snapshot(arn) == "{\"at\":\"B\"}");
        CHECK((*store.find_execution(arn))->event_count == 6);

        auto history = store.history(arn, {});
        REQUIRE(history);
        REQUIRE(history->events.size() == 6);
        CHECK(history->next_token.empty());
        for (std::size_t i = 0; i < 6; ++i) CHECK(history->events[i].id == static_cast<std::int64_t>(i + 1));
        CHECK(history->events[0].type == stepfn::event_type::execution_started);
        CHECK(history->events[0].details.at("roleArn") == "arn:aws:iam::123456789012:role/x");
        CHECK(history->events[0].timestamp == at_ms(1700000000001));
        CHECK(history->events[3].details.at("input") == "{\"n\":4}");
        CHECK(history->events[3].previous_event_id == 3);
        CHECK(stepfn::to_json(history->events[1]).dump() == stepfn::to_json(step(arn, 2, 2, 1).events[0]).dump());

        // It fails.
        auto fail = step(arn, 4, 7, 0);
        fail.events.push_back(event(7, stepfn::event_type::execution_failed, {{"error", "Boom"}, {"cause", "it broke"}}));
        fail.ended = stepfn::execution_change{execution_status::failed, "", "Boom", "it broke", at_ms(9000), 0};
        REQUIRE(commit_now(store, fail));
        auto failed = *store.find_execution(arn);
        CHECK(failed->status == execution_status::failed);
        CHECK(failed->error == "Boom");
        CHECK(failed->cause == "it broke");
        CHECK(failed->stop_date == at_ms(9000));
        CHECK(*store.snapshot(arn) == "{\"at\":\"B\"}");  // kept after the end, for a redrive
        auto unfinished = store.unfinished_executions();
        REQUIRE(unfinished);
        CHECK(unfinished->empty());

        // Redriven: running again, the end forgotten.
        auto again = step(arn, 5, 8, 0, "{\"at\":\"A\",\"redriven\":true}");
        again.events.push_back(event(8, stepfn::event_type::execution_redriven, {{"redriveCount", 1}}));
        again.redriven = stepfn::execution_change{execution_status::running, "", "", "", at_ms(10000), 1};
        REQUIRE(commit_now(store, again));
        auto redriven = *store.find_execution(arn);
        CHECK(redriven->status == execution_status::running);
        CHECK(redriven->redrive_count == 1);
        CHECK(redriven->redrive_date == at_ms(10000));
        CHECK_FALSE(redriven->stop_date);
        CHECK(redriven->error.empty());
        CHECK(redriven->cause.empty());
        CHECK(*store.unfinished_executions() == std::vector<std::string>{arn});

        // And succeeds.
        auto success = step(arn, 6, 9, 0);
        success.events.push_back(event(9, stepfn::event_type::execution_succeeded, {{"output", "{\"ok\":true}"}}));
        success.ended = stepfn::execution_change{execution_status::succeeded, "{\"ok\":true}", "", "", at_ms(11000), 0};
        REQUIRE(commit_now(store, success));
        auto succeeded = *store.find_execution(arn);
        CHECK(succeeded->status == execution_status::succeeded);
        CHECK(succeeded->output == "{\"ok\":true}");
        CHECK(succeeded->stop_date == at_ms(11000));
        CHECK(succeeded->redrive_count == 1);
        CHECK(succeeded->event_count == 9);
    });
}

TEST_CASE("store contract: task tokens open and close", "[store][contract]") {
    for_each_store([](stepfn::execution_store& store, const std::string& kind) {
        INFO(kind);
        const std::string arn = execution_arn("waiting");
        auto cp = created("waiting", 1);
        cp.tokens.push_back({"token-1", true});
        cp.tokens.push_back({"token-2", true});
        REQUIRE(commit_now(store, cp));
        CHECK(**store.find_token("token-1") == arn);
        CHECK(**store.find_token("token-2") == arn);
        CHECK_FALSE(store.find_token("token-3")->has_value());

        auto next = step(arn, 2, 2, 1);
        next.tokens.push_back({"token-1", false});
        REQUIRE(commit_now(store, next));
        CHECK_FALSE(store.find_token("token-1")->has_value());
        CHECK(**store.find_token("token-2") == arn);
    });
}

TEST_CASE("store contract: list filters by machine and status, newest first, a page at a time", "[store][contract]") {
    for_each_store([](stepfn::execution_store& store, const std::string& kind) {
        INFO(kind);
        // e0..e9: starts 100, 200, ..., with e4/e5 at the same start (creation order breaks the tie).
        for (int i = 0; i < 10; ++i) {
            const std::string name = "e" + std::to_string(i);
            const std::int64_t start = i == 5 ? 500 : (i + 1) * 100;
            REQUIRE(commit_now(store, created(name, start, i % 2 == 0 ? "orders" : "refunds")));
        }
        for (int i : {1, 2, 3}) {  // e1..e3 end
            const std::string arn = execution_arn("e" + std::to_string(i), i % 2 == 0 ? "orders" : "refunds");
            auto end = step(arn, 2, 2, 0);
            end.ended = stepfn::execution_change{i == 2 ? execution_status::failed : execution_status::succeeded, "{}", "", "", at_ms(5000), 0};
            REQUIRE(commit_now(store, end));
        }

        auto all = store.list_executions({});
        REQUIRE(all);
        std::vector<std::string> names;
        for (const auto& e : all->executions) names.push_back(e.name);
        CHECK(names == std::vector<std::string>{"e9", "e8", "e7", "e6", "e5", "e4", "e3", "e2", "e1", "e0"});
        CHECK(all->next_token.empty());

        // Pages of three, following the tokens.
        std::vector<std::string> paged;
        stepfn::execution_filter filter;
        filter.max_results = 3;
        int pages = 0;
        for (;;) {
            auto page = store.list_executions(filter);
            REQUIRE(page);
            ++pages;
            for (const auto& e : page->executions) paged.push_back(e.name);
            if (page->next_token.empty()) break;
            filter.next_token = page->next_token;
            REQUIRE(pages < 10);
        }
        CHECK(pages == 4);
        CHECK(paged == names);

        stepfn::execution_filter refunds;
        refunds.machine_arn = machine_arn("refunds");
        auto by_machine = store.list_executions(refunds);
        REQUIRE(by_machine);
        names.clear();
        for (const auto& e : by_machine->executions) names.push_back(e.name);
        CHECK(names == std::vector<std::string>{"e9", "e7", "e5", "e3", "e1"});

        stepfn::execution_filter succeeded;
        succeeded.status = execution_status::succeeded;
        auto by_status = store.list_executions(succeeded);
        REQUIRE(by_status);
        names.clear();
        for (const auto& e : by_status->executions) names.push_back(e.name);
        CHECK(names == std::vector<std::string>{"e3", "e1"});

        stepfn::execution_filter running_refunds;
        running_refunds.machine_arn = machine_arn("refunds");
        running_refunds.status = execution_status::running;
        running_refunds.max_results = 2;
        auto first = store.list_executions(running_refunds);
        REQUIRE(first);
        REQUIRE(first->executions.size() == 2);
        CHECK(first->executions[0].name == "e9");
        CHECK(first->executions[1].name == "e7");
        REQUIRE_FALSE(first->next_token.empty());
        running_refunds.next_token = first->next_token;
        auto second = store.list_executions(running_refunds);
        REQUIRE(second);
        REQUIRE(second->executions.size() == 1);
        CHECK(second->executions[0].name == "e5");
        CHECK(second->next_token.empty());

        auto unfinished = store.unfinished_executions();
        REQUIRE(unfinished);
        CHECK(unfinished->size() == 7);
        CHECK(unfinished->front() == execution_arn("e0"));  // oldest first
        CHECK(unfinished->back() == execution_arn("e9", "refunds"));
    });
}

TEST_CASE("store contract: history pages forward and in reverse", "[store][contract]") {
    for_each_store([](stepfn::execution_store& store, const std::string& kind) {
        INFO(kind);
        const std::string arn = execution_arn("long");
        REQUIRE(commit_now(store, created("long", 1)));
        REQUIRE(commit_now(store, step(arn, 2, 2, 9)));  // events 1..10

        for (bool reverse : {false, true}) {
            INFO("reverse " << reverse);
            stepfn::history_request request;
            request.max_results = 4;
            request.reverse_order = reverse;
            std::vector<std::int64_t> ids;
            int pages = 0;
            for (;;) {
                auto page = store.history(arn, request);
                REQUIRE(page);
                ++pages;
                for (const auto& e : page->events) ids.push_back(e.id);
                if (page->next_token.empty()) break;
                request.next_token = page->next_token;
                REQUIRE(pages < 10);
            }
            CHECK(pages == 3);
            std::vector<std::int64_t> expected;
            for (std::int64_t i = 1; i <= 10; ++i) expected.push_back(reverse ? 11 - i : i);
            CHECK(ids == expected);
        }
        // A page that ends exactly at the last event has no token.
        stepfn::history_request exact;
        exact.max_results = 10;
        auto whole = store.history(arn, exact);
        REQUIRE(whole);
        CHECK(whole->events.size() == 10);
        CHECK(whole->next_token.empty());

        auto none = store.history(execution_arn("nobody"), {});
        REQUIRE_FALSE(none);
        CHECK(none.error().name == "ExecutionDoesNotExist");
    });
}

TEST_CASE("store contract: forged page tokens are refused", "[store][contract]") {
    for_each_store([](stepfn::execution_store& store, const std::string& kind) {
        INFO(kind);
        REQUIRE(commit_now(store, created("t", 1)));
        for (const char* forged : {"x", "-1", "not a token at all", "999999999999999999999999"}) {
            INFO(forged);
            stepfn::execution_filter filter;
            filter.next_token = forged;
            auto page = store.list_executions(filter);
            REQUIRE_FALSE(page);
            CHECK(page.error().name == "InvalidToken");
            stepfn::history_request request;
            request.next_token = forged;
            auto history = store.history(execution_arn("t"), request);
            REQUIRE_FALSE(history);
            CHECK(history.error().name == "InvalidToken");
        }
    });
}

TEST_CASE("store contract: refused checkpoints leave nothing behind", "[store][contract]") {
    for_each_store([](stepfn::execution_store& store, const std::string& kind) {
        INFO(kind);
        const std::string arn = execution_arn("strict");

        // A checkpoint for an execution the store does not hold.
        auto orphan = step(arn, 1, 1, 1);
        orphan.tokens.push_back({"orphan-token", true});
        auto refused = commit_now(store, orphan);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().name == "ExecutionDoesNotExist");
        CHECK_FALSE(store.find_token("orphan-token")->has_value());
        CHECK_FALSE(store.find_execution(arn)->has_value());

        REQUIRE(commit_now(store, created("strict", 1)));

        // `created` again.
        auto twice = created("strict", 2);
        twice.snapshot = "{\"changed\":true}";
        auto again = commit_now(store, twice);
        REQUIRE_FALSE(again);
        CHECK(again.error().name == "ExecutionAlreadyExists");
        CHECK((*store.find_execution(arn))->start_date == at_ms(1));

        // A sequence that does not follow.
        auto skipped = step(arn, 3, 2, 1, "{\"skipped\":true}");
        skipped.tokens.push_back({"skip-token", true});
        auto out_of_order = commit_now(store, skipped);
        REQUIRE_FALSE(out_of_order);
        CHECK(out_of_order.error().name == "InvalidCheckpoint");

        // Event ids that do not follow (2 is next; 3 is given), with an end that must not land.
        auto gap = step(arn, 2, 3, 2, "{\"gap\":true}");
        gap.ended = stepfn::execution_change{execution_status::succeeded, "{}", "", "", at_ms(50), 0};
        gap.tokens.push_back({"gap-token", true});
        auto gapped = commit_now(store, gap);
        REQUIRE_FALSE(gapped);
        CHECK(gapped.error().name == "InvalidCheckpoint");

        auto row = *store.find_execution(arn);
        CHECK(row->status == execution_status::running);
        CHECK(row->event_count == 1);
        CHECK_FALSE(row->stop_date);
        CHECK(*store.snapshot(arn) == "{\"at\":\"A\"}");
        CHECK_FALSE(store.find_token("skip-token")->has_value());
        CHECK_FALSE(store.find_token("gap-token")->has_value());
        CHECK(store.history(arn, {})->events.size() == 1);

        // The right next checkpoint is still taken.
        REQUIRE(commit_now(store, step(arn, 2, 2, 2)));
        CHECK((*store.find_execution(arn))->event_count == 3);
    });
}
} // namespace contract_test
