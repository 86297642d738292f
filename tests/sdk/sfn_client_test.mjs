// The AWS SDK for JavaScript v3 against a running `stepfn serve`: every action the server
// implements, activity workers included, and AWS's error names as the SDK throws them.
//
//   node sfn_client_test.mjs http://127.0.0.1:PORT
//
// Prints one line per check ("ok - ..." / "not ok - ...") and exits 1 when any failed.
import assert from "node:assert/strict";
import * as sfn from "@aws-sdk/client-sfn";
import { check, finish, rejects } from "./checks.mjs";

const endpoint = process.argv[2];
if (!endpoint) {
  console.error("usage: node sfn_client_test.mjs http://127.0.0.1:PORT");
  process.exit(2);
}

// StartSyncExecution and TestState go to a `sync-` host prefix on AWS; a local endpoint has no
// such host, so the prefix is turned off.
const client = new sfn.SFNClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  disableHostPrefix: true,
  maxAttempts: 1,
});
const send = (Command, input) => client.send(new Command(input));
const role = "arn:aws:iam::123456789012:role/stepfn-test";
const run = Date.now().toString(36);  // names unique to this run: the store may be reused

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, probe, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const ended = (arn) => until(`${arn} to end`, async () => {
  const d = await send(sfn.DescribeExecutionCommand, { executionArn: arn });
  return d.status !== "RUNNING" ? d : null;
});

const passDefinition = JSON.stringify({
  StartAt: "Greet",
  States: { Greet: { Type: "Pass", Parameters: { "greeting.$": "States.Format('hello {}', $.who)" }, End: true } },
});
const failDefinition = (flag) => JSON.stringify({
  StartAt: "Check",
  States: {
    Check: { Type: "Choice", Choices: [{ Variable: "$.ok", BooleanEquals: true, Next: "Done" }], Default: "Broken" },
    Broken: { Type: "Fail", Error: "Order.Broken", Cause: flag },
    Done: { Type: "Succeed" },
  },
});
const waitDefinition = JSON.stringify({ StartAt: "Nap", States: { Nap: { Type: "Wait", Seconds: 3600, End: true } } });

let machineArn, expressArn, activityArn;

await check("CreateStateMachine (STANDARD) with tags, and again idempotently", async () => {
  const created = await send(sfn.CreateStateMachineCommand, {
    name: `greeter-${run}`, definition: passDefinition, roleArn: role, type: "STANDARD",
    tags: [{ key: "team", value: "orders" }],
  });
  assert.match(created.stateMachineArn, /^arn:aws:states:us-east-1:\d{12}:stateMachine:greeter-/);
  assert.ok(created.creationDate instanceof Date);
  machineArn = created.stateMachineArn;
  const again = await send(sfn.CreateStateMachineCommand, { name: `greeter-${run}`, definition: passDefinition, roleArn: role, type: "STANDARD" });
  assert.equal(again.stateMachineArn, machineArn);
  await rejects(send(sfn.CreateStateMachineCommand, { name: `greeter-${run}`, definition: waitDefinition, roleArn: role }), "StateMachineAlreadyExists");
});

await check("CreateStateMachine refuses a bad definition, a bad name and a missing role", async () => {
  const bad = await rejects(send(sfn.CreateStateMachineCommand, { name: `bad-${run}`, definition: '{"StartAt":"Nowhere","States":{}}', roleArn: role }), "InvalidDefinition");
  assert.ok(bad.message.length > 0);
  await rejects(send(sfn.CreateStateMachineCommand, { name: "has space", definition: passDefinition, roleArn: role }), "InvalidName");
  await rejects(send(sfn.CreateStateMachineCommand, { name: `norole-${run}`, definition: passDefinition }), "ValidationException");
});

