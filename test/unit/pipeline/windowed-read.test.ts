import type { ModelVerdict, PipelinePolicy } from "@arbiter/shared/pipeline/ports.js";
import { decide } from "@arbiter/shared/pipeline/decide.js";
import { readInWindows, windowsFor, type ReadWindow } from "@arbiter/shared/pipeline/windowed-read.js";
import type { VerdictOutcome } from "@arbiter/shared/pipeline/verdict-outcome.js";

const policy = (id: string): PipelinePolicy => ({
  id,
  version: `${id}-v1`,
  body: "",
  reasoningEffort: "low",
  escalationThreshold: 0.5,
  escalateRuleIds: new Set(),
  ruleIds: ["R1"],
  onViolate: "hide",
  page: false,
});
const spam = policy("spam");
const cheats = policy("cheats");
const settings = { maxModelChars: 1000, maxWindows: 4 };

/**
 * A stand-in model (named as one: no model here reliably recognises a violation): a policy is
 * violated when the window holds its marker word. Records the windows it was shown.
 */
function markerModel(markers: Record<string, string>, failFor: string[] = []) {
  const seen: { text: string; policies: string[] }[] = [];
  const read: ReadWindow = async (text, policies) => {
    seen.push({ text, policies: policies.map((p) => p.id) });
    return policies.map((p): VerdictOutcome => {
      if (failFor.includes(p.id)) return { kind: "failure", policyId: p.id, errorClass: "EngineTimeoutError", message: "slow", attempts: 2 };
      const violate = text.includes(markers[p.id]!);
      const verdict: ModelVerdict = {
        policyId: p.id,
        policyVersion: p.version,
        decision: violate ? "violate" : "allow",
        ruleIds: violate ? ["R1"] : [],
        rationale: "",
        // Less sure of windows that start later: the least sure allow stands for the policy.
        confidence: violate ? 0.95 : 0.99 - seen.length / 100,
        reasoning: "",
        promptTokens: text.length,
        generatedTokens: 10,
        latencyMs: 5,
      };
      return { kind: "model", policyId: p.id, verdict };
    });
  };
  return { read, seen };
}

const filler = (n: number) => "The weather was fine and the match went on. ".repeat(Math.ceil(n / 45)).slice(0, n);

test("filler past the model's budget followed by a violation: the violation is read, and wins", async () => {
  const text = `${filler(2500)} selling my aimbot, DM me`;
  const model = markerModel({ spam: "free money", cheats: "aimbot" });
  const plan = windowsFor(text, settings);
  const read = await readInWindows(text, [spam, cheats], plan, model.read);
  const cheatsOutcome = read.outcomes.find((o) => o.policyId === "cheats");
  expect(cheatsOutcome).toMatchObject({ kind: "model", verdict: { decision: "violate" } });
  expect(read.truncated).toBe(false);
  expect(read.windowsRead).toBe(plan.windows.length);
  for (const window of model.seen) expect(window.text.length).toBeLessThanOrEqual(settings.maxModelChars);
  const decision = decide({
    post: { id: "p", forumId: "f", authorId: "a", text, language: null, createdAt: 1, metadata: {} },
    policies: [spam, cheats],
    outcomes: read.outcomes,
    stage: "primary",
    policySetVersion: "s",
    modelId: "m",
    effort: "low",
    latencyMs: 1,
    truncated: read.truncated,
    windowsRead: read.windowsRead,
    now: 1,
  }).decision;
  expect(decision).toMatchObject({ action: "HIDE", windowsRead: plan.windows.length, truncated: false });
});

