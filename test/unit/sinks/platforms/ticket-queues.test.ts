import { autoHideSchema } from "@arbiter/shared/sinks/auto-hide/auto-hide-settings.js";
import { HttpCallError } from "@arbiter/shared/sinks/errors/http-call-error.js";
import { createPlatformAdapter } from "@arbiter/shared/sinks/platforms/adapters.js";
import { discordForumSchema } from "@arbiter/shared/sinks/platforms/discord-settings.js";
import { discourseForumSchema } from "@arbiter/shared/sinks/platforms/discourse-settings.js";
import { PlatformRefusalError } from "@arbiter/shared/sinks/platforms/errors/platform-refusal-error.js";
import { httpForumSchema } from "@arbiter/shared/sinks/platforms/http-settings.js";
import { lemmyForumSchema } from "@arbiter/shared/sinks/platforms/lemmy-settings.js";
import { nodebbForumSchema } from "@arbiter/shared/sinks/platforms/nodebb-settings.js";
import type { PlatformAdapter } from "@arbiter/shared/sinks/platforms/platform-adapter.js";
import { redditForumSchema } from "@arbiter/shared/sinks/platforms/reddit-settings.js";
import { reviewTicket } from "@arbiter/shared/sinks/tickets/review-ticket.js";
import { ticketFor, verdict } from "../../../support/decisions.js";
import { DiscordFake } from "../../../support/fakes/discord-fake.js";
import { DiscourseFake } from "../../../support/fakes/discourse-fake.js";
import { LemmyFake } from "../../../support/fakes/lemmy-fake.js";
import { NodebbFake } from "../../../support/fakes/nodebb-fake.js";
import { adapterDeps, perform } from "../../../support/fakes/platform-deps.js";
import { RedditFake } from "../../../support/fakes/reddit-fake.js";

const CONSOLE = "https://console.example.org";
const signal = new AbortController().signal;

/** A ticket about `postId` as the ticket sink hands it to an adapter. */
function ticket(postId: string, forumId: string, reason?: string) {
  const t = ticketFor(postId, { forumId, text: `secret post text of ${postId}` });
  return reviewTicket(reason === undefined ? t : { ...t, reason }, CONSOLE);
}

const report = (adapter: PlatformAdapter, postId: string, forumId: string, reason?: string) => {
  if (!adapter.report) throw new Error(`${adapter.platform} has no review queue`);
  return adapter.report(ticket(postId, forumId, reason), signal);
};

describe("the review-queue ticket", () => {
  it("carries ids, stage, reason, verdicts and the console link, never the post's text or the rationale", () => {
    const t = ticket("42", "forum-a");
    expect(t).toMatchObject({ postId: "42", forumId: "forum-a", summary: "Arbiter escalation: cheats: LOW_CONFIDENCE" });
    const all = [t.summary, ...t.lines].join("\n");
    expect(all).toContain("policy cheats v1: violate, rules CH1, confidence 0.55");
    expect(all).toContain(`${CONSOLE}/tickets/`);
    expect(all).not.toMatch(/secret post text|Offers an aimbot|offers a cheat/);
    expect(ticket("42", "forum-a").identity).toBe(t.identity);
  });
});

