import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parsePolicy } from "./parse-policy.js";
import type { Policy } from "./policy.js";
import { PolicyError } from "./policy-error.js";
import { PolicySet } from "./policy-set.js";

/**
 * Reads every `<id>.md` in a directory (not recursive; files starting with `_` or `.` and
 * README.md are skipped). A file whose id differs from its name is an error, so the file a
 * verdict names is the file an author edits.
 */
export async function loadPolicyDir(dir: string): Promise<Policy[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".md") && !n.startsWith("_") && !n.startsWith(".") && n.toLowerCase() !== "readme.md").sort();
  const policies: Policy[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const policy = parsePolicy(await readFile(file, "utf8"), file);
    if (policy.id !== name.slice(0, -3)) throw new PolicyError(file, "id", `"${policy.id}" does not match the file name "${name}"`);
    policies.push(policy);
  }
  return policies;
}

/** {@link loadPolicyDir} as a {@link PolicySet}. */
export async function loadPolicySet(dir: string): Promise<PolicySet> {
  return new PolicySet(await loadPolicyDir(dir));
}
