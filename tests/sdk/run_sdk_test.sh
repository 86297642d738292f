#!/usr/bin/env bash
# Runs the AWS SDK for JavaScript v3 (pinned in package.json) and the AWS SDK for Python
# (Debian's python3-boto3) against a fresh `stepfn serve` on loopback: starts the server on an
# ephemeral port with a store in a temporary directory, runs sfn_client_test.mjs and
# boto3_client_test.py, then stops the server with SIGTERM and checks it exits cleanly.
#
#   tests/sdk/run_sdk_test.sh path/to/stepfn
set -euo pipefail
stepfn=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -d "$here/node_modules/@aws-sdk/client-sfn" ]; then
    echo "installing the pinned AWS SDK client: npm ci in tests/sdk"
    (cd "$here" && npm ci --no-audit --no-fund >/dev/null)
fi

work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$stepfn" serve --port 0 --store "$work/api.sqlite" --invokers "$here/invokers.json" >"$work/stdout" 2>"$work/stderr" &
server=$!
# The server's first line on stdout names its endpoint.
endpoint=""
for _ in $(seq 1 200); do
    endpoint=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/stdout" | head -1)
    [ -n "$endpoint" ] && break
    kill -0 "$server" 2>/dev/null || { echo "stepfn serve exited early:"; cat "$work/stderr"; exit 1; }
    sleep 0.05
done
[ -n "$endpoint" ] || { echo "stepfn serve did not say where it listens within 10 s"; cat "$work/stderr"; exit 1; }
echo "stepfn serve at $endpoint"

status=0
echo "== AWS SDK for JavaScript v3"
AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING=1 timeout 300 node "$here/sfn_client_test.mjs" "$endpoint" || status=$?
echo "== AWS SDK for Python (boto3)"
if python3 -c "import boto3" 2>/dev/null; then
    timeout 300 python3 "$here/boto3_client_test.py" "$endpoint" || status=$?
else
    echo "FAILED: boto3 is not installed (Debian: apt-get install python3-boto3)"
    status=1
fi

# A second server with --auth: the SDK's SigV4 signatures verified, policies applied (when this
# stepfn has OpenSSL; otherwise it says so and the check is skipped).
if "$stepfn" serve --help | grep -q -- "--auth FILE"; then
    "$stepfn" serve --port 0 --store "$work/auth.sqlite" --auth "$here/auth.json" >"$work/auth.stdout" 2>"$work/auth.stderr" &
    auth_server=$!
    auth_endpoint=""
    for _ in $(seq 1 200); do
        auth_endpoint=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/auth.stdout" | head -1)
        [ -n "$auth_endpoint" ] && break
        kill -0 "$auth_server" 2>/dev/null || break
        sleep 0.05
    done
    echo "== AWS SDK for JavaScript v3, signed, against serve --auth"
    if [ -n "$auth_endpoint" ]; then
        AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING=1 timeout 120 node "$here/auth_client_test.mjs" "$auth_endpoint" || status=$?
    elif grep -q "without OpenSSL" "$work/auth.stderr"; then
        echo "skipped: this stepfn was built without OpenSSL 3"
    else
        echo "FAILED: stepfn serve --auth did not start:"; cat "$work/auth.stderr"; status=1
    fi
    kill -TERM "$auth_server" 2>/dev/null || true
    wait "$auth_server" 2>/dev/null || true
    if [ -n "$auth_endpoint" ]; then
        # What serve --auth kept beside the replies: a warning for the machine whose role cannot
        # call its Task (and none for the one it can), and who started the runner's execution.
        echo "== serve --auth: role warnings on stderr, callers in the store"
        if grep -q "^stepfn serve: warning: arn:aws:states:us-east-1:123456789012:stateMachine:refund-[^ ]* (role arn:aws:iam::123456789012:role/orders): /States/T/Resource: the role arn:aws:iam::123456789012:role/orders does not allow lambda:InvokeFunction on arn:aws:lambda:us-east-1:123456789012:function:refund$" "$work/auth.stderr" &&
            ! grep -q "warning: .*stateMachine:charge-" "$work/auth.stderr"; then
            echo "ok - CreateStateMachine's role findings are logged"
        else
            echo "not ok - CreateStateMachine's role findings are logged:"; cat "$work/auth.stderr"; status=1
        fi
        callers=$("$stepfn" describe --store "$work/auth.sqlite" first --with-callers || true)
        if echo "$callers" | grep -q '"callers":\[{"executionArn":"[^"]*","action":"StartExecution","principal":"arn:aws:iam::123456789012:user/runner","authenticatedBy":"sigv4"'; then
            echo "ok - stepfn describe --with-callers names who started the execution"
        else
            echo "not ok - stepfn describe --with-callers names who started the execution: $callers"; status=1
        fi
    fi
fi

kill -TERM "$server"
server_status=0
for _ in $(seq 1 200); do kill -0 "$server" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$server" 2>/dev/null; then
    echo "stepfn serve did not stop within 10 s of SIGTERM"; server_status=1
else
    wait "$server" || server_status=$?
    server=""
fi
[ "$server_status" = 0 ] || { echo "stepfn serve exited with $server_status:"; tail -20 "$work/stderr"; }
[ "$status" = 0 ] && [ "$server_status" = 0 ]
