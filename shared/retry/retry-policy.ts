import type { RetrySettings } from "./retry-settings.js";
import { ArbiterError, isRetriable } from "../errors/arbiter-error.js";
import { abortableSleep } from "./abortable-sleep.js";
import { Backoff } from "./backoff.js";
import { RetriesExhaustedError } from "./errors/retries-exhausted-error.js";

/** `retry` settings, and what a loop other than a sink's may ask for besides. */
export interface RetryPolicySettings extends RetrySettings {
  /** False: wait the plain doubling, with no random share (default true: equal jitter). */
  jitter?: boolean;
  /** Which errors are tried again (default {@link isRetriable}); any other is thrown at once. */
  retryOn?: (error: unknown) => boolean;
}

export interface RetryObserver {
  /** Called before each wait: the attempt that failed, its error and the wait. */
  onRetry?(attempt: number, error: Error, delayMs: number): void;
}

/**
 * Runs an operation until it succeeds, retrying errors whose `retriable` flag is true (or that
 * `retryOn` picks) with backoff and jitter (a Retry-After the far side sent is honoured, within
 * the cap). A non-retriable error is thrown at once; so is the signal's reason on shutdown.
 * `maxAttempts` (0: no end) failed attempts end in a {@link RetriesExhaustedError} holding the
 * last error. A wait of 0 ms is no wait: the next attempt starts at once.
 */
export class RetryPolicy {
  private readonly backoff: Backoff;

  constructor(
    private readonly settings: RetryPolicySettings,
    random: () => number = Math.random,
    private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void> = abortableSleep,
  ) {
    this.backoff = new Backoff(settings, random);
  }

  async run<T>(operation: () => Promise<T>, signal: AbortSignal, observer: RetryObserver = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (!(this.settings.retryOn ?? isRetriable)(error)) throw error;
        const failure = error as Error;
        const retryAfterMs = failure instanceof ArbiterError ? failure.retryAfterMs : undefined;
        if (this.settings.maxAttempts > 0 && attempt >= this.settings.maxAttempts) throw new RetriesExhaustedError(attempt, failure);
        const delay = Math.min(this.settings.maxDelayMs, Math.max(this.backoff.delayMs(attempt), retryAfterMs ?? 0));
        observer.onRetry?.(attempt, failure, delay);
        if (delay > 0) await this.sleep(delay, signal);
      }
    }
  }
}
