import type { Decision, Ticket } from "@arbiter/shared/codec/records.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import type { Kafka } from "kafkajs";
import { startAutoHideWorker } from "../../../workers/auto-hide/auto-hide-worker.js";
import { startTicketsWorker } from "../../../workers/tickets/tickets-worker.js";
import { decisionFor, ticketFor, verdict } from "../../support/decisions.js";
import { eventually } from "../../support/eventually.js";
import { FakeForum } from "../../support/fake-forum.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { produceRecords, readRecords, testConfig, testLogger } from "../../support/worker.js";

// Hostile ids and floods against the sinks: the forum, the ticket system and the pager are a
// fake (FakeForum, real HTTP); Kafka and Redis are the real ones.
const ns = testNamespace("sinks hostile ids");
const forum = new FakeForum();
const redis = testRedis();
let kafka: Kafka;
let sinks: SinkRuntime[] = [];
let config: ReturnType<typeof testConfig>;

beforeAll(async () => {
  await forum.start();
  await redis.connect();
  kafka = testKafka(ns.id);
  config = testConfig(ns, {
    autoHide: {
      groupId: ns.group("auto-hide"),
      forum: { ...forum.forumCalls, timeoutMs: 400 },
      pager: { url: `${forum.baseUrl}/pages`, rateLimit: { perPost: 1, perForum: 2 } },
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      rateLimit: { perSecond: 1000, burst: 100 },
    },
    tickets: {
      groupId: ns.group("tickets"),
      webhook: { url: `${forum.baseUrl}/tickets`, timeoutMs: 400 },
      stream: "",
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
    },
  });
  await createTopics(kafka, [config.kafka.topics.decisions, config.kafka.topics.tickets, config.kafka.topics.dlq]);
  const logger = await testLogger();
  sinks = [await startAutoHideWorker(config, logger), await startTicketsWorker(config, logger)];
}, 60_000);

