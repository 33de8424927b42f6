import { z } from "zod";
import { nonBlank, secretSetting, topic } from "../settings/fields.js";

// The ingest gateway's section: the HTTP server that takes forum webhooks and the generic JSON
// post, the sources it accepts (each with its signing secret and rate limit), and the pollers
// for platforms without webhooks (Reddit, Lemmy).

const id = () => z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 letters, digits, dots, dashes or underscores");

const rateLimitSchema = z
  .strictObject({
    perSecond: z.number().positive().describe("Requests a second this source may send, on average (a token bucket's refill).").default(20),
    burst: z.int().min(1).describe("Requests this source may send at once before the rate applies (the bucket's size).").default(100),
  })
  .describe("Token bucket per source: past it a request gets 429 with Retry-After.")
  .prefault({});

export const ingestSourceSchema = z.strictObject({
  kind: z
    .enum(["discourse", "generic"])
    .describe(
      "`discourse`: a Discourse webhook (`X-Discourse-Event-Signature`); `generic`: Arbiter's JSON post (`X-Arbiter-Signature`), docs/platforms/ingest.md.",
    ),
  forumId: id().describe("The forum id the posts of this source carry (`Post.forumId`)."),
  secret: secretSetting("The webhook's HMAC-SHA256 secret; a source without one takes no request."),
  rateLimit: rateLimitSchema,
});

export const ingestPollerSchema = z.strictObject({
  kind: z
    .enum(["reddit", "lemmy"])
    .describe("`reddit`: a subreddit's new posts and comments; `lemmy`: a Lemmy 0.19 community's post and comment lists sorted New."),
  forumId: id().describe("The forum id the posts of this poller carry."),
  baseUrl: z
    .string()
    .regex(/^https?:\/\/[^/?#]+$/, "must be an http(s) origin without a path")
    .describe("The API's origin: `https://oauth.reddit.com` for Reddit, the instance (`https://lemmy.example`) for Lemmy."),
  community: nonBlank().describe("The subreddit (without `r/`) or the Lemmy community name (`name` or `name@instance`)."),
  token: secretSetting("The OAuth bearer token (Reddit) or the JWT (Lemmy) sent as `Authorization: Bearer`."),
  userAgent: nonBlank().describe("User-Agent of the poller's requests (Reddit's API rules ask for a descriptive one).").default("arbiter-ingest/0.1"),
  intervalSeconds: z.int().min(1).describe("Seconds between polls.").default(30),
  pageSize: z.int().min(1).max(100).describe("Items asked for a page (Reddit allows 100, Lemmy 50 by default).").default(50),
  maxPages: z.int().min(1).describe("Pages read back per poll at most, to reach the cursor; past it a gap is logged and counted.").default(5),
  timeoutMs: z.int().min(100).describe("Timeout of one listing request.").default(10_000),
});

export const ingestSchema = z
  .strictObject({
    host: nonBlank().describe("Address the ingest gateway listens on.").default("127.0.0.1"),
    port: z.int().min(0).max(65_535).describe("Port of the ingest gateway's webhook server (0: an ephemeral port).").default(8090),
    maxBodyBytes: z.int().min(1024).describe("Largest request body taken; a longer one gets 413 and is not read further.").default(1_048_576),
    produceTimeoutMs: z
      .int()
      .min(100)
      .describe("How long a request waits for Kafka to acknowledge its post before it gets 503 with Retry-After.")
      .default(5000),
    retryAfterSeconds: z.int().min(1).describe("Retry-After of a 503 when Kafka does not answer.").default(5),
    eventsTopic: topic("moderation.ingest-events").describe("Topic of the events that are no post: deletions (JSON, keyed by post id)."),
    cursorPrefix: nonBlank().describe("Redis key prefix (after `redis.keyPrefix`) of the pollers' cursors.").default("ingest:cursor:"),
    sources: z.record(id(), ingestSourceSchema).describe("Webhook sources by name: each is served at `/webhooks/<name>`.").default({}),
    pollers: z.record(id(), ingestPollerSchema).describe("Listing pollers by name, each with its own cursors in Redis.").default({}),
  })
  .describe("The ingest gateway (`workers/ingest`): webhooks and pollers → the posts topic.")
  .prefault({});

export type IngestSettings = z.output<typeof ingestSchema>;
export type IngestSource = z.output<typeof ingestSourceSchema>;
export type IngestPoller = z.output<typeof ingestPollerSchema>;
