#include "catch.hpp"

#include "loader_helpers.hpp"

namespace loader_test {

// The loader's model: what a valid definition turns into (defaults, resolved transitions,
// nested scopes), plus the text-level guards of parse(). Rule-by-rule validation is in
// validation_test.cpp.


TEST_CASE("a minimal machine loads with the documented defaults", "[loader]") {
    auto machine = load_ok(R"asl({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": true}}})asl");
    const auto& def = machine.definition();
    CHECK(def.name == "StateMachine");
    CHECK(def.version == "1.0");
    CHECK_FALSE(def.timeout_seconds.has_value());
    CHECK(def.language == stepfn::query_language::jsonpath);
    CHECK(def.comment.empty());
    CHECK(def.source["StartAt"] == "Only");

    const auto& top = machine.top();
    REQUIRE(top.states.size() == 1);
    CHECK(top.start == 0);
    CHECK(top.pointer.empty());
    const auto& only = top.states[0];
    CHECK(only.name == "Only");
    CHECK(only.pointer == "/States/Only");
    CHECK(only.type() == stepfn::state_type::pass);
    CHECK(only.end);
    CHECK_FALSE(only.next.has_value());
    REQUIRE(only.input_path.has_value());
    CHECK(only.input_path->text() == "$");
    REQUIRE(only.output_path.has_value());
    CHECK(only.output_path->text() == "$");
    CHECK_FALSE(only.assign.has_value());
    const auto& pass = body_of<stepfn::pass_state>(only);
    CHECK_FALSE(pass.result.has_value());
    CHECK_FALSE(pass.parameters.has_value());
    REQUIRE(pass.result_path.has_value());
    CHECK(pass.result_path->text() == "$");
}

TEST_CASE("top-level fields and the load options reach the definition", "[loader]") {
    stepfn::load_options options;
    options.name = "Orders";
    auto loaded = stepfn::load_machine(R"asl({
        "Comment": "order flow", "Version": "1.0", "TimeoutSeconds": 300,
        "StartAt": "Done", "States": {"Done": {"Type": "Succeed", "Comment": "finished"}}
    })asl", options);
    REQUIRE(loaded);
    const auto& def = loaded->definition();
    CHECK(def.name == "Orders");
    CHECK(loaded->name() == "Orders");
    CHECK(def.comment == "order flow");
    CHECK(def.top.comment == "order flow");
    CHECK(def.timeout_seconds == 300);
    CHECK(def.top.states[0].comment == "finished");
}

TEST_CASE("transitions are resolved to indexes in their scope", "[loader]") {
    auto machine = load_ok(R"asl({
        "StartAt": "Check",
        "States": {
            "Done": {"Type": "Succeed"},
            "Check": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Work"},
                    {"Variable": "$.n", "NumericEquals": 1, "Next": "Done"}
                ],
                "Default": "Oops"
            },
            "Work": {
                "Type": "Task", "Resource": "arn:work", "Next": "Done",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops"}]
            },
            "Oops": {"Type": "Fail", "Error": "Bad", "Cause": "n was wrong"}
        }
    })asl");
    const auto& top = machine.top();
    CHECK(top.start == 1);
    const auto& check = body_of<stepfn::choice_state>(top.states[1]);
    REQUIRE(check.choices.size() == 2);
    CHECK(check.choices[0].next.name == "Work");
    CHECK(check.choices[0].next.index == 2);
    CHECK(check.choices[1].next.index == 0);
    REQUIRE(check.default_.has_value());
    CHECK(check.default_->index == 3);
    CHECK_FALSE(top.states[1].next.has_value());
    CHECK_FALSE(top.states[1].end);

    const auto& work = top.states[2];
    REQUIRE(work.next.has_value());
    CHECK(work.next->name == "Done");
    CHECK(work.next->index == 0);
    const auto& task = body_of<stepfn::task_state>(work);
    REQUIRE(task.recover.catch_.size() == 1);
    CHECK(task.recover.catch_[0].next.index == 3);
    CHECK(task.recover.catch_[0].error_equals == std::vector<std::string>{"States.ALL"});

    const auto& fail = body_of<stepfn::fail_state>(top.states[3]);
    CHECK(fail.error == "Bad");
    CHECK(fail.cause == "n was wrong");
    CHECK_FALSE(fail.error_path.has_value());
}

