/** The Schema Registry could not answer (refused, reset, timed out, 5xx, 429): try again later; never a reason to dead-letter a record. */
export class SchemaRegistryUnavailableError extends Error {
  readonly retriable = true;
  constructor(
    message: string,
    /** The HTTP status, when the registry answered at all. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "SchemaRegistryUnavailableError";
  }
}
