import type { Decision } from "@arbiter/shared/codec/records.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import type { Kafka } from "kafkajs";
import { startAutoHideWorker } from "../../../workers/auto-hide/auto-hide-worker.js";
import { decisionFor, verdict } from "../../support/decisions.js";
import { eventually } from "../../support/eventually.js";
import { FakeForum } from "../../support/fake-forum.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { produceRecords, readRecords, testConfig, testLogger } from "../../support/worker.js";

const ns = testNamespace("auto-hide sink");
const forum = new FakeForum();
let kafka: Kafka;
let sink: SinkRuntime;
let config: ReturnType<typeof testConfig>;
const redis = testRedis();

beforeAll(async () => {
  await forum.start();
  await redis.connect();
  kafka = testKafka(ns.id);
  config = testConfig(ns, {
    autoHide: {
      groupId: ns.group("auto-hide"),
      forum: { ...forum.forumCalls, token: "forum-token", headers: { "x-forum-client": "arbiter" }, timeoutMs: 400 },
      pager: { url: `${forum.baseUrl}/pages` },
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      rateLimit: { perSecond: 1000, burst: 1, forums: { slow: 4 } },
    },
  });
  await createTopics(kafka, [config.kafka.topics.decisions, config.kafka.topics.dlq]);
  sink = await startAutoHideWorker(config, await testLogger());
}, 60_000);

afterAll(async () => {
  await sink?.stop();
  await forum.stop();
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
});

const publish = (decisions: Decision[]) => produceRecords(kafka, config.kafka.topics.decisions, "decision", decisions, (d) => d.postId);
/** What the sink keeps about a post (null: nothing). */
const state = async (postId: string) => JSON.parse((await redis.get(`${ns.redisPrefix}auto-hide:post:${postId}`)) ?? "null") as { handled: string[] } | null;
/** Waits until the sink has handled `count` decisions of the post (so a duplicate or a skipped one has been read too). */
const handled = (postId: string, count: number) =>
  eventually(async () => ((await state(postId))?.handled.length === count ? true : undefined), 20_000, `${count} decisions of ${postId} handled`);

test("HIDE → hidden exactly once, though the forum answers 500 twice and the decision is delivered twice", async () => {
  forum.failNext(/\/posts\/flaky-1\/hide$/, [500, 503]);
  const hide = decisionFor("flaky-1", "HIDE", "primary");
  await publish([hide, hide]);
  await eventually(() => forum.isHidden("flaky-1") || undefined, 20_000, "flaky-1 hidden");
  // The duplicate has been read too by the time a later record of the same post is done.
  await publish([decisionFor("flaky-1", "REVIEW", "escalation")]);
  await handled("flaky-1", 2);
  expect(forum.count("hide", "flaky-1")).toBe(1);
  expect(forum.requestsTo(/\/posts\/flaky-1\/hide$/)).toHaveLength(3);
  const [first] = forum.requestsTo(/\/posts\/flaky-1\/hide$/);
  expect(first!.headers.authorization).toBe("Bearer forum-token");
  expect(first!.headers["x-forum-client"]).toBe("arbiter");
  expect(first!.headers["idempotency-key"]).toBe(`${hide.decisionId}:hide`);
  expect(first!.body).toMatchObject({ call: "hide", postId: "flaky-1", forumId: "games", decisionId: hide.decisionId, action: "HIDE" });
  expect(JSON.stringify(first!.body)).not.toMatch(/text/);
}, 60_000);

test("a forum that does not answer in time is asked again; the post is hidden once", async () => {
  forum.stallNext(/\/posts\/slow-1\/hide$/, 1, 2000);
  await publish([decisionFor("slow-1", "HIDE", "primary")]);
  await eventually(() => forum.isHidden("slow-1") || undefined, 20_000, "slow-1 hidden");
  expect(forum.requestsTo(/\/posts\/slow-1\/hide$/).length).toBe(2);
  expect(forum.count("hide", "slow-1")).toBe(1);
}, 60_000);

test("a 4xx goes to the dead-letter topic with the response; the post's later decisions still apply", async () => {
  forum.failNext(/\/posts\/gone-1\/hide$/, [404], JSON.stringify({ error: "no such post" }));
  const refused = decisionFor("gone-1", "HIDE", "primary");
  await publish([refused, decisionFor("gone-1", "HIDE", "escalation")]);
  const letters = await readRecords(kafka, config.kafka.topics.dlq, "deadLetter", {
    groupId: ns.group("check-dlq"),
    until: (seen) => seen.length >= 1,
    timeoutMs: 20_000,
  });
  expect(letters).toHaveLength(1);
  expect(letters[0]).toMatchObject({
    topic: config.kafka.topics.decisions,
    errorClass: "HttpCallError:HTTP_404",
    stage: "deliver",
    response: { method: "POST", status: 404, body: '{"error":"no such post"}' },
  });
  expect(letters[0]!.response!.url).toMatch(/\/forums\/games\/posts\/gone-1\/hide$/);
  expect(letters[0]!.key?.toString()).toBe("gone-1");
  await eventually(() => forum.isHidden("gone-1") || undefined, 20_000, "gone-1 hidden");
}, 60_000);

