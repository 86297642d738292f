#!/usr/bin/env python3
"""Generated definitions for the comparison with AWS's validator: a few hundred variants, valid
and invalid, of the rules where stepfn and AWS could disagree (error names, paths, filters,
intrinsics, numbers, fields). Deterministic: the same ids and texts on every run.

    generate.py  ->  JSON lines {"id": "generated/...", "text": "..."} on standard output
"""
import itertools
import json
import sys

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:F"


def machine(state, extra_states=None):
    states = {"S": state, "Done": {"Type": "Succeed"}}
    states.update(extra_states or {})
    return {"StartAt": "S", "States": states}


def task(**fields):
    state = {"Type": "Task", "Resource": LAMBDA, "Next": "Done"}
    state.update(fields)
    return state


def pass_state(**fields):
    state = {"Type": "Pass", "Next": "Done"}
    state.update(fields)
    return state


ERROR_NAMES = ["States.ALL", "States.TaskFailed", "States.Timeout", "States.QuorumMet", "States.Custom",
               "States.", "States", "Custom.Error", "", " ", "States.ALL ", "states.all", "Lambda.ServiceException",
               "States.DataLimitExceeded", "States.Runtime", "States.HeartbeatTimeout", "States.Permissions",
               "States.ResultPathMatchFailure", "States.ParameterPathFailure", "States.BranchFailed",
               "States.NoChoiceMatched", "States.IntrinsicFailure", "States.ExceedToleratedFailureThreshold",
               "States.ItemReaderFailed", "States.ResultWriterFailed", "States.QueryEvaluationError"]

PATHS = ["$", "$.a", "$.a ", " $.a", "$.a\t", "$$.Execution.Name ", "$$.Execution.Name", "$.a b", "$['a b']",
         "$.a[0]", "$.a[-1]", "$.a[*]", "$.a[0:2]", "$..a", "$.a.*", "$[?(@.Name==Receipt)]",
         "$[?(@.Name=='Receipt')]", "$[?(@.n > 1)]", "$[?(@.n >= 1 && @.m < 2)]", "$[?(@.Name == \"R\")]",
         "$['Test\\\\\"\"Name\"']", "$.a.length()", "$$", "$$$", "$.", "$..", "a", "", "$[", "$.a[", "$.a]",
         "$.a-b", "$.a@b", "$.\u00e9", "$[0]", "$.a[?(@.x)]", "$.a[(@.length-1)]", "$.a[?(@.x =~ /a/)]",
         "$var", "$.a['b','c']", "$.a[0,1]", "$.a[::-1]", "$.a\\.b"]

REFERENCE_FIELDS = ["ResultPath"]
SELECT_FIELDS = ["InputPath", "OutputPath"]

INTRINSICS = ["States.Format('{}', $.a)", "States.Format('{}', $.a )", "States.Array(1, 2)",
              "States.StringToJson($.s)", "States.JsonMerge($.a, $.b, false)", "States.ArrayRange(1, 9, 2)",
              "States.UUID()", "States.Hash($.a, 'SHA-256')", "States.MathAdd($.a, 1)", "States.Nope(1)",
              "States.Array(", "States.Format('{}')", "States.ArrayLength($.a, $.b)", "States.Array($$.Execution.Name)",
              "States.Format('a\\'b')", "States.StringSplit($.s, ',')", "States.Base64Encode('x')",
              "States.ArrayGetItem($.a, 0)", "States.MathRandom(1, 10)", "States.Array($\\)"]


