// The context plan of every shipped profile against the shipped pack, counted by gpt-oss-20b's
// own tokenizer (o200k_harmony: scripts/make-harmony-model.py --shape gpt-oss-20b --vocab-only;
// the 120b has the same one). Every profile holds every policy at every effort its role runs.
import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import {
  assertContextPlan,
  contextPlanErrors,
  planContext,
  policyInputOf,
  roleCallSettings,
  roleCalls,
  type PromptMeasure,
} from "@arbiter/shared/engine/context-plan.js";
import { ContextPlanError } from "@arbiter/shared/engine/errors/context-plan-error.js";
import { loadContextMeasure } from "@arbiter/shared/engine/token-count.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { modelPath, repoRoot, testModels } from "../../support/env.js";

jest.setTimeout(120_000);
const scratch = mkdtempSync(path.join(tmpdir(), "arbiter-plan-"));
// One tokenizer for every profile (loading o200k_harmony's 200k merges takes seconds); each profile's own budgets and context.
let tokenizer: (PromptMeasure & { dispose(): Promise<void> }) | undefined;
afterAll(async () => {
  await tokenizer?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

function fromFile(name: string, text: string): ArbiterConfig {
  const file = path.join(scratch, `${name.replace(/[^\w.-]+/g, "_")}.yaml`);
  writeFileSync(file, text);
  return loadConfig({}, { ARBITER_CONFIG: file });
}

const configMap = parseAllDocuments(readFileSync(path.join(repoRoot, "deploy/k8s/configmap.yaml"), "utf8"))
  .map((d) => d.toJS() as { kind: string; data: Record<string, string> })
  .find((o) => o.kind === "ConfigMap")!;
type Role = "primary" | "escalation";
const BOTH: Role[] = ["primary", "escalation"];
// Each GPU.md profile is for the role whose section it sets (`engine`: primary, `escalationEngine`: escalation).
const gpuProfiles = [...readFileSync(path.join(repoRoot, "deploy/GPU.md"), "utf8").matchAll(/^```yaml arbiter-config[^\n]*\n([\s\S]*?)^```$/gm)].map(
  (m, i) => ({
    name: `deploy/GPU.md profile ${i + 1}`,
    config: fromFile(`GPU.md#${i + 1}`, m[1]!),
    roles: BOTH.filter((role) => new RegExp(`^${role === "primary" ? "engine" : "escalationEngine"}:`, "m").test(m[1]!)),
  }),
);
const profiles: Array<{ name: string; config: ArbiterConfig; roles: Role[] }> = [
  { name: "default", config: loadConfig({}, {}), roles: BOTH },
  { name: "deploy/k8s/configmap.yaml", config: fromFile("configmap", configMap.data["arbiter.yaml"]!), roles: BOTH },
  {
    name: "deploy/container/arbiter.yaml",
    config: fromFile("container", readFileSync(path.join(repoRoot, "deploy/container/arbiter.yaml"), "utf8")),
    roles: BOTH,
  },
  ...gpuProfiles,
];

async function measureFor(config: ArbiterConfig, role: Role): Promise<PromptMeasure> {
  const section = role === "primary" ? config.engine : config.escalationEngine;
  tokenizer ??= await loadContextMeasure({ modelPath: modelPath(testModels.gptOss20bVocab) });
  // The profiles keep the harmony identity and knowledge cutoff of the defaults, so the prompts are the same.
  expect([section.harmonyIdentity, section.knowledgeCutoff, section.currentDate]).toEqual([loadConfig({}, {}).engine.harmonyIdentity, "2024-06", undefined]);
  const base = tokenizer;
  return {
    promptTokens: (policies, effort) => base.promptTokens(policies, effort),
    reasoningTokens: (effort) => section.analysisBudget[effort],
    verdictTokens: section.finalMaxTokens,
    contextSize: section.contextSize,
  };
}

test.each(profiles)(
  "$name: every policy of the shipped pack fits at every effort each role runs it at",
  async ({ config, roles }) => {
    const pack = (await loadPolicySet(path.join(repoRoot, "config/policies"))).policies.map(policyInputOf);
    expect(pack.length).toBe(10);
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      const measure = await measureFor(config, role);
      const errors = contextPlanErrors(planContext(measure, roleCalls(pack, roleCallSettings(config, role))), role);
      expect(errors).toEqual([]);
      const rows = assertContextPlan(measure, pack, config, role);
      // Each policy at its own effort (primary) or at high (escalation); prompts counted, not guessed.
      expect(rows.length).toBe(pack.length);
      for (const row of rows) expect(row.promptTokens).toBeGreaterThan(400);
      if (role === "escalation") expect(new Set(rows.map((r) => r.effort))).toEqual(new Set(["high"]));
      else expect(new Set(rows.map((r) => r.effort))).toEqual(new Set(["low", "medium", "high"]));
    }
  },
  120_000,
);

test("the k8s 20b profile as it was (4,096 tokens) fails, naming each high- and medium-effort policy with its shortfall", async () => {
  const config = loadConfig({ engine: { contextSize: 4096 } }, {});
  const pack = (await loadPolicySet(path.join(repoRoot, "config/policies"))).policies.map(policyInputOf);
  const measure = await measureFor(config, "primary");
  let thrown: unknown;
  try {
    assertContextPlan(measure, pack, config, "primary");
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ContextPlanError);
  const problems = (thrown as ContextPlanError).problems;
  for (const [id, effort] of [
    ["sexual-minors", "high"],
    ["self-harm-encouragement", "high"],
    ["hate", "medium"],
  ] as const)
    expect(problems).toContainEqual(
      expect.stringMatching(new RegExp(`^engine: policy ${id} at effort ${effort} needs (\\d+) tokens .* but the context holds 4096: short by \\d+$`)),
    );
  for (const p of problems) {
    const [, total, short] = /needs (\d+) tokens .* short by (\d+)$/.exec(p)!;
    expect(Number(short)).toBe(Number(total) - 4096);
  }
}, 120_000);
