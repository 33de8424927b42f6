import { EngineBusyError } from "./errors/engine-busy-error.js";
import { EngineQueueClosedError } from "./errors/engine-queue-closed-error.js";
import { EnginePreemptedError } from "./errors/engine-preempted-error.js";
import { PRIORITY_CLASSES, priorityRank, type PriorityClass } from "./priority.js";

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
  /** Calls waiting for a free sequence, by priority class. */
  readonly queuedByClass: Readonly<Record<PriorityClass, number>>;
  /** Preemptible calls stopped so far for a call of a higher class. */
  readonly preemptions: number;
}

/** How one call is queued. */
export interface RunOptions {
  /** Its class: a waiting call of a higher class always takes the next free sequence first. @defaultValue "primary" */
  readonly priority?: PriorityClass;
  /** Run only if a sequence is idle and no call waits now; else reject at once with {@link EngineBusyError}. */
  readonly onlyIfIdle?: boolean;
  /** With `onlyIfIdle`: sequences left free for higher classes; the call runs only if more than this many are idle. @defaultValue 0 */
  readonly idleReserve?: number;
  /**
   * A call of a higher class that finds every sequence busy stops this one (its work's signal
   * aborts) and takes its sequence; this call then rejects with {@link EnginePreemptedError}.
   * @defaultValue false
   */
  readonly preemptible?: boolean;
}

interface Slot<S> {
  readonly resource: S;
  busy: boolean;
  heldKey: string | undefined;
  lastUsed: number;
  /** The preemptible call running on it: its class and how to stop it (absent: none, or not preemptible). */
  preemptible?: { rank: number; started: number; controller: AbortController };
}

