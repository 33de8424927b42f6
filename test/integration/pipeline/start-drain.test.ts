// `npm start` and Ctrl-C: scripts/start.sh runs in a process group of its own, as a terminal's
// foreground job would, and the whole group gets SIGINT, as a terminal's Ctrl-C sends it. Each
// worker must drain (finish and commit what it holds) and exit 0.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Kafka } from "kafkajs";
import type { Post } from "@arbiter/shared/codec/records.js";
import { repoRoot } from "../../support/env.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { codecs, post, readDecisionsFor, testConfig } from "../../support/worker.js";
import { exited } from "../../support/worker-process.js";

const ns = testNamespace("start drain");
// Room to finish the model calls in flight: a drain that runs out of time leaves them uncommitted.
const config = testConfig(ns, { log: { level: "info" }, shutdownTimeoutMs: 90_000 });
const { topics } = config.kafka;
const logDir = mkdtempSync(path.join(os.tmpdir(), "arbiter-start-drain-"));

function log(role: "primary" | "escalation"): string {
  const file = path.join(logDir, `${role}.log`);
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

async function waitForLog(role: "primary" | "escalation", pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(log(role))) {
    if (Date.now() > deadline) throw new Error(`${role} did not log ${pattern} within ${timeoutMs} ms:\n${log(role).slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every partition's committed offset for the group has reached the topic's end. */
async function committedToEnd(kafka: Kafka, groupId: string, topic: string): Promise<{ partition: number; end: string; committed: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return ends.map(({ partition, offset }) => {
      const c = committed?.partitions.find((p) => p.partition === partition)?.offset ?? "-1";
      // Nothing to commit in an empty partition: -1 (no offset) is its end.
      return { partition, end: offset, committed: c === "-1" && offset === "0" ? "0" : c };
    });
  } finally {
    await admin.disconnect();
  }
}

test("Ctrl-C on npm start drains both workers: each exits 0 and every post in flight is decided and committed", async () => {
  const kafka = testKafka("start-drain");
  await createTopics(kafka, Object.values(topics), 3);
  const { NODE_OPTIONS: _jestFlags, ...env } = process.env;
  const start = spawn("bash", ["scripts/start.sh"], {
    cwd: repoRoot,
    detached: true, // its own process group, like a terminal's foreground job
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...env,
      ARBITER_DEMO: "0",
      // The suite's global setup has checked that Kafka and Redis answer; they may run from another checkout.
      ARBITER_SERVICES: "0",
      ARBITER_CONFIG_JSON: JSON.stringify(config),
      ARBITER_HTTP_PORT: "0",
      ARBITER_ESCALATION_HTTP_PORT: "0",
      ARBITER_LOG_DIR: logDir,
      LOG_LEVEL: "info",
    },
  });
  let output = "";
  start.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  start.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const startExit = exited(start);
  try {
    await waitForLog("primary", /"worker started"/, 120_000);
    await waitForLog("escalation", /"worker started"/, 60_000);
    const producer = kafka.producer();
    await producer.connect();
    const send = (posts: { post: Post; partition: number }[]) =>
      producer.send({ topic: topics.posts, acks: -1, messages: posts.map(({ post: p, partition }) => ({ key: p.id, partition, ...codecs.post.encode(p) })) });
    // The primary is consuming once it has decided a first post ("worker started" comes before its group is joined).
    const first = [{ post: post(`${ns.id}-first`, "hello everyone"), partition: 0 }];
    await send(first);
    await readDecisionsFor(kafka, topics.decisions, 1, { groupId: ns.group("first-reader"), timeoutMs: 60_000, settleMs: 0 });

    // Prefilter-decided posts on every partition, and on two of them a post the model must
    // decide (a few seconds each on CPU): model calls are under way when the signal comes.
    const benign = Array.from({ length: 9 }, (_, i) => ({ post: post(`${ns.id}-ok-${i}`, `good game everyone, round ${i}`), partition: i % 3 }));
    const modelBound = [1, 2].map((partition) => ({
      post: post(`${ns.id}-cheat-${partition}`, `DM me for a private aimbot, ${partition}0 dollars`),
      partition,
    }));
    await send([...benign, ...modelBound]);
    await producer.disconnect();
    const all = [...first, ...benign, ...modelBound];
    await new Promise((resolve) => setTimeout(resolve, 500));

    const signalledAt = Date.now();
    process.kill(-start.pid!, "SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve("still running 150 s after SIGINT"), 150_000)));
    expect(await Promise.race([startExit, timedOut])).toBe(0);
    clearTimeout(timer);

    for (const role of ["primary", "escalation"] as const) {
      const lines = log(role);
      expect(lines).toMatch(/"signal":"SIGTERM","msg":"shutting down"/);
      expect(lines).toMatch(/"msg":"draining"/);
      expect(lines).toMatch(/"msg":"stopped"/);
      // One stop request each: in sessions of their own, the workers hear only start.sh's SIGTERM.
      expect(lines).not.toMatch(/already draining|second signal/);
    }
    expect(output).toMatch(/the workers exited: primary 0, escalation 0/);

    // What was in flight was finished and committed: offsets at the end, a decision per post,
    // and some of the model's decisions made after the signal (they were in flight at it).
    for (const p of await committedToEnd(kafka, config.kafka.groupId, topics.posts)) expect(p.committed).toBe(p.end);
    for (const p of await committedToEnd(kafka, `${config.kafka.groupId}.escalation`, topics.escalations)) expect(p.committed).toBe(p.end);
    const decisions = await readDecisionsFor(kafka, topics.decisions, all.length, { groupId: ns.group("reader"), timeoutMs: 30_000 });
    expect(new Set(decisions.map((d) => d.postId))).toEqual(new Set(all.map((a) => a.post.id)));
    const modelIds = new Set(modelBound.map((m) => m.post.id));
    expect(decisions.filter((d) => modelIds.has(d.postId) && d.decidedAt >= signalledAt).length).toBeGreaterThan(0);
  } finally {
    // A failed run must not leave workers behind: they run in sessions of their own.
    const workers = [...output.matchAll(/pids (\d+), (\d+)/g)].flatMap((m) => [Number(m[1]), Number(m[2])]);
    for (const pid of [...workers, -start.pid!]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}, 300_000);