await check("DescribeStateMachine and ListStateMachines (paged)", async () => {
  const d = await send(sfn.DescribeStateMachineCommand, { stateMachineArn: machineArn });
  assert.equal(d.name, `greeter-${run}`);
  assert.equal(d.status, "ACTIVE");
  assert.equal(d.type, "STANDARD");
  assert.equal(d.definition, passDefinition);
  assert.equal(d.roleArn, role);
  for (let i = 0; i < 3; i++)
    await send(sfn.CreateStateMachineCommand, { name: `page-${run}-${i}`, definition: passDefinition, roleArn: role });
  const seen = [];
  let nextToken;
  let pages = 0;
  do {
    const page = await send(sfn.ListStateMachinesCommand, { maxResults: 2, nextToken });
    assert.ok(page.stateMachines.length <= 2);
    seen.push(...page.stateMachines.map((m) => m.name));
    nextToken = page.nextToken;
    assert.ok(++pages < 100);
  } while (nextToken);
  for (const name of [`greeter-${run}`, `page-${run}-0`, `page-${run}-1`, `page-${run}-2`]) assert.ok(seen.includes(name), name);
  await rejects(send(sfn.DescribeStateMachineCommand, { stateMachineArn: machineArn.replace("greeter-", "nobody-") }), "StateMachineDoesNotExist");
  await rejects(send(sfn.DescribeStateMachineCommand, { stateMachineArn: "not-an-arn" }), "InvalidArn");
});

await check("ValidateStateMachineDefinition", async () => {
  const ok = await send(sfn.ValidateStateMachineDefinitionCommand, { definition: passDefinition });
  assert.equal(ok.result, "OK");
  assert.deepEqual(ok.diagnostics, []);
  const bad = await send(sfn.ValidateStateMachineDefinitionCommand, { definition: '{"StartAt":"Missing","States":{"A":{"Type":"Pass","End":true}}}' });
  assert.equal(bad.result, "FAIL");
  assert.ok(bad.diagnostics.length >= 1);
  assert.equal(bad.diagnostics[0].severity, "ERROR");
  assert.ok(bad.diagnostics[0].code && bad.diagnostics[0].message);
});

let executionArn;
await check("StartExecution, DescribeExecution, GetExecutionHistory", async () => {
  const started = await send(sfn.StartExecutionCommand, { stateMachineArn: machineArn, name: "first", input: '{"who":"world"}' });
  executionArn = started.executionArn;
  assert.match(executionArn, /:execution:greeter-[^:]+:first$/);
  assert.ok(started.startDate instanceof Date);
  const d = await ended(executionArn);
  assert.equal(d.status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(d.output), { greeting: "hello world" });
  assert.equal(d.input, '{"who":"world"}');
  assert.equal(d.stateMachineArn, machineArn);
  assert.ok(d.stopDate instanceof Date);

  const history = await send(sfn.GetExecutionHistoryCommand, { executionArn });
  const types = history.events.map((e) => e.type);
  assert.deepEqual(types, ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]);
  assert.equal(history.events[0].id, 1);
  assert.equal(history.events[0].executionStartedEventDetails.input, '{"who":"world"}');
  assert.equal(history.events[0].executionStartedEventDetails.roleArn, role);  // the machine's role, as AWS records it
  const reversed = await send(sfn.GetExecutionHistoryCommand, { executionArn, reverseOrder: true, maxResults: 2, includeExecutionData: false });
  assert.deepEqual(reversed.events.map((e) => e.type), ["ExecutionSucceeded", "PassStateExited"]);
  assert.ok(reversed.nextToken);
  assert.equal(reversed.events[0].executionSucceededEventDetails.output, undefined);
  const rest = await send(sfn.GetExecutionHistoryCommand, { executionArn, reverseOrder: true, maxResults: 2, nextToken: reversed.nextToken });
  assert.deepEqual(rest.events.map((e) => e.id), [2, 1]);
});

await check("StartExecution is idempotent by name while the execution runs", async () => {
  // AWS: the same name and input as a RUNNING execution returns it; a closed one, or another
  // input, is ExecutionAlreadyExists.
  const napper = await send(sfn.CreateStateMachineCommand, { name: `idem-${run}`, definition: waitDefinition, roleArn: role });
  const first = await send(sfn.StartExecutionCommand, { stateMachineArn: napper.stateMachineArn, name: "once", input: '{"n":1}' });
  const again = await send(sfn.StartExecutionCommand, { stateMachineArn: napper.stateMachineArn, name: "once", input: '{"n":1}' });
  assert.equal(again.executionArn, first.executionArn);
  await rejects(send(sfn.StartExecutionCommand, { stateMachineArn: napper.stateMachineArn, name: "once", input: '{"n":2}' }), "ExecutionAlreadyExists");
  await send(sfn.StopExecutionCommand, { executionArn: first.executionArn });
  await rejects(send(sfn.StartExecutionCommand, { stateMachineArn: machineArn, name: "first", input: '{"who":"world"}' }), "ExecutionAlreadyExists");
  await rejects(send(sfn.StartExecutionCommand, { stateMachineArn: machineArn, input: "not json" }), "InvalidExecutionInput");
  await rejects(send(sfn.DescribeExecutionCommand, { executionArn: executionArn.replace(":first", ":never") }), "ExecutionDoesNotExist");
});

