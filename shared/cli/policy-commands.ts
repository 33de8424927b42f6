import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ArbiterConfig } from "../config/arbiter-config.js";
import { checkPolicy, type PolicyCheck } from "../policy/check-policy.js";
import { policyFieldChanges, unifiedDiff } from "../policy/policy-diff.js";
import { matchVersion, parseStored, type PolicyChange, type PolicyRegistry, type StoredPolicy } from "../policy-registry/policy-registry.js";
import { CliError } from "./errors/cli-error.js";
import { contextPlanErrors, planContext, policyInputOf, roleCallSettings, roleCalls } from "../engine/context-plan.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { UsageError } from "../errors/usage-error.js";

/** A policy file's text; a missing or unreadable file is a usage error (exit 2). */
export async function readPolicyFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** `validate` (and `push`): every check, with the token count when a model is given, and the context plan. */
export async function checkPolicyFile(file: string, config: ArbiterConfig, modelPath: string | null): Promise<PolicyCheck> {
  const check = await checkPolicyText(file, config, modelPath);
  if (check.policy === null || check.errors.length > 0) return check;
  await checkContextPlan(check, config, modelPath);
  return check;
}

/**
 * The policy at every effort each role runs it at fits that role's context, counted by the role's
 * model's tokenizer (`--model` for both, when given). A role whose model file is not here is
 * named in a warning, never passed silently.
 */
async function checkContextPlan(check: PolicyCheck, config: ArbiterConfig, modelPath: string | null): Promise<void> {
  const { loadContextMeasure } = await import("../engine/token-count.js");
  const input = [policyInputOf(check.policy!)];
  for (const role of ["primary", "escalation"] as const) {
    const section = role === "primary" ? config.engine : config.escalationEngine;
    const model = modelPath === null ? resolveFromRoot(section.modelPath) : path.resolve(modelPath);
    let measure;
    try {
      measure = await loadContextMeasure({ ...section, modelPath: model });
    } catch (error) {
      check.warnings.push(`context plan (${role}) not checked: ${(error as Error).message}`);
      continue;
    }
    try {
      check.errors.push(
        ...contextPlanErrors(planContext(measure, roleCalls(input, roleCallSettings(config, role))), role === "primary" ? "engine" : "escalationEngine"),
      );
    } finally {
      await measure.dispose();
    }
  }
}

async function checkPolicyText(file: string, config: ArbiterConfig, modelPath: string | null): Promise<PolicyCheck> {
  const text = await readPolicyFile(file);
  const limits = { maxBodyChars: config.policies.maxBodyChars, maxTokens: config.policies.maxTokens };
  if (modelPath === null) return checkPolicy(text, file, limits);
  const { loadTokenCounter } = await import("../engine/token-count.js");
  let counter;
  try {
    counter = await loadTokenCounter(path.resolve(modelPath));
  } catch (error) {
    throw new UsageError(`--model: ${(error as Error).message}`);
  }
  try {
    return checkPolicy(text, file, limits, (body) => counter.count(body));
  } finally {
    await counter.dispose();
  }
}