describe("Discourse: a notify_moderators flag (7) that takes no action", () => {
  const fake = new DiscourseFake("key-1", "arbiter-mod");
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  const discourse = () =>
    createPlatformAdapter(
      discourseForumSchema.parse({ platform: "discourse", baseUrl: fake.baseUrl, apiKey: "key-1", apiUsername: "arbiter-mod" }),
      adapterDeps("disc"),
    );

  it("POSTs /post_actions {id, post_action_type_id: 7, message}: the post enters the review queue, still shown", async () => {
    fake.addPost(201);
    const exchange = await report(discourse(), "discourse:201", "disc");
    expect(exchange.status).toBe(200);
    const [flag] = fake.requestsTo("POST", /^\/post_actions$/).filter((r) => (r.body as { id: number }).id === 201);
    expect(flag!.body).toMatchObject({ id: 201, post_action_type_id: 7 });
    expect(flag!.body).not.toHaveProperty("take_action");
    expect((flag!.body as { message: string }).message).toContain("Arbiter asks a moderator to review this post");
    expect(fake.isHidden(201)).toBe(false);
    expect(fake.reviewables.get(201)).toMatchObject({ status: "pending", scores: [{ typeId: 7 }] });
  });

  it("a repeat (403, already performed) is a success once the post reads back flagged by this account", async () => {
    fake.addPost(202);
    await report(discourse(), "202", "disc");
    const again = await report(discourse(), "202", "disc");
    expect(JSON.parse(again.body)).toMatchObject({ id: 202, actions_summary: [{ id: 7, acted: true }] });
    expect(fake.reviewables.get(202)!.scores).toHaveLength(1);
  });

  it("a post the auto-hide already flagged (staff flag 4, hidden) counts as in the queue", async () => {
    fake.addPost(203);
    const adapter = discourse();
    await perform(adapter, "hide", "203", "disc");
    const exchange = await report(adapter, "203", "disc");
    expect(JSON.parse(exchange.body)).toMatchObject({ hidden: true, actions_summary: [{ id: 4, acted: true }] });
  });

  it("a post hidden by others (403, not flagged by this account) is a refusal; an unknown post a 404 refusal", async () => {
    fake.addPost(204);
    fake.posts.get(204)!.hidden = true;
    const error = await report(discourse(), "204", "disc").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpCallError);
    expect((error as HttpCallError).exchange.status).toBe(403);
    expect((error as HttpCallError).retriable).toBe(false);
    const missing = await report(discourse(), "299", "disc").catch((e: unknown) => e);
    expect((missing as HttpCallError).exchange.status).toBe(404);
  });

  it("a 429 is waited out (Retry-After / wait_seconds) and the flag sent again", async () => {
    fake.addPost(205);
    fake.answerNext("POST", /^\/post_actions$/, DiscourseFake.rateLimit(2));
    const deps = adapterDeps("disc");
    const adapter = createPlatformAdapter(
      discourseForumSchema.parse({ platform: "discourse", baseUrl: fake.baseUrl, apiKey: "key-1", apiUsername: "arbiter-mod" }),
      deps,
    );
    await report(adapter, "205", "disc");
    expect(deps.waits).toContain(2000);
    expect(fake.reviewables.get(205)!.scores).toHaveLength(1);
  });
});

describe("Lemmy 0.19: a report to the community's moderators", () => {
  const fake = new LemmyFake("jwt-1");
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  const lemmy = () => createPlatformAdapter(lemmyForumSchema.parse({ platform: "lemmy", baseUrl: fake.baseUrl, jwt: "jwt-1" }), adapterDeps("lem"));

  it("a post: POST /api/v3/post/report {post_id, reason}; a comment: /comment/report {comment_id, reason}", async () => {
    fake.posts.set(21, { removed: false, creatorId: 1 });
    fake.comments.set(22, { removed: false, creatorId: 1 });
    expect((await report(lemmy(), "post:21", "lem")).status).toBe(200);
    expect((await report(lemmy(), "comment:22", "lem")).status).toBe(200);
    const [post] = fake.requestsTo("POST", /^\/api\/v3\/post\/report$/);
    expect(post!.body).toEqual({ post_id: 21, reason: "Arbiter escalation: cheats: LOW_CONFIDENCE" });
    expect(post!.headers.authorization).toBe("Bearer jwt-1");
    const [comment] = fake.requestsTo("POST", /^\/api\/v3\/comment\/report$/);
    expect(comment!.body).toMatchObject({ comment_id: 22 });
    expect([...fake.reports.keys()]).toEqual(["post:21", "comment:22"]);
  });

  it("a repeat (400 couldnt_create_report: one report per account) is a success; a long ticket reason is cut (Lemmy takes 1000)", async () => {
    fake.posts.set(23, { removed: false, creatorId: 1 });
    await report(lemmy(), "23", "lem", "x".repeat(1500));
    expect(fake.reports.get("post:23")).toBe(`Arbiter escalation: ${"x".repeat(299)}…`);
    const again = await report(lemmy(), "23", "lem");
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body)).toEqual({ error: "couldnt_create_report" });
  });

  it("an unknown post is a 404 refusal; a 429 is retried", async () => {
    const error = await report(lemmy(), "29", "lem").catch((e: unknown) => e);
    expect((error as HttpCallError).exchange.status).toBe(404);
    expect((error as HttpCallError).retriable).toBe(false);
    fake.posts.set(24, { removed: false, creatorId: 1 });
    fake.answerNext("POST", /^\/api\/v3\/post\/report$/, LemmyFake.rateLimited);
    expect((await report(lemmy(), "24", "lem")).status).toBe(200);
  });
});

