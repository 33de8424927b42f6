import { RecordCodec } from "@arbiter/shared/codec/record-codec.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import type { Ticket } from "@arbiter/shared/codec/records.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import type { Kafka } from "kafkajs";
import { startTicketsWorker } from "../../../workers/tickets/tickets-worker.js";
import { ticketFor, verdict } from "../../support/decisions.js";
import { eventually } from "../../support/eventually.js";
import { FakeForum } from "../../support/fake-forum.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { produceRecords, readRecords, testConfig, testLogger } from "../../support/worker.js";

const ns = testNamespace("ticket sink");
const ticketSystem = new FakeForum();
const redis = testRedis();
let kafka: Kafka;
let sink: SinkRuntime;
let config: ReturnType<typeof testConfig>;
const stream = () => `${ns.redisPrefix}tickets`;

beforeAll(async () => {
  await ticketSystem.start();
  await redis.connect();
  kafka = testKafka(ns.id);
  config = testConfig(ns, {
    tickets: {
      groupId: ns.group("tickets"),
      webhook: { url: `${ticketSystem.baseUrl}/tickets`, token: "ticket-token", timeoutMs: 400 },
      stream: "tickets",
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
    },
    console: { publicUrl: "https://console.example/mod" },
  });
  await createTopics(kafka, [config.kafka.topics.tickets, config.kafka.topics.dlq]);
  sink = await startTicketsWorker(config, await testLogger());
}, 60_000);

afterAll(async () => {
  await sink?.stop();
  await ticketSystem.stop();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

const publish = (tickets: Ticket[]) => produceRecords(kafka, config.kafka.topics.tickets, "ticket", tickets, (t) => t.post.id);
const delivered = (postId: string) => ticketSystem.tickets.filter((t) => (t as { post: { id: string } }).post.id === postId);
const streamEntries = async (postId: string) => (await redis.xrange(stream(), "-", "+")).filter(([, fields]) => JSON.parse(fields[1]!).post.id === postId);

test("a ticket reaches the webhook and the stream once, with the post, verdicts, rule ids, rationale, reasoning, policy versions and its console link", async () => {
  ticketSystem.failNext(/^\/tickets$/, [500, 502]);
  const ticket = ticketFor("t-1", { reasoning: "The seller offers an aimbot for money, which CH1 covers." });
  // The same ticket twice, and another ticket of the same post under the same policy versions.
  await publish([ticket, ticket, { ...ticket, ticketId: `${ticket.ticketId}-again`, createdAt: ticket.createdAt + 1 }]);
  await eventually(
    async () => (delivered("t-1").length === 1 && (await streamEntries("t-1")).length === 1) || undefined,
    20_000,
    "t-1 on the webhook and the stream",
  );
  await publish([ticketFor("t-1b")]);
  await eventually(() => delivered("t-1b").length === 1 || undefined, 20_000, "t-1b on the webhook");
  expect(delivered("t-1")).toHaveLength(1);
  expect(await streamEntries("t-1")).toHaveLength(1);
  const body = delivered("t-1")[0] as Record<string, unknown>;
  expect(body).toMatchObject({
    ticketId: ticket.ticketId,
    decisionId: ticket.decisionId,
    stage: "escalation",
    post: { id: "t-1", forumId: "games", text: ticket.post.text },
    verdicts: [{ policyId: "cheats", policyVersion: "v1", decision: "violate", confidence: 0.55, ruleIds: ["CH1"], rationale: "Offers an aimbot." }],
    ruleIds: ["CH1"],
    rationale: "cheats: Offers an aimbot.",
    reasoning: [{ policyId: "cheats", policyVersion: "v1", reasoning: "The seller offers an aimbot for money, which CH1 covers." }],
    policySetVersion: "set-1",
    policyVersions: { cheats: "v1" },
    links: { console: `https://console.example/mod/tickets/${encodeURIComponent(ticket.ticketId)}` },
  });
  const requests = ticketSystem.requestsTo(/^\/tickets$/).filter((r) => (r.body as { post: { id: string } }).post.id === "t-1");
  expect(requests).toHaveLength(3);
  expect(requests[0]!.headers.authorization).toBe("Bearer ticket-token");
}, 60_000);

test("a new policy version or an appeal is a new ticket for the same post", async () => {
  await publish([
    ticketFor("t-2"),
    ticketFor("t-2", { verdicts: [verdict("cheats", "violate", { policyVersion: "v2", escalate: true })] }),
    ticketFor("t-2", { appealId: "appeal-7", stage: "appeal" }),
  ]);
  await eventually(() => delivered("t-2").length === 3 || undefined, 20_000, "three tickets of t-2 on the webhook");
}, 60_000);

test("a webhook that refuses a ticket (4xx) sends it to the dead-letter topic with the response; the stream still gets it", async () => {
  ticketSystem.failNext(/^\/tickets$/, [422], JSON.stringify({ error: "missing field" }));
  await publish([ticketFor("t-3")]);
  const letters = await readRecords(kafka, config.kafka.topics.dlq, "deadLetter", {
    groupId: ns.group("check-dlq"),
    until: (seen) => seen.length >= 1,
    timeoutMs: 20_000,
  });
  expect(letters).toHaveLength(1);
  expect(letters[0]).toMatchObject({ errorClass: "HttpCallError:HTTP_422", stage: "deliver", response: { status: 422, body: '{"error":"missing field"}' } });
  await eventually(async () => (await streamEntries("t-3")).length === 1 || undefined, 20_000, "t-3 on the stream");
  expect(delivered("t-3")).toHaveLength(0);
}, 60_000);

test("a v1 ticket (before reasoning travelled with tickets) is delivered with what it has", async () => {
  const v1 = new RecordCodec(ShippedSchemas.load(), "ticket", { writer: 1 });
  const old = ticketFor("t-4");
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: config.kafka.topics.tickets, acks: -1, messages: [{ key: "t-4", ...v1.encode(old) }] });
  await producer.disconnect();
  await eventually(() => delivered("t-4").length === 1 || undefined, 20_000, "t-4 on the webhook");
  expect(delivered("t-4")[0]).toMatchObject({ ticketId: old.ticketId, decisionId: "", reasoning: [], stage: "escalation" });
}, 60_000);
