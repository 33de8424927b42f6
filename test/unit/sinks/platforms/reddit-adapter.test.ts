import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { isRetriable } from "@arbiter/shared/errors/arbiter-error.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { HttpCallError } from "@arbiter/shared/sinks/errors/http-call-error.js";
import { PlatformRefusalError } from "@arbiter/shared/sinks/platforms/errors/platform-refusal-error.js";
import { createRedditAdapter } from "@arbiter/shared/sinks/platforms/reddit.js";
import { redditForumSchema } from "@arbiter/shared/sinks/platforms/reddit-settings.js";
import type { PlatformAdapterDeps } from "@arbiter/shared/sinks/platforms/rest-call.js";
import { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";
import { rejectionOf } from "../../../support/thrown.js";
import { decisionFor, verdict } from "../../../support/decisions.js";
import { RedditFake, type RedditFakeOptions } from "../../../support/fakes/reddit-fake.js";

const CREDENTIALS = { clientId: "app-id", clientSecret: "app-secret-XYZ", refreshToken: "refresh-SECRET-123" };
const signal = new AbortController().signal;

let fake: RedditFake;
const start = async (options: Partial<RedditFakeOptions> = {}) => (fake = await new RedditFake({ ...CREDENTIALS, ...options }).start());
afterEach(async () => fake?.stop());

function adapter(deps: Partial<PlatformAdapterDeps> = {}, settings: Record<string, unknown> = {}) {
  const parsed = redditForumSchema.parse({
    platform: "reddit",
    subreddit: "arbiter_test",
    ...CREDENTIALS,
    userAgent: "test:arbiter:0.1 (by /u/arbiter)",
    apiUrl: fake.url,
    tokenUrl: `${fake.url}/api/v1/access_token`,
    ...settings,
  });
  return createRedditAdapter(parsed, {
    retry: new RetryPolicy({ initialDelayMs: 1, maxDelayMs: 50, maxAttempts: 4 }),
    metrics: new SinkMetrics(),
    logger: silentLogger,
    ...deps,
  });
}

describe("Reddit adapter against the Reddit fake", () => {
  beforeEach(async () => start());

  it("hides with POST /api/remove (spam=false) and undoes with /api/approve, as the moderator's bearer token and user agent", async () => {
    const reddit = adapter();
    const exchange = await reddit.perform("hide", decisionFor("t3_abc12", "HIDE", "primary"), signal);
    expect(exchange).toMatchObject({ method: "POST", status: 200 });
    expect(fake.removed.has("t3_abc12")).toBe(true);
    const [remove] = fake.apiCalls("/api/remove");
    expect(remove!.form).toEqual({ id: "t3_abc12", spam: "false" });
    expect(remove!.authorization).toBe("bearer token-1");
    expect(remove!.userAgent).toBe("test:arbiter:0.1 (by /u/arbiter)");

    await reddit.perform("unhide", decisionFor("t3_abc12", "ALLOW", "human"), signal);
    expect(fake.removed.has("t3_abc12")).toBe(false);
    expect(fake.apiCalls("/api/approve")[0]!.form).toEqual({ id: "t3_abc12" });
    expect(fake.tokensIssued).toBe(1);
  });

  it("counts a repeated remove as success and shares one token refresh among concurrent calls", async () => {
    const reddit = adapter();
    const hide = decisionFor("t1_c0mm3nt", "HIDE", "primary");
    await Promise.all([reddit.perform("hide", hide, signal), reddit.perform("hide", hide, signal), reddit.perform("hide", hide, signal)]);
    await reddit.perform("hide", hide, signal);
    expect(fake.apiCalls("/api/remove")).toHaveLength(4);
    expect(fake.removed.has("t1_c0mm3nt")).toBe(true);
    expect(fake.tokensIssued).toBe(1);
  });

  it("refreshes an expired token once before the call, by its clock", async () => {
    let clock = 1_000_000;
    const reddit = adapter({ now: () => clock });
    await reddit.perform("hide", decisionFor("t3_a", "HIDE", "primary"), signal);
    clock += 58 * 60_000; // within the hour less the minute of margin: the same token
    await reddit.perform("hide", decisionFor("t3_b", "HIDE", "primary"), signal);
    expect(fake.tokensIssued).toBe(1);
    clock += 60_000; // 59 minutes: past expires_in (3600 s) less the margin
    await reddit.perform("hide", decisionFor("t3_c", "HIDE", "primary"), signal);
    expect(fake.tokensIssued).toBe(2);
    expect(fake.apiCalls("/api/remove").map((r) => r.authorization)).toEqual(["bearer token-1", "bearer token-1", "bearer token-2"]);
  });

  it("on a 401 refreshes the token once and tries the call again", async () => {
    const reddit = adapter();
    await reddit.perform("hide", decisionFor("t3_a", "HIDE", "primary"), signal);
    fake.revokeTokens();
    await reddit.perform("hide", decisionFor("t3_b", "HIDE", "primary"), signal);
    expect(fake.tokensIssued).toBe(2);
    expect(fake.apiCalls("/api/remove").map((r) => r.authorization)).toEqual(["bearer token-1", "bearer token-1", "bearer token-2"]);
    expect(fake.removed.has("t3_b")).toBe(true);
  });

  it("a 401 with a fresh token too is a dead letter, not a loop", async () => {
    const reddit = adapter();
    fake.failNext("/api/remove", 401);
    fake.failNext("/api/remove", 401);
    const error = await rejectionOf(reddit.perform("hide", decisionFor("t3_a", "HIDE", "primary"), signal));
    expect(error).toBeInstanceOf(HttpCallError);
    expect((error as HttpCallError).code).toBe("HTTP_401");
    expect(fake.apiCalls("/api/remove")).toHaveLength(2);
    expect(fake.tokensIssued).toBe(2);
  });

  it("a refused refresh token is a dead letter that names no secret", async () => {
    const reddit = adapter({}, { refreshToken: "refresh-WRONG-456" });
    const error = await rejectionOf(reddit.perform("hide", decisionFor("t3_a", "HIDE", "primary"), signal));
    expect(error).toBeInstanceOf(HttpCallError);
    expect(isRetriable(error)).toBe(false);
    expect((error as HttpCallError).exchange.status).toBe(400);
    const said = `${(error as Error).message} ${JSON.stringify((error as HttpCallError).exchange)}`;
    for (const secret of ["refresh-WRONG-456", "app-secret-XYZ", "token-"]) expect(said).not.toContain(secret);
    expect(fake.apiCalls()).toHaveLength(0);
  });

  it("waits out X-Ratelimit-Reset when X-Ratelimit-Remaining reaches 0, so Reddit never answers 429", async () => {
    await fake.stop();
    await start({ windowLimit: 2, windowSeconds: 0.4 });
    const reddit = adapter();
    for (const id of ["t3_a", "t3_b", "t3_c"]) await reddit.perform("hide", decisionFor(id, "HIDE", "primary"), signal);
    const calls = fake.apiCalls("/api/remove");
    expect(calls).toHaveLength(3);
    // The third went out after the window the first opened had ended.
    expect(calls[2]!.at - calls[0]!.at).toBeGreaterThanOrEqual(300);
  });

  it("retries a 5xx and a 429, and dead-letters another 4xx at once", async () => {
    const reddit = adapter();
    fake.failNext("/api/remove", 503);
    fake.failNext("/api/remove", 429);
    await reddit.perform("hide", decisionFor("t3_a", "HIDE", "primary"), signal);
    expect(fake.apiCalls("/api/remove")).toHaveLength(3);

    fake.forbidden.add("t3_theirs");
    const error = await rejectionOf(reddit.perform("hide", decisionFor("t3_theirs", "HIDE", "primary"), signal));
    expect(error).toBeInstanceOf(HttpCallError);
    expect(isRetriable(error)).toBe(false);
    expect((error as HttpCallError).code).toBe("HTTP_403");
    expect(fake.apiCalls("/api/remove")).toHaveLength(4);
  });

  it("banners a post with its link flair and clears it; refuses a banner on a comment without calling", async () => {
    const reddit = adapter();
    await reddit.perform("banner", decisionFor("t3_a", "BANNER", "primary"), signal);
    expect(fake.flair.get("t3_a")).toBe("If you are struggling, support is available");
    await reddit.perform("unbanner", decisionFor("t3_a", "ALLOW", "human"), signal);
    expect(fake.flair.has("t3_a")).toBe(false);

    const before = fake.requests.length;
    const error = await rejectionOf(reddit.perform("banner", decisionFor("t1_c", "BANNER", "primary"), signal));
    expect(error).toBeInstanceOf(PlatformRefusalError);
    expect(isRetriable(error)).toBe(false);
    expect(fake.requests).toHaveLength(before);
  });

  it("pages the subreddit's modmail with ids and policies, never the rationale or text", async () => {
    const reddit = adapter();
    const decision = decisionFor("t3_a", "HIDE", "primary", {
      verdicts: [verdict("self-harm", "violate", { ruleIds: ["SH1"], page: true, rationale: "quotes THE-POST-TEXT" })],
    });
    await reddit.perform("page", decision, signal);
    expect(fake.modmail).toHaveLength(1);
    const [mail] = fake.modmail;
    expect(mail!.to).toBe("/r/arbiter_test");
    expect(mail!.text).toContain(decision.decisionId);
    expect(mail!.text).toContain("self-harm");
    expect(mail!.text).toContain("https://www.reddit.com/comments/a");
    expect(mail!.text).not.toContain("THE-POST-TEXT");
  });

  it("refuses a post id that is not a fullname, without calling", async () => {
    const reddit = adapter();
    const error = await rejectionOf(reddit.perform("hide", decisionFor("post-42", "HIDE", "primary"), signal));
    expect(error).toBeInstanceOf(PlatformRefusalError);
    expect((error as PlatformRefusalError).message).toContain("postId");
    expect(fake.requests).toHaveLength(0);
  });
});
