import type { ArbiterConfig } from "../config/arbiter-config.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { openPolicyRegistry, resolveClassifyPolicy } from "../cli/policy-commands.js";
import { resolvePolicyRef } from "../eval/policy-ref.js";
import { loadPolicySet } from "../policy/load-policy-dir.js";
import { PolicySet } from "../policy/policy-set.js";
import type { Policy } from "../policy/policy.js";
import { parseStored } from "../policy-registry/policy-registry.js";

/** The policies a replay or shadow run decides under, and the candidate version among them. */
export interface CandidatePolicies {
  set: PolicySet;
  candidate: Policy;
  /** Where the policies beside the candidate came from. */
  inForceFrom: "registry" | "folder";
}

/** `ID@FILE`: a draft file of policy ID (a path after the @), as `arbiter eval` takes it. */
const draftOfId = (ref: string) => /^[^@/\\]+@.*(\.md$|[/\\])/i.test(ref);

/**
 * The policy set in force with the candidate named by `ref` in place of its policy (or added, for
 * a new id). `ref`: `ID` (the registry's current version, or the folder's with the registry off),
 * `ID@VERSION` (a version the registry keeps, or a unique prefix of one), `FILE.md`, or `ID@FILE`
 * (a draft); a bare `ID` while the registry is empty (no worker has seeded it) is the folder's. The set in force is the registry's current versions (what the workers run), else,
 * with the registry off or empty, `policies.dir`; both narrowed to `policies.only`.
 */
export async function candidatePolicies(ref: string, config: Pick<ArbiterConfig, "policies" | "redis">): Promise<CandidatePolicies> {
  const dir = resolveFromRoot(config.policies.dir);
  let inForce: readonly Policy[] = [];
  let inForceFrom: CandidatePolicies["inForceFrom"] = "folder";
  if (config.policies.registry.enabled) {
    const { registry, close } = await openPolicyRegistry(config as ArbiterConfig);
    try {
      inForce = (await registry.currentPolicies()).map(parseStored);
      if (inForce.length > 0) inForceFrom = "registry";
    } finally {
      close();
    }
  }
  const bareId = !ref.includes("@") && !/\.md$/i.test(ref) && !/[/\\]/.test(ref);
  const candidate = draftOfId(ref)
    ? (await resolvePolicyRef(ref, dir)).policy
    : // A bare ID the registry does not hold yet (no worker has seeded it): the folder's.
      bareId && inForceFrom === "folder"
      ? (await resolvePolicyRef(ref, dir)).policy
      : (await resolveClassifyPolicy(ref, config as ArbiterConfig, "--policy")).policy;
  if (inForce.length === 0) inForce = (await loadPolicySet(dir)).policies;
  const only = config.policies.only;
  const kept = inForce.filter((p) => p.id !== candidate.id && (only.length === 0 || only.includes(p.id)));
  return { set: new PolicySet([...kept, candidate]), candidate, inForceFrom };
}
