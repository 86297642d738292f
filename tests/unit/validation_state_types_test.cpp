#include "catch.hpp"

#include "validation_helpers.hpp"

namespace validation_state_types_test {

// Definition validation of each state type's own fields (docs/validation.md): Choice, Task,
// Retry and Catch, paths, Wait and Fail, Parallel and Map. Top-level and cross-state rules
// are in validation_test.cpp.

// ---- Choice --------------------------------------------------------------------------------

TEST_CASE("Choice needs a non-empty Choices whose rules have Next", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Choice", "Default": "T"}, "T": {"Type": "Succeed"})asl")) ==
          "\n/States/S: These fields are required: [Choices]");
    CHECK(problems(machine(R"asl("S": {"Type": "Choice", "Choices": [], "Default": "T"}, "T": {"Type": "Succeed"})asl")) ==
          "\n/States/S/Choices: 'Choices' must be a non-empty array of choice rules");
    CHECK_THAT(problems(machine(R"asl("S": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true}],
                                   "Default": "T"}, "T": {"Type": "Succeed"})asl")),
               Contains("\n/States/S/Choices/0: These fields are required: [Next]"));
    CHECK(problems(machine(R"asl("S": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "T",
                              "Comment": "c", "Assign": {"v": 1}}]}, "T": {"Type": "Succeed"})asl"))
              .empty());
}

TEST_CASE("choice rules are compiled by the choice compiler, at their pointers", "[validation][choice]") {
    // Depends on choice_rule::compile's rejections; it reports each at the rule's pointer.
    auto found = problems(machine(R"asl("S": {"Type": "Choice", "Choices": [
        {"Variable": "$.a", "Next": "T"},
        {"And": [{"Variable": "$.a", "IsPresent": true, "Next": "T"}], "Next": "T"}],
        "Default": "T"}, "T": {"Type": "Succeed"})asl"));
    CHECK_THAT(found, Contains("\n/States/S/Choices/0"));
    CHECK_THAT(found, Contains("\n/States/S/Choices/1/And/0"));
}

// ---- Task ----------------------------------------------------------------------------------

TEST_CASE("Task Resource, TimeoutSeconds and HeartbeatSeconds", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Task", "End": true})asl")) ==
          "\n/States/S: These fields are required: [Resource]");
    CHECK(problems(machine(R"asl("S": {"Type": "Task", "Resource": 7, "End": true})asl")) ==
          "\n/States/S/Resource: 'Resource' must be a string");
    for (std::string bad : {"0", "-5", "1.5", "\"10\"", "100000000"})
        CHECK(problems(task_with("\"TimeoutSeconds\": " + bad)) ==
              "\n/States/S/TimeoutSeconds: 'TimeoutSeconds' must be an integer between 1 and 99999999");
    CHECK(problems(task_with(R"asl("HeartbeatSeconds": 0)asl")) ==
          "\n/States/S/HeartbeatSeconds: 'HeartbeatSeconds' must be an integer between 1 and 99999999");
    CHECK(problems(task_with(R"asl("TimeoutSeconds": 10, "HeartbeatSeconds": 10)asl")) ==
          "\n/States/S/HeartbeatSeconds: 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'");
    CHECK(problems(task_with(R"asl("TimeoutSeconds": 10, "HeartbeatSeconds": 9)asl")).empty());
    CHECK(problems(task_with(R"asl("TimeoutSecondsPath": "$.t", "HeartbeatSeconds": 9)asl")).empty());
    CHECK(problems(task_with(R"asl("TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t")asl")) ==
          "\n/States/S/TimeoutSecondsPath: Fields 'TimeoutSeconds' and 'TimeoutSecondsPath' are mutually exclusive");
    CHECK(problems(task_with(R"asl("HeartbeatSeconds": 1, "HeartbeatSecondsPath": "$.h")asl")) ==
          "\n/States/S/HeartbeatSecondsPath: Fields 'HeartbeatSeconds' and 'HeartbeatSecondsPath' are mutually exclusive");
}

