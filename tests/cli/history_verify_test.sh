#!/bin/sh
# Signed histories end to end: `stepfn serve --history-key` signs an execution's history,
# `stepfn history verify` finds it intact (exit 0) with the host's public key, and names the
# first bad event (exit 1) after the store file is edited with sqlite3.
# Usage: history_verify_test.sh STEPFN WORK_DIR
set -u
stepfn=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
fail() { echo "FAILED: $*" >&2; [ -n "${server:-}" ] && kill -KILL "$server" 2>/dev/null; exit 1; }
for tool in openssl curl sqlite3; do
  command -v "$tool" >/dev/null || { echo "skipped: no $tool"; exit 0; }
done
"$stepfn" serve --help | grep -q -- "--history-key" || { echo "skipped: built without OpenSSL"; exit 0; }

openssl genpkey -algorithm ed25519 -out host.pem 2>/dev/null || fail "openssl genpkey"
openssl pkey -in host.pem -pubout -out host.pub.pem 2>/dev/null || fail "openssl pkey"
"$stepfn" serve --port 0 --store db.sqlite --history-key host.pem >out.txt 2>err.txt &
server=$!
endpoint=""
for _ in $(seq 1 200); do
  endpoint=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' out.txt | head -1)
  [ -n "$endpoint" ] && break
  kill -0 "$server" 2>/dev/null || fail "serve exited: $(cat err.txt)"
  sleep 0.05
done
[ -n "$endpoint" ] || fail "serve did not start"
call() {  # call ACTION JSON
  curl -s -X POST "$endpoint" -H "content-type: application/x-amz-json-1.0" -H "x-amz-target: AWSStepFunctions.$1" -d "$2"
}
definition='{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"B\"},\"B\":{\"Type\":\"Pass\",\"Result\":{\"ok\":true},\"End\":true}}}'
call CreateStateMachine "{\"name\":\"audited\",\"definition\":\"$definition\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\"}" | grep -q stateMachineArn ||
  fail "CreateStateMachine"
call StartExecution '{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:audited","name":"run1","input":"{\"n\":1}"}' |
  grep -q executionArn || fail "StartExecution"
for _ in $(seq 1 200); do
  call DescribeExecution '{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:audited:run1"}' | grep -q SUCCEEDED && break
  sleep 0.05
done
kill -TERM "$server"; wait "$server"; server=""

out=$("$stepfn" history verify --store db.sqlite run1 --public-key host.pub.pem) || fail "verify intact: exit $? $out"
case $out in intact:*) ;; *) fail "verify said: $out" ;; esac

cp db.sqlite edited.sqlite
sqlite3 edited.sqlite "UPDATE events SET body = replace(body, '{\\\"n\\\":1}', '{\\\"n\\\":2}') WHERE first_id = 1" || fail "sqlite3"
"$stepfn" history verify --store edited.sqlite run1 --public-key host.pub.pem >/dev/null 2>verify.txt
status=$?
[ "$status" = 1 ] || fail "verify after an edit: exit $status, $(cat verify.txt)"
grep -q "event 1 (ExecutionStarted) was changed" verify.txt || fail "verify after an edit said: $(cat verify.txt)"
out=$("$stepfn" history verify --store db.sqlite run1 --public-key host.pub.pem --require-signed) ||
  fail "verify --require-signed on a history signed through its end: exit $? $out"

# The last digest gone (what a server killed between its last commit and that digest leaves):
# an unsigned tail, accepted; refused with --require-signed.
cp db.sqlite unsigned.sqlite
sqlite3 unsigned.sqlite "DELETE FROM resources WHERE kind = 'historyDigest' AND json_extract(body, '\$.final')" || fail "sqlite3"
out=$("$stepfn" history verify --store unsigned.sqlite run1 --public-key host.pub.pem) || fail "verify with an unsigned tail: exit $? $out"
case $out in intact:*"are an unsigned tail"*) ;; *) fail "verify with an unsigned tail said: $out" ;; esac
"$stepfn" history verify --store unsigned.sqlite run1 --public-key host.pub.pem --require-signed >/dev/null 2>verify.txt
status=$?
[ "$status" = 1 ] || fail "verify --require-signed with an unsigned tail: exit $status, $(cat verify.txt)"
grep -q "is not signed through its end (--require-signed)" verify.txt || fail "verify --require-signed said: $(cat verify.txt)"
echo "history verify: intact, then the edited event named, then an unsigned tail accepted (and refused with --require-signed)"
