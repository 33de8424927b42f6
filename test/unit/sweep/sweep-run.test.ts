import path from "node:path";
import type { Decision, Post, Ticket } from "@arbiter/shared/codec/records.js";
import { readPolicyDir } from "@arbiter/shared/policy/load-policy-dir.js";
import { PolicySet } from "@arbiter/shared/policy/policy-set.js";
import { decisionsInForce, runSweep, sampleOf, sweepMetrics, type SweepCheckpoint, type SweepOutcome } from "@arbiter/shared/sweep/sweep-run.js";
import { decisionFor, verdict } from "../../support/decisions.js";
import { repoRoot } from "../../support/env.js";
import { AimbotEngine } from "../../support/sweep-engine.js";

class MemoryCheckpoint implements SweepCheckpoint {
  readonly outcomes = new Map<string, SweepOutcome>();
  async load() {
    return new Map(this.outcomes);
  }
  async record(id: string, outcome: SweepOutcome) {
    this.outcomes.set(id, outcome);
  }
}

const post = (id: string, text: string): Post => ({ id, forumId: "games", authorId: "a", text, language: null, createdAt: 1, metadata: {} });
const model = (id: string, decision: "violate" | "allow", at: number): Decision => ({
  ...decisionFor(id, decision === "violate" ? "HIDE" : "ALLOW", "primary", { verdicts: [verdict("test-cheats", decision)] }),
  decidedAt: at,
});

let set: PolicySet;
beforeAll(async () => {
  set = new PolicySet((await readPolicyDir(path.join(repoRoot, "test/fixtures/policies"))).map((f) => f.policy));
});

// p0..p9 name an aimbot; the model allowed p0..p3 (the sweep disagrees), hid p4..p9. q0..q4 are clean and allowed.
const decisions = [
  ...Array.from({ length: 10 }, (_, i) => model(`p${i}`, i < 4 ? "allow" : "violate", 1000 + i)),
  ...Array.from({ length: 5 }, (_, i) => model(`q${i}`, "allow", 2000 + i)),
  // A moderator's decision in force over p3: never swept.
  { ...decisionFor("p3", "ALLOW", "human", { verdicts: [verdict("test-cheats", "allow", { source: "human" })] }), decidedAt: 5000 },
  // A replay's decision never counts as the decision in force.
  { ...model("q0", "violate", 9000), stage: "replay" as const },
];
const posts = new Map(
  [
    ...Array.from({ length: 10 }, (_, i) => post(`p${i}`, `selling an aimbot #${i}`)),
    ...Array.from({ length: 5 }, (_, i) => post(`q${i}`, `good game #${i}`)),
  ].map((p) => [p.id, p]),
);

describe("runSweep", () => {
  it("sweeps the model's decisions in force, never a moderator's, tickets each disagreement once, and resumes after a stop", async () => {
    const checkpoint = new MemoryCheckpoint();
    const tickets: Ticket[] = [];
    const stop = new AbortController();
    const base = { runId: "r1", set, checkpoint, sample: null, maxModelChars: 1500, publishTicket: async (t: Ticket) => void tickets.push(t) };
    // Stopped after the second ticket.
    const first = await runSweep(
      { decisions, posts },
      {
        ...base,
        engine: new AimbotEngine(),
        signal: stop.signal,
        publishTicket: async (t) => {
          tickets.push(t);
          if (tickets.length === 2) stop.abort();
        },
      },
    );
    expect(first.swept).toBeLessThan(14);
    const engine = new AimbotEngine();
    const report = await runSweep({ decisions, posts }, { ...base, engine, signal: new AbortController().signal });
    expect(engine.calls).toBe(14 - first.swept);
    expect(report).toMatchObject({ candidates: 14, selected: 14, swept: 14, tickets: 3, skipped: { human: 1, noPost: 0, failed: 0 } });
    expect(tickets.map((t) => t.post.id).sort()).toEqual(["p0", "p1", "p2"]);
    expect(tickets[0]).toMatchObject({
      ticketId: expect.stringMatching(/^sweep:/),
      reason: "sweep: test-cheats: in force allow, sweep violate",
      stage: "escalation",
    });
    expect(report.policies).toEqual([{ policyId: "test-cheats", agreement: expect.objectContaining({ k: 11, n: 14 }) }]);
    expect(sweepMetrics(report)).toContain(`arbiter_sweep_agreement_rate{policy="test-cheats"} ${11 / 14}`);
  });

  it("a sample is the same for the same run id", () => {
    const inForce = decisionsInForce(decisions);
    expect(inForce.find((d) => d.postId === "p3")?.stage).toBe("human");
    const a = sampleOf(inForce, 5, "2026-12-07").map((d) => d.decisionId);
    expect(a).toHaveLength(5);
    expect(sampleOf(inForce, 5, "2026-12-07").map((d) => d.decisionId)).toEqual(a);
    expect(sampleOf(inForce, 5, "2026-12-08").map((d) => d.decisionId)).not.toEqual(a);
  });
});
