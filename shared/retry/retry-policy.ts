import type { RetrySettings } from "../config/arbiter-config.js";
import { ArbiterError, isRetriable } from "../errors/arbiter-error.js";
import { abortableSleep } from "./abortable-sleep.js";
import { Backoff } from "./backoff.js";
import { RetriesExhaustedError } from "./errors/retries-exhausted-error.js";

export interface RetryObserver {
  /** Called before each wait: the attempt that failed, its error and the wait. */
  onRetry?(attempt: number, error: Error, delayMs: number): void;
}

/**
 * Runs an operation until it succeeds, retrying errors whose `retriable` flag is true with
 * backoff and jitter (a Retry-After the far side sent is honoured, within the cap). A
 * non-retriable error is thrown at once; so is the signal's reason on shutdown.
 */
export class RetryPolicy {
  private readonly backoff: Backoff;

  constructor(
    private readonly settings: RetrySettings,
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
        if (!isRetriable(error)) throw error;
        const failure = error as Error;
        const retryAfterMs = failure instanceof ArbiterError ? failure.retryAfterMs : undefined;
        if (this.settings.maxAttempts > 0 && attempt >= this.settings.maxAttempts) throw new RetriesExhaustedError(attempt, failure);
        const delay = Math.min(this.settings.maxDelayMs, Math.max(this.backoff.delayMs(attempt), retryAfterMs ?? 0));
        observer.onRetry?.(attempt, failure, delay);
        await this.sleep(delay, signal);
      }
    }
  }
}
