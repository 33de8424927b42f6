import {
  contextPlanErrors,
  planContext,
  postBudgetTokens,
  roleCallSettings,
  roleCalls,
  type ContextPlanConfig,
  type PromptMeasure,
} from "@arbiter/shared/engine/context-plan.js";
import type { PolicyInput } from "@arbiter/shared/engine/prompt-builder.js";

// A fake measure (named as one): a prompt is 100 tokens per policy plus 10 per effort step, so
// each row's sum can be checked; the real tokenizer's counts are in test/integration/engine/context-plan.test.ts.
const steps = { low: 0, medium: 1, high: 2 } as const;
const fakeMeasure = (contextSize: number): PromptMeasure => ({
  promptTokens: (policies, effort) => 100 * policies.length + 10 * steps[effort],
  reasoningTokens: (effort) => ({ low: 128, medium: 512, high: 2048 })[effort],
  verdictTokens: 384,
  contextSize,
});
const policies: PolicyInput[] = [
  { id: "spam", version: "v", text: "", effort: "low" },
  { id: "hate", version: "v", text: "", effort: "medium" },
  { id: "minors", version: "v", text: "" },
];
const config = (over: Partial<ContextPlanConfig["pipeline"]> = {}): ContextPlanConfig => ({
  pipeline: { effort: null, combinePolicies: false, maxModelChars: 8000, ...over },
  engine: { defaultEffort: "high", multiPolicyMode: "separate", postCharsPerToken: 2.5 },
  escalationEngine: { defaultEffort: "high", multiPolicyMode: "separate", postCharsPerToken: 4 },
});

test("the post budget is the window over the chars-per-token bound, rounded up", () => {
  expect(postBudgetTokens(8000, 2.5)).toBe(3200);
  expect(postBudgetTokens(8001, 2.5)).toBe(3201);
  expect(postBudgetTokens(1500)).toBe(600);
});

test("the primary role plans each policy at its own effort (unset: the engine's default); each row sums its parts", () => {
  const rows = planContext(fakeMeasure(4096), roleCalls(policies, roleCallSettings(config(), "primary")));
  expect(rows.map((r) => [r.policies.join("+"), r.effort])).toEqual([
    ["spam", "low"],
    ["hate", "medium"],
    ["minors", "high"],
  ]);
  expect(rows[0]).toMatchObject({ promptTokens: 100, postTokens: 3200, reasoningTokens: 128, verdictTokens: 384, marginTokens: 64, total: 3876, shortfall: 0 });
  expect(rows[2]).toMatchObject({ total: 120 + 3200 + 2048 + 384 + 64, shortfall: 120 + 3200 + 2048 + 384 + 64 - 4096 });
});

test("the escalation role plans every policy at high, with its own chars-per-token; pipeline.effort overrides both roles", () => {
  const escalation = planContext(fakeMeasure(8192), roleCalls(policies, roleCallSettings(config(), "escalation")));
  expect(escalation.map((r) => r.effort)).toEqual(["high", "high", "high"]);
  expect(escalation[0]!.postTokens).toBe(2000);
  const overridden = planContext(fakeMeasure(8192), roleCalls(policies, roleCallSettings(config({ effort: "low" }), "primary")));
  expect(overridden.map((r) => r.effort)).toEqual(["low", "low", "low"]);
});

test("combined mode adds one call with every policy at the highest effort among them", () => {
  const rows = planContext(fakeMeasure(8192), roleCalls(policies.slice(0, 2), roleCallSettings(config({ combinePolicies: true }), "primary")));
  expect(rows.at(-1)).toMatchObject({ policies: ["spam", "hate"], effort: "medium", promptTokens: 210 });
});

test("an error names the policy, the effort, every part and the shortfall; a fitting row names nothing", () => {
  const rows = planContext(fakeMeasure(4096), roleCalls(policies, roleCallSettings(config(), "primary")));
  expect(contextPlanErrors(rows, "engine")).toEqual([
    "engine: policy hate at effort medium needs 4270 tokens (prompt 110 + post 3200 + reasoning 512 + verdict 384 + margin 64) but the context holds 4096: short by 174",
    "engine: policy minors at effort high needs 5816 tokens (prompt 120 + post 3200 + reasoning 2048 + verdict 384 + margin 64) but the context holds 4096: short by 1720",
  ]);
});
