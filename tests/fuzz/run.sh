#!/usr/bin/env bash
# Runs every fuzzer of a build for a while, two at a time, and fails if any finds a crash,
# a leak, a sanitizer report or a timeout (a hang). Used by .ci/run; see docs/fuzzing.md.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_EACH=45] [PARALLEL=2]
# Before fuzzing, each fuzzer replays its saved regressions (tests/fuzz/regressions/NAME/).
set -u
build=${1:?usage: run.sh BUILD_DIR [SECONDS_EACH] [PARALLEL]}
seconds=${2:-45}
parallel=${3:-2}
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
corpus=$build/fuzz-corpus
work=$build/fuzz-work
mkdir -p "$work"
python3 "$here/make_corpus.py" "$source_dir" "$corpus" || exit 1

fuzzers=()
for binary in "$build"/tests/fuzz/stepfn_fuzz_*; do
    [ -x "$binary" ] && fuzzers+=("$binary")
done
if [ "${#fuzzers[@]}" -eq 0 ]; then
    echo "no fuzzers in $build/tests/fuzz (configure with -DSTEPFN_BUILD_FUZZERS=ON)"
    exit 1
fi

run_one() {  # replays the regressions, then fuzzes; the log is $work/NAME.log
    local binary=$1 name
    name=$(basename "$binary"); name=${name#stepfn_fuzz_}
    local log=$work/$name.log live=$work/corpus-$name
    mkdir -p "$live" "$work/artifacts-$name"
    {
        local saved=("$here/regressions/$name"/*)
        if [ -e "${saved[0]}" ]; then
            echo "replaying ${#saved[@]} regression inputs"
            "$binary" -timeout=20 -rss_limit_mb=2048 "${saved[@]}" || { echo "FUZZ-RESULT $name regression-failed"; return 1; }
        fi
        "$binary" "$live" "$corpus/$name" -dict="$here/asl.dict" -max_total_time="$seconds" -timeout=20 \
            -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix="$work/artifacts-$name/"
        local status=$?
        echo "FUZZ-RESULT $name exit=$status"
        return $status
    } > "$log" 2>&1
}

failed=()
running=0
pids=()
names=()
for binary in "${fuzzers[@]}"; do
    run_one "$binary" &
    pids+=($!); names+=("$(basename "$binary")")
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" 2>/dev/null || true
done

for binary in "${fuzzers[@]}"; do
    name=$(basename "$binary"); name=${name#stepfn_fuzz_}
    log=$work/$name.log
    stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed 's/stat:://' | tr '\n' ' ')
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    if grep -q "FUZZ-RESULT $name exit=0" "$log"; then
        echo "fuzz $name: ok, $cov, $stats"
    else
        echo "fuzz $name: FAILED ($log)"
        grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written|FUZZ-RESULT' "$log" | head -20
        failed+=("$name")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "${#failed[@]} fuzzers failed: ${failed[*]}"
    exit 1
fi
echo "${#fuzzers[@]} fuzzers passed"
