// The SDK tests' one way to run a named check and to expect an AWS error: each check prints
// "ok - name" or "not ok - name" with the stack, and the script ends with the tally.
import assert from "node:assert/strict";

const tally = { checks: 0, failures: 0 };

export async function check(name, body) {
  tally.checks++;
  try {
    await body();
    console.log(`ok - ${name}`);
  } catch (e) {
    tally.failures++;
    console.log(`not ok - ${name}\n  ${String(e && e.stack || e).split("\n").slice(0, 6).join("\n  ")}`);
  }
}

// The call fails with AWS's exception `name` and a 4xx status; the error is returned.
export async function rejects(promise, name) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.ok(e.$metadata.httpStatusCode >= 400 && e.$metadata.httpStatusCode < 500, `status ${e.$metadata.httpStatusCode}`);
    return e;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

// Prints "<passed>/<checks> checks passed" and exits 1 when any failed.
export function finish() {
  console.log(`${tally.checks - tally.failures}/${tally.checks} checks passed`);
  process.exit(tally.failures ? 1 : 0);
}
