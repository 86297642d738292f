#!/usr/bin/env python3
"""The workers' fault test (ctest `workers_fault`, label `faults`): executions shared by three
`stepfn worker` processes on one PostgreSQL survive a worker killed and another paused.

In a database of its own, three workers (leases of 2 s, in-flight tasks redispatched: at least
once, executions handed back while they wait more than 200 ms) run N executions (default 1,000) of fault_workflow.json: a Task, a 1 s Wait, a Map of
1-3 Tasks, a Task. The tasks are answered by a small HTTP service here that records every call
(execution, state, attempt, input). While they run, one worker is SIGKILLed and another
SIGSTOPped for three leases' time, then resumed; at the end the two left get SIGTERM.

Must hold:
  * every execution SUCCEEDED with the output of a single-process `stepfn run`;
  * its history has ids 1..n (the store refuses gaps), one ExecutionStarted and one
    ExecutionSucceeded, and the same events as the single-process run (as a multiset: Map
    iterations interleave differently);
  * every execution was reported ended by exactly one worker, and never by the paused one for
    an execution that was taken from it;
  * every task was called; one called more than once (at least once: redispatched after a
    takeover) belongs to an execution that changed hands (its lease generation > 1);
  * the paused worker's stale writes were refused (counted, and more than none);
  * executions were parked in their Wait and finished from the store (counted, more than none).

  fault_test.py --stepfn PATH --url URL [--executions N] [--seed S]
"""
import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from pg_support import Failed, psql, serve_posts, with_dbname

HERE = os.path.dirname(os.path.abspath(__file__))
WORKFLOW = os.path.join(HERE, "fault_workflow.json")
MOCKS = os.path.join(HERE, "fault_mocks.json")
LEASE_SECONDS = 2
PARK_AFTER_MS = 200  # below the Wait's second: executions are handed back while they wait
ANSWERS = {"Charge": {"charged": True}, "Process": {"done": True}, "Ship": {"tracking": "1Z"}}


class Calls:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_key = collections.Counter()

    def add(self, key):
        with self.lock:
            self.by_key[key] += 1


def serve_tasks(calls):
    def answer(headers, body):
        state = headers.get("Stepfn-State-Name", "")
        calls.add((headers.get("Stepfn-Execution-Arn", ""), state, body.decode()))
        return json.dumps(ANSWERS.get(state, {})).encode()

    return serve_posts(answer)


def input_of(i):
    return {"n": i, "items": list(range(i % 3 + 1))}


