// Runs workloads 1-3 on aws-local-stepfunctions (the peer engine) with the same definitions and
// inputs as stepfn_bench, and prints one JSON object: {workload: items per second}.
// five_states runs one execution at a time; five_states_16 and five_states_256 keep 16 and 256
// in flight (what stepfn_bench_durable measures; the peer runs them on Node's one thread).
// Usage: node peer.mjs <folder with node_modules> <definitions dir> [min seconds per workload]
//        [comma-separated workloads: pass_chain,map,five_states,five_states_16,five_states_256]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadStateMachine, makeMeasure } from './peer_support.mjs';

// The package lives in a folder of its own (compare.py installs it), not next to this script.
const StateMachine = await loadStateMachine(process.argv[2]);

const dir = process.argv[3];
const minSeconds = Number(process.argv[4] ?? 2);
const only = process.argv[5] ? new Set(process.argv[5].split(',')) : null;
const wanted = (name) => !only || only.has(name);
const load = (file) => new StateMachine(JSON.parse(readFileSync(join(dir, file), 'utf8')));

const smallPayload = () => ({ order: 'A-1001', amount: 250, customer: { id: 17, tier: 'gold' }, tags: ['x', 'y'] });
const mapInput = (count) => ({
  items: Array.from({ length: count }, (_, i) => ({ id: i, name: `item-${i}` })),
});
const overrides = {
  taskResourceLocalHandlers: {
    Charge: (input) => ({ charged: input.amount ?? 0, status: 'ok' }),
  },
};

const measure = makeMeasure(minSeconds);

const results = {};

if (wanted('pass_chain')) {
  const chain = load('pass_chain_1000.json');
  results.pass_chain = await measure(1000, () => chain.run(smallPayload()).result);
}

if (wanted('map')) {
  const map = load('map_10000.json');
  const items = mapInput(10000);
  results.map = await measure(10000, async () => {
    const output = await map.run(items).result;
    if (output.length !== 10000 || output[9999].id !== 9999) throw new Error('unexpected Map output');
  });
}

const five = load('five_states.json');
// 1,000 executions, `inFlight` of them running at a time.
const fiveStates = (inFlight) => async () => {
  let next = 0;
  const worker = async () => {
    while (next < 1000) {
      next += 1;
      const output = await five.run(smallPayload(), { overrides }).result;
      if (output.receipt?.status !== 'ok') throw new Error(`unexpected output ${JSON.stringify(output)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
};
if (wanted('five_states')) results.five_states = await measure(1000, fiveStates(1));
if (wanted('five_states_16')) results.five_states_16 = await measure(1000, fiveStates(16));
if (wanted('five_states_256')) results.five_states_256 = await measure(1000, fiveStates(256));

process.stdout.write(`${JSON.stringify(results)}\n`);
