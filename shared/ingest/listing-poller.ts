import type { Post } from "../codec/records.js";
import type { Logger } from "../observability/logger.js";
import type { CursorStore } from "./cursor-store.js";
import type { IngestSink } from "./ingest-gateway.js";
import type { IngestMetrics } from "./ingest-metrics.js";

/** One item of a listing: its place in the listing's id order, and its post (null: deleted or removed, not produced but passed). */
export interface ListedItem {
  seq: number;
  post: Post | null;
  /** Why an item that could not be mapped passes with no post (named field); logged and counted, never blocking the listing. */
  problem?: string;
}

/** One listing sorted newest first (a subreddit's new posts, a Lemmy community's comments), read a page at a time. */
export interface ListingSource {
  /** The listing's name within its poller (`posts`, `comments`): the cursor's key and the metrics' label. */
  readonly listing: string;
  /** The page after `token` (null: the first, newest page), and the token of the next one (null: no more). */
  page(token: string | null): Promise<{ items: ListedItem[]; next: string | null }>;
}

export interface PollResult {
  produced: number;
  /** The pages ran out (`maxPages`) before the cursor was reached: older new items may have been missed. */
  gap: boolean;
  cursor: number | null;
}

/**
 * Polls listings sorted New and produces what is newer than each listing's cursor.
 *
 * The cursor is the highest id produced (ids grow with creation on Reddit and on a Lemmy
 * instance), kept in Redis. A poll reads pages from the newest back until a page holds an item
 * at or below the cursor (or `maxPages`), drops every item at or below it (the overlap) and any
 * id seen twice (a listing shifts while it is paged), produces the rest oldest first, and only
 * then moves the cursor. So a restart resumes where the cursor stands and nothing is missed or
 * produced again; a crash between the produce and the cursor write produces that one batch a
 * second time, with the same keys and values, which the classifier decides with the same
 * decision id and the sinks then skip. Closing that window too would need the cursor and the
 * records in one transaction, which Redis and Kafka do not share.
 */
export class ListingPoller {
  constructor(
    private readonly name: string,
    private readonly sources: readonly ListingSource[],
    private readonly deps: { sink: IngestSink; cursors: CursorStore; metrics: IngestMetrics; logger: Logger; maxPages: number; now?: () => number },
  ) {}

  /** One poll of every listing; a listing that fails is logged and tried at the next poll. */
  async pollAll(): Promise<void> {
    for (const source of this.sources) {
      try {
        await this.poll(source);
        this.deps.metrics.polls.inc({ poller: this.name, listing: source.listing, outcome: "ok" });
      } catch (error) {
        this.deps.metrics.polls.inc({ poller: this.name, listing: source.listing, outcome: "failed" });
        this.deps.logger.warn({ poller: this.name, listing: source.listing, err: (error as Error).message }, "ingest: poll failed; trying again next interval");
      }
    }
  }

  async poll(source: ListingSource): Promise<PollResult> {
    const key = `${this.name}:${source.listing}`;
    const cursor = await this.deps.cursors.get(key);
    const fresh = new Map<number, ListedItem>();
    let token: string | null = null;
    let gap = false;
    for (let pages = 1; ; pages++) {
      const page: { items: ListedItem[]; next: string | null } = await source.page(token);
      let reached = false;
      for (const item of page.items) {
        if (cursor !== null && item.seq <= cursor) reached = true;
        else fresh.set(item.seq, item);
      }
      if (reached || page.next === null || page.items.length === 0) break;
      if (pages >= this.deps.maxPages) {
        gap = cursor !== null;
        break;
      }
      token = page.next;
    }
    if (gap) {
      this.deps.metrics.pollerGaps.inc({ poller: this.name, listing: source.listing });
      this.deps.logger.warn(
        { poller: this.name, listing: source.listing, maxPages: this.deps.maxPages },
        "ingest: cursor not reached within maxPages; older items may be missed",
      );
    }
    if (fresh.size === 0) return { produced: 0, gap, cursor };
    const items = [...fresh.values()].sort((a, b) => a.seq - b.seq);
    for (const item of items)
      if (item.problem !== undefined) {
        this.deps.metrics.rejected.inc({ source: this.name, reason: "BAD_ITEM" });
        this.deps.logger.warn({ poller: this.name, listing: source.listing, seq: item.seq, problem: item.problem }, "ingest: listing item skipped");
      }
    const posts = items.flatMap((item) => (item.post ? [item.post] : []));
    await this.deps.sink.sendPosts(posts);
    const top = items[items.length - 1]!.seq;
    await this.deps.cursors.advance(key, top);
    this.deps.metrics.produced.inc({ source: this.name, kind: "post" }, posts.length);
    const newest = posts.reduce((max, p) => Math.max(max, p.createdAt), 0);
    if (posts.length > 0)
      this.deps.metrics.pollerLag.set({ poller: this.name, listing: source.listing }, Math.max(0, ((this.deps.now ?? Date.now)() - newest) / 1000));
    return { produced: posts.length, gap, cursor: top };
  }
}

/** Runs a poller every `intervalSeconds` (the next poll starts that long after the last one ends) until stopped. */
export class PollerLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly poller: ListingPoller,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.tick(0);
  }

  private tick(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poller.pollAll().finally(() => {
        this.running = null;
        this.tick(this.intervalMs);
      });
    }, delay);
  }

  /** Stops polling; resolves once a poll under way has ended (its produce and cursor write). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
