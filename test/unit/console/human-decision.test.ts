import { answerAction, humanDecision } from "@arbiter/shared/console/human-decision.js";
import { decisionId } from "@arbiter/shared/codec/decision-identity.js";
import { ticketFor, verdict } from "../../support/decisions.js";

const sureHide = verdict("cheats", "violate", { ruleIds: ["CH1"] });
const unsureSpam = verdict("spam", "violate", { ruleIds: ["SP4"], escalate: true, confidence: 0.55 });
const unsureAllow = verdict("spam", "allow", { escalate: true, confidence: 0.51 });

test("confirm keeps the model's reading as sure; overturn clears every violation", () => {
  const ticket = ticketFor("p1", { verdicts: [sureHide, unsureSpam] });
  const confirm = humanDecision(ticket, "confirm", 10, "alice");
  expect(confirm).toMatchObject({ stage: "human", action: "HIDE", ticketId: ticket.ticketId, postId: "p1", decidedAt: 10, modelId: null, decidedBy: "alice" });
  expect(confirm.verdicts.map((v) => [v.policyId, v.decision, v.escalate, v.source, v.confidence, v.ruleIds])).toEqual([
    ["cheats", "violate", false, "human", 1, ["CH1"]],
    ["spam", "violate", false, "human", 1, ["SP4"]],
  ]);
  const overturn = humanDecision(ticket, "overturn", 10, "alice");
  expect(overturn.action).toBe("ALLOW");
  expect(overturn.verdicts.map((v) => [v.decision, v.ruleIds])).toEqual([
    ["allow", []],
    ["allow", []],
  ]);
});

test("where the model found no violation, overturn makes the policies it was unsure of violations", () => {
  const ticket = ticketFor("p1", { verdicts: [verdict("cheats", "allow"), unsureAllow] });
  expect(answerAction(ticket, "confirm")).toBe("ALLOW");
  const overturn = humanDecision(ticket, "overturn", 1, "alice");
  expect(overturn.action).toBe("HIDE");
  expect(overturn.verdicts.map((v) => [v.policyId, v.decision])).toEqual([
    ["cheats", "allow"],
    ["spam", "violate"],
  ]);
});

test("a banner policy's confirmed violation is a banner, a review-only policy's is a hide: a moderator's word is final", () => {
  expect(answerAction(ticketFor("p1", { verdicts: [verdict("self-harm", "violate", { onViolate: "banner", page: true, escalate: true })] }), "confirm")).toBe(
    "BANNER",
  );
  expect(answerAction(ticketFor("p1", { verdicts: [verdict("fake-reviews", "violate", { onViolate: "review", escalate: true })] }), "confirm")).toBe("HIDE");
});

test("the decision id is deterministic per ticket and answer, and differs from the model's and between answers", () => {
  const ticket = ticketFor("p1", { verdicts: [sureHide, unsureSpam] });
  const id = humanDecision(ticket, "confirm", 1, "alice").decisionId;
  expect(humanDecision(ticket, "confirm", 999, "alice").decisionId).toBe(id);
  expect(humanDecision(ticket, "overturn", 1, "alice").decisionId).not.toBe(id);
  expect(humanDecision({ ...ticket, ticketId: "other" }, "confirm", 1, "alice").decisionId).not.toBe(id);
  expect(id.startsWith(decisionId("p1", "set-1", humanDecision(ticket, "confirm", 1, "alice").verdicts, "human"))).toBe(true);
  expect(id).not.toBe(ticket.decisionId);
});