TEST_CASE("Task fields, retriers' defaults and catchers' result paths", "[loader]") {
    auto machine = load_ok(R"asl({
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                "ResultSelector": {"body.$": "$.Payload"},
                "ResultPath": "$.result",
                "TimeoutSeconds": 30,
                "HeartbeatSecondsPath": "$.beat",
                "Credentials": {"RoleArn": "arn:aws:iam::1:role/R"},
                "Retry": [
                    {"ErrorEquals": ["Lambda.TooManyRequestsException"]},
                    {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxAttempts": 0,
                     "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}
                ],
                "Catch": [
                    {"ErrorEquals": ["A"], "Next": "Recover", "ResultPath": null},
                    {"ErrorEquals": ["B"], "Next": "Recover"},
                    {"ErrorEquals": ["States.ALL"], "Next": "Recover", "ResultPath": "$.error"}
                ],
                "End": true
            },
            "Recover": {"Type": "Pass", "End": true}
        }
    })asl");
    const auto& task = body_of<stepfn::task_state>(machine.top().states[0]);
    CHECK(task.resource == "arn:aws:states:::lambda:invoke");
    // What the Resource says, read once here instead of on every attempt.
    CHECK(task.traits.family == stepfn::task_family::service);
    CHECK_FALSE(task.traits.callback);
    CHECK_FALSE(task.traits.submits);
    auto others = load_ok(R"asl({"StartAt": "Wait", "States": {
        "Wait": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}}, "Next": "Fn"},
        "Fn": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true}}})asl");
    const auto& wait = body_of<stepfn::task_state>(others.top().states[0]);
    CHECK((wait.traits.callback && wait.traits.submits && wait.traits.family == stepfn::task_family::service));
    CHECK(body_of<stepfn::task_state>(others.top().states[1]).traits.family == stepfn::task_family::lambda);
    REQUIRE(task.parameters.has_value());
    CHECK(task.parameters->source()["FunctionName"] == "f");
    CHECK(task.result_selector.has_value());
    REQUIRE(task.result_path.has_value());
    CHECK(task.result_path->text() == "$.result");
    CHECK(task.timeout_seconds.value == 30);
    CHECK_FALSE(task.timeout_seconds.path.has_value());
    CHECK_FALSE(task.heartbeat_seconds.value.has_value());
    REQUIRE(task.heartbeat_seconds.path.has_value());
    CHECK(task.heartbeat_seconds.path->text() == "$.beat");
    CHECK(task.credentials["RoleArn"] == "arn:aws:iam::1:role/R");
    CHECK(task.credentials_template.has_value());

    REQUIRE(task.recover.retry.size() == 2);
    const auto& first = task.recover.retry[0];
    CHECK(first.interval_seconds == 1);
    CHECK(first.max_attempts == 3);
    CHECK(first.backoff_rate == 2.0);
    CHECK_FALSE(first.max_delay_seconds.has_value());
    CHECK(first.jitter == stepfn::jitter_strategy::none);
    const auto& second = task.recover.retry[1];
    CHECK(second.interval_seconds == 3);
    CHECK(second.max_attempts == 0);
    CHECK(second.backoff_rate == 1.5);
    CHECK(second.max_delay_seconds == 10);
    CHECK(second.jitter == stepfn::jitter_strategy::full);

    REQUIRE(task.recover.catch_.size() == 3);
    CHECK_FALSE(task.recover.catch_[0].result_path.has_value());  // null: keep the input
    REQUIRE(task.recover.catch_[1].result_path.has_value());      // absent: `$`
    CHECK(task.recover.catch_[1].result_path->text() == "$");
    CHECK(task.recover.catch_[2].result_path->text() == "$.error");
}

