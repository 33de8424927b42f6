import { planActions, UNTOUCHED, type ActionPlan, type PostActionState } from "@arbiter/shared/sinks/auto-hide/post-action-plan.js";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { decisionFor, verdict } from "../../../support/decisions.js";

/** Applies decisions one after another as the sink would (every call succeeds); returns the calls and the state. */
function run(
  decisions: Decision[],
  start: PostActionState = UNTOUCHED,
  options: { modelHideIsTicket?: boolean } = {},
): { calls: string[]; state: PostActionState; plans: ActionPlan[] } {
  let state = start;
  const calls: string[] = [];
  const plans: ActionPlan[] = [];
  for (const decision of decisions) {
    const plan = planActions(state, decision, options);
    plans.push(plan);
    if (plan.kind === "act") calls.push(...plan.steps.map((s) => s.call));
    state = plan.final;
  }
  return { calls, state, plans };
}

const modelHide = decisionFor("p1", "HIDE", "primary");
const escalationAllow = decisionFor("p1", "ALLOW", "escalation");

test("a model's HIDE hides, a later ALLOW (escalation, appeal, replay) unhides", () => {
  for (const stage of ["escalation", "appeal", "replay"] as const) {
    const { calls, state } = run([modelHide, decisionFor("p1", "ALLOW", stage)]);
    expect({ stage, calls }).toEqual({ stage, calls: ["hide", "unhide"] });
    expect(state).toMatchObject({ visibility: "shown", decidedBy: "model" });
  }
});

test("where a model's hide is only a ticket (Discord), a moderator's HIDE after it calls hide again; elsewhere it is already done", () => {
  const confirm = decisionFor("p1", "HIDE", "human", { requestId: "t1:confirm" });
  const ticketOnly = run([modelHide, decisionFor("p1", "HIDE", "escalation"), confirm], UNTOUCHED, { modelHideIsTicket: true });
  expect(ticketOnly.calls).toEqual(["hide", "hide"]);
  expect(ticketOnly.state).toMatchObject({ visibility: "hidden", decidedBy: "human" });
  // Once a moderator has hidden it, another moderator's HIDE is the same delete: nothing to call.
  expect(run([confirm, decisionFor("p1", "HIDE", "human", { requestId: "t2:confirm" })], UNTOUCHED, { modelHideIsTicket: true }).calls).toEqual(["hide"]);
  // An overturn is an unhide there as everywhere.
  expect(run([modelHide, decisionFor("p1", "ALLOW", "human", { requestId: "t1:overturn" })], UNTOUCHED, { modelHideIsTicket: true }).calls).toEqual([
    "hide",
    "unhide",
  ]);
  expect(run([modelHide, confirm]).calls).toEqual(["hide"]);
});

test("a decision delivered twice acts once, even after a later one", () => {
  const { calls, plans } = run([modelHide, modelHide, escalationAllow, modelHide, escalationAllow]);
  expect(calls).toEqual(["hide", "unhide"]);
  expect(plans.map((p) => (p.kind === "skip" ? p.reason : "act"))).toEqual(["act", "duplicate", "act", "duplicate", "duplicate"]);
});

test("a model never unhides what a moderator hid, nor hides what a moderator allowed", () => {
  const humanHide = decisionFor("p1", "HIDE", "human", { requestId: "t1:confirm" });
  const hidden = run([humanHide, escalationAllow, decisionFor("p1", "ALLOW", "appeal", { requestId: "a1" }), decisionFor("p1", "ALLOW", "replay")]);
  expect(hidden.calls).toEqual(["hide"]);
  expect(hidden.state).toMatchObject({ visibility: "hidden", decidedBy: "human" });
  expect(hidden.plans.slice(1).map((p) => p.kind === "skip" && p.reason)).toEqual(["human-decided", "human-decided", "human-decided"]);

  const humanAllow = decisionFor("p1", "ALLOW", "human", { requestId: "t1:overturn" });
  const allowed = run([
    modelHide,
    humanAllow,
    decisionFor("p1", "HIDE", "escalation"),
    decisionFor("p1", "BANNER", "replay", { verdicts: [verdict("self-harm", "violate", { onViolate: "banner", page: true })] }),
  ]);
  expect(allowed.calls).toEqual(["hide", "unhide"]);
  expect(allowed.state).toMatchObject({ visibility: "shown", decidedBy: "human", paged: false });
});

test("a moderator's decision always applies, over another moderator's too", () => {
  const { calls, state } = run([
    decisionFor("p1", "HIDE", "human", { requestId: "t1:confirm" }),
    decisionFor("p1", "ALLOW", "human", { requestId: "t2:overturn" }),
  ]);
  expect(calls).toEqual(["hide", "unhide"]);
  expect(state.decidedBy).toBe("human");
  // A moderator's ALLOW of an untouched post changes nothing on the forum but is remembered.
  const untouched = planActions(UNTOUCHED, decisionFor("p2", "ALLOW", "human", { requestId: "t3:overturn" }));
  expect(untouched).toMatchObject({ kind: "skip", reason: "no-change", final: { decidedBy: "human" } });
});

test("REVIEW leaves the post as it is; ALLOW of an untouched post does nothing", () => {
  expect(run([decisionFor("p1", "REVIEW", "primary"), decisionFor("p1", "ALLOW", "prefilter", { verdicts: [] })]).calls).toEqual([]);
  expect(run([modelHide, decisionFor("p1", "REVIEW", "escalation")]).state.visibility).toBe("hidden");
});

