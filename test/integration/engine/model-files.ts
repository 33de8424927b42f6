import path from "node:path";
import { fixturesDir, modelPath } from "../../support/env.js";

/** Path of a test model in ./models; throws (never skips) when it is missing. */
export function requireModel(fileName: "harmony-tiny-random.gguf" | "gemma-3-270m-q4_k_m.gguf"): string {
  return modelPath(fileName);
}

/** The spam policy from the fixtures (OpenAI's example policy, SP0–SP4). */
export function spamPolicyPath(): string {
  return path.join(fixturesDir, "spam-policy", "policy.txt");
}
