import type { Kafka } from "kafkajs";
import type { ArbiterConfigInput } from "@arbiter/shared/config/arbiter-config.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { signBody } from "@arbiter/shared/ingest/signature.js";
import { startAutoHideWorker } from "../../../workers/auto-hide/auto-hide-worker.js";
import { startClassifierWorker, type RunningWorker } from "../../../workers/classifier/classifier-worker.js";
import { startConsoleWorker, type RunningConsole } from "../../../workers/console/console-worker.js";
import { startIngestWorker, type RunningIngest } from "../../../workers/ingest/ingest-worker.js";
import { ConsoleSession, moderatorsSetting, testModerators, testSessionSecret } from "../../support/console-session.js";
import { discourseHeaders, discoursePost } from "../../support/discourse-webhook.js";
import { eventually } from "../../support/eventually.js";
import { DiscordFake } from "../../support/fakes/discord-fake.js";
import { DiscourseFake } from "../../support/fakes/discourse-fake.js";
import { LemmyFake } from "../../support/fakes/lemmy-fake.js";
import { LemmyListingFake } from "../../support/fakes/lemmy-listing-fake.js";
import { NodebbFake } from "../../support/fakes/nodebb-fake.js";
import { RedditFake } from "../../support/fakes/reddit-fake.js";
import { RedditListingFake } from "../../support/fakes/reddit-listing-fake.js";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { deletePrefix, testRedis } from "../../support/redis.js";
import { testConfig, testLogger } from "../../support/worker.js";

// Each platform end to end on the real broker and Redis, one set of workers for all five:
// the ingest gateway (a signed Discourse webhook; the Lemmy and Reddit pollers against their
// listing fakes; the generic signed webhook for NodeBB and Discord) → the primary and escalation
// classifiers (a simulated engine, below) → the auto-hide sink and its platform adapters (the
// platforms' APIs are fakes, test/support/fakes/*-fake.ts) → the console, driven over HTTP by a
// moderator → the auto-hide sink again, which undoes (or, on Discord, deletes).
//
// Why a ticket exists for a post the model hid: the simulated engine is sure of the cheats
// policy (violate, 0.9) and unsure of the spam policy (allow, 0.3). The primary decision is HIDE
// (a sure violation hides) and escalates the unsure policy; the escalation tier is unsure again,
// so its decision is HIDE as well and raises a ticket: the moderator's queue in the console.

const ns = testNamespace("platforms e2e");
const redis = testRedis();
const DISCOURSE_SECRET = "discourse webhook secret e2e";
const GENERIC_SECRET = "generic webhook secret e2e";
/** Hits the keywords of both test policies (test/fixtures/policies): cheats and spam. */
const TEXT = "selling a private aimbot, and buy followers cheap";

/** A simulated engine: sure that a post naming an aimbot breaks the cheats policy, unsure about anything else. */
class SureOfCheatsEngine implements EnginePort {
  readonly modelId = "simulated";
  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    return request.policies.map((p) => {
      const violate = p.id === "test-cheats" && request.postText.includes("aimbot");
      return {
        policyId: p.id,
        policyVersion: p.version,
        decision: violate ? "violate" : "allow",
        ruleIds: violate ? [p.ruleIds[0]!] : [],
        rationale: "simulated",
        confidence: violate ? 0.9 : 0.3,
        reasoning: "simulated reasoning",
        promptTokens: 1,
        generatedTokens: 1,
        latencyMs: 0,
      };
    });
  }
  queue() {
    return { depth: 0, capacity: 64, inFlight: 0, sequences: 1 };
  }
  async dispose(): Promise<void> {}
}

const discourse = new DiscourseFake("disc-key", "arbiter");
const lemmyListing = new LemmyListingFake("news");
const lemmy = new LemmyFake("lemmy-jwt");
const redditListing = new RedditListingFake("games", "reddit-read-token");
const reddit = new RedditFake({ clientId: "client", clientSecret: "client-secret", refreshToken: "refresh" });
const nodebb = new NodebbFake("nodebb-token");
const discord = new DiscordFake({ botToken: "bot-token", bucketLimit: 50 });
const DISCORD_CHANNEL = "111111111111111111";
const DISCORD_MODS = "222222222222222222";

let kafka: Kafka;
let ingest: RunningIngest;
let consoleWorker: RunningConsole;
let sink: SinkRuntime;
const classifiers: RunningWorker[] = [];

