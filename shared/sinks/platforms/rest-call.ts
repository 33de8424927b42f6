import type { HttpExchange } from "../../codec/records.js";
import { isRetriable } from "../../errors/arbiter-error.js";
import type { Logger } from "../../observability/logger.js";
import type { RetryPolicy } from "../../retry/retry-policy.js";
import { HttpCallError } from "../errors/http-call-error.js";
import { InvalidRequestError } from "../errors/invalid-request-error.js";
import type { SinkMetrics } from "../sink-metrics.js";
import { loggableUrl } from "../url-template.js";

/** What a platform adapter needs besides its settings. */
export interface PlatformAdapterDeps {
  /** How a failed call is retried (the sink's `autoHide.retry`). */
  retry: RetryPolicy;
  metrics: SinkMetrics;
  logger: Logger;
  /** Clock of the token expiry and rate-limit windows (tests). */
  now?: () => number;
  /** How a rate-limit wait waits (tests); aborting `signal` ends it. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** One request to a platform's REST API; `body` is sent as it is (the adapter encodes it). */
export interface RestRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** The platform's answer, whatever its status: the adapter reads the status, headers and JSON. */
export interface RestResponse {
  exchange: HttpExchange;
  headers: Headers;
}

/** Longest response body kept for a dead letter (as the URL-template forum keeps). */
const BODY_LIMIT = 4096;

/**
 * Sends one request. No answer (timeout, connection error) throws a retriable
 * {@link HttpCallError}; a request fetch refuses to build throws an {@link InvalidRequestError};
 * aborting `signal` rejects with its reason. Every status comes back as a response.
 */
export async function restCall(request: RestRequest, signal: AbortSignal): Promise<RestResponse> {
  const url = loggableUrl(request.url);
  try {
    new Request(request.url, { method: request.method, headers: request.headers });
  } catch (error) {
    throw new InvalidRequestError(`${request.method} ${url}`, error as Error);
  }
  const deadline = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.any([signal, deadline]),
      redirect: "manual",
    });
    const body = await response.text();
    return { exchange: { method: request.method, url, status: response.status, body: body.slice(0, BODY_LIMIT) }, headers: response.headers };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const why = deadline.aborted ? `no answer within ${request.timeoutMs} ms` : `no answer: ${(error as Error).message}`;
    throw new HttpCallError({ method: request.method, url, status: 0, body: "" }, why);
  }
}

/** The response body as JSON, or undefined when it is none. */
export function jsonBody(response: RestResponse): unknown {
  try {
    return JSON.parse(response.exchange.body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Runs one platform call under the retry policy, counted and logged under `call` as the
 * URL-template forum's calls are: a retriable failure waits and tries again, a refusal or the
 * end of the retries is thrown.
 */
export async function withRetries<T>(
  deps: PlatformAdapterDeps,
  call: string,
  context: Record<string, unknown>,
  signal: AbortSignal,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    const result = await deps.retry.run(attempt, signal, {
      onRetry: (n, error, delayMs) => {
        deps.metrics.calls.inc({ call, outcome: "retry" });
        deps.logger.warn({ ...context, call, attempt: n, delayMs, err: error.message }, "platform call failed; retrying");
      },
    });
    deps.metrics.calls.inc({ call, outcome: "ok" });
    return result;
  } catch (error) {
    if (!signal.aborted) deps.metrics.calls.inc({ call, outcome: isRetriable(error) || !(error instanceof HttpCallError) ? "gave-up" : "rejected" });
    throw error;
  }
}
