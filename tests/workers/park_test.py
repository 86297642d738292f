#!/usr/bin/env python3
"""Parked executions (ctest `workers_park`): a worker hands back an execution whose every branch
waits, and another worker finishes it; task tokens' outcomes sent from the shell reach it.

In a database of its own, with park_workflow.json (a 3 s Wait, then a `.waitForTaskToken` task
whose request goes to a small HTTP service here that records the token):
  * worker A claims p1 and p2, and hands both back while they wait (no owner, a wake time);
    then A stops (SIGTERM) and reports them parked;
  * worker B claims them once due, sends the task requests, and hands them back again while they
    wait for their tokens (no owner, no wake time);
  * `stepfn send-task-heartbeat`, then `send-task-success` (p1) and `send-task-failure` (p2),
    reach them: B (or whichever worker claims them) ends p1 SUCCEEDED with the output sent, and
    p2 FAILED with the error sent, each reported once, by B, with one history of ids 1..n;
  * the commands refuse an unknown token (exit 1), output that is not JSON and an SQLite store
    (exit 2).

  park_test.py --stepfn PATH [--url URL]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from pg_support import Failed, psql, serve_tokens, until, with_dbname

HERE = os.path.dirname(os.path.abspath(__file__))
WORKFLOW = os.path.join(HERE, "park_workflow.json")
RESOURCE = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def row(url, name):
    """owner|wake_ns is null|status of an execution."""
    return psql(url, "SELECT coalesce(owner, ''), wake_ns IS NULL, status FROM stepfn.executions WHERE name = '%s'" % name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stepfn", required=True)
    parser.add_argument("--url", default=os.environ.get("STEPFN_TEST_POSTGRES"))
    args = parser.parse_args()
    if not args.url:
        print("workers park test skipped: STEPFN_TEST_POSTGRES is not set (eval \"$(tools/ci/postgres.sh start)\")")
        return 77
    database = "park_%d" % os.getpid()
    psql(args.url, "CREATE DATABASE %s" % database)
    url = with_dbname(args.url, database)
    tokens = {}
    server = serve_tokens(tokens)
    work = tempfile.mkdtemp(prefix="stepfn-park-")
    invokers = os.path.join(work, "invokers.json")
    with open(invokers, "w") as f:
        json.dump({RESOURCE: {"http": {"url": "http://127.0.0.1:%d/" % server.server_address[1], "timeoutSeconds": 10}}}, f)
    workers = {}
    checks = 0

    def worker(name):
        out = open(os.path.join(work, name + ".out"), "w")
        err = open(os.path.join(work, name + ".err"), "w")
        workers[name] = subprocess.Popen([args.stepfn, "worker", "--store", url, "--name", name, "--invokers", invokers,
                                          "--park-after-ms", "500"], stdout=out, stderr=err)

    def command(*argv):
        return subprocess.run([args.stepfn] + list(argv), capture_output=True, text=True)

    try:
        for name in ("p1", "p2"):
            started = command("start", "--store", url, WORKFLOW, "--name", name, "--input", json.dumps({"n": int(name[1:])}))
            if started.returncode != 0:
                raise Failed("stepfn start: " + started.stderr)
        worker("a")
        # A claims them, runs them into their Wait, and hands them back to their timers.
        for name in ("p1", "p2"):
            until("worker a to park " + name, lambda: row(url, name) == "|f|RUNNING" and
                  psql(url, "SELECT lease_generation FROM stepfn.executions WHERE name = '%s'" % name) == "1")
            checks += 1
        workers["a"].send_signal(signal.SIGTERM)
        if workers["a"].wait(timeout=30) != 0:
            raise Failed("worker a exited with %d" % workers["a"].returncode)
        with open(os.path.join(work, "a.err")) as f:
            said = f.read()
        if " 2 parked" not in said:
            raise Failed("worker a did not report its two parked executions: " + said[-300:])
        checks += 1

        # B takes them when due, sends the task requests and hands them back to wait for their tokens.
        worker("b")
        for n in (1, 2):
            until("the task request of p%d" % n, lambda: tokens.get(n))
            until("worker b to park p%d on its token" % n, lambda: row(url, "p%d" % n) == "|t|RUNNING")
            checks += 1
        for n in (1, 2):
            if len(tokens[n]) != 1:
                raise Failed("p%d's task was sent %d times" % (n, len(tokens[n])))

        # The refusals, while they wait.
        unknown = command("send-task-success", "--store", url, "--task-token", "no-such-token", "--task-output", "{}")
        if unknown.returncode != 1 or "TaskDoesNotExist" not in unknown.stderr or "no-such-token" in unknown.stderr:
            raise Failed("an unknown token: exit %d, %s" % (unknown.returncode, unknown.stderr))
        not_json = command("send-task-success", "--store", url, "--task-token", tokens[1][0], "--task-output", "{oops")
        if not_json.returncode != 2 or tokens[1][0] in not_json.stderr:
            raise Failed("output that is not JSON: exit %d, %s" % (not_json.returncode, not_json.stderr))
        sqlite = command("send-task-success", "--store", os.path.join(work, "x.sqlite"), "--task-token", "t", "--task-output", "{}")
        if sqlite.returncode != 2 or "PostgreSQL" not in sqlite.stderr:
            raise Failed("an SQLite store: exit %d, %s" % (sqlite.returncode, sqlite.stderr))
        checks += 3

        # A heartbeat wakes p1, which takes it and waits again; then the outcomes.
        beat = command("send-task-heartbeat", "--store", url, "--task-token", tokens[1][0])
        if beat.returncode != 0 or beat.stdout:
            raise Failed("send-task-heartbeat: exit %d, %s%s" % (beat.returncode, beat.stdout, beat.stderr))
        until("p1 to take its heartbeat and wait again", lambda: psql(
            url, "SELECT count(*) FROM stepfn.inbox") == "0" and row(url, "p1") == "|t|RUNNING")
        ok = command("send-task-success", "--store", url, "--task-token", tokens[1][0], "--task-output", '{"ok":true}')
        failed = command("send-task-failure", "--store", url, "--task-token", tokens[2][0], "--error", "Nope", "--cause", "said no")
        for sent in (ok, failed):
            if sent.returncode != 0 or sent.stdout:
                raise Failed("sending an outcome: exit %d, %s%s" % (sent.returncode, sent.stdout, sent.stderr))
        until("p1 and p2 to end", lambda: psql(url, "SELECT count(*) FROM stepfn.executions WHERE status <> 'RUNNING'") == "2")
        checks += 2
        p1 = psql(url, "SELECT status, output FROM stepfn.executions WHERE name = 'p1'").split("|", 1)
        if p1[0] != "SUCCEEDED" or json.loads(p1[1]) != {"n": 1, "answer": {"ok": True}}:
            raise Failed("p1 ended %s" % p1)
        p2 = psql(url, "SELECT status, error, cause FROM stepfn.executions WHERE name = 'p2'").split("|")
        if p2 != ["FAILED", "Nope", "said no"]:
            raise Failed("p2 ended %s" % p2)
        again = command("send-task-success", "--store", url, "--task-token", tokens[1][0], "--task-output", "{}")
        if again.returncode != 1:
            raise Failed("a token whose task ended: exit %d, %s" % (again.returncode, again.stderr))
        checks += 3

        workers["b"].send_signal(signal.SIGTERM)
        if workers["b"].wait(timeout=30) != 0:
            raise Failed("worker b exited with %d" % workers["b"].returncode)
        with open(os.path.join(work, "b.out")) as f:
            ends = sorted(json.loads(line)["name"] for line in f)
        with open(os.path.join(work, "a.out")) as f:
            ends_a = f.read()
        if ends != ["p1", "p2"] or ends_a:
            raise Failed("ends reported by b: %s, by a: %r" % (ends, ends_a))
        for name in ("p1", "p2"):
            bodies = psql(url, "SELECT v.body FROM stepfn.events v JOIN stepfn.executions x ON x.created_order = v.execution"
                               " WHERE x.name = '%s' ORDER BY v.first_id" % name).splitlines()
            events = [e for body in bodies for e in json.loads(body)]
            ids = [e[0] for e in events]
            types = [e[2] for e in events]
            if ids != list(range(1, len(ids) + 1)):
                raise Failed("%s: event ids %s are not 1..n" % (name, ids))
            for once in ("WaitStateEntered", "WaitStateExited", "TaskScheduled", "TaskSubmitted"):
                if types.count(once) != 1:
                    raise Failed("%s: %d %s events in %s" % (name, types.count(once), once, types))
        checks += 3
        print("parked by a and b, finished by b; %d checks passed" % checks)
    finally:
        for w in workers.values():
            if w.poll() is None:
                w.kill()
                w.wait()
        server.shutdown()
        if os.environ.get("STEPFN_PARK_KEEP"):
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