TEST_CASE("null paths are nullopt, absent paths are `$`", "[loader]") {
    auto machine = load_ok(R"asl({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "InputPath": null, "OutputPath": "$.x", "ResultPath": null, "Next": "B"},
            "B": {"Type": "Task", "Resource": "r", "InputPath": "$.in", "ResultPath": null, "End": true}
        }
    })asl");
    const auto& a = machine.top().states[0];
    CHECK_FALSE(a.input_path.has_value());
    REQUIRE(a.output_path.has_value());
    CHECK(a.output_path->text() == "$.x");
    CHECK_FALSE(body_of<stepfn::pass_state>(a).result_path.has_value());
    const auto& b = machine.top().states[1];
    CHECK(b.input_path->text() == "$.in");
    CHECK(b.output_path->text() == "$");
    CHECK_FALSE(body_of<stepfn::task_state>(b).result_path.has_value());
}

TEST_CASE("Pass Result is kept as a literal, not a template", "[loader]") {
    auto machine = load_ok(R"asl({"StartAt": "P", "States": {"P": {
        "Type": "Pass", "Result": {"x.$": "$.not.a.path", "n": [1, 2]}, "End": true}}})asl");
    const auto& pass = body_of<stepfn::pass_state>(machine.top().states[0]);
    REQUIRE(pass.result.has_value());
    CHECK((*pass.result)["x.$"] == "$.not.a.path");
    CHECK((*pass.result)["n"][1] == 2);
}

TEST_CASE("Wait and Fail forms", "[loader]") {
    auto machine = load_ok(R"asl({
        "StartAt": "W1",
        "States": {
            "W1": {"Type": "Wait", "Seconds": 0, "Next": "W2"},
            "W2": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "W3"},
            "W3": {"Type": "Wait", "Timestamp": "2024-01-02T03:04:05Z", "Next": "W4"},
            "W4": {"Type": "Wait", "TimestampPath": "$$.Execution.StartTime", "Next": "F"},
            "F": {"Type": "Fail", "ErrorPath": "$.error", "CausePath": "States.Format('bad {}', $.n)"}
        }
    })asl");
    const auto& top = machine.top();
    CHECK(body_of<stepfn::wait_state>(top.states[0]).seconds == 0);
    CHECK(body_of<stepfn::wait_state>(top.states[1]).seconds_path->text() == "$.delay");
    CHECK(body_of<stepfn::wait_state>(top.states[2]).timestamp == "2024-01-02T03:04:05Z");
    CHECK(body_of<stepfn::wait_state>(top.states[3]).timestamp_path->text() == "$$.Execution.StartTime");
    const auto& fail = body_of<stepfn::fail_state>(top.states[4]);
    CHECK_FALSE(fail.error.has_value());
    REQUIRE(fail.error_path.has_value());
    CHECK(fail.error_path->text() == "$.error");
    REQUIRE(fail.cause_path.has_value());
    CHECK(fail.cause_path->text() == "States.Format('bad {}', $.n)");
}

TEST_CASE("Parallel branches are their own scopes", "[loader]") {
    auto machine = load_ok(R"asl({
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "L1", "States": {"L1": {"Type": "Pass", "Next": "L2"}, "L2": {"Type": "Succeed"}}},
                    {"Comment": "right", "StartAt": "R", "States": {"R": {"Type": "Pass", "End": true}}}
                ],
                "ResultSelector": {"left.$": "$[0]"},
                "Next": "After"
            },
            "After": {"Type": "Pass", "End": true}
        }
    })asl");
    const auto& parallel = body_of<stepfn::parallel_state>(machine.top().states[0]);
    REQUIRE(parallel.branches.size() == 2);
    const auto& left = parallel.branches[0];
    CHECK(left.pointer == "/States/Both/Branches/0");
    CHECK(left.start == 0);
    REQUIRE(left.states.size() == 2);
    CHECK(left.states[0].pointer == "/States/Both/Branches/0/States/L1");
    CHECK(left.states[0].next->index == 1);
    CHECK(parallel.branches[1].comment == "right");
    CHECK(state_named(parallel.branches[1], "R").pointer == "/States/Both/Branches/1/States/R");
    CHECK(parallel.result_selector.has_value());
    CHECK(machine.top().states[0].next->index == 1);
}

