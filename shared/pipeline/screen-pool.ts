import { Worker } from "node:worker_threads";
import type { WriterSchemaNote } from "../codec/writer-schema-cache.js";
import type { Logger } from "../observability/logger.js";
import type { InboundRecord } from "../kafka/consumed-record.js";
import { ScreenTimeoutError } from "./errors/screen-timeout-error.js";
import type { ScreenResult } from "./post-screen.js";
import type { Policy } from "../policy/policy.js";
import type { ScreenPoliciesApplied, ScreenPolicyUpdate, ScreenReady, ScreenRequest, ScreenResponse, ScreenWorkerInit } from "./screen-messages.js";
import { packRecords, unpackResults, type PackedResults } from "./screen-wire.js";

export interface ScreenPoolOptions {
  /**
   * How long a thread may go without answering while it holds chunks: it is then taken as
   * hung, terminated and replaced, and its chunks are rejected. Default 30 s.
   */
  timeoutMs?: number;
}

export const DEFAULT_SCREEN_TIMEOUT_MS = 30_000;
/** A thread not ready this long after its start (loading code, building its prefilter) is given up. */
const START_TIMEOUT_MS = 60_000;
/** A chunk timed out this often in a row without naming one of its records is rejected (no endless re-screening). */
const MAX_BLIND_TIMEOUTS = 3;
/** The longest wait between attempts to replace a thread when replacements fail to start. */
const MAX_RESTART_DELAY_MS = 30_000;

// Built, the compiled thread body is the entry; from sources (tsx, jest) the thread registers tsx first.
const threadEntry = new URL(import.meta.url.endsWith(".ts") ? "./screen-thread.mjs" : "./screen-worker.js", import.meta.url);

interface Pending {
  resolve: (results: PackedResults) => void;
  reject: (error: Error) => void;
}

/** Makes the result of a record whose thread hung on it: it is never screened again. */
export type OnScreenTimeout = (record: InboundRecord, error: ScreenTimeoutError) => ScreenResult;

interface Thread {
  worker: Worker;
  /** [request id, record index] the thread is screening (see ScreenWorkerInit.progress). */
  progress: Int32Array;
  pending: Map<number, Pending>;
  load: number;
  /** Armed when the thread gets work while idle and re-armed at each answer: fires if it stops answering. */
  watchdog: NodeJS.Timeout | null;
  /** Writer schema ids whose schema this thread was sent (an id's schema never changes). */
  schemasSent: Set<number>;
  /** Waiting for the thread to confirm a policy update (resolved when it does, or when it is retired). */
  policyWaiters: (() => void)[];
}

/**
 * Worker threads that run the pure first stage of the primary role, so that the main thread
 * keeps to kafkajs and the model stage. Each chunk goes to the least-loaded thread. A thread
 * that dies, or holds chunks without answering for `timeoutMs` (then it is terminated), is
 * replaced.
 *
 * A thread found hung names the record it was on (it writes its progress to shared memory).
 * Given an `onTimeout`, {@link screen} never rejects for a timeout: that record's result is
 * `onTimeout`'s (the processor decides REVIEW, and it is never screened again, on any thread),
 * and the chunk's other records are screened again on another thread (the replacement, waited
 * for if none runs). Without one, the chunk is rejected with the {@link ScreenTimeoutError}. A
 * chunk of a thread that dies is rejected, never retried here: the caller screens it on the
 * main thread, so no record is lost and none is screened into two answers. While no thread
 * runs, chunks are rejected at once.
 */
