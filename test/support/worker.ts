import type { Kafka } from "kafkajs";
import { startClassifierWorker, type RunningWorker } from "../../workers/classifier/classifier-worker.js";
import { testKafka } from "./kafka.js";
import type { ArbiterConfig, ArbiterConfigInput } from "@arbiter/shared/config/arbiter-config.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { overlay } from "@arbiter/shared/config/overlay.js";
import type { EngineOptions } from "@arbiter/shared/engine/options.js";
import type { Decision, RecordKind, RecordTypes, Post } from "@arbiter/shared/codec/records.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import { createLogger, silentLogger, type Logger } from "@arbiter/shared/observability/logger.js";
import { kafkaBrokers, modelPath, redisUrl, repoRoot, testModels } from "./env.js";
import type { TestNamespace } from "./namespace.js";
import { tmpdir } from "node:os";
import path from "node:path";

export const codecs = createCodecs();

/** Engine settings for the small real model on CPU in tests. */
export function testEngineSettings(): EngineOptions {
  return {
    modelPath: modelPath(testModels.gemma),
    modelId: "gemma-3-270m",
    gpu: false,
    threads: 1,
    contextSize: 2048,
    sequences: 2,
    rationaleMaxChars: 120,
    timeoutMs: 60_000,
  };
}

/** A worker config whose topics, group, transactional id and Redis keys belong to one test. */
export function testConfig(ns: TestNamespace, overrides: ArbiterConfigInput = {}): ArbiterConfig {
  const base = {
    workerId: ns.id,
    kafka: {
      brokers: kafkaBrokers,
      groupId: ns.group("classifier"),
      transactionalIdPrefix: ns.transactionalId("w"),
      topics: {
        posts: ns.topic("posts"),
        decisions: ns.topic("decisions"),
        audit: ns.topic("audit"),
        escalations: ns.topic("escalations"),
        tickets: ns.topic("tickets"),
        dlq: ns.topic("dlq"),
        appeals: ns.topic("appeals"),
        shadow: ns.topic("shadow"),
      },
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 20_000,
      heartbeatIntervalMs: 1_000,
    },
    redis: { url: redisUrl, keyPrefix: ns.redisPrefix },
    // The registry's keys are under redis.keyPrefix (the test's); its snapshot file is the test's too.
    policies: { dir: path.join(repoRoot, "test/fixtures/policies"), registry: { snapshotFile: path.join(tmpdir(), `arbiter-policy-snapshot-${ns.id}.json`) } },
    engine: testEngineSettings(),
    escalationEngine: { ...testEngineSettings(), defaultEffort: "high" },
    http: { port: 0 },
    // The test posts are short; a 1,500-character window (600 tokens in the context plan) lets the small test contexts hold every call.
    pipeline: { engineTimeoutMs: 60_000, maxModelChars: 1500 },
    log: { level: process.env.LOG_LEVEL ?? "silent" },
    shutdownTimeoutMs: 20_000,
  };
  return loadConfig(overlay(base, overrides) as Record<string, unknown>, {});
}

export function post(id: string, text: string, forumId = "games"): Post {
  return { id, forumId, authorId: `author-${id}`, text, language: null, createdAt: Date.now(), metadata: {}, threadId: null };
}

/** Produces Avro posts keyed by post id. */
export async function producePosts(kafka: Kafka, topic: string, posts: Post[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < posts.length; i += 1000) {
    await producer.send({
      topic,
      acks: -1,
      messages: posts.slice(i, i + 1000).map((p) => ({ key: p.id, ...codecs.post.encode(p) })),
    });
  }
  await producer.disconnect();
}

/**
 * Reads and decodes a topic from the start (read_committed) until `until` is satisfied or the
 * timeout passes; returns everything seen so callers can assert on duplicates too.
 */
