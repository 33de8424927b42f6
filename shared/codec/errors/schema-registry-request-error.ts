import { ArbiterError } from "../../errors/arbiter-error.js";

/** The Schema Registry refused a request (a 4xx other than a missing schema): asking again will not help. */
export class SchemaRegistryRequestError extends ArbiterError {
  readonly code = "SCHEMA_REGISTRY_REQUEST";
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(
    message: string,
    readonly status: number,
    /** The registry's own `error_code` (Confluent's five-digit codes), when it sent one. */
    readonly errorCode?: number,
  ) {
    super(message);
    this.name = "SchemaRegistryRequestError";
  }
}
