import { EngineQueueClosedError } from "./errors/engine-queue-closed-error.js";

/** Counters of the pool, for metrics and backpressure decisions. */
export interface SequencePoolStats {
  /** Calls waiting for a free sequence. */
  readonly queueDepth: number;
  /** Calls waiting for room in the queue (the queue is full). */
  readonly waitingForRoom: number;
  readonly busy: number;
  readonly idle: number;
  /** Calls that ran on a sequence already holding their prefix key. */
  readonly affinityHits: number;
  readonly affinityMisses: number;
}

interface Slot<S> {
  readonly resource: S;
  busy: boolean;
  heldKey: string | undefined;
  lastUsed: number;
}

interface Job<S> {
  readonly key: string;
  start: (slot: Slot<S>) => void;
  readonly fail: (error: unknown) => void;
  skipped: number;
}

/**
 * Hands sequences to calls, preferring a sequence that already holds the call's prefix
 * (its policy's system + developer tokens stay in that sequence's KV cache). A bounded
 * queue makes callers wait for room when full, which is what lets the Kafka consumer pause.
 * Affinity may let a later call overtake the head of the queue, at most `maxSkips` times,
 * so no call starves.
 */
export class SequencePool<S> {
  private readonly slots: Slot<S>[];
  private readonly queue: Job<S>[] = [];
  private readonly roomWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;
  private clock = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    resources: readonly S[],
    private readonly capacity: number,
    private readonly maxSkips = Math.max(4, resources.length * 2),
  ) {
    if (resources.length === 0) throw new Error("a sequence pool needs at least one sequence");
    this.slots = resources.map((resource) => ({ resource, busy: false, heldKey: undefined, lastUsed: 0 }));
  }

  /**
   * Runs `work` on a sequence once one is free. `held` tells whether that sequence last ran
   * the same prefix key. Waits for room when the queue is full; `signal` cancels the wait.
   */
  async run<T>(key: string, signal: AbortSignal, work: (resource: S, held: boolean) => Promise<T>): Promise<T> {
    while (this.queue.length >= this.capacity) {
      if (this.closed) throw new EngineQueueClosedError();
      await this.waitForRoom(signal);
    }
    if (this.closed) throw new EngineQueueClosedError();
    signal.throwIfAborted();
    const slot = await new Promise<Slot<S>>((resolve, reject) => {
      const job: Job<S> = { key, start: resolve, fail: reject, skipped: 0 };
      const onAbort = (): void => {
        const at = this.queue.indexOf(job);
        if (at >= 0) {
          this.queue.splice(at, 1);
          this.notifyRoom();
          reject(signal.reason);
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      job.start = (assigned: Slot<S>) => {
        signal.removeEventListener("abort", onAbort);
        resolve(assigned);
      };
      this.queue.push(job);
      this.dispatch();
    });
    const held = slot.heldKey === key;
    if (held) this.hits += 1;
    else this.misses += 1;
    const execution = (async () => {
      try {
        return await work(slot.resource, held);
      } finally {
        slot.heldKey = key;
        slot.lastUsed = ++this.clock;
        slot.busy = false;
      }
    })();
    this.running.add(execution);
    try {
      return await execution;
    } finally {
      this.running.delete(execution);
      this.dispatch();
    }
  }

  stats(): SequencePoolStats {
    const busy = this.slots.filter((slot) => slot.busy).length;
    return {
      queueDepth: this.queue.length,
      waitingForRoom: this.roomWaiters.length,
      busy,
      idle: this.slots.length - busy,
      affinityHits: this.hits,
      affinityMisses: this.misses,
    };
  }

  /** Refuses new calls, fails queued ones with {@link EngineQueueClosedError}, and waits for running ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.fail(new EngineQueueClosedError());
    for (const waiter of this.roomWaiters.splice(0)) waiter.reject(new EngineQueueClosedError());
    await Promise.allSettled([...this.running]);
  }

  private dispatch(): void {
    for (;;) {
      const idle = this.slots.filter((slot) => !slot.busy);
      if (idle.length === 0 || this.queue.length === 0) return;
      const head = this.queue[0] as Job<S>;
      let jobIndex = 0;
      let slot: Slot<S> | undefined;
      if (head.skipped < this.maxSkips) {
        // A free sequence that holds some waiting call's prefix takes that call first.
        search: for (let index = 0; index < Math.min(this.queue.length, this.maxSkips); index += 1) {
          const job = this.queue[index] as Job<S>;
          for (const candidate of idle) {
            if (candidate.heldKey === job.key) {
              jobIndex = index;
              slot = candidate;
              break search;
            }
          }
        }
      }
      if (slot === undefined) {
        // No affinity: the head call takes an empty sequence, else the least recently used one.
        slot = idle.find((candidate) => candidate.heldKey === undefined) ?? idle.reduce((a, b) => (a.lastUsed <= b.lastUsed ? a : b));
        jobIndex = 0;
      }
      const [job] = this.queue.splice(jobIndex, 1) as [Job<S>];
      if (jobIndex > 0) head.skipped += 1;
      slot.busy = true;
      job.start(slot);
      this.notifyRoom();
    }
  }

  private waitForRoom(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = (): void => {
        const at = this.roomWaiters.indexOf(waiter);
        if (at >= 0) this.roomWaiters.splice(at, 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.roomWaiters.push(waiter);
    });
  }

  private notifyRoom(): void {
    while (this.roomWaiters.length > 0 && this.queue.length < this.capacity) this.roomWaiters.shift()?.resolve();
  }
}
