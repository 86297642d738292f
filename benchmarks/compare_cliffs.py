"""Issue 21's workloads side by side (python3 benchmarks/compare.py --cliffs).

stepfn_bench_cliffs (cliffs_bench.cpp) and the peer (peer_cliffs.mjs) run in turns, `rounds`
times; every figure is the median. Each ratio is given on wall-clock time and on CPU time: on a
machine shared with other work the wall clock of both sides stretches unevenly, CPU time much
less. The targets printed at the end are the issue's.
"""
import json
import os
import subprocess
import sys

from compare import human, median  # compare.py puts this folder on sys.path before importing us

LARGE = (("Pass with Result", "large_result", 0), ("Pass with Parameters", "large_parameters", 1), ("Task", "large_task", 2))
GROWING_STATES = (100, 200, 400, 800)
BLOBS = (250, 1024)
EXECUTORS = ((0, "manual executor"), (1, "pool, 1 thread"), (2, "pool, 2 threads"))


def ours_rounds(binary, seconds):
    out = subprocess.run([binary, f"--benchmark_min_time={seconds}", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    figures = {}
    for b in json.loads(out)["benchmarks"]:
        if "error_occurred" in b:
            print(f"stepfn_bench_cliffs: {b['name']}: {b.get('error_message')}", file=sys.stderr)
            continue
        name = b["name"].replace("/real_time", "").replace("/process_time", "")
        # Items per wall second, and per CPU second (real_time and cpu_time share one unit).
        figures[name] = (b["items_per_second"], b["items_per_second"] * b["real_time"] / b["cpu_time"])
    return figures


def run(args, build, install_peer, here):
    if not args.no_build:
        build(args.build_dir, ("stepfn_bench_cliffs",))
    install_peer(args.peer_dir)
    binary = os.path.join(args.build_dir, "benchmarks", "stepfn_bench_cliffs")
    definitions = os.path.join(here, "definitions")
    ours, peer_wall, peer_cpu = {}, {}, {}
    for round_no in range(args.rounds):
        print(f"round {round_no + 1}/{args.rounds}", file=sys.stderr, flush=True)
        for name, figure in ours_rounds(binary, args.seconds).items():
            ours.setdefault(name, []).append(figure)
        out = subprocess.run(["node", os.path.join(here, "peer_cliffs.mjs"), args.peer_dir, definitions, str(args.seconds)],
                             check=True, capture_output=True, text=True).stdout
        figures = json.loads(out)
        for name, rate in figures["wall"].items():
            peer_wall.setdefault(name, []).append(rate)
        for name, rate in figures["cpu"].items():
            peer_cpu.setdefault(name, []).append(rate)

    def wall(name):
        return median([f[0] for f in ours.get(name, [])])

    def cpu(name):
        return median([f[1] for f in ours.get(name, [])])

    targets = []

    def side_by_side(label, name, peer_name):
        a, b = wall(name), median(peer_wall.get(peer_name, []))
        ac, bc = cpu(name), median(peer_cpu.get(peer_name, []))
        print(f"| {label} | {human(a)} | {human(b)} | {a / b:.1f}x | {ac / bc:.1f}x |")
        targets.append((f">= 50x the peer: {label}", f"{a / b:.1f}x (CPU {ac / bc:.1f}x)", min(a / b, ac / bc) >= 50))

    print(f"\n## Issue 21 workloads, side by side (median of {args.rounds} rounds)\n")
    print("| workload | stepfn | aws-local-stepfunctions | ratio, wall | ratio, CPU |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, peer_name, variant in LARGE:
        side_by_side(f"200 KiB, 100 states: {label} (states/s)", f"large/variant:{variant}/history:0", peer_name)
    for states in GROWING_STATES:
        for blob in BLOBS:
            side_by_side(f"{states} states each adding {blob} B (states/s)", f"growing/states:{states}/blob:{blob}/history:0",
                         f"growing_{states}_{blob}")
    side_by_side("Parallel of 50 branches, manual executor (branches/s)", "parallel_50/threads:0/history:0", "parallel_50")
    side_by_side("Map of 100,000 items, MaxConcurrency 10, manual executor (items/s)", "map_10/threads:0/history:0", "map_10")
    side_by_side("Parallel of 50 Tasks of ~20 µs of CPU, manual executor (branches/s)", "parallel_50_work/threads:0/history:0",
                 "parallel_50_work")
    side_by_side("Map of 10,000 Tasks of ~5 µs of CPU, MaxConcurrency 10, manual executor (items/s)",
                 "map_work/threads:0/history:0", "map_work")

    print("\n## Cost per state against payload size (microseconds per state, no history)\n")
    print("| workload | engine | hand-written, moving JSON | engine / hand-written |")
    print("| --- | ---: | ---: | ---: |")
    for label, _, variant in LARGE:
        engine, baseline = 1e6 / wall(f"large/variant:{variant}/history:0"), 1e6 / wall(f"baseline_large/variant:{variant}")
        print(f"| 200 KiB: {label} | {engine:.2f} | {baseline:.3f} | {engine / baseline:.1f}x |")
        targets.append((f"200 KiB {label} within 3x the hand-written loop", f"{engine / baseline:.1f}x", engine / baseline <= 3))

    print("\n## A state that grows as it runs (microseconds per state)\n")
    print("| states | 250 B each | 1 KiB each | 250 B, with history | 1 KiB, with history |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for states in GROWING_STATES:
        cells = [1e6 / wall(f"growing/states:{states}/blob:{blob}/history:{h}") for h in (0, 1) for blob in BLOBS]
        print(f"| {states} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
    for blob in BLOBS:
        first = 1e6 / wall(f"growing/states:100/blob:{blob}/history:0")
        last = 1e6 / wall(f"growing/states:800/blob:{blob}/history:0")
        # Linear in the number of states: the cost of one state at 800 stays near its cost at 100.
        targets.append((f"growing by {blob} B: cost per state at 800 states vs 100 (linear: near 1x)",
                        f"{last / first:.2f}x", last / first <= 1.5))

    print("\n## Fan-out on executors (items/s; CPU = items per second of the process's CPU time)\n")
    print("| workload | executor | items/s | items/CPU s | with history |")
    print("| --- | --- | ---: | ---: | ---: |")
    for label, bench in (("Parallel of 50 branches", "parallel_50"), ("Map of 100,000, MaxConcurrency 10", "map_10"),
                         ("Parallel of 50 Tasks of ~20 µs", "parallel_50_work"),
                         ("Map of 10,000 Tasks of ~5 µs, MaxConcurrency 10", "map_work")):
        for threads, executor in EXECUTORS:
            base = f"{bench}/threads:{threads}"
            print(f"| {label} | {executor} | {human(wall(base + '/history:0'))} | {human(cpu(base + '/history:0'))} "
                  f"| {human(wall(base + '/history:1'))} |")
        one, two, manual = (wall(f"{bench}/threads:{t}/history:0") for t in (1, 2, 0))
        targets.append((f"{label}: 2 threads >= 1.6x one thread", f"{two / one:.2f}x", two / one >= 1.6))
        targets.append((f"{label}: 2 threads never slower than the manual executor", f"{two / manual:.2f}x", two >= manual))
    for h in (0, 1):
        print(f"\n100,000 task tokens completed from another thread{' (with history)' if h else ''}: "
              f"{human(wall(f'callbacks/tokens:100000/history:{h}'))} tokens/s "
              f"({human(cpu(f'callbacks/tokens:100000/history:{h}'))} per CPU second); "
              "the peer has no task tokens for local handlers.")

    print("\n## Targets (issue 21)\n")
    print("| target | figure | met |")
    print("| --- | --- | --- |")
    for label, figure, met in targets:
        print(f"| {label} | {figure} | {'yes' if met else 'NO'} |")
