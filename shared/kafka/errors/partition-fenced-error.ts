/**
 * Another producer initialised this partition's transactional id after ours: the partition has
 * a newer owner (we are a zombie), so its in-flight work is dropped, never retried.
 */
export class PartitionFencedError extends Error {
  readonly retriable = false;
  constructor(
    readonly topic: string,
    readonly partition: number,
    cause: unknown,
  ) {
    super(`producer for ${topic}[${partition}] was fenced by a newer owner`, { cause });
    this.name = "PartitionFencedError";
  }
}
