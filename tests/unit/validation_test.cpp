#include "catch.hpp"

#include "validation_helpers.hpp"

namespace validation_test {

// Definition validation, rule by rule (docs/validation.md): each rule has a definition that
// breaks it (pointer and message checked) and one that passes.


// ---- top level ------------------------------------------------------------------------------

TEST_CASE("StartAt and States are required", "[validation]") {
    CHECK(problems("{}") == "\n/: These fields are required: [States, StartAt]");
    CHECK(problems(R"asl({"States": {}})asl") == "\n/: These fields are required: [StartAt]");
    CHECK_THAT(problems(R"asl({"StartAt": "A"})asl"), Contains("\n/: These fields are required: [States]"));
    CHECK_THAT(problems(R"asl({"StartAt": "A", "States": []})asl"), Contains("\n/States: 'States' must be an object"));
    CHECK_THAT(problems(R"asl({"StartAt": 1, "States": {"A": {"Type": "Succeed"}}})asl"),
               Contains("\n/StartAt: 'StartAt' must be a string"));
}

TEST_CASE("StartAt must name a state", "[validation]") {
    CHECK_THAT(problems(R"asl({"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}})asl"),
               Contains("\n/StartAt: no state named \"Nope\" in this scope"));
    CHECK_THAT(problems(R"asl({"StartAt": "a", "States": {"A": {"Type": "Succeed"}}})asl"),
               Contains("\n/StartAt: no state named \"a\" in this scope"));
    CHECK(problems(R"asl({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})asl").empty());
}

TEST_CASE("top-level fields: only the documented ones, with their values", "[validation]") {
    const std::string ok_states = R"asl("StartAt": "A", "States": {"A": {"Type": "Succeed"}})asl";
    CHECK(problems("{" + ok_states + R"asl(, "_comment": "x"})asl") == "\n/_comment: Field '_comment' is not supported");
    CHECK(problems("{" + ok_states + R"asl(, "Version": "2.0"})asl") == "\n/Version: 'Version' must be \"1.0\"");
    CHECK(problems("{" + ok_states + R"asl(, "Version": "1.0", "Comment": "c"})asl").empty());
    CHECK(problems("{" + ok_states + R"asl(, "Comment": 5})asl") == "\n/Comment: 'Comment' must be a string");
    for (std::string bad : {"-1", "100000000", "\"60\"", "1.5", "null"})
        CHECK(problems("{" + ok_states + ", \"TimeoutSeconds\": " + bad + "}") ==
              "\n/TimeoutSeconds: 'TimeoutSeconds' must be an integer between 0 and 99999999");
    for (std::string good : {"0", "99999999"}) CHECK(problems("{" + ok_states + ", \"TimeoutSeconds\": " + good + "}").empty());
    CHECK(problems("{" + ok_states + R"asl(, "QueryLanguage": "jsonpath"})asl") ==
          "\n/QueryLanguage: 'QueryLanguage' must be \"JSONPath\" or \"JSONata\"");
    CHECK(problems("{" + ok_states + R"asl(, "QueryLanguage": "JSONPath"})asl").empty());
}

TEST_CASE("nested machines accept only StartAt, States, Comment, QueryLanguage", "[validation]") {
    std::string parallel = machine(R"asl("S": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "TimeoutSeconds": 5, "Version": "1.0",
         "ProcessorConfig": {}, "Comment": "fine", "QueryLanguage": "JSONPath"}]})asl");
    auto found = problems(parallel);
    CHECK_THAT(found, Contains("\n/States/S/Branches/0/TimeoutSeconds: Field 'TimeoutSeconds' is not supported"));
    CHECK_THAT(found, Contains("\n/States/S/Branches/0/Version: Field 'Version' is not supported"));
    CHECK_THAT(found, Contains("\n/States/S/Branches/0/ProcessorConfig: Field 'ProcessorConfig' is not supported"));
    CHECK_THAT(found, !Contains("Comment"));

    CHECK_THAT(problems(map_with(R"asl("Comment": "c")asl")), !Contains("ProcessorConfig"));
    std::string processor = machine(R"asl("S": {"Type": "Map", "End": true, "ItemProcessor": {
        "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}, "TimeoutSeconds": 1}})asl");
    CHECK(problems(processor) == "\n/States/S/ItemProcessor/TimeoutSeconds: Field 'TimeoutSeconds' is not supported");
}