export async function readRecords<K extends RecordKind>(
  kafka: Kafka,
  topic: string,
  kind: K,
  opts: { groupId: string; until: (seen: RecordTypes[K][]) => boolean; timeoutMs: number; settleMs?: number },
): Promise<RecordTypes[K][]> {
  const codec = codecs[kind === "deadLetter" ? "deadLetter" : kind] as unknown as { decode(v: Buffer, h: unknown): RecordTypes[K] };
  const consumer = kafka.consumer({ groupId: opts.groupId, readUncommitted: false, maxWaitTimeInMs: 200 });
  const seen: RecordTypes[K][] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(resolve, opts.timeoutMs);
    let settled = false;
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(codec.decode(message.value!, message.headers));
        if (!settled && opts.until(seen)) {
          settled = true;
          clearTimeout(deadline);
          setTimeout(resolve, opts.settleMs ?? 1000);
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

/** Reads the decisions topic until decisions for `postCount` distinct posts are seen (or the time is up); returns all read. */
export function readDecisionsFor(
  kafka: Kafka,
  topic: string,
  postCount: number,
  opts: { groupId: string; timeoutMs: number; settleMs?: number },
): Promise<Decision[]> {
  return readRecords(kafka, topic, "decision", { ...opts, until: (seen) => new Set(seen.map((d) => d.postId)).size >= postCount });
}

/** Posts with no decision and posts with more than one (first ten ids of each, and the counts). */
export function decisionCounts(posts: readonly Post[], decisions: readonly Decision[]) {
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d.postId, (counts.get(d.postId) ?? 0) + 1);
  const missing = posts.filter((p) => !counts.has(p.id)).map((p) => p.id);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  return { missing: missing.slice(0, 10), missingCount: missing.length, duplicated: duplicated.slice(0, 10), duplicatedCount: duplicated.length };
}

/** Silent unless LOG_LEVEL is set (then JSON logs on stdout, for debugging a test). */
export async function testLogger(): Promise<Logger> {
  return process.env.LOG_LEVEL ? createLogger("test-worker", process.env.LOG_LEVEL) : silentLogger;
}

export interface WorkerUnderTest {
  readonly kafka: Kafka;
  readonly worker: RunningWorker;
}

/**
 * Starts in-process classifier workers for a test file (beforeAll) and stops them (afterAll).
 * Read `.worker`/`.kafka` inside tests, after beforeAll has run.
 */
export function workersUnderTest(clientId: string, ...configs: ArbiterConfig[]): WorkerUnderTest & { workers: RunningWorker[] } {
  const started: RunningWorker[] = [];
  let kafka: Kafka | undefined;
  beforeAll(async () => {
    kafka = testKafka(clientId);
    for (const config of configs) started.push(await startClassifierWorker(config, await testLogger()));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(started.map((w) => w.stop()));
  }, 60_000);
  return {
    get kafka() {
      if (!kafka) throw new Error("workersUnderTest: read .kafka inside a test");
      return kafka;
    },
    get worker() {
      const first = started[0];
      if (!first) throw new Error("workersUnderTest: read .worker inside a test");
      return first;
    },
    workers: started,
  };
}

/** Produces records of any kind, keyed by `key(record)` (post ids). */
export async function produceRecords<K extends RecordKind>(
  kafka: Kafka,
  topic: string,
  kind: K,
  records: RecordTypes[K][],
  key: (record: RecordTypes[K]) => string,
): Promise<void> {
  const codec = codecs[kind] as unknown as { encode(value: RecordTypes[K]): { value: Buffer; headers: Readonly<Record<string, string>> } };
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: key(r), ...codec.encode(r) })) });
  } finally {
    await producer.disconnect();
  }
}

/**
 * The escalation tier on the tiny random harmony model: Gemma through its chat template has no
 * analysis channel, so its reasoning is empty; this model writes one (gibberish, but real text
 * through the whole harmony loop), which is what tickets and the console show.
 */
export function harmonyEscalationEngine(): EngineOptions {
  return {
    modelPath: modelPath(testModels.harmonyTiny),
    modelId: "harmony-tiny",
    gpu: false,
    threads: 1,
    contextSize: 4096, // the tiny model's own; the context plan needs more than 2,048 for its 1,500-character window at high effort
    sequences: 1,
    rationaleMaxChars: 48,
    maxRuleIds: 2,
    analysisBudget: { low: 8, medium: 16, high: 48 },
    finalMaxTokens: 256,
    defaultEffort: "high",
    timeoutMs: 60_000,
  };
}
