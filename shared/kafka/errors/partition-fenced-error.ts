import { ArbiterError } from "../../errors/arbiter-error.js";

/**
 * Another producer initialised this partition's transactional id after ours: the partition has
 * a newer owner (we are a zombie), so its in-flight work is dropped, never retried.
 */
export class PartitionFencedError extends ArbiterError {
  readonly code = "PARTITION_FENCED";
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(
    readonly topic: string,
    readonly partition: number,
    cause: unknown,
  ) {
    super(`producer for ${topic}[${partition}] was fenced by a newer owner`, { cause });
    this.name = "PartitionFencedError";
  }
}