def cases():
    for i, name in enumerate(ERROR_NAMES):
        for where in ("Catch", "Retry"):
            if where == "Catch":
                state = task(Catch=[{"ErrorEquals": [name], "Next": "Done"}])
            else:
                state = task(Retry=[{"ErrorEquals": [name], "MaxAttempts": 1}])
            yield f"error-names/{where.lower()}-{i}", machine(state)
    # States.ALL must be alone and last.
    yield "error-names/all-not-last", machine(task(Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]))
    yield "error-names/all-with-others", machine(task(Retry=[{"ErrorEquals": ["States.ALL", "X"]}]))
    yield "error-names/fail-custom-states", machine(pass_state(), {"F": {"Type": "Fail", "Error": "States.QuorumMet"}})
    for i, path in enumerate(PATHS):
        for field in SELECT_FIELDS + REFERENCE_FIELDS:
            yield f"paths/{field}-{i}", machine(pass_state(**{field: path}))
        yield f"paths/parameters-{i}", machine(pass_state(Parameters={"x.$": path}))
        yield f"paths/choice-variable-{i}", {
            "StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": path, "IsPresent": True, "Next": "Done"}],
                      "Default": "Done"},
                "Done": {"Type": "Succeed"}}}
        yield f"paths/items-path-{i}", machine({"Type": "Map", "ItemsPath": path, "Next": "Done",
                                                 "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}})
    for i, call in enumerate(INTRINSICS):
        yield f"intrinsics/parameters-{i}", machine(pass_state(Parameters={"x.$": call}))
        yield f"intrinsics/result-selector-{i}", machine(task(ResultSelector={"x.$": call}))
    numbers = {"TimeoutSeconds": [0, 1, -1, 99999999, 1.5, "1"], "HeartbeatSeconds": [0, 1, -1, 2.5],
               "MaxAttempts": [0, -1, 3, 1.5, 99999999], "BackoffRate": [0.5, 1, 1.0, 2, -1],
               "IntervalSeconds": [0, 1, -1, 1.5], "MaxConcurrency": [0, -1, 5, 1.5],
               "Seconds": [0, -1, 5, 1.5, 99999999999], "ToleratedFailurePercentage": [0, 50, 100, 101, -1, 2.5],
               "ToleratedFailureCount": [0, -1, 3, 1.5]}
    for field, values in numbers.items():
        for j, v in enumerate(values):
            if field in ("TimeoutSeconds", "HeartbeatSeconds"):
                state = task(**{field: v})
            elif field in ("MaxAttempts", "BackoffRate", "IntervalSeconds"):
                state = task(Retry=[{"ErrorEquals": ["States.ALL"], field: v}])
            elif field == "Seconds":
                state = {"Type": "Wait", "Seconds": v, "Next": "Done"}
            else:
                state = {"Type": "Map", field: v, "Next": "Done",
                         "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}
            yield f"numbers/{field}-{j}", machine(state)
    timestamps = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123Z", "2024-01-01T00:00:00+01:00",
                  "2024-01-01 00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00", "yesterday"]
    for j, t in enumerate(timestamps):
        yield f"timestamps/wait-{j}", machine({"Type": "Wait", "Timestamp": t, "Next": "Done"})
    names = ["A", "a" * 80, "a" * 81, "with space", "with.dot", "é", "x$y", ""]
    for j, n in enumerate(names):
        yield f"state-names/{j}", {"StartAt": n, "States": {n: {"Type": "Succeed"}}}
    for j, (a, b) in enumerate(itertools.product(["Next", "End"], ["Next", "End", None])):
        state = {"Type": "Pass"}
        for k in (a, b):
            if k == "Next":
                state["Next"] = "Done"
            elif k == "End":
                state["End"] = True
        yield f"transitions/{j}", machine(state)
    yield "fields/unknown", machine(pass_state(Foo=1))
    yield "fields/comment", machine(pass_state(Comment="c"))
    yield "fields/result-path-null", machine(pass_state(ResultPath=None))
    yield "fields/output-path-null", machine(pass_state(OutputPath=None))


def main():
    for case_id, definition in cases():
        sys.stdout.write(json.dumps({"id": "generated/" + case_id, "text": json.dumps(definition)}) + "\n")


if __name__ == "__main__":
    main()