TEST_CASE("Task Credentials", "[validation]") {
    CHECK(problems(task_with(R"asl("Credentials": {"RoleArn": "arn:aws:iam::1:role/R"})asl")).empty());
    CHECK(problems(task_with(R"asl("Credentials": {"RoleArnPath": "$.role"})asl")).empty());
    CHECK(problems(task_with(R"asl("Credentials": {"RoleArn.$": "$.role"})asl")).empty());
    CHECK(problems(task_with(R"asl("Credentials": {})asl")) ==
          "\n/States/S/Credentials: 'Credentials' requires 'RoleArn' or 'RoleArnPath'");
    CHECK(problems(task_with(R"asl("Credentials": {"RoleArn": "a", "RoleArnPath": "$.b"})asl")) ==
          "\n/States/S/Credentials: only one of 'RoleArn', 'RoleArn.$' and 'RoleArnPath' may be set");
    CHECK_THAT(problems(task_with(R"asl("Credentials": {"RoleArn": "a", "Role": "b"})asl")),
               Contains("\n/States/S/Credentials/Role: Field 'Role' is not supported"));
    CHECK(problems(task_with(R"asl("Credentials": "arn")asl")) == "\n/States/S/Credentials: 'Credentials' must be an object");
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true,
        "Credentials": {"RoleArnPath": "$.r"}})asl")) ==
          "\n/States/S/Credentials: These fields are required: [RoleArn]\n"
          "/States/S/Credentials/RoleArnPath: Field 'RoleArnPath' is not supported");
}

// ---- Retry and Catch -----------------------------------------------------------------------

TEST_CASE("retriers: ErrorEquals and the ranges of their fields", "[validation]") {
    CHECK(problems(task_with(R"asl("Retry": [], "Catch": [])asl")).empty());
    CHECK(problems(task_with(R"asl("Retry": [{"IntervalSeconds": 1}])asl")) ==
          "\n/States/S/Retry/0: These fields are required: [ErrorEquals]");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": []}])asl")) ==
          "\n/States/S/Retry/0/ErrorEquals: 'ErrorEquals' must be a non-empty array of error names");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": [42]}])asl")) ==
          "\n/States/S/Retry/0/ErrorEquals/0: an error name must be a string");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["States.ALL", "X"]}])asl")) ==
          "\n/States/S/Retry/0/ErrorEquals: 'States.ALL' must appear alone in 'ErrorEquals'");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])asl")) ==
          "\n/States/S/Retry/0/ErrorEquals: a retrier with 'States.ALL' must be the last retrier");
    // Issue 13: custom names starting with `States.` are accepted, as AWS does.
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["States.QuorumMet"]}],
                                   "Catch": [{"ErrorEquals": ["States.Custom", "X"], "Next": "S"}])asl"))
              .empty());
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["States.Http.StatusCode.429", "States.Http.Socket"]}])asl"))
              .empty());
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["States.Timeout", "States.TaskFailed", "Lambda.Unknown"]},
                                           {"ErrorEquals": ["States.ALL"]}])asl"))
              .empty());
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["X"], "IntervalSeconds": 0}])asl")) ==
          "\n/States/S/Retry/0/IntervalSeconds: 'IntervalSeconds' must be an integer between 1 and 99999999");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}])asl")) ==
          "\n/States/S/Retry/0/MaxAttempts: 'MaxAttempts' must be an integer between 0 and 99999999");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}])asl")) ==
          "\n/States/S/Retry/0/BackoffRate: 'BackoffRate' must be a number of at least 1.0");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["X"], "MaxDelaySeconds": 31622401}])asl")) ==
          "\n/States/S/Retry/0/MaxDelaySeconds: 'MaxDelaySeconds' must be an integer between 1 and 31622400");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "full"}])asl")) ==
          "\n/States/S/Retry/0/JitterStrategy: 'JitterStrategy' must be \"FULL\" or \"NONE\"");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["X"], "Next": "S"}])asl")) ==
          "\n/States/S/Retry/0/Next: Field 'Next' is not supported");
    CHECK(problems(task_with(R"asl("Retry": [{"ErrorEquals": ["X"], "IntervalSeconds": 99999999, "MaxAttempts": 0,
                                            "BackoffRate": 1, "MaxDelaySeconds": 31622400, "JitterStrategy": "NONE",
                                            "Comment": "c"}])asl"))
              .empty());
    CHECK(problems(task_with(R"asl("Retry": {})asl")) == "\n/States/S/Retry: 'Retry' must be an array");
    CHECK(problems(task_with(R"asl("Retry": ["X"])asl")) == "\n/States/S/Retry/0: a retrier must be an object");
}

