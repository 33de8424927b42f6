import type { InboundRecord } from "../kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "../kafka/record-processor.js";
import { sinkDeadLetter, type DeadLetterDeps } from "./sink-dead-letter.js";

/** A sink's logic for one record: outputs now (a dead letter, nothing to do), or work the runner starts once the key's earlier records are done. */
export interface RecordHandler {
  /** Never throws for bad input (a dead letter is an output); deferred work rejects only when its signal aborts. */
  handle(record: InboundRecord): RecordResult;
}

/**
 * A {@link RecordHandler} as the stream runner's processor. The runner keeps each post's records
 * in order, so a post whose call is being retried holds only its own later records. Deferred work
 * that throws for another reason than a shutdown (retries ran out on Redis, a bug) becomes a dead
 * letter: an unfinished record would hold its partition's commits for good.
 */
export class SinkProcessor implements RecordProcessor {
  constructor(
    private readonly handler: RecordHandler,
    private readonly deadLetters: DeadLetterDeps,
  ) {}

  async processBatch(records: readonly InboundRecord[]): Promise<RecordResult[]> {
    return records.map((record): RecordResult => {
      const result = this.handler.handle(record);
      if (result.kind === "ready") return result;
      return {
        kind: "deferred",
        run: async (signal) => {
          try {
            return await result.run(signal);
          } catch (error) {
            if (signal.aborted) throw error;
            return [sinkDeadLetter(this.deadLetters, record, error as Error, "process", null)];
          }
        },
      };
    });
  }
}
