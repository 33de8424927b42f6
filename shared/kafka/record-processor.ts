import type { InboundRecord, OutboundRecord } from "./consumed-record.js";

/**
 * What a processor made of one record: its outputs, ready now, or work still to do (a model
 * call) that the runner starts once the record's earlier same-key records have finished.
 */
export type RecordResult =
  | { kind: "ready"; outputs: OutboundRecord[] }
  | {
      kind: "deferred";
      /** Never rejects for bad input or a failed call (those are outputs too); only when `signal` aborts. */
      run(signal: AbortSignal): Promise<OutboundRecord[]>;
    };

/** The stream runner's view of the work: records in, outputs (now or later) out. */
export interface RecordProcessor {
  /**
   * One result per record, in the same order; records are one partition's, in offset order.
   * Never rejects for bad input (that is a dead letter); only when `signal` aborts.
   */
  processBatch(records: readonly InboundRecord[], signal: AbortSignal): Promise<RecordResult[]>;
}