await check("StopExecution, ListExecutions with a status filter", async () => {
  const waiter = await send(sfn.CreateStateMachineCommand, { name: `napper-${run}`, definition: waitDefinition, roleArn: role });
  const started = await send(sfn.StartExecutionCommand, { stateMachineArn: waiter.stateMachineArn, name: "nap" });
  const running = await send(sfn.ListExecutionsCommand, { stateMachineArn: waiter.stateMachineArn, statusFilter: "RUNNING" });
  assert.deepEqual(running.executions.map((e) => e.name), ["nap"]);
  const stopped = await send(sfn.StopExecutionCommand, { executionArn: started.executionArn, error: "Ops.Cancelled", cause: "no longer needed" });
  assert.ok(stopped.stopDate instanceof Date);
  const d = await ended(started.executionArn);
  assert.equal(d.status, "ABORTED");
  const aborted = await send(sfn.ListExecutionsCommand, { stateMachineArn: waiter.stateMachineArn, statusFilter: "ABORTED" });
  assert.deepEqual(aborted.executions.map((e) => e.name), ["nap"]);
  const none = await send(sfn.ListExecutionsCommand, { stateMachineArn: waiter.stateMachineArn, statusFilter: "RUNNING" });
  assert.deepEqual(none.executions, []);
});

await check("RedriveExecution runs a failed execution again from the state that failed", async () => {
  const m = await send(sfn.CreateStateMachineCommand, { name: `redrive-${run}`, definition: failDefinition("first time"), roleArn: role });
  const started = await send(sfn.StartExecutionCommand, { stateMachineArn: m.stateMachineArn, name: "r1", input: '{"ok":false}' });
  const failed = await ended(started.executionArn);
  assert.equal(failed.status, "FAILED");
  assert.equal(failed.error, "Order.Broken");
  assert.equal(failed.redriveStatus, "REDRIVABLE");
  const redriven = await send(sfn.RedriveExecutionCommand, { executionArn: started.executionArn });
  assert.ok(redriven.redriveDate instanceof Date);
  const again = await ended(started.executionArn);
  assert.equal(again.status, "FAILED");  // the same Fail state fails again
  assert.equal(again.redriveCount, 1);
  await rejects(send(sfn.RedriveExecutionCommand, { executionArn: executionArn }), "ExecutionNotRedrivable");
});

await check("UpdateStateMachine with publish, then executions of the new revision", async () => {
  const updated = await send(sfn.UpdateStateMachineCommand, {
    stateMachineArn: machineArn,
    definition: JSON.stringify({ StartAt: "Greet", States: { Greet: { Type: "Pass", Result: "v2", End: true } } }),
    publish: true, versionDescription: "second",
  });
  assert.ok(updated.updateDate instanceof Date);
  assert.ok(updated.revisionId);
  assert.match(updated.stateMachineVersionArn, /:stateMachine:greeter-[^:]+:\d+$/);
  const started = await send(sfn.StartExecutionCommand, { stateMachineArn: machineArn, name: "second" });
  const d = await ended(started.executionArn);
  assert.equal(d.output, '"v2"');
  const version = await send(sfn.DescribeStateMachineCommand, { stateMachineArn: updated.stateMachineVersionArn });
  assert.equal(version.description, "second");
});

