import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoRoot } from "./env.js";

/** A temporary copy of the test policies with every escalation threshold replaced. */
export function testPoliciesWithThreshold(threshold: number): string {
  const source = path.join(repoRoot, "test/fixtures/policies");
  const dir = mkdtempSync(path.join(tmpdir(), "arbiter-policies-"));
  for (const file of readdirSync(source)) {
    const text = readFileSync(path.join(source, file), "utf8").replace(/^escalation_threshold: .*$/m, `escalation_threshold: ${threshold}`);
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}
