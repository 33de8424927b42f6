import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { Consumer } from "kafkajs";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { startClassifierWorker, type RunningWorker } from "../../../workers/classifier/classifier-worker.js";
import { parsePolicy } from "@arbiter/shared/policy/parse-policy.js";
import { PolicySet } from "@arbiter/shared/policy/policy-set.js";
import { parseStored, PolicyRegistry, registryPrefix } from "@arbiter/shared/policy-registry/policy-registry.js";
import { capturedLogger } from "../../support/captured-logger.js";
import { runCli } from "../../support/cli.js";
import { redisUrl, repoRoot } from "../../support/env.js";
import { eventually } from "../../support/eventually.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { codecs, decisionCounts, post, producePosts, testConfig } from "../../support/worker.js";

jest.setTimeout(300_000);

const ns = testNamespace("policy hot reload");
const primaryConfig = testConfig(ns, { pipeline: { screenThreads: 2 }, policies: { registry: { refreshMs: 60_000 } } });
const escalationConfig = testConfig(ns, { role: "escalation", policies: { registry: { refreshMs: 60_000 } } });
const cliEnv = { ARBITER_CONFIG_JSON: JSON.stringify(primaryConfig) };
const kafka = testKafka(ns.id);
const redis = new Redis(redisUrl);
const registry = new PolicyRegistry(redis, registryPrefix(primaryConfig.redis.keyPrefix));
const primaryLog = capturedLogger();
const escalationLog = capturedLogger();
const workers: RunningWorker[] = [];
const decisions: Decision[] = [];
let consumer: Consumer;
let traffic: { stop(): Promise<unknown> } | null = null;

const original = readFileSync(path.join(repoRoot, "test/fixtures/policies/test-spam.md"), "utf8");
// The edit: one more keyword, so a post about pineapples goes to the model instead of being allowed at the
// prefilter (with the Definitions section a push requires and a fourth example, which the test fixture lacks).
const edited = original
  .replace("  - free money\n", "  - free money\n  - pineapple\n")
  .replace("## Examples\n", '## Examples\n- "Pineapple phones 90% off, order at example dot com" -> violate, SP2\n')
  .replace("## Violates (1)", "## Definitions\n- **Promotion**: content that advertises a product, a service or an account.\n\n## Violates (1)");
const draft = path.join(mkdtempSync(path.join(tmpdir(), "arbiter-hot-reload-")), "test-spam.md");
writeFileSync(draft, edited);

beforeAll(async () => {
  workers.push(await startClassifierWorker(primaryConfig, primaryLog.logger));
  workers.push(await startClassifierWorker(escalationConfig, escalationLog.logger));
  consumer = kafka.consumer({ groupId: ns.group("check"), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: primaryConfig.kafka.topics.decisions, fromBeginning: true });
  void consumer.run({ eachMessage: async ({ message }) => void decisions.push(codecs.decision.decode(message.value!, message.headers)) });
}, 120_000);

afterAll(async () => {
  await traffic?.stop();
  await consumer?.disconnect();
  await Promise.all(workers.map((w) => w.stop()));
  redis.disconnect();
}, 90_000);

/** The set version the worker runs when the registry's current policies are in force. */
async function registrySetVersion(): Promise<string> {
  return new PolicySet((await registry.currentPolicies()).map(parseStored)).version;
}

/** Produces a benign post every 100 ms until stopped; returns the posts sent. */
function steadyTraffic(prefix: string): { stop(): Promise<ReturnType<typeof post>[]> } {
  const sent: ReturnType<typeof post>[] = [];
  let running = true;
  const loop = (async () => {
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; running; i++) {
      const p = post(`${prefix}-${i}`, `Nice round ${i}, well played everyone`);
      await producer.send({ topic: primaryConfig.kafka.topics.posts, acks: -1, messages: [{ key: p.id, ...codecs.post.encode(p) }] });
      sent.push(p);
      await new Promise((r) => setTimeout(r, 100));
    }
    await producer.disconnect();
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return sent;
    },
  };
}

/** Pushes (or rolls back) through the CLI, then returns when the change was made (the registry log's time) and the set version it leads to. */
async function change(args: string[]): Promise<{ at: number; setVersion: string; stdout: string }> {
  const run = await runCli(["policy", ...args], cliEnv);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
  const last = (await registry.history("test-spam")).at(-1)!;
  return { at: last.at, setVersion: await registrySetVersion(), stdout: run.stdout };
}

/** How long after `at` the primary worker decided under `setVersion` first, and the last decision under any other version. */
function switchTimes(at: number, setVersion: string): { firstNewMs: number | null; lastOldMs: number | null } {
  const after = decisions.filter((d) => d.decidedAt >= at);
  const firstNew = after.find((d) => d.policySetVersion === setVersion);
  const old = after.filter((d) => d.policySetVersion !== setVersion && d.stage !== "escalation");
  return { firstNewMs: firstNew ? firstNew.decidedAt - at : null, lastOldMs: old.length > 0 ? Math.max(...old.map((d) => d.decidedAt)) - at : null };
}

