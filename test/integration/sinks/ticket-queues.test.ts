import type { Ticket } from "@arbiter/shared/codec/records.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import type { Kafka } from "kafkajs";
import { startTicketsWorker } from "../../../workers/tickets/tickets-worker.js";
import { ticketFor } from "../../support/decisions.js";
import { eventually } from "../../support/eventually.js";
import { FakeForum } from "../../support/fake-forum.js";
import { DiscourseFake } from "../../support/fakes/discourse-fake.js";
import { LemmyFake } from "../../support/fakes/lemmy-fake.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { produceRecords, readRecords, testConfig, testLogger } from "../../support/worker.js";

// The ticket sink on real Kafka and Redis, routing tickets of platform forums (autoHide.forums, the
// same settings as the auto-hide sink) into the platforms' review queues (fakes: docs/platforms/).
const ns = testNamespace("ticket queues");
const ticketSystem = new FakeForum();
const discourse = new DiscourseFake("disc-key", "arbiter");
const lemmy = new LemmyFake("lemmy-jwt");
const redis = testRedis();
let kafka: Kafka;
let sink: SinkRuntime;
let config: ReturnType<typeof testConfig>;

beforeAll(async () => {
  await Promise.all([ticketSystem.start(), discourse.start(), lemmy.start()]);
  await redis.connect();
  kafka = testKafka(ns.id);
  process.env.ARBITER_TEST_QUEUE_DISCOURSE_KEY = "disc-key";
  config = testConfig(ns, {
    autoHide: {
      forums: {
        meta: { platform: "discourse", baseUrl: discourse.baseUrl, apiKey: { env: "ARBITER_TEST_QUEUE_DISCOURSE_KEY" }, apiUsername: "arbiter", perSecond: 50 },
        fedi: { platform: "lemmy", baseUrl: lemmy.baseUrl, jwt: "lemmy-jwt" },
      },
    },
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
  await Promise.all([ticketSystem.stop(), discourse.stop(), lemmy.stop()]);
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
  delete process.env.ARBITER_TEST_QUEUE_DISCOURSE_KEY;
});

const publish = (tickets: Ticket[]) => produceRecords(kafka, config.kafka.topics.tickets, "ticket", tickets, (t) => t.post.id);
const webhook = (postId: string) => ticketSystem.tickets.filter((t) => (t as { post: { id: string } }).post.id === postId);
const flagsOf = (id: number) => discourse.requestsTo("POST", /^\/post_actions$/).filter((r) => (r.body as { id: number }).id === id);

test("a ticket for a Discourse forum's post becomes a notify_moderators flag in its review queue (after a 429), once; the webhook still gets it", async () => {
  discourse.addPost(5151);
  discourse.answerNext("POST", /^\/post_actions$/, DiscourseFake.rateLimit(0, 0));
  const ticket = ticketFor("5151", { forumId: "meta", text: "a post text that must stay off the platform message" });
  await publish([ticket, ticket]);
  await eventually(() => discourse.reviewables.get(5151) ?? undefined, 20_000, "post 5151 in Discourse's review queue");
  await eventually(() => webhook("5151").length === 1 || undefined, 20_000, "5151 on the webhook");
  // A later, different ticket record of the same post and policy versions is the same ticket.
  await publish([{ ...ticket, ticketId: `${ticket.ticketId}-again` }]);
  await publish([ticketFor("t-other", { forumId: "games" })]);
  await eventually(() => webhook("t-other").length === 1 || undefined, 20_000, "t-other on the webhook");

  expect(discourse.reviewables.get(5151)).toMatchObject({ status: "pending", scores: [{ typeId: 7 }] });
  expect(discourse.isHidden(5151)).toBe(false);
  // The 429, then the flag: no third call for the repeats.
  expect(flagsOf(5151)).toHaveLength(2);
  const message = discourse.reviewables.get(5151)!.scores[0]!.message!;
  expect(message).toContain(`https://console.example/mod/tickets/${encodeURIComponent(ticket.ticketId)}`);
  expect(message).not.toContain("must stay off");
  expect(flagsOf(5151)[1]!.headers["api-key"]).toBe("disc-key");
  // A forum not in autoHide.forums has no platform queue.
  expect(discourse.requests.filter((r) => JSON.stringify(r.body ?? "").includes("t-other"))).toHaveLength(0);
}, 60_000);

test("a ticket for a Lemmy comment is a comment report; one for a Discourse post that is not there is a dead letter, the webhook still gets it", async () => {
  lemmy.comments.set(77, { removed: false, creatorId: 9 });
  await publish([ticketFor("comment:77", { forumId: "fedi" }), ticketFor("9999", { forumId: "meta" })]);
  await eventually(() => lemmy.reports.get("comment:77"), 20_000, "comment 77 reported on Lemmy");
  expect(lemmy.reports.get("comment:77")).toBe("Arbiter escalation: cheats: LOW_CONFIDENCE");
  const letters = await readRecords(kafka, config.kafka.topics.dlq, "deadLetter", {
    groupId: ns.group("check-dlq"),
    until: (seen) => seen.length >= 1,
    timeoutMs: 20_000,
  });
  expect(letters).toHaveLength(1);
  expect(letters[0]).toMatchObject({ errorClass: "HttpCallError:HTTP_404", stage: "deliver", response: { status: 404 } });
  await eventually(() => webhook("9999").length === 1 || undefined, 20_000, "9999 on the webhook");
}, 60_000);
