import type { Kafka } from "kafkajs";
import type { Appeal, Audit } from "@arbiter/shared/codec/records.js";
import { erase } from "@arbiter/shared/record/record-erasure.js";
import { RecordStore } from "@arbiter/shared/record/record-store.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { startRecordWorker } from "../../../workers/record/record-worker.js";
import { decisionFor, ticketFor, verdict } from "../../support/decisions.js";
import { eventually } from "../../support/eventually.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { produceRecords, testConfig, testLogger } from "../../support/worker.js";

// The real PostgreSQL of scripts/postgres.sh (global-setup checks it answers); this test's rows
// carry its namespace id in every post id, so other tests' rows are never touched.
const ns = testNamespace("record worker");
const postgresUrl = process.env.ARBITER_TEST_POSTGRES_URL ?? `postgres://127.0.0.1:${process.env.PGPORT ?? "5432"}/arbiter`;
let kafka: Kafka;
let store: RecordStore;
const postId = `${ns.id}-p1`;
const config = (url: string, groupSuffix = "record") =>
  testConfig(ns, { record: { postgres: { url }, groupId: ns.group(groupSuffix), retry: { initialDelayMs: 50, maxDelayMs: 200 }, pruneIntervalMinutes: 0 } });

beforeAll(async () => {
  kafka = testKafka(ns.id);
  const live = config(postgresUrl);
  store = RecordStore.connect(live.record, await testLogger());
  await store.migrate(await testLogger());
  const { topics } = live.kafka;
  await createTopics(kafka, [topics.decisions, topics.audit, topics.tickets, topics.appeals, topics.dlq]);
}, 60_000);

afterAll(async () => {
  await store?.close();
});

const count = async (table: string) =>
  Number((await store.sqlPool.query(`SELECT count(*) AS n FROM ${table} WHERE post_id LIKE $1`, [`${ns.id}-%`])).rows[0].n);

test("with PostgreSQL down the worker commits nothing; the next worker writes each record once, searchable, and erase leaves a tombstone", async () => {
  const live = config(postgresUrl);
  const { topics } = live.kafka;
  const ticket = ticketFor(postId, { text: "Five stars if you send a screenshot, refund guaranteed", reasoning: "The seller pays for reviews." });
  const decision = {
    ...decisionFor(postId, "HIDE", "escalation", {
      verdicts: [verdict("fake-reviews", "violate", { policyVersion: "3", rationale: "Buys five-star reviews with refunds." })],
    }),
    ticketId: ticket.ticketId,
    decidedAt: Date.now() - 2000,
  };
  const human = {
    ...decisionFor(postId, "ALLOW", "human", { requestId: "r1", verdicts: [verdict("fake-reviews", "allow", { policyVersion: "3" })] }),
    decidedBy: "alice",
  };
  const audit: Audit = {
    decisionId: decision.decisionId,
    postId,
    stage: "escalation",
    modelId: "m",
    createdAt: Date.now(),
    sampled: false,
    entries: [
      {
        policyId: "fake-reviews",
        policyVersion: "3",
        reasoning: "Incentivised testimonials breach FR2.",
        promptTokens: 10,
        generatedTokens: 5,
        latencyMs: 7,
        error: null,
        decision: "violate",
        ruleIds: ["FR2"],
        confidence: 0.8,
      },
    ],
  };
  const appeal: Appeal = { appealId: `${ns.id}-a1`, post: ticket.post, policyIds: [], requestedBy: "user:u1", note: "I was not paid", requestedAt: Date.now() };
  // Each record twice: the runner delivers at least once.
  await produceRecords(kafka, topics.decisions, "decision", [decision, decision, human], (d) => d.postId);
  await produceRecords(kafka, topics.audit, "audit", [audit, audit], (a) => a.postId);
  await produceRecords(kafka, topics.tickets, "ticket", [ticket, ticket], (t) => t.post.id);
  await produceRecords(kafka, topics.appeals, "appeal", [appeal], (a) => a.post.id);

  // A worker pointed at a port nothing listens on: it starts, takes the records, and waits.
  const dead = config("postgres://127.0.0.1:1/arbiter");
  let worker: SinkRuntime = await startRecordWorker(dead, await testLogger());
  const admin = kafka.admin();
  await admin.connect();
  try {
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const committed = await admin.fetchOffsets({ groupId: `${dead.record.groupId}.decisions`, topics: [topics.decisions] });
    expect(committed[0]!.partitions.every((p) => p.offset === "-1")).toBe(true);
    await worker.stop();
    expect(await count("record_decisions")).toBe(0);

    // The same group on the live store: nothing was lost, each record is one row.
    worker = await startRecordWorker(live, await testLogger());
    await eventually(
      async () =>
        (await count("record_decisions")) === 2 &&
        (await count("record_audit")) === 1 &&
        (await count("record_tickets")) === 1 &&
        (await count("record_appeals")) === 1
          ? true
          : undefined,
      30_000,
      "every record in the store",
    );
    await worker.stop();
  } finally {
    await admin.disconnect();
  }
  expect(await count("record_posts")).toBe(1);

  // Search: the post's words, the rationale's and the reasoning's, each with the filters.
  const byPost = await store.search({ text: "screenshot refunds", policy: "fake-reviews", version: "3", since: Date.now() - 3_600_000, limit: 10 });
  expect(byPost.filter((h) => h.postId === postId).map((h) => [h.stage, h.matched])).toEqual([
    ["human", ["post"]],
    ["escalation", ["post"]],
  ]);
  expect((await store.search({ text: "buys reviews", limit: 10 })).filter((h) => h.postId === postId).map((h) => h.matched)).toEqual([["rationale"]]);
  const byReasoning = await store.search({ text: "testimonials", stage: "escalation", forum: "games", limit: 10 });
  expect(byReasoning.filter((h) => h.postId === postId).map((h) => h.matched)).toEqual([["reasoning"]]);
  expect((await store.search({ text: "screenshot", moderator: "alice", action: "ALLOW", limit: 10 })).filter((h) => h.postId === postId)).toHaveLength(1);
  expect((await store.search({ text: "screenshot", moderator: "bob", limit: 10 })).filter((h) => h.postId === postId)).toHaveLength(0);
  const history = await store.postHistory(postId);
  expect(history.decisions.map((d) => [d.stage, d.decidedBy, d.reasoning.map((r) => r.reasoning)])).toEqual([
    ["escalation", null, ["Incentivised testimonials breach FR2."]],
    ["human", "alice", []],
  ]);

  // Erasure by author: a tombstone for the post's key on the decisions topic, no rows left.
  const producer = kafka.producer();
  await producer.connect();
  const result = await erase(store, producer, topics.decisions, { author: ticket.post.authorId });
  await producer.disconnect();
  expect(result.postIds).toContain(postId);
  expect(await count("record_decisions")).toBe(0);
  expect(await count("record_posts")).toBe(0);
  const tail = await new Promise<Array<{ key: string; value: Buffer | null }>>((resolve) => {
    const seen: Array<{ key: string; value: Buffer | null }> = [];
    const consumer = kafka.consumer({ groupId: ns.group("tombstones"), maxWaitTimeInMs: 200 });
    void (async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: topics.decisions, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ key: message.key!.toString(), value: message.value });
          if (message.value === null) setTimeout(() => void consumer.disconnect().then(() => resolve(seen)), 100);
        },
      });
    })();
  });
  expect(tail.at(-1)).toEqual({ key: postId, value: null });
}, 90_000);
