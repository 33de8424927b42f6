import type { InboundRecord, OutboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "@arbiter/shared/kafka/record-processor.js";

/**
 * The runner's behaviour before out-of-order completion, for a bench's "before" figures: a
 * chunk's deferred records run (in key order) inside processBatch, so the chunk's outputs go
 * out together when its slowest record finishes and the runner takes no more records meanwhile.
 */
export class ChunkAtATimeProcessor implements RecordProcessor {
  constructor(private readonly inner: RecordProcessor) {}

  async processBatch(records: readonly InboundRecord[], signal: AbortSignal): Promise<RecordResult[]> {
    const results = await this.inner.processBatch(records, signal);
    const chains = new Map<string, Promise<unknown>>();
    const outputs = await Promise.all(
      results.map((result, i): Promise<OutboundRecord[]> => {
        if (result.kind === "ready") return Promise.resolve(result.outputs);
        const key = records[i]!.key?.toString("latin1");
        const run = (key === undefined ? Promise.resolve() : (chains.get(key) ?? Promise.resolve())).then(() => result.run(signal));
        if (key !== undefined) chains.set(key, run);
        return run;
      }),
    );
    return outputs.map((o) => ({ kind: "ready", outputs: o }));
  }
}
