import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadPolicySet } from "../policy/load-policy-dir.js";
import { parsePolicy } from "../policy/parse-policy.js";
import type { Policy } from "../policy/policy.js";
import { UsageError } from "../errors/usage-error.js";

/** A policy named on the command line, as the report names it, and the policy it resolved to. */
export interface PolicyTarget {
  name: string;
  policy: Policy;
}

/**
 * Resolves `ID` (a policy of the policies folder), `ID@FILE` (a policy file, e.g. a draft of
 * that policy; its id must be ID) or `FILE` (a path ending in `.md`).
 */
export async function resolvePolicyRef(ref: string, policiesDir: string): Promise<PolicyTarget> {
  const at = ref.indexOf("@");
  const file = at >= 0 ? ref.slice(at + 1) : /\.md$/i.test(ref) ? ref : null;
  if (file === null) {
    const set = await loadPolicySet(policiesDir);
    const policy = set.get(ref);
    if (!policy) throw new UsageError(`--policy ${ref}: no policy "${ref}" in ${policiesDir} (there: ${set.policies.map((p) => p.id).join(", ") || "none"})`);
    return { name: ref, policy };
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`--policy ${ref}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const policy = parsePolicy(text, path.resolve(file));
  const id = at >= 0 ? ref.slice(0, at) : null;
  if (id !== null && policy.id !== id) throw new UsageError(`--policy ${ref}: ${file} is policy "${policy.id}", not "${id}"`);
  return { name: ref, policy };
}
