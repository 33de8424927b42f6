import { Backoff } from "@arbiter/shared/retry/backoff.js";
import { HttpCallError } from "@arbiter/shared/sinks/errors/http-call-error.js";
import { RetriesExhaustedError } from "@arbiter/shared/retry/errors/retries-exhausted-error.js";
import { ForumRateLimiter } from "@arbiter/shared/sinks/auto-hide/forum-rate-limiter.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { TokenBucket } from "@arbiter/shared/sinks/auto-hide/token-bucket.js";
import { fillUrlTemplate, loggableUrl, templateProblem } from "@arbiter/shared/sinks/url-template.js";
import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";

const exchange = (status: number) => ({ method: "POST", url: "http://forum/x", status, body: "" });

describe("Backoff", () => {
  it("doubles up to the cap, each wait between half and all of its ceiling", () => {
    const random = seededRandom(7);
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000 }, random);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const delay = backoff.delayMs(attempt);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(new Backoff({ initialDelayMs: 100, maxDelayMs: 1000 }, () => 0).delayMs(3)).toBe(200);
    expect(new Backoff({ initialDelayMs: 100, maxDelayMs: 1000 }, () => 1).delayMs(3)).toBe(400);
  });

  it("spreads retries: two callers rarely wait the same", () => {
    const random = seededRandom(1);
    const delays = new Set(Array.from({ length: 100 }, () => new Backoff({ initialDelayMs: 1000, maxDelayMs: 60_000 }, random).delayMs(4)));
    expect(delays.size).toBeGreaterThan(90);
  });
});

describe("HttpCallError", () => {
  it("is retriable for no answer, 408, 429 and 5xx, not for other 4xx", () => {
    const retriable = (status: number) => new HttpCallError(exchange(status), "x").retriable;
    expect([0, 408, 429, 500, 502, 503].map(retriable)).toEqual([true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 409, 410, 422].map(retriable)).toEqual([false, false, false, false, false, false, false]);
    expect(new HttpCallError(exchange(404), "x").code).toBe("HTTP_404");
    expect(new HttpCallError(exchange(0), "x").code).toBe("NO_RESPONSE");
  });
});

describe("RetryPolicy", () => {
  const settings = { initialDelayMs: 10, maxDelayMs: 1000, maxAttempts: 0 };
  const recordingSleep = () => {
    const waits: number[] = [];
    return { waits, sleep: async (ms: number) => void waits.push(ms) };
  };

  it("retries retriable errors with growing waits until the call succeeds", async () => {
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    const result = await new RetryPolicy(settings, () => 1, sleep).run(async () => {
      if (++calls < 4) throw new HttpCallError(exchange(503), "busy");
      return "done";
    }, new AbortController().signal);
    expect(result).toBe("done");
    expect(waits).toEqual([10, 20, 40]);
  });

  it("throws a refusal at once, and gives up after maxAttempts with the last error", async () => {
    const { waits, sleep } = recordingSleep();
    const refused = new HttpCallError(exchange(404), "gone");
    await expect(new RetryPolicy(settings, () => 1, sleep).run(() => Promise.reject(refused), new AbortController().signal)).rejects.toBe(refused);
    expect(waits).toEqual([]);
    const failing = new RetryPolicy({ ...settings, maxAttempts: 3 }, () => 1, sleep).run(
      () => Promise.reject(new HttpCallError(exchange(500), "down")),
      new AbortController().signal,
    );
    const error = await failing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(3);
    expect(HttpCallError.exchangeOf(error)?.status).toBe(500);
  });

  it("honours Retry-After within the cap", async () => {
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    await new RetryPolicy(settings, () => 1, sleep).run(async () => {
      calls++;
      if (calls === 1) throw new HttpCallError(exchange(429), "slow down", 300);
      if (calls === 2) throw new HttpCallError(exchange(503), "busy", 60_000);
    }, new AbortController().signal);
    expect(waits).toEqual([300, 1000]);
  });

  it("stops waiting when the worker stops, with the signal's reason", async () => {
    const abort = new AbortController();
    const started = Date.now();
    const run = new RetryPolicy({ initialDelayMs: 60_000, maxDelayMs: 60_000, maxAttempts: 0 }).run(
      () => Promise.reject(new HttpCallError(exchange(500), "down")),
      abort.signal,
    );
    setTimeout(() => abort.abort(new Error("shutdown")), 50);
    await expect(run).rejects.toThrow("shutdown");
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("TokenBucket and ForumRateLimiter", () => {
  it("lets a burst through, then one call per 1/rate, in arrival order", () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([0, 0, 0].map(() => bucket.reserve(0))).toEqual([0, 0, 0]);
    expect([bucket.reserve(0), bucket.reserve(0), bucket.reserve(0)]).toEqual([100, 200, 300]);
    // Time passes: the debt is paid off and the bucket refills to its burst, no further.
    expect(bucket.reserve(10_000)).toBe(0);
    expect(bucket.idle(10_000)).toBe(false);
    expect(bucket.idle(20_000)).toBe(true);
  });

  it("waits instead of dropping, per forum, with a forum's own rate", async () => {
    let now = 0;
    const slept: [string, number][] = [];
    let current = "";
    const limiter = new ForumRateLimiter(
      { perSecond: 2, burst: 1, forums: { big: 100 } },
      () => now,
      async (ms) => void slept.push([current, ms]),
    );
    const take = async (forum: string) => {
      current = forum;
      return limiter.acquire(forum, new AbortController().signal);
    };
    expect(await take("games")).toBe(0);
    expect(await take("games")).toBe(500);
    expect(await take("games")).toBe(1000);
    expect(await take("art")).toBe(0);
    expect(await take("big")).toBe(0);
    expect(await take("big")).toBe(10);
    now = 1000;
    expect(await take("games")).toBe(500);
    expect(slept).toEqual([
      ["games", 500],
      ["games", 1000],
      ["big", 10],
      ["games", 500],
    ]);
  });
});

describe("URL templates", () => {
  it("fills placeholders URL-encoded and rejects unknown ones at start", () => {
    expect(fillUrlTemplate("https://f/forums/{forumId}/posts/{postId}/hide", { forumId: "a b", postId: "x/../y?z" })).toBe(
      "https://f/forums/a%20b/posts/x%2F..%2Fy%3Fz/hide",
    );
    expect(templateProblem("https://f/{postId}", ["postId"])).toBeUndefined();
    expect(templateProblem("https://f/{post}", ["postId"])).toMatch(/unknown placeholder \{post\}/);
    expect(templateProblem("not a url/{postId}", ["postId"])).toMatch(/Invalid URL/);
  });

  it("logs a URL without userinfo or query string", () => {
    expect(loggableUrl("https://user:pw@forum.example/api/hide?token=s3cret")).toBe("https://forum.example/api/hide");
  });
});
