import { createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Kafka } from "kafkajs";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { exited, spawnWorker, waitForOutput } from "../../support/worker-process.js";
import { decisionCounts, post, producePosts, readDecisionsFor, testConfig } from "../../support/worker.js";

// 5,000 posts, 60 of them distinct enough to reach the model; the worker is killed with
// SIGKILL three times at random moments and restarted. In exactly-once mode every post must
// end with exactly one decision (read_committed).
const ns = testNamespace("crash exactly once");
const config = testConfig(ns, {
  kafka: { exactlyOnce: true, maxRecordsPerCommit: 200 },
  engine: { rationaleMaxChars: 60 },
  cache: { enabled: false },
  log: { level: "info" },
});
const N = 5000;
const flaggedEvery = Math.floor(N / 60);
let kafka: Kafka;

beforeAll(() => {
  kafka = testKafka(ns.id);
});

test("SIGKILL three times mid-stream: every post has exactly one decision", async () => {
  const posts = Array.from({ length: N }, (_, i) =>
    i % flaggedEvery === 0 ? post(`p-${i}`, `selling aimbot license #${i}, undetected, cheap`) : post(`p-${i}`, `nice round ${i}, gg`),
  );
  const modelPosts = posts.filter((p) => p.text.includes("aimbot")).length;
  expect(modelPosts).toBeGreaterThanOrEqual(50);
  const log = createWriteStream(path.join(tmpdir(), `${ns.id}.log`));
  let worker = spawnWorker(config, log);
  await producePosts(kafka, config.kafka.topics.posts, posts);

  for (let kill = 0; kill < 3; kill++) {
    // Kill while it works: after it has joined the group, at a random moment 1-8 s in.
    await waitForOutput(worker, /worker started/, 60_000);
    await new Promise((r) => setTimeout(r, 1000 + Math.random() * 7000));
    worker.kill("SIGKILL");
    expect(await exited(worker)).toBeNull();
    worker = spawnWorker(config, log);
  }

  const decisions = await readDecisionsFor(kafka, config.kafka.topics.decisions, N, {
    groupId: ns.group("check"),
    timeoutMs: 400_000,
    settleMs: 3000,
  });
  worker.kill("SIGTERM");
  expect(await exited(worker)).toBe(0);
  log.end();

  expect(decisionCounts(posts, decisions)).toEqual({ missing: [], missingCount: 0, duplicated: [], duplicatedCount: 0 });
  expect(decisions.filter((d) => d.stage === "primary").length).toBe(modelPosts);
}, 600_000);
