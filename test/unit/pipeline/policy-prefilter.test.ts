import path from "node:path";
import { PolicyPrefilter } from "@arbiter/shared/pipeline/policy-prefilter.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { PolicySet } from "@arbiter/shared/policy/policy-set.js";
import { repoRoot } from "../../support/env.js";

const dir = path.join(repoRoot, "test/fixtures/policies");

test("routing: a hit sends its policy to the model; posts with no hit share one routing per forum", async () => {
  const set = await loadPolicySet(dir);
  const prefilter = new PolicyPrefilter(set, { defaultEffort: "medium" });
  const hit = prefilter.match("selling an aimbot, dm me", "gaming");
  expect([...hit.toModel]).toEqual(["test-cheats"]);
  expect(hit.policies.map((p) => p.id).sort()).toEqual(["test-cheats", "test-spam"]);
  const a = prefilter.match("good game everyone", "gaming");
  const b = prefilter.match("see you tomorrow", "gaming");
  expect(a.toModel.size).toBe(0);
  expect(a.policies).toBe(b.policies);
  expect(a.policies.map((p) => p.id)).toEqual(hit.policies.map((p) => p.id));
  // A later hit in the same forum is not given the shared no-hit routing.
  expect([...prefilter.match("free wallhack here", "gaming").toModel]).toEqual(["test-cheats"]);
});

test("after a policy-set update the routing names the new set's policies only", async () => {
  const set = await loadPolicySet(dir);
  const prefilter = new PolicyPrefilter(set, { defaultEffort: "medium" });
  expect(prefilter.match("good game", "gaming").policies).toHaveLength(2);
  const cheatsOnly = new PolicySet(set.policies.filter((p) => p.id === "test-cheats"));
  expect(prefilter.update(cheatsOnly)).toBe(true);
  const after = prefilter.match("good game", "gaming");
  expect(after.policySetVersion).toBe(cheatsOnly.version);
  expect(after.policies.map((p) => p.id)).toEqual(["test-cheats"]);
});

test("a policy that names no reasoning_effort runs at the engine's defaultEffort; one that names it keeps its own", async () => {
  const set = await loadPolicySet(dir);
  const cheats = set.get("test-cheats")!;
  expect(cheats.reasoningEffort).toBe("low");
  const unnamed = { ...cheats, id: "unnamed", reasoningEffort: null };
  const prefilter = new PolicyPrefilter(new PolicySet([cheats, unnamed]), { defaultEffort: "high" });
  const efforts = Object.fromEntries(prefilter.policiesFor("gaming").map((p) => [p.id, p.reasoningEffort]));
  expect(efforts).toEqual({ "test-cheats": "low", unnamed: "high" });
  const other = new PolicyPrefilter(new PolicySet([unnamed]), { defaultEffort: "medium" });
  expect(other.policiesFor("gaming")[0]!.reasoningEffort).toBe("medium");
  // A new set after an update gets the default too.
  prefilter.update(new PolicySet([unnamed]));
  expect(prefilter.policiesFor("gaming")[0]!.reasoningEffort).toBe("high");
});
