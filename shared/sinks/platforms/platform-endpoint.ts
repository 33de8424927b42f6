import type { HttpExchange } from "../../codec/records.js";
import type { Logger } from "../../observability/logger.js";
import type { RetryPolicy } from "../../retry/retry-policy.js";
import type { ForumRateLimiter } from "../auto-hide/forum-rate-limiter.js";
import { HttpCallError } from "../errors/http-call-error.js";
import { PlatformIdError } from "../errors/platform-id-error.js";
import type { HttpEndpoint, HttpRequest } from "../http-endpoint.js";
import { RetryingEndpoint } from "../retrying-endpoint.js";
import type { SinkMetrics } from "../sink-metrics.js";
import type { CallSubject } from "./platform-adapter.js";

/** What every platform adapter is built with besides its forum's settings. */
export interface PlatformDeps {
  /** Where the forum's settings are (`autoHide.forums.<id>`): named in errors about them. */
  setting: string;
  limiter: ForumRateLimiter;
  retry: RetryPolicy;
  metrics: SinkMetrics;
  logger: Logger;
}

/**
 * One forum's API as an adapter calls it: each attempt waits for the forum's rate limit, and is
 * retried on 5xx, 408, 429 (after the Retry-After the platform sent), timeouts and connection
 * errors; a refusal (another 4xx) is thrown as an {@link HttpCallError}.
 */
export class PlatformEndpoint {
  private readonly retrying: RetryingEndpoint;

  constructor(
    endpoint: HttpEndpoint,
    private readonly deps: PlatformDeps,
  ) {
    this.retrying = new RetryingEndpoint(endpoint, deps.retry, deps.metrics, deps.logger);
  }

  call(call: string, request: HttpRequest, decision: CallSubject, signal: AbortSignal): Promise<HttpExchange> {
    const { limiter, metrics } = this.deps;
    const rateLimit = async () => void metrics.rateLimitWait.inc((await limiter.acquire(decision.forumId, signal)) / 1000);
    return this.retrying.call(call, request, signal, { postId: decision.postId, decisionId: decision.decisionId, forumId: decision.forumId }, rateLimit);
  }
}

/** The platform's answer when it refused a call for good (a non-retriable 4xx), else null. */
export function refusal(error: unknown): HttpCallError | null {
  return error instanceof HttpCallError && !error.retriable ? error : null;
}

/** The answer's JSON, or null when it is none. */
export function jsonBody(exchange: HttpExchange): unknown {
  try {
    return JSON.parse(exchange.body) as unknown;
  } catch {
    return null;
  }
}

/**
 * The platform's numeric id in an Arbiter post id: the id itself (`1234`) or after a prefix that
 * ends in `:` (`discourse:1234`, `comment:56`); `kind` is the prefix's last `:`-part (`comment`), if any.
 */
export function platformId(platform: string, postId: string): { id: number; kind: string | null } {
  const match = /^(?:(.*):)?(\d{1,15})$/.exec(postId);
  if (!match) throw new PlatformIdError(platform, postId, "digits, optionally after a prefix ending in ':' (e.g. 1234, comment:56)");
  const kind = match[1] === undefined ? null : (match[1].split(":").pop() ?? null);
  return { id: Number(match[2]), kind };
}

/** The base URL without a trailing slash, so paths can be appended. */
export function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}