test("far more filler than maxWindows can read: the prefilter's hit is read first and wins; without a hit, no ALLOW", async () => {
  const text = `${filler(40_000)} selling my aimbot, DM me`;
  const at = text.indexOf("aimbot");
  const withHit = markerModel({ cheats: "aimbot" });
  const read = await readInWindows(text, [cheats], windowsFor(text, settings, [{ start: at, end: at + 6 }]), withHit.read);
  expect(read.outcomes[0]).toMatchObject({ kind: "model", verdict: { decision: "violate" } });
  expect(read.windowsRead).toBe(1);
  const noHit = markerModel({ cheats: "aimbot" });
  const blind = await readInWindows(text, [cheats], windowsFor(text, settings), noHit.read);
  expect(blind).toMatchObject({ windowsRead: settings.maxWindows, truncated: true });
  expect(blind.outcomes[0]).toMatchObject({ kind: "model", verdict: { decision: "allow" } });
});

test("the window around the prefilter's hit is read first, and a violated policy is asked no more", async () => {
  const text = `${filler(1500)} aimbot for sale ${filler(1500)}`;
  const at = text.indexOf("aimbot");
  const model = markerModel({ spam: "free money", cheats: "aimbot" });
  const read = await readInWindows(text, [spam, cheats], windowsFor(text, settings, [{ start: at, end: at + 6 }]), model.read);
  expect(model.seen[0]!.text).toContain("aimbot");
  expect(model.seen[0]!.policies).toEqual(["spam", "cheats"]);
  expect(model.seen.slice(1).every((w) => w.policies.join() === "spam")).toBe(true);
  expect(read.outcomes.find((o) => o.policyId === "cheats")).toMatchObject({ kind: "model", verdict: { decision: "violate" } });
  // Every window was read for spam, which allowed them all.
  expect(read.truncated).toBe(false);
});

test("a policy that allows every window gets its least sure allow, carrying the cost of every window", async () => {
  const text = filler(2500);
  const model = markerModel({ spam: "free money" });
  const read = await readInWindows(text, [spam], windowsFor(text, settings), model.read);
  const outcome = read.outcomes[0]!;
  if (outcome.kind !== "model") throw new Error(`expected a model outcome, got ${outcome.kind}`);
  expect(read.windowsRead).toBe(3);
  expect(outcome.verdict.confidence).toBeCloseTo(0.96);
  expect(outcome.verdict.generatedTokens).toBe(30);
  expect(outcome.verdict.promptTokens).toBe(model.seen.reduce((n, w) => n + w.text.length, 0));
});

test("a post past maxWindows with no violation in the windows read is truncated, and its decision is REVIEW", async () => {
  const text = filler(20_000);
  const model = markerModel({ spam: "free money" });
  const plan = windowsFor(text, settings);
  expect(plan.complete).toBe(false);
  const read = await readInWindows(text, [spam], plan, model.read);
  expect(read).toMatchObject({ windowsRead: 4, truncated: true });
  const { decision } = decide({
    post: { id: "p", forumId: "f", authorId: "a", text, language: null, createdAt: 1, metadata: {} },
    policies: [spam],
    outcomes: read.outcomes,
    stage: "primary",
    policySetVersion: "s",
    modelId: "m",
    effort: "low",
    latencyMs: 1,
    truncated: read.truncated,
    windowsRead: read.windowsRead,
    now: 1,
  });
  expect(decision).toMatchObject({ action: "REVIEW", truncated: true, windowsRead: 4 });
});

test("a failure ends a policy's reading with the failure", async () => {
  const text = filler(2500);
  const model = markerModel({ spam: "free money" }, ["spam"]);
  const read = await readInWindows(text, [spam], windowsFor(text, settings), model.read);
  expect(read.outcomes).toEqual([{ kind: "failure", policyId: "spam", errorClass: "EngineTimeoutError", message: "slow", attempts: 2 }]);
  expect(read.windowsRead).toBe(1);
});

test("a post within the budget is one call on the whole text", async () => {
  const model = markerModel({ spam: "free money" });
  const read = await readInWindows("free money here", [spam], windowsFor("free money here", settings), model.read);
  expect(model.seen.map((w) => w.text)).toEqual(["free money here"]);
  expect(read).toMatchObject({ windowsRead: 1, truncated: false });
});