await check("EXPRESS: StartSyncExecution answers with the outcome; STANDARD refuses it", async () => {
  const m = await send(sfn.CreateStateMachineCommand, { name: `express-${run}`, definition: passDefinition, roleArn: role, type: "EXPRESS" });
  expressArn = m.stateMachineArn;
  const result = await send(sfn.StartSyncExecutionCommand, { stateMachineArn: expressArn, input: '{"who":"sync"}' });
  assert.equal(result.status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(result.output), { greeting: "hello sync" });
  assert.match(result.executionArn, /:express:express-/);
  assert.ok(result.startDate instanceof Date && result.stopDate instanceof Date);
  const failing = await send(sfn.CreateStateMachineCommand, { name: `express-fail-${run}`, definition: failDefinition("sync"), roleArn: role, type: "EXPRESS" });
  const failed = await send(sfn.StartSyncExecutionCommand, { stateMachineArn: failing.stateMachineArn, input: '{"ok":false}' });
  assert.equal(failed.status, "FAILED");
  assert.equal(failed.error, "Order.Broken");
  assert.equal(failed.cause, "sync");
  await rejects(send(sfn.StartSyncExecutionCommand, { stateMachineArn: machineArn }), "StateMachineTypeNotSupported");
});

await check("TestState runs one state", async () => {
  const result = await send(sfn.TestStateCommand, {
    definition: JSON.stringify({ Type: "Pass", Parameters: { "doubled.$": "States.MathAdd($.n, $.n)" }, Next: "After" }),
    roleArn: role, input: '{"n":21}', inspectionLevel: "DEBUG",
  });
  assert.equal(result.status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(result.output), { doubled: 42 });
  assert.equal(result.nextState, "After");
  assert.ok(result.inspectionData);
});

await check("Tags: TagResource, UntagResource, ListTagsForResource", async () => {
  let tags = await send(sfn.ListTagsForResourceCommand, { resourceArn: machineArn });
  assert.deepEqual(tags.tags, [{ key: "team", value: "orders" }]);
  await send(sfn.TagResourceCommand, { resourceArn: machineArn, tags: [{ key: "env", value: "test" }, { key: "team", value: "billing" }] });
  tags = await send(sfn.ListTagsForResourceCommand, { resourceArn: machineArn });
  assert.deepEqual(Object.fromEntries(tags.tags.map((t) => [t.key, t.value])), { team: "billing", env: "test" });
  await send(sfn.UntagResourceCommand, { resourceArn: machineArn, tagKeys: ["team"] });
  tags = await send(sfn.ListTagsForResourceCommand, { resourceArn: machineArn });
  assert.deepEqual(tags.tags, [{ key: "env", value: "test" }]);
  await rejects(send(sfn.ListTagsForResourceCommand, { resourceArn: machineArn.replace("greeter-", "ghost-") }), "ResourceNotFound");
});

await check("Activities: create, describe, list, and a worker takes the task", async () => {
  const created = await send(sfn.CreateActivityCommand, { name: `packer-${run}`, tags: [{ key: "k", value: "v" }] });
  activityArn = created.activityArn;
  assert.match(activityArn, /:activity:packer-/);
  const d = await send(sfn.DescribeActivityCommand, { activityArn });
  assert.equal(d.name, `packer-${run}`);
  const listed = await send(sfn.ListActivitiesCommand, {});
  assert.ok(listed.activities.some((a) => a.activityArn === activityArn));

  const m = await send(sfn.CreateStateMachineCommand, {
    name: `packing-${run}`, roleArn: role,
    definition: JSON.stringify({
      StartAt: "Pack",
      States: {
        Pack: { Type: "Task", Resource: activityArn, HeartbeatSeconds: 30, TimeoutSeconds: 120,
                Catch: [{ ErrorEquals: ["Packing.Failed"], ResultPath: "$.failure", Next: "Recovered" }], End: true },
        Recovered: { Type: "Pass", End: true },
      },
    }),
  });
  // A poll that waits for the task, then the task arrives.
  const poll = send(sfn.GetActivityTaskCommand, { activityArn, workerName: "worker-1" });
  await sleep(200);
  const ok = await send(sfn.StartExecutionCommand, { stateMachineArn: m.stateMachineArn, name: "ok", input: '{"box":1}' });
  const task = await poll;
  assert.ok(task.taskToken);
  assert.deepEqual(JSON.parse(task.input), { box: 1 });
  await send(sfn.SendTaskHeartbeatCommand, { taskToken: task.taskToken });
  await send(sfn.SendTaskSuccessCommand, { taskToken: task.taskToken, output: '{"packed":true}' });
  const d1 = await ended(ok.executionArn);
  assert.equal(d1.status, "SUCCEEDED");
  assert.equal(d1.output, '{"packed":true}');
  // A task already closed: AWS's TaskTimedOut ("expired or already closed").
  await rejects(send(sfn.SendTaskSuccessCommand, { taskToken: task.taskToken, output: "{}" }), "TaskTimedOut");

  // The task exists before the poll; the worker fails it and the Catch recovers.
  const bad = await send(sfn.StartExecutionCommand, { stateMachineArn: m.stateMachineArn, name: "bad", input: '{"box":2}' });
  const task2 = await until("an activity task", async () => {
    const t = await send(sfn.GetActivityTaskCommand, { activityArn, workerName: "worker-2" });
    return t.taskToken ? t : null;
  });
  await send(sfn.SendTaskFailureCommand, { taskToken: task2.taskToken, error: "Packing.Failed", cause: "no boxes left" });
  const d2 = await ended(bad.executionArn);
  assert.equal(d2.status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(d2.output).failure, { Error: "Packing.Failed", Cause: "no boxes left" });

  // A token of no shape stepfn issues; the error does not echo it (a token is a credential).
  const refused = await rejects(send(sfn.SendTaskSuccessCommand, { taskToken: "x".repeat(40), output: "{}" }), "InvalidToken");
  assert.ok(!refused.message.includes("x".repeat(40)), refused.message);
  await rejects(send(sfn.GetActivityTaskCommand, { activityArn: activityArn.replace("packer-", "ghost-") }), "ActivityDoesNotExist");
  await send(sfn.DeleteActivityCommand, { activityArn });
  await rejects(send(sfn.DescribeActivityCommand, { activityArn }), "ActivityDoesNotExist");
});

