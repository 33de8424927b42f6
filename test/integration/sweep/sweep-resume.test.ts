import { jest } from "@jest/globals";
import path from "node:path";
import type { Kafka } from "kafkajs";
import type { Decision, Post, Ticket } from "@arbiter/shared/codec/records.js";
import { readPolicyDir } from "@arbiter/shared/policy/load-policy-dir.js";
import { PolicySet } from "@arbiter/shared/policy/policy-set.js";
import { RedisSweepCheckpoint } from "@arbiter/shared/sweep/sweep-checkpoint.js";
import { runSweep } from "@arbiter/shared/sweep/sweep-run.js";
import { readSweepInput } from "@arbiter/shared/sweep/sweep-source.js";
import { decisionFor, verdict } from "../../support/decisions.js";
import { repoRoot } from "../../support/env.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { AimbotEngine } from "../../support/sweep-engine.js";
import { codecs, post, producePosts, produceRecords, readRecords, testConfig } from "../../support/worker.js";

jest.setTimeout(120_000);

const ns = testNamespace("sweep resume");
const config = testConfig(ns);
const topics = config.kafka.topics;
const redis = testRedis();
let kafka: Kafka;
let set: PolicySet;

// 12 posts that name an aimbot: the model allowed the first 5 (the sweep disagrees), hid the rest. A moderator's ALLOW is in force for p-5.
const posts: Post[] = Array.from({ length: 12 }, (_, i) => post(`p-${i}`, `selling an aimbot, message me #${i}`));
const decisions: Decision[] = [
  ...posts.map((p, i) => decisionFor(p.id, i < 5 ? "ALLOW" : "HIDE", "primary", { verdicts: [verdict("test-cheats", i < 5 ? "allow" : "violate")] })),
  { ...decisionFor("p-5", "ALLOW", "human", { verdicts: [verdict("test-cheats", "allow", { source: "human" })] }), decidedAt: Date.now() + 1000 },
];

beforeAll(async () => {
  await redis.connect();
  kafka = testKafka(ns.id);
  await createTopics(kafka, [topics.posts, topics.decisions, topics.tickets]);
  await producePosts(kafka, topics.posts, posts);
  await produceRecords(kafka, topics.decisions, "decision", decisions, (d) => d.postId);
  set = new PolicySet((await readPolicyDir(path.join(repoRoot, "test/fixtures/policies"))).map((f) => f.policy));
});
afterAll(async () => {
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

/** One start of the sweep, as `arbiter sweep` wires it: its own producer and checkpoint; `stopAfterTickets` stops it mid-run. */
async function sweepOnce(stopAfterTickets: number | null) {
  const input = await readSweepInput(kafka, topics, Date.now() - 3_600_000, null, Date.now());
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const stop = new AbortController();
  let published = 0;
  try {
    return await runSweep(input, {
      runId: "2026-12-07",
      set,
      engine: new AimbotEngine(20),
      checkpoint: new RedisSweepCheckpoint(redis, ns.redisPrefix, "2026-12-07"),
      publishTicket: async (ticket: Ticket) => {
        await producer.send({ topic: topics.tickets, acks: -1, messages: [{ key: ticket.post.id, ...codecs.ticket.encode(ticket) }] });
        if (++published === stopAfterTickets) stop.abort();
      },
      sample: null,
      maxModelChars: 1500,
      signal: stop.signal,
    });
  } finally {
    await producer.disconnect();
  }
}

test("a sweep stopped mid-run and started again finishes, skips the moderator's decision and raises each ticket once", async () => {
  const first = await sweepOnce(2);
  expect(first.tickets).toBe(2);
  expect(first.swept).toBeLessThan(11);
  const second = await sweepOnce(null);
  expect(second).toMatchObject({ candidates: 11, selected: 11, swept: 11, tickets: 5, skipped: { human: 1, noPost: 0, failed: 0 } });
  expect(second.policies).toEqual([{ policyId: "test-cheats", agreement: expect.objectContaining({ k: 6, n: 11 }) }]);
  const tickets = await readRecords(kafka, topics.tickets, "ticket", {
    groupId: ns.group("tickets"),
    until: (s) => s.length >= 5,
    timeoutMs: 30_000,
    settleMs: 1500,
  });
  expect(tickets.map((t) => t.post.id).sort()).toEqual(["p-0", "p-1", "p-2", "p-3", "p-4"]);
  expect(tickets.every((t) => t.ticketId.startsWith("sweep:") && t.reason.startsWith("sweep: "))).toBe(true);
});
