import { ArbiterError } from "../../errors/arbiter-error.js";

/** The Schema Registry could not answer (refused, reset, timed out, 5xx, 429): try again later; never a reason to dead-letter a record. */
export class SchemaRegistryUnavailableError extends ArbiterError {
  readonly code = "SCHEMA_REGISTRY_UNAVAILABLE";
  override readonly retriable = true;
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(
    message: string,
    /** The HTTP status, when the registry answered at all. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "SchemaRegistryUnavailableError";
  }
}