TEST_CASE("Map processor, mode and numeric fields", "[loader]") {
    auto machine = load_ok(R"asl({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"value.$": "$$.Map.Item.Value"},
                "MaxConcurrency": 2,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Task", "Resource": "arn:w", "End": true}}
                },
                "ResultPath": "$.out",
                "End": true
            }
        }
    })asl");
    const auto& map = body_of<stepfn::map_state>(machine.top().states[0]);
    CHECK(map.mode == stepfn::map_mode::inline_);
    CHECK_FALSE(map.execution_type.has_value());
    REQUIRE(map.items_path.has_value());
    CHECK(map.items_path->text() == "$.items");
    CHECK(map.item_selector.has_value());
    CHECK(map.max_concurrency.value == 2);
    CHECK_FALSE(map.tolerated_failure_count.present());
    REQUIRE(map.processor != nullptr);
    CHECK(map.processor->pointer == "/States/Each/ItemProcessor");
    CHECK(map.processor->states[0].pointer == "/States/Each/ItemProcessor/States/Work");
    CHECK(map.result_path->text() == "$.out");
}

TEST_CASE("distributed Map and the legacy Iterator/Parameters spelling", "[loader]") {
    auto distributed = load_ok(R"asl({
        "StartAt": "M",
        "States": {"M": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}}
            },
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "JSON", "MaxItems": 10},
                           "Parameters": {"Bucket": "b", "Key": "k"}},
            "ItemBatcher": {"MaxItemsPerBatch": 5, "BatchInput": {"run.$": "$$.Execution.Name"}},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b"}},
            "ToleratedFailurePercentage": 12.5,
            "ToleratedFailureCountPath": "$.failures",
            "Label": "batch-run",
            "End": true
        }}
    })asl");
    const auto& map = body_of<stepfn::map_state>(distributed.top().states[0]);
    CHECK(map.mode == stepfn::map_mode::distributed);
    CHECK(map.execution_type == stepfn::map_execution_type::express);
    // The distributed fields are typed data once loaded: the engine never looks them up by name.
    REQUIRE(map.item_reader.has_value());
    CHECK(map.item_reader->resource == "arn:aws:states:::s3:getObject");
    CHECK(map.item_reader->config.input_type == stepfn::item_input_type::json_array);
    CHECK(map.reader_max_items.value == 10);
    CHECK(map.reader_parameters.has_value());
    REQUIRE(map.item_batcher.has_value());
    CHECK(map.batch_input.has_value());
    CHECK(map.batch_max_items.value == 5);
    REQUIRE(map.result_writer.has_value());
    CHECK(map.result_writer->resource == std::optional<std::string>("arn:aws:states:::s3:putObject"));
    CHECK_FALSE(map.result_writer->has_config);
    CHECK(map.writer_parameters.has_value());
    CHECK(map.tolerated_failure_percentage.value == 12.5);
    REQUIRE(map.tolerated_failure_count.path.has_value());
    CHECK(map.tolerated_failure_count.path->text() == "$.failures");
    CHECK(map.label == "batch-run");

    auto legacy = load_ok(R"asl({
        "StartAt": "M",
        "States": {"M": {
            "Type": "Map", "Parameters": {"i.$": "$$.Map.Item.Index"},
            "Iterator": {"StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}}},
            "End": true
        }}
    })asl");
    const auto& old = body_of<stepfn::map_state>(legacy.top().states[0]);
    REQUIRE(old.processor != nullptr);
    CHECK(old.processor->pointer == "/States/M/Iterator");
    REQUIRE(old.item_selector.has_value());
    CHECK(old.item_selector->source().contains("i.$"));
    REQUIRE(old.items_path.has_value());
    CHECK(old.items_path->text() == "$");
}

