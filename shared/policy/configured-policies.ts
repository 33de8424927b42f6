import type { PolicySettings } from "./policy-settings.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { loadPolicySet } from "./load-policy-dir.js";
import { PolicySet } from "./policy-set.js";

/** The policies the config names: the folder `policies.dir`, narrowed to `policies.only` when it lists any. */
export async function loadConfiguredPolicies(settings: PolicySettings): Promise<PolicySet> {
  const set = await loadPolicySet(resolveFromRoot(settings.dir));
  if (settings.only.length === 0) return set;
  const unknown = settings.only.filter((id) => !set.get(id));
  if (unknown.length > 0) throw new Error(`config: policies.only: no policy ${unknown.join(", ")} in ${settings.dir}`);
  return new PolicySet(set.policies.filter((p) => settings.only.includes(p.id)));
}
