// The peer's side of stepfn_bench_http: the same looping workflow on aws-local-stepfunctions,
// whose `Call` Task (an HTTP Task in stepfn) is a local handler that POSTs its RequestBody to the
// same server over keep-alive connections (at most 64, as stepfn's http_client), with 1, 100 and
// 1,000 executions in flight. The peer has no HTTP Task of its own: the handler is what a user
// of it would write. Prints one JSON line: {in_flight: calls per second}.
// Usage: node peer_http.mjs <folder with node_modules> <url> [total calls per run]
import http from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// aws-local-stepfunctions 3.0.0 calls Promise.withResolvers, which Node only has from 22 on.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolveIt;
    let rejectIt;
    const promise = new this((res, rej) => {
      resolveIt = res;
      rejectIt = rej;
    });
    return { promise, resolve: resolveIt, reject: rejectIt };
  };
}

const peerRequire = createRequire(join(resolve(process.argv[2]), 'package.json'));
const { StateMachine } = await import(pathToFileURL(peerRequire.resolve('aws-local-stepfunctions')).href);
const url = new URL(process.argv[3]);
const total = Number(process.argv[4] ?? 4000);

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(endpoint, body) {
  const payload = JSON.stringify(body);
  return new Promise((resolvePost, reject) => {
    const request = http.request(endpoint, {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
    }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode < 200 || response.statusCode > 299) reject(new Error(`status ${response.statusCode}`));
        else resolvePost({ StatusCode: response.statusCode, ResponseBody: JSON.parse(text) });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const machine = new StateMachine({
  StartAt: 'Call',
  States: {
    Call: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke',
            Parameters: { ApiEndpoint: url.href, Method: 'POST', 'RequestBody': { 'n.$': '$.n' } },
            ResultPath: null, Next: 'Count' },
    Count: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'limit.$': '$.limit' }, Next: 'More' },
    More: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThanPath: '$.limit', Next: 'Call' }], Default: 'Done' },
    Done: { Type: 'Succeed' },
  },
});
const overrides = { taskResourceLocalHandlers: { Call: (input) => post(input.ApiEndpoint, input.RequestBody) } };

const results = {};
for (const concurrency of [1, 100, 1000]) {
  // As stepfn_bench_http: each execution makes up to 500 calls, in rounds of `concurrency`.
  const perExecution = Math.min(500, Math.max(1, Math.floor(total / concurrency)));
  const rounds = Math.max(1, Math.floor(total / (concurrency * perExecution)));
  const start = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    await Promise.all(Array.from({ length: concurrency }, () =>
      machine.run({ n: 0, limit: perExecution }, { overrides }).result));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  results[concurrency] = (rounds * concurrency * perExecution) / seconds;
}
agent.destroy();
process.stdout.write(`${JSON.stringify(results)}\n`);
