import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";

/**
 * A fake engine for benches: every call takes `latencyMs` once it holds one of `capacity`
 * slots (a model with that many sequences); later calls wait in line. Verdicts are a confident
 * "allow". It records when the model stage was busy, for utilisation: the span from the first
 * call to the last, and the integral of busy sequences over time (`busySlotMs`).
 */
export class SimulatedEngine implements EnginePort {
  readonly modelId = "simulated";
  private busy = 0;
  private readonly waiting: Array<() => void> = [];
  /** Calls finished, and the span from the first call's start to the last call's end. */
  calls = 0;
  firstStart = 0;
  lastEnd = 0;
  private slotMs = 0;
  private changedAt = performance.now();

  constructor(
    readonly latencyMs: number,
    readonly capacity: number,
    /** Waiting calls past which the runner pauses (the engine's queueCapacity). */
    private readonly queueCapacity = 1024,
  ) {}

  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    if (this.busy >= this.capacity) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.account();
    this.busy++;
    if (this.firstStart === 0) this.firstStart = performance.now();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.latencyMs);
        request.signal?.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            reject(new Error("aborted"));
          },
          { once: true },
        );
      });
    } finally {
      this.account();
      this.busy--;
      this.waiting.shift()?.();
    }
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

  /** Sequence-milliseconds spent busy from construction until `now` (for utilisation over a window: the difference of two readings). */
  busySlotMs(now = performance.now()): number {
    return this.slotMs + this.busy * (now - this.changedAt);
  }

  private account(): void {
    const now = performance.now();
    this.slotMs += this.busy * (now - this.changedAt);
    this.changedAt = now;
  }

  queue(): { depth: number; capacity: number; inFlight: number; sequences: number } {
    return { depth: this.waiting.length, capacity: this.queueCapacity, inFlight: this.busy, sequences: this.capacity };
  }

  async dispose(): Promise<void> {}
}
