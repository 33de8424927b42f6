import { existsSync } from "node:fs";
import path from "node:path";

const repoRoot = path.resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../../..");

/** Path of a test model in ./models; throws (never skips) when it is missing. */
export function requireModel(fileName: "harmony-tiny-random.gguf" | "gemma-3-270m-q4_k_m.gguf"): string {
  const modelPath = path.join(repoRoot, "models", fileName);
  if (!existsSync(modelPath)) throw new Error(`test model ${modelPath} is missing: run \`bash scripts/models.sh\``);
  return modelPath;
}

/** The spam policy from the shared fixtures (OpenAI's example policy, SP0–SP4). */
export function spamPolicyPath(): string {
  return path.join(process.env.ARBITER_FIXTURES ?? path.resolve(repoRoot, "../shared/fixtures"), "policies", "spam", "policy.txt");
}