// ---- states: Type and fields ----------------------------------------------------------------

TEST_CASE("Type is required and is one of the eight, case-sensitively", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"End": true})asl")) == "\n/States/S: These fields are required: [Type]");
    CHECK(problems(machine(R"asl("S": {"Type": "pass", "End": true})asl")) ==
          "\n/States/S/Type: 'Type' must be one of Task, Pass, Choice, Wait, Succeed, Fail, Parallel, Map");
    CHECK_THAT(problems(machine(R"asl("S": {"Type": 3})asl")), Contains("\n/States/S/Type: 'Type' must be one of"));
    CHECK(problems(machine(R"asl("S": "Pass")asl")) == "\n/States/S: a state must be a JSON object");
}

TEST_CASE("unknown and misplaced fields are rejected", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "_comment": "x"})asl")) ==
          "\n/States/S/_comment: Field '_comment' is not supported in a Pass state");
    CHECK(problems(machine(R"asl("S": {"Type": "Wait", "Seconds": 1, "End": true, "ResultPath": "$.x"})asl")) ==
          "\n/States/S/ResultPath: Field 'ResultPath' is not supported in a Wait state");
    CHECK(problems(machine(R"asl("S": {"Type": "Fail", "InputPath": "$"})asl")) ==
          "\n/States/S/InputPath: Field 'InputPath' is not supported in a Fail state");
    CHECK(problems(machine(R"asl("S": {"Type": "Succeed", "Assign": {"x": 1}})asl")) ==
          "\n/States/S/Assign: Field 'Assign' is not supported in a Succeed state");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "Retry": []})asl")) ==
          "\n/States/S/Retry: Field 'Retry' is not supported in a Pass state");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "ResultSelector": {}})asl")) ==
          "\n/States/S/ResultSelector: Field 'ResultSelector' is not supported in a Pass state");
    CHECK(problems(machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true, "Result": 1})asl")) ==
          "\n/States/S/Result: Field 'Result' is not supported in a Task state");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "Comment": 1})asl")) ==
          "\n/States/S/Comment: 'Comment' must be a string");
}

TEST_CASE("the JSONPath and JSONata field sets differ", "[validation]") {
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Pass", "End": true, "InputPath": "$.a"})asl")) ==
          "\n/States/S/InputPath: Field 'InputPath' is not supported when QueryLanguage is JSONata");
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true, "Parameters": {}})asl")) ==
          "\n/States/S/Parameters: Field 'Parameters' is not supported when QueryLanguage is JSONata");
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true, "TimeoutSecondsPath": "$.t"})asl")) ==
          "\n/States/S/TimeoutSecondsPath: Field 'TimeoutSecondsPath' is not supported when QueryLanguage is JSONata");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": true, "Output": {}})asl")) ==
          "\n/States/S/Output: Field 'Output' is not supported when QueryLanguage is JSONPath");
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Pass", "End": true, "Arguments": {}})asl")) ==
          "\n/States/S/Arguments: Field 'Arguments' is not supported in a Pass state");
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Task", "Resource": "r", "End": true,
        "Arguments": {"a": "{% $states.input %}"}, "Output": "{% $states.result %}",
        "TimeoutSeconds": "{% $states.input.t %}", "HeartbeatSeconds": 5})asl"))
              .empty());
    // A state may opt into JSONata under a JSONPath machine.
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": 1, "End": true})asl")).empty());
}

TEST_CASE("a JSONata machine cannot be downgraded to JSONPath", "[validation]") {
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true})asl")) ==
          "\n/States/S/QueryLanguage: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine");
    CHECK_THAT(problems(jsonata_machine(R"asl("S": {"Type": "Parallel", "End": true, "Branches": [
        {"QueryLanguage": "JSONPath", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}]})asl")),
               Contains("\n/States/S/Branches/0/QueryLanguage: 'QueryLanguage' can not be 'JSONPath'"));
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "QueryLanguage": "XPath", "End": true})asl")) ==
          "\n/States/S/QueryLanguage: 'QueryLanguage' must be \"JSONPath\" or \"JSONata\"");
}

