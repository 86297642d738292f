#!/usr/bin/env python3
"""Writes the benchmark definitions (both engines run these same files).

Run it again after changing a workload; the outputs are committed so that a checkout can
benchmark without Python.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def write(name, definition):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(definition, f, indent=1)
        f.write("\n")


def pass_chain(count):
    names = [f"Step{i:04d}" for i in range(count)]
    states = {}
    for i, name in enumerate(names):
        states[name] = {"Type": "Pass"}
        if i + 1 < count:
            states[name]["Next"] = names[i + 1]
        else:
            states[name]["End"] = True
    return {"Comment": f"{count} Pass states in a chain", "StartAt": names[0], "States": states}


def map_items():
    return {
        "Comment": "A Map whose iteration is one Pass state with Parameters",
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 0,
                "ItemProcessor": {
                    "StartAt": "Shape",
                    "States": {
                        "Shape": {
                            "Type": "Pass",
                            "Parameters": {"id.$": "$.id", "name.$": "$.name", "kind": "item"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }


def five_states():
    return {
        "Comment": "Pass, Choice, Pass, Task, Succeed",
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Result": {"tier": "gold"}, "ResultPath": "$.meta", "Next": "Route"},
            "Route": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.amount", "NumericGreaterThan": 1000, "Next": "Large"},
                    {"Variable": "$.meta.tier", "StringEquals": "gold", "Next": "Large"},
                ],
                "Default": "Large",
            },
            "Large": {"Type": "Pass", "Parameters": {"order.$": "$.order", "amount.$": "$.amount"}, "Next": "Charge"},
            "Charge": {"Type": "Task", "Resource": LAMBDA + "charge", "ResultPath": "$.receipt", "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }


def five_states_jsonata():
    """The five-state workflow in JSONata: the same steps and the same output as five_states()."""
    return {
        "Comment": "Pass, Choice, Pass, Task, Succeed (JSONata)",
        "QueryLanguage": "JSONata",
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Output": "{% $merge([$states.input, {'meta': {'tier': 'gold'}}]) %}",
                        "Next": "Route"},
            "Route": {
                "Type": "Choice",
                "Choices": [
                    {"Condition": "{% $states.input.amount > 1000 %}", "Next": "Large"},
                    {"Condition": "{% $states.input.meta.tier = 'gold' %}", "Next": "Large"},
                ],
                "Default": "Large",
            },
            "Large": {"Type": "Pass",
                      "Output": {"order": "{% $states.input.order %}", "amount": "{% $states.input.amount %}"},
                      "Next": "Charge"},
            "Charge": {"Type": "Task", "Resource": LAMBDA + "charge",
                       "Output": "{% $merge([$states.input, {'receipt': $states.result}]) %}", "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }


def map_context_jsonata():
    """A JSONata Map whose ItemSelector reads $states.context.Map.Item: per item, no copy of the
    execution input (issue 15)."""
    return {
        "Comment": "A JSONata Map whose ItemSelector reads $states.context.Map.Item (issue 15: no copy of the execution input per item)",
        "QueryLanguage": "JSONata",
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "Items": "{% $states.input.items %}",
                "MaxConcurrency": 0,
                "ItemSelector": {"id": "{% $states.context.Map.Item.Value.id %}",
                                 "index": "{% $states.context.Map.Item.Index %}"},
                "ItemProcessor": {"StartAt": "Shape", "States": {"Shape": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }


def task_chain(count):
    names = [f"Task{i:03d}" for i in range(count)]
    states = {}
    for i, name in enumerate(names):
        states[name] = {
            "Type": "Task",
            "Resource": LAMBDA + "lookup",
            "ResultSelector": {"price.$": "$.price", "currency.$": "$.currency"},
            "ResultPath": "$.quote",
        }
        if i + 1 < count:
            states[name]["Next"] = names[i + 1]
        else:
            states[name]["End"] = True
    return {"Comment": f"{count} Tasks with ResultSelector and ResultPath", "StartAt": names[0], "States": states}


def choice_chain(count):
    names = [f"Choose{i:03d}" for i in range(count)]
    states = {}
    for i, name in enumerate(names):
        target = names[i + 1] if i + 1 < count else "Done"
        rules = [{"Variable": "$.value", "NumericEquals": r, "Next": target} for r in range(9)]
        # The tenth rule is the one that matches, so every rule is evaluated.
        rules.append({"Variable": "$.value", "NumericEquals": 42, "Next": target})
        states[name] = {"Type": "Choice", "Choices": rules, "Default": "Done"}
    states["Done"] = {"Type": "Succeed"}
    return {"Comment": f"{count} Choice states with ten rules each", "StartAt": names[0], "States": states}


def parked():
    return {
        "Comment": "One hour in a Wait",
        "StartAt": "Park",
        "States": {"Park": {"Type": "Wait", "Seconds": 3600, "Next": "Done"}, "Done": {"Type": "Succeed"}},
    }


def large_definition(count):
    """A realistic mix: every group of five is Task, Choice, Pass, Wait, Pass."""
    groups = count // 5
    states = {}
    for g in range(groups):
        nxt = f"Task{g + 1:03d}" if g + 1 < groups else "Finish"
        states[f"Task{g:03d}"] = {
            "Type": "Task",
            "Resource": LAMBDA + f"worker-{g % 7}",
            "Parameters": {"id.$": "$.id", "attempt.$": "$$.State.RetryCount", "label": f"group {g}"},
            "ResultSelector": {"status.$": "$.status", "items.$": "$.items[0:2]"},
            "ResultPath": f"$.results.g{g}",
            "TimeoutSeconds": 30,
            "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": f"Recover{g:03d}"}],
            "Next": f"Check{g:03d}",
        }
        states[f"Check{g:03d}"] = {
            "Type": "Choice",
            "Choices": [
                {"Variable": f"$.results.g{g}.status", "StringEquals": "ok", "Next": f"Pause{g:03d}"},
                {"And": [{"Variable": "$.id", "IsPresent": True}, {"Variable": "$.id", "NumericGreaterThan": 10}],
                 "Next": f"Recover{g:03d}"},
                {"Variable": "$.name", "StringMatches": "bench-*", "Next": f"Pause{g:03d}"},
            ],
            "Default": f"Recover{g:03d}",
        }
        states[f"Recover{g:03d}"] = {
            "Type": "Pass",
            "Parameters": {"note.$": "States.Format('group {} recovered', $.id)", "id.$": "$.id"},
            "ResultPath": "$.recovered",
            "Next": f"Pause{g:03d}",
        }
        states[f"Pause{g:03d}"] = {"Type": "Wait", "SecondsPath": "$.delay", "Next": f"Note{g:03d}"}
        states[f"Note{g:03d}"] = {"Type": "Pass", "Result": {"group": g}, "ResultPath": "$.last", "Next": nxt}
    states["Finish"] = {"Type": "Succeed"}
    # `count` states in all, counting Finish in place of the last group's Note.
    del states[f"Note{groups - 1:03d}"]
    states[f"Pause{groups - 1:03d}"]["Next"] = "Finish"
    assert len(states) == count, len(states)
    return {"Comment": f"{count} states of mixed types", "StartAt": "Task000", "States": states}


def chain(prefix, count, make_state, comment):
    """`count` states named prefix000..., each from make_state(i), in a chain."""
    names = [f"{prefix}{i:03d}" for i in range(count)]
    states = {}
    for i, name in enumerate(names):
        states[name] = make_state(i)
        if i + 1 < count:
            states[name]["Next"] = names[i + 1]
        else:
            states[name]["End"] = True
    return {"Comment": comment, "StartAt": names[0], "States": states}


# Issue 21's payload workloads: a large document ($.big) passes through 100 states, each merging a
# small result into it with ResultPath; the input is built by the harness (200 KiB).
def large_pass_result(count):
    return chain("Merge", count, lambda i: {"Type": "Pass", "Result": {"step": i, "ok": True}, "ResultPath": "$.last"},
                 f"{count} Pass states merging a Result into a large input")


def large_pass_parameters(count):
    return chain("Shape", count, lambda i: {"Type": "Pass", "Parameters": {"id.$": "$.id", "step": i},
                                            "ResultPath": "$.last"},
                 f"{count} Pass states with Parameters merging into a large input")


def large_task(count):
    return chain("Call", count, lambda i: {"Type": "Task", "Resource": LAMBDA + "lookup", "ResultPath": "$.last"},
                 f"{count} Tasks on a large input, merging their result")


# A state that grows as it runs: each state adds a copy of $.blob (250 B or 1 KiB, set by the
# input) under a key of its own.
def growing(count):
    return chain("Grow", count, lambda i: {"Type": "Pass", "Parameters": {"b.$": "$.blob"}, "ResultPath": f"$.s{i:03d}"},
                 f"{count} Pass states each adding a copy of $.blob")


def parallel_branches(count):
    # State names are unique in the whole machine.
    branches = [{"StartAt": f"Work{b:02d}", "States": {f"Work{b:02d}": {"Type": "Pass",
                                                                       "Parameters": {"branch": b, "id.$": "$.id"},
                                                                       "End": True}}} for b in range(count)]
    return {"Comment": f"A Parallel of {count} branches, each one Pass",
            "StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "Branches": branches, "End": True}}}


def map_bounded(concurrency):
    definition = map_items()
    definition["Comment"] = f"A Map with MaxConcurrency {concurrency} whose iteration is one Pass state"
    definition["States"]["Each"]["MaxConcurrency"] = concurrency
    return definition


# Fan-out that carries work (cliffs_bench's parallel_50_work, map_work): each branch or item is a
# Task whose invoker runs a fixed CPU job of `rounds` rounds (benchmarks/fanout_floors.hpp,
# cpu_job: about 1 µs a round), seeded by the branch's number or the item's id.
WORK_ROUNDS_PARALLEL = 20
WORK_ROUNDS_MAP = 5


def parallel_work(count, rounds):
    branches = [{"StartAt": f"Work{b:02d}", "States": {f"Work{b:02d}": {"Type": "Task", "Resource": LAMBDA + "work",
                                                                       "Parameters": {"rounds": rounds, "seed": b},
                                                                       "End": True}}} for b in range(count)]
    return {"Comment": f"A Parallel of {count} branches, each a Task doing {rounds} rounds of CPU work",
            "StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "Branches": branches, "End": True}}}


def map_work(concurrency, rounds):
    return {
        "Comment": f"A Map with MaxConcurrency {concurrency} whose iteration is a Task doing {rounds} rounds of CPU work",
        "StartAt": "Each",
        "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": concurrency,
                            "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
                                "Type": "Task", "Resource": LAMBDA + "work",
                                "Parameters": {"rounds": rounds, "seed.$": "$.id"}, "End": True}}},
                            "End": True}},
    }


def map_callbacks():
    return {
        "Comment": "A Map whose iteration waits for a task token that another thread completes",
        "StartAt": "Each",
        "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0,
                            "ItemProcessor": {"StartAt": "Wait for token", "States": {"Wait for token": {
                                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                "Parameters": {"token.$": "$$.Task.Token", "id.$": "$.id"}, "End": True}}},
                            "End": True}},
    }


if __name__ == "__main__":
    write("large_pass_result_100.json", large_pass_result(100))
    write("large_pass_parameters_100.json", large_pass_parameters(100))
    write("large_task_100.json", large_task(100))
    for n in (100, 200, 400, 800):
        write(f"growing_{n}.json", growing(n))
    write("parallel_50.json", parallel_branches(50))
    write("map_concurrency_10.json", map_bounded(10))
    write("map_callbacks.json", map_callbacks())
    write("parallel_50_work.json", parallel_work(50, WORK_ROUNDS_PARALLEL))
    write("map_work_10.json", map_work(10, WORK_ROUNDS_MAP))
    write("pass_chain_1000.json", pass_chain(1000))
    write("map_10000.json", map_items())
    write("five_states.json", five_states())
    write("five_states_jsonata.json", five_states_jsonata())
    write("map_context_jsonata.json", map_context_jsonata())
    write("task_selector_100.json", task_chain(100))
    write("choice_ten_rules_100.json", choice_chain(100))
    write("wait_parked.json", parked())
    write("mixed_500.json", large_definition(500))
