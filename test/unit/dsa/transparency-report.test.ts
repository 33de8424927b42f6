import type { Appeal, Decision } from "@arbiter/shared/codec/records.js";
import { parsePeriod, renderTransparencyHtml, transparencyReport } from "@arbiter/shared/dsa/transparency-report.js";
import { decisionFor, ticketFor, verdict } from "../../support/decisions.js";

const H2 = parsePeriod("2026-H2");
const AUG = Date.UTC(2026, 7, 1);
const at = (d: Decision, ms = AUG): Decision => ({ ...d, decidedAt: ms });
const appeal = (id: string, ms = AUG): Appeal => ({
  appealId: id,
  post: ticketFor("x").post,
  policyIds: [],
  requestedBy: "user:u1",
  note: "",
  requestedAt: ms,
});

describe("parsePeriod", () => {
  it("reads years, halves and quarters in UTC, and names the forms it takes", () => {
    expect(H2).toEqual({ label: "2026-H2", from: Date.UTC(2026, 6, 1), to: Date.UTC(2027, 0, 1) });
    expect(parsePeriod("2026-Q1")).toEqual({ label: "2026-Q1", from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 3, 1) });
    expect(parsePeriod("2026")).toEqual({ label: "2026", from: Date.UTC(2026, 0, 1), to: Date.UTC(2027, 0, 1) });
    expect(() => parsePeriod("2026-H3")).toThrow(/a half \(2026-H1, 2026-H2\)/);
  });
});

describe("transparencyReport", () => {
  // Three tickets a moderator answered: one confirmed, two overturned; one answer whose ticket is gone.
  const t1 = ticketFor("p1", { verdicts: [verdict("cheats", "violate", { escalate: true })] });
  const t2 = ticketFor("p2", { verdicts: [verdict("cheats", "violate", { escalate: true })] });
  const t3 = ticketFor("p3", { verdicts: [verdict("cheats", "allow", { escalate: true })], appealId: "ap1" });
  const human = (postId: string, action: Decision["action"], decision: "violate" | "allow", ticketId: string): Decision => ({
    ...at(decisionFor(postId, action, "human", { verdicts: [verdict("cheats", decision, { source: "human" })], requestId: ticketId })),
    ticketId,
  });
  const decisions: Decision[] = [
    at(decisionFor("m1", "HIDE", "primary")),
    at(decisionFor("m2", "HIDE", "primary")),
    at(decisionFor("m3", "ALLOW", "primary")),
    at(decisionFor("m4", "HIDE", "primary"), Date.UTC(2026, 5, 30)), // June: outside H2
    at(decisionFor("m5", "HIDE", "replay")), // never counts
    human("p1", "HIDE", "violate", t1.ticketId), // confirmed
    human("p2", "ALLOW", "allow", t2.ticketId), // overturned
    human("p3", "HIDE", "violate", t3.ticketId), // overturned (the model read allow), answers appeal ap1: upheld
    human("p9", "HIDE", "violate", "gone:ticket"), // its ticket no longer kept
    { ...at(decisionFor("q1", "ALLOW", "appeal", { requestId: "ap2" })), appealId: "ap2" }, // appeal ap2 reversed
  ];
  const report = transparencyReport(
    { decisions: [...decisions, decisions[0]!], tickets: [t1, t2, t3], appeals: [appeal("ap1"), appeal("ap2"), appeal("ap3")] },
    H2,
  );

  it("counts the period's decisions by policy, action and automation, once each, without replays", () => {
    expect(report.decisions).toBe(8);
    expect(report.counts).toEqual([
      { policyId: "(none)", action: "ALLOW", automation: "AUTOMATED_DECISION_FULLY", decisions: 2 },
      { policyId: "(none)", action: "ALLOW", automation: "AUTOMATED_DECISION_NOT_AUTOMATED", decisions: 1 },
      { policyId: "cheats", action: "HIDE", automation: "AUTOMATED_DECISION_FULLY", decisions: 2 },
      { policyId: "cheats", action: "HIDE", automation: "AUTOMATED_DECISION_NOT_AUTOMATED", decisions: 2 },
      { policyId: "cheats", action: "HIDE", automation: "AUTOMATED_DECISION_PARTIALLY", decisions: 1 },
    ]);
  });

  it("gives the human overturn rate over the reviewed findings, and says which answers were left out", () => {
    expect(report.humanOverturnRate).toMatchObject({ k: 2, n: 3 });
    expect(report.humanOverturnRate.rate).toBeCloseTo(2 / 3, 10);
    expect(report.humanWithoutTicket).toBe(1);
  });

  it("follows each appeal to its last answer", () => {
    expect(report.appeals).toEqual({ received: 3, outcomes: { upheld: 1, reversed: 1, pending: 1 } });
  });

  it("renders HTML with every value escaped", () => {
    const hostile = transparencyReport(
      { decisions: [at(decisionFor("h", "HIDE", "primary", { verdicts: [verdict("<script>x</script>", "violate")] }))], tickets: [], appeals: [] },
      H2,
    );
    const page = renderTransparencyHtml(hostile).value;
    expect(page).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(page).not.toContain("<script>");
    expect(page).toContain("Moderators overturned 0 of the 0");
  });
});
