import { SequencePool } from "@arbiter/shared/engine/sequence-pool.js";
import type { ClassifyRequest, EnginePort, EngineQueue, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";

/**
 * A fake engine for benches: every call takes `latencyMs` once it holds one of `capacity`
 * sequences. The queue is the production engine's own `SequencePool` (shared/engine), so calls
 * wait as they do in production: by priority class (posts the prefilter sent before the second
 * look), `onlyIfIdle` calls refused at once with `EngineBusyError` when no sequence is idle, and
 * callers waiting for room past `queueCapacity`. Verdicts are a confident "allow". It records when
 * the model stage was busy, for utilisation: the span from the first call to the last, and the
 * integral of busy sequences over time (`busySlotMs`).
 */
export class SimulatedEngine implements EnginePort {
  readonly modelId = "simulated";
  private readonly pool: SequencePool<number>;
  private busy = 0;
  /** Calls finished, and the span from the first call's start to the last call's end. */
  calls = 0;
  /** How long each call of the primary class waited for a sequence, ms (the second look's cost to it, apart from the CPU). */
  readonly primaryWaitsMs: number[] = [];
  firstStart = 0;
  lastEnd = 0;
  private slotMs = 0;
  private changedAt = performance.now();

  constructor(
    readonly latencyMs: number,
    readonly capacity: number,
    /** Waiting calls past which callers wait for room (the engine's queueCapacity; the runner pauses on it). */
    private readonly queueCapacity = 1024,
  ) {
    this.pool = new SequencePool(
      Array.from({ length: capacity }, (_, i) => i),
      queueCapacity,
    );
  }

  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    const signal = request.signal ?? new AbortController().signal;
    // The prefix key: the policies, as the real engine keys a sequence's KV cache (affinity is moot here: every call costs L).
    const key = request.policies.map((p) => `${p.id}@${p.version}`).join(",");
    const asked = performance.now();
    const primary = (request.priority ?? "primary") === "primary";
    const run = (_sequence: number, _held: boolean, callSignal: AbortSignal) => {
      if (primary) this.primaryWaitsMs.push(performance.now() - asked);
      return this.occupy(callSignal);
    };
    await this.pool.run(key, signal, run, {
      priority: request.priority ?? "primary",
      onlyIfIdle: request.onlyIfIdle ?? false,
      idleReserve: request.idleReserve ?? 0,
      preemptible: request.preemptible ?? false,
    });
    this.calls++;
    this.lastEnd = performance.now();
    return request.policies.map((p) => ({
      policyId: p.id,
      policyVersion: p.version,
      decision: "allow",
      ruleIds: [],
      rationale: "simulated",
      confidence: 0.95,
      reasoning: "",
      promptTokens: 0,
      generatedTokens: 0,
      latencyMs: this.latencyMs,
    }));
  }

  /** One call on a sequence: L ms, counted as busy sequence-time. */
  private async occupy(signal: AbortSignal): Promise<void> {
    this.account();
    this.busy++;
    if (this.firstStart === 0) this.firstStart = performance.now();
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
        };
        const timer = setTimeout(() => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        }, this.latencyMs);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    } finally {
      this.account();
      this.busy--;
    }
  }

  /** Sequence-milliseconds spent busy from construction until `now` (for utilisation over a window: the difference of two readings). */
  busySlotMs(now = performance.now()): number {
    return this.slotMs + this.busy * (now - this.changedAt);
  }

  private account(): void {
    const now = performance.now();
    this.slotMs += this.busy * (now - this.changedAt);
    this.changedAt = now;
  }

  /** As the production port reports it (shared/pipeline/engine-port.ts): waiting for a sequence or for room, running, sequences. */
  queue(): EngineQueue {
    const s = this.pool.stats();
    return {
      depth: s.queueDepth + s.waitingForRoom,
      capacity: this.queueCapacity,
      inFlight: s.busy,
      sequences: s.busy + s.idle,
      queuedByClass: s.queuedByClass,
    };
  }

  /** More than `reserve` sequences are free and nothing waits. */
  hasIdleSequence(reserve = 0): boolean {
    return this.pool.hasIdleSequence(reserve);
  }

  async dispose(): Promise<void> {
    await this.pool.close();
  }
}