TEST_CASE("catchers: Next, ResultPath, Output and States.ALL last", "[validation]") {
    CHECK(problems(task_with(R"asl("Catch": [{"ErrorEquals": ["X"]}])asl")) ==
          "\n/States/S/Catch/0: These fields are required: [Next]");
    CHECK(problems(machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "T"}, {"ErrorEquals": ["X"], "Next": "T"}]},
        "T": {"Type": "Succeed"})asl")) ==
          "\n/States/S/Catch/0/ErrorEquals: a catcher with 'States.ALL' must be the last catcher");
    CHECK(problems(machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true,
        "Catch": [{"ErrorEquals": ["X"], "Next": "T", "ResultPath": "$$.Execution"}]},
        "T": {"Type": "Succeed"})asl")) ==
          "\n/States/S/Catch/0/ResultPath: 'ResultPath' must not reference the context object ($$)");
    CHECK(problems(machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true,
        "Catch": [{"ErrorEquals": ["X"], "Next": "T", "Output": {}}]},
        "T": {"Type": "Succeed"})asl")) ==
          "\n/States/S/Catch/0/Output: Field 'Output' is not supported");
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true,
        "Catch": [{"ErrorEquals": ["X"], "Next": "T", "ResultPath": "$.e"}]},
        "T": {"Type": "Succeed"})asl")) ==
          "\n/States/S/Catch/0/ResultPath: Field 'ResultPath' is not supported");
    CHECK(problems(machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true,
        "Catch": [{"ErrorEquals": ["X"], "Next": "T", "ResultPath": null, "Assign": {"e.$": "$.Error"}, "Comment": "c"}]},
        "T": {"Type": "Succeed"})asl"))
              .empty());
}

// ---- paths ---------------------------------------------------------------------------------

TEST_CASE("ResultPath is a reference into the input", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "ResultPath": "$$.x"})asl")) ==
          "\n/States/S/ResultPath: 'ResultPath' must not reference the context object ($$)");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "ResultPath": "$myVar"})asl")) ==
          "\n/States/S/ResultPath: 'ResultPath' must not reference a variable");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "ResultPath": 5})asl")) ==
          "\n/States/S/ResultPath: 'ResultPath' must be a string or null");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "ResultPath": "$.a.b"})asl")).empty());
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "ResultPath": "$"})asl")).empty());
}

TEST_CASE("paths are compiled by the path compiler, at their pointers", "[validation][paths]") {
    // Depend on json_path's rejections; checked by pointer only, the message is the path compiler's.
    CHECK_THAT(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "InputPath": "no dollar"})asl")),
               Contains("\n/States/S/InputPath: "));
    CHECK_THAT(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "ResultPath": "$.a[*]"})asl")),
               Contains("\n/States/S/ResultPath: "));
    CHECK_THAT(problems(task_with(R"asl("TimeoutSecondsPath": "$..t")asl")),
               Contains("\n/States/S/TimeoutSecondsPath: "));
    CHECK_THAT(problems(map_with(R"asl("ItemsPath": "$.items[?(@.a)]")asl")), Contains("\n/States/S/ItemsPath: "));
    CHECK_THAT(problems(machine(R"asl("S": {"Type": "Fail", "ErrorPath": "States.Nope(1)"})asl")),
               Contains("\n/States/S/ErrorPath: "));
    CHECK_THAT(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "Parameters": {"a.$": "not a path"}})asl")),
               Contains("\n/States/S/Parameters"));
    // Full JSONPath is fine where it is allowed.
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "InputPath": "$.a[*].b", "OutputPath": "$..c"})asl"))
              .empty());
    CHECK(problems(map_with(R"asl("ItemsPath": "$$.Execution.Input.items")asl")).empty());
}

// ---- Wait and Fail -------------------------------------------------------------------------

