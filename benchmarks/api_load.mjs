// Load on `stepfn serve` from a client on loopback: round trips per second and latency of
//   1. a durable STANDARD StartExecution followed by DescribeExecution (the pair is one operation),
//   2. a Pass-only EXPRESS StartSyncExecution,
// at several concurrencies, over keep-alive connections; then 3. N idle GetActivityTask long
// polls held at once, and the server's memory per poll (its RSS before and while they wait).
//
//   node benchmarks/api_load.mjs path/to/stepfn [seconds-per-run] [idle-polls]
//
// Starts its own server on an ephemeral port with a fresh store in a temporary directory, and
// stops it with SIGTERM (which answers the waiting polls). Prints a table, then one JSON line.
// No peer: no other Step Functions API endpoint runs from Debian's or npm's packages.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

const [stepfn, secondsArg, pollsArg] = process.argv.slice(2);
if (!stepfn) {
  console.error("usage: node api_load.mjs path/to/stepfn [seconds-per-run] [idle-polls]");
  process.exit(2);
}
const seconds = Number(secondsArg || 5);
const idlePolls = Number(pollsArg || 10000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stepfn-api-load-"));
const server = spawn(stepfn, ["serve", "--port", "0", "--store", path.join(dir, "load.sqlite"), "--io-threads", "1", "--max-connections", String(idlePolls + 100)], {
  stdio: ["ignore", "pipe", "inherit"],
});
const endpoint = await new Promise((resolve, reject) => {
  let text = "";
  const timer = setTimeout(() => reject(new Error("stepfn serve did not start within 10 s")), 10000);
  server.stdout.on("data", (chunk) => {
    text += chunk;
    const m = /listening on (http:\/\/\S+)/.exec(text);
    if (m) {
      clearTimeout(timer);
      resolve(new URL(m[1]));
    }
  });
  server.on("exit", (code) => reject(new Error(`stepfn serve exited with ${code}`)));
});

const rssKiB = () => {
  const status = fs.readFileSync(`/proc/${server.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
};

function call(agent, action, body, onConnect) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: endpoint.hostname.replace(/^\[|\]$/g, ""), port: endpoint.port, method: "POST", path: "/", agent,
      headers: {
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": `AWSStepFunctions.${action}`,
        "Content-Length": Buffer.byteLength(payload),
      },
    }, (response) => {
      const chunks = [];
      response.on("data", (c) => chunks.push(c));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (response.statusCode !== 200) reject(new Error(`${action}: ${response.statusCode} ${text}`));
        else resolve(text ? JSON.parse(text) : {});
      });
    });
    request.on("error", reject);
    if (onConnect) request.on("socket", (socket) => socket.once("connect", onConnect));
    request.end(payload);
  });
}

const role = "arn:aws:iam::123456789012:role/load";
const setup = new http.Agent({ keepAlive: true, maxSockets: 1 });
const passOnly = JSON.stringify({
  StartAt: "A",
  States: { A: { Type: "Pass", Result: { ok: true }, ResultPath: "$.a", Next: "B" }, B: { Type: "Pass", End: true } },
});
const standard = await call(setup, "CreateStateMachine", { name: "load-standard", definition: passOnly, roleArn: role, type: "STANDARD" });
const express = await call(setup, "CreateStateMachine", { name: "load-express", definition: passOnly, roleArn: role, type: "EXPRESS" });
const input = JSON.stringify({ order: "o-1", items: [1, 2, 3] });

let serial = 0;
const operations = {
  standard_start_describe: async (agent) => {
    const started = await call(agent, "StartExecution", { stateMachineArn: standard.stateMachineArn, name: `e${++serial}`, input });
    await call(agent, "DescribeExecution", { executionArn: started.executionArn });
  },
  express_start_sync: async (agent) => {
    const result = await call(agent, "StartSyncExecution", { stateMachineArn: express.stateMachineArn, input });
    if (result.status !== "SUCCEEDED") throw new Error(`unexpected ${JSON.stringify(result)}`);
  },
};

async function measure(name, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  const end = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      await operations[name](agent);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { operation: name, concurrency, per_second: latencies.length / elapsed, p50_ms: at(0.5), p99_ms: at(0.99), count: latencies.length };
}

const results = [];
for (const name of Object.keys(operations))
  for (const concurrency of [1, 16, 64]) results.push(await measure(name, concurrency));

// Idle long polls: each on a connection of its own, all waiting at once.
const activity = await call(setup, "CreateActivity", { name: "load-idle" });
const before = rssKiB();
const pollAgent = new http.Agent({ keepAlive: true, maxSockets: idlePolls });
let answered = 0;
let failed = 0;
let connected = 0;
const failures = new Map();
const polls = Array.from({ length: idlePolls }, () =>
  call(pollAgent, "GetActivityTask", { activityArn: activity.activityArn, workerName: "idle" }, () => connected++)
    .then(() => answered++, (e) => {
      failed++;
      const why = String(e.message).slice(0, 120);
      failures.set(why, (failures.get(why) || 0) + 1);
    }));
// Until the server holds them all: every connection is up and its RSS stops growing.
let held = before;
for (let i = 0, last = -1; i < 150; i++) {
  await new Promise((r) => setTimeout(r, 200));
  held = rssKiB();
  if (connected === idlePolls && held === last) break;
  last = held;
}
const perPoll = ((held - before) * 1024) / idlePolls;

server.kill("SIGTERM");
const exitCode = await new Promise((resolve) => server.on("exit", (code) => resolve(code)));
await Promise.race([Promise.all(polls), new Promise((r) => setTimeout(r, 15000))]);
pollAgent.destroy();
setup.destroy();
fs.rmSync(dir, { recursive: true, force: true });

console.log("| operation | concurrency | per second | p50 ms | p99 ms |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const r of results)
  console.log(`| ${r.operation} | ${r.concurrency} | ${r.per_second.toFixed(0)} | ${r.p50_ms.toFixed(2)} | ${r.p99_ms.toFixed(2)} |`);
console.log(`\n${idlePolls} idle GetActivityTask polls: server RSS ${before} KiB -> ${held} KiB, ${perPoll.toFixed(0)} bytes per poll; ` +
            `${answered} answered at shutdown, ${failed} failed; server exit ${exitCode}`);
for (const [why, n] of failures) console.log(`  ${n} poll(s) failed: ${why}`);
console.log(JSON.stringify({ load: results, idle_polls: { polls: idlePolls, rss_before_kib: before, rss_held_kib: held, bytes_per_poll: perPoll, answered, failed, exit: exitCode } }));
process.exit(exitCode === 0 && failed === 0 ? 0 : 1);
