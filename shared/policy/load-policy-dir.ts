import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parsePolicy } from "./parse-policy.js";
import type { Policy } from "./policy.js";
import { PolicyError } from "./policy-error.js";
import { PolicySet } from "./policy-set.js";

/** A policy file as read: the parsed policy and the text it was parsed from (its version is the text's hash). */
export interface PolicyFile {
  policy: Policy;
  text: string;
}

/**
 * Reads every `<id>.md` in a directory (not recursive; files starting with `_` or `.` and
 * README.md are skipped). A file whose id differs from its name is an error, so the file a
 * verdict names is the file an author edits.
 */
export async function readPolicyDir(dir: string): Promise<PolicyFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".md") && !n.startsWith("_") && !n.startsWith(".") && n.toLowerCase() !== "readme.md").sort();
  const files: PolicyFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const text = await readFile(file, "utf8");
    const policy = parsePolicy(text, file);
    if (policy.id !== name.slice(0, -3)) throw new PolicyError(file, "id", `"${policy.id}" does not match the file name "${name}"`);
    files.push({ policy, text });
  }
  return files;
}

/** {@link readPolicyDir}'s policies. */
export async function loadPolicyDir(dir: string): Promise<Policy[]> {
  return (await readPolicyDir(dir)).map((f) => f.policy);
}

/** {@link loadPolicyDir} as a {@link PolicySet}. */
export async function loadPolicySet(dir: string): Promise<PolicySet> {
  return new PolicySet(await loadPolicyDir(dir));
}
