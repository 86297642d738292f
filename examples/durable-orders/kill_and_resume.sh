#!/bin/sh
# The test of examples/durable-orders (docs/durability-example.md):
#   durable_orders DIR & ... kill -9 ...; durable_orders DIR; durable_orders DIR
# The first run is killed while the order waits (after it charged the card); the second resumes
# it and ends it without charging again; the third prints the stored result and runs nothing.
#   kill_and_resume.sh PROGRAM DIR
set -u
program=$1
dir=$2
rm -rf "$dir"
mkdir -p "$dir"
fail() {
    echo "FAILED: $*"
    for f in "$dir"/run*.txt; do echo "--- $f"; cat "$f"; done
    exit 1
}

"$program" "$dir" > "$dir/run1.txt" 2>&1 &
pid=$!
# Kill it during its 3-second Wait: once it has charged, plus a second for the charge's answer to
# reach the store (a commit takes milliseconds).
tries=0
until grep -q '^charging' "$dir/run1.txt"; do
    tries=$((tries + 1))
    [ "$tries" -le 300 ] || { kill -9 "$pid"; fail "the first run did not charge within 30 s"; }
    sleep 0.1
done
sleep 1
kill -9 "$pid" || fail "the first run ended before its kill"
wait "$pid" 2>/dev/null
grep -q '^order-1001' "$dir/run1.txt" && fail "the first run ended before its kill"

"$program" "$dir" > "$dir/run2.txt" 2>&1 || fail "the second run failed"
grep -q '^resumed order-1001$' "$dir/run2.txt" || fail "the second run did not resume order-1001"
grep -q '^charging' "$dir/run2.txt" && fail "the second run charged again"
grep -q '^shipping ord-1001$' "$dir/run2.txt" || fail "the second run did not ship"
result=$(grep '^order-1001 SUCCEEDED ' "$dir/run2.txt") || fail "the second run did not succeed"

"$program" "$dir" > "$dir/run3.txt" 2>&1 || fail "the third run failed"
grep -q '^order-1001 ended before; the store has its result$' "$dir/run3.txt" || fail "the third run did not find the stored result"
grep -qE '^(charging|shipping|resumed)' "$dir/run3.txt" && fail "the third run ran something"
[ "$(grep '^order-1001 SUCCEEDED ' "$dir/run3.txt")" = "$result" ] || fail "the third run printed another result"

for f in "$dir"/run*.txt; do echo "--- $(basename "$f")"; cat "$f"; done
echo "kill and resume: passed"
