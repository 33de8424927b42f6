import { createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Kafka } from "kafkajs";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { exited, spawnWorker, waitForOutput } from "../../support/worker-process.js";
import { decisionCounts, post, producePosts, readDecisionsFor, testConfig } from "../../support/worker.js";

// Two workers in exactly-once mode. One is frozen (SIGSTOP) past the session timeout while it
// holds model-bound work, so the group gives its partitions to the other, and then thawed: its
// transactions must fail (the new owner's producer fenced it), not commit a second decision.
// Then the other is killed (SIGKILL) and restarted. Every post ends with exactly one decision
// (read_committed).
const SESSION_MS = 6000;
const ns = testNamespace("zombie exactly once");
const base = testConfig(ns, {
  kafka: { exactlyOnce: true, maxRecordsPerCommit: 50, sessionTimeoutMs: SESSION_MS, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 12_000 },
  engine: { rationaleMaxChars: 60 },
  cache: { enabled: false },
  log: { level: "info" },
});
const configA = { ...base, workerId: `${ns.id}-a` };
const configB = { ...base, workerId: `${ns.id}-b` };
const N = 600;
let kafka: Kafka;

beforeAll(() => {
  kafka = testKafka(ns.id);
});

test("a worker frozen past the session timeout, then thawed, and a worker killed: every post has exactly one decision", async () => {
  const posts = Array.from({ length: N }, (_, i) =>
    i % 10 === 0 ? post(`z-${i}`, `selling aimbot license #${i}, undetected, cheap`) : post(`z-${i}`, `nice round ${i}, gg`),
  );
  const modelPosts = posts.filter((p) => p.text.includes("aimbot")).length;
  expect(modelPosts).toBe(60);
  const logFile = path.join(tmpdir(), `${ns.id}.log`);
  const log = createWriteStream(logFile);
  const a = spawnWorker(configA, log);
  let b = spawnWorker(configB, log);
  await Promise.all([waitForOutput(a, /worker started/, 90_000), waitForOutput(b, /worker started/, 90_000)]);
  // The thawed worker learns it was expelled one of two ways, whichever comes first: its next
  // transaction is fenced by the partition's new owner, or its next heartbeat hears that the
  // coordinator no longer knows it. Either shows it was a zombie holding work, not merely idle.
  const expelled = waitForOutput(a, /fenced by the partition's new owner|The coordinator is not aware of this member/, 180_000).then(
    () => true,
    () => false,
  );
  await producePosts(kafka, base.kafka.topics.posts, posts.slice(0, N / 2));

  // Both hold model calls in flight a few seconds in (30 model posts so far, 2 sequences each).
  await new Promise((r) => setTimeout(r, 4000));
  a.kill("SIGSTOP");
  // Posts keep coming while it is frozen, so it thaws into a fetch answered with records it
  // decides and tries to commit before it hears that it has left the group.
  const frozenUntil = Date.now() + 2.5 * SESSION_MS;
  for (let i = N / 2; i < N; i += 10) {
    await producePosts(kafka, base.kafka.topics.posts, posts.slice(i, i + 10));
    await new Promise((r) => setTimeout(r, Math.max(0, (frozenUntil - Date.now()) / ((N - i) / 10))));
  }
  await new Promise((r) => setTimeout(r, Math.max(0, frozenUntil - Date.now())));
  a.kill("SIGCONT");
  await new Promise((r) => setTimeout(r, 3000));
  b.kill("SIGKILL");
  expect(await exited(b)).toBeNull();
  b = spawnWorker(configB, log);

  const decisions = await readDecisionsFor(kafka, base.kafka.topics.decisions, N, { groupId: ns.group("check"), timeoutMs: 300_000, settleMs: 5000 });
  a.kill("SIGTERM");
  b.kill("SIGTERM");
  expect(await exited(a)).toBe(0);
  expect(await exited(b)).toBe(0);
  log.end();

  expect({ ...decisionCounts(posts, decisions), log: logFile }).toEqual({ missing: [], missingCount: 0, duplicated: [], duplicatedCount: 0, log: logFile });
  expect(decisions.filter((d) => d.stage === "primary").length).toBe(modelPosts);
  // The thawed worker really was expelled from the group while frozen (see above).
  expect(await expelled).toBe(true);
}, 420_000);
