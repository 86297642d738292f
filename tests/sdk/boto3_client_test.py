#!/usr/bin/env python3
"""The AWS SDK for Python (boto3, Debian's python3-boto3) against a running `stepfn serve`.

    python3 boto3_client_test.py http://127.0.0.1:PORT

A second SDK in another language, on the actions its botocore knows (Debian 12's botocore
1.29 predates RedriveExecution, TestState and ValidateStateMachineDefinition): state
machines, executions, history, StartSyncExecution, an activity worker, tags and AWS's error
codes. One line per check; exit status 1 when any failed.
"""
import json
import sys
import threading
import time
import traceback

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
# The sync- host prefix of StartSyncExecution is turned off: a local endpoint has no such host.
sfn = boto3.client(
    "stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id="local", aws_secret_access_key="local",
    config=Config(inject_host_prefix=False, retries={"max_attempts": 1}, read_timeout=90),
)
ROLE = "arn:aws:iam::123456789012:role/boto3"
RUN = format(int(time.time() * 1000), "x")
failures = 0
checks = 0


def check(name):
    def wrap(body):
        global failures, checks
        checks += 1
        try:
            body()
            print(f"ok - {name}", flush=True)
        except Exception:  # noqa: BLE001 - every failure is reported, then the next check runs
            failures += 1
            print(f"not ok - {name}\n  " + traceback.format_exc().replace("\n", "\n  "), flush=True)
        return body
    return wrap


def error_code(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ClientError as e:
        assert 400 <= e.response["ResponseMetadata"]["HTTPStatusCode"] < 500, e.response
        return e.response["Error"]["Code"]
    raise AssertionError("the call succeeded")


def ended(arn, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.05)
    raise AssertionError(f"{arn} did not end within {timeout} s")


PASS = json.dumps({"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "Parameters": {"hi.$": "$.who"}, "End": True}}})
state = {}


@check("create, describe and list state machines")
def _():
    created = sfn.create_state_machine(name=f"py-{RUN}", definition=PASS, roleArn=ROLE,
                                       tags=[{"key": "lang", "value": "python"}])
    state["machine"] = created["stateMachineArn"]
    d = sfn.describe_state_machine(stateMachineArn=state["machine"])
    assert d["name"] == f"py-{RUN}" and d["status"] == "ACTIVE" and d["type"] == "STANDARD", d
    names = [m["name"] for page in sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 1})
             for m in page["stateMachines"]]
    assert f"py-{RUN}" in names, names
    assert error_code(sfn.create_state_machine, name=f"py-bad-{RUN}", definition="{}", roleArn=ROLE) == "InvalidDefinition"


@check("start, describe, history (paginated), list with a status filter")
def _():
    started = sfn.start_execution(stateMachineArn=state["machine"], name="one", input='{"who":"boto3"}')
    d = ended(started["executionArn"])
    assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"hi": "boto3"}, d
    events = [e for page in sfn.get_paginator("get_execution_history").paginate(
        executionArn=started["executionArn"], PaginationConfig={"PageSize": 2}) for e in page["events"]]
    assert [e["type"] for e in events] == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"], events
    listed = sfn.list_executions(stateMachineArn=state["machine"], statusFilter="SUCCEEDED")["executions"]
    assert [e["name"] for e in listed] == ["one"], listed
    assert error_code(sfn.describe_execution, executionArn=started["executionArn"] + "x") == "ExecutionDoesNotExist"
    assert error_code(sfn.start_execution, stateMachineArn=state["machine"], input="not json") == "InvalidExecutionInput"


@check("StartSyncExecution on an EXPRESS machine")
def _():
    express = sfn.create_state_machine(name=f"py-express-{RUN}", definition=PASS, roleArn=ROLE, type="EXPRESS")
    result = sfn.start_sync_execution(stateMachineArn=express["stateMachineArn"], input='{"who":"sync"}')
    assert result["status"] == "SUCCEEDED" and json.loads(result["output"]) == {"hi": "sync"}, result


@check("an activity worker in Python")
def _():
    activity = sfn.create_activity(name=f"py-worker-{RUN}")["activityArn"]
    machine = sfn.create_state_machine(name=f"py-activity-{RUN}", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": True}}}))
    done = {}

    def worker():
        task = sfn.get_activity_task(activityArn=activity, workerName="python")
        payload = json.loads(task["input"])
        sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"doubled": payload["n"] * 2}))
        done["ok"] = True

    thread = threading.Thread(target=worker)
    thread.start()
    started = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"n":21}')
    thread.join(timeout=30)
    assert done.get("ok"), "the worker got no task"
    d = ended(started["executionArn"])
    assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"doubled": 42}, d
    assert error_code(sfn.describe_activity, activityArn=activity + "x") == "ActivityDoesNotExist"


@check("stop an execution, tags, unknown resources")
def _():
    waiter = sfn.create_state_machine(name=f"py-wait-{RUN}", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}))
    started = sfn.start_execution(stateMachineArn=waiter["stateMachineArn"])
    sfn.stop_execution(executionArn=started["executionArn"], error="Py.Stop", cause="test")
    d = sfn.describe_execution(executionArn=started["executionArn"])
    assert d["status"] == "ABORTED", d
    sfn.tag_resource(resourceArn=state["machine"], tags=[{"key": "env", "value": "ci"}])
    tags = {t["key"]: t["value"] for t in sfn.list_tags_for_resource(resourceArn=state["machine"])["tags"]}
    assert tags == {"lang": "python", "env": "ci"}, tags
    assert error_code(sfn.list_tags_for_resource, resourceArn=state["machine"] + "-gone") == "ResourceNotFound"
    assert error_code(sfn.describe_state_machine, stateMachineArn="arn:nope") == "InvalidArn"


print(f"{checks - failures}/{checks} checks passed")
sys.exit(1 if failures else 0)
