import { setMaxListeners } from "node:events";
import type { Logger } from "../observability/logger.js";
import type { ConcurrencyLimit } from "./concurrency-limit.js";
import { PartitionFencedError } from "./errors/partition-fenced-error.js";
import { OutputTooLargeError } from "./errors/output-too-large-error.js";
import type { InboundRecord, OutboundRecord } from "./consumed-record.js";
import { OffsetTracker, toOffset, type CommitPoint } from "./offset-tracker.js";
import type { PartitionPublisher } from "./partition-publisher.js";
import type { RecordResult } from "./record-processor.js";

export interface AssignedPartitionOptions {
  topic: string;
  partition: number;
  /** Records whose outputs go out in one publish (one transaction in exactly-once mode). */
  maxRecordsPerCommit: number;
  maxCommitMetadataBytes: number;
  /** Exactly-once: a completion whose done set does not fit the metadata is held back (at-least-once cuts the done set short instead). */
  exact: boolean;
  /**
   * The publisher and the committed offset with its metadata. In exactly-once mode the publisher
   * is opened first: its producer fences the partition's previous owner before the offset is read.
   */
  /** Failed publishes in a row after which the partition reports itself stalled (it keeps trying). */
  maxPublishFailures: number;
  /** The smallest dead letter for the record at `offset`, in place of outputs the broker refused as too large. */
  refused: (offset: string, error: Error) => OutboundRecord | null;
  connect: () => Promise<{ publisher: PartitionPublisher; committed: { offset: string | null; metadata: string | null } }>;
  /** Deferred work runs through this (shared by the worker's partitions): the model gets what keeps it busy, and the rest waits here, not in its queue. */
  deferredLimit: ConcurrencyLimit;
  /** Called with +1 / -1 as deferred records are taken on and settle. */
  onInFlight: (delta: number) => void;
  onFenced: (error: PartitionFencedError) => void;
  logger: Logger;
}

interface Completed {
  offset: number;
  outputs: OutboundRecord[];
  chunk?: ChunkMark;
  /** Its outputs were refused as too large and replaced by a minimal dead letter. */
  replaced?: boolean;
}

interface ChunkMark {
  remaining: number;
  resolve: () => void;
}

