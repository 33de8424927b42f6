import type { Post } from "@arbiter/shared/codec/records.js";
import type { CursorStore } from "@arbiter/shared/ingest/cursor-store.js";
import type { IngestSink } from "@arbiter/shared/ingest/ingest-gateway.js";
import { IngestMetrics } from "@arbiter/shared/ingest/ingest-metrics.js";
import { lemmyListings } from "@arbiter/shared/ingest/lemmy-listing.js";
import { ListingPoller, type ListingSource } from "@arbiter/shared/ingest/listing-poller.js";
import { redditListings } from "@arbiter/shared/ingest/reddit-listing.js";
import { capturedLogger } from "../../support/captured-logger.js";
import { LemmyListingFake } from "../../support/fakes/lemmy-listing-fake.js";
import { RedditListingFake } from "../../support/fakes/reddit-listing-fake.js";

class MemoryCursors implements CursorStore {
  readonly values = new Map<string, number>();
  failWrites = 0;
  async get(key: string): Promise<number | null> {
    return this.values.get(key) ?? null;
  }
  async advance(key: string, seq: number): Promise<void> {
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new Error("redis went away");
    }
    this.values.set(key, Math.max(seq, this.values.get(key) ?? -1));
  }
}

class Produced implements IngestSink {
  readonly posts: Post[] = [];
  async sendPosts(posts: readonly Post[]): Promise<void> {
    this.posts.push(...posts);
  }
  async sendEvent(): Promise<void> {}
}

const http = { token: "jwt", userAgent: "test", timeoutMs: 2000 };

function setup(sources: ListingSource[], maxPages = 5) {
  const sink = new Produced();
  const cursors = new MemoryCursors();
  const metrics = new IngestMetrics();
  const log = capturedLogger();
  const poller = new ListingPoller("lem", sources, { sink, cursors, metrics, logger: log.logger, maxPages });
  return { sink, cursors, metrics, poller, log };
}

describe("ListingPoller on a Lemmy instance (fake)", () => {
  let lemmy: LemmyListingFake;
  beforeEach(async () => (lemmy = await new LemmyListingFake("news").start()));
  afterEach(() => lemmy.stop());
  const listings = (pageSize = 4) => lemmyListings({ ...http, baseUrl: lemmy.url, community: "news", forumId: "lemmy-news", pollerName: "lem", pageSize });

  it("maps PostView and CommentView to Posts, with the bearer JWT and sort=New", async () => {
    lemmy.addPosts(1, () => "A title");
    lemmy.addComment(1, "a reply");
    const { sink, poller } = setup(listings());
    await poller.pollAll();
    expect(sink.posts).toEqual([
      {
        id: "post:1",
        forumId: "lemmy-news",
        authorId: "101",
        text: "A title\n\nbody of 1",
        language: null,
        createdAt: Date.parse(lemmy.posts[0]!.published),
        threadId: "post:1",
        metadata: { "ingest.source": "lem", "ingest.platform": "lemmy", "ingest.kind": "post", "ingest.event": "created" },
      },
      expect.objectContaining({ id: "comment:1", text: "a reply", threadId: "post:1", authorId: "201" }),
    ]);
    expect(lemmy.requests.every((r) => r.authorization === "Bearer jwt" && r.query.get("sort") === "New")).toBe(true);
  });

  it("pages back to the cursor, produces oldest first, and produces nothing twice", async () => {
    lemmy.addPosts(10);
    const { sink, poller, cursors } = setup(listings().slice(0, 1));
    await poller.pollAll();
    expect(sink.posts.map((p) => p.id)).toEqual(Array.from({ length: 10 }, (_, i) => `post:${i + 1}`));
    expect(cursors.values.get("lem:posts")).toBe(10);
    await poller.pollAll();
    expect(sink.posts).toHaveLength(10);
    lemmy.addPosts(6);
    await poller.pollAll();
    expect(sink.posts.slice(10).map((p) => p.id)).toEqual(["post:11", "post:12", "post:13", "post:14", "post:15", "post:16"]);
    // 16 → 13 (page 1), 12 → 9 (page 2, holds the cursor): no third page.
    expect(lemmy.requests.slice(-2).map((r) => r.query.get("page"))).toEqual(["1", "2"]);
  });

  it("a crash between the produce and the cursor write produces that batch once more, no more, and misses nothing", async () => {
    lemmy.addPosts(3);
    const { sink, poller, cursors } = setup(listings().slice(0, 1));
    cursors.failWrites = 1;
    await poller.pollAll(); // produced 1-3, cursor write failed
    lemmy.addPosts(2);
    await poller.pollAll(); // 1-5 again from the old cursor (none): 1-3 a second time
    await poller.pollAll();
    const ids = sink.posts.map((p) => p.id);
    expect(ids).toEqual(["post:1", "post:2", "post:3", "post:1", "post:2", "post:3", "post:4", "post:5"]);
    // The repeat is the same record: same key, same value.
    expect(sink.posts[3]).toEqual(sink.posts[0]);
    expect(cursors.values.get("lem:posts")).toBe(5);
  });

  it("passes removed posts and malformed items by, moving the cursor over them, and logs the field at fault", async () => {
    lemmy.addPosts(3);
    lemmy.posts[1]!.removed = true;
    lemmy.posts[2]!.published = "not a date";
    const { sink, poller, cursors, log, metrics } = setup(listings().slice(0, 1));
    await poller.pollAll();
    expect(sink.posts.map((p) => p.id)).toEqual(["post:1"]);
    expect(cursors.values.get("lem:posts")).toBe(3);
    expect(log.lines.find((l) => l.msg === "ingest: listing item skipped")).toMatchObject({
      seq: 3,
      problem: 'field "post.published" must be an ISO-8601 date-time',
    });
    const rejected = await metrics.registry.getSingleMetric("arbiter_ingest_rejected_total")!.get();
    expect(rejected.values[0]).toMatchObject({ value: 1, labels: { reason: "BAD_ITEM" } });
  });

  it("counts a gap when maxPages end before the cursor", async () => {
    lemmy.addPosts(2);
    const { sink, poller, metrics } = setup(listings(2).slice(0, 1), 2);
    await poller.pollAll();
    lemmy.addPosts(7);
    await poller.pollAll();
    expect(sink.posts.map((p) => p.id)).toEqual(["post:1", "post:2", "post:6", "post:7", "post:8", "post:9"]);
    const gaps = await metrics.registry.getSingleMetric("arbiter_ingest_poller_gaps_total")!.get();
    expect(gaps.values[0]?.value).toBe(1);
  });

  it("a failing listing leaves the cursor where it was and is counted", async () => {
    lemmy.addPosts(2);
    const { sink, poller, cursors, metrics } = setup(listings().slice(0, 1));
    lemmy.failNext.push(503);
    await poller.pollAll();
    expect([sink.posts.length, cursors.values.size]).toEqual([0, 0]);
    await poller.pollAll();
    expect(sink.posts).toHaveLength(2);
    const polls = await metrics.registry.getSingleMetric("arbiter_ingest_polls_total")!.get();
    expect(polls.values.map((v) => [v.labels.outcome, v.value])).toEqual([
      ["failed", 1],
      ["ok", 1],
    ]);
  });
});

