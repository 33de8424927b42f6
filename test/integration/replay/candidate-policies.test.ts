import { readFileSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { parsePolicy } from "@arbiter/shared/policy/parse-policy.js";
import { PolicyRegistry, registryPrefix } from "@arbiter/shared/policy-registry/policy-registry.js";
import { candidatePolicies } from "@arbiter/shared/replay/candidate-policies.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { redisUrl, repoRoot } from "../../support/env.js";
import { testNamespace } from "../../support/namespace.js";
import { testConfig } from "../../support/worker.js";

// Replay and shadow take their candidate and the set in force from the Redis registry (real Redis).
const ns = testNamespace("candidate-policies");
const config = testConfig(ns, { redis: { url: redisUrl, keyPrefix: ns.redisPrefix }, policies: { dir: "config/policies" } });
const redis = new Redis(redisUrl);
const registry = new PolicyRegistry(redis, registryPrefix(ns.redisPrefix));
afterAll(() => redis.disconnect());

const read = (id: string) => readFileSync(path.join(repoRoot, "config/policies", `${id}.md`), "utf8");
const stored = (text: string) => {
  const p = parsePolicy(text, "test.md");
  return { id: p.id, version: p.version, text };
};

test("an empty registry: a bare ID and the set in force come from policies.dir", async () => {
  const { candidate, set, inForceFrom } = await candidatePolicies("spam", config);
  expect(inForceFrom).toBe("folder");
  expect(candidate.version).toBe(parsePolicy(read("spam"), "spam.md").version);
  expect(set.policies.length).toBeGreaterThan(5);
});

test("ID@VERSION is the registry's kept version; the others in force are the registry's current ones", async () => {
  const v1 = stored(read("spam"));
  const v2 = stored(read("spam").replace("escalation_threshold: 0.6", "escalation_threshold: 0.7"));
  const hate = stored(read("hate"));
  await registry.seed([v1, hate]);
  await registry.makeCurrent(v2, "push");

  const old = await candidatePolicies(`spam@${v1.version.slice(0, 6)}`, config);
  expect(old.inForceFrom).toBe("registry");
  expect(old.candidate.version).toBe(v1.version);
  expect(old.set.policies.map((p) => `${p.id}@${p.version}`).sort()).toEqual([`hate@${hate.version}`, `spam@${v1.version}`]);

  const current = await candidatePolicies("spam", config);
  expect(current.candidate.version).toBe(v2.version);

  await expect(candidatePolicies("spam@ffffffff", config)).rejects.toThrow(UsageError);
});

test("a bare ID the registry does not hold (a new policy) is the folder's, beside the registry's current ones; ID@FILE still works, with a warning", async () => {
  await registry.seed([stored(read("hate"))]);
  const added = await candidatePolicies("violence", config);
  expect(added.inForceFrom).toBe("registry");
  expect(added.candidate.version).toBe(parsePolicy(read("violence"), "violence.md").version);
  expect(added.set.policies.map((p) => p.id)).toEqual(expect.arrayContaining(["hate", "violence"]));
  expect(added.warnings).toEqual([]);

  const draft = await candidatePolicies(`violence@${path.join(repoRoot, "config/policies/violence.md")}`, config);
  expect(draft.candidate.id).toBe("violence");
  expect(draft.warnings).toEqual(["--policy ID@FILE is deprecated: name the file alone; its id comes from its front matter"]);
});
