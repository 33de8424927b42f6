import type { ArbiterConfig } from "../config/arbiter-config.js";
import { resolveFromRoot } from "../config/load-config.js";
import { resolvePolicyRef } from "../eval/policy-ref.js";
import { loadPolicySet } from "../policy/load-policy-dir.js";
import { PolicySet } from "../policy/policy-set.js";
import type { Policy } from "../policy/policy.js";

/** The policies a replay or shadow run decides under, and the candidate version among them. */
export interface CandidatePolicies {
  set: PolicySet;
  candidate: Policy;
}

/**
 * The policy set in force (`policies.dir`, `policies.only`) with the candidate named by `ref` in
 * place of its policy (or added, for a new id): `ID`, `ID@FILE` or `FILE.md`, as `arbiter eval`
 * takes them. The one place a policy version is looked up: the Redis registry's `ID@V` plugs in here.
 */
export async function candidatePolicies(ref: string, config: Pick<ArbiterConfig, "policies">): Promise<CandidatePolicies> {
  const dir = resolveFromRoot(config.policies.dir);
  const { policy: candidate } = await resolvePolicyRef(ref, dir);
  const inForce = await loadPolicySet(dir);
  const only = config.policies.only;
  const kept = inForce.policies.filter((p) => p.id !== candidate.id && (only.length === 0 || only.includes(p.id)));
  return { set: new PolicySet([...kept, candidate]), candidate };
}
