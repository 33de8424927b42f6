import { ArbiterError } from "../../errors/arbiter-error.js";

/** A sink's request that cannot be sent as built (a URL or header fetch refuses): a dead letter, since sending it again fails the same way. */
export class InvalidRequestError extends ArbiterError {
  override readonly name = "InvalidRequestError";
  readonly code = "INVALID_REQUEST";

  constructor(what: string, cause: Error) {
    super(`${what}: ${cause.message}`);
  }
}
