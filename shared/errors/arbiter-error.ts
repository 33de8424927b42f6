import { maskCredentials } from "./mask-credentials.js";

/**
 * The base of Arbiter's own errors: a stable `code` that logs, dead letters and tests can match,
 * and `retriable`, the one property a retry decision reads (never the message, never a cast).
 */
export abstract class ArbiterError extends Error {
  abstract readonly code: string;
  /** True when the same call may succeed later (a service down, a timeout); false for bad input. */
  readonly retriable: boolean = false;
  /** How long the far side asked to be left alone before the call is tried again (a Retry-After), when it said. */
  declare readonly retryAfterMs?: number;
  /**
   * Whether dead letters name this error by `name:code` (their `errorClass`, and the `reason`
   * of the dead-letter metric and log line) or by its name alone. Errors that had a code before
   * this base existed keep it there; those that were given one with the base say false, so
   * the dead letters and metric series they already produced keep their names.
   */
  readonly codeInDeadLetters: boolean = true;

  /** The message has the credentials of any URL it quotes masked ({@link maskCredentials}): errors are logged and dead-lettered. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message === undefined ? undefined : maskCredentials(message), options);
  }
}

/** Whether an error says it may succeed if tried again: an {@link ArbiterError}'s flag, or a `retriable: true` that a library error (kafkajs) carries. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof ArbiterError) return error.retriable;
  return typeof error === "object" && error !== null && "retriable" in error && error.retriable === true;
}

/**
 * The code a dead letter names an error by (`name:code`), or undefined for its name alone: an
 * {@link ArbiterError}'s `code` where {@link ArbiterError.codeInDeadLetters} says so, or the
 * string `code` another error carries (a Node system error's `ECONNRESET`, an `Error` given one).
 */
export function deadLetterCode(error: Error): string | undefined {
  if (error instanceof ArbiterError) return error.codeInDeadLetters ? error.code : undefined;
  return "code" in error && typeof error.code === "string" ? error.code : undefined;
}
