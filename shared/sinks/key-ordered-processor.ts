import type { InboundRecord, OutboundRecord } from "../pipeline/inbound-record.js";
import { inKeyOrder } from "../pipeline/in-key-order.js";
import type { RecordProcessor } from "../pipeline/post-processor.js";
import { sinkDeadLetter, type DeadLetterDeps } from "./sink-dead-letter.js";

/** What a handler made of one record: outputs now (a dead letter, nothing to do), or work that must wait its turn in key order. */
export type RecordWork = { kind: "ready"; outputs: OutboundRecord[] } | { kind: "deferred"; run(signal: AbortSignal): Promise<OutboundRecord[]> };

/** Per-record logic of a sink, apart from how the stream runner schedules it. */
export interface RecordHandler {
  /** Never throws for bad input (a dead letter is an output); `run` rejects only when its signal aborts. */
  handle(record: InboundRecord): RecordWork;
}

/**
 * A {@link RecordHandler} as the stream runner's processor: records of one key (post id) run one
 * after another, so a post's retrying call is never overtaken by its own later record; other
 * posts go on concurrently. Work that throws for another reason than a shutdown (the retries ran
 * out, a bug) becomes a dead letter instead of stalling the partition.
 */
export class KeyOrderedProcessor implements RecordProcessor {
  constructor(
    private readonly handler: RecordHandler,
    private readonly deadLetters: DeadLetterDeps,
  ) {}

  processBatch(records: readonly InboundRecord[], signal: AbortSignal): Promise<OutboundRecord[][]> {
    return inKeyOrder(records, async (record) => {
      const work = this.handler.handle(record);
      if (work.kind === "ready") return work.outputs;
      try {
        return await work.run(signal);
      } catch (error) {
        if (signal.aborted) throw error;
        return [sinkDeadLetter(this.deadLetters, record, error as Error, "process", null)];
      }
    });
  }
}
