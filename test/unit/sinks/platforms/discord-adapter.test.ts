import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { isRetriable } from "@arbiter/shared/errors/arbiter-error.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { HttpCallError } from "@arbiter/shared/sinks/errors/http-call-error.js";
import { PlatformRefusalError } from "@arbiter/shared/sinks/platforms/errors/platform-refusal-error.js";
import { createDiscordAdapter } from "@arbiter/shared/sinks/platforms/discord.js";
import { discordForumSchema } from "@arbiter/shared/sinks/platforms/discord-settings.js";
import type { PlatformAdapterDeps } from "@arbiter/shared/sinks/platforms/rest-call.js";
import { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";
import { rejectionOf } from "../../../support/thrown.js";
import { capturedLogger } from "../../../support/captured-logger.js";
import { decisionFor, verdict } from "../../../support/decisions.js";
import { DiscordFake, type DiscordFakeOptions } from "../../../support/fakes/discord-fake.js";

const BOT_TOKEN = "bot-SECRET-token";
const GUILD = "111";
const MODS = "222";
const CHANNEL = "333";
const signal = new AbortController().signal;

let fake: DiscordFake;
const start = async (options: Partial<DiscordFakeOptions> = {}) => (fake = await new DiscordFake({ botToken: BOT_TOKEN, bucketLimit: 50, ...options }).start());
afterEach(async () => fake?.stop());

function adapter(deps: Partial<PlatformAdapterDeps> = {}, settings: Record<string, unknown> = {}) {
  const parsed = discordForumSchema.parse({
    platform: "discord",
    botToken: BOT_TOKEN,
    guildId: GUILD,
    moderatorChannelId: MODS,
    apiUrl: fake.url,
    ...settings,
  });
  return createDiscordAdapter(parsed, {
    retry: new RetryPolicy({ initialDelayMs: 1, maxDelayMs: 2000, maxAttempts: 4 }),
    metrics: new SinkMetrics(),
    logger: silentLogger,
    ...deps,
  });
}

const post = (messageId: string, channelId = CHANNEL) => `${channelId}:${messageId}`;

describe("Discord adapter against the Discord fake", () => {
  beforeEach(async () => {
    await start();
    for (const id of ["501", "502", "503", "504"]) fake.addMessage(CHANNEL, id);
  });

  it("a model's HIDE raises a ticket in the moderators' channel and deletes nothing; a repeat posts no second ticket", async () => {
    const discord = adapter();
    const decision = decisionFor(post("501"), "HIDE", "primary", {
      verdicts: [verdict("harassment", "violate", { ruleIds: ["H2"], rationale: "quotes THE-POST-TEXT" })],
    });
    await discord.perform("hide", decision, signal);
    await discord.perform("hide", decision, signal);
    expect(fake.calls("DELETE")).toHaveLength(0);
    expect(fake.has(CHANNEL, "501")).toBe(true);
    const tickets = fake.messages(MODS);
    expect(tickets).toHaveLength(1);
    const [ticket] = tickets;
    expect(ticket!.content).toContain(decision.decisionId);
    expect(ticket!.content).toContain("harassment");
    expect(ticket!.content).toContain(`https://discord.com/channels/${GUILD}/${CHANNEL}/501`);
    expect(ticket!.content).not.toContain("THE-POST-TEXT");
    expect(fake.calls("POST")[0]!.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    expect(fake.calls("POST")[0]!.headers["user-agent"]).toMatch(/^DiscordBot \(/);
  });

  it("a moderator's HIDE deletes the message, with the decision in the audit log; a repeat (404, 10008) is success", async () => {
    const discord = adapter();
    const decision = decisionFor(post("502"), "HIDE", "human");
    const first = await discord.perform("hide", decision, signal);
    expect(first.status).toBe(204);
    expect(fake.has(CHANNEL, "502")).toBe(false);
    expect(decodeURIComponent(String(fake.calls("DELETE")[0]!.headers["x-audit-log-reason"]))).toContain(decision.decisionId);
    const repeat = await discord.perform("hide", decision, signal);
    expect(repeat.status).toBe(404);
    expect(fake.calls("DELETE")).toHaveLength(2);
    expect(fake.messages(MODS)).toHaveLength(0);
  });

  it("a moderator's unhide after a delete says in the moderators' channel that it cannot be undone, and does not fail", async () => {
    const { logger, lines } = capturedLogger();
    const discord = adapter({ logger });
    await discord.perform("hide", decisionFor(post("503"), "HIDE", "human"), signal);
    const undo = decisionFor(post("503"), "ALLOW", "human", { requestId: "overturn" });
    await discord.perform("unhide", undo, signal);
    const [notice] = fake.messages(MODS);
    expect(notice!.content).toContain("cannot restore");
    expect(notice!.content).toContain(undo.decisionId);
    expect(lines.some((l) => l.msg === "a moderator's unhide cannot be done: the message was deleted")).toBe(true);

    // A message that only had a ticket was never deleted: the notice says so.
    await discord.perform("unhide", decisionFor(post("504"), "ALLOW", "human"), signal);
    expect(fake.messages(MODS)[1]!.content).toContain("never deleted");
    expect(fake.calls("POST", new RegExp(`/channels/${CHANNEL}/messages$`))).toHaveLength(0);
  });

  it("honours a 429's retry_after, and a global one holds every route", async () => {
    const { logger, lines } = capturedLogger();
    const discord = adapter({ logger });
    fake.rateLimitNext(new RegExp(`^/channels/${MODS}/messages$`), 0.3, true);
    const ticket = discord.perform("hide", decisionFor(post("501"), "HIDE", "primary"), signal);
    // Once the adapter has had the 429 (it logs the retry), a call on another route and channel starts.
    while (!lines.some((l) => l.msg === "platform call failed; retrying")) await new Promise((resolve) => setTimeout(resolve, 5));
    const deletion = discord.perform("hide", decisionFor(post("502"), "HIDE", "human"), signal);
    await Promise.all([ticket, deletion]);
    const [limited, retried] = fake.calls("POST", new RegExp(`^/channels/${MODS}/messages$`));
    expect(limited!.status).toBe(429);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(280);
    // The delete waited for the global limit too.
    const deletes = fake.calls("DELETE");
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.at - limited!.at).toBeGreaterThanOrEqual(280);
  });

  it("waits when a bucket's X-RateLimit-Remaining reaches 0 until X-RateLimit-Reset-After, so Discord never answers 429", async () => {
    await fake.stop();
    await start({ bucketLimit: 2, bucketSeconds: 0.4 });
    for (const id of ["601", "602", "603"]) fake.addMessage(CHANNEL, id);
    const discord = adapter();
    for (const id of ["601", "602", "603"]) await discord.perform("hide", decisionFor(post(id), "HIDE", "human"), signal);
    const deletes = fake.calls("DELETE");
    expect(deletes.map((d) => d.status)).toEqual([204, 204, 204]);
    expect(deletes[2]!.at - deletes[0]!.at).toBeGreaterThanOrEqual(300);
  });

  it("dead-letters a refusal (403, Missing Permissions) at once and retries a 5xx", async () => {
    const discord = adapter();
    fake.failNext(/\/messages\/501$/, 502, 0, "Bad Gateway");
    await discord.perform("hide", decisionFor(post("501"), "HIDE", "human"), signal);
    expect(fake.calls("DELETE")).toHaveLength(2);

    fake.failNext(/\/messages\/502$/, 403, 50013, "Missing Permissions");
    const error = await rejectionOf(discord.perform("hide", decisionFor(post("502"), "HIDE", "human"), signal));
    expect(error).toBeInstanceOf(HttpCallError);
    expect(isRetriable(error)).toBe(false);
    expect((error as Error).message).toContain("50013");
    expect((error as Error).message).not.toContain(BOT_TOKEN);
    expect(fake.calls("DELETE")).toHaveLength(3);
  });

  it("banners with a reply under the message, and pages the moderators' channel mentioning the pager role", async () => {
    const discord = adapter({}, { pagerRoleId: "444" });
    await discord.perform("banner", decisionFor(post("501"), "BANNER", "primary"), signal);
    const reply = fake.messages(CHANNEL).find((m) => m.message_reference !== undefined);
    expect(reply!.message_reference).toMatchObject({ message_id: "501", channel_id: CHANNEL });
    await discord.perform("page", decisionFor(post("501"), "HIDE", "primary"), signal);
    const [page] = fake.calls("POST", new RegExp(`^/channels/${MODS}/messages$`));
    expect(String(page!.body!.content)).toMatch(/^<@&444> /);
    expect(page!.body!.allowed_mentions).toEqual({ parse: [], roles: ["444"] });
  });

  it("refuses a post id that is not <channel id>:<message id>, without calling", async () => {
    const discord = adapter();
    const error = await rejectionOf(discord.perform("hide", decisionFor("501", "HIDE", "human"), signal));
    expect(error).toBeInstanceOf(PlatformRefusalError);
    expect(fake.requests).toHaveLength(0);
  });
});