interface Job<S> {
  readonly key: string;
  /** Priority rank, 0 highest. */
  readonly rank: number;
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
 *
 * Calls carry a priority class ({@link PRIORITY_CLASSES}): a free sequence goes to the oldest
 * waiting call of the highest class waiting (affinity only reorders within that class), and a
 * call waits for room only behind calls of its own class or higher, so lower classes never fill
 * the queue against a higher one. A running call is stopped only if it asked to be preemptible
 * (second look, audit samples): then a higher class waits at most for that call to abort;
 * otherwise a lower class delays a higher one by at most the one call each sequence is running.
 */
export class SequencePool<S> {
  private readonly slots: Slot<S>[];
  private readonly queue: Job<S>[] = [];
  private readonly roomWaiters: Array<{ rank: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;
  private clock = 0;
  private preemptions = 0;
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
   * the same prefix key. `callSignal` is the signal the work obeys: `signal`, and for a
   * preemptible call also aborted when it is stopped for a higher class. Waits for room when the
   * queue is full; `signal` cancels the wait.
   */
  async run<T>(
    key: string,
    signal: AbortSignal,
    work: (resource: S, held: boolean, callSignal: AbortSignal) => Promise<T>,
    options: RunOptions = {},
  ): Promise<T> {
    const rank = priorityRank(options.priority ?? "primary");
    if (this.closed) throw new EngineQueueClosedError();
    if (options.onlyIfIdle === true && !this.hasIdleSequence(options.idleReserve)) throw new EngineBusyError();
    while (this.queuedAtOrAbove(rank) >= this.capacity) {
      if (this.closed) throw new EngineQueueClosedError();
      await this.waitForRoom(rank, signal);
    }
    if (this.closed) throw new EngineQueueClosedError();
    signal.throwIfAborted();
    const slot = await new Promise<Slot<S>>((resolve, reject) => {
      const job: Job<S> = { key, rank, start: resolve, fail: reject, skipped: 0 };
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
      // Still waiting: a preemptible call of a lower class gives up its sequence.
      if (this.queue.includes(job)) this.preemptFor(rank);
    });
    const held = slot.heldKey === key;
    if (held) this.hits += 1;
    else this.misses += 1;
    const controller = options.preemptible === true ? new AbortController() : null;
    if (controller) slot.preemptible = { rank, started: ++this.clock, controller };
    const callSignal = controller ? AbortSignal.any([signal, controller.signal]) : signal;
    const execution = (async () => {
      try {
        return await work(slot.resource, held, callSignal);
      } catch (error) {
        if (controller?.signal.aborted === true) throw new EnginePreemptedError();
        throw error;
      } finally {
        slot.preemptible = undefined;
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

  /**
   * More than `reserve` sequences are free and no call waits: a call started now runs at once and
   * makes no one wait, and `reserve` sequences stay free for calls that arrive meanwhile.
   */
  hasIdleSequence(reserve = 0): boolean {
    if (this.closed || this.queue.length > 0) return false;
    let idle = 0;
    for (const slot of this.slots) if (!slot.busy && ++idle > reserve) return true;
    return false;
  }

  stats(): SequencePoolStats {
    const busy = this.slots.filter((slot) => slot.busy).length;
    const queuedByClass = Object.fromEntries(PRIORITY_CLASSES.map((c) => [c, 0])) as Record<PriorityClass, number>;
    for (const job of this.queue) queuedByClass[PRIORITY_CLASSES[job.rank]!] += 1;
    return {
      queueDepth: this.queue.length,
      waitingForRoom: this.roomWaiters.length,
      busy,
      idle: this.slots.length - busy,
      affinityHits: this.hits,
      affinityMisses: this.misses,
      queuedByClass,
      preemptions: this.preemptions,
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
      // Only the highest class waiting is served; within it, the oldest call is the head.
      let top = Number.POSITIVE_INFINITY;
      for (const job of this.queue) top = Math.min(top, job.rank);
      const classIndexes: number[] = [];
      for (let index = 0; index < this.queue.length && classIndexes.length < this.maxSkips; index += 1)
        if ((this.queue[index] as Job<S>).rank === top) classIndexes.push(index);
      const headIndex = classIndexes[0] as number;
      const head = this.queue[headIndex] as Job<S>;
      let jobIndex = headIndex;
      let slot: Slot<S> | undefined;
      if (head.skipped < this.maxSkips) {
        // A free sequence that holds some waiting call's prefix takes that call first.
        search: for (const index of classIndexes) {
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
        jobIndex = headIndex;
      }
      const [job] = this.queue.splice(jobIndex, 1) as [Job<S>];
      if (jobIndex !== headIndex) head.skipped += 1;
      slot.busy = true;
      job.start(slot);
      this.notifyRoom();
    }
  }

  /**
   * A call of `rank` waits for a sequence: stops one preemptible call of a lower class that is not
   * being stopped already (the lowest class first, then the one started last: the least work lost).
   * Its sequence frees when its work settles, and dispatch hands it to the highest class waiting.
   */
  private preemptFor(rank: number): void {
    let victim: Slot<S> | undefined;
    for (const slot of this.slots) {
      const running = slot.preemptible;
      if (!slot.busy || !running || running.rank <= rank || running.controller.signal.aborted) continue;
      const best = victim?.preemptible;
      if (!best || running.rank > best.rank || (running.rank === best.rank && running.started > best.started)) victim = slot;
    }
    if (!victim) return;
    this.preemptions += 1;
    victim.preemptible!.controller.abort(new EnginePreemptedError());
  }

  /** Calls waiting of this rank or a higher class (lower ranks): the ones a call of this rank queues behind. */
  private queuedAtOrAbove(rank: number): number {
    let count = 0;
    for (const job of this.queue) if (job.rank <= rank) count += 1;
    return count;
  }

  private waitForRoom(rank: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        rank,
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
    // Each waiter whose class has room goes on (it checks again in `run`); the others keep waiting.
    for (let index = 0; index < this.roomWaiters.length;) {
      const waiter = this.roomWaiters[index]!;
      if (this.queuedAtOrAbove(waiter.rank) < this.capacity) {
        this.roomWaiters.splice(index, 1);
        waiter.resolve();
      } else index += 1;
    }
  }
}