afterAll(async () => {
  for (const sink of sinks) await sink.stop();
  await forum.stop();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

const publish = (decisions: Decision[]) => produceRecords(kafka, config.kafka.topics.decisions, "decision", decisions, (d) => d.postId);
const publishTickets = (tickets: Ticket[]) => produceRecords(kafka, config.kafka.topics.tickets, "ticket", tickets, (t) => t.post.id);
const stateKey = (postId: string) => `${ns.redisPrefix}auto-hide:post:${postId}`;
const handled = (postId: string, count: number) =>
  eventually(
    async () => ((JSON.parse((await redis.get(stateKey(postId))) ?? "null") as { handled: string[] } | null)?.handled.length === count ? true : undefined),
    20_000,
    `${count} decisions of ${postId} handled`,
  );
const deadLetters = (count: number) =>
  readRecords(kafka, config.kafka.topics.dlq, "deadLetter", {
    groupId: ns.group(`dlq-${count}-${Date.now()}`),
    until: (seen) => seen.length >= count,
    timeoutMs: 20_000,
  });

test("ids with `..`, `/` or CR/LF go to the dead-letter topic at once, and never reach the forum or the ticket system", async () => {
  const bad = ["..", "a/../../admin", "p\r\nx-injected: 1"];
  await publish([...bad.map((id) => decisionFor(id, "HIDE", "primary")), decisionFor("fine-1", "HIDE", "primary", { forumId: ".." })]);
  await publishTickets([ticketFor("t\nbad")]);
  const letters = await deadLetters(5);
  expect(letters).toHaveLength(5);
  for (const letter of letters) expect(letter).toMatchObject({ errorClass: "UnsafeIdError:UNSAFE_ID", stage: "validate", response: null });
  expect(letters.map((l) => l.key?.toString()).sort()).toEqual([...bad, "fine-1", "t\nbad"].sort());
  expect(letters.find((l) => l.key?.toString() === "fine-1")!.errorMessage).toMatch(/^forumId contains a dot segment/);
  expect(letters.find((l) => l.key?.toString() === "t\nbad")!.errorMessage).toBe("ticketId contains the control character U+000A");
  // The later post of the same run is acted on: nothing was retried in between.
  await publish([decisionFor("after-bad", "HIDE", "primary")]);
  await eventually(() => forum.isHidden("after-bad") || undefined, 20_000, "after-bad hidden");
  expect(forum.requests.filter((r) => !r.path.includes("after-bad"))).toEqual([]);
}, 60_000);

test("a non-ASCII post id is acted on once, its idempotency key percent-encoded", async () => {
  const postId = "ポスト-Ω-1";
  const hide = decisionFor(postId, "HIDE", "primary");
  await publish([hide]);
  await publishTickets([ticketFor(postId)]);
  await eventually(() => (forum.isHidden(postId) && forum.tickets.length === 1) || undefined, 20_000, "hidden and ticketed");
  const [request] = forum.requestsTo(/\/hide$/).filter((r) => decodeURIComponent(r.path).includes(postId));
  expect(request!.headers["idempotency-key"]).toMatch(/^[\x21-\x7e]+$/);
  expect(decodeURIComponent(request!.headers["idempotency-key"] as string)).toBe(`${hide.decisionId}:hide`);
  const [ticket] = forum.requestsTo(/^\/tickets$/);
  expect(decodeURIComponent(ticket!.headers["idempotency-key"] as string)).toMatch(new RegExp(`^${postId}:[0-9a-f]{32}$`));
  expect(forum.count("hide", postId)).toBe(1);
}, 60_000);

test("hidden → bannered: the banner goes up before the post is unhidden", async () => {
  const selfHarm = [verdict("self-harm", "violate", { onViolate: "banner" })];
  await publish([decisionFor("hb-1", "HIDE", "primary"), decisionFor("hb-1", "BANNER", "escalation", { verdicts: selfHarm })]);
  await handled("hb-1", 2);
  expect(forum.applied.filter((a) => a.postId === "hb-1").map((a) => a.call)).toEqual(["hide", "banner", "unhide"]);
  expect(forum.isBannered("hb-1") && !forum.isHidden("hb-1")).toBe(true);
}, 60_000);

test("the pager: at most `perForum` pages per forum and `perPost` per post in a window; the banners still go up", async () => {
  const page = [verdict("self-harm", "violate", { onViolate: "banner", page: true })];
  const posts = ["pg-1", "pg-2", "pg-3", "pg-4"];
  await publish(posts.map((id) => decisionFor(id, "BANNER", "primary", { forumId: "crisis", verdicts: page })));
  for (const id of posts) await handled(id, 1);
  expect(posts.every((id) => forum.isBannered(id))).toBe(true);
  const paged = (forum.pages as { postId: string; forumId: string }[]).filter((p) => p.forumId === "crisis");
  expect(paged).toHaveLength(2);
  // Those refused are not marked paged: a later decision may page them once the window has room.
  const states = await Promise.all(posts.map(async (id) => (JSON.parse((await redis.get(stateKey(id)))!) as { paged: boolean }).paged));
  expect(states.filter(Boolean)).toHaveLength(2);

  // Per post: even with the sink's memory of the post gone, it is not paged twice in the window.
  const before = forum.pages.length;
  await publish([decisionFor("pg-5", "BANNER", "primary", { forumId: "other", verdicts: page })]);
  await handled("pg-5", 1);
  expect(forum.pages.length).toBe(before + 1);
  await redis.del(stateKey("pg-5"));
  await publish([decisionFor("pg-5", "BANNER", "escalation", { forumId: "other", verdicts: page })]);
  await handled("pg-5", 1);
  expect(forum.pages.length).toBe(before + 1);
  const metrics = await (await fetch(`http://127.0.0.1:${sinks[0]!.httpPort}/metrics`)).text();
  expect(metrics).toMatch(/arbiter_sink_skipped_total\{reason="page-forum-limit"\} 2/);
  expect(metrics).toMatch(/arbiter_sink_skipped_total\{reason="page-post-limit"\} 1/);
}, 60_000);
