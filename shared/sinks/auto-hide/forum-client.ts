import type { Decision, HttpExchange } from "../../codec/records.js";
import type { HttpCallSettings } from "../sink-settings.js";
import type { AutoHideSettings } from "./auto-hide-settings.js";
import type { Logger } from "../../observability/logger.js";
import { EndpointNotConfiguredError } from "../errors/endpoint-not-configured-error.js";
import type { ForumRateLimiter } from "./forum-rate-limiter.js";
import { HttpEndpoint } from "../http-endpoint.js";
import { RetryingEndpoint } from "../retrying-endpoint.js";
import type { RetryPolicy } from "../../retry/retry-policy.js";
import type { SinkMetrics } from "../sink-metrics.js";
import { fillUrlTemplate } from "../url-template.js";
import type { ForumCall } from "./post-action-plan.js";

/** What the forum and the pager are told: ids, stage and the policies' findings, never the post's text. */
export function forumCallBody(call: ForumCall, decision: Decision): Record<string, unknown> {
  const violations = decision.verdicts.filter((v) => v.decision === "violate");
  return {
    call,
    postId: decision.postId,
    forumId: decision.forumId,
    decisionId: decision.decisionId,
    action: decision.action,
    stage: decision.stage,
    decidedAt: decision.decidedAt,
    policies: violations.map((v) => ({
      policyId: v.policyId,
      policyVersion: v.policyVersion,
      ruleIds: v.ruleIds,
      confidence: v.confidence,
      rationale: v.rationale,
    })),
  };
}

/**
 * The forum's hide/unhide/banner/unbanner API and the counsellor's pager, as the config names
 * them. Forum calls wait for the forum's rate limit; every call is retried on 5xx, 408, 429,
 * timeouts and connection errors; a call the far side refuses (other 4xx) throws.
 */
export class ForumClient {
  private readonly forum: RetryingEndpoint;
  private readonly pager: RetryingEndpoint;

  constructor(
    private readonly settings: AutoHideSettings,
    private readonly limiter: ForumRateLimiter,
    retry: RetryPolicy,
    private readonly metrics: SinkMetrics,
    logger: Logger,
  ) {
    this.forum = new RetryingEndpoint(new HttpEndpoint(settings.forum, "autoHide.forum.token"), retry, metrics, logger);
    this.pager = new RetryingEndpoint(new HttpEndpoint(settings.pager, "autoHide.pager.token"), retry, metrics, logger);
  }

  private target(call: ForumCall): { endpoint: RetryingEndpoint; template: HttpCallSettings; setting: string } {
    if (call === "page") return { endpoint: this.pager, template: this.settings.pager, setting: "autoHide.pager.url" };
    return { endpoint: this.forum, template: this.settings.forum[call], setting: `autoHide.forum.${call}.url` };
  }

  async perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange> {
    const { endpoint, template, setting } = this.target(call);
    if (template.url === "") throw new EndpointNotConfiguredError(setting);
    const url = fillUrlTemplate(template.url, { forumId: decision.forumId, postId: decision.postId, decisionId: decision.decisionId });
    const request = { method: template.method, url, body: forumCallBody(call, decision), idempotencyKey: `${decision.decisionId}:${call}` };
    // The pager is not the forum: only forum calls count against the forum's rate.
    const rateLimit =
      call === "page" ? undefined : async () => void this.metrics.rateLimitWait.inc((await this.limiter.acquire(decision.forumId, signal)) / 1000);
    return endpoint.call(call, request, signal, { postId: decision.postId, decisionId: decision.decisionId }, rateLimit);
  }
}
