import { jest } from "@jest/globals";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { startClassifierWorker, type RunningWorker } from "../../../workers/classifier/classifier-worker.js";
import { parsePolicy } from "@arbiter/shared/policy/parse-policy.js";
import { PolicySet } from "@arbiter/shared/policy/policy-set.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { PolicyRegistry, registryPrefix } from "@arbiter/shared/policy-registry/policy-registry.js";
import { capturedLogger } from "../../support/captured-logger.js";
import { repoRoot } from "../../support/env.js";
import { eventually } from "../../support/eventually.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { PrivateRedis } from "../../support/private-services.js";
import { post, producePosts, readDecisionsFor, testConfig } from "../../support/worker.js";

jest.setTimeout(300_000);

// Its own Redis, so that stopping it disturbs no other test.
const redis = new PrivateRedis(17379 + (process.pid % 500));
const ns = testNamespace("policy registry outage");
const config = testConfig(ns, { redis: { url: redis.url }, policies: { registry: { startTimeoutMs: 1000, refreshMs: 1000 } } });
const snapshotFile = path.resolve(repoRoot, config.policies.registry.snapshotFile);
const kafka = testKafka(ns.id);
const running: RunningWorker[] = [];

afterAll(async () => {
  await Promise.all(running.map((w) => w.stop()));
  await redis.stop();
  rmSync(snapshotFile, { force: true });
}, 90_000);

const readyz = async (worker: RunningWorker) => {
  const response = await fetch(`http://127.0.0.1:${worker.httpPort}/readyz`);
  return { status: response.status, body: await response.text() };
};

test("a worker that starts while Redis is down runs on its snapshot of the registry, says so in its log and on /readyz, and goes back to the registry when Redis returns", async () => {
  const folderSet = await loadPolicySet(config.policies.dir);
  const original = readFileSync(path.join(config.policies.dir, "test-spam.md"), "utf8");
  const edited = original.replace("escalation_threshold: 0.5", "escalation_threshold: 0.55");
  const editedPolicy = parsePolicy(edited, "test-spam.md");
  const editedSet = new PolicySet(folderSet.policies.map((p) => (p.id === "test-spam" ? editedPolicy : p)));

  // 1. Redis up: the worker seeds the registry from the folder; a push reaches it, and its snapshot follows.
  await redis.start();
  const first = await startClassifierWorker(config, capturedLogger().logger);
  running.push(first);
  const client = new Redis(redis.url);
  const registry = new PolicyRegistry(client, registryPrefix(config.redis.keyPrefix));
  expect([...(await registry.current()).entries()].sort()).toEqual(folderSet.policies.map((p) => [p.id, p.version]).sort());
  await registry.makeCurrent({ id: "test-spam", version: editedPolicy.version, text: edited }, "push");
  client.disconnect();
  await eventually(
    () => (existsSync(snapshotFile) && readFileSync(snapshotFile, "utf8").includes(editedPolicy.version) ? true : undefined),
    10_000,
    "the snapshot to hold the pushed version",
  );
  expect((await readyz(first)).body).toContain(`policies: registry ${registryPrefix(config.redis.keyPrefix)}, set ${editedSet.version}`);
  await first.stop();
  running.pop();

  // 2. Redis down: the next worker starts on the snapshot (the pushed version, not the folder's) and says so.
  await redis.stop();
  const log = capturedLogger();
  const second = await startClassifierWorker(config, log.logger);
  running.push(second);
  const warning = log.lines.find((l) => String(l.msg).startsWith("policy registry unreachable at start; running on the last known set: "));
  expect(warning).toMatchObject({ level: 40, source: "snapshot", policySet: editedSet.version });
  expect(String(warning!.msg)).toContain(`policies: snapshot ${snapshotFile}`);
  const ready = await eventually(
    async () => {
      const r = await readyz(second);
      return r.status === 200 ? r : undefined;
    },
    60_000,
    "/readyz 200",
  );
  expect(ready.body).toMatch(
    new RegExp(
      `^ok\\npolicies: snapshot ${snapshotFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} saved \\S+, set ${editedSet.version} \\(the registry was unreachable at start: `,
    ),
  );
  await producePosts(kafka, config.kafka.topics.posts, [post("while-down", "Nice match, well played")]);
  const [decision] = await readDecisionsFor(kafka, config.kafka.topics.decisions, 1, { groupId: ns.group("check"), timeoutMs: 60_000 });
  expect(decision).toMatchObject({ postId: "while-down", stage: "prefilter", policySetVersion: editedSet.version });

  // 3. Redis back, empty (a new server): the worker seeds it with the set it runs, and runs on the registry again.
  await redis.start();
  const back = await eventually(
    async () => {
      const r = await readyz(second);
      return r.body.includes("policies: registry") ? r : undefined;
    },
    15_000,
    "/readyz to name the registry again",
  );
  expect(back.body).toContain(`set ${editedSet.version}`);
  const again = new Redis(redis.url);
  expect((await new PolicyRegistry(again, registryPrefix(config.redis.keyPrefix)).current()).get("test-spam")).toBe(editedPolicy.version);
  again.disconnect();
  expect(log.lines.some((l) => l.msg === "policy registry was empty; seeded it with the policies in force")).toBe(true);
});