TEST_CASE("Wait needs exactly one of its four fields", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Wait", "End": true})asl")) ==
          "\n/States/S: the Wait state needs one of 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath'");
    CHECK(problems(machine(R"asl("S": {"Type": "Wait", "Seconds": 1, "TimestampPath": "$.t", "End": true})asl")) ==
          "\n/States/S: only one of 'Seconds', 'SecondsPath', 'Timestamp' and 'TimestampPath' may be set");
    CHECK(problems(machine(R"asl("S": {"Type": "Wait", "Seconds": -1, "End": true})asl")) ==
          "\n/States/S/Seconds: 'Seconds' must be an integer between 0 and 99999999");
    CHECK(problems(machine(R"asl("S": {"Type": "Wait", "Seconds": 100000000, "End": true})asl")) ==
          "\n/States/S/Seconds: 'Seconds' must be an integer between 0 and 99999999");
    CHECK(problems(machine(R"asl("S": {"Type": "Wait", "Seconds": 99999999, "End": true})asl")).empty());
    CHECK(problems(machine(R"asl("S": {"Type": "Wait", "Timestamp": "2024-03-01", "End": true})asl")) ==
          "\n/States/S/Timestamp: String does not match RFC3339 timestamp");
    CHECK(problems(machine(R"asl("S": {"Type": "Wait", "Timestamp": "2024-03-01T10:00:00.000Z", "End": true})asl")).empty());
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "End": true})asl")).empty());
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Wait", "Seconds": "soon", "End": true})asl")) ==
          "\n/States/S/Seconds: 'Seconds' must be an integer between 0 and 99999999");
}

TEST_CASE("Fail Error/ErrorPath and Cause/CausePath", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Fail"})asl")).empty());
    CHECK(problems(machine(R"asl("S": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"})asl")) ==
          "\n/States/S/ErrorPath: Fields 'Error' and 'ErrorPath' are mutually exclusive");
    CHECK(problems(machine(R"asl("S": {"Type": "Fail", "Cause": "C", "CausePath": "$.c"})asl")) ==
          "\n/States/S/CausePath: Fields 'Cause' and 'CausePath' are mutually exclusive");
    CHECK(problems(machine(R"asl("S": {"Type": "Fail", "Error": 1})asl")) == "\n/States/S/Error: 'Error' must be a string");
    CHECK(problems(machine(R"asl("S": {"Type": "Fail", "ErrorPath": "$$.State.Name", "CausePath": "$.cause"})asl")).empty());
}

// ---- Parallel and Map ----------------------------------------------------------------------

TEST_CASE("Parallel needs non-empty Branches of machines", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Parallel", "End": true})asl")) ==
          "\n/States/S: These fields are required: [Branches]");
    CHECK(problems(machine(R"asl("S": {"Type": "Parallel", "End": true, "Branches": []})asl")) ==
          "\n/States/S/Branches: 'Branches' must be a non-empty array of state machines");
    CHECK(problems(machine(R"asl("S": {"Type": "Parallel", "End": true, "Branches": [1]})asl")) ==
          "\n/States/S/Branches/0: 'Branches[0]' must be an object");
    CHECK(problems(machine(R"asl("S": {"Type": "Parallel", "End": true, "Branches": [{"States": {"A": {"Type": "Succeed"}}}]})asl")) ==
          "\n/States/S/Branches/0: These fields are required: [StartAt]");
}

TEST_CASE("Map processor and ProcessorConfig", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Map", "End": true})asl")) ==
          "\n/States/S: These fields are required: [ItemProcessor]");
    CHECK_THAT(problems(map_with(R"asl("Iterator": {"StartAt": "J", "States": {"J": {"Type": "Succeed"}}})asl")),
               Contains("\n/States/S/Iterator: Fields 'ItemProcessor' and 'Iterator' are mutually exclusive"));
    auto config = [](std::string_view fields) {
        return machine(R"asl("S": {"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": )asl" +
                       std::string(fields) + R"asl(, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}})asl");
    };
    CHECK(problems(config(R"asl({"Mode": "FAST"})asl")) ==
          "\n/States/S/ItemProcessor/ProcessorConfig/Mode: 'Mode' must be \"INLINE\" or \"DISTRIBUTED\"");
    CHECK(problems(config(R"asl({"Mode": "DISTRIBUTED"})asl")) ==
          "\n/States/S/ItemProcessor/ProcessorConfig: These fields are required: [ExecutionType] (Mode is DISTRIBUTED)");
    CHECK(problems(config(R"asl({"Mode": "INLINE", "ExecutionType": "STANDARD"})asl")) ==
          "\n/States/S/ItemProcessor/ProcessorConfig/ExecutionType: Field 'ExecutionType' is not supported when Mode is INLINE");
    CHECK(problems(config(R"asl({"ExecutionType": "EXPRESS"})asl")) ==
          "\n/States/S/ItemProcessor/ProcessorConfig/ExecutionType: Field 'ExecutionType' is not supported when Mode is INLINE");
    CHECK(problems(config(R"asl({"Mode": "DISTRIBUTED", "ExecutionType": "FAST"})asl")) ==
          "\n/States/S/ItemProcessor/ProcessorConfig/ExecutionType: 'ExecutionType' must be \"STANDARD\" or \"EXPRESS\"");
    CHECK(problems(config(R"asl({"Mode": "INLINE", "Speed": 1})asl")) ==
          "\n/States/S/ItemProcessor/ProcessorConfig/Speed: Field 'Speed' is not supported");
    CHECK(problems(config(R"asl({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})asl")).empty());
}

