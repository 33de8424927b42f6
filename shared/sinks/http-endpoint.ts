import type { HttpExchange } from "../codec/records.js";
import type { Secret } from "../settings/fields.js";
import { resolveSecret } from "../settings/transport-security.js";
import { HttpCallError } from "./errors/http-call-error.js";
import { InvalidRequestError } from "./errors/invalid-request-error.js";
import { headerValue } from "./record-ids.js";
import { loggableUrl } from "./url-template.js";

/** What every call to one endpoint shares (from config). */
export interface EndpointSettings {
  headers: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer …`; unset: no Authorization header. */
  token?: Secret | undefined;
  timeoutMs: number;
}

export interface HttpRequest {
  method: string;
  url: string;
  /** Sent as JSON. */
  body: unknown;
  /** Lets a far side that supports it drop a repeat of a call that did succeed. */
  idempotencyKey?: string;
}

/** Longest response body kept for a dead letter. */
const BODY_LIMIT = 4096;

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * One HTTP endpoint of a sink (a forum API, a pager, a ticket webhook): JSON out, a 2xx back or
 * an {@link HttpCallError} that says whether to retry. Aborting `signal` (shutdown) rejects with
 * the signal's reason, never an HttpCallError.
 */
export class HttpEndpoint {
  private readonly authorization: string | undefined;

  /** `tokenSetting` names the token's setting in the error when it cannot be read (read once, here, at start). */
  constructor(
    private readonly settings: EndpointSettings,
    tokenSetting: string,
  ) {
    this.authorization = settings.token === undefined ? undefined : `Bearer ${resolveSecret(settings.token, tokenSetting)}`;
  }

  async call(request: HttpRequest, signal: AbortSignal): Promise<HttpExchange> {
    const { settings } = this;
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...settings.headers };
    if (this.authorization) headers.authorization = this.authorization;
    // The key holds record ids: percent-encoded, so no id (non-Latin-1, CR/LF) makes an invalid header.
    if (request.idempotencyKey) headers["idempotency-key"] = headerValue(request.idempotencyKey);
    const exchange = (status: number, body: string): HttpExchange => ({
      method: request.method,
      url: loggableUrl(request.url),
      status,
      body: body.slice(0, BODY_LIMIT),
    });
    try {
      // What fetch would refuse before sending anything (a bad URL or header) fails the same way every time: not retried.
      new Request(request.url, { method: request.method, headers });
    } catch (error) {
      throw new InvalidRequestError(`${request.method} ${loggableUrl(request.url)}`, error as Error);
    }
    const deadline = AbortSignal.timeout(settings.timeoutMs);
    let response: Response;
    let body: string;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers,
        body: request.method === "GET" ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.any([signal, deadline]),
        redirect: "manual",
      });
      body = await response.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const why = deadline.aborted
        ? `no answer within ${settings.timeoutMs} ms`
        : `no answer: ${(error as Error).cause ? String(((error as Error).cause as Error).message ?? (error as Error).cause) : (error as Error).message}`;
      throw new HttpCallError(exchange(0, ""), why);
    }
    const result = exchange(response.status, body);
    if (response.status >= 200 && response.status < 300) return result;
    throw new HttpCallError(result, `HTTP ${response.status}`, retryAfterMs(response.headers.get("retry-after")));
  }
}
