import { ArbiterError } from "../../errors/arbiter-error.js";

/** A schema Arbiter would write is incompatible with the latest one under its subject: the worker must not start. */
export class IncompatibleSchemaError extends ArbiterError {
  readonly code = "INCOMPATIBLE_SCHEMA";
  /** Dead letters name it by its class alone, as before it had a code. */
  override readonly codeInDeadLetters = false;
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super(
      `schema registry: Arbiter's schema is incompatible with the latest version of subject "${subject}" (${reason}); publishing it would break that subject's readers`,
    );
    this.name = "IncompatibleSchemaError";
  }
}