TEST_CASE("Map items, selector and numeric fields", "[validation]") {
    CHECK(problems(map_with(R"asl("ItemSelector": {}, "Parameters": {})asl")) ==
          "\n/States/S/Parameters: Fields 'ItemSelector' and 'Parameters' are mutually exclusive");
    CHECK(problems(map_with(R"asl("Items": [1, 2])asl")) ==
          "\n/States/S/Items: Field 'Items' is not supported when QueryLanguage is JSONPath");
    CHECK(problems(map_with(R"asl("MaxConcurrency": -1)asl")) ==
          "\n/States/S/MaxConcurrency: 'MaxConcurrency' must be a non-negative integer");
    CHECK(problems(map_with(R"asl("MaxConcurrency": 0)asl")).empty());
    CHECK(problems(map_with(R"asl("MaxConcurrency": 1, "MaxConcurrencyPath": "$.m")asl")) ==
          "\n/States/S/MaxConcurrencyPath: Fields 'MaxConcurrency' and 'MaxConcurrencyPath' are mutually exclusive");
    CHECK(problems(map_with(R"asl("ToleratedFailureCount": -1)asl")) ==
          "\n/States/S/ToleratedFailureCount: 'ToleratedFailureCount' must be a non-negative integer");
    CHECK(problems(map_with(R"asl("ToleratedFailureCount": 1, "ToleratedFailureCountPath": "$.c")asl")) ==
          "\n/States/S/ToleratedFailureCountPath: Fields 'ToleratedFailureCount' and 'ToleratedFailureCountPath' are "
          "mutually exclusive");
    CHECK(problems(map_with(R"asl("ToleratedFailurePercentage": 100.5)asl")) ==
          "\n/States/S/ToleratedFailurePercentage: 'ToleratedFailurePercentage' must be a number between 0.0 and 100.0");
    CHECK(problems(map_with(R"asl("ToleratedFailurePercentage": 5, "ToleratedFailurePercentagePath": "$.p")asl")) ==
          "\n/States/S/ToleratedFailurePercentagePath: Fields 'ToleratedFailurePercentage' and "
          "'ToleratedFailurePercentagePath' are mutually exclusive");
    CHECK(problems(map_with(R"asl("ToleratedFailurePercentage": 0, "ToleratedFailureCount": 0)asl")).empty());
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Map", "End": true, "Items": "abc",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}})asl")) ==
          "\n/States/S/Items: 'Items' must be an array or a JSONata expression");
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Map", "End": true, "ItemsPath": "$.a",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}})asl")) ==
          "\n/States/S/ItemsPath: Field 'ItemsPath' is not supported when QueryLanguage is JSONata");
}

TEST_CASE("Map Label", "[validation]") {
    CHECK(problems(map_with(R"asl("Label": "ok_label-1")asl")).empty());
    CHECK(problems(map_with(R"asl("Label": "")asl")) == "\n/States/S/Label: 'Label' must be 1 to 40 characters long");
    CHECK(problems(map_with("\"Label\": \"" + std::string(41, 'x') + "\"")) ==
          "\n/States/S/Label: 'Label' must be 1 to 40 characters long");
    CHECK(problems(map_with(R"asl("Label": "has space")asl")) ==
          "\n/States/S/Label: 'Label' must not contain whitespace or control characters");
    CHECK(problems(map_with(R"asl("Label": "a:b")asl")) == "\n/States/S/Label: 'Label' must not contain the character ':'");
    CHECK(problems(map_with(R"asl("Label": 3)asl")) == "\n/States/S/Label: 'Label' must be a string");
}