describe("NodeBB v3: a flag in the moderators' flags queue", () => {
  const fake = new NodebbFake("tok-1", 7);
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  const nodebb = () =>
    createPlatformAdapter(nodebbForumSchema.parse({ platform: "nodebb", baseUrl: fake.baseUrl, token: "tok-1", uid: 7 }), adapterDeps("nbb"));

  it("POST /api/v3/flags {type: post, id, reason} as the master token's uid; a repeat (400 already flagged) is a success", async () => {
    fake.posts.set(41, { deleted: false });
    expect((await report(nodebb(), "nodebb:41", "nbb")).status).toBe(200);
    const [flag] = fake.requestsTo("POST", /^\/api\/v3\/flags$/);
    expect(flag!.body).toEqual({ type: "post", id: 41, reason: "Arbiter escalation: cheats: LOW_CONFIDENCE" });
    expect(flag!.query.get("_uid")).toBe("7");
    const again = await report(nodebb(), "41", "nbb");
    expect(again.status).toBe(400);
    expect(fake.flags.get(41)!.reports).toHaveLength(1);
  });

  it("a deleted post cannot be flagged: a refusal, not retried", async () => {
    fake.posts.set(42, { deleted: true });
    const error = await report(nodebb(), "42", "nbb").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpCallError);
    expect((error as HttpCallError).exchange.body).toContain("post-deleted");
    expect(fake.requestsTo("POST", /^\/api\/v3\/flags$/).filter((r) => (r.body as { id: number }).id === 42)).toHaveLength(1);
  });
});

describe("Reddit: a report into the subreddit's modqueue", () => {
  const CREDENTIALS = { clientId: "app-id", clientSecret: "app-secret", refreshToken: "refresh-1" };
  let fake: RedditFake;
  beforeEach(async () => (fake = await new RedditFake(CREDENTIALS).start()));
  afterEach(() => fake.stop());
  const reddit = () =>
    createPlatformAdapter(
      redditForumSchema.parse({
        platform: "reddit",
        subreddit: "arbiter_test",
        ...CREDENTIALS,
        userAgent: "test:arbiter:0.1 (by /u/arbiter)",
        apiUrl: fake.url,
        tokenUrl: `${fake.url}/api/v1/access_token`,
      }),
      adapterDeps("sub"),
    );

  it("POST /api/report {api_type: json, thing_id, reason ≤ 100}; a repeat is 200 and adds nothing", async () => {
    const adapter = reddit();
    await report(adapter, "t3_abc12", "sub", "y".repeat(300));
    await report(adapter, "t1_def34", "sub");
    const [call] = fake.apiCalls("/api/report");
    expect(call!.form).toMatchObject({ api_type: "json", thing_id: "t3_abc12" });
    expect(call!.form.reason).toHaveLength(100);
    expect(fake.reports.get("t1_def34")).toBe("Arbiter escalation: cheats: LOW_CONFIDENCE");
    await report(adapter, "t3_abc12", "sub");
    expect(fake.apiCalls("/api/report")).toHaveLength(3);
    expect(fake.reports.size).toBe(2);
  });

  it("a post id that is no fullname is refused before any call; a 503 is retried", async () => {
    await expect(report(reddit(), "12345", "sub")).rejects.toBeInstanceOf(PlatformRefusalError);
    fake.failNext("/api/report", 503);
    await report(reddit(), "t3_zz9", "sub");
    expect(fake.apiCalls("/api/report")).toHaveLength(2);
    expect(fake.reports.has("t3_zz9")).toBe(true);
  });
});

describe("Discord: no queue, a message in the moderators' channel", () => {
  const BOT = "bot-token-1";
  let fake: DiscordFake;
  beforeEach(async () => (fake = await new DiscordFake({ botToken: BOT, bucketLimit: 50 }).start()));
  afterEach(() => fake.stop());
  const discord = () =>
    createPlatformAdapter(
      discordForumSchema.parse({ platform: "discord", botToken: BOT, guildId: "111", moderatorChannelId: "222", apiUrl: fake.url }),
      adapterDeps("dis"),
    );

  it("posts the ticket's summary, policies and links, no mention; a repeat within Discord's nonce window is the same message", async () => {
    const adapter = discord();
    await report(adapter, "333:444", "dis");
    await report(adapter, "333:444", "dis");
    const [message, ...others] = fake.messages("222");
    expect(others).toHaveLength(0);
    expect(message!.content).toContain("**Arbiter** (ticket)");
    expect(message!.content).toContain("https://discord.com/channels/111/333/444");
    expect(message!.content).toContain(`${CONSOLE}/tickets/`);
    expect(message!.content).not.toMatch(/secret post text|Offers an aimbot/);
    expect(fake.calls("POST")[0]!.body).toMatchObject({ allowed_mentions: { parse: [] }, enforce_nonce: true });
  });
});

describe("http: no review queue", () => {
  it("has no report call (its tickets go to the webhook and the stream only)", () => {
    const adapter = createPlatformAdapter(httpForumSchema.parse({ platform: "http" }), { ...adapterDeps("web"), forum: autoHideSchema.parse({}).forum });
    expect(adapter.report).toBeUndefined();
  });
});

test("verdict helper keeps allow verdicts in the lines too", () => {
  const t = reviewTicket({ ...ticketFor("9"), verdicts: [verdict("spam", "allow")] }, CONSOLE);
  expect(t.lines).toContain("policy spam v1: allow, rules (none), confidence 0.95");
});