export class ScreenPool {
  private nextId = 1;
  private closed = false;
  private readonly running: Thread[] = [];
  /** Threads started but not yet ready (the first ones or replacements). */
  private readonly starting = new Set<Worker>();
  private restartDelayMs = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  /** Waiting for a running thread, to screen again the rest of a chunk that timed out. */
  private runningWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  private constructor(
    readonly size: number,
    private init: ScreenWorkerInit,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  static async start(size: number, init: ScreenWorkerInit, logger: Logger, options: ScreenPoolOptions = {}): Promise<ScreenPool> {
    const pool = new ScreenPool(size, init, logger, options.timeoutMs ?? DEFAULT_SCREEN_TIMEOUT_MS);
    const started = await Promise.allSettled(Array.from({ length: size }, () => pool.spawn()));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    return pool;
  }

  /** The threads that take chunks now (diagnostics and tests). */
  get threads(): readonly Worker[] {
    return this.running.map((t) => t.worker);
  }

  /**
   * `schemas`: the chunk's writer schemas (input.format confluent-avro); each thread is sent a
   * schema once. `onTimeout`: the result of a record a thread hung on (see the class).
   */
  screen(records: readonly InboundRecord[], schemas?: readonly WriterSchemaNote[], onTimeout?: OnScreenTimeout): Promise<ScreenResult[]> {
    return this.screenOrSettle(records, schemas, onTimeout, 0);
  }

  /** `blind`: timeouts in a row that named no record of this chunk (it was queued behind, or the thread hung between records). */
  private async screenOrSettle(
    records: readonly InboundRecord[],
    schemas: readonly WriterSchemaNote[] | undefined,
    onTimeout: OnScreenTimeout | undefined,
    blind: number,
  ): Promise<ScreenResult[]> {
    try {
      return await this.dispatch(records, schemas);
    } catch (error) {
      if (!(error instanceof ScreenTimeoutError) || onTimeout === undefined || this.closed) throw error;
      const hung = error.recordIndex;
      if (hung === -1 && blind >= MAX_BLIND_TIMEOUTS) throw error;
      const rest = records.filter((_, i) => i !== hung);
      let again: ScreenResult[] = [];
      // The rest goes to a thread again even if the replacement crashes on it: rejecting it
      // would have the caller screen the whole chunk, the record that hung included, on the main
      // thread. Past a few crashes the timeout is rejected, which the caller never screens.
      for (let crashes = 0; rest.length > 0; crashes++) {
        try {
          await this.whenRunning();
          again = await this.screenOrSettle(rest, schemas, onTimeout, hung === -1 ? blind + 1 : 0);
          break;
        } catch (restError) {
          if (restError instanceof ScreenTimeoutError || this.closed || crashes >= MAX_BLIND_TIMEOUTS) throw error;
        }
      }
      let j = 0;
      return records.map((record, i) => (i === hung ? onTimeout(record, error) : (again[j++] as ScreenResult)));
    }
  }

  /** Resolves once a thread takes chunks; rejects when the pool closes. */
  private whenRunning(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("screen pool closed"));
    if (this.running.length > 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.runningWaiters.push({ resolve, reject }));
  }

