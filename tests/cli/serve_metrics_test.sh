#!/bin/sh
# Who may read `stepfn serve`'s GET /metrics (docs/observability.md): without --auth, loopback
# (this test's curl) is answered; with --auth, only callers that sign (SigV4, curl --aws-sigv4)
# and whom the policies allow stepfn:GetMetrics (401 unsigned, 403 denied), while /healthz and
# /readyz stay open; --metrics-token lets a scraper's bearer token in; --metrics-public says so
# when it starts.
# Usage: serve_metrics_test.sh STEPFN WORK_DIR
set -u
stepfn=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
fail() { echo "FAILED: $*" >&2; [ -n "${server:-}" ] && kill -KILL "$server" 2>/dev/null; exit 1; }
command -v curl >/dev/null || { echo "skipped: no curl"; exit 0; }

start() {  # start ARGS...: a server on a free port; sets $server and $endpoint
  rm -f out.txt err.txt
  "$stepfn" serve --port 0 --store db.sqlite "$@" >out.txt 2>err.txt &
  server=$!
  endpoint=""
  for _ in $(seq 1 200); do
    endpoint=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' out.txt | head -1)
    [ -n "$endpoint" ] && break
    kill -0 "$server" 2>/dev/null || fail "serve $* exited: $(cat err.txt)"
    sleep 0.05
  done
  [ -n "$endpoint" ] || fail "serve $* did not start"
}
stop() { kill -TERM "$server"; wait "$server"; server=""; }
status() {  # status PATH [CURL ARGS...]: the HTTP status of a GET
  path=$1; shift
  curl -s -o body.txt -w '%{http_code}' "$@" "$endpoint$path"
}

# No --auth: loopback is answered, as the API is.
start
grep -q "GET /metrics: loopback only" err.txt || fail "no --auth: the start does not say who reads /metrics: $(cat err.txt)"
[ "$(status /metrics)" = 200 ] || fail "no --auth: /metrics from loopback: $(cat body.txt)"
grep -q "^# TYPE stepfn_open_executions gauge" body.txt || fail "no --auth: /metrics body: $(head -c 300 body.txt)"
stop

# --metrics-public: the operator's explicit choice, said at the start.
start --metrics-public
grep -q "GET /metrics: answered to anyone (--metrics-public)" err.txt || fail "--metrics-public: $(cat err.txt)"
[ "$(status /metrics)" = 200 ] || fail "--metrics-public: /metrics"
stop

# A token too short to be one is refused at the start, without echoing it.
printf 'tiny\n' >a.token
"$stepfn" serve --port 0 --store db.sqlite --metrics-token a.token >/dev/null 2>err.txt && fail "a 4-character token was taken"
grep -q "16 to 512 printable characters" err.txt || fail "short token: $(cat err.txt)"
grep -q "tiny" err.txt && fail "the refused token was echoed"

if ! "$stepfn" serve --help | grep -q -- "--auth FILE"; then
  echo "serve metrics: loopback and --metrics-public checked; --auth skipped (built without OpenSSL)"
  exit 0
fi
if ! curl --help all 2>/dev/null | grep -q -- "--aws-sigv4"; then
  echo "serve metrics: loopback and --metrics-public checked; --auth skipped (this curl has no --aws-sigv4)"
  exit 0
fi
cat >auth.json <<'EOF'
{
  "access_keys": [
    {"access_key_id": "AKIASTEPFNSCRAPER01", "secret_access_key": "scraper-secret-key-0000000000000000000",
     "principal": "arn:aws:iam::123456789012:user/scraper"},
    {"access_key_id": "AKIASTEPFNOPERATOR1", "secret_access_key": "operator-secret-key-000000000000000000",
     "principal": "arn:aws:iam::123456789012:user/operator"}
  ],
  "policies": [
    {"principals": ["arn:aws:iam::123456789012:user/scraper"],
     "document": {"Statement": [{"Effect": "Allow", "Action": "stepfn:GetMetrics", "Resource": "*"}]}},
    {"principals": ["arn:aws:iam::123456789012:user/operator"],
     "document": {"Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"}]}}
  ]
}
EOF
printf 'scrape-token-0123456789abcdef\n' >scraper.token
start --auth auth.json --metrics-token scraper.token
grep -q "GET /metrics: authenticated callers allowed stepfn:GetMetrics, and scrapers with the --metrics-token token" err.txt ||
  fail "--auth: $(cat err.txt)"
code=$(status /metrics -H "Authorization: Bearer scrape-token-0123456789abcdef")
[ "$code" = 200 ] || fail "--metrics-token: the token holder was answered $code: $(head -c 300 body.txt)"
code=$(status /metrics -H "Authorization: Bearer scrape-token-0123456789abcdeX")
[ "$code" = 401 ] || fail "--metrics-token: a wrong token was answered $code"
code=$(status /metrics)
[ "$code" = 401 ] || fail "--auth: unsigned /metrics from loopback answered $code: $(head -c 300 body.txt)"
grep -q "MissingAuthenticationTokenException\|IncompleteSignatureException" body.txt || fail "--auth: unsigned: $(cat body.txt)"
code=$(status /metrics --aws-sigv4 "aws:amz:us-east-1:states" --user "AKIASTEPFNOPERATOR1:operator-secret-key-000000000000000000")
[ "$code" = 403 ] || fail "--auth: states:* is not stepfn:GetMetrics, yet $code: $(head -c 300 body.txt)"
grep -q "AccessDeniedException" body.txt || fail "--auth: denied: $(cat body.txt)"
code=$(status /metrics --aws-sigv4 "aws:amz:us-east-1:states" --user "AKIASTEPFNSCRAPER01:scraper-secret-key-0000000000000000000")
[ "$code" = 200 ] || fail "--auth: the scraper was answered $code: $(head -c 300 body.txt)"
grep -q "^# TYPE stepfn_open_executions gauge" body.txt || fail "--auth: scraper's body: $(head -c 300 body.txt)"
[ "$(status /healthz)" = 200 ] || fail "--auth: /healthz needs no credentials"
[ "$(status /readyz)" = 200 ] || fail "--auth: /readyz needs no credentials"
stop
grep -q "secret-key\|scrape-token" err.txt out.txt && fail "a secret reached the server's output"
echo "serve metrics: loopback only without --auth, signed and allowed with it (401, 403, 200), --metrics-public said"
