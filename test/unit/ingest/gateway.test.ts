import type { Post } from "@arbiter/shared/codec/records.js";
import { IngestGateway, type GatewaySource, type IngestSink } from "@arbiter/shared/ingest/ingest-gateway.js";
import { ProduceUnavailableError } from "@arbiter/shared/ingest/ingest-errors.js";
import type { IngestEvent } from "@arbiter/shared/ingest/ingest-item.js";
import { IngestMetrics } from "@arbiter/shared/ingest/ingest-metrics.js";
import { signBody } from "@arbiter/shared/ingest/signature.js";
import { capturedLogger } from "../../support/captured-logger.js";
import { discourseHeaders, discoursePost } from "../../support/discourse-webhook.js";

/** Records what would be produced; `down` makes it answer as Kafka away does. */
class RecordingSink implements IngestSink {
  readonly posts: Post[] = [];
  readonly events: IngestEvent[] = [];
  down = false;
  async sendPosts(posts: readonly Post[]): Promise<void> {
    if (this.down) throw new ProduceUnavailableError("Kafka did not acknowledge within 50 ms");
    this.posts.push(...posts);
  }
  async sendEvent(event: IngestEvent): Promise<void> {
    if (this.down) throw new ProduceUnavailableError("Kafka did not acknowledge within 50 ms");
    this.events.push(event);
  }
}

const SECRET = "discourse-secret";
const GENERIC_SECRET = "generic-secret";
const sources: GatewaySource[] = [
  { name: "disc", kind: "discourse", forumId: "forum-d", secret: SECRET, rateLimit: { perSecond: 0.001, burst: 3 } },
  { name: "gen", kind: "generic", forumId: "forum-g", secret: GENERIC_SECRET, rateLimit: { perSecond: 100, burst: 100 } },
];

describe("IngestGateway over HTTP", () => {
  let sink: RecordingSink;
  let metrics: IngestMetrics;
  let base: string;
  let close: () => Promise<void>;
  const log = capturedLogger();

  beforeEach(async () => {
    sink = new RecordingSink();
    metrics = new IngestMetrics();
    const gateway = new IngestGateway({ sources, sink, maxBodyBytes: 2048, retryAfterSeconds: 7, metrics, logger: log.logger });
    const web = await gateway.listen("127.0.0.1", 0);
    base = `http://127.0.0.1:${web.port}`;
    close = web.close;
  });
  afterEach(() => close());

  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${base}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  const discourse = (event: string, payload: unknown, secret = SECRET) => {
    const body = JSON.stringify(payload);
    return post("/webhooks/disc", body, { ...discourseHeaders(event), "x-discourse-event-signature": signBody(secret, body) });
  };
  const count = async (name: string, labels: Record<string, string>) => {
    const metric = (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
    return metric?.value ?? 0;
  };

  it("takes a signed Discourse post: 202 with its id, one post produced", async () => {
    const res = await discourse("post_created", { post: discoursePost() });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "accepted", id: "4123" });
    expect(sink.posts.map((p) => [p.id, p.forumId, p.text])).toEqual([["4123", "forum-d", "hello there"]]);
    expect(await count("arbiter_ingest_requests_total", { source: "disc", outcome: "accepted" })).toBe(1);
    expect(await count("arbiter_ingest_produced_total", { source: "disc", kind: "post" })).toBe(1);
  });

  it("answers 401 naming the header for a missing or tampered signature, and produces nothing", async () => {
    const body = JSON.stringify({ post: discoursePost() });
    const missing = await post("/webhooks/disc", body, discourseHeaders("post_created"));
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: "SIGNATURE_MISSING", reason: 'header "x-discourse-event-signature" is missing' });
    const tampered = await post("/webhooks/disc", body.replace("hello", "hellO"), {
      ...discourseHeaders("post_created"),
      "x-discourse-event-signature": signBody(SECRET, body),
    });
    expect(tampered.status).toBe(401);
    expect((await tampered.json()) as object).toMatchObject({ code: "SIGNATURE_MISMATCH" });
    expect(sink.posts).toEqual([]);
    expect(await count("arbiter_ingest_rejected_total", { source: "disc", reason: "SIGNATURE_MISMATCH" })).toBe(1);
  });

  it("answers 422 naming the field for a signed but bad payload, and produces nothing", async () => {
    const res = await discourse("post_created", { post: discoursePost({ raw: undefined }) });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ status: "rejected", code: "BAD_PAYLOAD", reason: 'field "post.raw" is missing' });
    const notJson = await post("/webhooks/gen", "{nope", { "x-arbiter-signature": signBody(GENERIC_SECRET, "{nope") });
    expect([notJson.status, ((await notJson.json()) as { reason: string }).reason]).toEqual([400, "body is not JSON"]);
    expect(sink.posts).toEqual([]);
  });

  it("answers 413 for a body over maxBodyBytes before reading it all, 415 for another content type, 404 for an unknown source", async () => {
    const big = JSON.stringify({ id: "p", authorId: "u", text: "x".repeat(4096) });
    const res = await post("/webhooks/gen", big, { "x-arbiter-signature": signBody(GENERIC_SECRET, big) });
    expect(res.status).toBe(413);
    const form = await fetch(`${base}/webhooks/gen`, { method: "POST", body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { reason: string }).reason).toMatch(/header "Content-Type" must be application\/json/);
    expect((await post("/webhooks/nobody", "{}", {})).status).toBe(404);
    expect(sink.posts).toEqual([]);
  });

  it("answers 503 with Retry-After while Kafka does not take records, and keeps nothing", async () => {
    sink.down = true;
    const res = await discourse("post_created", { post: discoursePost() });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
    sink.down = false;
    expect((await discourse("post_created", { post: discoursePost() })).status).toBe(202);
    expect(sink.posts).toHaveLength(1);
  });

  it("rate-limits per source with 429 and Retry-After; another source is not held", async () => {
    for (let i = 0; i < 3; i++) expect((await discourse("post_created", { post: discoursePost({ id: i }) })).status).toBe(202);
    const limited = await discourse("post_created", { post: discoursePost({ id: 99 }) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = JSON.stringify({ id: "g-1", authorId: "u", text: "fine" });
    expect((await post("/webhooks/gen", body, { "x-arbiter-signature": signBody(GENERIC_SECRET, body) })).status).toBe(202);
    expect(sink.posts.map((p) => p.id)).toEqual(["0", "1", "2", "g-1"]);
  });

  it("does not spend a source's tokens on unsigned requests", async () => {
    for (let i = 0; i < 5; i++) expect((await post("/webhooks/disc", "{}", discourseHeaders("post_created"))).status).toBe(401);
    expect((await discourse("post_created", { post: discoursePost() })).status).toBe(202);
  });

  it("records a Discourse deletion as an event and answers a ping with 202, producing no post", async () => {
    expect((await discourse("post_destroyed", { post: discoursePost() })).status).toBe(202);
    const ping = JSON.stringify({ ping: "OK" });
    const res = await post("/webhooks/disc", ping, { ...discourseHeaders("ping", "ping"), "x-discourse-event-signature": signBody(SECRET, ping) });
    expect(await res.json()).toEqual({ status: "ignored", reason: "ping" });
    expect(sink.events.map((e) => [e.type, e.postId])).toEqual([["post_deleted", "4123"]]);
    expect(sink.posts).toEqual([]);
  });

  it("never logs post text or the secret", async () => {
    sink.down = true;
    await discourse("post_created", { post: discoursePost({ raw: "very private words" }) });
    expect(log.text()).not.toMatch(/very private words|discourse-secret/);
  });
});
