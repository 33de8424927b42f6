import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Kafka } from "kafkajs";
import { createTopics, newTopic, topicSpecs } from "@arbiter/shared/kafka/topic-admin.js";
import { finished, spawnCli } from "../../support/cli.js";
import { eventually } from "../../support/eventually.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { post, producePosts, readRecords, testConfig } from "../../support/worker.js";

jest.setTimeout(600_000);

// The real path: `arbiter replay` as its own process, with Gemma 3 270M (GGUF) deciding the
// posts the prefilter flags, killed with SIGKILL mid-range and run again.
const dir = mkdtempSync(path.join(tmpdir(), "arbiter-replay-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ns = testNamespace("replay resume");
const config = testConfig(ns, {
  cache: { enabled: false },
  replay: { stateDir: path.join(dir, "state") },
  policies: { only: ["test-spam"] },
  log: { level: "warn" },
});
const topics = config.kafka.topics;
const env = { ARBITER_CONFIG_JSON: JSON.stringify(config) };
const N = 36;
const posts = Array.from({ length: N }, (_, i) =>
  i % 3 === 0 ? post(`p-${i}`, `buy followers cheap, pack ${i}`) : post(`p-${i}`, `good game everyone, round ${i}`),
);
const args = ["replay", "--policy", "test-spam", "--from", "0", "--max-model-calls", "1", "--json", path.join(dir, "diff.json"), "-q"];
let kafka: Kafka;

beforeAll(async () => {
  kafka = testKafka(ns.id);
  await createTopics(kafka, topicSpecs(topics, config.topics).map(newTopic));
  await producePosts(kafka, topics.posts, posts);
});

async function committedDone(groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topics.posts] });
    return (entry?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

test("SIGKILL mid-replay, then the same command: every post in the range decided exactly once", async () => {
  const first = spawnCli(args, env);
  let stderr = "";
  first.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  first.stdout!.resume();
  const replayId = await eventually(() => /replay (r-[0-9a-f]{12}) of/.exec(stderr)?.[1], 60_000, "the replay id on stderr");
  const groupId = `${config.kafka.groupId}.replay.${replayId}`;
  // Killed once some of the range is committed and some is not.
  const at = await eventually(
    async () => {
      const done = await committedDone(groupId);
      return done > 0 && done < N ? done : undefined;
    },
    240_000,
    "part of the range committed",
  );
  first.kill("SIGKILL");
  await new Promise((resolve) => first.once("close", resolve));
  const afterKill = await committedDone(groupId);
  process.stdout.write(`replay ${replayId}: killed with ${at}..${afterKill} of ${N} records committed\n`);
  expect(afterKill).toBeLessThan(N);

  const second = await finished(spawnCli(args, env), 400_000, args);
  expect(second.stderr).toContain(`replay ${replayId} of test-spam@`);
  expect(second.stderr).toContain("(resuming)");
  expect(second.code).toBe(0);
  expect(second.stdout).toContain(`replay ${replayId}: policy test-spam@`);
  expect(second.stdout).toContain(`posts replayed: ${N}; without a decision in force: ${N}`);
  const report = JSON.parse(readFileSync(path.join(dir, "diff.json"), "utf8")) as { posts: number; replayId: string };
  expect(report).toMatchObject({ posts: N, replayId });

  const shadow = await readRecords(kafka, topics.shadow, "decision", {
    groupId: ns.group("check"),
    until: (s) => s.length >= N,
    timeoutMs: 30_000,
    settleMs: 3000,
  });
  const counts = new Map<string, number>();
  for (const d of shadow) counts.set(d.postId, (counts.get(d.postId) ?? 0) + 1);
  expect(posts.filter((p) => !counts.has(p.id)).map((p) => p.id)).toEqual([]);
  expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
  expect(shadow.every((d) => d.replayId === replayId && d.stage === "replay")).toBe(true);
  // The flagged posts went to the model (a verdict each); the rest were allowed at the prefilter.
  expect(shadow.filter((d) => d.verdicts.length > 0).length).toBe(N / 3);
  expect(shadow.filter((d) => d.verdicts.length > 0).every((d) => d.modelId === "gemma-3-270m")).toBe(true);
});