describe("ListingPoller on a subreddit (fake)", () => {
  let reddit: RedditListingFake;
  beforeEach(async () => (reddit = await new RedditListingFake("pics", "oauth-token").start()));
  afterEach(() => reddit.stop());
  const listings = (token = "oauth-token") =>
    redditListings({ ...http, token, baseUrl: reddit.url, community: "pics", forumId: "r-pics", pollerName: "lem", pageSize: 3 });

  it("reads new links and comments with `after` paging, keyed by fullname, and resumes at the cursor", async () => {
    const links = reddit.addLinks(5);
    reddit.addComment(links[0]!.id, "first!");
    const { sink, poller } = setup(listings());
    await poller.pollAll();
    expect(sink.posts.map((p) => p.id)).toEqual([...links.map((l) => `t3_${l.id}`), `t1_${reddit.comments[0]!.id}`]);
    expect(sink.posts[0]).toMatchObject({
      text: `title ${links[0]!.id}\n\nselftext ${links[0]!.id}`,
      authorId: `t2_u_${links[0]!.id}`,
      threadId: `t3_${links[0]!.id}`,
    });
    expect(sink.posts[5]).toMatchObject({ text: "first!", threadId: `t3_${links[0]!.id}`, metadata: expect.objectContaining({ "ingest.kind": "comment" }) });
    expect(reddit.requests.some((r) => r.query.get("after") === `t3_${links[2]!.id}`)).toBe(true);
    const more = reddit.addLinks(2);
    await poller.pollAll();
    expect(sink.posts.slice(6).map((p) => p.id)).toEqual(more.map((l) => `t3_${l.id}`));
  });

  it("a rejected token fails the poll and produces nothing", async () => {
    reddit.addLinks(1);
    const { sink, poller, log } = setup(listings("wrong"));
    await poller.pollAll();
    expect(sink.posts).toEqual([]);
    expect(log.lines.filter((l) => l.msg === "ingest: poll failed; trying again next interval").map((l) => l.err)).toEqual([
      "GET /r/pics/new.json answered 401",
      "GET /r/pics/comments.json answered 401",
    ]);
  });
});
