import type { Action, Decision } from "../../codec/records.js";
import { assertNever } from "../../errors/assert-never.js";

/**
 * How the forum shows a post, as far as Arbiter made it so. `hidden-bannered` is the step
 * between hidden and bannered: the banner goes up while the post is still hidden.
 */
export type Visibility = "shown" | "hidden" | "bannered" | "hidden-bannered";
/** A call of the forum API (or, for `page`, of the counsellor's pager). */
export type ForumCall = "hide" | "unhide" | "banner" | "unbanner" | "page";
/** A forum call that changes how the post is shown. */
type VisibilityCall = Exclude<ForumCall, "page">;

/** What the auto-hide sink did to one post, kept in Redis. */
export interface PostActionState {
  visibility: Visibility;
  /** Who decided the visibility last: once a moderator has, no model decision changes it. */
  decidedBy: "model" | "human";
  /** Decisions already handled (acted on, skipped or dead-lettered), newest last: a redelivered one is recognised. */
  handled: string[];
  /** The on-call counsellor was paged about this post (at most once). */
  paged: boolean;
}

export const UNTOUCHED: Readonly<PostActionState> = Object.freeze({
  visibility: "shown",
  decidedBy: "model",
  handled: Object.freeze([]) as unknown as string[],
  paged: false,
});

/** One call and the state once it succeeded, so progress is kept call by call. */
export interface PlanStep {
  call: ForumCall;
  after: PostActionState;
}

export type ActionPlan =
  { kind: "skip"; reason: "duplicate" | "human-decided" | "no-change"; final: PostActionState } | { kind: "act"; steps: PlanStep[]; final: PostActionState };

/** Decisions remembered per post; a post sees a handful (stages, appeals, moderators). */
const HANDLED_LIMIT = 64;

// From (row) → to (column). Only a REVIEW asks for `hidden-bannered`, and only when the post is so already.
const CALLS: Record<Visibility, Record<Visibility, VisibilityCall[]>> = {
  shown: { shown: [], hidden: ["hide"], bannered: ["banner"], "hidden-bannered": ["hide", "banner"] },
  // The banner goes up before the unhide: the post is never shown without its banner.
  hidden: { shown: ["unhide"], hidden: [], bannered: ["banner", "unhide"], "hidden-bannered": ["banner"] },
  // A banner comes off before a hide, so a later unhide shows the post as it was.
  bannered: { shown: ["unbanner"], hidden: ["unbanner", "hide"], bannered: [], "hidden-bannered": ["hide"] },
  // Left between the two (the unhide refused for good): the post is hidden under a banner.
  "hidden-bannered": { shown: ["unbanner", "unhide"], hidden: ["unbanner"], bannered: ["unhide"], "hidden-bannered": [] },
};

function target(action: Action, current: Visibility): Visibility {
  switch (action) {
    case "HIDE":
      return "hidden";
    case "BANNER":
      return "bannered";
    case "ALLOW":
      return "shown";
    case "REVIEW":
      return current;
    default:
      return assertNever(action);
  }
}

/** How the post is shown once a call succeeded, from how it was shown before. */
const SHOWN_AFTER: Record<VisibilityCall, (before: Visibility) => Visibility> = {
  hide: () => "hidden",
  unhide: (before) => (before === "hidden-bannered" ? "bannered" : "shown"),
  banner: (before) => (before === "hidden" ? "hidden-bannered" : "bannered"),
  unbanner: (before) => (before === "hidden-bannered" ? "hidden" : "shown"),
};

/** A violation of a policy whose actions include `page`, sure or not: a counsellor looks at an unsure one too. */
export function pagesCounsellor(decision: Decision): boolean {
  // A replay decides old posts again: paging someone now about a post from weeks ago helps no one.
  return decision.stage !== "replay" && decision.verdicts.some((v) => v.decision === "violate" && v.page);
}

/**
 * What to do about one decision, given what was done to the post before. Pure.
 * - A decision already handled is skipped (decision ids are deterministic).
 * - A moderator's decision (stage human) always applies; after one, a model's decision
 *   (any other stage: prefilter, primary, second_look, escalation, appeal, replay) changes nothing.
 * - Otherwise the post moves to what the action asks (REVIEW leaves it as it is) and the
 *   counsellor is paged once per post.
 * - Where a model's hide is only a ticket (`modelHideIsTicket`), a moderator's decision that
 *   keeps a post the model "hid" hidden calls hide again: the moderator's hide is the real one.
 */
export interface PlanOptions {
  /**
   * The forum's hide on a model's word is only a ticket for its moderators (Discord: a delete
   * cannot be undone), so a post the model "hid" is still up: a moderator's decision that keeps
   * it hidden calls hide again, which there is the delete.
   */
  modelHideIsTicket?: boolean;
}

export function planActions(state: PostActionState, decision: Decision, options: PlanOptions = {}): ActionPlan {
  if (state.handled.includes(decision.decisionId)) return { kind: "skip", reason: "duplicate", final: state };
  const handled = [...state.handled, decision.decisionId].slice(-HANDLED_LIMIT);
  const human = decision.stage === "human";
  if (!human && state.decidedBy === "human") return { kind: "skip", reason: "human-decided", final: { ...state, handled } };

  const steps: PlanStep[] = [];
  let current: PostActionState = { ...state, decidedBy: human ? "human" : state.decidedBy };
  const goal = target(decision.action, state.visibility);
  for (const call of CALLS[state.visibility][goal]) {
    current = { ...current, visibility: SHOWN_AFTER[call](current.visibility) };
    steps.push({ call, after: current });
  }
  const hiddenByModel = state.decidedBy === "model" && (state.visibility === "hidden" || state.visibility === "hidden-bannered");
  if (options.modelHideIsTicket && human && hiddenByModel && (goal === "hidden" || goal === "hidden-bannered") && !steps.some((s) => s.call === "hide")) {
    // How Arbiter shows the post does not change: it counted as hidden already.
    steps.push({ call: "hide", after: current });
  }
  if (pagesCounsellor(decision) && !state.paged) {
    current = { ...current, paged: true };
    steps.push({ call: "page", after: current });
  }
  const final = { ...current, handled };
  return steps.length === 0 ? { kind: "skip", reason: "no-change", final } : { kind: "act", steps, final };
}
