import type { Decision } from "@arbiter/shared/codec/records.js";
import { batches, exportStatements } from "@arbiter/shared/dsa/statement-export.js";
import { puidOf, statementFor, type StatementPolicy } from "@arbiter/shared/dsa/statement.js";
import type { DsaMapping } from "@arbiter/shared/policy/dsa-mapping.js";
import { decisionFor, ticketFor, verdict } from "../../support/decisions.js";
import { validateStatement } from "../../support/fakes/dsa-transparency-fake.js";

const cheatsDsa: DsaMapping = {
  category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
  specification: ["KEYWORD_OTHER"],
  specificationOther: "Game cheats",
  ground: "incompatible",
  tosUrl: "https://forum.example/terms#cheats",
  legalGround: null,
  explanation: null,
};
const policies = new Map<string, StatementPolicy>([
  ["cheats", { id: "cheats", title: "Cheats and exploits", dsa: cheatsDsa }],
  [
    "self-harm",
    { id: "self-harm", title: "Self-harm", dsa: { ...cheatsDsa, category: "STATEMENT_CATEGORY_SELF_HARM", specification: [], specificationOther: null } },
  ],
  ["spam", { id: "spam", title: "Spam", dsa: undefined }],
]);
const scope = ["DE", "FR"];
const ctx = { policies, ticket: null, territorialScope: scope };
const DAY = Date.UTC(2026, 7, 3, 12);

const decided = (d: Decision): Decision => ({ ...d, decidedAt: DAY, postCreatedAt: DAY - 3_600_000 });
const statementOf = (d: Decision, ticket = ctx.ticket as Parameters<typeof statementFor>[1]["ticket"]) => {
  const r = statementFor(decided(d), { ...ctx, ticket });
  if (!("statement" in r)) throw new Error(`no statement: ${r.skipped.reason}`);
  return r.statement;
};