TEST_CASE("Assign blocks on states, choice rules and catchers", "[loader]") {
    auto machine = load_ok(R"asl({
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "T", "Assign": {"picked": "x"}}],
                "Default": "T",
                "Assign": {"fallback": true}
            },
            "T": {
                "Type": "Task", "Resource": "r",
                "Assign": {"total.$": "$.sum", "label": "t"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "E", "Assign": {"err.$": "$.Error"}}],
                "End": true
            },
            "E": {"Type": "Fail"}
        }
    })asl");
    const auto& top = machine.top();
    REQUIRE(top.states[0].assign.has_value());
    CHECK(top.states[0].assign->jsonpath.has_value());
    const auto& choice = body_of<stepfn::choice_state>(top.states[0]);
    REQUIRE(choice.choices[0].assign.has_value());
    CHECK(choice.choices[0].assign->jsonpath->source()["picked"] == "x");
    REQUIRE(top.states[1].assign.has_value());
    CHECK(top.states[1].assign->jsonpath->source().contains("total.$"));
    const auto& task = body_of<stepfn::task_state>(top.states[1]);
    REQUIRE(task.recover.catch_[0].assign.has_value());
}

TEST_CASE("JSONata machines keep expressions as written", "[loader]") {
    auto machine = load_ok(R"asl({
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task", "Resource": "r",
                "Arguments": {"id": "{% $states.input.id %}"},
                "Output": "{% $states.result.body %}",
                "Assign": {"seen": "{% $states.result %}"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "W", "Output": {"e": "{% $states.errorOutput %}"}}],
                "Next": "W"
            },
            "W": {"Type": "Wait", "Seconds": "{% $states.input.delay %}", "Next": "M"},
            "M": {
                "Type": "Map", "Items": "{% $states.input.list %}",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                "End": true
            }
        }
    })asl");
    const auto& top = machine.top();
    CHECK(machine.definition().language == stepfn::query_language::jsonata);
    CHECK(top.language == stepfn::query_language::jsonata);
    CHECK(top.states[0].language == stepfn::query_language::jsonata);
    REQUIRE(top.states[0].jsonata_output.has_value());
    CHECK(top.states[0].jsonata_output->source() == "{% $states.result.body %}");
    CHECK(top.states[0].jsonata_output->is_expression());
    CHECK(top.states[0].jsonata_output->reads(stepfn::states_member::result));
    CHECK_FALSE(top.states[0].jsonata_output->reads(stepfn::states_member::input));
    REQUIRE(top.states[0].assign.has_value());
    REQUIRE(top.states[0].assign->jsonata.has_value());
    CHECK(top.states[0].assign->jsonata->source()["seen"] == "{% $states.result %}");
    const auto& task = body_of<stepfn::task_state>(top.states[0]);
    REQUIRE(task.jsonata_arguments.has_value());
    CHECK(task.jsonata_arguments->source()["id"] == "{% $states.input.id %}");
    CHECK_FALSE(task.jsonata_arguments->is_expression());
    REQUIRE(task.recover.catch_[0].jsonata_output.has_value());
    CHECK(task.recover.catch_[0].jsonata_output->source()["e"] == "{% $states.errorOutput %}");
    const auto& wait = body_of<stepfn::wait_state>(top.states[1]);
    CHECK_FALSE(wait.seconds.has_value());
    REQUIRE(wait.jsonata_seconds.has_value());
    CHECK(wait.jsonata_seconds->expression_text() == "$states.input.delay");
    const auto& map = body_of<stepfn::map_state>(top.states[2]);
    REQUIRE(map.jsonata_items.has_value());
    CHECK(map.jsonata_items->source() == "{% $states.input.list %}");
    CHECK(map.processor->language == stepfn::query_language::jsonata);
}

TEST_CASE("per-state JSONata under a JSONPath machine; nested scopes default to the machine's language",
          "[loader]") {
    auto machine = load_ok(R"asl({
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel", "QueryLanguage": "JSONata",
                "Branches": [{"StartAt": "In", "States": {"In": {"Type": "Pass", "End": true}}}],
                "End": true
            }
        }
    })asl");
    const auto& p = machine.top().states[0];
    CHECK(p.language == stepfn::query_language::jsonata);
    const auto& branch = body_of<stepfn::parallel_state>(p).branches[0];
    CHECK(branch.language == stepfn::query_language::jsonpath);
    CHECK(branch.states[0].language == stepfn::query_language::jsonpath);
}
} // namespace loader_test
