import { describe, expect, it } from "@jest/globals";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { createDiscordAdapter } from "@arbiter/shared/sinks/platforms/discord.js";
import { discordForumSchema } from "@arbiter/shared/sinks/platforms/discord-settings.js";
import { createRedditAdapter } from "@arbiter/shared/sinks/platforms/reddit.js";
import { redditForumSchema } from "@arbiter/shared/sinks/platforms/reddit-settings.js";
import { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";

const reddit = {
  platform: "reddit",
  subreddit: "example_community",
  clientId: { env: "ARBITER_TEST_REDDIT_ID" },
  clientSecret: { file: "/run/secrets/reddit" },
  refreshToken: "inline-for-tests",
  userAgent: "linux:arbiter:0.1 (by /u/arbiter)",
};
const discord = { platform: "discord", botToken: { env: "ARBITER_TEST_DISCORD" }, guildId: "1", moderatorChannelId: "2" };
const deps = () => ({ retry: new RetryPolicy({ initialDelayMs: 1, maxDelayMs: 1, maxAttempts: 1 }), metrics: new SinkMetrics(), logger: silentLogger });

/** The paths zod names for a rejected input. */
function problems(result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }): string[] {
  return (result.error?.issues ?? []).map((i) => i.path.join("."));
}

describe("Reddit and Discord forum settings", () => {
  it("take the documented defaults and accept secrets as {env}, {file} or a string", () => {
    const r = redditForumSchema.parse(reddit);
    expect(r).toMatchObject({ apiUrl: "https://oauth.reddit.com", tokenUrl: "https://www.reddit.com/api/v1/access_token", timeoutMs: 10_000 });
    expect(r.bannerFlair.length).toBeLessThanOrEqual(64);
    const d = discordForumSchema.parse(discord);
    expect(d).toMatchObject({ apiUrl: "https://discord.com/api/v10", timeoutMs: 10_000 });
    expect(d.pagerRoleId).toBeUndefined();
  });

  it("name the field that is wrong or missing", () => {
    expect(problems(redditForumSchema.safeParse({ ...reddit, subreddit: "r/example" }))).toEqual(["subreddit"]);
    expect(problems(redditForumSchema.safeParse({ ...reddit, refreshToken: undefined }))).toEqual(["refreshToken"]);
    expect(problems(redditForumSchema.safeParse({ ...reddit, bannerFlair: "x".repeat(65) }))).toEqual(["bannerFlair"]);
    expect(problems(redditForumSchema.safeParse({ ...reddit, platform: "discord" }))).toEqual(["platform"]);
    expect(problems(discordForumSchema.safeParse({ ...discord, moderatorChannelId: "#mods" }))).toEqual(["moderatorChannelId"]);
    expect(problems(discordForumSchema.safeParse({ ...discord, token: "x" }))).toEqual([""]);
    expect(problems(discordForumSchema.safeParse({ ...discord, userAgent: "curl/8" }))).toEqual(["userAgent"]);
  });

  it("a secret that cannot be read stops the adapter at start, naming its setting", () => {
    delete process.env.ARBITER_TEST_REDDIT_ID;
    delete process.env.ARBITER_TEST_DISCORD;
    expect(() => createRedditAdapter(redditForumSchema.parse(reddit), deps(), "autoHide.forums.r")).toThrow(ConfigError);
    expect(() => createRedditAdapter(redditForumSchema.parse(reddit), deps(), "autoHide.forums.r")).toThrow("autoHide.forums.r.clientId");
    expect(() => createDiscordAdapter(discordForumSchema.parse(discord), deps(), "autoHide.forums.d")).toThrow("autoHide.forums.d.botToken");
  });
});
