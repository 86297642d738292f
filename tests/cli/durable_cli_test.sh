#!/bin/sh
# The durable commands end to end: a run killed while it waits resumes from its checkpoint; a
# second run with the same name and input prints the stored result; another input is refused;
# a failed execution redrives from the failed state, keeping what succeeded.
# Usage: durable_cli_test.sh STEPFN DATA_DIR WORK_DIR
set -u
stepfn=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
fail() { echo "FAILED: $*" >&2; exit 1; }
expect() {  # expect LABEL ACTUAL EXPECTED
  [ "$2" = "$3" ] || fail "$1: got [$2], expected [$3]"
}

# A run that waits an hour, killed after its first checkpoints.
timeout -s KILL 2 "$stepfn" run "$data/nap.json" --store db.sqlite --name n1 --input '{"k":1}' >/dev/null 2>&1
expect "killed run" "$?" 137
expect "listed as running" "$("$stepfn" list --store db.sqlite --status RUNNING | grep -c '"name":"n1"')" 1
out=$("$stepfn" resume --store db.sqlite --virtual-time) || fail "resume exit $?: $out"
expect "resumed" "$out" '{"name":"n1","status":"SUCCEEDED","output":{"k":1,"prep":"prepared","done":"done"}}'
out=$("$stepfn" resume --store db.sqlite) || fail "resume with nothing left: exit $?"
expect "nothing left to resume" "$out" ""
# Idempotent by name: the stored result, nothing runs again.
out=$("$stepfn" run "$data/nap.json" --store db.sqlite --name n1 --input '{"k":1}') || fail "second run exit $?"
expect "second run" "$out" '{"status":"SUCCEEDED","output":{"k":1,"prep":"prepared","done":"done"}}'
expect "one start in the history" "$("$stepfn" history --store db.sqlite n1 | grep -c ExecutionStarted)" 1
"$stepfn" run "$data/nap.json" --store db.sqlite --name n1 --input '{"k":2}' >/dev/null 2>err.txt
expect "another input" "$?" 2
grep -q "different input" err.txt || fail "another input: $(cat err.txt)"

# Redrive: Charge succeeded, Ship failed; the redrive runs Ship only.
out=$("$stepfn" run "$data/orders.json" --store db.sqlite --name order-1 --mock-config "$data/orders-mocks.json" --test-case Broken)
expect "failed run" "$out" '{"status":"FAILED","error":"ShipDown","cause":"no trucks"}'
out=$("$stepfn" redrive --store db.sqlite order-1 --mock-config "$data/orders-mocks.json" --test-case Fixed) || fail "redrive exit $?"
expect "redriven" "$out" '{"status":"SUCCEEDED","output":{"charge":{"charged":true},"ship":{"tracking":"1Z"}}}'
"$stepfn" describe --store db.sqlite order-1 | grep -q '"redriveCount":1,' || fail "describe: no redriveCount 1"
expect "ExecutionRedriven" "$("$stepfn" history --store db.sqlite order-1 | grep -c '"type":"ExecutionRedriven"')" 1
"$stepfn" redrive --store db.sqlite order-1 >/dev/null 2>err.txt
expect "second redrive" "$?" 1
grep -q "ExecutionNotRedrivable: Execution is SUCCEEDED and cannot be redriven" err.txt || fail "second redrive: $(cat err.txt)"
"$stepfn" resume --store missing.sqlite >/dev/null 2>err.txt
expect "missing store" "$?" 2
echo "durable CLI: all checks passed"
