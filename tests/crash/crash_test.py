#!/usr/bin/env python3
"""The crash test (ctest `crash`): durable executions survive SIGKILL at random points.

A child process (stepfn_crash_child) runs 3 executions of crash_workflow.json (Tasks with Retry,
a Wait, a Choice, a Parallel, a Map, variables) on a SQLite store; its task invokers append one
record per call to a side file. This driver SIGKILLs the child at random points -- some right
after it starts, so that kills land in recovery and in the middle of commits -- and restarts it
on the same file, for each mode (at-least-once: in_flight_tasks::redispatch; at-most-once:
in_flight_tasks::fail), until the number of kills is reached; each life of the child checkpoints
with group_commit or every_transition, at random. When a child finishes before its
kill, that round is checked and a new round starts on a fresh store.

Before each restart the driver reads the store (`stepfn_crash_child --dump`): which task attempts
have a stored answer, and which the snapshot holds in flight; and writes a marker record into the
calls file, so every call is known to belong to one life of the child. Each round must show:

  * every execution ends as the uninterrupted reference run did (status and output);
  * its history has ids 1..n, each event's previousEventId earlier, ExecutionStarted first and
    one terminal event last; at-least-once: the same events as the reference (as a multiset, the
    branches may interleave differently); at-most-once: the same non-task events, and besides the
    reference's task events only interrupted attempts (Stepfn.TaskInterrupted) and their retries;
  * every call was of an attempt the stored history scheduled (a dispatch waits for its
    checkpoint), no attempt whose answer was stored before a restart was called after it, and
    no attempt was called twice in one life of the child;
  * at-most-once: no attempt was called twice; exactly the attempts in flight at a restart were
    failed with Stepfn.TaskInterrupted; at-least-once: an attempt called again was in flight at
    that restart, with the same request (same record) each time; no attempt was interrupted.

Across all rounds at least one attempt must have been sent again (at-least-once) and at least one
interrupted (at-most-once), or the kills did not exercise what this test is for.

  crash_test.py --child PATH --work DIR [--seed S] [--kills-per-mode N]   (default: 50 per mode)
  STEPFN_CRASH_SEED=S STEPFN_CRASH_KILLS=N ctest -R crash                  (the same through ctest)
"""
import argparse
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import time

RECORD = 256          # bytes per calls-file record (the child writes the same size)
EXECUTIONS = 3
TASK_EVENTS = {"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskSubmitted"}
TERMINAL = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}
INTERRUPTED = "Stepfn.TaskInterrupted"


class Failed(Exception):
    pass


def record(text):
    return text[:RECORD - 1].ljust(RECORD - 1) + "\n"