test("a banner policy's violation shows a banner and pages the counsellor once; hiding takes the banner off first", () => {
  const selfHarm = (decision: "violate" | "allow") => [verdict("self-harm", decision, { onViolate: "banner", page: true })];
  const banner = decisionFor("p1", "BANNER", "primary", { verdicts: selfHarm("violate") });
  const again = decisionFor("p1", "BANNER", "escalation", { verdicts: selfHarm("violate") });
  const { calls, state } = run([
    banner,
    again,
    decisionFor("p1", "HIDE", "replay"),
    decisionFor("p1", "ALLOW", "appeal", { requestId: "a1", verdicts: selfHarm("allow") }),
  ]);
  expect(calls).toEqual(["banner", "page", "unbanner", "hide", "unhide"]);
  expect(state).toMatchObject({ visibility: "shown", paged: true });
  // Hidden → banner: the banner, then the unhide.
  expect(run([modelHide, again]).calls).toEqual(["hide", "banner", "unhide", "page"]);
});

test("an unsure violation of a page policy pages without acting on the post", () => {
  const unsure = decisionFor("p1", "REVIEW", "primary", { verdicts: [verdict("self-harm-encouragement", "violate", { escalate: true, page: true })] });
  expect(run([unsure]).calls).toEqual(["page"]);
});

test("a replay applied to old posts acts on the post but pages no one (the counsellor is paged about live posts)", () => {
  const replayed = decisionFor("p1", "BANNER", "replay", { verdicts: [verdict("self-harm", "violate", { onViolate: "banner", page: true })] });
  expect(run([replayed]).calls).toEqual(["banner"]);
  expect(run([replayed]).state).toMatchObject({ visibility: "bannered", paged: false });
});

test("each step carries the state once its call succeeded; only the plan's end marks the decision handled", () => {
  const plan = planActions(
    { ...UNTOUCHED, visibility: "hidden" },
    decisionFor("p1", "BANNER", "primary", { verdicts: [verdict("self-harm", "violate", { onViolate: "banner", page: true })] }),
  );
  expect(plan.kind).toBe("act");
  if (plan.kind !== "act") return;
  expect(plan.steps.map((s) => [s.call, s.after.visibility, s.after.paged, s.after.handled.length])).toEqual([
    ["banner", "hidden-bannered", false, 0],
    ["unhide", "bannered", false, 0],
    ["page", "bannered", true, 0],
  ]);
  expect(plan.final.handled).toHaveLength(1);
});

/** How the fake forum would show the post after each call: hidden and bannered are two flags. */
function shownStates(calls: string[], start: { hidden: boolean; bannered: boolean }): { hidden: boolean; bannered: boolean }[] {
  let now = { ...start };
  return calls.map((call) => {
    if (call === "hide") now = { ...now, hidden: true };
    if (call === "unhide") now = { ...now, hidden: false };
    if (call === "banner") now = { ...now, bannered: true };
    if (call === "unbanner") now = { ...now, bannered: false };
    return now;
  });
}

test("hidden → bannered puts the banner up before the unhide: the post is never shown without its banner", () => {
  const banner = decisionFor("p1", "BANNER", "escalation", { verdicts: [verdict("self-harm", "violate", { onViolate: "banner" })] });
  const { calls, state } = run([modelHide, banner]);
  expect(calls).toEqual(["hide", "banner", "unhide"]);
  expect(state.visibility).toBe("bannered");
  for (const shown of shownStates(calls, { hidden: false, bannered: false }).slice(1)) expect(shown.hidden || shown.bannered).toBe(true);
});

test("a post left hidden under a banner (the unhide refused) moves on from there", () => {
  const between: PostActionState = { ...UNTOUCHED, visibility: "hidden-bannered" };
  const banner = decisionFor("p1", "BANNER", "appeal", { verdicts: [verdict("self-harm", "violate", { onViolate: "banner" })] });
  expect(run([banner], between)).toMatchObject({ calls: ["unhide"], state: { visibility: "bannered" } });
  expect(run([decisionFor("p1", "HIDE", "appeal")], between)).toMatchObject({ calls: ["unbanner"], state: { visibility: "hidden" } });
  expect(run([decisionFor("p1", "ALLOW", "appeal")], between)).toMatchObject({ calls: ["unbanner", "unhide"], state: { visibility: "shown" } });
  expect(run([decisionFor("p1", "REVIEW", "appeal")], between)).toMatchObject({ calls: [], state: { visibility: "hidden-bannered" } });
});

test("a second look's HIDE of a post the prefilter allowed hides it, but never over a moderator's decision", () => {
  const lookHide = decisionFor("p1", "HIDE", "second_look");
  const fresh = run([decisionFor("p1", "ALLOW", "prefilter"), lookHide]);
  expect(fresh.calls).toEqual(["hide"]);
  expect(fresh.state).toMatchObject({ visibility: "hidden", decidedBy: "model" });

  const humanAllow = decisionFor("p1", "ALLOW", "human", { requestId: "t1:overturn" });
  const overruled = run([humanAllow, lookHide]);
  expect(overruled.calls).toEqual([]);
  expect(overruled.plans[1]).toMatchObject({ kind: "skip", reason: "human-decided" });
  expect(overruled.state).toMatchObject({ visibility: "shown", decidedBy: "human" });
});