function configs(moderators: string) {
  const shared: ArbiterConfigInput = {
    ingest: {
      port: 0,
      produceTimeoutMs: 5000,
      eventsTopic: ns.topic("ingest-events"),
      sources: {
        disc: { kind: "discourse", forumId: "discourse-meta", secret: DISCOURSE_SECRET },
        nbb: { kind: "generic", forumId: "nodebb-forum", secret: GENERIC_SECRET },
        dsc: { kind: "generic", forumId: "discord-server", secret: GENERIC_SECRET },
      },
      pollers: {
        lem: { kind: "lemmy", forumId: "lemmy-news", baseUrl: lemmyListing.url, community: "news", token: "jwt", intervalSeconds: 1 },
        red: { kind: "reddit", forumId: "reddit-games", baseUrl: redditListing.url, community: "games", token: "reddit-read-token", intervalSeconds: 1 },
      },
    },
    autoHide: {
      groupId: ns.group("auto-hide"),
      forums: {
        "discourse-meta": { platform: "discourse", baseUrl: discourse.baseUrl, apiKey: "disc-key", apiUsername: "arbiter", perSecond: 50 },
        "lemmy-news": { platform: "lemmy", baseUrl: lemmy.baseUrl, jwt: "lemmy-jwt", perSecond: 50 },
        "reddit-games": {
          platform: "reddit",
          subreddit: "games",
          clientId: "client",
          clientSecret: "client-secret",
          refreshToken: "refresh",
          userAgent: "test:arbiter:0.1 (by /u/arbiter)",
          apiUrl: reddit.url,
          tokenUrl: `${reddit.url}/api/v1/access_token`,
        },
        "nodebb-forum": { platform: "nodebb", baseUrl: nodebb.baseUrl, token: "nodebb-token", perSecond: 50 },
        "discord-server": { platform: "discord", botToken: "bot-token", guildId: "333333333333333333", moderatorChannelId: DISCORD_MODS, apiUrl: discord.url },
      },
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
    },
    console: { groupId: ns.group("console"), port: 0, sessionSecret: testSessionSecret, moderators },
  };
  return { primary: testConfig(ns, shared), escalation: testConfig(ns, { ...shared, role: "escalation" }) };
}

let config: ReturnType<typeof configs>["primary"];

beforeAll(async () => {
  await Promise.all([discourse.start(), lemmyListing.start(), lemmy.start(), redditListing.start(), reddit.start(), nodebb.start(), discord.start()]);
  await redis.connect();
  kafka = testKafka(ns.id);
  const both = configs(await moderatorsSetting());
  config = both.primary;
  const { topics } = config.kafka;
  await createTopics(kafka, [
    topics.posts,
    topics.decisions,
    topics.audit,
    topics.escalations,
    topics.tickets,
    topics.dlq,
    topics.appeals,
    config.ingest.eventsTopic,
  ]);
  const logger = await testLogger();
  [sink, consoleWorker] = await Promise.all([startAutoHideWorker(config, logger), startConsoleWorker(config, logger)]);
  classifiers.push(
    ...(await Promise.all([
      startClassifierWorker(both.primary, logger, { engine: new SureOfCheatsEngine() }),
      startClassifierWorker(both.escalation, logger, { engine: new SureOfCheatsEngine() }),
    ])),
  );
  ingest = await startIngestWorker(config, logger);
}, 90_000);

afterAll(async () => {
  await ingest?.stop();
  await Promise.all(classifiers.map((w) => w.stop()));
  await Promise.all([sink?.stop(), consoleWorker?.stop()]);
  await Promise.all([discourse.stop(), lemmyListing.stop(), lemmy.stop(), redditListing.stop(), reddit.stop(), nodebb.stop(), discord.stop()]);
  await deletePrefix(redis, ns.redisPrefix);
  redis.disconnect();
}, 60_000);

async function signedPost(source: string, headers: Record<string, string>, payload: unknown): Promise<void> {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${ingest.port}/webhooks/${source}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  expect([source, res.status]).toEqual([source, 202]);
}

/** The moderator's answer in the console, over HTTP as a browser sends it, to the open ticket of `postId`. */
async function answer(postId: string, verdict: "confirm" | "overturn"): Promise<void> {
  const session = new ConsoleSession(consoleWorker.url);
  await session.login("alice", testModerators.alice);
  const ticket = await eventually(
    async () => (JSON.parse((await session.get("/api/tickets")).text) as { ticketId: string; postId: string }[]).find((t) => t.postId === postId),
    30_000,
    `a ticket for ${postId} in the console`,
  );
  const path = `/tickets/${encodeURIComponent(ticket.ticketId)}`;
  await session.get(path);
  const res = await session.post(`${path}/${verdict}`, { note: "e2e" });
  expect([postId, res.status]).toEqual([postId, 303]);
}

const WAIT = 30_000;

