#ifndef STEPFN_TESTS_UNIT_CLI_HELPERS_HPP
#define STEPFN_TESTS_UNIT_CLI_HELPERS_HPP

// Helpers shared by the cli tests (cli_test.cpp and cli_run_test.cpp).

#include "catch.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <vector>
#include "cli_runner.hpp"

namespace {

namespace fs = std::filesystem;

using stepfn_test::cli_result;
using stepfn_test::run_cli;
using stepfn_test::temp_dir;

inline stepfn::json parse_line(const std::string& text) {
    REQUIRE(!text.empty());
    REQUIRE(text.back() == '\n');
    REQUIRE(text.find('\n') == text.size() - 1);  // exactly one line
    auto value = stepfn::json::parse(text, nullptr, false);
    REQUIRE_FALSE(value.is_discarded());
    return value;
}

const std::string hello_definition = R"({
  "StartAt": "Hello",
  "States": {
    "Hello": { "Type": "Pass", "Result": "hello", "ResultPath": "$.greeting", "End": true }
  }
})";

const std::string context_definition = R"({
  "StartAt": "Names",
  "States": {
    "Names": {
      "Type": "Pass",
      "Parameters": { "execution.$": "$$.Execution.Name", "machine.$": "$$.StateMachine.Name" },
      "End": true
    }
  }
})";

const std::string task_definition = R"({
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Retry": [ { "ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2 } ],
      "End": true
    }
  }
})";

const std::string task_mocks = R"({
  "StateMachines": {
    "Billing": {
      "TestCases": {
        "Ok": { "Charge": "FlakyThenOk" },
        "Declined": { "Charge": "Declined" },
        "Nothing": {}
      }
    }
  },
  "MockedResponses": {
    "FlakyThenOk": {
      "0": { "Throw": { "Error": "Flaky", "Cause": "try again" } },
      "1": { "Return": { "charged": 42 } }
    },
    "Declined": { "0-9": { "Throw": { "Error": "Card.Declined", "Cause": "expired" } } }
  }
})";

} // namespace

#endif