test("a moderator's hide is not undone by a later model ALLOW; a moderator's overturn is", async () => {
  await publish([
    decisionFor("mod-1", "HIDE", "human", { requestId: "t1:confirm" }),
    decisionFor("mod-1", "ALLOW", "escalation"),
    decisionFor("mod-1", "ALLOW", "appeal", { requestId: "appeal-1" }),
    decisionFor("mod-1", "ALLOW", "replay"),
    decisionFor("mod-2", "HIDE", "primary"),
    decisionFor("mod-2", "ALLOW", "human", { requestId: "t2:overturn" }),
    decisionFor("mod-2", "HIDE", "replay"),
  ]);
  await handled("mod-2", 3);
  await handled("mod-1", 4);
  expect(forum.isHidden("mod-1")).toBe(true);
  expect(forum.count("unhide", "mod-1")).toBe(0);
  expect(forum.isHidden("mod-2")).toBe(false);
  expect(forum.applied.filter((a) => a.postId === "mod-2").map((a) => a.call)).toEqual(["hide", "unhide"]);
}, 60_000);

test("a moderator's decision the forum refuses still stands against later model decisions", async () => {
  forum.failNext(/\/posts\/mod-3\/hide$/, [409], JSON.stringify({ error: "locked thread" }));
  await publish([
    decisionFor("mod-3", "HIDE", "human", { requestId: "t3:confirm" }),
    decisionFor("mod-3", "BANNER", "escalation", { verdicts: [verdict("self-harm", "violate", { onViolate: "banner", page: true })] }),
  ]);
  await handled("mod-3", 2);
  expect(JSON.parse((await redis.get(`${ns.redisPrefix}auto-hide:post:mod-3`))!)).toMatchObject({ visibility: "shown", decidedBy: "human", paged: false });
  expect(forum.requestsTo(/\/posts\/mod-3\//).map((r) => r.path.split("/").pop())).toEqual(["hide"]);
}, 60_000);

test("a post's retrying call is not overtaken by its own later decision; other posts go on meanwhile", async () => {
  forum.failNext(/\/posts\/order-1\/hide$/, [500, 500, 500, 500]);
  await publish([decisionFor("order-1", "HIDE", "primary"), decisionFor("order-1", "ALLOW", "escalation"), decisionFor("order-2", "HIDE", "primary")]);
  await eventually(() => forum.count("unhide", "order-1") === 1 || undefined, 20_000, "order-1 unhidden");
  expect(forum.applied.filter((a) => a.postId === "order-1").map((a) => a.call)).toEqual(["hide", "unhide"]);
  const order2 = forum.applied.findIndex((a) => a.postId === "order-2");
  const order1 = forum.applied.findIndex((a) => a.postId === "order-1");
  expect(order2).toBeGreaterThanOrEqual(0);
  expect(order2).toBeLessThan(order1);
}, 60_000);

test("a banner policy's violation: a crisis-line banner and one page, and no hide", async () => {
  const selfHarm = [verdict("self-harm", "violate", { onViolate: "banner", page: true, ruleIds: ["SH2"], rationale: "States a plan." })];
  await publish([decisionFor("sh-1", "BANNER", "primary", { verdicts: selfHarm }), decisionFor("sh-1", "BANNER", "escalation", { verdicts: selfHarm })]);
  await eventually(() => (forum.isBannered("sh-1") && forum.pages.length >= 1) || undefined, 20_000, "sh-1 bannered and paged");
  await publish([decisionFor("sh-1", "REVIEW", "human", { requestId: "noop" })]);
  await handled("sh-1", 3);
  expect(forum.pages).toHaveLength(1);
  expect(forum.pages[0]).toMatchObject({ call: "page", postId: "sh-1", policies: [{ policyId: "self-harm", ruleIds: ["SH2"], rationale: "States a plan." }] });
  expect(forum.isHidden("sh-1")).toBe(false);
}, 60_000);

test("over a forum's rate limit calls wait; none is dropped", async () => {
  const posts = Array.from({ length: 6 }, (_, i) => `rate-${i}`);
  await publish(posts.map((id) => decisionFor(id, "HIDE", "primary", { forumId: "slow" })));
  await eventually(() => posts.every((id) => forum.isHidden(id)) || undefined, 20_000, "every slow-forum post hidden");
  const times = posts.map((id) => forum.requestsTo(new RegExp(`/posts/${id}/hide$`))[0]!.at).sort((a, b) => a - b);
  // 4 calls a second, a burst of 1: the sixth call comes 5 × 250 ms after the first, never sooner.
  expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1200);
  expect(posts.map((id) => forum.count("hide", id))).toEqual([1, 1, 1, 1, 1, 1]);
  const metrics = await (await fetch(`http://127.0.0.1:${sink.httpPort}/metrics`)).text();
  expect(metrics).toMatch(/arbiter_sink_calls_total\{call="hide",outcome="ok"\}/);
}, 60_000);
