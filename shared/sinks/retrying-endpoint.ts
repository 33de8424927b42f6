import type { HttpExchange } from "../codec/records.js";
import type { Logger } from "../observability/logger.js";
import { HttpCallError } from "./errors/http-call-error.js";
import type { HttpEndpoint, HttpRequest } from "./http-endpoint.js";
import type { RetryPolicy } from "../retry/retry-policy.js";
import type { SinkMetrics } from "./sink-metrics.js";

/**
 * An endpoint called until it answers 2xx: retriable failures wait with backoff and jitter
 * (logged, counted under `call`), a refusal or the end of the retries is thrown.
 */
export class RetryingEndpoint {
  constructor(
    private readonly endpoint: HttpEndpoint,
    private readonly retry: RetryPolicy,
    private readonly metrics: SinkMetrics,
    private readonly logger: Logger,
  ) {}

  /** `beforeAttempt` runs before every attempt (a rate limit); `context` goes into the logs (ids, never text). */
  async call(
    call: string,
    request: HttpRequest,
    signal: AbortSignal,
    context: Record<string, unknown>,
    beforeAttempt?: () => Promise<void>,
  ): Promise<HttpExchange> {
    try {
      const exchange = await this.retry.run(
        async () => {
          await beforeAttempt?.();
          return this.endpoint.call(request, signal);
        },
        signal,
        {
          onRetry: (attempt, error, delayMs) => {
            this.metrics.calls.inc({ call, outcome: "retry" });
            this.logger.warn({ ...context, call, attempt, delayMs, err: error.message }, "call failed; retrying");
          },
        },
      );
      this.metrics.calls.inc({ call, outcome: "ok" });
      return exchange;
    } catch (error) {
      if (!signal.aborted) this.metrics.calls.inc({ call, outcome: error instanceof HttpCallError ? "rejected" : "gave-up" });
      throw error;
    }
  }
}