test("every platform: input → the model's hide there → a moderator's answer in the console → the undo (Discord: the delete)", async () => {
  // Inputs, all at once so the five flows overlap.
  discourse.addPost(7001);
  lemmy.posts.set(1, { removed: false, creatorId: 101 });
  lemmyListing.addPosts(1, () => TEXT);
  const [link] = redditListing.addLinks(1);
  link!.title = TEXT;
  const redditId = `t3_${link!.id}`;
  nodebb.posts.set(55, { deleted: false });
  discord.addMessage(DISCORD_CHANNEL, "444444444444444444", TEXT);
  discord.addMessage(DISCORD_CHANNEL, "555555555555555555", TEXT);
  const discordId = `${DISCORD_CHANNEL}:444444444444444444`;
  const discordKeptId = `${DISCORD_CHANNEL}:555555555555555555`;
  const discourseBody = { post: discoursePost({ id: 7001, raw: TEXT }) };
  await signedPost(
    "disc",
    { ...discourseHeaders("post_created"), "x-discourse-event-signature": signBody(DISCOURSE_SECRET, JSON.stringify(discourseBody)) },
    discourseBody,
  );
  for (const [source, id] of [
    ["nbb", "55"],
    ["dsc", discordId],
    ["dsc", discordKeptId],
  ] as const) {
    const payload = { event: "created", id, text: TEXT, authorId: "u-1" };
    await signedPost(source, { "x-arbiter-signature": signBody(GENERIC_SECRET, JSON.stringify(payload)) }, payload);
  }

  // The model's HIDE, as each platform understands it.
  await Promise.all([
    eventually(() => discourse.isHidden(7001) || undefined, WAIT, "Discourse post flagged"),
    eventually(() => lemmy.posts.get(1)!.removed || undefined, WAIT, "Lemmy post removed"),
    eventually(() => reddit.removed.has(redditId) || undefined, WAIT, "Reddit post removed"),
    eventually(() => nodebb.posts.get(55)!.deleted || undefined, WAIT, "NodeBB post deleted"),
    // Discord cannot undo a delete: a model's HIDE is a ticket message in the moderators' channel.
    eventually(() => discord.messages(DISCORD_MODS).length === 2 || undefined, WAIT, "a Discord ticket message for each message"),
  ]);
  // The escalation tier's HIDE came after the primary's: the platforms were still called once.
  expect(discourse.requestsTo("POST", /^\/post_actions$/)).toHaveLength(1);
  expect(lemmy.requestsTo("POST", /^\/api\/v3\/post\/remove$/)).toHaveLength(1);
  expect(reddit.apiCalls("/api/remove")).toHaveLength(1);
  expect(discourse.requestsTo("POST", /^\/post_actions$/)[0]!.body).toEqual({ id: 7001, post_action_type_id: 4, take_action: "true" });
  expect(lemmy.requestsTo("POST", /^\/api\/v3\/post\/remove$/)[0]!.body).toMatchObject({ post_id: 1, removed: true });
  expect(reddit.apiCalls("/api/remove")[0]!.form).toMatchObject({ id: redditId });
  expect(nodebb.requestsTo("DELETE", /^\/api\/v3\/posts\/55\/state$/)).toHaveLength(1);
  const tickets = discord.messages(DISCORD_MODS).map((m) => m.content);
  expect(tickets.filter((c) => c.includes("444444444444444444"))).toHaveLength(1);
  expect(tickets.filter((c) => c.includes("555555555555555555"))).toHaveLength(1);
  // The moderators' channel gets ids and a link, never the post's text.
  for (const content of tickets) expect(content).not.toContain("aimbot");
  expect(discord.calls("DELETE")).toEqual([]);
  expect(discord.has(DISCORD_CHANNEL, "444444444444444444")).toBe(true);

  // The moderator: overturns the model on four platforms. On Discord, where a model's HIDE only
  // raised a ticket, confirming it is the word that deletes; overturning it there deletes nothing.
  await Promise.all([
    answer("7001", "overturn"),
    answer("post:1", "overturn"),
    answer(redditId, "overturn"),
    answer("55", "overturn"),
    answer(discordId, "confirm"),
    answer(discordKeptId, "overturn"),
  ]);

  await Promise.all([
    eventually(() => discourse.requestsTo("PUT", /^\/posts\/7001\/unhide$/).length === 1 || undefined, WAIT, "Discourse unhide"),
    eventually(
      () => lemmy.requestsTo("POST", /^\/api\/v3\/post\/remove$/).some((r) => (r.body as { removed: boolean }).removed === false) || undefined,
      WAIT,
      "Lemmy removed:false",
    ),
    eventually(() => reddit.apiCalls("/api/approve").length === 1 || undefined, WAIT, "Reddit approve"),
    eventually(() => nodebb.requestsTo("PUT", /^\/api\/v3\/posts\/55\/state$/).length === 1 || undefined, WAIT, "NodeBB restore"),
    eventually(() => discord.calls("DELETE").length === 1 || undefined, WAIT, "Discord delete"),
    eventually(
      () => discord.messages(DISCORD_MODS).some((m) => m.content.includes("555555555555555555") && /never deleted/.test(m.content)) || undefined,
      WAIT,
      "the Discord overturn said in the moderators' channel",
    ),
  ]);
  expect(discourse.isHidden(7001)).toBe(false);
  expect(lemmy.posts.get(1)!.removed).toBe(false);
  expect(reddit.apiCalls("/api/approve")[0]!.form).toMatchObject({ id: redditId });
  expect(reddit.removed.has(redditId)).toBe(false);
  expect(nodebb.posts.get(55)!.deleted).toBe(false);
  expect(discord.has(DISCORD_CHANNEL, "444444444444444444")).toBe(false);
  expect(discord.calls("DELETE")[0]!.path).toBe(`/channels/${DISCORD_CHANNEL}/messages/444444444444444444`);
  expect(discord.has(DISCORD_CHANNEL, "555555555555555555")).toBe(true);
}, 120_000);