// ---- Next / End ----------------------------------------------------------------------------

TEST_CASE("Next or End: true, exactly one, where the type needs it", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Pass"})asl")) ==
          "\n/States/S: the state needs either 'Next' or \"End\": true");
    CHECK(problems(machine(R"asl("S": {"Type": "Wait", "Seconds": 1, "End": false})asl")) ==
          "\n/States/S: the state needs either 'Next' or \"End\": true");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "Next": "S", "End": true})asl")) ==
          "\n/States/S/End: 'Next' and \"End\": true cannot both be set");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": "true"})asl")) == "\n/States/S/End: 'End' must be a boolean");
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "End": false, "Next": "T"}, "T": {"Type": "Succeed"})asl")).empty());
    CHECK(problems(machine(R"asl("S": {"Type": "Succeed", "Next": "T"}, "T": {"Type": "Succeed"})asl")) ==
          "\n/States/S/Next: Field 'Next' is not supported in a Succeed state\n/States/T: state \"T\" is not reachable");
    CHECK(problems(machine(R"asl("S": {"Type": "Fail", "End": true})asl")) ==
          "\n/States/S/End: Field 'End' is not supported in a Fail state");
    CHECK_THAT(problems(machine(R"asl("S": {"Type": "Choice", "Choices": [{"Variable": "$", "IsNull": true, "Next": "T"}],
                                   "End": true}, "T": {"Type": "Succeed"})asl")),
               Contains("\n/States/S/End: Field 'End' is not supported in a Choice state"));
}

// ---- transitions and names -----------------------------------------------------------------

TEST_CASE("every transition names a state of the same scope", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Task", "Resource": "r", "Next": "Chrage"}, "Charge": {"Type": "Succeed"})asl")) ==
          "\n/States/S/Next: no state named \"Chrage\" in this scope\n/States/Charge: state \"Charge\" is not reachable");
    CHECK_THAT(problems(machine(R"asl("S": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "X"}],
                                  "Default": "Y"}, "T": {"Type": "Succeed"})asl")),
               Contains("\n/States/S/Choices/0/Next: no state named \"X\" in this scope\n/States/S/Default: no state named \"Y\" in this scope"));
    CHECK_THAT(problems(task_with(R"asl("Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Z"}])asl")),
               Contains("\n/States/S/Catch/0/Next: no state named \"Z\" in this scope"));
}