test("a push reaches the running primary (screen threads included) and escalation workers within 5 s, and a rollback too; no post dropped or decided twice", async () => {
  const startVersion = await registrySetVersion();
  const steady = steadyTraffic("steady");
  traffic = steady;
  await eventually(() => (decisions.length >= 5 ? true : undefined), 60_000, "decisions flowing");
  expect(decisions.every((d) => d.policySetVersion === startVersion)).toBe(true);

  // Before the push, "pineapple" is no keyword: the post is allowed at the prefilter.
  await producePosts(kafka, primaryConfig.kafka.topics.posts, [post("pineapple-before", "Pineapple on pizza is the best topping")]);
  const before = await eventually(() => decisions.find((d) => d.postId === "pineapple-before"), 30_000, "the first pineapple post's decision");
  expect(before).toMatchObject({ stage: "prefilter", action: "ALLOW", policySetVersion: startVersion });

  const pushed = await change(["push", draft]);
  const newPolicyVersion = parsePolicy(edited, draft).version;
  expect(pushed.stdout).toContain(`pushed test-spam@${newPolicyVersion}`);
  expect(pushed.setVersion).not.toBe(startVersion);
  await eventually(() => (switchTimes(pushed.at, pushed.setVersion).firstNewMs !== null ? true : undefined), 10_000, "a decision under the pushed version");
  // Traffic runs on for another 6 s: no decision under the old set may come later than 5 s after the push.
  await new Promise((r) => setTimeout(r, 6000));
  const pushTimes = switchTimes(pushed.at, pushed.setVersion);
  process.stdout.write(
    `push -> first decision under the new version: ${pushTimes.firstNewMs} ms; last decision under the old one: ${pushTimes.lastOldMs ?? "none"} ms after the push\n`,
  );
  expect(pushTimes.firstNewMs).toBeLessThan(5000);
  expect(pushTimes.lastOldMs ?? 0).toBeLessThan(5000);

  // After the push, the same kind of post goes to the model, and its verdict names the pushed version.
  await producePosts(kafka, primaryConfig.kafka.topics.posts, [post("pineapple-after", "Pineapple on pizza, yes or no?")]);
  const after = await eventually(() => decisions.find((d) => d.postId === "pineapple-after"), 120_000, "the second pineapple post's decision");
  expect(after.stage).toBe("primary");
  expect(after.policySetVersion).toBe(pushed.setVersion);
  expect(after.verdicts.find((v) => v.policyId === "test-spam")).toMatchObject({ policyVersion: newPolicyVersion, source: "model" });

  const rolled = await change(["rollback", "test-spam"]);
  expect(rolled.setVersion).toBe(startVersion);
  await eventually(() => (switchTimes(rolled.at, startVersion).firstNewMs !== null ? true : undefined), 10_000, "a decision under the rolled-back version");
  await new Promise((r) => setTimeout(r, 6000));
  const rollbackTimes = switchTimes(rolled.at, startVersion);
  process.stdout.write(
    `rollback -> first decision under the old version again: ${rollbackTimes.firstNewMs} ms; last under the pushed one: ${rollbackTimes.lastOldMs ?? "none"} ms after\n`,
  );
  expect(rollbackTimes.firstNewMs).toBeLessThan(5000);
  expect(rollbackTimes.lastOldMs ?? 0).toBeLessThan(5000);
  await producePosts(kafka, primaryConfig.kafka.topics.posts, [post("pineapple-rolled-back", "Pineapple again, sorry")]);
  const rolledBack = await eventually(() => decisions.find((d) => d.postId === "pineapple-rolled-back"), 30_000, "the third pineapple post's decision");
  expect(rolledBack).toMatchObject({ stage: "prefilter", action: "ALLOW", policySetVersion: startVersion });

  const sent = await steady.stop();
  await eventually(() => (sent.every((p) => decisions.some((d) => d.postId === p.id)) ? true : undefined), 60_000, "every steady post decided");
  await new Promise((r) => setTimeout(r, 2000));
  const primaryDecisions = decisions.filter((d) => d.stage !== "escalation");
  expect(decisionCounts(sent, primaryDecisions)).toEqual({ missing: [], missingCount: 0, duplicated: [], duplicatedCount: 0 });
  expect(sent.length).toBeGreaterThan(100);

  // Both roles logged each switch; the escalation role has no screen threads but decides under the same versions.
  for (const log of [primaryLog, escalationLog]) {
    const switches = log.lines.filter((l) => l.msg === "policies switched").map((l) => l.to);
    expect(switches).toEqual([pushed.setVersion, startVersion]);
  }
});