TEST_CASE("distributed-only Map fields", "[validation]") {
    CHECK(problems(map_with(R"asl("ItemReader": {"Resource": "arn:aws:states:::s3:getObject"})asl")) ==
          "\n/States/S/ItemReader: Field 'ItemReader' is not supported unless ProcessorConfig.Mode is DISTRIBUTED");
    CHECK(problems(map_with(R"asl("ItemBatcher": {"MaxItemsPerBatch": 2})asl")) ==
          "\n/States/S/ItemBatcher: Field 'ItemBatcher' is not supported unless ProcessorConfig.Mode is DISTRIBUTED");
    CHECK(problems(map_with(R"asl("ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"})asl")) ==
          "\n/States/S/ResultWriter: Field 'ResultWriter' is not supported unless ProcessorConfig.Mode is DISTRIBUTED");

    CHECK(problems(distributed_map_with(R"asl("ItemBatcher": {"BatchInput": {}})asl")) ==
          "\n/States/S/ItemBatcher: 'ItemBatcher' needs at least one of 'MaxItemsPerBatch', 'MaxItemsPerBatchPath', "
          "'MaxInputBytesPerBatch' or 'MaxInputBytesPerBatchPath'");
    CHECK(problems(distributed_map_with(R"asl("ItemBatcher": {"MaxInputBytesPerBatch": 262145})asl")) ==
          "\n/States/S/ItemBatcher/MaxInputBytesPerBatch: 'MaxInputBytesPerBatch' must be an integer between 1 and 262144");
    CHECK(problems(distributed_map_with(R"asl("ItemBatcher": {"MaxInputBytesPerBatch": 262144})asl")).empty());
    CHECK(problems(distributed_map_with(R"asl("ItemBatcher": {"MaxItemsPerBatch": 2, "MaxItemsPerBatchPath": "$.n"})asl")) ==
          "\n/States/S/ItemBatcher/MaxItemsPerBatchPath: Fields 'MaxItemsPerBatch' and 'MaxItemsPerBatchPath' are "
          "mutually exclusive");
    CHECK(problems(distributed_map_with(R"asl("ItemBatcher": {"MaxItemsPerBatch": 2, "Size": 1})asl")) ==
          "\n/States/S/ItemBatcher/Size: Field 'Size' is not supported");

    CHECK(problems(distributed_map_with(R"asl("ItemReader": {"ReaderConfig": {}})asl")) ==
          "\n/States/S/ItemReader: These fields are required: [Resource]");
    CHECK(problems(distributed_map_with(R"asl("ItemReader": {"Resource": "r", "ReaderConfig": {"InputType": "XML"}})asl")) ==
          "\n/States/S/ItemReader/ReaderConfig/InputType: 'InputType' must be one of CSV, JSON, JSONL, PARQUET, MANIFEST");
    CHECK(problems(distributed_map_with(R"asl("ItemReader": {"Resource": "r", "ReaderConfig": {"MaxItems": -1}})asl")) ==
          "\n/States/S/ItemReader/ReaderConfig/MaxItems: 'MaxItems' must be an integer between 0 and 100000000");
    CHECK(problems(distributed_map_with(R"asl("ItemReader": {"Resource": "r", "ReaderConfig": {"MaxItems": 1, "MaxItemsPath": "$.m"}})asl")) ==
          "\n/States/S/ItemReader/ReaderConfig/MaxItemsPath: Fields 'MaxItems' and 'MaxItemsPath' are mutually exclusive");
    CHECK(problems(distributed_map_with(R"asl("ItemReader": {"Resource": "r", "Extra": 1})asl")) ==
          "\n/States/S/ItemReader/Extra: Field 'Extra' is not supported");
    CHECK(problems(distributed_map_with(R"asl("ItemReader": {"Resource": "r", "Parameters": {"Bucket": "b"},
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", "b"],
                         "CSVDelimiter": "PIPE", "MaxItems": 0}})asl"))
              .empty());

    CHECK(problems(distributed_map_with(R"asl("ResultWriter": {"WriterConfig": {"OutputType": "CSV"}})asl")) ==
          "\n/States/S/ResultWriter/WriterConfig/OutputType: 'OutputType' must be one of JSON, JSONL");
    CHECK(problems(distributed_map_with(R"asl("ResultWriter": {"Parameters": {"Bucket": "b"}})asl")) ==
          "\n/States/S/ResultWriter: These fields are required: [Resource]");
    CHECK(problems(distributed_map_with(R"asl("ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "b", "Prefix": "p"}, "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"}})asl"))
              .empty());
}
} // namespace validation_state_types_test
