import type { Decision, HttpExchange } from "../../codec/records.js";
import type { ForumCall } from "../auto-hide/post-action-plan.js";

/** The platforms the auto-hide sink speaks to; `http` is the URL-template forum. */
export type PlatformName = "discourse" | "lemmy" | "reddit" | "nodebb" | "discord" | "http";

/** Platforms where a model's hide is only a ticket for the moderators (Discord: a delete cannot be undone); a moderator's hide is the real one. */
export const MODEL_HIDE_IS_TICKET: ReadonlySet<PlatformName> = new Set<PlatformName>(["discord"]);

/**
 * One forum's moderation API as the auto-hide sink drives it. `perform` makes one call for one
 * decision; a call already in effect on the platform (a repeated hide) resolves as success. It
 * throws a retriable error (an ArbiterError whose `retriable` is true, e.g. HttpCallError on
 * 5xx, 408, 429 or no answer) to be retried, and a non-retriable one for a refusal, which the
 * handler dead-letters.
 */
export interface PlatformAdapter {
  readonly platform: PlatformName;
  perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange>;
}