def run_dump(child, store):
    done = subprocess.run([child, "--store", store, "--dump"], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise Failed("--dump of %s failed (%d): %s" % (store, done.returncode, done.stderr))
    return {o["name"]: o for o in (json.loads(line) for line in done.stdout.splitlines() if line.strip())}


def lines_by_name(text):
    out = {}
    for line in text.splitlines():
        if line.strip():
            o = json.loads(line)
            out[o["name"]] = o
    return out


def attempts_of(execution):
    """Task attempts of one stored execution: key -> (state name, answer event or None)."""
    history = execution["history"]
    by_id = {e["id"]: e for e in history}
    answers = {}
    for e in history:
        if e["type"] in ("TaskSucceeded", "TaskFailed", "TaskTimedOut"):
            answers[e["prev"]] = e  # the answer follows its attempt's TaskStarted
    out = {}
    for e in history:
        if e["type"] != "TaskScheduled":
            continue
        retries, p, entered = 0, e["prev"], None
        while p:
            q = by_id[p]
            if q["type"] == "TaskStateEntered":
                entered = q
                break
            if q["type"] == "TaskScheduled":
                retries += 1
            p = q["prev"]
        if entered is None:
            raise Failed("%s: TaskScheduled #%d does not lead back to a TaskStateEntered" % (execution["name"], e["id"]))
        started = [s for s in history if s["type"] == "TaskStarted" and s["prev"] == e["id"]]
        answer = answers.get(started[0]["id"]) if started else None
        key = "%s/%d/%d" % (execution["arn"], entered["id"], retries)
        out[key] = (entered["details"]["name"], answer)
    return out


def answer_name(answer):
    if answer is None:
        return None
    if answer["type"] == "TaskSucceeded":
        return "ok"
    return answer["details"].get("error", answer["type"])


def event_signature(e):
    d = e["details"] if isinstance(e["details"], dict) else {}
    return (e["type"], d.get("name", ""), d.get("index", ""), d.get("error", ""))


def check_history(name, execution, reference, mode):
    h = execution["history"]
    where = "execution %s" % name
    if [e["id"] for e in h] != list(range(1, len(h) + 1)):
        raise Failed("%s: event ids are not 1..%d: %s" % (where, len(h), [e["id"] for e in h]))
    for e in h[1:]:
        if not (0 <= e["prev"] < e["id"]):
            raise Failed("%s: event #%d's previousEventId %d is not earlier" % (where, e["id"], e["prev"]))
    if h[0]["type"] != "ExecutionStarted":
        raise Failed("%s: the first event is %s" % (where, h[0]["type"]))
    terminals = [e for e in h if e["type"] in TERMINAL]
    if len(terminals) != 1 or terminals[0] is not h[-1]:
        raise Failed("%s: not exactly one terminal event, last: %s" % (where, [e["type"] for e in terminals]))
    got = collections.Counter(event_signature(e) for e in h)
    want = collections.Counter(event_signature(e) for e in reference["history"])
    if mode == "at-least-once":
        if got != want:
            raise Failed("%s: the events differ from the reference run's: extra %s, missing %s"
                         % (where, dict(got - want), dict(want - got)))
        return
    plain = lambda c: collections.Counter({k: v for k, v in c.items() if k[0] not in TASK_EVENTS})
    if plain(got) != plain(want):
        raise Failed("%s: the non-task events differ from the reference run's: extra %s, missing %s"
                     % (where, dict(plain(got) - plain(want)), dict(plain(want) - plain(got))))
    ok = lambda c: sum(v for k, v in c.items() if k[0] == "TaskSucceeded")
    if ok(got) != ok(want):
        raise Failed("%s: %d TaskSucceeded, the reference run has %d" % (where, ok(got), ok(want)))
    for key, (state, answer) in attempts_of(execution).items():
        if answer_name(answer) not in ("ok", "Flaky", INTERRUPTED):
            raise Failed("%s: attempt %s of %s ended with %s" % (where, key, state, answer_name(answer)))


def parse_calls(path):
    """The calls file as lives: a list (one per start of the child) of lists of (key, record)."""
    lives = []
    with open(path, "rb") as f:
        data = f.read()
    if len(data) % RECORD:
        raise Failed("the calls file %s is %d bytes, not whole records of %d: a torn write" % (path, len(data), RECORD))
    for i in range(0, len(data), RECORD):
        text = data[i:i + RECORD].decode()
        if not text.endswith("\n"):
            raise Failed("a torn record in %s at byte %d" % (path, i))
        text = text.rstrip()
        if text.startswith("# start "):
            lives.append([])
        elif not lives:
            raise Failed("a call before the first start marker in %s" % path)
        else:
            lives[-1].append((text.split(" ", 1)[0], text))
    return lives


class Round:
    def __init__(self, directory, mode):
        self.dir = directory
        self.mode = mode
        self.store = os.path.join(directory, "store.sqlite")
        self.calls = os.path.join(directory, "calls.txt")
        self.before = []   # per life: (answered keys, in-flight keys) read from the store before it
        self.kills = 0


def check_round(rnd, reference, final_output, child):
    mode = rnd.mode
    outputs = lines_by_name(final_output)
    for name, want in reference["outputs"].items():
        if outputs.get(name) != want:
            raise Failed("%s: the output of %s is %s, the uninterrupted run's is %s"
                         % (rnd.dir, name, json.dumps(outputs.get(name)), json.dumps(want)))
    stored = run_dump(child, rnd.store)
    attempts = {}
    for name, want in reference["executions"].items():
        if name not in stored:
            raise Failed("%s: the store has no %s" % (rnd.dir, name))
        check_history(name, stored[name], want, mode)
        attempts.update(attempts_of(stored[name]))
    lives = parse_calls(rnd.calls)
    if len(lives) != len(rnd.before):
        raise Failed("%s: %d start markers for %d starts" % (rnd.dir, len(lives), len(rnd.before)))
    first_record = {}
    called_in = collections.defaultdict(list)   # key -> lives it was called in
    resent = 0
    for n, (calls, (answered, in_flight)) in enumerate(zip(lives, rnd.before)):
        seen = set()
        if answered & in_flight:
            raise Failed("%s: before life %d the store holds attempts both answered and in flight: %s"
                         % (rnd.dir, n, sorted(answered & in_flight)))
        for key, text in calls:
            if key not in attempts:
                raise Failed("%s: life %d called %s, which the stored history never scheduled" % (rnd.dir, n, key))
            if key in seen:
                raise Failed("%s: life %d called %s twice" % (rnd.dir, n, key))
            seen.add(key)
            if key in answered:
                raise Failed("%s: life %d called %s, whose answer was stored before it started" % (rnd.dir, n, key))
            if key in first_record:
                if mode == "at-most-once":
                    raise Failed("%s: at most once, but %s was called in lives %s and %d"
                                 % (rnd.dir, key, called_in[key], n))
                if key not in in_flight:
                    raise Failed("%s: life %d called %s again, but it was not in flight when that life started"
                                 % (rnd.dir, n, key))
                if first_record[key] != text:
                    raise Failed("%s: %s was sent again with another request: %r vs %r" % (rnd.dir, key, text, first_record[key]))
                resent += 1
            else:
                first_record[key] = text
            called_in[key].append(n)
    ever_in_flight = set().union(*(f for _, f in rnd.before)) if rnd.before else set()
    interrupted = {k for k, (_, a) in attempts.items() if answer_name(a) == INTERRUPTED}
    for key, (state, answer) in attempts.items():
        name = answer_name(answer)
        if name is None:
            raise Failed("%s: attempt %s of %s has no answer in the ended history" % (rnd.dir, key, state))
        if name != INTERRUPTED and key not in first_record:
            raise Failed("%s: attempt %s of %s was answered (%s) but never called" % (rnd.dir, key, state, name))
    if mode == "at-most-once":
        if interrupted != ever_in_flight:
            raise Failed("%s: attempts in flight at a restart %s, attempts failed with %s %s"
                         % (rnd.dir, sorted(ever_in_flight), INTERRUPTED, sorted(interrupted)))
    elif interrupted:
        raise Failed("%s: at least once, but %s failed with %s" % (rnd.dir, sorted(interrupted), INTERRUPTED))
    return resent, len(interrupted), len(first_record)


def state_before(child, rnd):
    stored = run_dump(child, rnd.store) if os.path.exists(rnd.store) else {}
    answered, in_flight = set(), set()
    for execution in stored.values():
        for key, (_, answer) in attempts_of(execution).items():
            if answer is not None:
                answered.add(key)
        in_flight.update(execution["inflight"])
    return answered, in_flight


def start_child(args, rnd, seed, checkpoints):
    life = len(rnd.before)
    rnd.before.append(state_before(args.child, rnd))
    with open(rnd.calls, "ab") as f:
        f.write(record("# start %d" % life).encode())
    out = open(os.path.join(rnd.dir, "life-%d.out" % life), "w")
    err = open(os.path.join(rnd.dir, "life-%d.err" % life), "w")
    command = [args.child, "--store", rnd.store, "--calls", rnd.calls, "--mode", rnd.mode,
               "--executions", str(EXECUTIONS), "--seed", str(seed), "--checkpoints", checkpoints]
    proc = subprocess.Popen(command, stdout=out, stderr=err)
    out.close()
    err.close()
    return proc, command


def finished(rnd, proc, command):
    life = len(rnd.before) - 1
    with open(os.path.join(rnd.dir, "life-%d.out" % life)) as f:
        output = f.read()
    if proc.returncode != 0:
        with open(os.path.join(rnd.dir, "life-%d.err" % life)) as f:
            raise Failed("%s: the child exited with %d: %s\n%s" % (rnd.dir, proc.returncode, " ".join(command), f.read()))
    return output


def reference_run(args):
    rnd = Round(os.path.join(args.work, "reference"), "at-least-once")
    os.makedirs(rnd.dir)
    t0 = time.monotonic()
    proc, command = start_child(args, rnd, 1, "group")
    proc.wait(timeout=120)
    duration = time.monotonic() - t0
    output = finished(rnd, proc, command)
    outputs = lines_by_name(output)
    stored = run_dump(args.child, rnd.store)
    if sorted(outputs) != ["x-%d" % i for i in range(EXECUTIONS)] or any(o["status"] != "SUCCEEDED" for o in outputs.values()):
        raise Failed("the uninterrupted run did not succeed: %s" % output)
    return {"outputs": outputs, "executions": stored, "duration": duration}


def run_mode(args, mode, reference, rng):
    kills, rounds = 0, 0
    resent = interrupted = attempts = 0
    horizon = reference["duration"]
    while kills < args.kills_per_mode:
        rnd = Round(os.path.join(args.work, "%s-%d" % (mode, rounds)), mode)
        os.makedirs(rnd.dir)
        rounds += 1
        while True:
            checkpoints = rng.choice(["group", "every"])
            proc, command = start_child(args, rnd, rng.randrange(1 << 30), checkpoints)
            if kills >= args.kills_per_mode:
                try:
                    proc.wait(timeout=300)   # after the last kill: let it finish
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    raise Failed("%s: after the last kill the child did not finish within 300 s" % rnd.dir)
                break
            # A quarter of the kills land within 50 ms of the start (opening the store,
            # recovering, the first commits); the others anywhere in an uninterrupted run's time.
            delay = rng.uniform(0, 0.05) if rng.random() < 0.25 else rng.uniform(0, horizon)
            try:
                proc.wait(timeout=delay)
                break                      # it finished before its kill: the round is over
            except subprocess.TimeoutExpired:
                proc.kill()                # SIGKILL
                proc.wait()
                if proc.returncode == 0:
                    break                  # it finished just before the kill
                if proc.returncode != -9:
                    raise Failed("%s: the child ended with %s, not by the SIGKILL" % (rnd.dir, proc.returncode))
                kills += 1
                rnd.kills += 1
        output = finished(rnd, proc, command)
        r, i, a = check_round(rnd, reference, output, args.child)
        resent, interrupted, attempts = resent + r, interrupted + i, attempts + a
        print("  %s round %d: %d kills, %d lives, %d attempts called, %d sent again, %d interrupted"
              % (mode, rounds - 1, rnd.kills, len(rnd.before), a, r, i), flush=True)
    return kills, rounds, resent, interrupted, attempts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", required=True)
    parser.add_argument("--work", required=True)
    # Through ctest: STEPFN_CRASH_SEED=S and STEPFN_CRASH_KILLS=N in the environment.
    parser.add_argument("--seed", type=int, default=os.environ.get("STEPFN_CRASH_SEED") or None)
    parser.add_argument("--kills-per-mode", type=int, default=int(os.environ.get("STEPFN_CRASH_KILLS") or 50))
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print("crash test: seed %d (again: STEPFN_CRASH_SEED=%d ctest -R crash, or --seed %d), %d kills per mode"
          % (seed, seed, seed, args.kills_per_mode), flush=True)
    rng = random.Random(seed)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    started = time.monotonic()
    try:
        reference = reference_run(args)
        print("  reference run: %.2f s" % reference["duration"], flush=True)
        totals = {}
        for mode in ("at-least-once", "at-most-once"):
            totals[mode] = run_mode(args, mode, reference, rng)
        (k1, r1, resent, _, a1), (k2, r2, _, interrupted, a2) = totals["at-least-once"], totals["at-most-once"]
        print("crash test: at-least-once: %d kills in %d rounds, %d attempts called, %d sent again after a restart"
              % (k1, r1, a1, resent))
        print("crash test: at-most-once: %d kills in %d rounds, %d attempts called, %d interrupted (Stepfn.TaskInterrupted)"
              % (k2, r2, a2, interrupted))
        if resent == 0:
            raise Failed("at least once: no attempt was in flight at a kill and sent again; the kills did not exercise it")
        if interrupted == 0:
            raise Failed("at most once: no attempt was in flight at a kill; the kills did not exercise it")
    except Failed as e:
        print("crash test FAILED (seed %d): %s" % (seed, e))
        print("the rounds are kept in %s" % args.work)
        return 1
    print("crash test passed in %.1f s (seed %d)" % (time.monotonic() - started, seed))
    shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
