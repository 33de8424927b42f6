import type { ArbiterConfig } from "../config/arbiter-config.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { loadPolicySet } from "../policy/load-policy-dir.js";
import { PolicySet } from "../policy/policy-set.js";
import type { Policy } from "../policy/policy.js";
import { openPolicyRegistry } from "../policy-registry/open-policy-registry.js";
import { parseStored } from "../policy-registry/policy-registry.js";
import { resolvePolicyRef } from "../policy-registry/resolve-policy-ref.js";

/** The policies a replay or shadow run decides under, and the candidate version among them. */
export interface CandidatePolicies {
  set: PolicySet;
  candidate: Policy;
  /** Where the policies beside the candidate came from. */
  inForceFrom: "registry" | "folder";
  /** What the command prints on stderr (a deprecated form of `ref`). */
  warnings: string[];
}

/**
 * The policy set in force with the candidate named by `ref` in place of its policy (or added, for
 * a new id). `ref` is resolved as every command resolves `--policy` ({@link resolvePolicyRef}):
 * `ID` (the registry's current version, else the folder's), `ID@VERSION` (a version the registry
 * keeps, or a unique prefix of one) or `FILE`. The set in force is the registry's current
 * versions (what the workers run), else, with the registry off or empty, `policies.dir`; both
 * narrowed to `policies.only`.
 */
export async function candidatePolicies(ref: string, config: Pick<ArbiterConfig, "policies" | "redis">): Promise<CandidatePolicies> {
  const dir = resolveFromRoot(config.policies.dir);
  let inForce: readonly Policy[] = [];
  let inForceFrom: CandidatePolicies["inForceFrom"] = "folder";
  const opened = config.policies.registry.enabled ? await openPolicyRegistry(config) : null;
  let resolved;
  try {
    if (opened) {
      inForce = (await opened.registry.currentPolicies()).map(parseStored);
      if (inForce.length > 0) inForceFrom = "registry";
    }
    // The candidate's lookup reads the registry just opened.
    resolved = await resolvePolicyRef(ref, {
      config,
      ...(opened ? { openRegistry: async () => ({ registry: opened.registry, close: () => undefined }) } : {}),
    });
  } finally {
    opened?.close();
  }
  const candidate = resolved.policy;
  if (inForce.length === 0) inForce = (await loadPolicySet(dir)).policies;
  const only = config.policies.only;
  const kept = inForce.filter((p) => p.id !== candidate.id && (only.length === 0 || only.includes(p.id)));
  return { set: new PolicySet([...kept, candidate]), candidate, inForceFrom, warnings: resolved.warnings };
}