TEST_CASE("a transition into or out of a nested scope says where the name lives", "[validation]") {
    auto found = problems(machine(R"asl(
        "S": {"Type": "Parallel", "Next": "Inner", "Branches": [
            {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Next": "Done"}}}]},
        "Done": {"Type": "Succeed"})asl"));
    CHECK_THAT(found, Contains("\n/States/S/Next: no state named \"Inner\" in this scope (a state of that name is at "
                               "/States/S/Branches/0/States/Inner, in another scope; transitions cannot leave their scope)"));
    CHECK_THAT(found, Contains("\n/States/S/Branches/0/States/Inner/Next: no state named \"Done\" in this scope (a state of "
                               "that name is at /States/Done"));
}

TEST_CASE("state names are unique in the whole machine, non-empty and not too long", "[validation]") {
    CHECK_THAT(problems(machine(R"asl(
        "S": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}]})asl")),
               Contains("\n/States/S/Branches/0/States/S: state name \"S\" is already used at /States/S (state names must "
                        "be unique in the whole machine)"));
    CHECK_THAT(problems(R"asl({"StartAt": "", "States": {"": {"Type": "Succeed"}}})asl"),
               Contains("\n/States/: a state name must not be empty"));

    std::string name80(80, 'n');
    std::string name81(81, 'n');
    CHECK(problems(R"asl({"StartAt": ")asl" + name80 + R"asl(", "States": {")asl" + name80 + R"asl(": {"Type": "Succeed"}}})asl")
              .empty());
    CHECK(problems(R"asl({"StartAt": ")asl" + name81 + R"asl(", "States": {")asl" + name81 + R"asl(": {"Type": "Succeed"}}})asl") ==
          "\n/States/" + name81 + ": state name is longer than 80 characters");
    // Characters, not bytes: 80 two-byte characters are fine.
    std::string accented;
    for (int i = 0; i < 80; ++i) accented += "\xc3\xa9";
    CHECK(problems(R"asl({"StartAt": ")asl" + accented + R"asl(", "States": {")asl" + accented + R"asl(": {"Type": "Succeed"}}})asl")
              .empty());
    stepfn::load_options options;
    options.bounds.max_state_name_length = 3;
    CHECK(problems(R"asl({"StartAt": "Four", "States": {"Four": {"Type": "Succeed"}}})asl", options) ==
          "\n/States/Four: state name is longer than 3 characters");
    // Spaces and slashes are allowed; the pointer escapes '/' and '~'.
    CHECK(problems(R"asl({"StartAt": "a/b ~c", "States": {"a/b ~c": {"Type": "Pass"}}})asl") ==
          "\n/States/a~1b ~0c: the state needs either 'Next' or \"End\": true");
}

TEST_CASE("unreachable states and scopes without a terminal state", "[validation]") {
    CHECK(problems(machine(R"asl("S": {"Type": "Succeed"}, "Orphan": {"Type": "Pass", "End": true})asl")) ==
          "\n/States/Orphan: state \"Orphan\" is not reachable");
    // Reachable through Choices, Default and Catch.
    CHECK(problems(machine(R"asl(
        "S": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "A"}], "Default": "B"},
        "A": {"Type": "Task", "Resource": "r", "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}]},
        "B": {"Type": "Succeed"},
        "C": {"Type": "Fail"})asl"))
              .empty());
    CHECK(problems(machine(R"asl("S": {"Type": "Pass", "Next": "T"}, "T": {"Type": "Pass", "Next": "S"})asl")) ==
          "\n/: no terminal state: the scope needs a state with \"End\": true, or a Succeed or Fail state");
    CHECK_THAT(problems(machine(R"asl("S": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "L", "States": {"L": {"Type": "Wait", "Seconds": 1, "Next": "L"}}}]})asl")),
               Contains("\n/States/S/Branches/0: no terminal state"));
    // A Choice alone cannot end a scope.
    CHECK_THAT(problems(machine(R"asl("S": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "S"}]})asl")),
               Contains("\n/: no terminal state"));
}

// ---- Assign --------------------------------------------------------------------------------

TEST_CASE("Assign keys are variable names", "[validation]") {
    auto pass_assign = [](std::string_view assign) {
        return machine(R"asl("S": {"Type": "Pass", "End": true, "Assign": )asl" + std::string(assign) + "}");
    };
    CHECK(problems(pass_assign(R"asl({"ok": 1, "_also": 2, "x1.$": "$.a", "caf\u00e9": 3})asl")).empty());
    CHECK(problems(pass_assign(R"asl({"x.y": 1})asl")) == "\n/States/S/Assign/x.y: 'x.y' is not a valid variable name");
    CHECK(problems(pass_assign(R"asl({"x[0]": 1})asl")) == "\n/States/S/Assign/x[0]: 'x[0]' is not a valid variable name");
    CHECK(problems(pass_assign(R"asl({"1x": 1})asl")) == "\n/States/S/Assign/1x: '1x' is not a valid variable name");
    CHECK(problems(pass_assign(R"asl({"states": 1})asl")) ==
          "\n/States/S/Assign/states: 'states' is not a valid variable name ('states' is reserved)");
    CHECK(problems(pass_assign("{\"" + std::string(81, 'v') + "\": 1}")) ==
          "\n/States/S/Assign/" + std::string(81, 'v') + ": '" + std::string(81, 'v') +
              "' is not a valid variable name (longer than 80 characters)");
    CHECK(problems(pass_assign(R"asl([1])asl")) == "\n/States/S/Assign: 'Assign' must be an object");
    // In JSONata there is no `.$` suffix to strip.
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Pass", "End": true, "Assign": {"a.$": "$.x"}})asl")) ==
          "\n/States/S/Assign/a.$: 'a.$' is not a valid variable name");
    CHECK(problems(jsonata_machine(R"asl("S": {"Type": "Pass", "End": true, "Assign": {"a": "{% $states.input %}"}})asl")).empty());
}

