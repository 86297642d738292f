// Issue 21's workloads on aws-local-stepfunctions (the peer engine), with the definitions and
// inputs of cliffs_bench.cpp: a 200 KiB document through 100 states (large_result,
// large_parameters, large_task), 100-800 states each adding a 250 B or 1 KiB blob
// (growing_N_B), a Parallel of 50 branches (parallel_50), and a Map of 100,000 items with
// MaxConcurrency 10 (map_10), and the fan-out that carries work: a Parallel of 50 Tasks of about
// 20 µs of CPU each (parallel_50_work) and a Map of 10,000 Tasks of about 5 µs each, MaxConcurrency
// 10 (map_work). The peer has no task tokens for local handlers, so the callback workload has no
// peer figure.
//
//   node peer_cliffs.mjs PEER_DIR DEFINITIONS_DIR [MIN_SECONDS] [comma-separated workloads]
//
// Prints {"wall": {workload: items/s}, "cpu": {workload: items per CPU second}}; items are states,
// branches or Map items.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadStateMachine, makeMeasure } from './peer_support.mjs';

const StateMachine = await loadStateMachine(process.argv[2]);

const dir = process.argv[3];
const minSeconds = Number(process.argv[4] ?? 2);
const only = process.argv[5] ? new Set(process.argv[5].split(',')) : null;
const wanted = (name) => !only || only.has(name);
const definition = (file) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

// The same documents as cliffs_bench.cpp builds.
function largeInput() {
  const big = [];
  let size = 0;
  for (let i = 0; size < 200 * 1024; i += 1) {
    const line = { sku: `SKU-${100000 + i}`, qty: (i % 7) + 1, price: 12.75 + i * 0.01, note: 'deliver to the side door, ring twice' };
    size += JSON.stringify(line).length + 1;
    big.push(line);
  }
  return { id: 7, big };
}
const lookup = () => ({ price: 12.5, currency: 'EUR', warehouse: 'north', stock: 3 });
// cliffs_bench's CPU job (fanout_floors.hpp, cpu_job): FNV-1a over a 1 KiB buffer `rounds` times,
// in 32 bits here (JavaScript has no fast 64-bit multiply): the same bytes hashed, as many rounds.
function cpuJob(rounds, seed) {
  const buffer = new Uint8Array(1024);
  for (let i = 0; i < 1024; i += 1) buffer[i] = (i * 31 + seed) & 0xff;
  let hash = 0x811c9dc5;
  for (let r = 0; r < rounds; r += 1) {
    for (let i = 0; i < 1024; i += 1) hash = Math.imul(hash ^ buffer[i], 16777619);
    buffer[r % 1024] = hash & 0xff;
  }
  return hash >>> 0;
}
const work = (input) => ({ hash: cpuJob(input.rounds, input.seed) });
const itemsInput = (count) => ({ items: Array.from({ length: count }, (_, i) => ({ id: i, name: `item-${i}` })) });

// Items per second of wall-clock time, and per second of the process's CPU time (so that a busy
// machine, which slows the wall clock, can be told apart).
const cpu = {};
const measure = makeMeasure(minSeconds, cpu);

// The peer copies its input itself on each run, so its figures include that copy.
const results = {};
const large = largeInput();
for (const [name, file] of [['large_result', 'large_pass_result_100.json'], ['large_parameters', 'large_pass_parameters_100.json'],
  ['large_task', 'large_task_100.json']]) {
  if (!wanted(name)) continue;
  const def = definition(file);
  const handlers = {};
  for (const state of Object.keys(def.States)) handlers[state] = () => lookup();
  const machine = new StateMachine(def);
  results[name] = await measure(100, async () => {
    const output = await machine.run(large, { overrides: { taskResourceLocalHandlers: handlers } }).result;
    if (!output.last) throw new Error(`unexpected output of ${name}`);
  }, name);
}

for (const states of [100, 200, 400, 800]) {
  for (const blob of [250, 1024]) {
    const name = `growing_${states}_${blob}`;
    if (!wanted(name)) continue;
    const machine = new StateMachine(definition(`growing_${states}.json`));
    const input = { id: 7, blob: 'x'.repeat(blob) };
    results[name] = await measure(states, async () => {
      const output = await machine.run(input).result;
      if (Object.keys(output).length !== states + 2) throw new Error(`unexpected output of ${name}`);
    }, name);
  }
}

if (wanted('parallel_50')) {
  const machine = new StateMachine(definition('parallel_50.json'));
  results.parallel_50 = await measure(50, async () => {
    const output = await machine.run({ id: 7 }).result;
    if (output.length !== 50) throw new Error('unexpected Parallel output');
  }, 'parallel_50');
}

if (wanted('map_10')) {
  const machine = new StateMachine(definition('map_concurrency_10.json'));
  const input = itemsInput(100000);
  results.map_10 = await measure(100000, async () => {
    const output = await machine.run(input).result;
    if (output.length !== 100000) throw new Error('unexpected Map output');
  }, 'map_10');
}

if (wanted('parallel_50_work')) {
  const def = definition('parallel_50_work.json');
  const handlers = {};
  for (const branch of def.States.Fan.Branches) handlers[branch.StartAt] = work;
  const machine = new StateMachine(def);
  results.parallel_50_work = await measure(50, async () => {
    const output = await machine.run({ id: 7 }, { overrides: { taskResourceLocalHandlers: handlers } }).result;
    if (output.length !== 50) throw new Error('unexpected Parallel output');
  }, 'parallel_50_work');
}

if (wanted('map_work')) {
  const machine = new StateMachine(definition('map_work_10.json'));
  const input = itemsInput(10000);
  results.map_work = await measure(10000, async () => {
    const output = await machine.run(input, { overrides: { taskResourceLocalHandlers: { Work: work } } }).result;
    if (output.length !== 10000) throw new Error('unexpected Map output');
  }, 'map_work');
}

process.stdout.write(`${JSON.stringify({ wall: results, cpu })}\n`);
