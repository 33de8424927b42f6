import type { PolicySettings } from "../policy/policy-settings.js";
import type { RedisSettings } from "../redis/redis-settings.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { readPolicyDir } from "../policy/load-policy-dir.js";
import type { PolicySet } from "../policy/policy-set.js";
import { onlyPolicies } from "./live-policies.js";
import { openPolicyRegistry } from "./open-policy-registry.js";
import { parseStored } from "./policy-registry.js";

/** The policy set the workers run, and where it was read. */
export interface PoliciesInForce {
  set: PolicySet;
  /** `registry`: the registry's current versions; `folder`: `policies.dir` (the registry off, or empty until a worker seeds it). */
  source: "registry" | "folder";
  /** Where, in words: the registry's key prefix or the folder's path. */
  where: string;
}

/**
 * The policies in force as a command that runs no pipeline reads them (`doctor`, `shadow report`):
 * with the registry on, its current versions (what the workers run, after any `policy push`),
 * else `policies.dir`; narrowed to `policies.only`. Unlike a worker it neither seeds the registry
 * nor writes the snapshot. Redis down with the registry on: a ServiceUnreachableError.
 */
export async function policiesInForce(config: { policies: PolicySettings; redis: RedisSettings }): Promise<PoliciesInForce> {
  const dir = resolveFromRoot(config.policies.dir);
  if (config.policies.registry.enabled) {
    const { registry, close } = await openPolicyRegistry(config);
    try {
      const current = await registry.currentPolicies();
      if (current.length > 0) {
        const where = `the registry (${registry.prefix})`;
        return { set: onlyPolicies(current.map(parseStored), config.policies.only, where), source: "registry", where };
      }
    } finally {
      close();
    }
  }
  return {
    set: onlyPolicies(
      (await readPolicyDir(dir)).map((f) => f.policy),
      config.policies.only,
      dir,
    ),
    source: "folder",
    where: dir,
  };
}