/** What `validate` prints: the problems, the warnings and, when it passes, what the file is. */
export function renderCheck(check: PolicyCheck, file: string): string {
  const lines = [...check.errors.map((e) => `error: ${e}`), ...check.warnings.map((w) => `warning: ${w}`)];
  if (check.policy && check.errors.length === 0) {
    const { policy } = check;
    const size = `${check.bodyChars} characters${check.tokens === null ? "" : `, ${check.tokens} tokens`}`;
    lines.push(`${file}: ok: policy ${policy.id}@${policy.version}, ${policy.rules.length} rules (${policy.rules.map((r) => r.id).join(", ")}), body ${size}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The checks failed: the message says exactly why, and that nothing changed. */
export function rejection(check: PolicyCheck, what: string): CliError {
  return new CliError(
    "failure",
    `${what}: ${check.errors.length} problem${check.errors.length === 1 ? "" : "s"}:\n${check.errors.map((e) => `  ${e}`).join("\n")}`,
  );
}

export async function pushPolicy(registry: PolicyRegistry, check: PolicyCheck, text: string): Promise<string> {
  const policy = check.policy!;
  const change = await registry.makeCurrent({ id: policy.id, version: policy.version, text }, "push");
  if (change === null) return `${policy.id}@${policy.version} is current already; nothing changed\n`;
  return `pushed ${policy.id}@${policy.version}${change.previous === null ? " (a new policy)" : ` (was ${change.previous})`}; running workers switch to it within seconds\n`;
}

const when = (at: number) => new Date(at).toISOString().replace(/\.\d+Z$/, "Z");

/** Every policy: its current version, how many are kept, its last change and title. */
export async function listPolicies(registry: PolicyRegistry): Promise<string> {
  const current = await registry.currentPolicies();
  if (current.length === 0) return `the registry (${registry.prefix}) holds no policies; a worker seeds it from policies.dir at its first start\n`;
  const rows = [["ID", "CURRENT", "VERSIONS", "CHANGED", "BY", "TITLE"]];
  for (const stored of current) {
    const [versions, history] = await Promise.all([registry.versions(stored.id), registry.history(stored.id)]);
    const last = history.at(-1);
    rows.push([stored.id, stored.version, String(versions.length), last ? when(last.at) : "-", last?.action ?? "-", parseStored(stored).title]);
  }
  return `${leftAligned(rows)}\n`;
}

/** One policy's moves of its current pointer, newest first. */
export async function policyHistory(registry: PolicyRegistry, id: string): Promise<string> {
  const history = await registry.history(id);
  if (history.length === 0) throw await unknownPolicy(registry, id);
  const current = (await registry.current()).get(id);
  const rows = [["VERSION", "ACTION", "AT", "PREVIOUS", ""]];
  for (const change of [...history].reverse())
    rows.push([
      change.version,
      change.action,
      when(change.at),
      change.previous ?? "-",
      change === history.at(-1) && change.version === current ? "current" : "",
    ]);
  return `${leftAligned(rows)}\n`;
}

/** Columns of ids, versions and times read best left-aligned. */
function leftAligned(rows: readonly (readonly string[])[]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function unknownPolicy(registry: PolicyRegistry, id: string): Promise<UsageError> {
  const ids = [...(await registry.current()).keys()].sort();
  return new UsageError(`no policy "${id}" in the registry (there: ${ids.join(", ") || "none"})`);
}

/** `ID` (the current version) or `ID@VERSION` (a version or a unique prefix of one). */
export async function resolveStored(registry: PolicyRegistry, ref: string): Promise<StoredPolicy> {
  const at = ref.indexOf("@");
  const id = at < 0 ? ref : ref.slice(0, at);
  const versions = await registry.versions(id);
  if (versions.length === 0) throw await unknownPolicy(registry, id);
  if (at < 0) {
    const current = await registry.get(id);
    if (!current) throw new CliError("failure", `policy "${id}" has versions but no current pointer`);
    return current;
  }
  const version = matchVersion(versions, ref.slice(at + 1));
  if (typeof version !== "string") throw new UsageError(`${ref}: ${version.error} of policy "${id}" (kept: ${versions.join(", ")})`);
  return (await registry.get(id, version))!;
}

export async function diffPolicy(registry: PolicyRegistry, id: string, v1: string, v2: string): Promise<string> {
  const a = await resolveStored(registry, `${id}@${v1}`);
  const b = await resolveStored(registry, `${id}@${v2}`);
  if (a.version === b.version) return `${id}@${a.version} and ${id}@${b.version} are the same version\n`;
  const fields = policyFieldChanges(parseStored(a), parseStored(b));
  const text = unifiedDiff(a.text, b.text, { before: `${id}@${a.version}`, after: `${id}@${b.version}` });
  return `${fields.map((f) => `  ${f}`).join("\n")}${fields.length > 0 ? "\n\n" : ""}${text}`;
}

/** Makes an earlier version current again: the one given, else the one current before the current one. */
export async function rollbackPolicy(registry: PolicyRegistry, id: string, version: string | undefined): Promise<string> {
  let target: StoredPolicy;
  if (version !== undefined) target = await resolveStored(registry, `${id}@${version}`);
  else {
    const history: PolicyChange[] = await registry.history(id);
    if (history.length === 0) throw await unknownPolicy(registry, id);
    const before = history.at(-2);
    if (!before) throw new CliError("failure", `policy "${id}" has had one version only (${history[0]!.version}): nothing to roll back to`);
    target = (await registry.get(id, before.version))!;
  }
  const change = await registry.makeCurrent(target, "rollback");
  if (change === null) return `${id}@${target.version} is current already; nothing changed\n`;
  return `rolled ${id} back to ${target.version} (was ${change.previous}); running workers switch to it within seconds\n`;
}