  private dispatch(records: readonly InboundRecord[], schemas?: readonly WriterSchemaNote[]): Promise<ScreenResult[]> {
    if (this.closed) return Promise.reject(new Error("screen pool closed"));
    if (this.running.length === 0) return Promise.reject(new Error("no screen thread is running"));
    const thread = this.running.reduce((a, b) => (b.load < a.load ? b : a));
    let request: ScreenRequest;
    let transfer: ArrayBuffer[];
    try {
      const [packed, buffers] = packRecords(records);
      request = { id: this.nextId++, records: packed };
      transfer = buffers;
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (schemas && schemas.length > 0) {
      // Ids without a schema go every time: one may be registered by the next chunk.
      const unsent = schemas.filter((note) => !("schema" in note) || !thread.schemasSent.has(note.id));
      for (const note of unsent) if ("schema" in note) thread.schemasSent.add(note.id);
      if (unsent.length > 0) request.schemas = unsent;
    }
    const { id } = request;
    thread.load += records.length;
    return new Promise<ScreenResult[]>((resolve, reject) => {
      thread.pending.set(id, {
        resolve: (packed) => {
          thread.load -= records.length;
          try {
            resolve(unpackResults(packed, records));
          } catch (error) {
            reject(error as Error);
          }
        },
        reject: (error) => {
          thread.load -= records.length;
          reject(error);
        },
      });
      // An idle thread's clock starts with this chunk; a busy one's runs from its last answer.
      if (thread.pending.size === 1) this.watch(thread);
      thread.worker.postMessage(request, transfer);
    });
  }

  /**
   * Hands every thread a new policy set; resolves once each has confirmed it (a thread that
   * cannot build it is replaced, and a replacement starts on it). Chunks sent after this call
   * are screened under the new set: a thread takes its messages in order.
   */
  async update(policies: readonly Policy[], policySetVersion: string): Promise<void> {
    this.init = { ...this.init, policies: [...policies], policySetVersion };
    await Promise.all(this.running.map((thread) => this.sendPolicies(thread)));
  }

  private sendPolicies(thread: Thread): Promise<void> {
    const update: ScreenPolicyUpdate = { kind: "policies", policies: this.init.policies, policySetVersion: this.init.policySetVersion };
    return new Promise<void>((resolve) => {
      thread.policyWaiters.push(resolve);
      thread.worker.postMessage(update);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const waiter of this.runningWaiters.splice(0)) waiter.reject(new Error("screen pool closed"));
    await Promise.all([...this.running.map((t) => t.worker), ...this.starting].map((w) => w.terminate()));
  }

  /** Starts one thread; resolves once it is ready and taking chunks. */
  private spawn(): Promise<void> {
    const { init } = this;
    const progress = new SharedArrayBuffer(8);
    new Int32Array(progress).set([0, -1]);
    const worker = new Worker(threadEntry, { workerData: { ...init, progress } satisfies ScreenWorkerInit });
    this.starting.add(worker);
    return new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => settle(new Error(`exited with code ${code}`));
      const onReady = (message: ScreenReady) => settle(message.ready ? null : new Error(message.error));
      const settle = (error: Error | null) => {
        clearTimeout(timer);
        // Only these: removeAllListeners would also drop the Worker's own port bookkeeping.
        worker.off("error", settle).off("exit", onExit).off("message", onReady);
        this.starting.delete(worker);
        if (!error && this.closed) error = new Error("screen pool closed");
        if (error) {
          worker.on("error", () => undefined); // it is being dropped: a late error must not throw
          void worker.terminate();
          reject(new Error(`screen thread failed to start: ${error.message}`));
        } else {
          const thread = this.adopt(worker, new Int32Array(progress));
          // Started before a policy update: it gets the update before any chunk.
          if (init.policySetVersion !== this.init.policySetVersion) void this.sendPolicies(thread);
          resolve();
        }
      };
      const timer = setTimeout(() => settle(new Error(`not ready within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      worker.once("error", settle).once("exit", onExit).once("message", onReady);
    });
  }

  private adopt(worker: Worker, progress: Int32Array): Thread {
    const thread: Thread = { worker, progress, pending: new Map(), load: 0, watchdog: null, schemasSent: new Set(), policyWaiters: [] };
    this.running.push(thread);
    for (const waiter of this.runningWaiters.splice(0)) waiter.resolve();
    worker.on("message", (message: ScreenResponse | ScreenPoliciesApplied) => {
      if ("policiesApplied" in message) {
        if (message.policiesApplied === null) {
          this.logger.error({ err: message.error, thread: worker.threadId }, "screen thread could not take the new policies; replacing it");
          this.retire(thread, new Error(`screen thread could not take the new policies: ${message.error}`));
          void worker.terminate();
        } else thread.policyWaiters.shift()?.();
        return;
      }
      const pending = thread.pending.get(message.id);
      if (!pending) return;
      thread.pending.delete(message.id);
      if (thread.pending.size > 0) this.watch(thread);
      if ("error" in message) pending.reject(new Error(`screen thread: ${message.error}`));
      else pending.resolve(message.results);
    });
    worker.on("error", (error) => {
      this.logger.error({ err: error.message, thread: worker.threadId }, "screen thread crashed; replacing it");
      this.retire(thread, error);
    });
    worker.on("exit", (code) => {
      // A chunk still in a thread when the pool closes is rejected too: nobody waits forever.
      if (this.closed) return this.retire(thread, new Error("screen pool closed"));
      if (this.running.includes(thread)) this.logger.error({ code, thread: worker.threadId }, "screen thread exited; replacing it");
      this.retire(thread, new Error(`screen thread exited with code ${code}`));
    });
    return thread;
  }

  /** (Re)arms the thread's watchdog for `timeoutMs` from now. */
  private watch(thread: Thread): void {
    if (thread.watchdog) thread.watchdog.refresh();
    else thread.watchdog = setTimeout(() => this.onSilence(thread), this.timeoutMs).unref();
  }

  private onSilence(thread: Thread): void {
    // Answered everything since the last arming: not hung, just idle.
    if (thread.pending.size === 0 || !this.running.includes(thread)) return;
    // Where it is stuck: each chunk learns whether it holds the record the thread is on.
    const requestId = Atomics.load(thread.progress, 0);
    const recordIndex = Atomics.load(thread.progress, 1);
    this.logger.error(
      { thread: thread.worker.threadId, chunks: thread.pending.size, timeoutMs: this.timeoutMs, recordIndex },
      "screen thread hung; terminating and replacing it",
    );
    for (const [id, pending] of thread.pending) pending.reject(new ScreenTimeoutError(this.timeoutMs, id === requestId ? recordIndex : -1));
    thread.pending.clear();
    this.retire(thread, new ScreenTimeoutError(this.timeoutMs));
    void thread.worker.terminate();
  }

  /** Takes a thread out of rotation (once), rejects its chunks and starts its replacement. */
  private retire(thread: Thread, error: Error): void {
    const i = this.running.indexOf(thread);
    if (i !== -1) this.running.splice(i, 1);
    if (thread.watchdog) clearTimeout(thread.watchdog);
    for (const p of thread.pending.values()) p.reject(error);
    thread.pending.clear();
    // Its replacement starts on the pool's current policies.
    for (const waiter of thread.policyWaiters.splice(0)) waiter();
    if (i !== -1) this.replenish();
  }

  /** Starts threads up to `size`; a replacement that fails to start is retried with a growing delay. */
  private replenish(): void {
    while (!this.closed && this.running.length + this.starting.size < this.size) {
      this.spawn().then(
        () => {
          this.restartDelayMs = 0;
          this.logger.info({ threads: this.running.length }, "screen thread replaced");
        },
        (error: Error) => {
          if (this.closed) return;
          this.restartDelayMs = Math.min(Math.max(this.restartDelayMs * 2, 1000), MAX_RESTART_DELAY_MS);
          this.logger.error({ err: error.message, retryInMs: this.restartDelayMs }, "screen thread could not be replaced");
          this.restartTimer ??= setTimeout(() => {
            this.restartTimer = null;
            this.replenish();
          }, this.restartDelayMs).unref();
        },
      );
    }
  }
}
