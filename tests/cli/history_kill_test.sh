#!/bin/sh
# A signing server killed mid-execution: `stepfn serve --history-key` runs a long loop, is killed
# with SIGKILL while it runs (wherever that lands: between a commit and its digest, or not), and
# `stepfn history verify` must still find the history intact, any unsigned events reported as a
# tail, never as tampering (digests cover committed events only). A new server on the same
# store resumes the execution, signs its tail, and the history verifies with --require-signed.
# Usage: history_kill_test.sh STEPFN WORK_DIR
set -u
stepfn=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
server=""
fail() { echo "FAILED: $*" >&2; [ -n "$server" ] && kill -KILL "$server" 2>/dev/null; exit 1; }
for tool in openssl curl; do
  command -v "$tool" >/dev/null || { echo "skipped: no $tool"; exit 0; }
done
"$stepfn" serve --help | grep -q -- "--history-key" || { echo "skipped: built without OpenSSL"; exit 0; }
openssl genpkey -algorithm ed25519 -out host.pem 2>/dev/null || fail "openssl genpkey"
openssl pkey -in host.pem -pubout -out host.pub.pem 2>/dev/null || fail "openssl pkey"

start_server() {
  : >out.txt
  "$stepfn" serve --port 0 --store db.sqlite --history-key host.pem >out.txt 2>>err.txt &
  server=$!
  endpoint=""
  for _ in $(seq 1 200); do
    endpoint=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' out.txt | head -1)
    [ -n "$endpoint" ] && return 0
    kill -0 "$server" 2>/dev/null || fail "serve exited: $(cat err.txt)"
    sleep 0.05
  done
  fail "serve did not start"
}
call() {  # call ACTION JSON
  curl -s -X POST "$endpoint" -H "content-type: application/x-amz-json-1.0" -H "x-amz-target: AWSStepFunctions.$1" -d "$2"
}
arn=arn:aws:states:us-east-1:123456789012:execution:looping:run1

start_server
# 5000 rounds of Pass + Choice: about 20000 events, checkpoints and digests all along.
definition='{\"StartAt\":\"Init\",\"States\":{\"Init\":{\"Type\":\"Pass\",\"Result\":{\"n\":0},\"Next\":\"Loop\"},\"Loop\":{\"Type\":\"Pass\",\"Parameters\":{\"n.$\":\"States.MathAdd($.n, 1)\"},\"Next\":\"More\"},\"More\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.n\",\"NumericLessThan\":5000,\"Next\":\"Loop\"}],\"Default\":\"Done\"},\"Done\":{\"Type\":\"Succeed\"}}}'
call CreateStateMachine "{\"name\":\"looping\",\"definition\":\"$definition\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\"}" |
  grep -q stateMachineArn || fail "CreateStateMachine"
call StartExecution '{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:looping","name":"run1"}' |
  grep -q executionArn || fail "StartExecution"
# Killed once some events are there (or at the latest after 10 s).
for _ in $(seq 1 200); do
  call GetExecutionHistory "{\"executionArn\":\"$arn\",\"reverseOrder\":true,\"maxResults\":1}" | grep -q '"id":[0-9][0-9][0-9]' && break
  sleep 0.05
done
kill -KILL "$server"; wait "$server" 2>/dev/null; server=""

out=$("$stepfn" history verify --store db.sqlite run1 --public-key host.pub.pem 2>verify.txt) ||
  fail "verify after SIGKILL: exit $?, $out $(cat verify.txt)"
case $out in intact:*) ;; *) fail "verify after SIGKILL said: $out" ;; esac
echo "after SIGKILL: $out"

# A new server resumes the execution; its tail is signed with the next checkpoints.
start_server
done_=""
for _ in $(seq 1 1200); do
  if call DescribeExecution "{\"executionArn\":\"$arn\"}" | grep -q '"status":"SUCCEEDED"'; then done_=1; break; fi
  sleep 0.05
done
[ -n "$done_" ] || fail "the resumed execution did not succeed: $(call DescribeExecution "{\"executionArn\":\"$arn\"}")"
kill -TERM "$server"; wait "$server"; server=""
out=$("$stepfn" history verify --store db.sqlite run1 --public-key host.pub.pem --require-signed 2>verify.txt) ||
  fail "verify --require-signed after the resumed run: exit $?, $out $(cat verify.txt)"
echo "after the resumed run: $out"
