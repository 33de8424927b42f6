import { ConcurrencyLimit } from "../kafka/concurrency-limit.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "../pipeline/index.js";

/** An engine of which a run may use at most `limit` calls at once: a replay's bounded share of the model beside live traffic. */
export class BoundedEngine implements EnginePort {
  private readonly limit: ConcurrencyLimit;

  constructor(
    private readonly inner: EnginePort,
    readonly maxCalls: number,
  ) {
    this.limit = new ConcurrencyLimit(maxCalls);
  }

  get modelId(): string {
    return this.inner.modelId;
  }

  classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    return this.limit.run(() => this.inner.classify(request));
  }

  queue(): { depth: number; capacity: number; inFlight: number; sequences: number } {
    return this.inner.queue();
  }
}
