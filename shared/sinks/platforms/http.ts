import type { Decision, HttpExchange } from "../../codec/records.js";
import type { AutoHideSettings } from "../auto-hide/auto-hide-settings.js";
import type { ForumCall } from "../auto-hide/post-action-plan.js";
import { EndpointNotConfiguredError } from "../errors/endpoint-not-configured-error.js";
import { UnsupportedCallError } from "../errors/unsupported-call-error.js";
import { HttpEndpoint } from "../http-endpoint.js";
import { fillUrlTemplate } from "../url-template.js";
import type { PlatformAdapter } from "./platform-adapter.js";
import { PlatformEndpoint, type PlatformDeps } from "./platform-endpoint.js";

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
 * The URL-template forum (`autoHide.forum`): each call is the configured method on the
 * configured URL, with {@link forumCallBody} as JSON and an `Idempotency-Key` the forum may honour.
 */
export class HttpTemplateAdapter implements PlatformAdapter {
  readonly platform = "http";
  private readonly endpoint: PlatformEndpoint;

  constructor(
    private readonly forum: AutoHideSettings["forum"],
    deps: PlatformDeps,
  ) {
    this.endpoint = new PlatformEndpoint(new HttpEndpoint(forum, "autoHide.forum.token"), deps);
  }

  perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange> {
    if (call === "page") return Promise.reject(new UnsupportedCallError("http", call, "pages go to autoHide.pager"));
    const template = this.forum[call];
    if (template.url === "") return Promise.reject(new EndpointNotConfiguredError(`autoHide.forum.${call}.url`));
    const url = fillUrlTemplate(template.url, { forumId: decision.forumId, postId: decision.postId, decisionId: decision.decisionId });
    const request = { method: template.method, url, body: forumCallBody(call, decision), idempotencyKey: `${decision.decisionId}:${call}` };
    return this.endpoint.call(call, request, decision, signal);
  }
}
