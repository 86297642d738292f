#!/usr/bin/env bash
# Several stepfn workers sharing one PostgreSQL, without docker (docs/store-postgres.md):
# a throw-away cluster (tools/ci/postgres.sh), two workers, twenty orders started with
# `stepfn start`, one worker killed halfway, the other finishing its orders too; then the list.
#
#   examples/postgres-workers/run.sh [path/to/stepfn]     (default: build/dev/tools/stepfn/stepfn)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stepfn=${1:-$root/build/dev/tools/stepfn/stepfn}
work=$(mktemp -d)

eval "$("$root/tools/ci/postgres.sh" start)"
workers=()
cleanup() {
    for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; done
    "$root/tools/ci/postgres.sh" stop "$STEPFN_TEST_POSTGRES_DIR"
    rm -rf "$work"
}
trap cleanup EXIT
store=$STEPFN_TEST_POSTGRES   # postgresql://stepfn:<password>@127.0.0.1:<port>/stepfn

for name in alpha beta; do
    "$stepfn" worker --store "$store" --name "$name" --lease-seconds 3 --in-flight-tasks redispatch \
        --mock-config "$here/mocks.json" --test-case Demo >"$work/$name.out" 2>"$work/$name.err" &
    workers+=($!)
done

for i in $(seq 1 20); do
    "$stepfn" start --store "$store" "$here/orders.asl.json" --name "order-$i" \
        --input "{\"order\":$i,\"items\":[\"book\",\"pen\"]}" >/dev/null
done
echo "started 20 orders"

sleep 0.5
kill -KILL "${workers[0]}"    # alpha dies; its orders move to beta once its leases expire (3 s)
wait "${workers[0]}" 2>/dev/null || true
echo "alpha killed"

for _ in $(seq 1 300); do
    left=$("$stepfn" list --store "$store" --status RUNNING | wc -l)
    [ "$left" -eq 0 ] && break
    sleep 0.1
done
"$stepfn" list --store "$store" | grep -c '"status":"SUCCEEDED"' | sed 's/$/ orders SUCCEEDED/'
"$stepfn" describe --store "$store" order-7
kill -TERM "${workers[1]}"
wait "${workers[1]}" || true
cat "$work/beta.err"
