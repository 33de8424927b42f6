import { ArbiterError } from "../../errors/arbiter-error.js";

/**
 * A record's id the sinks will not put into a URL, a header or a Redis key (`..`, `/`, `\`, a
 * control character, empty): a dead letter at once, since no retry makes the id safe.
 */
export class UnsafeIdError extends ArbiterError {
  override readonly name = "UnsafeIdError";
  readonly code = "UNSAFE_ID";

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}
