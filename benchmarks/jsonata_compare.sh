#!/usr/bin/env bash
# Side by side: JSONata expressions per second of CPU time, stepfn against the reference implementation
# (npm jsonata 2.0.6, the version AWS Step Functions runs), on the same corpus cases.
#
#   benchmarks/jsonata_compare.sh [BUILD_DIR] [SECONDS_PER_CLASS]
#
# Builds stepfn_jsonata_bench in Release (BUILD_DIR, default build/benchmark), installs the
# pinned reference into BUILD_DIR/jsonata-oracle with npm ci, writes the reference's expected
# results (so both sides time the cases the reference gives a value for), runs both, and prints
# the figures per class of expression with the ratio: stepfn as it runs (constant expressions
# computed once at compile time) and with --no-fold (every expression evaluated every time, as
# the reference does).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build/benchmark}
seconds=${2:-1}
corpus=$root/tests/jsonata/corpus
documents=$root/tests/jsonata/documents
oracle=$build/jsonata-oracle

for tool in node npm cmake python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found (tools/setup-deps.sh installs it)" >&2; exit 1; }
done
if [ ! -f "$root/include/stepfn/expressions/jsonata.hpp" ]; then
    echo "error: this tree has no JSONata evaluator yet (include/stepfn/expressions/jsonata.hpp)" >&2
    exit 1
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSTEPFN_BUILD_BENCHMARKS=ON \
        -DSTEPFN_BUILD_TESTS=OFF -DSTEPFN_BUILD_EXAMPLES=OFF -DSTEPFN_BUILD_TOOLS=OFF >&2
fi
cmake --build "$build" --target stepfn_jsonata_bench >&2

mkdir -p "$oracle"
cp "$root/tests/jsonata/package.json" "$root/tests/jsonata/package-lock.json" "$root/tests/jsonata/oracle.js" \
   "$root/tests/jsonata/bench.js" "$oracle/"
if [ ! -f "$oracle/node_modules/jsonata/package.json" ]; then
    (cd "$oracle" && npm ci --no-audit --no-fund >&2)
fi
node "$oracle/oracle.js" "$oracle/expected.jsonl" --corpus "$corpus" --documents "$documents" >&2

ref=$(node "$oracle/bench.js" --json --min-time "$seconds" --corpus "$corpus" --documents "$documents")
ours=$("$build/benchmarks/stepfn_jsonata_bench" "$corpus" "$documents" "$oracle/expected.jsonl" --json --min-time "$seconds")
unfolded=$("$build/benchmarks/stepfn_jsonata_bench" "$corpus" "$documents" "$oracle/expected.jsonl" --json --min-time "$seconds" --no-fold)

python3 - "$ref" "$ours" "$unfolded" <<'PY'
import json, sys
ref, ours, unfolded = (json.loads(a) for a in sys.argv[1:4])
def human(rate):
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if rate >= scale:
            return f"{rate / scale:.2f} {unit}"
    return f"{rate:.1f}"
def ratio(o, r):
    return f"{o['per_second'] / r['per_second']:.1f}x" if r["per_second"] else "nan"
print("| class | cases (ref / stepfn) | jsonata 2.0.6 (evals/s) | stepfn (evals/s) | ratio | stepfn --no-fold | ratio |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for group in sorted(set(ref) | set(ours), key=lambda g: (g == "all", g)):
    r, o, u = ref.get(group), ours.get(group), unfolded.get(group)
    if not r or not o or not u:
        continue
    print(f"| {group} | {r['cases']} / {o['cases']} | {human(r['per_second'])} | {human(o['per_second'])} | {ratio(o, r)} "
          f"| {human(u['per_second'])} | {ratio(u, r)} |")
PY
