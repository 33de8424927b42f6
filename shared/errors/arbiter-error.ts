/**
 * The base of Arbiter's own errors: a stable `code` that logs, dead letters and tests can match,
 * and `retriable`, the one property a retry decision reads (never the message, never a cast).
 */
export abstract class ArbiterError extends Error {
  abstract readonly code: string;
  /** True when the same call may succeed later (a service down, a timeout); false for bad input. */
  readonly retriable: boolean = false;
}

/** Whether an error says it may succeed if tried again: an {@link ArbiterError}'s flag, or a `retriable: true` that a library error (kafkajs) carries. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof ArbiterError) return error.retriable;
  return typeof error === "object" && error !== null && "retriable" in error && error.retriable === true;
}
