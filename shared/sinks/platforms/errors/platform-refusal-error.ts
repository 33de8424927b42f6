import { ArbiterError } from "../../../errors/arbiter-error.js";

/**
 * A platform answered 2xx but refused the call in its body (Reddit's `{"json": {"errors": …}}`),
 * or the call cannot be made there at all (a banner on a Reddit comment, a post id in a shape
 * the platform has no use for). Retriable only where the platform says to wait (Reddit's
 * RATELIMIT error); otherwise a dead letter, since sending it again fails the same way.
 */
export class PlatformRefusalError extends ArbiterError {
  override readonly name = "PlatformRefusalError";
  override readonly retriable: boolean;
  override readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: string,
    message: string,
    options: { retriable?: boolean; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.retriable = options.retriable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}