await check("Task resources go to the --invokers file (a command reading the input on stdin)", async () => {
  const m = await send(sfn.CreateStateMachineCommand, {
    name: `invokers-${run}`, roleArn: role,
    definition: JSON.stringify({ StartAt: "Echo", States: { Echo: { Type: "Task", Resource: "echo-command", ResultPath: "$.echoed", End: true } } }),
  });
  const started = await send(sfn.StartExecutionCommand, { stateMachineArn: m.stateMachineArn, input: '{"word":"hi"}' });
  const d = await ended(started.executionArn);
  assert.equal(d.status, "SUCCEEDED", `${d.error}: ${d.cause}`);
  assert.deepEqual(JSON.parse(d.output), { word: "hi", echoed: { word: "hi" } });
});

await check("DeleteStateMachine removes the machine at once (docs/api.md)", async () => {
  const m = await send(sfn.CreateStateMachineCommand, { name: `doomed-${run}`, definition: passDefinition, roleArn: role });
  await send(sfn.DeleteStateMachineCommand, { stateMachineArn: m.stateMachineArn });
  await rejects(send(sfn.DescribeStateMachineCommand, { stateMachineArn: m.stateMachineArn }), "StateMachineDoesNotExist");
  await rejects(send(sfn.StartExecutionCommand, { stateMachineArn: m.stateMachineArn }), "StateMachineDoesNotExist");
});

// What the SDK never sends: the protocol's own errors, seen over raw HTTP.
async function raw(target, body, contentType = "application/x-amz-json-1.0") {
  const headers = { "Content-Type": contentType };
  if (target) headers["X-Amz-Target"] = target;
  const response = await fetch(endpoint, { method: "POST", headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}
const errorName = (body) => String(body.__type || "").split("#").pop();

await check("Protocol errors: unknown action, malformed JSON, wrong member types", async () => {
  const unknown = await raw("AWSStepFunctions.FlyToTheMoon", "{}");
  assert.equal(unknown.status, 400);
  assert.equal(errorName(unknown.body), "UnknownOperationException");
  const malformed = await raw("AWSStepFunctions.ListStateMachines", "{not json");
  assert.equal(malformed.status, 400);
  assert.equal(errorName(malformed.body), "SerializationException");
  const wrongType = await raw("AWSStepFunctions.DescribeStateMachine", '{"stateMachineArn": 42}');
  assert.equal(wrongType.status, 400);
  assert.equal(errorName(wrongType.body), "SerializationException");
  const missing = await raw("AWSStepFunctions.DescribeExecution", "{}");
  assert.equal(missing.status, 400);
  assert.equal(errorName(missing.body), "ValidationException");
});

finish();
