import { ArbiterError } from "../../errors/arbiter-error.js";

/** A fetched record batch that cannot be decompressed (corrupt, over `kafka.maxDecompressedBytes`, or a codec kafkajs lacks): its records go to the dead-letter topic as one raw batch. */
export class UndecompressableBatchError extends ArbiterError {
  readonly code = "UNDECOMPRESSABLE_BATCH";
  constructor(
    readonly codec: string,
    readonly firstOffset: string,
    readonly lastOffset: string,
    readonly records: number,
    reason: string,
  ) {
    super(`record batch at offsets ${firstOffset}..${lastOffset} (${records} records, ${codec}) cannot be decompressed: ${reason}`);
    this.name = "UndecompressableBatchError";
  }
}
