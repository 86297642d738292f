#!/usr/bin/env python3
"""`stepfn serve --store postgresql://...` beside a `stepfn worker` (ctest `serve_postgres`): the
AWS API reaches executions wherever they run.

In a database of its own: the server and one worker on it, and a small HTTP service here that
takes the requests of a `.waitForTaskToken` task and records their tokens. Over the AWS JSON 1.0
protocol on loopback (no SDK needed), with park_workflow.json (a 3 s Wait, then the callback task):
  * CreateStateMachine, StartExecution (s1, s2): the server runs them and hands both back while
    they wait (the server is a worker too); it then stops, the worker resumes them when due and
    sends their task requests, and a second server answers the rest;
  * SendTaskSuccess reaches s1 while nobody holds it: it ends SUCCEEDED with the output sent;
    DescribeExecution, GetExecutionHistory (ids 1..n, one TaskSubmitted) and ListExecutions
    read the store;
  * StopExecution reaches s2 while it waits for its token: ABORTED; RedriveExecution runs it again
    in the server (a second task request), and SendTaskFailure ends it FAILED;
  * an unknown token: TaskDoesNotExist; SIGTERM stops the server and the worker cleanly.

  postgres_api_test.py --stepfn PATH [--url URL]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workers"))
from pg_support import Failed, psql, serve_tokens, until, with_dbname  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WORKFLOW = os.path.join(HERE, "..", "workers", "park_workflow.json")
RESOURCE = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
ROLE = "arn:aws:iam::123456789012:role/stepfn"


class Api:
    def __init__(self, endpoint):
        self.endpoint = endpoint

    def call(self, action, body):
        """(status, answer) of one AWS JSON 1.0 call."""
        request = urllib.request.Request(self.endpoint + "/", data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + action})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def ok(self, action, body):
        status, answer = self.call(action, body)
        if status != 200:
            raise Failed("%s answered %d: %s" % (action, status, answer))
        return answer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stepfn", required=True)
    parser.add_argument("--url", default=os.environ.get("STEPFN_TEST_POSTGRES"))
    args = parser.parse_args()
    if not args.url:
        print("serve_postgres skipped: STEPFN_TEST_POSTGRES is not set (eval \"$(tools/ci/postgres.sh start)\")")
        return 77
    database = "serve_%d" % os.getpid()
    psql(args.url, "CREATE DATABASE %s" % database)
    url = with_dbname(args.url, database)
    tokens = {}
    task_server = serve_tokens(tokens)
    work = tempfile.mkdtemp(prefix="stepfn-serve-pg-")
    invokers = os.path.join(work, "invokers.json")
    with open(invokers, "w") as f:
        json.dump({RESOURCE: {"http": {"url": "http://127.0.0.1:%d/" % task_server.server_address[1], "timeoutSeconds": 10}}}, f)
    processes = {}
    checks = 0
    try:
        def serve(name):
            processes[name] = subprocess.Popen([args.stepfn, "serve", "--port", "0", "--store", url, "--invokers", invokers],
                                               stdout=subprocess.PIPE, stderr=open(os.path.join(work, name + ".err"), "w"), text=True)
            line = processes[name].stdout.readline()
            found = re.match(r"listening on (http://\S+)", line)
            if not found:
                raise Failed("stepfn serve said %r; stderr: %s" % (line, open(os.path.join(work, name + ".err")).read()))
            return Api(found.group(1))

        api = serve("serve")
        processes["worker"] = subprocess.Popen([args.stepfn, "worker", "--store", url, "--name", "w", "--invokers", invokers,
                                                "--park-after-ms", "500"], stdout=open(os.path.join(work, "w.out"), "w"),
                                               stderr=open(os.path.join(work, "w.err"), "w"))
        if url.split("@")[0].split(":")[-1] in open(os.path.join(work, "serve.err")).read():
            raise Failed("the server printed the database password")

        with open(WORKFLOW) as f:
            definition = f.read()
        machine = api.ok("CreateStateMachine", {"name": "parked", "definition": definition, "roleArn": ROLE})["stateMachineArn"]
        s1 = api.ok("StartExecution", {"stateMachineArn": machine, "name": "s1", "input": json.dumps({"n": 1})})["executionArn"]
        s2 = api.ok("StartExecution", {"stateMachineArn": machine, "name": "s2", "input": json.dumps({"n": 2})})["executionArn"]
        if api.ok("DescribeExecution", {"executionArn": s1})["status"] != "RUNNING":
            raise Failed("s1 is not RUNNING after its start")
        checks += 2
        # Handed back in their Wait (a wake time, nobody's), then asking for their tokens.
        for name in ("s1", "s2"):
            until(name + " to be parked in its Wait", lambda: psql(
                url, "SELECT owner IS NULL AND wake_ns IS NOT NULL AND lease_generation = 1 FROM stepfn.executions"
                     " WHERE name = '%s'" % name) == "t")
        checks += 1
        # The server stops while they wait: the worker takes them when due, and a second server
        # answers from here on.
        processes["serve"].send_signal(signal.SIGTERM)
        if processes["serve"].wait(timeout=30) != 0:
            raise Failed("the first server exited with %d" % processes["serve"].returncode)
        for n in (1, 2):
            until("the task request of s%d" % n, lambda: tokens.get(n))
        for name in ("s1", "s2"):
            until("the worker to hand %s back" % name, lambda: psql(
                url, "SELECT lease_generation >= 2 FROM stepfn.executions WHERE name = '%s'" % name) == "t")
        api = serve("serve2")
        checks += 1
        for n in (1, 2):
            until("s%d to be parked on its token" % n, lambda: psql(
                url, "SELECT owner IS NULL AND wake_ns IS NULL FROM stepfn.executions WHERE name = 's%d'" % n) == "t")
        checks += 1

        api.ok("SendTaskSuccess", {"taskToken": tokens[1][0], "output": json.dumps({"ok": True})})
        until("s1 to succeed", lambda: api.ok("DescribeExecution", {"executionArn": s1})["status"] == "SUCCEEDED")
        described = api.ok("DescribeExecution", {"executionArn": s1})
        if json.loads(described["output"]) != {"n": 1, "answer": {"ok": True}}:
            raise Failed("s1's output: %s" % described.get("output"))
        history = api.ok("GetExecutionHistory", {"executionArn": s1, "maxResults": 1000})["events"]
        ids = [e["id"] for e in history]
        types = [e["type"] for e in history]
        if ids != list(range(1, len(ids) + 1)) or types.count("TaskSubmitted") != 1 or types[-1] != "ExecutionSucceeded":
            raise Failed("s1's history: %s" % list(zip(ids, types)))
        checks += 3

        status, answer = api.call("SendTaskSuccess", {"taskToken": "0" * 8 + "-0000-0000-0000-" + "0" * 12 + "0" * 8 + "-0000-0000-0000-" + "0" * 12,
                                                      "output": "{}"})
        if status != 400 or answer.get("__type", "").split("#")[-1] != "TaskDoesNotExist":
            raise Failed("an unknown token: %d %s" % (status, answer))
        checks += 1

        api.ok("StopExecution", {"executionArn": s2, "error": "Halt", "cause": "stopped by the test"})
        until("s2 to be aborted", lambda: api.ok("DescribeExecution", {"executionArn": s2})["status"] == "ABORTED")
        checks += 1
        api.ok("RedriveExecution", {"executionArn": s2})
        described = api.ok("DescribeExecution", {"executionArn": s2})
        if described["status"] != "RUNNING" or described.get("redriveCount") != 1:
            raise Failed("s2 after its redrive: %s" % described)
        until("s2's second task request", lambda: len(tokens.get(2, [])) == 2)
        api.ok("SendTaskFailure", {"taskToken": tokens[2][1], "error": "Nope", "cause": "said no"})
        until("s2 to fail", lambda: api.ok("DescribeExecution", {"executionArn": s2})["status"] == "FAILED")
        described = api.ok("DescribeExecution", {"executionArn": s2})
        if described.get("error") != "Nope" or described.get("cause") != "said no":
            raise Failed("s2 ended %s" % described)
        checks += 3
        listed = api.ok("ListExecutions", {"stateMachineArn": machine})["executions"]
        if sorted((e["name"], e["status"]) for e in listed) != [("s1", "SUCCEEDED"), ("s2", "FAILED")]:
            raise Failed("ListExecutions: %s" % listed)
        checks += 1

        for name in ("serve2", "worker"):
            processes[name].send_signal(signal.SIGTERM)
            if processes[name].wait(timeout=30) != 0:
                raise Failed("%s exited with %d" % (name, processes[name].returncode))
        checks += 1
        print("stepfn serve on PostgreSQL beside a worker: %d checks passed" % checks)
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.kill()
                p.wait()
        task_server.shutdown()
        if os.environ.get("STEPFN_SERVE_PG_KEEP"):
            print("kept the database %s and %s" % (database, work))
        else:
            psql(args.url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        print("FAILED: %s" % e)
        sys.exit(1)
