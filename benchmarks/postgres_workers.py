#!/usr/bin/env python3
"""Throughput of `stepfn worker` processes sharing one PostgreSQL (docs/store-postgres.md).

For 1, 2 and 3 workers, in a fresh database each time: N executions of
definitions/five_states.json (Pass, Choice, Pass, Task, Succeed; the Task mocked) are stored
with `stepfn start`, then the workers are started and the clock runs until the last one has
ended. Reports executions/s and checkpointed transitions/s (a transition: a state entered
and left, each made durable before what follows it; five per execution). Then the latency of
a timer: WaitStateExited's timestamp minus WaitStateEntered's minus the Wait, p50 and p99, for
a 1 s Wait its worker holds and a 3 s Wait it parks (hands back, and a worker claims it when
due and resumes it from the store).

  postgres_workers.py --stepfn PATH [--url URL] [--executions N]   (URL: STEPFN_TEST_POSTGRES)
Reports figures only; asserts nothing about time.
"""
import argparse
import re
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIVE = os.path.join(HERE, "definitions", "five_states.json")


def psql(url, sql):
    return subprocess.run(["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True,
                          text=True).stdout


def with_dbname(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def start_all(stepfn, url, definition, n, prefix):
    pending, running = list(range(n)), []
    while pending or running:
        while pending and len(running) < 8:
            i = pending.pop()
            running.append(subprocess.Popen([stepfn, "start", "--store", url, definition, "--name", "%s%d" % (prefix, i),
                                             "--input", json.dumps({"amount": i})],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        running = [p for p in running if p.poll() is None]
        time.sleep(0.002)


def run(stepfn, base_url, definition, mocks, n, workers, prefix, machine, extra=()):
    database = "bench_%d_%d" % (os.getpid(), workers)
    psql(base_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
    psql(base_url, "CREATE DATABASE %s" % database)
    url = with_dbname(base_url, database)
    try:
        start_all(stepfn, url, definition, n, prefix)
        t0 = time.time()
        procs = [subprocess.Popen([stepfn, "worker", "--store", url, "--name", "b%d" % w, "--concurrency", "256",
                                   "--mock-config", mocks, "--test-case", "Bench", "--state-machine", machine] + list(extra),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for w in range(workers)]
        while int(psql(url, "SELECT count(*) FROM stepfn.executions WHERE status = 'RUNNING'").strip()) > 0:
            for p in procs:
                if p.poll() is not None:
                    raise SystemExit("a worker exited: " + p.stderr.read().decode())
            time.sleep(0.01)
        elapsed = time.time() - t0
        for p in procs:
            p.terminate()
        said = [p.communicate(timeout=60)[1].decode() for p in procs]
        parked = sum(int(m) for text in said for m in re.findall(r"(\d+) parked", text))
        return elapsed, url, database, parked
    except BaseException:
        psql(base_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
        raise


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stepfn", required=True)
    parser.add_argument("--url", default=os.environ.get("STEPFN_TEST_POSTGRES"))
    parser.add_argument("--executions", type=int, default=2000)
    args = parser.parse_args()
    if not args.url:
        print("needs --url or STEPFN_TEST_POSTGRES (eval \"$(tools/ci/postgres.sh start)\")")
        return 2
    work = tempfile.mkdtemp(prefix="stepfn-bench-")
    mocks = os.path.join(work, "mocks.json")
    # The Task of five_states.json, whatever its name, answered by the mock.
    definition = json.load(open(FIVE))
    task = [k for k, v in definition["States"].items() if v["Type"] == "Task"][0]
    with open(mocks, "w") as f:
        json.dump({"StateMachines": {"five_states": {"TestCases": {"Bench": {task: "ok"}}},
                                     "wait_one": {"TestCases": {"Bench": {}}}},
                   "MockedResponses": {"ok": {"0-1000000": {"Return": {"ok": True}}}}}, f)

    print("| workers | executions | seconds | executions/s | checkpointed transitions/s |")
    print("|---|---|---|---|---|")
    for workers in (1, 2, 3):
        elapsed, _, database, _ = run(args.stepfn, args.url, FIVE, mocks, args.executions, workers, "e", "five_states")
        psql(args.url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
        print("| %d | %d | %.2f | %.0f | %.0f |" % (workers, args.executions, elapsed, args.executions / elapsed,
                                                  5 * args.executions / elapsed))
        sys.stdout.flush()

    # Timer latency, 200 executions on 2 workers: a 1 s Wait, which a worker holds (it is not
    # more than --park-after-ms, 1 s, away), and a 3 s Wait, which it parks: the execution is
    # handed back and the worker that claims it when due resumes it from the store.
    print("\n| timer (200 executions, 2 workers) | parked | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    for seconds, label in ((1, "1 s Wait, held by its worker"), (3, "3 s Wait, parked and claimed when due")):
        machine = "wait_%d" % seconds
        wait_def = os.path.join(work, machine + ".json")
        with open(wait_def, "w") as f:
            json.dump({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": seconds, "End": True}}}, f)
        with open(mocks) as f:
            config = json.load(f)
        config["StateMachines"][machine] = {"TestCases": {"Bench": {}}}
        with open(mocks, "w") as f:
            json.dump(config, f)
        _, url, database, parked = run(args.stepfn, args.url, wait_def, mocks, 200, 2, "w", machine)
        lags = []
        try:
            for i in range(200):
                out = subprocess.run([args.stepfn, "history", "--store", url, "w%d" % i], check=True, capture_output=True,
                                     text=True).stdout.splitlines()
                events = {e["type"]: e["timestamp"] for e in map(json.loads, out)}
                def ms(ts):
                    return time.mktime(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(ts[20:23])
                lags.append(ms(events["WaitStateExited"]) - ms(events["WaitStateEntered"]) - 1000 * seconds)
        finally:
            psql(args.url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
        lags.sort()
        print("| %s | %d | %d | %d | %d |" % (label, parked, lags[len(lags) // 2], lags[int(len(lags) * 0.99) - 1], lags[-1]))
        sys.stdout.flush()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
