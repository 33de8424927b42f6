import type { InboundRecord, OutboundRecord } from "./consumed-record.js";

/**
 * What a processor made of one record: its outputs, ready now, or work still to do (a model
 * call) that the runner starts once the record's earlier records of the same order key have
 * finished.
 *
 * `orderKey` is what the record is ordered by: records with equal order keys complete in offset
 * order, others in any order. Absent, it is the record's Kafka key. The post processor sets the
 * post id, because one post's records are what must stay in order (an edit after the post): on a
 * topic its producer keys by thread or author, ordering by the Kafka key would hold a post the
 * prefilter decided behind another post's model call (bench:latency --key thread shows it).
 */
export type RecordResult =
  | { kind: "ready"; outputs: OutboundRecord[]; orderKey?: OrderKey }
  | {
      kind: "deferred";
      /** Never rejects for bad input or a failed call (those are outputs too); only when `signal` aborts. */
      run(signal: AbortSignal): Promise<OutboundRecord[]>;
      orderKey?: OrderKey;
    };

/** An order key: compared as a latin1 string, so a Buffer and the string of its bytes are the same key; null orders nothing. */
export type OrderKey = string | Buffer | null;

/** The stream runner's view of the work: records in, outputs (now or later) out. */
export interface RecordProcessor {
  /**
   * One result per record, in the same order; records are one partition's, in offset order.
   * Never rejects for bad input (that is a dead letter); only when `signal` aborts.
   */
  processBatch(records: readonly InboundRecord[], signal: AbortSignal): Promise<RecordResult[]>;
}