// ---- the whole list ------------------------------------------------------------------------

TEST_CASE("every problem is reported, in document order", "[validation]") {
    // Parents before children; at one pointer, in the order they were found.
    auto loaded = stepfn::load_machine(R"asl({
        "StartAt": "First",
        "Extra": true,
        "States": {
            "First": {"Type": "Task", "Next": "Secnod", "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}]},
            "Second": {"Type": "Wait", "Seconds": 5, "SecondsPath": "$.s", "End": true},
            "Third": {"Type": "Pass", "Bogus": 1, "End": true}
        }
    })asl");
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().name == "States.InvalidDefinition");
    const auto& list = loaded.error().problems;
    REQUIRE(list.size() == 8);
    CHECK(list[0] == stepfn::diagnostic{"/Extra", "Field 'Extra' is not supported"});
    CHECK(list[1] == stepfn::diagnostic{"/States/First", "These fields are required: [Resource]"});
    CHECK(list[2] == stepfn::diagnostic{"/States/First/Next", "no state named \"Secnod\" in this scope"});
    CHECK(list[3] == stepfn::diagnostic{"/States/First/Retry/0/MaxAttempts",
                                        "'MaxAttempts' must be an integer between 0 and 99999999"});
    CHECK(list[4] == stepfn::diagnostic{"/States/Second",
                                        "only one of 'Seconds', 'SecondsPath', 'Timestamp' and 'TimestampPath' may be set"});
    CHECK(list[5] == stepfn::diagnostic{"/States/Second", "state \"Second\" is not reachable"});
    CHECK(list[6] == stepfn::diagnostic{"/States/Third", "state \"Third\" is not reachable"});
    CHECK(list[7] == stepfn::diagnostic{"/States/Third/Bogus", "Field 'Bogus' is not supported in a Pass state"});
}

TEST_CASE("an inner scope may not assign a variable of an enclosing scope", "[validation]") {
    CHECK(problems(machine(R"asl(
        "S": {"Type": "Pass", "Assign": {"total": 0}, "Next": "P"},
        "P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"total.$": "$.n"}, "End": true}}}]})asl")) ==
          "\n/States/P/Branches/0/States/B/Assign/total.$: variable \"total\" is already assigned in an enclosing scope "
          "(at /States/S/Assign/total); a Parallel branch or Map iteration may read it but not assign it");
    // Assigned later in the outer scope, or by the Map state itself or its catcher: still the outer scope.
    CHECK_THAT(problems(machine(R"asl(
        "S": {"Type": "Map", "Next": "T", "Assign": {"a": 1},
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "T", "Assign": {"b": 1}}],
              "ItemProcessor": {"StartAt": "I", "States": {
                  "I": {"Type": "Choice", "Choices": [{"Variable": "$", "IsNull": true, "Next": "J", "Assign": {"c": 1}}],
                        "Default": "J"},
                  "J": {"Type": "Pass", "Assign": {"a": 2, "b": 2}, "End": true}}}},
        "T": {"Type": "Pass", "Assign": {"c": 3}, "End": true})asl")),
               Contains("\n/States/S/ItemProcessor/States/I/Choices/0/Assign/c: variable \"c\" is already assigned in an "
                        "enclosing scope (at /States/T/Assign/c)") &&
                   Contains("\n/States/S/ItemProcessor/States/J/Assign/a: variable \"a\"") &&
                   Contains("\n/States/S/ItemProcessor/States/J/Assign/b: variable \"b\""));
    // Sibling branches do not see each other, and reading is always fine.
    CHECK(problems(machine(R"asl(
        "S": {"Type": "Pass", "Assign": {"seen": true}, "Next": "P"},
        "P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "L", "States": {"L": {"Type": "Pass", "Assign": {"x": 1}, "Parameters": {"s.$": "$seen"}, "End": true}}},
            {"StartAt": "R", "States": {"R": {"Type": "Pass", "Assign": {"x": 2}, "End": true}}}]})asl"))
              .empty());
}
} // namespace validation_test
