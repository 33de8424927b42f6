import { ArbiterError } from "../../errors/arbiter-error.js";

/** The Schema Registry answered that it has no schema with this id (404). */
export class SchemaNotFoundError extends ArbiterError {
  readonly code = "SCHEMA_NOT_FOUND";
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(
    readonly schemaId: number,
    message: string,
  ) {
    super(message);
    this.name = "SchemaNotFoundError";
  }
}