describe("statementFor", () => {
  it("a model's HIDE: access disabled, fully automated, the policy's mapping, and valid for the API", () => {
    const s = statementOf(decisionFor("p1", "HIDE", "primary", { verdicts: [verdict("cheats", "violate", { ruleIds: ["CH2"] })] }));
    expect(s).toMatchObject({
      decision_visibility: ["DECISION_VISIBILITY_CONTENT_DISABLED"],
      decision_ground: "DECISION_GROUND_INCOMPATIBLE_CONTENT",
      decision_ground_reference_url: "https://forum.example/terms#cheats",
      incompatible_content_ground: "Cheats and exploits (policy cheats)",
      category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
      category_specification: ["KEYWORD_OTHER"],
      category_specification_other: "Game cheats",
      content_type: ["CONTENT_TYPE_TEXT"],
      territorial_scope: ["DE", "FR"],
      application_date: "2026-08-03",
      content_date: "2026-08-03",
      source_type: "SOURCE_VOLUNTARY",
      automated_detection: "Yes",
      automated_decision: "AUTOMATED_DECISION_FULLY",
    });
    expect(s.incompatible_content_explanation).toContain("(rule CH2)");
    expect(s).not.toHaveProperty("illegal_content_legal_ground");
    expect(validateStatement(s as unknown as Record<string, unknown>)).toEqual({});
  });

  it("a BANNER is labelled content", () => {
    const s = statementOf(decisionFor("p2", "BANNER", "escalation", { verdicts: [verdict("self-harm", "violate", { onViolate: "banner" })] }));
    expect(s.decision_visibility).toEqual(["DECISION_VISIBILITY_CONTENT_LABELLED"]);
    expect(s.category).toBe("STATEMENT_CATEGORY_SELF_HARM");
    expect(s).not.toHaveProperty("category_specification");
  });

  it("an illegal-content ground carries the legal ground and the explanation in the illegal fields", () => {
    const illegal = new Map(policies);
    illegal.set("cheats", {
      ...policies.get("cheats")!,
      dsa: { ...cheatsDsa, ground: "illegal", legalGround: "§ 263 StGB", explanation: "Selling cheats is fraud." },
    });
    const r = statementFor(decided(decisionFor("p3", "HIDE", "primary")), { ...ctx, policies: illegal });
    if (!("statement" in r)) throw new Error("no statement");
    expect(r.statement).toMatchObject({
      decision_ground: "DECISION_GROUND_ILLEGAL_CONTENT",
      illegal_content_legal_ground: "§ 263 StGB",
      illegal_content_explanation: "Selling cheats is fraud.",
    });
    expect(r.statement).not.toHaveProperty("incompatible_content_ground");
    expect(validateStatement(r.statement as unknown as Record<string, unknown>)).toEqual({});
  });

  it("a moderator's confirmation is PARTIALLY automated; a moderator's own decision NOT_AUTOMATED", () => {
    const ticket = ticketFor("p4", { verdicts: [verdict("cheats", "violate", { escalate: true, confidence: 0.55 })] });
    const confirmed = { ...decisionFor("p4", "HIDE", "human", { requestId: "t:confirm" }), ticketId: ticket.ticketId };
    expect(statementOf(confirmed, ticket).automated_decision).toBe("AUTOMATED_DECISION_PARTIALLY");
    expect(statementOf(confirmed, ticket).decision_facts).toContain("confirmed");

    // The model read allow; the moderator decided violate.
    const unsure = ticketFor("p5", { verdicts: [verdict("cheats", "allow", { escalate: true })] });
    const own = { ...decisionFor("p5", "HIDE", "human", { requestId: "t:overturn" }), ticketId: unsure.ticketId };
    expect(statementOf(own, unsure).automated_decision).toBe("AUTOMATED_DECISION_NOT_AUTOMATED");
    // Without the ticket, no claim of automation.
    expect(statementOf(own, null).automated_decision).toBe("AUTOMATED_DECISION_NOT_AUTOMATED");
  });

  it("ALLOW and REVIEW restrict nothing; replay decisions are never exported; an unmapped policy is named", () => {
    expect(statementFor(decisionFor("a", "ALLOW", "primary"), ctx)).toEqual({ skipped: { reason: "not-a-restriction" } });
    expect(statementFor(decisionFor("r", "REVIEW", "primary"), ctx)).toEqual({ skipped: { reason: "not-a-restriction" } });
    expect(statementFor(decisionFor("x", "HIDE", "replay"), ctx)).toEqual({ skipped: { reason: "replay" } });
    expect(statementFor({ ...decisionFor("y", "HIDE", "primary"), replayId: "shadow-1" }, ctx)).toEqual({ skipped: { reason: "replay" } });
    expect(statementFor(decisionFor("s", "HIDE", "primary", { verdicts: [verdict("spam", "violate")] }), ctx)).toEqual({
      skipped: { reason: "unmapped", policyId: "spam" },
    });
  });

  it("never carries the model's rationale, the post's text or its author", () => {
    const rationale = "RATIONALE-MARKER the model thinks the user sells an aimbot";
    const d = decisionFor("p6", "HIDE", "escalation", { verdicts: [verdict("cheats", "violate", { rationale })] });
    const ticket = ticketFor("p6", { text: "POST-TEXT-MARKER", reasoning: "REASONING-MARKER" });
    const text = JSON.stringify(statementOf({ ...d, ticketId: ticket.ticketId, stage: "human" }, ticket)) + JSON.stringify(statementOf(d));
    expect(text).not.toMatch(/MARKER|author-p6/);
  });

  it("keeps facts and explanations within the API's limits", () => {
    const long = new Map(policies);
    long.set("cheats", { id: "cheats", title: "T".repeat(600), dsa: { ...cheatsDsa, explanation: "E".repeat(2000) } });
    const r = statementFor(
      decided(decisionFor("p7", "HIDE", "primary", { verdicts: [verdict("cheats", "violate", { ruleIds: Array.from({ length: 900 }, (_, i) => `R${i}`) })] })),
      {
        ...ctx,
        policies: long,
      },
    );
    if (!("statement" in r)) throw new Error("no statement");
    expect([...r.statement.incompatible_content_ground!].length).toBeLessThanOrEqual(500);
    expect([...r.statement.decision_facts].length).toBeLessThanOrEqual(5000);
    expect(validateStatement(r.statement as unknown as Record<string, unknown>)).toEqual({});
  });
});

describe("puidOf", () => {
  it("keeps only the API's characters, within 500, and tells apart ids that differ only in the rest", () => {
    const a = puidOf("primary:set-1:post/1:abc");
    const b = puidOf("primary:set-1:post:1:abc");
    expect(a).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(puidOf("primary:set-1:post/1:abc")).toBe(a);
    const huge = puidOf(`human:${"ü".repeat(2000)}`);
    expect(huge.length).toBeLessThanOrEqual(500);
    expect(huge).toMatch(/^[a-zA-Z0-9_-]+$/);
  });
});

describe("exportStatements", () => {
  it("one statement per restriction and decision id, counted by why the rest have none; batches of at most 100", () => {
    const hides = Array.from({ length: 205 }, (_, i) => decisionFor(`h${i}`, "HIDE", "primary"));
    const out = exportStatements(
      {
        decisions: [...hides, hides[0]!, decisionFor("a", "ALLOW", "primary"), decisionFor("s", "HIDE", "primary", { verdicts: [verdict("spam", "violate")] })],
        tickets: [],
        appeals: [],
      },
      policies,
      scope,
    );
    expect(out.counts).toEqual({ decisions: 207, statements: 205, skipped: { "not-a-restriction": 1, replay: 0, "no-violation": 0, unmapped: 1 } });
    expect(out.unmapped).toEqual({ spam: 1 });
    expect(new Set(out.statements.map((s) => s.puid)).size).toBe(205);
    expect(batches(out.statements).map((b) => b.statements.length)).toEqual([100, 100, 5]);
  });
});