def reference(stepfn, i):
    """Output and event types of a single-process run (mocked tasks answer as the service does)."""
    out = subprocess.run([stepfn, "run", WORKFLOW, "--virtual-time", "--mock-config", MOCKS, "--test-case", "Happy",
                          "--input", json.dumps(input_of(i)), "--history", "/dev/stdout"],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    events = [json.loads(line) for line in out[:-1]]
    return json.loads(out[-1])["output"], collections.Counter(e["type"] for e in events)


def start_all(stepfn, url, n):
    """`stepfn start` for every execution, eight at a time."""
    pending = list(range(n))
    running = []
    while pending or running:
        while pending and len(running) < 8:
            i = pending.pop()
            running.append(subprocess.Popen([stepfn, "start", "--store", url, WORKFLOW, "--name", "e%d" % i,
                                             "--input", json.dumps(input_of(i))],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        still = []
        for p in running:
            if p.poll() is None:
                still.append(p)
            elif p.returncode != 0:
                raise Failed("stepfn start failed: " + p.stderr.read())
        running = still
        time.sleep(0.005)


def ended_count(url):
    return int(psql(url, "SELECT count(*) FROM stepfn.executions WHERE status <> 'RUNNING'").strip() or 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stepfn", required=True)
    parser.add_argument("--url", default=os.environ.get("STEPFN_TEST_POSTGRES"))
    parser.add_argument("--executions", type=int, default=int(os.environ.get("STEPFN_FAULT_EXECUTIONS", "1000")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("STEPFN_FAULT_SEED", str(random.randrange(1 << 30)))))
    args = parser.parse_args()
    if not args.url:
        print("workers fault test skipped: STEPFN_TEST_POSTGRES is not set (eval \"$(tools/ci/postgres.sh start)\")")
        return 77
    rng = random.Random(args.seed)
    print("seed %d, %d executions" % (args.seed, args.executions))

    database = "fault_%d_%d" % (os.getpid(), args.seed)
    psql(args.url, "CREATE DATABASE %s" % database)
    url = with_dbname(args.url, database)
    calls = Calls()
    server = serve_tasks(calls)
    work = tempfile.mkdtemp(prefix="stepfn-fault-")
    invokers = os.path.join(work, "invokers.json")
    endpoint = {"http": {"url": "http://127.0.0.1:%d/" % server.server_address[1], "timeoutSeconds": 30}}
    with open(invokers, "w") as f:
        json.dump({"arn:aws:lambda:us-east-1:123456789012:function:" + name: endpoint for name in ("charge", "process", "ship")}, f)
    workers = []
    try:
        # The schema first (one migration), then the executions, then the workers.
        start_all(args.stepfn, url, 1)
        start_all(args.stepfn, url, args.executions)
        for w in range(3):
            out = open(os.path.join(work, "w%d.out" % w), "w")
            err = open(os.path.join(work, "w%d.err" % w), "w")
            workers.append(subprocess.Popen([args.stepfn, "worker", "--store", url, "--name", "w%d" % w, "--invokers", invokers,
                                             "--lease-seconds", str(LEASE_SECONDS), "--in-flight-tasks", "redispatch",
                                             "--concurrency", "500", "--park-after-ms", str(PARK_AFTER_MS)], stdout=out, stderr=err))
        # Faults once a tenth of the executions ended: w0 killed, w1 paused past its leases.
        deadline = time.time() + float(os.environ.get("STEPFN_FAULT_TIMEOUT", "300"))
        while ended_count(url) < args.executions // 10:
            if time.time() > deadline:
                raise Failed("no progress: %d ended" % ended_count(url))
            time.sleep(0.05)
        time.sleep(rng.random() * 0.5)
        workers[0].send_signal(signal.SIGKILL)
        workers[1].send_signal(signal.SIGSTOP)
        print("w0 SIGKILLed, w1 SIGSTOPped at %d ended" % ended_count(url))
        time.sleep(3 * LEASE_SECONDS)
        workers[1].send_signal(signal.SIGCONT)
        print("w1 resumed at %d ended" % ended_count(url))
        while ended_count(url) < args.executions:
            if time.time() > deadline:
                raise Failed("only %d of %d executions ended in time" % (ended_count(url), args.executions))
            time.sleep(0.1)
        for w in workers[1:]:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(timeout=60)
        for w in workers[1:]:
            if w.returncode != 0:
                raise Failed("a worker exited with %d" % w.returncode)
        check(args, url, work, calls)
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
        server.shutdown()
        if os.environ.get("STEPFN_FAULT_KEEP"):
            print("kept the database %s and %s" % (database, work))
        else:
            psql(args.url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
            shutil.rmtree(work, ignore_errors=True)
    return 0


def check(args, url, work, calls):
    references = {k: reference(args.stepfn, k) for k in range(3)}
    rows = psql(url, "SELECT name, status, output, lease_generation FROM stepfn.executions").splitlines()
    if len(rows) != args.executions:
        raise Failed("%d executions stored, not %d" % (len(rows), args.executions))
    generation = {}
    for row in rows:
        name, status, output, gen = row.split("|", 3) if row.count("|") == 3 else (None,) * 4
        if name is None:
            raise Failed("unreadable row " + row[:200])
        i = int(name[1:])
        expected, _ = references[i % 3]
        expected = dict(expected, n=i)
        if status != "SUCCEEDED" or json.loads(output) != expected:
            raise Failed("%s ended %s with %s, not SUCCEEDED with %s" % (name, status, output[:200], json.dumps(expected)))
        generation[name] = int(gen)

    # Histories: the store keeps ids 1..n contiguous; the events are the reference's. Read
    # straight from the events table (a checkpoint's events per row: [id, previous, type, ...]),
    # which `stepfn history` reads the same way, in one query rather than 1,000 processes.
    rows = psql(url, "SELECT x.name, v.body FROM stepfn.events v JOIN stepfn.executions x ON x.created_order = v.execution"
                     " ORDER BY x.name, v.first_id").splitlines()
    histories = collections.defaultdict(list)
    for row in rows:
        name, body = row.split("|", 1)
        histories[name].extend(json.loads(body))
    for i in range(args.executions):
        events = histories.get("e%d" % i, [])
        ids = [e[0] for e in events]
        if ids != list(range(1, len(ids) + 1)):
            raise Failed("e%d: event ids %s are not 1..n" % (i, ids[:50]))
        types = collections.Counter(e[2] for e in events)
        if types != references[i % 3][1]:
            raise Failed("e%d: events %s, not the single-process run's %s" % (i, dict(types), dict(references[i % 3][1])))

    # Ends: reported once, by one worker.
    reported = collections.Counter()
    for w in range(3):
        with open(os.path.join(work, "w%d.out" % w)) as f:
            for line in f:
                ended = json.loads(line)
                if ended["status"] != "SUCCEEDED":
                    raise Failed("w%d reported %s" % (w, line.strip()[:300]))
                reported[ended["name"]] += 1
    twice = [n for n, c in reported.items() if c > 1]
    if twice:
        lines = []
        for w in range(3):
            with open(os.path.join(work, "w%d.out" % w)) as f:
                lines += ["w%d: %s" % (w, line.strip()[:160]) for line in f if json.loads(line)["name"] in twice[:3]]
        raise Failed("executions reported ended by more than one worker: %s\n%s" % (twice[:10], "\n".join(lines)))
    missing = args.executions - len(reported)
    # The killed worker may have died between storing an end and printing it.
    print("%d ends reported by the workers, %d not (ended by w0 just before its SIGKILL)" % (len(reported), missing))

    # Task calls: all made; a repeated one only where the execution changed hands.
    repeats = [(k, c) for k, c in calls.by_key.items() if c > 1]
    for (arn, state, body), count in repeats:
        if generation[arn.rsplit(":", 1)[1]] <= 1:
            raise Failed("%s %s %s called %d times, yet the execution never changed hands" % (arn, state, body, count))
    expected_calls = sum(2 + (i % 3 + 1) for i in range(args.executions))
    if len(calls.by_key) != expected_calls:
        raise Failed("%d distinct task calls, not %d" % (len(calls.by_key), expected_calls))
    taken = sum(1 for g in generation.values() if g > 1)

    with open(os.path.join(work, "w1.err")) as f:
        stopping = [line for line in f if "stale write(s) refused" in line]
    if not stopping:
        raise Failed("the paused worker did not report its refused writes")
    refused = int(re.search(r"(\d+) stale write\(s\) refused", stopping[-1]).group(1))
    parked = 0
    for w in (1, 2):
        with open(os.path.join(work, "w%d.err" % w)) as f:
            said = [line for line in f if " parked" in line]
        if said:
            parked += int(re.search(r"(\d+) parked", said[-1]).group(1))
    print("%d executions parked in their Wait by w1 and w2 (and resumed by whichever worker claimed them when due)" % parked)
    if parked == 0:
        raise Failed("no execution was parked: the Waits did not exercise handing back")
    print("%d executions changed hands; %d task calls repeated (at least once); the paused worker's stale writes refused: %d"
          % (taken, len(repeats), refused))
    if refused == 0:
        raise Failed("the paused worker wrote nothing stale: the pause did not exercise fencing")
    if taken == 0:
        raise Failed("no execution changed hands: the faults did not exercise takeover")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        print("FAILED: %s" % e)
        sys.exit(1)
