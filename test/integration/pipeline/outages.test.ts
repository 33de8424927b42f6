import type { Kafka } from "kafkajs";
import { Kafka as KafkaClient, logLevel } from "kafkajs";
import { startClassifierWorker, type RunningWorker } from "../../../workers/classifier/classifier-worker.js";
import { testNamespace } from "../../support/namespace.js";
import { PrivateKafka, PrivateRedis } from "../../support/private-services.js";
import { post, producePosts, readDecisionsFor, testConfig, testLogger } from "../../support/worker.js";

// Its own broker and Redis, so that stopping them disturbs no other test.
const broker = new PrivateKafka(19092 + (process.pid % 500) * 2, 29093 + (process.pid % 500) * 2);
const redis = new PrivateRedis(16379 + (process.pid % 500));
const ns = testNamespace("outages");
let config: ReturnType<typeof testConfig>;
let kafka: Kafka;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  await Promise.all([broker.start(), redis.start()]);
  config = testConfig(ns, { kafka: { brokers: broker.brokers }, redis: { url: redis.url } });
  kafka = new KafkaClient({ clientId: ns.id, brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 20, maxRetryTime: 3000 } });
  worker = await startClassifierWorker(config, await testLogger());
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await Promise.all([broker.stop(), redis.stop()]);
}, 120_000);

function batch(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    // Repeated flagged texts: the second copy is a cache hit while Redis is up.
    return n % 50 === 0 ? post(`p-${n}`, `cheap aimbot for sale, offer ${n % 200}`) : post(`p-${n}`, `good game ${n}`);
  });
}

async function decidedIds(group: string, expected: number, timeoutMs: number): Promise<Set<string>> {
  const decisions = await readDecisionsFor(kafka, config.kafka.topics.decisions, expected, {
    groupId: ns.group(group),
    timeoutMs,
  });
  return new Set(decisions.map((d) => d.postId));
}

test("Redis dies mid-stream: the worker decides without the cache and loses nothing", async () => {
  await producePosts(kafka, config.kafka.topics.posts, batch(0, 250));
  expect((await decidedIds("r0", 250, 120_000)).size).toBe(250);
  await producePosts(kafka, config.kafka.topics.posts, batch(250, 250));
  expect((await decidedIds("r1", 500, 120_000)).size).toBe(500);
  expect(await worker!.metrics.value("arbiter_cache_hits_total")).toBeGreaterThan(0);
  await redis.stop();
  await producePosts(kafka, config.kafka.topics.posts, batch(500, 500));
  const ids = await decidedIds("r2", 1000, 120_000);
  expect(ids.size).toBe(1000);
}, 300_000);

test("the broker restarts mid-stream: the worker recovers and loses nothing", async () => {
  await producePosts(kafka, config.kafka.topics.posts, batch(1000, 500));
  await broker.stop();
  await new Promise((r) => setTimeout(r, 3000));
  await broker.start();
  await producePosts(kafka, config.kafka.topics.posts, batch(1500, 500));
  const ids = await decidedIds("b1", 2000, 240_000);
  const missing = Array.from({ length: 2000 }, (_, i) => `p-${i}`).filter((id) => !ids.has(id));
  expect(missing).toEqual([]);
}, 360_000);
