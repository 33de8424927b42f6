import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import type { Kafka } from "kafkajs";
import { signBody } from "@arbiter/shared/ingest/signature.js";
import { startIngestWorker, type RunningIngest } from "../../../workers/ingest/ingest-worker.js";
import { discourseHeaders, discoursePost } from "../../support/discourse-webhook.js";
import { eventually } from "../../support/eventually.js";
import { LemmyListingFake } from "../../support/fakes/lemmy-listing-fake.js";
import { collect, createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { readRecords, testConfig, testLogger } from "../../support/worker.js";

// The ingest gateway on the real broker and Redis: a signed Discourse webhook lands on the posts
// topic; a gateway whose broker is gone answers 503 with Retry-After; a Lemmy poller (against a
// fake of the instance's listings) restarted mid-stream produces every post exactly once.

const ns = testNamespace("ingest gateway");
const SECRET = "discourse webhook secret";
const redis = testRedis();
const lemmy = new LemmyListingFake("news");
let kafka: Kafka;
const running: RunningIngest[] = [];

const config = (overrides: Record<string, unknown> = {}) =>
  testConfig(ns, {
    ingest: {
      port: 0,
      produceTimeoutMs: 3000,
      eventsTopic: ns.topic("ingest-events"),
      sources: { disc: { kind: "discourse", forumId: "forum-d", secret: SECRET } },
      ...overrides,
    },
  });

async function start(overrides: Record<string, unknown> = {}, kafkaOverride?: Record<string, unknown>): Promise<RunningIngest> {
  const c = config(overrides);
  const worker = await startIngestWorker(kafkaOverride ? { ...c, kafka: { ...c.kafka, ...kafkaOverride } } : c, await testLogger());
  running.push(worker);
  return worker;
}

beforeAll(async () => {
  await redis.connect();
  await lemmy.start();
  kafka = testKafka(ns.id);
  const c = config();
  await createTopics(kafka, [c.kafka.topics.posts, c.ingest.eventsTopic]);
}, 60_000);

afterAll(async () => {
  for (const worker of running) await worker.stop();
  await lemmy.stop();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

const webhook = (port: number, event: string, payload: unknown) => {
  const body = JSON.stringify(payload);
  return fetch(`http://127.0.0.1:${port}/webhooks/disc`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...discourseHeaders(event), "x-discourse-event-signature": signBody(SECRET, body) },
  });
};

test("a signed Discourse post_created lands on the posts topic keyed by post id; post_destroyed on the events topic", async () => {
  const worker = await start();
  const created = await webhook(worker.port, "post_created", { post: discoursePost({ id: 901, raw: "from discourse" }) });
  expect([created.status, await created.json()]).toEqual([202, { status: "accepted", id: "901" }]);
  expect((await webhook(worker.port, "post_destroyed", { post: discoursePost({ id: 901 }) })).status).toBe(202);
  const posts = await readRecords(kafka, config().kafka.topics.posts, "post", {
    groupId: ns.group("read-posts"),
    until: (seen) => seen.some((p) => p.id === "901"),
    timeoutMs: 20_000,
    settleMs: 200,
  });
  expect(posts.filter((p) => p.id === "901")).toEqual([
    expect.objectContaining({
      id: "901",
      forumId: "forum-d",
      text: "from discourse",
      authorId: "19",
      threadId: "77",
      metadata: expect.objectContaining({ "ingest.event": "post_created" }),
    }),
  ]);
  const events = await collect(kafka, config().ingest.eventsTopic, { count: 1, groupId: ns.group("read-events"), timeoutMs: 20_000 });
  expect(events.map((e) => [e.message.key?.toString(), JSON.parse(e.message.value!.toString()).type])).toEqual([["901", "post_deleted"]]);
  await worker.stop();
}, 60_000);

test("with the broker unreachable the gateway starts, answers 503 with Retry-After, and produces nothing", async () => {
  // A port nothing listens on: bound, then closed.
  const dead = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const worker = await start({ produceTimeoutMs: 800, retryAfterSeconds: 9 }, { brokers: [`127.0.0.1:${dead}`], createTopics: false });
  const res = await webhook(worker.port, "post_created", { post: discoursePost({ id: 902 }) });
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("9");
  expect(((await res.json()) as { status: string }).status).toBe("unavailable");
  await worker.stop();
}, 30_000);

test("a Lemmy poller stopped mid-stream and started again produces every post exactly once", async () => {
  lemmy.addPosts(5, (id) => `lemmy ${id}`);
  const poller = {
    lem: { kind: "lemmy", forumId: "lemmy-news", baseUrl: lemmy.url, community: "news", token: "jwt", intervalSeconds: 1, pageSize: 2, maxPages: 10 },
  };
  const cursor = `${ns.redisPrefix}ingest:cursor:lem:posts`;
  const first = await start({ pollers: poller });
  await eventually(async () => ((await redis.get(cursor)) === "5" ? true : undefined), 20_000, "the cursor at post 5");
  lemmy.addPosts(2, (id) => `lemmy ${id}`);
  await first.stop();
  lemmy.addPosts(3, (id) => `lemmy ${id}`);
  await start({ pollers: poller });
  await eventually(async () => ((await redis.get(cursor)) === "10" ? true : undefined), 20_000, "the cursor at post 10");
  const posts = await readRecords(kafka, config().kafka.topics.posts, "post", {
    groupId: ns.group("read-lemmy"),
    until: (seen) => seen.filter((p) => p.id.startsWith("post:")).length >= 10,
    timeoutMs: 20_000,
    settleMs: 1500,
  });
  const ids = posts.filter((p) => p.forumId === "lemmy-news").map((p) => p.id);
  expect([...ids].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `post:${i + 1}`).sort());
}, 90_000);
