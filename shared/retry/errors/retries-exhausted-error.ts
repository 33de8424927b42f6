import { ArbiterError, deadLetterCode } from "../../errors/arbiter-error.js";

/** A retriable failure that outlasted `retry.maxAttempts`: the record goes to the dead-letter topic. */
export class RetriesExhaustedError extends ArbiterError {
  override readonly name = "RetriesExhaustedError";

  constructor(
    readonly attempts: number,
    readonly lastError: Error,
  ) {
    super(`gave up after ${attempts} attempts: ${lastError.message}`);
  }

  /** The code dead letters name the last error by, or its name: `RetriesExhaustedError:HTTP_503`. */
  get code(): string {
    return deadLetterCode(this.lastError) ?? this.lastError.name;
  }
}
