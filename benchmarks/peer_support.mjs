// Shared by the peer scripts (peer.mjs, peer_cliffs.mjs): loading aws-local-stepfunctions from
// the folder compare.py installs it in, and timing a workload.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// aws-local-stepfunctions 3.0.0 calls Promise.withResolvers, which Node only has from 22 on.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolveFn;
    let rejectFn;
    const promise = new this((res, rej) => {
      resolveFn = res;
      rejectFn = rej;
    });
    return { promise, resolve: resolveFn, reject: rejectFn };
  };
}

// The peer's StateMachine class, from the folder holding its node_modules.
export async function loadStateMachine(peerDir) {
  const peerRequire = createRequire(join(resolve(peerDir), 'package.json'));
  const { StateMachine } = await import(pathToFileURL(peerRequire.resolve('aws-local-stepfunctions')).href);
  return StateMachine;
}

// Repeats `once` (which processes `items` items) until minSeconds have passed, after a warm-up,
// and returns items per second of wall-clock time. With `cpu` and a `name`, also records items
// per second of the process's CPU time in cpu[name].
export function makeMeasure(minSeconds, cpu = null) {
  return async function measure(items, once, name) {
    await once();
    let rounds = 0;
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    let elapsed = 0;
    do {
      await once();
      rounds += 1;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < minSeconds);
    if (cpu && name) {
      const used = process.cpuUsage(startCpu);
      cpu[name] = (rounds * items) / ((used.user + used.system) / 1e6);
    }
    return (rounds * items) / elapsed;
  };
}
