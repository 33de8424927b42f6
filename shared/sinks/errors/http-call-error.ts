import type { HttpExchange } from "../../codec/records.js";
import { ArbiterError } from "../../errors/arbiter-error.js";
import { RetriesExhaustedError } from "../../retry/errors/retries-exhausted-error.js";

/**
 * An HTTP call of a sink that did not succeed. Retriable: no answer (timeout, connection
 * error), 408, 429 and 5xx; any other 4xx is the far side refusing the request for good.
 */
export class HttpCallError extends ArbiterError {
  override readonly name = "HttpCallError";
  override readonly retriable: boolean;
  /** Set from a Retry-After header (429/503). */
  override readonly retryAfterMs: number | undefined;

  constructor(
    readonly exchange: HttpExchange,
    detail: string,
    retryAfterMs?: number,
  ) {
    super(`${exchange.method} ${exchange.url}: ${detail}`);
    const { status } = exchange;
    this.retriable = status === 0 || status === 408 || status === 429 || status >= 500;
    this.retryAfterMs = retryAfterMs;
  }

  /** The exchange a failure ended with: its own, or that of the last attempt when the retries ran out. */
  static exchangeOf(error: unknown): HttpExchange | null {
    const last = error instanceof RetriesExhaustedError ? error.lastError : error;
    return last instanceof HttpCallError ? last.exchange : null;
  }

  /** `HTTP_404`, `NO_RESPONSE`: what a dead letter's error class names. */
  get code(): string {
    return this.exchange.status === 0 ? "NO_RESPONSE" : `HTTP_${this.exchange.status}`;
  }
}
