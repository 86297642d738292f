// The AWS SDK for JavaScript v3 against `stepfn serve --auth auth.json`: requests signed by the
// SDK (SigV4) with valid credentials, a wrong secret, session credentials with and without their
// token and after they expired, and a principal whose policies allow some actions and not others.
//
//   node auth_client_test.mjs http://127.0.0.1:PORT
//
// Prints one line per check ("ok - ..." / "not ok - ...") and exits 1 when any failed.
import assert from "node:assert/strict";
import * as sfn from "@aws-sdk/client-sfn";
import { check, finish, rejects } from "./checks.mjs";

const endpoint = process.argv[2];
if (!endpoint) {
  console.error("usage: node auth_client_test.mjs http://127.0.0.1:PORT");
  process.exit(2);
}
const clientFor = (credentials) => new sfn.SFNClient({ endpoint, region: "us-east-1", credentials, disableHostPrefix: true, maxAttempts: 1 });
const admin = clientFor({ accessKeyId: "AKIDSDKADMIN", secretAccessKey: "sdk-admin-secret" });
const runner = clientFor({ accessKeyId: "AKIDSDKRUNNER", secretAccessKey: "sdk-runner-secret" });
const role = "arn:aws:iam::123456789012:role/stepfn-test";
const run = Date.now().toString(36);
const definition = JSON.stringify({ StartAt: "P", States: { P: { Type: "Pass", End: true } } });


let orders, other;
await check("signed with a configured key: the call is answered", async () => {
  orders = (await admin.send(new sfn.CreateStateMachineCommand({ name: `orders-${run}`, definition, roleArn: role }))).stateMachineArn;
  other = (await admin.send(new sfn.CreateStateMachineCommand({ name: `ledger-${run}`, definition, roleArn: role }))).stateMachineArn;
  const listed = await admin.send(new sfn.ListStateMachinesCommand({}));
  assert.ok(listed.stateMachines.some((m) => m.stateMachineArn === orders));
});

await check("a wrong secret: InvalidSignatureException", async () => {
  const wrong = clientFor({ accessKeyId: "AKIDSDKADMIN", secretAccessKey: "not-the-secret" });
  const e = await rejects(wrong.send(new sfn.ListStateMachinesCommand({})), "InvalidSignatureException");
  assert.match(e.message, /^The request signature we calculated does not match/);
});

await check("an unknown access key: UnrecognizedClientException", async () => {
  const nobody = clientFor({ accessKeyId: "AKIDNOBODY", secretAccessKey: "x" });
  await rejects(nobody.send(new sfn.ListStateMachinesCommand({})), "UnrecognizedClientException");
});

await check("session credentials with their token are answered; without it they are not", async () => {
  const session = clientFor({ accessKeyId: "ASIASDKSESSION", secretAccessKey: "sdk-session-secret", sessionToken: "sdk-session-token" });
  await session.send(new sfn.ListStateMachinesCommand({}));
  const tokenless = clientFor({ accessKeyId: "ASIASDKSESSION", secretAccessKey: "sdk-session-secret" });
  await rejects(tokenless.send(new sfn.ListStateMachinesCommand({})), "UnrecognizedClientException");
});

await check("expired session credentials: ExpiredTokenException", async () => {
  const expired = clientFor({ accessKeyId: "ASIASDKEXPIRED", secretAccessKey: "sdk-expired-secret", sessionToken: "sdk-expired-token" });
  const e = await rejects(expired.send(new sfn.ListStateMachinesCommand({})), "ExpiredTokenException");
  assert.equal(e.message, "The security token included in the request is expired");
});

await check("the runner's policy: StartExecution on orders-* only, AccessDeniedException elsewhere", async () => {
  const started = await runner.send(new sfn.StartExecutionCommand({ stateMachineArn: orders, name: "first" }));
  assert.match(started.executionArn, /:execution:orders-/);
  await runner.send(new sfn.DescribeExecutionCommand({ executionArn: started.executionArn }));
  const e = await rejects(runner.send(new sfn.StartExecutionCommand({ stateMachineArn: other })), "AccessDeniedException");
  assert.equal(e.message, `User: arn:aws:iam::123456789012:user/runner is not authorized to perform: states:StartExecution on resource: ${other} because no identity-based policy allows the states:StartExecution action`);
  await rejects(runner.send(new sfn.DeleteStateMachineCommand({ stateMachineArn: orders })), "AccessDeniedException");
  await rejects(runner.send(new sfn.StopExecutionCommand({ executionArn: started.executionArn })), "AccessDeniedException");
});

await check("a Task its execution role does not allow fails with AWS's error before anything runs it", async () => {
  const task = (fn) => JSON.stringify({ StartAt: "T", States: { T: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: fn }, End: true } } });
  const ordersRole = "arn:aws:iam::123456789012:role/orders";
  const refund = (await admin.send(new sfn.CreateStateMachineCommand({ name: `refund-${run}`, definition: task("refund"), roleArn: ordersRole }))).stateMachineArn;
  const charge = (await admin.send(new sfn.CreateStateMachineCommand({ name: `charge-${run}`, definition: task("charge-card"), roleArn: ordersRole }))).stateMachineArn;
  const finished = async (machine) => {
    const { executionArn } = await admin.send(new sfn.StartExecutionCommand({ stateMachineArn: machine }));
    for (let i = 0; i < 400; i++) {
      const d = await admin.send(new sfn.DescribeExecutionCommand({ executionArn }));
      if (d.status !== "RUNNING") return d;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail("the execution did not end");
  };
  const denied = await finished(refund);
  assert.equal(denied.status, "FAILED");
  assert.equal(denied.error, "Lambda.AWSLambdaException");
  assert.match(denied.cause, /^User: arn:aws:sts::123456789012:assumed-role\/orders\/[^ ]+ is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:refund because no identity-based policy allows the lambda:InvokeFunction action/);
  // Allowed by the role: it reaches the (absent) invoker and fails there instead.
  const allowed = await finished(charge);
  assert.equal(allowed.error, "States.Runtime");
});

await check("an unsigned request: refused", async () => {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AWSStepFunctions.ListStateMachines" },
    body: "{}",
  });
  assert.equal(response.status, 403);
  assert.equal((await response.json()).__type, "MissingAuthenticationTokenException");
});

finish();
