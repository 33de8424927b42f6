import type { Decision, HttpExchange } from "../../codec/records.js";
import type { AutoHideSettings } from "./auto-hide-settings.js";
import type { Logger } from "../../observability/logger.js";
import { EndpointNotConfiguredError } from "../errors/endpoint-not-configured-error.js";
import type { ForumRateLimiter } from "./forum-rate-limiter.js";
import { HttpEndpoint } from "../http-endpoint.js";
import { RetryingEndpoint } from "../retrying-endpoint.js";
import type { RetryPolicy } from "../../retry/retry-policy.js";
import type { SinkMetrics } from "../sink-metrics.js";
import { fillUrlTemplate } from "../url-template.js";
import { createForumAdapters } from "../platforms/adapters.js";
import { forumCallBody, HttpTemplateAdapter } from "../platforms/http.js";
import { MODEL_HIDE_IS_TICKET, type PlatformAdapter } from "../platforms/platform-adapter.js";
import type { ForumCall } from "./post-action-plan.js";

export { forumCallBody };

/**
 * Each forum's moderation API, by its platform (`autoHide.forums`; a forum not listed there is
 * the URL-template forum of `autoHide.forum`), and the counsellor's pager. Forum calls wait for
 * the forum's rate limit; every call is retried on 5xx, 408, 429, timeouts and connection
 * errors; a call the far side refuses (other 4xx) throws.
 */
export class ForumClient {
  private readonly pager: RetryingEndpoint;
  private readonly http: PlatformAdapter;
  private readonly adapters: Map<string, PlatformAdapter>;

  constructor(
    private readonly settings: AutoHideSettings,
    limiter: ForumRateLimiter,
    retry: RetryPolicy,
    metrics: SinkMetrics,
    logger: Logger,
  ) {
    const deps = (setting: string) => ({ setting, forum: settings.forum, limiter, retry, metrics, logger });
    this.http = new HttpTemplateAdapter(settings.forum, deps("autoHide.forum"));
    this.adapters = createForumAdapters(settings.forums, deps);
    this.pager = new RetryingEndpoint(new HttpEndpoint(settings.pager, "autoHide.pager.token"), retry, metrics, logger);
  }

  /** The adapter of a forum: its platform's, or the URL-template forum's. */
  adapterFor(forumId: string): PlatformAdapter {
    return this.adapters.get(forumId) ?? this.http;
  }

  /** The forum's hide on a model's word is only a ticket (planActions' `modelHideIsTicket`). */
  modelHideIsTicket(forumId: string): boolean {
    return MODEL_HIDE_IS_TICKET.has(this.adapterFor(forumId).platform);
  }

  async perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange> {
    if (call !== "page") return this.adapterFor(decision.forumId).perform(call, decision, signal);
    // The pager is not the forum: it is the same webhook whatever the platform, and pages do not count against the forum's rate.
    const { pager } = this.settings;
    if (pager.url === "") throw new EndpointNotConfiguredError("autoHide.pager.url");
    const url = fillUrlTemplate(pager.url, { forumId: decision.forumId, postId: decision.postId, decisionId: decision.decisionId });
    const request = { method: pager.method, url, body: forumCallBody(call, decision), idempotencyKey: `${decision.decisionId}:${call}` };
    return this.pager.call(call, request, signal, { postId: decision.postId, decisionId: decision.decisionId });
  }
}