// What Kafka answers a produce whose record, or record batch, passes max.message.bytes (or the request size).
const TOO_LARGE_TYPES = new Set(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE"]);
const TOO_LARGE_CODES = new Set([10, 18]);

/** Whether an error from kafkajs (or one it wraps, through `cause` or `errors`) says the broker refused a record as too large. */
export function isTooLarge(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const e = error as { type?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
  if ((typeof e.type === "string" && TOO_LARGE_TYPES.has(e.type)) || (typeof e.code === "number" && TOO_LARGE_CODES.has(e.code))) return true;
  if (isTooLarge(e.cause, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((inner) => isTooLarge(inner, depth + 1));
}

/** Buffers as latin1 (one char per byte, so any bytes make a distinct string); strings as they are. */
function keyString(key: string | Buffer): string {
  return typeof key === "string" ? key : key.toString("latin1");
}

/**
 * One input partition while this worker owns it: records complete out of order across order keys
 * (RecordResult.orderKey, by default the Kafka key) and in order within one; completions are published in batches, one publish at a time, each
 * committing the lowest unfinished offset with the done set above it.
 */
export class AssignedPartition {
  readonly ready: Promise<void>;
  /** Resolves when the last admitted chunk's ready outputs are published (eachBatch keeps one chunk in flight). */
  lastPublished: Promise<void> = Promise.resolve();
  private tracker: OffsetTracker | null = null;
  private publisher: PartitionPublisher | null = null;
  private readonly abort = new AbortController();
  private readonly keyTails = new Map<string, Promise<void>>();
  private pending: Completed[] = [];
  private flushing: Promise<void> | null = null;
  private heldBack = false;
  private inFlight = 0;
  private closing: Promise<void> | null = null;
  private failures = 0;

  constructor(private readonly o: AssignedPartitionOptions) {
    // Every deferred record's model call listens on this one signal.
    setMaxListeners(0, this.abort.signal);
    this.ready = o.connect().then(({ publisher, committed }) => {
      this.publisher = publisher;
      this.tracker = OffsetTracker.restore(committed.offset, committed.metadata);
      // Revoked while connecting: the producer is still ours to close.
      if (this.closing) void publisher.close().catch(() => undefined);
    });
    this.ready.catch(() => undefined);
  }

  get partition(): number {
    return this.o.partition;
  }

  /** Its last `maxPublishFailures` publishes or more failed: it keeps trying, but the worker is not ready. */
  get stalled(): boolean {
    return !this.closed && this.failures >= this.o.maxPublishFailures;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Aborted when the partition is revoked, fenced or the worker's drain time is up. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Takes a fetched record on; false when it is done already or was taken before (skip it). Only after `ready`. */
  accept(offset: string): boolean {
    return this.tracker!.accept(offset);
  }

  /** The first offset not yet seen, where fetching should go on. Only after `ready`. */
  position(): string {
    return this.tracker!.position();
  }

  /**
   * Takes a processed chunk on: ready records with no unfinished same-key record before them are
   * published at once; the rest wait for that record, and deferred ones run. Resolves when the
   * chunk's at-once records are published (or the partition is closed).
   */
  admit(records: readonly InboundRecord[], results: readonly RecordResult[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    const now: Completed[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const result = results[i]!;
      const offset = toOffset(record.offset);
      // A key string only when some key is busy or this record will be: most records need none.
      const orderKey = result.orderKey === undefined ? record.key : result.orderKey;
      const key = orderKey !== null && (this.keyTails.size > 0 || result.kind === "deferred") ? keyString(orderKey) : undefined;
      const previous = key === undefined ? undefined : this.keyTails.get(key);
      if (result.kind === "ready" && previous === undefined) {
        now.push({ offset, outputs: result.outputs });
        continue;
      }
      const work = result.kind === "deferred" ? (signal: AbortSignal) => result.run(signal) : () => Promise.resolve(result.outputs);
      const deferred = result.kind === "deferred";
      if (deferred) this.changeInFlight(1);
      const tail: Promise<void> = (previous ?? Promise.resolve())
        .then(() =>
          this.closed
            ? null
            : deferred
              ? this.o.deferredLimit.run(() => (this.closed ? Promise.resolve(null) : work(this.abort.signal)))
              : work(this.abort.signal),
        )
        .then(
          (outputs) => {
            if (outputs) this.complete({ offset, outputs });
          },
          (error: Error) => {
            // Aborted work stays unfinished (not committed): it runs again after a restart or on the next owner.
            if (!this.abort.signal.aborted)
              this.o.logger.error({ partition: this.o.partition, offset, err: error.message }, "deferred record failed; it stays uncommitted");
          },
        )
        .finally(() => {
          if (deferred) this.changeInFlight(-1);
          if (key !== undefined && this.keyTails.get(key) === tail) this.keyTails.delete(key);
        });
      if (key !== undefined) this.keyTails.set(key, tail);
    }
    if (now.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const chunk: ChunkMark = { remaining: now.length, resolve };
      for (const c of now) {
        c.chunk = chunk;
        this.pending.push(c);
      }
      this.flush();
    });
  }

  /** Aborts in-flight deferred work (the drain time is up); what completed is still published. */
  abortWork(reason: Error): void {
    this.abort.abort(reason);
  }

  /** Resolves when no deferred record is in flight and every publishable completion is published. */
  async drain(): Promise<void> {
    await this.ready.catch(() => undefined);
    while (!this.closed && (this.inFlight > 0 || this.flushing || (this.pending.length > 0 && !this.heldBack))) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Drops unfinished work (it is not committed) and closes the producer once a publish in progress settles. */
  close(reason: string): Promise<void> {
    if (this.closing) return this.closing;
    this.abort.abort(new Error(`partition ${this.o.partition} ${reason}`));
    for (const c of this.pending) c.chunk?.resolve();
    this.pending = [];
    this.keyTails.clear();
    this.closing = (async () => {
      await this.flushing;
      await this.publisher?.close();
    })();
    return this.closing;
  }

  private changeInFlight(delta: number): void {
    this.inFlight += delta;
    this.o.onInFlight(delta);
  }

  private complete(completed: Completed): void {
    if (this.closed) return;
    this.pending.push(completed);
    this.heldBack = false;
    this.flush();
  }

  private flush(): void {
    if (this.flushing || this.closed) return;
    this.flushing = this.publishPending().finally(() => {
      this.flushing = null;
      // Completions that arrived during the last publish, if it gave up early.
      if (this.pending.length > 0 && !this.heldBack) this.flush();
    });
  }

  private async publishPending(): Promise<void> {
    const { o } = this;
    // After the broker refused a publish as too large: one record's outputs at a time, to find the one at fault.
    let oneByOne = false;
    while (!this.closed && this.pending.length > 0) {
      this.pending.sort((a, b) => a.offset - b.offset);
      const candidates = this.pending.slice(0, oneByOne ? 1 : o.maxRecordsPerCommit);
      const offsets = candidates.map((c) => c.offset);
      let count = offsets.length;
      let commit: CommitPoint | null;
      if (o.exact) ({ count, commit } = this.tracker!.fittingPrefix(offsets, o.maxCommitMetadataBytes));
      else commit = this.tracker!.commitWith(offsets, o.maxCommitMetadataBytes, true);
      if (count === 0 || !commit) {
        // Nothing fits until the lowest unfinished record completes; its completion flushes again.
        this.heldBack = true;
        return;
      }
      const taking = candidates.slice(0, count);
      try {
        await this.publisher!.publish(count === 1 ? taking[0]!.outputs : taking.flatMap((c) => c.outputs), commit);
      } catch (error) {
        if (error instanceof PartitionFencedError) {
          o.logger.warn({ partition: o.partition }, "fenced by the partition's new owner: dropping its in-flight work");
          void this.close("fenced").catch(() => undefined);
          o.onFenced(error);
          return;
        }
        if (this.closed) return;
        // A minimal dead letter refused too (a dead-letter topic set absurdly low) is an ordinary failure: counted, backed off, reported.
        if (isTooLarge(error) && !(count === 1 && taking[0]!.replaced)) {
          if (count > 1) {
            oneByOne = true;
            continue;
          }
          const c = taking[0]!;
          o.logger.error(
            { partition: o.partition, offset: c.offset, err: (error as Error).message },
            "the broker refused a record's outputs as too large: a minimal dead letter goes in their place",
          );
          const letter = o.refused(String(c.offset), new OutputTooLargeError(error as Error));
          c.outputs = letter ? [letter] : [];
          c.replaced = true;
          continue;
        }
        this.failures++;
        const stalled = this.failures === o.maxPublishFailures;
        o.logger[stalled ? "error" : "warn"](
          { partition: o.partition, failures: this.failures, err: (error as Error).message },
          stalled ? "publishes keep failing: the worker reports not ready while it keeps trying" : "publish failed; trying again",
        );
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** Math.min(this.failures - 1, 5))));
        continue;
      }
      this.failures = 0;
      this.tracker!.markDone(offsets.slice(0, count));
      // Only appended to during the publish, so the first `count` are still the ones taken.
      this.pending.splice(0, count);
      for (const c of taking) if (c.chunk && --c.chunk.remaining === 0) c.chunk.resolve();
    }
  }
}
